// SPDX-License-Identifier: MIT
#include "shape.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "error.h"

namespace hw {
namespace fs = std::filesystem;

namespace {

fs::path presets_dir() { return fs::path(HW_SOURCE_DIR) / "explore" / "presets"; }

// A positive integer field of a config.json (`fallback` when absent and not negative).
long long int_field(const nlohmann::json& j, const std::string& path, const char* key,
                    long long fallback = -1) {
    if (!j.contains(key)) {
        if (fallback >= 0) return fallback;
        throw make_error(path, std::string("\"") + key + "\"", "a positive integer", "nothing");
    }
    const nlohmann::json& v = j.at(key);
    if (!v.is_number_integer() || v.get<long long>() <= 0)
        throw make_error(path, std::string("\"") + key + "\"", "a positive integer", v.dump());
    return v.get<long long>();
}

}  // namespace

ModelShape read_hf_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open the config.json for reading");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw make_error(path, "config.json", "JSON", std::string("a syntax error (") + e.what() + ")");
    }
    if (!j.is_object()) throw make_error(path, "config.json", "a JSON object", j.type_name());
    if (j.contains("model_type") && j["model_type"] != "llama")
        throw make_error(path, "\"model_type\"", "\"llama\" (the chip runs Llama-architecture models)",
                         j["model_type"].dump());
    if (j.contains("hidden_act") && j["hidden_act"] != "silu")
        throw make_error(path, "\"hidden_act\"", "\"silu\" (the chip's SwiGLU)", j["hidden_act"].dump());

    ModelShape s;
    s.source = path;
    s.name = fs::path(path).parent_path().filename().string();
    if (s.name.empty() || fs::path(path).filename() != "config.json") s.name = fs::path(path).stem().string();
    if (j.contains("_name") && j["_name"].is_string()) s.name = j["_name"].get<std::string>();
    Config& c = s.config;
    auto narrow = [&](const char* key, long long v) {
        if (v > (1 << 30)) throw make_error(path, std::string("\"") + key + "\"", "at most 2^30", std::to_string(v));
        return static_cast<int>(v);
    };
    c.dim = narrow("hidden_size", int_field(j, path, "hidden_size"));
    c.hidden_dim = narrow("intermediate_size", int_field(j, path, "intermediate_size"));
    c.n_layers = narrow("num_hidden_layers", int_field(j, path, "num_hidden_layers"));
    c.n_heads = narrow("num_attention_heads", int_field(j, path, "num_attention_heads"));
    c.n_kv_heads = narrow("num_key_value_heads", int_field(j, path, "num_key_value_heads", c.n_heads));
    c.vocab_size = narrow("vocab_size", int_field(j, path, "vocab_size"));
    s.max_positions = int_field(j, path, "max_position_embeddings");
    c.seq_len = static_cast<int>(std::min<long long>(s.max_positions, kMaxSeqLen));
    if (j.contains("tie_word_embeddings")) {
        if (!j["tie_word_embeddings"].is_boolean())
            throw make_error(path, "\"tie_word_embeddings\"", "true or false", j["tie_word_embeddings"].dump());
        c.shared_classifier = j["tie_word_embeddings"].get<bool>();
    } else {
        c.shared_classifier = false;  // Hugging Face's LlamaConfig default
    }
    if (j.contains("rope_theta")) {
        if (!j["rope_theta"].is_number() || j["rope_theta"].get<double>() <= 0)
            throw make_error(path, "\"rope_theta\"", "a positive number", j["rope_theta"].dump());
        s.rope_theta = j["rope_theta"].get<double>();
    }
    if (c.dim % c.n_heads != 0)
        throw make_error(path, "\"hidden_size\"", "a multiple of num_attention_heads (" +
                         std::to_string(c.n_heads) + ")", std::to_string(c.dim));
    if (j.contains("head_dim") && !j["head_dim"].is_null() &&
        int_field(j, path, "head_dim") != c.dim / c.n_heads)
        throw make_error(path, "\"head_dim\"", "hidden_size / num_attention_heads = " +
                         std::to_string(c.dim / c.n_heads) + " (the chip's head width)",
                         j["head_dim"].dump());
    validate_config(c, path);
    return s;
}

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(presets_dir(), ec))
        if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

ModelShape read_preset(const std::string& name) {
    const fs::path p = presets_dir() / (name + ".json");
    if (!fs::exists(p)) {
        std::string list;
        for (const std::string& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
        throw make_error("--model " + name, "model", "a preset (" + list +
                         "), a config.json or a llama2.c checkpoint", "no such preset or file");
    }
    ModelShape s = read_hf_config(p.string());
    s.name = name;
    return s;
}

ModelShape read_shape(const std::string& spec) {
    if (!fs::exists(spec)) return read_preset(spec);
    if (fs::is_directory(spec)) {
        if (fs::exists(fs::path(spec) / "config.json"))
            return read_hf_config((fs::path(spec) / "config.json").string());
        throw make_error(spec, "model", "a config.json in this folder", "none");
    }
    if (fs::path(spec).extension() == ".json") return read_hf_config(spec);
    ModelShape s;
    s.source = spec;
    s.name = fs::path(spec).stem().string();
    s.config = read_checkpoint_config(spec);
    s.max_positions = s.config.seq_len;
    return s;
}

}  // namespace hw
