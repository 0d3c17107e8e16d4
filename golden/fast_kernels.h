// SPDX-License-Identifier: MIT
// The fast model's kernels: IntModel's matrix-vector product, attention, activation
// quantization, RMSNorm and SwiGLU, bit for bit, arranged for speed. They are what the
// transaction-level model of the card (vp/fast_chip.h) computes with; IntModel's own loops
// stay the specification. tests/test_fast_kernels.cc checks the two equal on whole decodes
// (logits, every tap, KV rows, saturation counts) and each kernel on inputs chosen for its
// edges (the largest magnitudes, clamps, shifts out of a fast path's range).
//
// Measured (hardwire bench on stories260K, 256 positions, side by side in one run): the
// golden model with these kernels about 3.6x as fast as without; the transaction-level model
// above 20,000 tokens/s (docs/architecture.md has the figures).
//
// What they change, with the same integers (each function's comment has its bounds):
//  - matvec: rows in blocks of 8, each row cut into segments of at most kChunk columns of
//    one group, padded with zero weights to a multiple of 16, widened once to int16. A
//    segment's dot product is summed in 32 bits (|w| <= 2^7, |a| <= 2^15: below
//    2^22 * kChunk = 2^30), the 8 rows' sums added across in one tree, times the mantissas
//    in 64 bits; the 8 rows' requantizations at once.
//  - attention: the scores four positions at a time in doubles (exact below 2^53); the
//    softmax's online sum rebuilt from the positions where the running maximum grows (the
//    terms between two growths are an integer sum, so their order does not matter; each
//    growth's rescale is softmax_sum's), 2^-z eight at a time from the table of 2^-f at
//    every 16-bit fraction; the weighted values as doubles (exact: every partial sum is an
//    integer below 2^53, checked per head).
//  - quantize_activations, rmsnorm, swiglu: eight elements at a time, each 64-bit product
//    as two sets of 32 x 32-bit multiplies, the same roundings.
// Each path needs AVX2 (the attention FMA too), checked at run time; without it IntModel's
// own loops run.
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
    // `vector`: take the AVX2 paths where the processor has them (false: none, as on a
    // processor without AVX2: every kernel leaves the work to the specification's loops; the
    // tests run both).
    explicit FastKernels(const QModel& q, bool vector = true);

    // out (w.rows) = W a, Q16, exactly as IntModel::matvec; `sat` counts clamped results.
    // Only for a matrix it takes (has()).
    void matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift,
                std::uint64_t* sat) const;

    // IntModel::rmsnorm of n elements (eps: IntConstants::rms_eps), exactly; false when it
    // has no fast path for them (no AVX2, a shift out of its range): nothing was written and
    // the specification's loops are to run. IntModel::swiglu, exactly.
    bool rmsnorm(std::int32_t* out, const std::int32_t* x, int n, const QGain& gain,
                 const Tables& t, std::int64_t eps, std::uint64_t* sat) const;
    void swiglu(std::int32_t* hb, const std::int32_t* hb2, int n, const Tables& t,
                std::uint64_t* sat) const;

    // Builds what the vector paths need from a set of tables (the table of 2^-f at every
    // fraction; the checks that the tables fit the paths' arithmetic), once per set. The first call
    // with another set does it too; a card model calls it at start-up.
    void prepare(const Tables& t) const;

    // IntModel::quantize_activations, exactly.
    int quantize_activations(const std::int32_t* v, int n, std::int16_t* out, int min_shift) const;

    // Whether matvec takes `w`: one of the model's matrices (an adapter's are not laid out
    // here), on a processor with AVX2 (else the specification's loops run).
    bool has(const QMatrix& w) const { return avx2_ && layouts_.count(&w) != 0; }

    // IntModel::attention, exactly (the same arguments).
    void attention(const Config& c, const Tables& t, const IntConstants& k, const std::int32_t* q,
                   const std::int16_t* k_rows, const std::int8_t* k_shift,
                   const std::int16_t* v_rows, const std::int8_t* v_shift, int pos,
                   std::int32_t* out, std::int32_t* scores, std::int32_t* probs,
                   std::uint64_t* sat) const;

    // A piece of a row: at most kChunk columns of one group, padded with zero weights to a
    // multiple of 16 (one 16-lane multiply-add).
    struct Segment {
        int col, len;  // its columns in the matrix
        int padded;    // len rounded up to 16
        int offset;    // where it starts in a padded row (and in the padded activations)
        int group;     // its group (mantissa)
    };
    // A matrix laid out for matvec: rows in blocks of 8 (the last padded with zero rows);
    // within a block, segment by segment, the 8 rows' padded weights one after another as
    // int16 (w: [block][segment][row of 8][padded]); each block's mantissas as int32
    // (m: [block][segment][row of 8]); each block's row exponents as int64 in the order
    // rows 0 1 4 5 2 3 6 7, the order the eight rows' sums come out of the AVX2 loop.
    struct Layout {
        int blocks = 0, padded_cols = 0;
        std::vector<Segment> segments;
        std::vector<std::int16_t> w;
        std::vector<std::int32_t> m;
        std::vector<std::int64_t> shift;
    };

    // The attention's work buffers, one head at a time.
    struct AttentionScratch {
        std::vector<std::int32_t> att;      // the scores, then the probabilities (positions)
        std::vector<std::int32_t> term;     // each position's term of the online sum
        std::vector<std::int64_t> total;    // running totals of the terms
        std::vector<std::int32_t> run_max;  // the running maximum of the scores at each position
        std::vector<int> grow;              // the positions where the running maximum grows
        std::vector<std::int32_t> factor;   // the sum's rescale factor at each of them
        std::vector<double> weight;         // each position's probability * 2^(its value shift)
        std::vector<std::int64_t> acc;      // the weighted-value sums (head size)
    };
    // 2^-f in Q30 at each 16-bit fraction f: exp2neg_q16's table (Tables::exp2neg) read at
    // each once, so that 2^-z is a lookup and a rounding shift.
    struct Exp2Table {
        const std::int32_t* value;
    };

  private:
    void add(const QMatrix& m);
    bool avx2_;  // the AVX2 paths are taken
    std::unordered_map<const QMatrix*, Layout> layouts_;
    mutable std::vector<std::int16_t> a_pad_;  // matvec: the activations in the segments' places
    mutable std::vector<std::int16_t> qa_;  // attention: q as MAC words
    mutable AttentionScratch scratch_;
    // Exp2Table's values, made from the tables the first attention is given.
    mutable std::vector<std::int32_t> exp2_value_;
    mutable const Tables* tables_ = nullptr;  // the set prepare() last took
    mutable bool attention_ok_ =
        false;  // AVX2 and FMA, every 2^-f in [0, 2^30], 1/x's table unsigned 32-bit
    mutable bool swiglu_ok_ = false;   // AVX2, and the sigmoid's table fits swiglu_avx2
    mutable bool rmsnorm_ok_ = false;  // AVX2, and 1/sqrt's table fits rmsnorm_avx2
};

}  // namespace hw
