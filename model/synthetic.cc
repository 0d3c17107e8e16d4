// SPDX-License-Identifier: MIT
// Synthetic models: parse a spec, fill weights from SplitMix64 with exact arithmetic.
#include "synthetic.h"

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "error.h"

namespace hw {
namespace {

const char* const kKeys[] = {"dim",   "hidden",  "layers", "heads", "kv_heads",
                             "vocab", "seq_len", "shared", "seed",  "gain"};

// Largest value accepted for a shape key: keeps sizes far from integer overflow.
constexpr std::int64_t kMaxDimension = 1 << 20;

// Applies key=value to the spec; `where` names the input for error messages.
void set_key(SyntheticSpec& s, const std::string& key, std::int64_t value,
             const std::string& where) {
    if (key == "seed") {
        if (value < 0)
            throw make_error(where, "key seed", "a non-negative integer", std::to_string(value));
        s.seed = static_cast<std::uint64_t>(value);
        return;
    }
    if (key == "shared") {
        if (value != 0 && value != 1) {
            throw make_error(where, "key shared", "0 or 1", std::to_string(value));
        }
        s.config.shared_classifier = value == 1;
        return;
    }
    if (value <= 0 || value > kMaxDimension) {
        throw make_error(where, "key " + key, "an integer in 1.." + std::to_string(kMaxDimension),
                         std::to_string(value));
    }
    const int v = static_cast<int>(value);
    Config& c = s.config;
    if (key == "dim")
        c.dim = v;
    else if (key == "hidden")
        c.hidden_dim = v;
    else if (key == "layers")
        c.n_layers = v;
    else if (key == "heads")
        c.n_heads = v;
    else if (key == "kv_heads")
        c.n_kv_heads = v;
    else if (key == "vocab")
        c.vocab_size = v;
    else if (key == "seq_len")
        c.seq_len = v;
    else if (key == "gain")
        s.gain = v;
    else {
        std::string keys;
        for (const char* k : kKeys) keys += std::string(keys.empty() ? "" : ", ") + k;
        throw make_error(where, "unknown key '" + key + "'", "one of " + keys, key);
    }
}

// Parses a decimal integer, whole string; throws naming the key.
std::int64_t parse_int(const std::string& text, const std::string& key, const std::string& where) {
    std::size_t used = 0;
    std::int64_t v = 0;
    try {
        v = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) {
        throw make_error(where, "key " + key, "an integer", "'" + text + "'");
    }
    return v;
}

// Approximately standard-normal value from exact arithmetic: the sum of four 24-bit
// uniforms has variance 4/12, so centring and scaling by sqrt(3) gives unit variance.
// Every step is an exactly rounded IEEE operation, hence identical on every machine.
double unit_normal(SplitMix64& rng) {
    double sum = 0.0;
    for (int i = 0; i < 4; i++) sum += static_cast<double>(rng.next() >> 40) * 0x1p-24;
    double x = (sum - 2.0) * 1.7320508075688772;
    if ((rng.next() & 0xff) == 0) x *= 3.0;  // rare outliers, as in trained weights
    return x;
}

// FNV-1a of a tensor name: gives each tensor its own PRNG stream, so changing one
// tensor's shape leaves the others' values unchanged.
std::uint64_t name_hash(const char* s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ull;
    return h;
}

}  // namespace

std::string SyntheticSpec::to_string() const {
    std::ostringstream o;
    o << "dim=" << config.dim << ",hidden=" << config.hidden_dim << ",layers=" << config.n_layers
      << ",heads=" << config.n_heads << ",kv_heads=" << config.n_kv_heads
      << ",vocab=" << config.vocab_size << ",seq_len=" << config.seq_len
      << ",shared=" << (config.shared_classifier ? 1 : 0) << ",seed=" << seed;
    if (gain != 1) o << ",gain=" << gain;  // omitted at 1: older specs keep their text and hash
    return o.str();
}

SyntheticSpec parse_synthetic_spec(const std::string& text) {
    SyntheticSpec s;
    Config& c = s.config;
    c.dim = 64;
    c.hidden_dim = 172;
    c.n_layers = 2;
    c.n_heads = 8;
    c.n_kv_heads = 0;  // 0 until set: defaults to n_heads below
    c.vocab_size = 512;
    c.seq_len = 256;
    const std::string where = "synthetic spec '" + text + "'";

    std::ifstream file(text);
    if (file) {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(file);
        } catch (const nlohmann::json::exception& e) {
            throw Error(text + ": not valid JSON: " + e.what());
        }
        if (!j.is_object()) throw make_error(text, "top level", "a JSON object", j.type_name());
        for (const auto& [key, value] : j.items()) {
            if (!value.is_number_integer()) {
                throw make_error(text, "key " + key, "an integer", value.dump());
            }
            set_key(s, key, value.get<std::int64_t>(), text);
        }
    } else {
        std::stringstream in(text);
        std::string item;
        while (std::getline(in, item, ',')) {
            const auto eq = item.find('=');
            if (eq == std::string::npos) {
                throw make_error(where, "item '" + item + "'", "key=value", item);
            }
            const std::string key = item.substr(0, eq);
            set_key(s, key, parse_int(item.substr(eq + 1), key, where), where);
        }
    }
    if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;
    validate_config(c, where);
    return s;
}

Model make_synthetic_model(const SyntheticSpec& spec) {
    Model m;
    m.config = spec.config;
    m.source = "synthetic:" + spec.to_string();
    const Config& c = m.config;
    const double inv_sqrt_dim = 1.0 / std::sqrt(static_cast<double>(c.dim));
    const double inv_sqrt_hidden = 1.0 / std::sqrt(static_cast<double>(c.hidden_dim));

    // Per tensor: mean and standard deviation. Ratios to 1/sqrt(fan_in) follow the
    // trained stories260K (wq 1.8, wk 1.6, wv 0.55, wo 0.64, w1/w3 1.0, w2 1.7; norm gains
    // around 1 with spread 0.2-0.6; embedding 0.3 at dim 64).
    struct Scale {
        double mean, sd;
    };
    const std::map<std::string, Scale> scales = {
        {"token_embedding", {0.0, 2.4 * inv_sqrt_dim}},
        {"rms_att", {1.0, 0.25}},
        {"wq", {0.0, 1.6 * inv_sqrt_dim}},
        {"wk", {0.0, 1.6 * inv_sqrt_dim}},
        {"wv", {0.0, 0.6 * inv_sqrt_dim}},
        {"wo", {0.0, 0.6 * inv_sqrt_dim}},
        {"rms_ffn", {0.85, 0.2}},
        {"w1", {0.0, 1.0 * inv_sqrt_dim}},
        {"w2", {0.0, 1.6 * inv_sqrt_hidden}},
        {"w3", {0.0, 1.0 * inv_sqrt_dim}},
        {"rms_final", {1.8, 0.5}},
        {"wcls", {0.0, 2.4 * inv_sqrt_dim}},
    };
    for (const TensorRef& t : tensor_layout(c, m.weights)) {
        Scale sc = scales.at(t.name);
        const bool norm_gain = std::string(t.name).rfind("rms", 0) == 0;
        if (!norm_gain) sc.sd *= spec.gain;
        SplitMix64 rng(spec.seed ^ name_hash(t.name));
        t.data->resize(t.count);
        for (float& w : *t.data) w = static_cast<float>(sc.mean + sc.sd * unit_normal(rng));
    }
    return m;
}

}  // namespace hw
