// SPDX-License-Identifier: MIT
#include "fast_kernels.h"

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

// The same compiled for AVX2 (16 products to an instruction instead of SSE2's 8), taken when
// the processor has it (GCC inlines matvec_rows into it with the wider instructions).
__attribute__((target("avx2"))) void matvec_rows_avx2(std::int32_t* out, const QMatrix& w,
                                                      const std::int16_t* wide, const std::int16_t* a,
                                                      int a_shift, std::uint64_t* sat) {
    matvec_rows(out, w, wide, a, a_shift, sat);
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

void FastKernels::attention(const Config& c, const Tables& t, const IntConstants& k,
                            const std::int32_t* q, const std::int16_t* k_rows,
                            const std::int8_t* k_shift, const std::int16_t* v_rows,
                            const std::int8_t* v_shift, int pos, std::int32_t* out,
                            std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat) const {
    const int hs = c.head_size(), kv_dim = c.kv_dim(), n = pos + 1;
    const int sq = IntModel::quantize_activations(q, c.dim, qa_.data(), INT32_MIN);
    std::int32_t* att = att_.data();
    std::int64_t* acc = acc_.data();
    for (int h = 0; h < c.n_heads; h++) {
        const int kv_off = (h / c.kv_mul()) * hs;
        const std::int16_t* qh = qa_.data() + h * hs;
        for (int p = 0; p < n; p++) {
            const std::int16_t* kt = k_rows + std::size_t(p) * kv_dim + kv_off;
            std::int64_t dot = 0;
            for (int i = 0; i < hs; i++) dot += std::int32_t(qh[i]) * std::int32_t(kt[i]);
            att[p] = fx::requant32(dot * k.att_scale, k.att_scale_frac + 16 - sq - k_shift[p], sat);
        }
        if (scores) std::copy(att, att + n, scores + std::size_t(h) * n);

        // The online sum of softmax_sum (int_model.cc), step for step, each term kept;
        // `last` is the position of the last new maximum.
        std::int64_t* term = term_.data();
        std::int32_t mx = att[0];
        std::int64_t sum = kOneQ30;
        int last = 0;
        for (int p = 1; p < n; p++) {
            if (att[p] > mx) {
                sum = rescale_sum(sum, exp2neg_q16(t, softmax_arg(att[p], mx))) + kOneQ30;
                mx = att[p];
                last = p;
            } else {
                term[p] = exp2neg_q16(t, softmax_arg(mx, att[p]));
                sum += term[p];
            }
        }
        int sh = 0;
        const std::int64_t r = recip_u64(t, static_cast<std::uint64_t>(sum), &sh);
        for (int p = 0; p < n; p++) {
            // After `last` the term is the numerator; at `last` it is 2^0 = exp2neg_q16(0).
            const std::int64_t e = p > last ? term[p] : exp2neg_q16(t, softmax_arg(mx, att[p]));
            att[p] = static_cast<std::int32_t>(fx::round_shift(e * r, sh));
        }
        if (probs) std::copy(att, att + n, probs + std::size_t(h) * n);

        std::fill(acc, acc + hs, 0);
        for (int p = 0; p < n; p++) {
            const std::int16_t* vt = v_rows + std::size_t(p) * kv_dim + kv_off;
            const std::int64_t w = std::int64_t(att[p]) << v_shift[p];
            for (int i = 0; i < hs; i++) acc[i] += w * vt[i];
        }
        for (int i = 0; i < hs; i++) out[h * hs + i] = fx::requant32(acc[i], 16, sat);
    }
}

}  // namespace hw
