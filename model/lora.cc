// SPDX-License-Identifier: MIT
#include "lora.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "error.h"
#include "json_file.h"
#include "safetensors.h"
#include "synthetic.h"

namespace fs = std::filesystem;

namespace hw {

namespace {

// PEFT module, llama2.c matrix, the block it sits in (for the tensor names).
struct Module {
    const char* peft;
    const char* llama2c;
    const char* block;
};
constexpr Module kModules[] = {
    {"q_proj", "wq", "self_attn"}, {"k_proj", "wk", "self_attn"}, {"v_proj", "wv", "self_attn"},
    {"o_proj", "wo", "self_attn"}, {"gate_proj", "w1", "mlp"},    {"up_proj", "w3", "mlp"},
    {"down_proj", "w2", "mlp"},
};

const Module* module_of(const std::string& llama2c) {
    for (const Module& m : kModules)
        if (llama2c == m.llama2c) return &m;
    return nullptr;
}

// (out, in) of a llama2.c matrix.
std::pair<int, int> matrix_shape(const Config& c, const std::string& name) {
    if (name == "wq" || name == "wo") return {c.dim, c.dim};
    if (name == "wk" || name == "wv") return {c.kv_dim(), c.dim};
    if (name == "w1" || name == "w3") return {c.hidden_dim, c.dim};
    return {c.dim, c.hidden_dim};  // w2
}

// The heads whose rows Hugging Face orders differently (0: none).
int permuted_heads(const Config& c, const std::string& name) {
    return name == "wq" ? c.n_heads : name == "wk" ? c.n_kv_heads : 0;
}

// Row r of llama2.c's order is row hf_row(r) of Hugging Face's (see lora.h).
int hf_row(int r, int head_size) {
    const int h = r / head_size, k = r % head_size, i = k / 2, j = k % 2;
    return h * head_size + j * (head_size / 2) + i;
}

std::string tensor_name(int layer, const Module& m, const char* ab) {
    return "base_model.model.model.layers." + std::to_string(layer) + "." + m.block + "." + m.peft + ".lora_" +
           ab + ".weight";
}

}  // namespace

double Adapter::scale() const { return rslora ? alpha / std::sqrt(double(rank)) : alpha / rank; }

std::string llama2c_name(const std::string& peft_module) {
    for (const Module& m : kModules)
        if (peft_module == m.peft) return m.llama2c;
    return "";
}

std::string peft_name(const std::string& llama2c) {
    const Module* m = module_of(llama2c);
    return m ? m->peft : "";
}

Adapter read_peft_adapter(const std::string& dir, const Config& c) {
    const std::string cfg_path = (fs::path(dir) / "adapter_config.json").string();
    const std::string st_path = (fs::path(dir) / "adapter_model.safetensors").string();
    const nlohmann::json j = read_json_file(cfg_path, "PEFT adapter configuration");
    if (!j.is_object()) throw make_error(cfg_path, "top level", "an object", j.dump().substr(0, 80));
    auto get = [&](const char* key) -> const nlohmann::json& {
        if (!j.contains(key)) throw make_error(cfg_path, std::string("\"") + key + "\"", "present", "none");
        return j[key];
    };
    if (j.contains("peft_type") && j["peft_type"] != "LORA")
        throw make_error(cfg_path, "\"peft_type\"", "\"LORA\"", j["peft_type"].dump());
    if (j.value("fan_in_fan_out", false))
        throw make_error(cfg_path, "\"fan_in_fan_out\"", "false (Llama's Linear layers: B x A is (out, in))", "true");
    if (j.contains("bias") && j["bias"] != "none")
        throw make_error(cfg_path, "\"bias\"", "\"none\" (the chip adds no bias)", j["bias"].dump());
    Adapter a;
    a.source = dir;
    const auto& r = get("r");
    if (!r.is_number_integer() || r.get<int>() < 1 || r.get<int>() > std::min(c.dim, c.hidden_dim))
        throw make_error(cfg_path, "\"r\"", "an integer in 1.." + std::to_string(std::min(c.dim, c.hidden_dim)), r.dump());
    a.rank = r;
    const auto& alpha = get("lora_alpha");
    if (!alpha.is_number() || alpha.get<double>() <= 0)
        throw make_error(cfg_path, "\"lora_alpha\"", "a positive number", alpha.dump());
    a.alpha = alpha;
    a.rslora = j.value("use_rslora", false);
    const auto& targets = get("target_modules");
    std::vector<std::string> names;
    if (targets.is_string()) names.push_back(targets);
    else if (targets.is_array())
        for (const auto& t : targets) names.push_back(t.is_string() ? t.get<std::string>() : t.dump());
    else throw make_error(cfg_path, "\"target_modules\"", "a list of module names", targets.dump());
    for (const std::string& n : names) {
        const std::string l = llama2c_name(n);
        if (l.empty())
            throw make_error(cfg_path, "target module '" + n + "'",
                             "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj", n);
        if (std::find(a.targets.begin(), a.targets.end(), l) == a.targets.end()) a.targets.push_back(l);
    }
    if (a.targets.empty()) throw make_error(cfg_path, "\"target_modules\"", "at least one module", "[]");

    std::map<std::string, SafeTensor> tensors = read_safetensors(st_path);
    a.layers.resize(c.n_layers);
    std::set<std::string> used;
    for (int l = 0; l < c.n_layers; l++) {
        for (const std::string& t : a.targets) {
            const Module& m = *module_of(t);
            const auto [out, inn] = matrix_shape(c, t);
            LoraPair p;
            p.in = inn;
            p.out = out;
            for (const char* ab : {"A", "B"}) {
                const std::string name = tensor_name(l, m, ab);
                const auto it = tensors.find(name);
                if (it == tensors.end())
                    throw make_error(st_path, "tensor '" + name + "'", "present (target " + std::string(m.peft) + ")", "none");
                const std::vector<std::int64_t> want = ab[0] == 'A' ? std::vector<std::int64_t>{a.rank, inn}
                                                                    : std::vector<std::int64_t>{out, a.rank};
                if (it->second.shape != want)
                    throw make_error(st_path, "tensor '" + name + "' shape",
                                     nlohmann::json(want).dump() + " (r " + std::to_string(a.rank) + ")",
                                     nlohmann::json(it->second.shape).dump());
                (ab[0] == 'A' ? p.a : p.b) = std::move(it->second.data);
                used.insert(name);
            }
            // B's rows into llama2.c's order (q and k only).
            if (const int heads = permuted_heads(c, t)) {
                const int hs = out / heads;
                std::vector<float> b(p.b.size());
                for (int row = 0; row < out; row++)
                    std::copy_n(p.b.begin() + std::size_t(hf_row(row, hs)) * a.rank, a.rank,
                                b.begin() + std::size_t(row) * a.rank);
                p.b = std::move(b);
            }
            a.layers[l][t] = std::move(p);
        }
    }
    for (const auto& [name, t] : tensors)
        if (!used.count(name))
            throw make_error(st_path, "tensor '" + name + "'",
                             "only the lora_A and lora_B of the configured targets in layers 0.." +
                                 std::to_string(c.n_layers - 1),
                             "an unexpected tensor");
    return a;
}

void write_peft_adapter(const std::string& dir, const Adapter& a, const Config& c, const std::string& dtype) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw make_error(dir, "cannot create the adapter folder", "a writable path", ec.message());
    std::map<std::string, SafeTensor> tensors;
    for (int l = 0; l < static_cast<int>(a.layers.size()); l++) {
        for (const auto& [t, p] : a.layers[l]) {
            const Module& m = *module_of(t);
            SafeTensor A{dtype, {a.rank, p.in}, p.a}, B{dtype, {p.out, a.rank}, p.b};
            if (const int heads = permuted_heads(c, t)) {
                const int hs = p.out / heads;
                for (int row = 0; row < p.out; row++)
                    std::copy_n(p.b.begin() + std::size_t(row) * a.rank, a.rank,
                                B.data.begin() + std::size_t(hf_row(row, hs)) * a.rank);
            }
            tensors[tensor_name(l, m, "A")] = std::move(A);
            tensors[tensor_name(l, m, "B")] = std::move(B);
        }
    }
    write_safetensors((fs::path(dir) / "adapter_model.safetensors").string(), tensors, dtype);
    nlohmann::json modules = nlohmann::json::array();
    for (const std::string& t : a.targets) modules.push_back(peft_name(t));
    const nlohmann::json cfg = {{"peft_type", "LORA"},     {"r", a.rank},        {"lora_alpha", a.alpha},
                                {"use_rslora", a.rslora},  {"target_modules", modules}, {"bias", "none"},
                                {"fan_in_fan_out", false}, {"lora_dropout", 0.0},
                                {"task_type", "CAUSAL_LM"}, {"written_by", "hardwire (model/lora.cc)"}};
    const std::string cfg_path = (fs::path(dir) / "adapter_config.json").string();
    std::ofstream out(cfg_path);
    out << cfg.dump(2) << "\n";
    if (!out) throw make_error(cfg_path, "cannot write the adapter's configuration", "a writable path", "a write error");
}

Adapter make_synthetic_adapter(const Config& c, const std::string& spec) {
    const std::string where = "--synthetic-adapter '" + spec + "'";
    Adapter a;
    a.source = spec;
    std::uint64_t seed = 1;
    double alpha = -1;
    std::string key;
    std::istringstream items(spec);
    for (std::string item; std::getline(items, item, ',');) {
        const auto eq = item.find('=');
        std::string value = item;
        if (eq != std::string::npos) {
            key = item.substr(0, eq);
            value = item.substr(eq + 1);
        } else if (key != "targets") {
            throw make_error(where, "item '" + item + "'", "key=value (keys r, targets, alpha, seed)", item);
        }
        try {
            if (key == "r") a.rank = std::stoi(value);
            else if (key == "alpha") alpha = std::stod(value);
            else if (key == "seed") seed = std::stoull(value);
            else if (key == "targets") {
                std::string l = llama2c_name(value + "_proj");  // q, gate, ...
                if (l.empty()) l = llama2c_name(value);          // q_proj, ...
                if (l.empty() && module_of(value)) l = value;    // wq, ...
                if (l.empty())
                    throw make_error(where, "target '" + value + "'", "q, k, v, o, gate, up, down (or wq .. w3)", value);
                a.targets.push_back(l);
            } else {
                throw make_error(where, "key '" + key + "'", "r, targets, alpha or seed", key);
            }
        } catch (const std::logic_error&) {
            throw make_error(where, "value of " + key, "a number", value);
        }
    }
    if (a.rank < 1 || a.rank > std::min(c.dim, c.hidden_dim))
        throw make_error(where, "r", "1.." + std::to_string(std::min(c.dim, c.hidden_dim)), std::to_string(a.rank));
    if (a.targets.empty()) throw make_error(where, "targets", "at least one (targets=q,v)", "none");
    a.alpha = alpha > 0 ? alpha : 2.0 * a.rank;
    SplitMix64 rng(seed);
    auto uniform = [&](double limit) {
        return static_cast<float>((double(rng.next() >> 11) / 9007199254740992.0 * 2 - 1) * limit);
    };
    a.layers.resize(c.n_layers);
    for (int l = 0; l < c.n_layers; l++) {
        for (const std::string& t : a.targets) {
            LoraPair p;
            std::tie(p.out, p.in) = matrix_shape(c, t);
            p.a.resize(std::size_t(a.rank) * p.in);
            p.b.resize(std::size_t(p.out) * a.rank);
            for (float& v : p.a) v = uniform(0.5 / std::sqrt(double(p.in)));
            for (float& v : p.b) v = uniform(0.5 / std::sqrt(double(a.rank)));
            a.layers[l][t] = std::move(p);
        }
    }
    return a;
}

Model merge_adapter(const Model& m, const Adapter& a) {
    Model merged = m;
    merged.source = m.source + " + adapter " + a.source;
    const Config& c = m.config;
    const double s = a.scale();
    Weights& w = merged.weights;
    std::map<std::string, std::vector<float>*> matrices = {{"wq", &w.wq}, {"wk", &w.wk}, {"wv", &w.wv},
                                                           {"wo", &w.wo}, {"w1", &w.w1}, {"w2", &w.w2},
                                                           {"w3", &w.w3}};
    for (int l = 0; l < c.n_layers; l++) {
        for (const auto& [t, p] : a.layers[l]) {
            float* W = matrices.at(t)->data() + std::size_t(l) * p.out * p.in;
            for (int i = 0; i < p.out; i++) {
                for (int j = 0; j < p.in; j++) {
                    double d = 0;  // (B A)[i][j], summed in double
                    for (int k = 0; k < a.rank; k++)
                        d += double(p.b[std::size_t(i) * a.rank + k]) * p.a[std::size_t(k) * p.in + j];
                    W[std::size_t(i) * p.in + j] = static_cast<float>(W[std::size_t(i) * p.in + j] + s * d);
                }
            }
        }
    }
    return merged;
}

}  // namespace hw
