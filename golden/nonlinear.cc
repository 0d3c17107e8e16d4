// SPDX-License-Identifier: MIT
// Non-linear tables: offline generation (double precision) and integer evaluation.
#include "nonlinear.h"

#include <cmath>

#include "fixed.h"

namespace hw {
namespace {

// Samples f at the 2^bits + 1 segment boundaries of [lo, hi), rounded half to even into
// `out_frac` fraction bits.
template <typename F>
PwlTable sample(int bits, int out_frac, double lo, double hi, F f) {
    PwlTable t;
    t.index_bits = bits;
    t.out_frac = out_frac;
    const int n = 1 << bits;
    for (int k = 0; k <= n; k++) {
        const double x = lo + (hi - lo) * k / n;
        t.entries.push_back(static_cast<std::int32_t>(std::nearbyint(std::ldexp(f(x), out_frac))));
    }
    return t;
}

}  // namespace

Tables make_tables(const Config& c) {
    Tables t;
    // rsqrt: the table spans m in [0, 4) so the index is just the top bits of a Q30
    // mantissa; only m >= 1 (the upper 3/4) is ever read. m < 1 entries hold 1/sqrt(1).
    t.rsqrt = sample(kRsqrtIndexBits, 16, 0.0, 4.0,
                     [](double m) { return 1.0 / std::sqrt(std::max(m, 1.0)); });
    t.recip = sample(kRecipIndexBits, 16, 1.0, 2.0, [](double m) { return 1.0 / m; });
    t.exp2neg = sample(kExp2IndexBits, 30, 0.0, 1.0, [](double f) { return std::exp2(-f); });
    t.sigmoid = sample(kSigmoidIndexBits, 16, -kSigmoidRange, kSigmoidRange,
                       [](double x) { return 1.0 / (1.0 + std::exp(-x)); });

    // RoPE: angle pos * 10000^(-2i/head_size) for pair i of each head.
    const int hs = c.head_size();
    t.rope_pairs = hs / 2;
    t.rope.reserve(std::size_t(c.seq_len) * t.rope_pairs * 2);
    for (int pos = 0; pos < c.seq_len; pos++) {
        for (int i = 0; i < t.rope_pairs; i++) {
            const double freq = std::pow(10000.0, -2.0 * i / hs);
            const double a = pos * freq;
            t.rope.push_back(
                static_cast<std::int32_t>(std::nearbyint(std::ldexp(std::cos(a), kRopeFrac))));
            t.rope.push_back(
                static_cast<std::int32_t>(std::nearbyint(std::ldexp(std::sin(a), kRopeFrac))));
        }
    }
    return t;
}

std::int32_t pwl_eval(const PwlTable& t, std::uint32_t index, std::uint32_t frac, int frac_bits) {
    const std::int64_t a = t.entries[index], b = t.entries[index + 1];
    return static_cast<std::int32_t>(a + fx::round_shift((b - a) * std::int64_t(frac), frac_bits));
}

// Both rsqrt and recip normalise v to a mantissa with 30 fraction bits: v = m * 2^p.
std::int32_t rsqrt_u64(const Tables& t, std::uint64_t v, int* shift) {
    v = v == 0 ? 1 : v;
    // Even exponent e so that v = m * 2^e with m in [1, 4); 1/sqrt(v) = 1/sqrt(m) * 2^(-e/2).
    const int e = (fx::bit_length(v) - 1) & ~1;
    // m as Q30 in a 32-bit word: [2^30, 2^32).
    const std::uint64_t mq = e >= 30 ? v >> (e - 30) : v << (30 - e);
    constexpr int kFracBits = 32 - kRsqrtIndexBits;
    *shift = e / 2;
    return pwl_eval(t.rsqrt, static_cast<std::uint32_t>(mq >> kFracBits),
                    static_cast<std::uint32_t>(mq & ((1u << kFracBits) - 1)), kFracBits);
}

std::int32_t recip_u64(const Tables& t, std::uint64_t v, int* shift) {
    v = v == 0 ? 1 : v;
    // v = m * 2^e with m in [1, 2); 1/v = 1/m * 2^-e. m - 1 as 30 fraction bits.
    const int e = fx::bit_length(v) - 1;
    const std::uint64_t mq = e >= 30 ? v >> (e - 30) : v << (30 - e);
    const std::uint64_t f = mq - (std::uint64_t(1) << 30);
    constexpr int kFracBits = 30 - kRecipIndexBits;
    *shift = e;
    return pwl_eval(t.recip, static_cast<std::uint32_t>(f >> kFracBits),
                    static_cast<std::uint32_t>(f & ((1u << kFracBits) - 1)), kFracBits);
}

std::int64_t exp2neg_q16(const Tables& t, std::int64_t z) {
    const std::int64_t n = z >> 16;  // integer part: a right shift of the result
    if (n >= 31) return 0;           // below 2^-31 in Q30: underflow to zero
    const std::uint32_t f = static_cast<std::uint32_t>(z & 0xffff);
    constexpr int kFracBits = 16 - kExp2IndexBits;
    const std::int32_t m =
        pwl_eval(t.exp2neg, f >> kFracBits, f & ((1u << kFracBits) - 1), kFracBits);
    return fx::round_shift(m, static_cast<int>(n));
}

std::int32_t sigmoid_q16(const Tables& t, std::int32_t x) {
    constexpr std::int64_t kLo = -(std::int64_t(kSigmoidRange) << 16);
    if (x < kLo) return 0;
    if (x >= -kLo) return 1 << 16;
    // Offset into [0, 32) in Q16: top 10 bits of the 21-bit offset pick the segment.
    const std::uint32_t u = static_cast<std::uint32_t>(x - kLo);
    constexpr int kFracBits = 16 + 5 - kSigmoidIndexBits;  // 2*16 = 2^5 units
    return pwl_eval(t.sigmoid, u >> kFracBits, u & ((1u << kFracBits) - 1), kFracBits);
}

}  // namespace hw
