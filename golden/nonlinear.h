// SPDX-License-Identifier: MIT
// The chip's non-linear units: piecewise-linear tables for 1/sqrt, 1/x, 2^-x and the
// sigmoid, and the RoPE cos/sin table. make_tables() builds them offline (floats allowed
// there only); the eval functions are integer-only and are the spec of the vector unit.
#pragma once

#include <cstdint>
#include <vector>

#include "model.h"

namespace hw {

// A piecewise-linear table: 2^index_bits segments, entries[k] the function value at the
// start of segment k (plus one endpoint). Evaluated as
//   y = e[k] + round_shift((e[k+1] - e[k]) * frac, frac_bits)
// with k the segment index and frac the position inside it (frac_bits bits).
struct PwlTable {
    int index_bits = 0;                 // log2 of the number of segments
    int out_frac = 0;                   // fraction bits of the entries
    std::vector<std::int32_t> entries;  // 2^index_bits + 1 values
};

// Table sizes (segments = 2^bits); chosen in docs/numerics.md from the error bounds.
constexpr int kRsqrtIndexBits = 9;     // 1/sqrt(m), m in [1, 4): 3/4 of 512 segments used
constexpr int kRecipIndexBits = 9;     // 1/m, m in [1, 2)
constexpr int kExp2IndexBits = 8;      // 2^-f, f in [0, 1)
constexpr int kSigmoidIndexBits = 10;  // sigmoid(x), x in [-16, 16)
constexpr int kSigmoidRange = 16;      // |x| beyond which sigmoid is clamped to 0 or 1
constexpr int kRopeFrac = 15;          // RoPE cos/sin in Q15 (17-bit signed: 1.0 is 32768)

// Every constant table of the chip. One instance is generated per model; the golden
// model and the generated RTL consume the same integers.
struct Tables {
    PwlTable rsqrt;                  // 1/sqrt(m), m in [1, 4), Q16 output (in (0.5, 1])
    PwlTable recip;                  // 1/m, m in [1, 2), Q16 output
    PwlTable exp2neg;                // 2^-f, f in [0, 1), Q30 output
    PwlTable sigmoid;                // sigmoid(x), x in [-16, 16), Q16 output
    int rope_pairs = 0;              // head_size / 2 frequencies
    std::vector<std::int32_t> rope;  // (seq_len, rope_pairs, 2) cos, sin in Q15
};

// Builds the tables for a model shape (offline; uses double precision).
Tables make_tables(const Config& c);

// ---- integer evaluation (the vector unit's spec) ----------------------------------------

// Evaluates a PwlTable: `index` selects the segment, `frac` (frac_bits wide) the point in it.
std::int32_t pwl_eval(const PwlTable& t, std::uint32_t index, std::uint32_t frac, int frac_bits);

// 1/sqrt(v) for v >= 1 as mantissa * 2^-shift: mantissa is Q16 in (0.5, 1] (so
// 1/sqrt(v) ~= mantissa * 2^-(16 + shift)). Returns the mantissa; writes shift. v = 0 is
// read as 1 (never passed: the RMSNorm sum includes eps >= 1).
std::int32_t rsqrt_u64(const Tables& t, std::uint64_t v, int* shift);

// 1/v for v >= 1 in the same form: 1/v ~= mantissa * 2^-(16 + shift). v = 0 is read as 1
// (never passed: a softmax sum is at least 2^30).
std::int32_t recip_u64(const Tables& t, std::uint64_t v, int* shift);

// 2^(-z) for z >= 0 in Q16 (z = integer part . 16 fraction bits); result in Q30, 0 when
// it underflows.
std::int64_t exp2neg_q16(const Tables& t, std::int64_t z);

// sigmoid(x) for x in Q16, result in Q16 (0 .. 65536).
std::int32_t sigmoid_q16(const Tables& t, std::int32_t x);

}  // namespace hw
