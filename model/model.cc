// SPDX-License-Identifier: MIT
// llama2.c legacy checkpoint reader/writer with validation.
//
// File layout (all little-endian): seven int32 (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size, seq_len), then float32 tensors in the order of tensor_layout()
// with two unused RoPE tables (freq_cis_real, freq_cis_imag: seq_len * head_size/2 each)
// between rms_final and the optional wcls. A negative vocab_size means wcls is present.
#include "model.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "error.h"

namespace hw {
namespace {

constexpr int kHeaderInts = 7;
constexpr std::size_t kHeaderBytes = kHeaderInts * sizeof(std::int32_t);
const char* const kHeaderFields[kHeaderInts] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                                                "n_kv_heads", "vocab_size", "seq_len"};

// Elements of one unused freq_cis table.
std::size_t freq_cis_count(const Config& c) {
    return std::size_t(c.seq_len) * std::size_t(c.head_size() / 2);
}

// The checkpoint's on-disk sequence: tensor_layout() with the two unused freq_cis tables
// (data == nullptr) inserted after rms_final.
std::vector<TensorRef> file_layout(const Config& c, Weights& w) {
    std::vector<TensorRef> t = tensor_layout(c, w);
    auto after_final = t.begin() + 11;  // token_embedding .. rms_final
    t.insert(after_final, {{"freq_cis_real", nullptr, freq_cis_count(c)},
                           {"freq_cis_imag", nullptr, freq_cis_count(c)}});
    return t;
}

// Bytes a checkpoint with this config must have.
std::uint64_t expected_file_bytes(const Config& c) {
    Weights w;
    std::uint64_t floats = 0;
    for (const TensorRef& t : file_layout(c, w)) floats += t.count;
    return kHeaderBytes + floats * sizeof(float);
}

}  // namespace

void validate_config(const Config& c, const std::string& where) {
    const int values[kHeaderInts] = {c.dim,        c.hidden_dim, c.n_layers, c.n_heads,
                                     c.n_kv_heads, c.vocab_size, c.seq_len};
    for (int i = 0; i < kHeaderInts; i++) {
        if (values[i] <= 0) {
            throw make_error(where, std::string("header field ") + kHeaderFields[i],
                             "a positive integer", std::to_string(values[i]));
        }
    }
    if (c.seq_len > kMaxSeqLen) {
        throw make_error(where, "header field seq_len",
                         "at most " + std::to_string(kMaxSeqLen) + " (the softmax sum's width)",
                         std::to_string(c.seq_len));
    }
    if (c.dim % c.n_heads != 0) {
        throw make_error(where, "header field dim",
                         "a multiple of n_heads=" + std::to_string(c.n_heads),
                         std::to_string(c.dim));
    }
    if (c.n_heads % c.n_kv_heads != 0) {
        throw make_error(where, "header field n_heads",
                         "a multiple of n_kv_heads=" + std::to_string(c.n_kv_heads),
                         std::to_string(c.n_heads));
    }
    if (c.head_size() % 2 != 0) {
        throw make_error(where, "header fields dim/n_heads",
                         "an even head size (RoPE rotates pairs)", std::to_string(c.head_size()));
    }
}

std::vector<TensorRef> tensor_layout(const Config& c, Weights& w) {
    const std::size_t L = c.n_layers, d = c.dim, h = c.hidden_dim, kv = c.kv_dim(),
                      v = c.vocab_size;
    std::vector<TensorRef> t = {
        {"token_embedding", &w.token_embedding, v * d},
        {"rms_att", &w.rms_att, L * d},
        {"wq", &w.wq, L * d * d},
        {"wk", &w.wk, L * kv * d},
        {"wv", &w.wv, L * kv * d},
        {"wo", &w.wo, L * d * d},
        {"rms_ffn", &w.rms_ffn, L * d},
        {"w1", &w.w1, L * h * d},
        {"w2", &w.w2, L * d * h},
        {"w3", &w.w3, L * h * d},
        {"rms_final", &w.rms_final, d},
    };
    if (!c.shared_classifier) t.push_back({"wcls", &w.wcls, v * d});
    return t;
}

namespace {

// Opens a checkpoint, reads and validates its header; `file_bytes` gets the file's size.
Config read_header(std::ifstream& in, const std::string& path, std::uint64_t* file_bytes) {
    if (!in) throw Error(path + ": cannot open checkpoint for reading");
    *file_bytes = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    if (*file_bytes < kHeaderBytes) {
        throw make_error(path, "file too short for the llama2.c header",
                         std::to_string(kHeaderBytes) + " bytes at least",
                         std::to_string(*file_bytes) + " bytes");
    }
    std::int32_t header[kHeaderInts];
    in.read(reinterpret_cast<char*>(header), kHeaderBytes);
    Config c;
    c.dim = header[0];
    c.hidden_dim = header[1];
    c.n_layers = header[2];
    c.n_heads = header[3];
    c.n_kv_heads = header[4];
    c.shared_classifier = header[5] > 0;
    c.vocab_size = header[5] == INT32_MIN ? 0 : std::abs(header[5]);
    c.seq_len = header[6];
    validate_config(c, path);
    return c;
}

}  // namespace

Config read_checkpoint_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::uint64_t file_bytes = 0;
    return read_header(in, path, &file_bytes);
}

Model read_checkpoint(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::uint64_t file_bytes = 0;
    Model m;
    m.source = path;
    m.config = read_header(in, path, &file_bytes);
    const Config& c = m.config;

    const std::uint64_t want = expected_file_bytes(c);
    if (file_bytes != want) {
        std::ostringstream found;
        found << file_bytes << " bytes (" << (file_bytes < want ? "short by " : "long by ")
              << (file_bytes < want ? want - file_bytes : file_bytes - want) << ")";
        throw make_error(path, "file size does not match the header",
                         std::to_string(want) + " bytes for " +
                             (c.shared_classifier ? "a shared" : "a separate") + " classifier",
                         found.str());
    }

    std::uint64_t offset = kHeaderBytes;
    for (const TensorRef& t : file_layout(c, m.weights)) {
        const std::uint64_t bytes = t.count * sizeof(float);
        if (t.data == nullptr) {  // unused freq_cis table: RoPE is computed
            in.seekg(static_cast<std::streamoff>(offset + bytes));
            offset += bytes;
            continue;
        }
        t.data->resize(t.count);
        in.read(reinterpret_cast<char*>(t.data->data()), static_cast<std::streamsize>(bytes));
        if (!in) throw Error(path + ": read failed in tensor " + t.name);
        for (std::size_t i = 0; i < t.count; i++) {
            if (!std::isfinite((*t.data)[i])) {
                std::ostringstream found;
                found << (*t.data)[i];
                throw make_error(
                    path + ": byte offset " + std::to_string(offset + i * sizeof(float)),
                    std::string("tensor ") + t.name + " element " + std::to_string(i),
                    "a finite float32", found.str());
            }
        }
        offset += bytes;
    }
    return m;
}

void write_checkpoint(const std::string& path, const Model& m) {
    const Config& c = m.config;
    validate_config(c, path);
    Weights w = m.weights;  // tensor_layout needs mutable access; a copy keeps m const
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot open for writing");
    const std::int32_t header[kHeaderInts] = {
        c.dim,     c.hidden_dim, c.n_layers,
        c.n_heads, c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size,
        c.seq_len};
    out.write(reinterpret_cast<const char*>(header), kHeaderBytes);
    for (const TensorRef& t : file_layout(c, w)) {
        if (t.data == nullptr) {  // freq_cis: never read, written as zeros
            const std::vector<float> zeros(t.count, 0.0f);
            out.write(reinterpret_cast<const char*>(zeros.data()),
                      static_cast<std::streamsize>(zeros.size() * sizeof(float)));
            continue;
        }
        if (t.data->size() != t.count) {
            throw make_error(path, std::string("tensor ") + t.name,
                             std::to_string(t.count) + " elements", std::to_string(t.data->size()));
        }
        out.write(reinterpret_cast<const char*>(t.data->data()),
                  static_cast<std::streamsize>(t.count * sizeof(float)));
    }
    if (!out) throw Error(path + ": write failed");
}

}  // namespace hw
