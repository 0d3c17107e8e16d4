// SPDX-License-Identifier: MIT
// The vector unit's non-linear functions against double precision, with stated bounds.
// Bound = linear-interpolation error h^2/8 * max|f''| + rounding of table entries and of
// the interpolation (1 LSB together), in the output's units.
#include <catch2/catch.hpp>
#include <cmath>

#include "fixed.h"
#include "nonlinear.h"

namespace {

hw::Tables tables() {
    hw::Config c;
    c.dim = 64;
    c.n_heads = 8;
    c.seq_len = 512;
    return hw::make_tables(c);
}

// sigmoid: h = 1/32, max|sigmoid''| = 0.0962: 0.77 LSB of Q16, plus 1 LSB rounding.
constexpr double kSigmoidBoundLsb = 1.8;
// 2^-f: h = 1/256, max|f''| = ln(2)^2: 9.2e-7 of 1.0, plus 1 LSB of Q30 rounding.
constexpr double kExp2BoundRel = 9.3e-7;
// 1/sqrt(m), m in [1,4): h = 1/128, max|f''| = 0.75: 5.7e-6 relative; output Q16 in
// (0.5, 1], so 1 LSB rounding is at most 3.05e-5 relative.
constexpr double kRsqrtBoundRel = 3.7e-5;
// 1/m, m in [1,2): h = 1/512, max|f''| = 2: 9.5e-7 relative, plus 3.05e-5 rounding.
constexpr double kRecipBoundRel = 3.2e-5;

}  // namespace

TEST_CASE("round_shift rounds half up and requant32 saturates", "[fast][numerics]") {
    using hw::fx::round_shift;
    CHECK(round_shift(3, 1) == 2);    // 1.5 -> 2
    CHECK(round_shift(-3, 1) == -1);  // -1.5 -> -1 (half up, towards +inf)
    CHECK(round_shift(5, 2) == 1);    // 1.25 -> 1
    CHECK(round_shift(-5, 2) == -1);  // -1.25 -> -1
    CHECK(round_shift(6, 2) == 2);    // 1.5 -> 2
    CHECK(round_shift(7, 0) == 7);
    CHECK(round_shift(7, -3) == 56);  // negative shift: exact left shift
    CHECK(round_shift(INT64_C(1) << 61, 63) == 0);
    std::uint64_t sat = 0;
    CHECK(hw::fx::requant32(INT64_C(1) << 40, 8, &sat) == INT32_MAX);
    CHECK(hw::fx::requant32(-(INT64_C(1) << 40), 8, &sat) == INT32_MIN);
    CHECK(hw::fx::requant32(1 << 20, -12, &sat) == INT32_MAX);  // left shift overflows
    CHECK(hw::fx::requant32(-(1 << 19) - 1, -12, &sat) == INT32_MIN);
    CHECK(hw::fx::requant32(-(1 << 19), -12, &sat) == INT32_MIN);  // exactly -2^31: no clamp
    CHECK(sat == 4);
    CHECK(hw::fx::requant32(-(1 << 19), -11, &sat) == -(1 << 30));
    CHECK(hw::fx::requant32(255, 4, &sat) == 16);
    CHECK(hw::fx::requant32(0, -40, &sat) == 0);           // zero never saturates
    CHECK(hw::fx::requant32(-1, -31, &sat) == INT32_MIN);  // exactly -2^31
    CHECK(hw::fx::requant32(1, -31, &sat) == INT32_MAX);   // 2^31 does not fit
    CHECK(sat == 5);
}

TEST_CASE("sigmoid over every Q16 input in [-17 17] and at the int32 edges", "[fast][numerics]") {
    const hw::Tables t = tables();
    double worst = 0;
    for (std::int64_t x = -(17 << 16); x <= (17 << 16); x++) {
        const double want = 65536.0 / (1.0 + std::exp(-double(x) / 65536.0));
        worst = std::max(worst, std::fabs(hw::sigmoid_q16(t, static_cast<std::int32_t>(x)) - want));
    }
    INFO("worst error " << worst << " LSB");
    CHECK(worst <= kSigmoidBoundLsb);
    CHECK(hw::sigmoid_q16(t, INT32_MIN) == 0);
    CHECK(hw::sigmoid_q16(t, INT32_MAX) == 65536);
    CHECK(hw::sigmoid_q16(t, 0) == 32768);
}

TEST_CASE("2^-z exhaustively over the 16-bit fraction densely over the integer part",
          "[fast][numerics]") {
    const hw::Tables t = tables();
    double worst = 0;
    for (std::int64_t z = 0; z < (1 << 16); z++) {  // every fraction, integer part 0
        const double want = std::ldexp(std::exp2(-double(z) / 65536.0), 30);
        worst =
            std::max(worst, std::fabs(double(hw::exp2neg_q16(t, z)) - want) / std::ldexp(1.0, 30));
    }
    INFO("worst relative error " << worst);
    CHECK(worst <= kExp2BoundRel);
    // Integer parts 1..40: the result is the shifted mantissa, error scaled down plus half
    // an LSB for the shift's rounding; underflow to 0 from 2^-31 on.
    for (std::int64_t z = 1 << 16; z < (std::int64_t(40) << 16); z += 13) {
        const double want = std::ldexp(std::exp2(-double(z) / 65536.0), 30);
        const double bound = kExp2BoundRel * std::ldexp(1.0, 30 - int(z >> 16)) + 1.0;
        REQUIRE(std::fabs(double(hw::exp2neg_q16(t, z)) - want) <= bound);
    }
    CHECK(hw::exp2neg_q16(t, 0) == (1 << 30));
    CHECK(hw::exp2neg_q16(t, std::int64_t(31) << 16) == 0);
    CHECK(hw::exp2neg_q16(t, INT64_C(1) << 40) == 0);
}

TEST_CASE("1/sqrt and 1/x over all inputs below 2^20 and a dense sweep to 2^64",
          "[fast][numerics]") {
    const hw::Tables t = tables();
    double worst_rsqrt = 0, worst_recip = 0;
    auto check = [&](std::uint64_t v) {
        int sh = 0;
        const std::int32_t rs_mantissa = hw::rsqrt_u64(t, v, &sh);  // sets sh
        const double rs = std::ldexp(double(rs_mantissa), -(16 + sh));
        worst_rsqrt = std::max(worst_rsqrt, std::fabs(rs * std::sqrt(double(v)) - 1.0));
        const std::int32_t rc_mantissa = hw::recip_u64(t, v, &sh);
        const double rc = std::ldexp(double(rc_mantissa), -(16 + sh));
        worst_recip = std::max(worst_recip, std::fabs(rc * double(v) - 1.0));
    };
    for (std::uint64_t v = 1; v < (1u << 20); v++) check(v);
    for (int b = 1; b < 64; b++) {  // both sides of every power of two
        for (int d = -3; d <= 3; d++) {
            const std::uint64_t v = (std::uint64_t(1) << b) + std::uint64_t(std::int64_t(d));
            if (v != 0) check(v);
        }
    }
    std::uint64_t s = 1;  // log-uniform sweep of the full 64-bit range
    for (int i = 0; i < 1000000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        check((s >> (s & 63)) | 1);
    }
    check(~std::uint64_t(0));
    int sh = 0;
    CHECK(hw::rsqrt_u64(t, 0, &sh) == hw::rsqrt_u64(t, 1, &sh));  // 0 is read as 1
    CHECK(hw::recip_u64(t, 0, &sh) == 65536);
    INFO("rsqrt " << worst_rsqrt << ", recip " << worst_recip);
    CHECK(worst_rsqrt <= kRsqrtBoundRel);
    CHECK(worst_recip <= kRecipBoundRel);
}

TEST_CASE("RoPE table holds cos and sin of pos * 10000^(-2i/head_size) in Q15",
          "[fast][numerics]") {
    const hw::Tables t = tables();  // head_size 8: 4 pairs
    REQUIRE(t.rope_pairs == 4);
    REQUIRE(t.rope.size() == 512u * 4 * 2);
    for (int pos : {0, 1, 7, 255, 511}) {
        for (int i = 0; i < 4; i++) {
            const double a = pos * std::pow(10000.0, -2.0 * i / 8);
            CHECK(std::fabs(t.rope[(pos * 4 + i) * 2] - 32768 * std::cos(a)) <= 0.5);
            CHECK(std::fabs(t.rope[(pos * 4 + i) * 2 + 1] - 32768 * std::sin(a)) <= 0.5);
        }
    }
    CHECK(t.rope[0] == 32768);  // cos(0) = 1.0: 17-bit signed entries
}
