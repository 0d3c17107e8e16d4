// SPDX-License-Identifier: MIT
// The float model: llama2.c Config and Weights, and the checkpoint reader/writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hw {

// ---------------------------------------------------------------------------
// Config: the seven-int header of a llama2.c legacy checkpoint.
// ---------------------------------------------------------------------------
// The longest context the chip's arithmetic is specified for: the softmax's running sum
// (golden/int_model.h, rescale_sum) stays within 64 bits up to here.
constexpr int kMaxSeqLen = 1 << 15;

struct Config {
    int dim = 0;                    // residual stream width
    int hidden_dim = 0;             // FFN inner width
    int n_layers = 0;               // transformer blocks
    int n_heads = 0;                // query heads
    int n_kv_heads = 0;             // key/value heads (grouped-query attention when < n_heads)
    int vocab_size = 0;             // tokens (always positive here; see shared_classifier)
    int seq_len = 0;                // maximum context length
    bool shared_classifier = true;  // classifier reuses token_embedding (header vocab > 0)

    int head_size() const { return dim / n_heads; }          // per-head width
    int kv_dim() const { return head_size() * n_kv_heads; }  // width of k and v
    int kv_mul() const { return n_heads / n_kv_heads; }      // query heads per kv head
};

// ---------------------------------------------------------------------------
// Weights, row-major, in llama2.c order. Matrices are (out, in): row i holds the
// weights that produce output i, so y = W x is a dot product per row.
// ---------------------------------------------------------------------------
struct Weights {
    std::vector<float> token_embedding;  // (vocab_size, dim)
    std::vector<float> rms_att;          // (n_layers, dim)
    std::vector<float> wq;               // (n_layers, dim, dim)
    std::vector<float> wk;               // (n_layers, kv_dim, dim)
    std::vector<float> wv;               // (n_layers, kv_dim, dim)
    std::vector<float> wo;               // (n_layers, dim, dim)
    std::vector<float> rms_ffn;          // (n_layers, dim)
    std::vector<float> w1;               // (n_layers, hidden_dim, dim)  gate
    std::vector<float> w2;               // (n_layers, dim, hidden_dim)  down
    std::vector<float> w3;               // (n_layers, hidden_dim, dim)  up
    std::vector<float> rms_final;        // (dim)
    std::vector<float> wcls;             // (vocab_size, dim); empty when shared_classifier

    // The classifier matrix: wcls, or token_embedding when shared.
    const std::vector<float>& classifier() const { return wcls.empty() ? token_embedding : wcls; }
};

// A float model and where it came from.
struct Model {
    Config config;       // shape
    Weights weights;     // float32 weights
    std::string source;  // file path, or the synthetic spec it was made from
};

// One named tensor of Weights with its element count, in file order.
struct TensorRef {
    const char* name;          // llama2.c field name, e.g. "wq"
    std::vector<float>* data;  // the tensor in Weights
    std::size_t count;         // elements it must hold
};

// Validates the shape fields of a config (positive, divisible); throws hw::Error naming
// `where` and the field.
void validate_config(const Config& c, const std::string& where);

// The tensors of a checkpoint in file order (freq_cis tables excluded, wcls only when
// separate), with the element counts the config implies.
std::vector<TensorRef> tensor_layout(const Config& c, Weights& w);

// Reads a llama2.c legacy float32 checkpoint. Throws hw::Error naming the file and the
// field or byte offset on a bad header, a size mismatch, or a NaN/Inf weight.
Model read_checkpoint(const std::string& path);
// Reads and validates only the header of a llama2.c checkpoint (its shape), for tools that
// need no weights (the cycle model). Throws hw::Error as read_checkpoint does.
Config read_checkpoint_config(const std::string& path);

// Writes a llama2.c legacy float32 checkpoint (freq_cis tables filled with zeros, as
// run.c never reads them). Throws hw::Error if the file cannot be written.
void write_checkpoint(const std::string& path, const Model& m);

}  // namespace hw
