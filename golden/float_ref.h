// SPDX-License-Identifier: MIT
// Float reference: the llama2.c run.c forward pass, greedy decode and top-k.
#pragma once

#include <utility>
#include <vector>

#include "model.h"

namespace hw {

// Activations and KV cache of the float forward pass (llama2.c RunState).
struct FloatState {
    std::vector<float> x;            // (dim) residual stream
    std::vector<float> xb;           // (dim) normed input / attention output
    std::vector<float> xb2;          // (dim) projection output
    std::vector<float> hb;           // (hidden_dim) gate, then SiLU(gate) * up
    std::vector<float> hb2;          // (hidden_dim) up
    std::vector<float> q;            // (dim) queries
    std::vector<float> att;          // (n_heads, seq_len) scores, then probabilities
    std::vector<float> logits;       // (vocab_size)
    std::vector<float> key_cache;    // (n_layers, seq_len, kv_dim)
    std::vector<float> value_cache;  // (n_layers, seq_len, kv_dim)
};

// Sees the input vector of every matrix multiply (calibration for the quantizer).
class MatmulObserver {
  public:
    virtual ~MatmulObserver() = default;
    // `tensor` is the Weights field name ("wq", "w2", "classifier", ...), x its input.
    virtual void on_input(const char* tensor, int layer, const float* x, int n) = 0;
};

// The float model and its state; forward() must be called for positions 0, 1, 2, ...
class FloatReference {
  public:
    // Keeps a reference to `model`, which must outlive this object.
    explicit FloatReference(const Model& model);

    // Runs one token at position pos (0 <= pos < seq_len) and returns the logits.
    const std::vector<float>& forward(int token, int pos);

    // Reports every matmul input to `observer` from now on (nullptr: none).
    void set_observer(MatmulObserver* observer) { observer_ = observer; }

  private:
    void observe(const char* tensor, int layer, const float* x, int n) {
        if (observer_) observer_->on_input(tensor, layer, x, n);
    }

    const Config& c_;
    const Weights& w_;
    FloatState s_;
    MatmulObserver* observer_ = nullptr;
};

// Index of the largest value; the first one on ties (run.c sample_argmax).
int argmax(const std::vector<float>& v);

// The k largest values as (index, value), largest first, lower index first on ties.
std::vector<std::pair<int, float>> top_k(const std::vector<float>& v, int k);

}  // namespace hw
