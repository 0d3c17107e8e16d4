// SPDX-License-Identifier: MIT
// Model shapes for the projection (hardwire explore): from a llama2.c checkpoint's header, a
// synthetic spec, a Hugging Face config.json, or a shipped preset (explore/presets/NAME.json,
// Hugging Face config.json files of public models: shape facts only, no weights).
#pragma once

#include <string>
#include <vector>

#include "model.h"

namespace hw {

struct ModelShape {
    std::string name;           // "llama-3.1-8b", a file's stem, or the synthetic spec
    std::string source;         // where it was read
    Config config;              // seq_len = the model's longest context (max positions)
    long long max_positions = 0;  // max_position_embeddings (may exceed kMaxSeqLen)
    double rope_theta = 10000;  // RoPE base (it changes the RoPE ROM's contents, not its size)
};

// Reads a Hugging Face Llama config.json: hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: num_attention_heads), vocab_size,
// max_position_embeddings, rope_theta (default 10000), tie_word_embeddings (default false),
// and head_dim where given (it must be hidden_size / num_attention_heads). Throws hw::Error
// naming the file and the key on a missing, mistyped or impossible field.
ModelShape read_hf_config(const std::string& path);

// The shipped presets' names (explore/presets/*.json), sorted.
std::vector<std::string> preset_names();
// A preset by name; hw::Error listing the presets when there is none of that name.
ModelShape read_preset(const std::string& name);

// The shape `spec` names: a preset name, a config.json file, or a llama2.c checkpoint
// (its header). hw::Error when it is none of these.
ModelShape read_shape(const std::string& spec);

}  // namespace hw
