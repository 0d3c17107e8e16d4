// SPDX-License-Identifier: MIT
#include "fast_kernels.h"

#include <immintrin.h>

#include <algorithm>

#include "error.h"
#include "fixed.h"
#include "nonlinear.h"

namespace hw {

FastKernels::FastKernels(const QModel& q) {
    for (const QLayer& L : q.layers)
        for (const QMatrix* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w1, &L.w2, &L.w3}) add(*m);
    add(q.classifier());
    const int n_max = q.config.seq_len;
    qa_.resize(q.config.dim);
    att_.resize(n_max);
    acc_.resize(q.config.head_size());
    term_.resize(n_max);
}

void FastKernels::add(const QMatrix& m) {
    std::vector<std::int16_t>& w = wide_[&m];
    w.assign(m.w.begin(), m.w.end());
}

namespace {
// A chunk's dot product of int16 weights and activations in 32 bits (see the header for why
// it cannot overflow); plain loops the compiler vectorizes, the second unrolled for the
// usual group of 32.
inline std::int32_t dot32(const std::int16_t* w, const std::int16_t* a, int n) {
    std::int32_t s = 0;
    for (int k = 0; k < n; k++) s += std::int32_t(w[k]) * std::int32_t(a[k]);
    return s;
}
template <int N>
inline std::int32_t dot32_fixed(const std::int16_t* w, const std::int16_t* a) {
    std::int32_t s = 0;
    for (int k = 0; k < N; k++) s += std::int32_t(w[k]) * std::int32_t(a[k]);
    return s;
}

// The rows of one matrix: IntModel::matvec's sums, group by group.
inline void matvec_rows(std::int32_t* out, const QMatrix& w, const std::int16_t* wide,
                        const std::int16_t* a, int a_shift, std::uint64_t* sat) {
    for (int i = 0; i < w.rows; i++) {
        const std::int16_t* row = wide + std::size_t(i) * w.cols;
        const std::uint16_t* m = w.mantissa.data() + std::size_t(i) * w.groups;
        std::int64_t acc = 0;
        for (int g = 0, j = 0; g < w.groups; g++) {
            const int end = std::min(w.cols, j + w.group_size);
            std::int64_t part = 0;
            if (end - j == 32) {
                part = dot32_fixed<32>(row + j, a + j);
            } else {
                for (int k = j; k < end; k += FastKernels::kChunk)
                    part += dot32(row + k, a + k, std::min(FastKernels::kChunk, end - k));
            }
            j = end;
            acc += part * m[g];
        }
        out[i] = fx::requant32(acc, w.shift[i] - a_shift, sat);
    }
}

// The same with AVX2, taken when the processor has it: a group of 32 is two 16-bit
// multiply-adds (16 products each) whose eight 32-bit sums are added across the register
// (|part| < 2^27: it cannot overflow); a group of another size (a row's last, or a format's
// other group) takes matvec_rows' loops, compiled here with the wider instructions.
__attribute__((target("avx2"))) void matvec_rows_avx2(std::int32_t* out, const QMatrix& w,
                                                      const std::int16_t* wide, const std::int16_t* a,
                                                      int a_shift, std::uint64_t* sat) {
    if (w.group_size != 32) return matvec_rows(out, w, wide, a, a_shift, sat);
    const int full = w.cols / 32;  // whole groups of 32 in a row
    for (int i = 0; i < w.rows; i++) {
        const std::int16_t* row = wide + std::size_t(i) * w.cols;
        const std::uint16_t* m = w.mantissa.data() + std::size_t(i) * w.groups;
        std::int64_t acc = 0;
        for (int g = 0; g < full; g++) {
            const std::int16_t* wg = row + 32 * g;
            const std::int16_t* ag = a + 32 * g;
            const __m256i s = _mm256_add_epi32(
                _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ag))),
                _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 16)),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ag + 16))));
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
            acc += std::int64_t(_mm_cvtsi128_si32(h)) * m[g];
        }
        if (full < w.groups) acc += std::int64_t(dot32(row + 32 * full, a + 32 * full, w.cols - 32 * full)) * m[full];
        out[i] = fx::requant32(acc, w.shift[i] - a_shift, sat);
    }
}
// __builtin_cpu_init first: this initializer may run before libgcc's own (GCC's manual).
const bool kHaveAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
}  // namespace

void FastKernels::matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift,
                        std::uint64_t* sat) const {
    const auto it = wide_.find(&w);
    if (it == wide_.end()) throw Error("fast kernels: matvec of a matrix that is not the model's");
    if (kHaveAvx2) matvec_rows_avx2(out, w, it->second.data(), a, a_shift, sat);
    else matvec_rows(out, w, it->second.data(), a, a_shift, sat);
}

namespace {

// The softmax of one head's n scores, in place (Q16 probabilities), as IntModel::attention
// computes it: the online sum of softmax_sum (int_model.cc) step for step, each term kept; a
// position after the last new maximum was summed with the final maximum, so its term is its
// numerator and is not computed again.
// exp2neg_q16 exactly: 2^-(integer part) as a rounding shift of the fraction's 2^-f, which
// `frac` holds for each of the 2^16 fractions (exp2neg_q16's own table read at each once).
inline std::int64_t exp2neg(const std::int32_t* frac, std::int64_t z) {
    const std::int64_t n = z >> 16;
    if (n >= 31) return 0;
    return fx::round_shift(frac[z & 0xffff], static_cast<int>(n));
}

inline void softmax_head(const Tables& t, const std::int32_t* frac, std::int32_t* att, std::int64_t* term, int n) {
    std::int32_t mx = att[0];
    std::int64_t sum = kOneQ30;
    int last = 0;
    for (int p = 1; p < n; p++) {
        if (att[p] > mx) {
            sum = rescale_sum(sum, exp2neg(frac, softmax_arg(att[p], mx))) + kOneQ30;
            mx = att[p];
            last = p;
        } else {
            term[p] = exp2neg(frac, softmax_arg(mx, att[p]));
            sum += term[p];
        }
    }
    int sh = 0;
    const std::int64_t r = recip_u64(t, static_cast<std::uint64_t>(sum), &sh);
    for (int p = 0; p < n; p++) {
        // After `last` the term is the numerator; at `last` it is 2^0 = exp2neg_q16(0).
        const std::int64_t e = p > last ? term[p] : exp2neg(frac, softmax_arg(mx, att[p]));
        att[p] = static_cast<std::int32_t>(fx::round_shift(e * r, sh));
    }
}

// One head's attention, the specification's arithmetic in its own order: the scores of every
// position (q . k in 64 bits, requantized), the softmax, then the weighted sum of the values
// position by position over the head's contiguous value row, into one 64-bit sum per element
// (exact integers below 2^49, docs/numerics.md, so their order does not change them).
struct Head {
    const std::int16_t* q;        // the head's hs activation words
    const std::int16_t* k;        // position 0's key row of the head (stride kv_dim)
    const std::int16_t* v;        // position 0's value row of the head
    const std::int8_t* k_shift;   // per position
    const std::int8_t* v_shift;
    int n, hs, stride;            // positions, head size, kv_dim
    int score_shift;              // att_scale_frac + 16 - q's shift
    std::int32_t att_scale;
};

void head_generic(const Head& h, const Tables& t, const std::int32_t* frac, std::int32_t* att, std::int64_t* term, std::int64_t* acc,
                  std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat) {
    for (int p = 0; p < h.n; p++) {
        const std::int16_t* kt = h.k + std::size_t(p) * h.stride;
        std::int64_t dot = 0;
        for (int i = 0; i < h.hs; i++) dot += std::int32_t(h.q[i]) * std::int32_t(kt[i]);
        att[p] = fx::requant32(dot * h.att_scale, h.score_shift - h.k_shift[p], sat);
    }
    if (scores) std::copy(att, att + h.n, scores);
    softmax_head(t, frac, att, term, h.n);
    if (probs) std::copy(att, att + h.n, probs);
    std::fill(acc, acc + h.hs, 0);
    for (int p = 0; p < h.n; p++) {
        const std::int16_t* vt = h.v + std::size_t(p) * h.stride;
        const std::int64_t w = std::int64_t(att[p]) << h.v_shift[p];
        for (int i = 0; i < h.hs; i++) acc[i] += w * vt[i];
    }
}

// The same with AVX2 for head sizes that are multiples of 8: q . k as 16-bit multiply-adds
// (|q|, |k| <= 2^15 - 1, so a pair's sum fits 32 bits) summed in 64; each value times its
// probability in 32 bits (p <= 2^16 + 2: checked, else the generic loop), widened to 64
// and shifted by the row's exponent, 8 elements a step.
__attribute__((target("avx2"))) void head_avx2(const Head& h, const Tables& t, const std::int32_t* frac, std::int32_t* att,
                                               std::int64_t* term, std::int64_t* acc, std::int32_t* scores,
                                               std::int32_t* probs, std::uint64_t* sat) {
    for (int p = 0; p < h.n; p++) {
        const std::int16_t* kt = h.k + std::size_t(p) * h.stride;
        __m256i sum = _mm256_setzero_si256();
        for (int i = 0; i < h.hs; i += 8) {
            const __m128i m = _mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h.q + i)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(kt + i)));
            sum = _mm256_add_epi64(sum, _mm256_cvtepi32_epi64(m));
        }
        const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        const std::int64_t dot = _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
        att[p] = fx::requant32(dot * h.att_scale, h.score_shift - h.k_shift[p], sat);
    }
    if (scores) std::copy(att, att + h.n, scores);
    softmax_head(t, frac, att, term, h.n);
    if (probs) std::copy(att, att + h.n, probs);
    bool narrow = true;
    for (int p = 0; p < h.n; p++) narrow &= att[p] >= 0 && att[p] <= (1 << 16) + 2 && h.v_shift[p] >= 0;
    if (!narrow) {
        std::fill(acc, acc + h.hs, 0);
        for (int p = 0; p < h.n; p++) {
            const std::int16_t* vt = h.v + std::size_t(p) * h.stride;
            const std::int64_t w = std::int64_t(att[p]) << h.v_shift[p];
            for (int i = 0; i < h.hs; i++) acc[i] += w * vt[i];
        }
        return;
    }
    for (int i = 0; i < h.hs; i += 8) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (int p = 0; p < h.n; p++) {
            const __m256i v32 = _mm256_cvtepi16_epi32(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(h.v + std::size_t(p) * h.stride + i)));
            const __m256i prod = _mm256_mullo_epi32(v32, _mm256_set1_epi32(att[p]));
            const __m128i cnt = _mm_cvtsi32_si128(h.v_shift[p]);
            lo = _mm256_add_epi64(lo, _mm256_sll_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(prod)), cnt));
            hi = _mm256_add_epi64(hi, _mm256_sll_epi64(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(prod, 1)), cnt));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i), lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i + 4), hi);
    }
}

}  // namespace

void FastKernels::attention(const Config& c, const Tables& t, const IntConstants& k,
                            const std::int32_t* q, const std::int16_t* k_rows,
                            const std::int8_t* k_shift, const std::int16_t* v_rows,
                            const std::int8_t* v_shift, int pos, std::int32_t* out,
                            std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat) const {
    const int hs = c.head_size(), kv_dim = c.kv_dim(), n = pos + 1;
    const int sq = IntModel::quantize_activations(q, c.dim, qa_.data(), INT32_MIN);
    std::int64_t* acc = acc_.data();
    if (exp2_tables_ != &t) {  // the fractions' 2^-f, once per set of tables
        constexpr int kFracBits = 16 - kExp2IndexBits;
        exp2_frac_.resize(std::size_t(1) << 16);
        for (std::uint32_t f = 0; f < (1u << 16); f++)
            exp2_frac_[f] = pwl_eval(t.exp2neg, f >> kFracBits, f & ((1u << kFracBits) - 1), kFracBits);
        exp2_tables_ = &t;
    }
    const std::int32_t* frac = exp2_frac_.data();
    for (int h = 0; h < c.n_heads; h++) {
        const int kv_off = (h / c.kv_mul()) * hs;
        const Head head{qa_.data() + h * hs, k_rows + kv_off, v_rows + kv_off, k_shift, v_shift, n, hs, kv_dim,
                        k.att_scale_frac + 16 - sq, k.att_scale};
        std::int32_t* sc = scores ? scores + std::size_t(h) * n : nullptr;
        std::int32_t* pr = probs ? probs + std::size_t(h) * n : nullptr;
        if (kHaveAvx2 && hs % 8 == 0) head_avx2(head, t, frac, att_.data(), term_.data(), acc, sc, pr, sat);
        else head_generic(head, t, frac, att_.data(), term_.data(), acc, sc, pr, sat);
        for (int i = 0; i < hs; i++) out[h * hs + i] = fx::requant32(acc[i], 16, sat);
    }
}

}  // namespace hw
