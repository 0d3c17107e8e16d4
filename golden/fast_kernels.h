// SPDX-License-Identifier: MIT
// The fast model's kernels: IntModel's matrix-vector product and attention, bit for bit,
// arranged for speed. They are what the fast (transaction-level) model of the card computes
// with; IntModel's own loops stay the specification, and tests/test_fast_kernels.cc checks
// the two equal (logits, KV rows and saturation counts) on whole decodes.
//
// What they change, with the same integers (measured: hardwire bench on stories260K runs the
// golden model with them 2.4x as fast as without, in one run side by side; callgrind over 256
// positions: the attention 1.93x and the matrix products 1.39x fewer instructions than the
// first version of these kernels; the 20,000 tokens/s of the fast model's target are not
// reached yet):
//  - matvec: the specification sums each group's products in 64 bits; here the weights are
//    widened once to int16 and each group's dot product is summed in 32 bits (a multiply-add
//    of 16-bit pairs), in chunks of at most kChunk weights so that the 32-bit sum cannot
//    overflow: |w| <= 2^7 and |a| <= 2^15, so a chunk's sum is below 2^22 * kChunk = 2^30.
//    Where the processor has AVX2 a group of 32 is two 16-lane multiply-adds added across the
//    register. The groups' sums, the scale products and the requantization are the
//    specification's.
//  - attention: q . k as 16-bit multiply-adds (|q|, |k| <= 2^15 - 1: a pair's sum fits 32
//    bits) summed in 64 bits; the weighted sum of values runs position by position over a
//    head's contiguous value row (the specification runs element by element down the cache,
//    a stride of kv_dim apart), into one 64-bit sum per element, 8 elements a step with AVX2
//    (a probability, at most 2^16 + 2, times a value fits 32 bits before the row's shift);
//    the sums are exact integers (below 2^49, docs/numerics.md), so their order does not
//    change them.
//  - softmax: the online sum is softmax_sum's algorithm, step for step, keeping each term;
//    a position after the last new maximum was summed with the final maximum, so its term
//    is its numerator, 2^-((max - s) log2 e), and is not computed again (the specification
//    computes every numerator a second time). 2^-z is exp2neg_q16's: its table read once at
//    each of the 2^16 fractions, then a lookup and a rounding shift.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "int_model.h"
#include "quant.h"

namespace hw {

class FastKernels {
  public:
    static constexpr int kChunk = 256;

    // Lays out every matrix of `q` (which must outlive this object). One per model: the
    // attention's work buffers are its own (not thread-safe).
    explicit FastKernels(const QModel& q);

    // out (w.rows) = W a, Q16, exactly as IntModel::matvec; `sat` counts clamped results.
    // w must be one of the model's matrices.
    void matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift,
                std::uint64_t* sat) const;

    // Whether `w` is one of the model's matrices (an adapter's are not laid out here).
    bool has(const QMatrix& w) const { return wide_.count(&w) != 0; }

    // IntModel::attention, exactly (the same arguments).
    void attention(const Config& c, const Tables& t, const IntConstants& k, const std::int32_t* q,
                   const std::int16_t* k_rows, const std::int8_t* k_shift,
                   const std::int16_t* v_rows, const std::int8_t* v_shift, int pos,
                   std::int32_t* out, std::int32_t* scores, std::int32_t* probs,
                   std::uint64_t* sat) const;

  private:
    void add(const QMatrix& m);
    std::unordered_map<const QMatrix*, std::vector<std::int16_t>> wide_;  // (rows, cols) int16
    mutable std::vector<std::int16_t> qa_;  // attention: q as MAC words
    mutable std::vector<std::int32_t> att_;  // one head's scores, then probabilities
    mutable std::vector<std::int64_t> term_;  // the online sum's term of each position
    mutable std::vector<std::int64_t> acc_;  // one head's weighted-value sums
    // 2^-f in Q30 for each 16-bit fraction f (exp2neg_q16's table read at each once), made from
    // the tables the first attention is given: 2^-z is then a lookup and a rounding shift.
    mutable std::vector<std::int32_t> exp2_frac_;
    mutable const Tables* exp2_tables_ = nullptr;
};

}  // namespace hw
