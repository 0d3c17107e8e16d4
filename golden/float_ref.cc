// SPDX-License-Identifier: MIT
// Float reference forward pass. Follows llama2.c run.c operation by operation (same
// float32 accumulation order), so its tokens and logits match run.c's trace.
#include "float_ref.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace hw {
namespace {

// ----------------------------------------------------------------------------
// Building blocks
// ----------------------------------------------------------------------------

// o = weight * x / sqrt(mean(x^2) + 1e-5)
void rmsnorm(float* o, const float* x, const float* weight, int size) {
    float ss = 0.0f;
    for (int j = 0; j < size; j++) ss += x[j] * x[j];
    ss /= static_cast<float>(size);
    ss += 1e-5f;
    ss = 1.0f / std::sqrt(ss);
    for (int j = 0; j < size; j++) o[j] = weight[j] * (ss * x[j]);
}

// In-place softmax over x[0..size).
void softmax(float* x, int size) {
    float max_val = x[0];
    for (int i = 1; i < size; i++) max_val = std::max(max_val, x[i]);
    float sum = 0.0f;
    for (int i = 0; i < size; i++) {
        x[i] = std::exp(x[i] - max_val);
        sum += x[i];
    }
    for (int i = 0; i < size; i++) x[i] /= sum;
}

// xout (d) = W (d, n) @ x (n)
void matmul(float* xout, const float* x, const float* w, int n, int d) {
    for (int i = 0; i < d; i++) {
        float val = 0.0f;
        for (int j = 0; j < n; j++) val += w[i * n + j] * x[j];
        xout[i] = val;
    }
}

}  // namespace

FloatReference::FloatReference(const Model& model) : c_(model.config), w_(model.weights) {
    const std::size_t kv_cache = std::size_t(c_.n_layers) * c_.seq_len * c_.kv_dim();
    s_.x.resize(c_.dim);
    s_.xb.resize(c_.dim);
    s_.xb2.resize(c_.dim);
    s_.hb.resize(c_.hidden_dim);
    s_.hb2.resize(c_.hidden_dim);
    s_.q.resize(c_.dim);
    s_.att.resize(std::size_t(c_.n_heads) * c_.seq_len);
    s_.logits.resize(c_.vocab_size);
    s_.key_cache.resize(kv_cache);
    s_.value_cache.resize(kv_cache);
}

const std::vector<float>& FloatReference::forward(int token, int pos) {
    const Config& p = c_;
    const Weights& w = w_;
    FloatState& s = s_;
    const int dim = p.dim, kv_dim = p.kv_dim(), kv_mul = p.kv_mul(), hidden = p.hidden_dim,
              head_size = p.head_size();
    if (token < 0 || token >= p.vocab_size) {
        throw make_error("float reference", "token", "0.." + std::to_string(p.vocab_size - 1),
                         std::to_string(token));
    }
    if (pos < 0 || pos >= p.seq_len) {
        throw make_error("float reference", "position", "0.." + std::to_string(p.seq_len - 1),
                         std::to_string(pos));
    }
    float* x = s.x.data();

    // ---- token embedding ----------------------------------------------------
    std::copy_n(w.token_embedding.data() + std::size_t(token) * dim, dim, x);

    for (int l = 0; l < p.n_layers; l++) {
        // ---- attention ------------------------------------------------------
        rmsnorm(s.xb.data(), x, w.rms_att.data() + std::size_t(l) * dim, dim);

        // q, and k and v written straight into this position's cache row
        const std::size_t loff = std::size_t(l) * p.seq_len * kv_dim;
        float* k = s.key_cache.data() + loff + std::size_t(pos) * kv_dim;
        float* v = s.value_cache.data() + loff + std::size_t(pos) * kv_dim;
        observe("wq", l, s.xb.data(), dim);  // wk and wv see the same input
        matmul(s.q.data(), s.xb.data(), w.wq.data() + std::size_t(l) * dim * dim, dim, dim);
        matmul(k, s.xb.data(), w.wk.data() + std::size_t(l) * dim * kv_dim, dim, kv_dim);
        matmul(v, s.xb.data(), w.wv.data() + std::size_t(l) * dim * kv_dim, dim, kv_dim);

        // RoPE: rotate each pair (2i, 2i+1) of every head by pos * 10000^(-2i/head_size)
        for (int i = 0; i < dim; i += 2) {
            const int head_dim = i % head_size;
            const float freq = 1.0f / std::pow(10000.0f, static_cast<float>(head_dim) /
                                                             static_cast<float>(head_size));
            const float val = static_cast<float>(pos) * freq;
            const float fcr = std::cos(val), fci = std::sin(val);
            const int rotn = i < kv_dim ? 2 : 1;  // 2 = rotate q and k, 1 = q only
            for (int r = 0; r < rotn; r++) {
                float* vec = r == 0 ? s.q.data() : k;
                const float v0 = vec[i], v1 = vec[i + 1];
                vec[i] = v0 * fcr - v1 * fci;
                vec[i + 1] = v0 * fci + v1 * fcr;
            }
        }

        // multi-head attention; query head h reads kv head h / kv_mul
        for (int h = 0; h < p.n_heads; h++) {
            const float* q = s.q.data() + h * head_size;
            float* att = s.att.data() + std::size_t(h) * p.seq_len;
            const int kv_off = (h / kv_mul) * head_size;
            for (int t = 0; t <= pos; t++) {
                const float* kt = s.key_cache.data() + loff + std::size_t(t) * kv_dim + kv_off;
                float score = 0.0f;
                for (int i = 0; i < head_size; i++) score += q[i] * kt[i];
                att[t] = score / std::sqrt(static_cast<float>(head_size));
            }
            softmax(att, pos + 1);
            float* xb = s.xb.data() + h * head_size;
            std::fill_n(xb, head_size, 0.0f);
            for (int t = 0; t <= pos; t++) {
                const float* vt = s.value_cache.data() + loff + std::size_t(t) * kv_dim + kv_off;
                for (int i = 0; i < head_size; i++) xb[i] += att[t] * vt[i];
            }
        }

        // output projection and residual
        observe("wo", l, s.xb.data(), dim);
        matmul(s.xb2.data(), s.xb.data(), w.wo.data() + std::size_t(l) * dim * dim, dim, dim);
        for (int i = 0; i < dim; i++) x[i] += s.xb2[i];

        // ---- feed-forward: w2(silu(w1 x) * w3 x) ------------------------------
        rmsnorm(s.xb.data(), x, w.rms_ffn.data() + std::size_t(l) * dim, dim);
        observe("w1", l, s.xb.data(), dim);  // w3 sees the same input
        matmul(s.hb.data(), s.xb.data(), w.w1.data() + std::size_t(l) * dim * hidden, dim, hidden);
        matmul(s.hb2.data(), s.xb.data(), w.w3.data() + std::size_t(l) * dim * hidden, dim, hidden);
        for (int i = 0; i < hidden; i++) {
            float val = s.hb[i];
            val *= 1.0f / (1.0f + std::exp(-val));  // SiLU
            s.hb[i] = val * s.hb2[i];
        }
        observe("w2", l, s.hb.data(), hidden);
        matmul(s.xb.data(), s.hb.data(), w.w2.data() + std::size_t(l) * dim * hidden, hidden, dim);
        for (int i = 0; i < dim; i++) x[i] += s.xb[i];
    }

    // ---- final norm and classifier --------------------------------------------
    rmsnorm(x, x, w.rms_final.data(), dim);
    observe("classifier", -1, x, dim);
    matmul(s.logits.data(), x, w.classifier().data(), dim, p.vocab_size);
    return s.logits;
}

int argmax(const std::vector<float>& v) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(v.size()); i++) {
        if (v[i] > v[best]) best = i;
    }
    return best;
}

std::vector<std::pair<int, float>> top_k(const std::vector<float>& v, int k) {
    std::vector<std::pair<int, float>> all;
    all.reserve(v.size());
    for (int i = 0; i < static_cast<int>(v.size()); i++) all.emplace_back(i, v[i]);
    k = std::min<int>(k, static_cast<int>(all.size()));
    std::partial_sort(all.begin(), all.begin() + k, all.end(), [](const auto& a, const auto& b) {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    all.resize(k);
    return all;
}

}  // namespace hw
