// SPDX-License-Identifier: MIT
// Integer golden model. Each step names its formats; docs/numerics.md has the rationale
// and the bounds. All rounding is fx::round_shift (half up), all clamping fx::sat32.
#include "int_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "error.h"
#include "fast_kernels.h"
#include "fixed.h"

namespace hw {

const char* stage_name(Stage s) {
    static const char* const names[kStageCount] = {
        "embedding", "att_norm",  "query",    "key",          "value",      "scores",
        "probs",     "attention", "att_proj", "att_residual", "ffn_norm",   "gate",
        "up",        "swiglu",    "down",     "ffn_residual", "final_norm", "logits"};
    return names[static_cast<int>(s)];
}

IntConstants make_constants(const Config& c) {
    IntConstants k;
    k.rms_eps = std::max<std::int64_t>(1, std::llround(c.dim * 1e-5 * 65536.0));
    int e;
    const double fr = std::frexp(1.0 / std::sqrt(double(c.head_size())), &e);  // [0.5, 1)
    k.att_scale = static_cast<std::int32_t>(std::min(65535.0, std::nearbyint(fr * 65536.0)));
    k.att_scale_frac = 16 - e;
    return k;
}

IntModel::IntModel(const QModel& q, const Tables& tables) : q_(q), t_(tables) {
    const Config& c = q.config;
    k_ = make_constants(c);
    x_.resize(c.dim);
    xb_.resize(c.dim);
    xb2_.resize(c.dim);
    hb_.resize(c.hidden_dim);
    hb2_.resize(c.hidden_dim);
    q_vec_.resize(c.dim);
    k_vec_.resize(c.kv_dim());
    v_vec_.resize(c.kv_dim());
    scores_.resize(std::size_t(c.n_heads) * c.seq_len);
    probs_.resize(std::size_t(c.n_heads) * c.seq_len);
    logits_.resize(c.vocab_size);
    act_.resize(std::max(c.dim, c.hidden_dim));
    const std::size_t rows = std::size_t(c.n_layers) * c.seq_len;
    key_cache_.resize(rows * c.kv_dim());
    value_cache_.resize(rows * c.kv_dim());
    key_shift_.resize(rows);
    value_shift_.resize(rows);
}

void IntModel::tap(int pos, int layer, Stage s, const std::int32_t* d, int n, int head, int shift) {
    if (sink_) sink_->on_tap(TapId{pos, layer, s, head}, TapData{d, n, shift});
}

// ---- MAC array and vector-unit operations -------------------------------------------------

int IntModel::quantize_activations(const std::int32_t* v, int n, std::int16_t* out, int min_shift) {
    std::int64_t maxabs = 0;
    for (int i = 0; i < n; i++) maxabs = std::max<std::int64_t>(maxabs, std::llabs(v[i]));
    constexpr std::int64_t kMax = (1 << (kActBits - 1)) - 1;  // 32767
    // Smallest shift that fits the largest magnitude into kActBits signed bits after
    // rounding (one more if rounding carries it over). A zero vector gets shift 0.
    int s = maxabs == 0 ? 0 : fx::bit_length(static_cast<std::uint64_t>(maxabs)) - (kActBits - 1);
    s = std::max(s, min_shift);
    if (fx::round_shift(maxabs, s) > kMax) s++;
    for (int i = 0; i < n; i++) out[i] = static_cast<std::int16_t>(fx::round_shift(v[i], s));
    return s;
}

int IntModel::quantize(const std::int32_t* v, int n, std::int16_t* out, int min_shift) const {
    return fast_ ? fast_->quantize_activations(v, n, out, min_shift)
                 : quantize_activations(v, n, out, min_shift);
}

void IntModel::matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift) {
    if (fast_ && fast_->has(w)) return fast_->matvec(out, w, a, a_shift, &saturations_);
    for (int i = 0; i < w.rows; i++) {
        const std::int8_t* row = w.w.data() + std::size_t(i) * w.cols;
        const std::uint16_t* m = w.mantissa.data() + std::size_t(i) * w.groups;
        std::int64_t acc = 0;  // |acc| < 2^38 * cols (docs/numerics.md)
        for (int g = 0, j = 0; g < w.groups; g++) {
            std::int64_t part = 0;  // one group's dot product: |part| < 2^22 * group_size
            for (const int end = std::min(w.cols, j + w.group_size); j < end; j++) {
                part += std::int32_t(row[j]) * std::int32_t(a[j]);
            }
            acc += part * m[g];
        }
        // value = acc * 2^-shift_i * 2^(a_shift - 16); in Q16: acc * 2^(a_shift - shift_i)
        out[i] = fx::requant32(acc, w.shift[i] - a_shift, &saturations_);
    }
}

void IntModel::set_adapter(const QAdapter* adapter) {
    adapter_ = adapter;
    if (!adapter) return;
    const Config& c = q_.config;
    if (static_cast<int>(adapter->layers.size()) != c.n_layers)
        throw make_error("integer golden model", "adapter " + adapter->source + " layers",
                         std::to_string(c.n_layers), std::to_string(adapter->layers.size()));
    lr_u_.resize(adapter->rank);
    lr_act_.resize(adapter->rank);
    lr_v_.resize(std::max(c.dim, c.hidden_dim));
}

void IntModel::low_rank(int layer, const char* matrix, std::int32_t* y, const std::int16_t* a, int a_shift) {
    if (!adapter_) return;
    const QLowRank* p = adapter_->find(layer, matrix);
    if (!p) return;
    matvec(lr_u_.data(), p->a, a, a_shift);  // u = A a, Q16 (rank)
    const int su = quantize(lr_u_.data(), p->a.rows, lr_act_.data(), INT32_MIN);
    matvec(lr_v_.data(), p->sb, lr_act_.data(), su);  // v = s B u, Q16 (out)
    residual(y, lr_v_.data(), p->sb.rows, &saturations_);
}

void IntModel::rmsnorm(std::int32_t* out, const std::int32_t* x, const QGain& gain) {
    const int n = q_.config.dim;
    if (fast_ && fast_->rmsnorm(out, x, n, gain, t_, k_.rms_eps, &saturations_)) return;
    // Sum of squares of x in Q8 (|x >> 8| < 2^23): each square < 2^46, the sum < 2^63 for
    // dim <= 2^17. ss is Q16 and mean(x^2) = ss * 2^-16 / dim.
    std::uint64_t ss = 0;
    for (int i = 0; i < n; i++) {
        const std::int64_t xs = fx::round_shift(x[i], 8);
        ss += static_cast<std::uint64_t>(xs * xs);
    }
    // 1/sqrt(mean + eps) = sqrt(dim) * 2^8 / sqrt(ss + dim*eps*2^16); sqrt(dim) is in the
    // gains. 1/sqrt(t) ~= r * 2^-(16 + sh).
    int sh = 0;
    const std::int64_t r = rsqrt_u64(t_, ss + static_cast<std::uint64_t>(k_.rms_eps), &sh);
    for (int i = 0; i < n; i++) {
        const std::int64_t u = fx::round_shift(x[i] * r, 16);  // x / sqrt(m): |u| <= |x|
        // u * G * 2^-frac * 2^8 * 2^-sh, in Q16
        out[i] = fx::requant32(u * gain.g[i], gain.frac - 8 + sh, &saturations_);
    }
}

// ---- softmax's sum ---------------------------------------------------------------------------

std::int64_t softmax_sum(const Tables& t, const std::int32_t* s, int n, std::int32_t* max) {
    // m is the running maximum and sum the sum of e_t = 2^-((m - s_t) log2 e) (Q30) over the
    // positions so far. A new maximum rescales the sum by 2^-((s_t - m) log2 e) and adds its
    // own term, 1.0.
    std::int32_t m = s[0];
    std::int64_t sum = kOneQ30;
    for (int i = 1; i < n; i++) {
        if (s[i] > m) {
            sum = rescale_sum(sum, exp2neg_q16(t, softmax_arg(s[i], m))) + kOneQ30;
            m = s[i];
        } else {
            sum += exp2neg_q16(t, softmax_arg(m, s[i]));
        }
    }
    *max = m;
    return sum;
}

// ---- the vector unit's element-wise steps ----------------------------------------------------

void IntModel::embed(std::int32_t* x, const QMatrix& e, int token, std::uint64_t* sat) {
    for (int j = 0; j < e.cols; j++) {
        const std::int64_t w = e.w[std::size_t(token) * e.cols + j];
        const std::int64_t m = e.mantissa[std::size_t(token) * e.groups + j / e.group_size];
        x[j] = fx::requant32(w * m, e.shift[token] - 16, sat);
    }
}

void IntModel::rope(std::int32_t* v, int n, int head_size, const std::int32_t* rope_row,
                    std::uint64_t* sat) {
    for (int i = 0; i < n; i += 2) {
        const int pair = (i % head_size) / 2;
        const std::int64_t co = rope_row[2 * pair], si = rope_row[2 * pair + 1];
        const std::int64_t v0 = v[i], v1 = v[i + 1];
        v[i] = fx::requant32(v0 * co - v1 * si, kRopeFrac, sat);
        v[i + 1] = fx::requant32(v0 * si + v1 * co, kRopeFrac, sat);
    }
}

void IntModel::swiglu(std::int32_t* hb, const std::int32_t* hb2, int n, const Tables& t,
                      std::uint64_t* sat) {
    for (int i = 0; i < n; i++) {
        const std::int64_t g = hb[i];
        const std::int64_t silu = fx::round_shift(g * sigmoid_q16(t, hb[i]), 16);  // |silu| <= |g|
        hb[i] = fx::requant32(silu * hb2[i], 16, sat);
    }
}

void IntModel::residual(std::int32_t* x, const std::int32_t* y, int n, std::uint64_t* sat) {
    for (int i = 0; i < n; i++) x[i] = fx::sat32(std::int64_t(x[i]) + y[i], sat);
}

// ---- attention for one layer at one position --------------------------------------------

void IntModel::attention(const Config& c, const Tables& t, const IntConstants& k,
                         const std::int32_t* q, const std::int16_t* k_rows,
                         const std::int8_t* k_shift, const std::int16_t* v_rows,
                         const std::int8_t* v_shift, int pos, std::int32_t* out,
                         std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat) {
    const int hs = c.head_size(), kv_dim = c.kv_dim(), n = pos + 1;

    // q as MAC words (one shift for the whole vector)
    std::vector<std::int16_t> qa(c.dim);
    const int sq = quantize_activations(q, c.dim, qa.data(), INT32_MIN);
    std::vector<std::int32_t> att(n);

    for (int h = 0; h < c.n_heads; h++) {
        const int kv_off = (h / c.kv_mul()) * hs;
        // scores: dot * 2^(sq + sk - 32) / sqrt(hs), in Q16
        for (int p = 0; p < n; p++) {
            const std::int16_t* kt = k_rows + std::size_t(p) * kv_dim + kv_off;
            std::int64_t dot = 0;  // |dot| < 2^30 * hs
            for (int i = 0; i < hs; i++) dot += std::int32_t(qa[h * hs + i]) * std::int32_t(kt[i]);
            att[p] = fx::requant32(dot * k.att_scale, k.att_scale_frac + 16 - sq - k_shift[p], sat);
        }
        if (scores) std::copy(att.begin(), att.end(), scores + std::size_t(h) * n);

        std::int32_t mx = 0;
        const std::int64_t sum = softmax_sum(t, att.data(), n, &mx);
        // p_t = e_t / sum in Q16, e_t with the final maximum
        int sh = 0;
        const std::int64_t r = recip_u64(t, static_cast<std::uint64_t>(sum), &sh);
        for (int p = 0; p < n; p++) {
            const std::int64_t e = exp2neg_q16(t, softmax_arg(mx, att[p]));
            att[p] = static_cast<std::int32_t>(fx::round_shift(e * r, sh));  // <= 2^16
        }
        if (probs) std::copy(att.begin(), att.end(), probs + std::size_t(h) * n);

        // weighted values: sum_t p_t * v_t * 2^(sv_t - 16) * 2^-16, in Q16. The shift of
        // each term is >= 0 (value rows use min_shift 0), and sum p_t ~= 2^16 bounds the
        // accumulator below 2^49.
        for (int i = 0; i < hs; i++) {
            std::int64_t acc = 0;
            for (int p = 0; p < n; p++) {
                const std::int64_t v = v_rows[std::size_t(p) * kv_dim + kv_off + i];
                acc += att[p] * v * (std::int64_t(1) << v_shift[p]);
            }
            out[h * hs + i] = fx::requant32(acc, 16, sat);
        }
    }
}

// ---- one token ------------------------------------------------------------------------------

const std::vector<std::int32_t>& IntModel::forward(int token, int pos) {
    const Config& c = q_.config;
    if (token < 0 || token >= c.vocab_size) {
        throw make_error("integer golden model", "token", "0.." + std::to_string(c.vocab_size - 1),
                         std::to_string(token));
    }
    if (pos < 0 || pos >= c.seq_len) {
        throw make_error("integer golden model", "position", "0.." + std::to_string(c.seq_len - 1),
                         std::to_string(pos));
    }
    const int dim = c.dim, kv_dim = c.kv_dim(), hidden = c.hidden_dim;

    // embedding: row `token` of the embedding ROM, dequantized to Q16
    embed(x_.data(), q_.token_embedding, token, &saturations_);
    tap(pos, -1, Stage::kEmbedding, x_.data(), dim);

    for (int l = 0; l < c.n_layers; l++) {
        const QLayer& L = q_.layers[l];
        const std::size_t row = std::size_t(l) * c.seq_len + pos;  // KV cache row

        // attention norm and q, k, v projections
        rmsnorm(xb_.data(), x_.data(), L.rms_att);
        tap(pos, l, Stage::kAttNorm, xb_.data(), dim);
        int s = quantize(xb_.data(), dim, act_.data(), INT32_MIN);
        matvec(q_vec_.data(), L.wq, act_.data(), s);
        matvec(k_vec_.data(), L.wk, act_.data(), s);
        matvec(v_vec_.data(), L.wv, act_.data(), s);
        low_rank(l, "wq", q_vec_.data(), act_.data(), s);
        low_rank(l, "wk", k_vec_.data(), act_.data(), s);
        low_rank(l, "wv", v_vec_.data(), act_.data(), s);

        // RoPE on q and k: rotate pair (2i, 2i+1) of each head by the table's angle
        const std::int32_t* rope_row = t_.rope.data() + std::size_t(pos) * t_.rope_pairs * 2;
        rope(q_vec_.data(), dim, c.head_size(), rope_row, &saturations_);
        rope(k_vec_.data(), kv_dim, c.head_size(), rope_row, &saturations_);
        tap(pos, l, Stage::kQuery, q_vec_.data(), dim);

        // KV cache write: int16 rows with one exponent each
        key_shift_[row] = static_cast<std::int8_t>(
            quantize(k_vec_.data(), kv_dim, key_cache_.data() + row * kv_dim, 0));
        value_shift_[row] = static_cast<std::int8_t>(
            quantize(v_vec_.data(), kv_dim, value_cache_.data() + row * kv_dim, 0));
        if (sink_) {
            tap_buf_.assign(key_cache_.begin() + row * kv_dim,
                            key_cache_.begin() + (row + 1) * kv_dim);
            tap(pos, l, Stage::kKey, tap_buf_.data(), kv_dim, -1, key_shift_[row]);
            tap_buf_.assign(value_cache_.begin() + row * kv_dim,
                            value_cache_.begin() + (row + 1) * kv_dim);
            tap(pos, l, Stage::kValue, tap_buf_.data(), kv_dim, -1, value_shift_[row]);
        }

        const std::size_t row0 = std::size_t(l) * c.seq_len;  // first cache row of this layer
        const std::int16_t* k_rows = key_cache_.data() + row0 * kv_dim;
        const std::int16_t* v_rows = value_cache_.data() + row0 * kv_dim;
        const std::int8_t* k_shift = key_shift_.data() + row0;
        const std::int8_t* v_shift = value_shift_.data() + row0;
        if (fast_) {  // the scores and probabilities are kept only for a tap sink
            fast_->attention(c, t_, k_, q_vec_.data(), k_rows, k_shift, v_rows, v_shift, pos,
                             xb_.data(), sink_ ? scores_.data() : nullptr,
                             sink_ ? probs_.data() : nullptr, &saturations_);
        } else {
            attention(c, t_, k_, q_vec_.data(), k_rows, k_shift, v_rows, v_shift, pos, xb_.data(),
                      scores_.data(), probs_.data(), &saturations_);
        }
        for (int h = 0; h < c.n_heads; h++)
            tap(pos, l, Stage::kScores, scores_.data() + std::size_t(h) * (pos + 1), pos + 1, h);
        for (int h = 0; h < c.n_heads; h++)
            tap(pos, l, Stage::kProbs, probs_.data() + std::size_t(h) * (pos + 1), pos + 1, h);
        tap(pos, l, Stage::kAttention, xb_.data(), dim);

        // output projection and residual
        s = quantize(xb_.data(), dim, act_.data(), INT32_MIN);
        matvec(xb2_.data(), L.wo, act_.data(), s);
        low_rank(l, "wo", xb2_.data(), act_.data(), s);
        tap(pos, l, Stage::kAttProj, xb2_.data(), dim);
        residual(x_.data(), xb2_.data(), dim, &saturations_);
        tap(pos, l, Stage::kAttResidual, x_.data(), dim);

        // feed-forward: w2(SiLU(w1 x) * w3 x)
        rmsnorm(xb_.data(), x_.data(), L.rms_ffn);
        tap(pos, l, Stage::kFfnNorm, xb_.data(), dim);
        s = quantize(xb_.data(), dim, act_.data(), INT32_MIN);
        matvec(hb_.data(), L.w1, act_.data(), s);
        matvec(hb2_.data(), L.w3, act_.data(), s);
        low_rank(l, "w1", hb_.data(), act_.data(), s);
        low_rank(l, "w3", hb2_.data(), act_.data(), s);
        tap(pos, l, Stage::kGate, hb_.data(), hidden);
        tap(pos, l, Stage::kUp, hb2_.data(), hidden);
        if (fast_)
            fast_->swiglu(hb_.data(), hb2_.data(), hidden, t_, &saturations_);
        else
            swiglu(hb_.data(), hb2_.data(), hidden, t_, &saturations_);
        tap(pos, l, Stage::kSwiGlu, hb_.data(), hidden);
        s = quantize(hb_.data(), hidden, act_.data(), INT32_MIN);
        matvec(xb_.data(), L.w2, act_.data(), s);
        low_rank(l, "w2", xb_.data(), act_.data(), s);
        tap(pos, l, Stage::kDown, xb_.data(), dim);
        residual(x_.data(), xb_.data(), dim, &saturations_);
        tap(pos, l, Stage::kFfnResidual, x_.data(), dim);
    }

    // final norm and classifier
    rmsnorm(xb_.data(), x_.data(), q_.rms_final);
    tap(pos, -1, Stage::kFinalNorm, xb_.data(), dim);
    const int s = quantize(xb_.data(), dim, act_.data(), INT32_MIN);
    matvec(logits_.data(), q_.classifier(), act_.data(), s);
    tap(pos, -1, Stage::kLogits, logits_.data(), c.vocab_size);
    return logits_;
}

int argmax_int(const std::vector<std::int32_t>& logits) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(logits.size()); i++) {
        if (logits[i] > logits[best]) best = i;
    }
    return best;
}

}  // namespace hw
