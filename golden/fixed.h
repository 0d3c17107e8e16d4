// SPDX-License-Identifier: MIT
// Fixed-point primitives of the chip's arithmetic. Every rounding and saturation in the
// integer golden model goes through these few functions, so the RTL has one rule for each.
#pragma once

#include <cstdint>
#include <limits>

namespace hw::fx {

// Fraction bits of the vector unit's values (residual stream, projections, norms, RoPE,
// scores): int32 Q15.16.
constexpr int kFrac = 16;
constexpr std::int64_t kOne = std::int64_t(1) << kFrac;  // 1.0 in Q16

// Number of bits needed to hold v > 0 (position of the leading one, plus one); 0 for 0.
// Hardware: a leading-zero counter.
inline int bit_length(std::uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// v / 2^shift rounded half up (add half an LSB, arithmetic shift right): the rounding of
// every requantization. shift <= 0 shifts left instead (exact). Hardware: an adder and a
// barrel shifter. Callers guarantee |v| < 2^62 so the half-LSB add cannot overflow.
inline std::int64_t round_shift(std::int64_t v, int shift) {
    if (shift <= 0) return v * (std::int64_t(1) << -shift);
    if (shift >= 63) return 0;
    return (v + (std::int64_t(1) << (shift - 1))) >> shift;
}

// Clamps to the signed range of `bits` bits (saturation). `saturated` counts clamps.
inline std::int64_t saturate(std::int64_t v, int bits, std::uint64_t* saturated = nullptr) {
    const std::int64_t hi = (std::int64_t(1) << (bits - 1)) - 1, lo = -hi - 1;
    if (v > hi || v < lo) {
        if (saturated) ++*saturated;
        return v > hi ? hi : lo;
    }
    return v;
}

// Saturating conversion to int32, counting clamps.
inline std::int32_t sat32(std::int64_t v, std::uint64_t* saturated = nullptr) {
    return static_cast<std::int32_t>(saturate(v, 32, saturated));
}

}  // namespace hw::fx

namespace hw::fx {

// v / 2^shift rounded half up, saturated to int32, for any shift (negative = left shift)
// and any |v| < 2^62: the requantization into the vector unit's Q16 words.
inline std::int32_t requant32(std::int64_t v, int shift, std::uint64_t* saturated = nullptr) {
    if (shift < 0) {
        // v * 2^left fits int32 iff v is in [-2^(31-left), 2^(31-left)); only 0 for left > 31.
        const int left = -shift;
        const std::int64_t lim = left > 31 ? 0 : (std::int64_t(1) << (31 - left));
        if (v == 0) return 0;
        if (v >= lim || v < -lim) return sat32(v > 0 ? INT64_MAX : INT64_MIN, saturated);
        return static_cast<std::int32_t>(v * (std::int64_t(1) << left));
    }
    return sat32(round_shift(v, shift), saturated);
}
}  // namespace hw::fx
