// SPDX-License-Identifier: MIT
// hw_act_quant against IntModel::quantize_activations: vectors of every magnitude from 0 to
// |INT32_MIN|, the rounding carry, the KV floor (min_shift 0), idle cycles and backpressure.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <memory>

#include "Vact_quant.h"
#include "int_model.h"
#include "sim_control.h"
#include "synthetic.h"

namespace {

// Runs one vector through both passes; returns the shift and fills `words`.
int run_vector(hw::SimControl<Vact_quant>& sim, const std::vector<std::int32_t>& v, int min_shift,
               hw::SplitMix64& rng, std::vector<std::int16_t>& words) {
    Vact_quant& m = sim.top();
    auto tick = [&] { sim.tick(); };
    std::size_t i = 0;
    int shift = 0;
    bool have_shift = false;
    for (int cycle = 0; !have_shift; cycle++) {
        REQUIRE(cycle < 10 * int(v.size()) + 50);
        m.in_valid_i = i < v.size() && rng.below(4) != 0;  // idle cycles
        m.in_data_i = i < v.size() ? std::uint32_t(v[i]) : 0;
        m.in_last_i = i + 1 == v.size();
        m.min_shift_i = std::uint8_t(std::int8_t(min_shift));
        m.shift_ready_i = rng.below(3) != 0;  // backpressure
        m.word_valid_i = 0;
        m.eval();
        if (m.shift_valid_o && m.shift_ready_i) {
            shift = std::int8_t(m.shift_o);
            have_shift = true;
        }
        if (m.in_valid_i && m.in_ready_o) i++;
        tick();
    }
    words.clear();
    for (std::int32_t x : v) {
        m.word_valid_i = 1;
        m.word_data_i = std::uint32_t(x);
        m.word_shift_i = std::uint8_t(std::int8_t(shift));
        m.eval();
        words.push_back(std::int16_t(m.word_o));
        tick();
    }
    m.word_valid_i = 0;
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
            const int got_shift = run_vector(sim, v, min_shift, rng, got);
            CHECK(got_shift == want_shift);
            CHECK(got == want);
        }
    }
}
