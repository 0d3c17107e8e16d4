// SPDX-License-Identifier: MIT
// hw_act_quant against IntModel::quantize_activations: vectors of every magnitude from 0 to
// |INT32_MIN|, the rounding carry and the KV floor (min_shift 0), 16 lanes per cycle, the
// maximum given as the sequencer gathers it (largest |v|, 33 bits).
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "Vact_quant.h"
#include "int_model.h"
#include "sim_control.h"
#include "synthetic.h"

namespace {

constexpr int kLanes = 16;  // -GLanes in tests/CMakeLists.txt

// Runs one vector through the quantizer, kLanes elements per cycle; returns the shift and
// fills `words`.
int run_vector(hw::SimControl<Vact_quant>& sim, const std::vector<std::int32_t>& v, int min_shift,
               std::vector<std::int16_t>& words) {
    Vact_quant& m = sim.top();
    std::uint64_t maxabs = 0;
    for (std::int32_t x : v) maxabs = std::max<std::uint64_t>(maxabs, std::llabs(std::int64_t(x)));
    m.maxabs_i = maxabs;
    m.min_shift_i = std::uint8_t(std::int8_t(min_shift));
    words.clear();
    int shift = 0;
    for (std::size_t base = 0; base < v.size(); base += kLanes) {
        for (int k = 0; k < kLanes; k++)
            m.data_i[k] = base + k < v.size() ? std::uint32_t(v[base + k]) : 0;
        m.valid_i = 1;  // the range assertion checks every word on the clock edge
        m.eval();
        shift = std::int8_t(m.shift_o);
        for (int k = 0; k < kLanes && base + k < v.size(); k++)
            words.push_back(std::int16_t(m.word_o[k / 2] >> (16 * (k % 2))));
        sim.tick();
    }
    m.valid_i = 0;
    return shift;
}

}  // namespace

TEST_CASE("activation quantizer matches the golden shift and words", "[fast][rtl][act_quant]") {
    hw::SplitMix64 rng(21);
    hw::SimControl<Vact_quant> sim;
    sim.reset();
    std::vector<std::vector<std::int32_t>> vectors;
    for (int bits = 0; bits <= 31; bits++) {  // largest magnitude 2^bits - 1, random below
        std::vector<std::int32_t> v(1 + rng.below(100));
        const std::int64_t mag = (std::int64_t(1) << bits) - 1;
        for (auto& x : v) x = std::int32_t(std::int64_t(rng.below(2 * mag + 1)) - mag);
        v[rng.below(v.size())] = rng.below(2) ? std::int32_t(mag) : std::int32_t(-mag);
        vectors.push_back(v);
    }
    vectors.push_back(std::vector<std::int32_t>(17, 0));  // zero vector
    vectors.push_back({INT32_MIN, 5, INT32_MAX});         // |INT32_MIN| = 2^31
    vectors.push_back({65535, -3});                       // rounding carries: s = 2
    vectors.push_back({-65535, 1});
    vectors.push_back({32767, 32766});  // fits at s = 0
    vectors.push_back({1, -1, 0});      // tiny: s = -14
    for (const auto& v : vectors) {
        for (int min_shift : {-128, 0}) {
            INFO("vector of " << v.size() << ", first " << v[0] << ", min_shift " << min_shift);
            std::vector<std::int16_t> want(v.size()), got;
            const int want_shift = hw::IntModel::quantize_activations(
                v.data(), int(v.size()), want.data(), min_shift == -128 ? INT32_MIN : 0);
            const int got_shift = run_vector(sim, v, min_shift, got);
            CHECK(got_shift == want_shift);
            CHECK(got == want);
        }
    }
}
