// SPDX-License-Identifier: MIT
// The vector unit's arithmetic in hw_pkg (rounding, saturation, requantization, activation
// words), through the test wrapper tests/rtl/hw_pkg_funcs.sv, against golden/fixed.h and
// IntModel::quantize_activations: every power-of-two edge of the 64-bit range the callers
// use (|v| < 2^62), random values, and every shift from a full left shift to past 63.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "Vpkg_funcs.h"
#include "fixed.h"
#include "int_model.h"
#include "synthetic.h"

namespace {

// 0, +-1, +-2^k, +-(2^k - 1), +-(2^k + 1) for k < 62, and random magnitudes below 2^62.
std::vector<std::int64_t> edge_values(hw::SplitMix64& rng) {
    std::vector<std::int64_t> v{0, 1, -1};
    for (int k = 1; k < 62; k++) {
        const std::int64_t p = std::int64_t(1) << k;
        for (std::int64_t x : {p, p - 1, p + 1}) {
            v.push_back(x);
            v.push_back(-x);
        }
    }
    for (int i = 0; i < 400; i++) {
        const int bits = 1 + int(rng.below(61));
        const std::int64_t x = std::int64_t(rng.next() & ((std::uint64_t(1) << bits) - 1));
        v.push_back(rng.below(2) ? x : -x);
    }
    return v;
}

}  // namespace

TEST_CASE("hw_pkg rounding saturation and requantization equal golden/fixed.h",
          "[fast][rtl][pkg]") {
    hw::SplitMix64 rng(5);
    Vpkg_funcs m;
    long long checked = 0;
    for (const std::int64_t v : edge_values(rng)) {
        m.v_i = std::uint64_t(v);
        m.eval();
        INFO("v = " << v);
        REQUIRE(std::int32_t(m.sat32_o) == hw::fx::sat32(v));
        std::uint64_t clamped = 0;
        hw::fx::sat32(v, &clamped);
        REQUIRE(bool(m.outside32_o) == (clamped != 0));
        const int bits = hw::fx::bit_length(std::uint64_t(std::llabs(v)));
        for (int sh = -70; sh <= 70; sh++) {
            INFO("shift " << sh);
            m.sh_i = std::uint32_t(sh);
            m.eval();
            // round_shift: a left shift is exact only while it fits (callers guarantee it).
            if (sh >= 0 || bits - sh < 63)
                REQUIRE(std::int64_t(m.round_shift_o) == hw::fx::round_shift(v, sh));
            std::uint64_t sat = 0;
            REQUIRE(std::int32_t(m.requant32_o) == hw::fx::requant32(v, sh, &sat));
            REQUIRE(bool(m.requant32_sat_o) == (sat != 0));
            checked++;
        }
    }
    INFO(checked << " (value, shift) pairs");
    CHECK(checked > 100000);
}

TEST_CASE("hw_pkg activation shift and words equal IntModel::quantize_activations",
          "[fast][rtl][pkg]") {
    hw::SplitMix64 rng(6);
    Vpkg_funcs m;
    // Largest magnitudes: every 2^k, 2^k +- 1 up to |INT32_MIN| = 2^31, and random ones.
    std::vector<std::int64_t> maxima{0, 1, 2, 3, 32767, 32768, 65535, 65536};
    for (int k = 2; k <= 31; k++) {
        const std::int64_t p = std::int64_t(1) << k;
        maxima.insert(maxima.end(), {p - 1, p, p + 1});
    }
    for (int i = 0; i < 300; i++) maxima.push_back(std::int64_t(rng.below(std::uint64_t(1) << 31)));
    for (const std::int64_t mx : maxima) {
        if (mx > (std::int64_t(1) << 31)) continue;
        for (const int min_shift : {-128, -3, 0, 4}) {
            INFO("max |v| " << mx << ", min_shift " << min_shift);
            // The golden shift of a vector whose largest magnitude is mx.
            const std::int32_t x = mx == (std::int64_t(1) << 31) ? INT32_MIN : std::int32_t(mx);
            std::int16_t word = 0;
            const int want = hw::IntModel::quantize_activations(&x, 1, &word, min_shift);
            m.maxabs_i = std::uint64_t(mx);
            m.min_shift_i = std::uint8_t(std::int8_t(min_shift));
            m.x_i = std::uint32_t(x);
            m.eval();
            REQUIRE(std::int8_t(m.act_shift_o) == want);
            REQUIRE(std::uint64_t(m.abs33_o) == std::uint64_t(mx));
            // Words of elements below the maximum, with that shift.
            m.x_shift_i = std::uint8_t(std::int8_t(want));
            for (int i = 0; i < 8; i++) {
                const std::int32_t e = i == 0 ? x : std::int32_t(std::int64_t(rng.below(2 * std::uint64_t(mx) + 1)) - mx);
                m.x_i = std::uint32_t(e);
                m.eval();
                REQUIRE(std::int16_t(m.act_word_o) == std::int16_t(hw::fx::round_shift(e, want)));
            }
        }
    }
}
