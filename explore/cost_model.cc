// SPDX-License-Identifier: MIT
#include "cost_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cycle_model.h"
#include "error.h"
#include "json_file.h"
#include "rom_image.h"
#include "synthetic.h"

namespace hw {
namespace {

std::uint64_t at_least_2(std::uint64_t words) { return words < 2 ? 2 : words; }
std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

// ---- constants --------------------------------------------------------------------------------

std::string default_constants_path() {
    return (std::filesystem::path(HW_SOURCE_DIR) / "explore" / "constants.json").string();
}

Constants read_constants(const std::string& path) {
    const nlohmann::json j = read_json_file(path, "constants file");
    if (!j.contains("constants") || !j["constants"].is_object())
        throw make_error(path, "\"constants\"", "an object of named constants", "none");
    Constants k;
    k.path = path;
    for (const auto& [name, e] : j["constants"].items()) {
        if (!e.is_object() || !e.contains("value") || !e["value"].is_number() ||
            !e.contains("source") || !e["source"].is_string())
            throw make_error(path, "constant " + name, "{\"value\": number, \"unit\", \"source\"}", e.dump());
        k.entries[name] = {e["value"].get<double>(), e.value("unit", ""), e["source"].get<std::string>()};
    }
    const nlohmann::json refs = j.value("reference_points", nlohmann::json::object());
    for (const auto& [id, r] : refs.items()) {
        try {
            k.references.push_back({r.at("label").get<std::string>(), r.at("name").get<std::string>(),
                                    r.at("source").get<std::string>(), r.at("tokens_per_s").get<double>(),
                                    r.at("area_mm2").get<double>(), r.at("transistors").get<double>(),
                                    r.at("watts").get<double>()});
        } catch (const nlohmann::json::exception& e) {
            throw make_error(path, "reference point " + id,
                             "label, name, source, tokens_per_s, area_mm2, transistors, watts", e.what());
        }
    }
    return k;
}

double Constants::get(const std::string& name) const {
    const auto it = entries.find(name);
    if (it == entries.end()) throw Error(path + ": no constant " + name);
    return it->second.value;
}

void Constants::set(const std::string& assignment, const std::string& option) {
    const auto eq = assignment.find('=');
    const std::string name = assignment.substr(0, eq);
    if (eq == std::string::npos || entries.count(name) == 0) {
        std::string names;
        for (const auto& [n, e] : entries) names += (names.empty() ? "" : ", ") + n;
        throw make_error(option + " " + assignment, "constant", "NAME=VALUE with NAME one of " + names,
                         eq == std::string::npos ? "no '='" : "no constant " + name);
    }
    const std::string text = assignment.substr(eq + 1);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
        throw make_error(option + " " + assignment, "value of " + name, "a non-negative number", "'" + text + "'");
    entries[name].value = v;
    entries[name].source = "set on the command line (" + option + ")";
}

// ---- storage ----------------------------------------------------------------------------------

SramBits sram_bits(const Config& c, const Datapath& d) {
    SramBits s;
    const std::uint64_t bank_rows = ceil_div(std::uint64_t(c.seq_len), std::uint64_t(d.attn_par));
    const std::uint64_t kv_row_bits = std::uint64_t(c.kv_dim()) * 16 + 8;
    s.kv = 2 * std::uint64_t(d.attn_par) * at_least_2(std::uint64_t(c.n_layers) * bank_rows) * kv_row_bits;
    s.scores = at_least_2(bank_rows) * std::uint64_t(d.nl_units(c)) * 32;
    s.logits = at_least_2(ceil_div(std::uint64_t(c.vocab_size), std::uint64_t(d.rows))) *
               std::uint64_t(d.rows) * 32;
    return s;
}

std::uint64_t scratch_register_bits(const Config& c) {
    return (4 * std::uint64_t(c.dim) + 2 * std::uint64_t(c.kv_dim()) + 2 * std::uint64_t(c.hidden_dim)) * 32;
}

// ---- events -----------------------------------------------------------------------------------

TokenEvents token_events(const Config& c, const WeightFormat& f, const Datapath& d, int context) {
    TokenEvents e;
    const double mean_positions = (context + 1) / 2.0;  // positions attended, mean over 0..context-1
    e.weight_macs = double(weight_macs(c));
    e.attention_macs = 2.0 * c.n_layers * c.dim * mean_positions;
    // Every weight, scale and gain word once a token, but the embedding's: one row group (the
    // token's), plus the whole matrix when it is also the classifier.
    for (const RomShape& s : rom_shapes(c, f, d)) {
        if (s.kind != "weights" && s.kind != "scales" && s.kind != "gains") continue;
        if (s.tensor == "token_embedding") {
            const double row_words = s.kind == "weights" ? weight_beats(c.dim, d.lanes) : 1;
            e.rom_bits_read += row_words * s.width + (c.shared_classifier ? double(s.bits()) : 0);
        } else {
            e.rom_bits_read += double(s.bits());
        }
    }
    const double kv_row_bits = double(c.kv_dim()) * 16 + 8;
    e.sram_bits_written = c.n_layers * (2 * kv_row_bits + mean_positions * c.n_heads * 32) +
                          double(c.vocab_size) * 32;
    e.sram_bits_read = c.n_layers * mean_positions * (2 * kv_row_bits + c.n_heads * 32) +
                       double(c.vocab_size) * 32;  // the argmax, or the host's logits
    e.table_lookups = (2.0 * c.n_layers + 1)                          // 1/sqrt, each RMSNorm
                      + double(c.n_layers) * c.n_heads                // 1/sum, each head
                      + 2.0 * c.n_layers * c.n_heads * mean_positions  // 2^-x, both passes
                      + double(c.n_layers) * c.hidden_dim;            // sigmoid, SwiGLU
    return e;
}

// ---- logic area -------------------------------------------------------------------------------

const char* LogicFeatures::name(int i) {
    static const char* names[kCount] = {"constant", "MAC lanes (Rows x Lanes)",
                                        "attention multipliers (AttnPar x dim)", "vector lanes",
                                        "table units (n_heads x AttnPar)", "scratch register bits"};
    return names[i];
}

LogicFeatures logic_features(const Config& c, const Datapath& d) {
    return {{1.0, double(d.weight_macs_per_cycle()), double(d.attention_macs_per_cycle(c)),
             double(d.vec_lanes()), double(d.nl_units(c)), double(scratch_register_bits(c))}};
}

double LogicModel::ge(const Config& c, const Datapath& d) const {
    const LogicFeatures f = logic_features(c, d);
    double g = 0;
    for (int i = 0; i < LogicFeatures::kCount; i++) g += coef[i] * f.x[i];
    return g;
}

std::string default_synth_points_path() {
    return (std::filesystem::path(HW_SOURCE_DIR) / "explore" / "synth_points.json").string();
}

LogicModel fit_logic_model(const std::string& path) {
    const nlohmann::json j = read_json_file(path, "synthesis points file");
    if (!j.contains("points") || !j["points"].is_array())
        throw make_error(path, "\"points\"", "an array of synthesis runs", "none");
    LogicModel m;
    m.path = path;
    for (const nlohmann::json& p : j["points"]) {
        SynthPoint s;
        try {
            s.spec = p.at("spec").get<std::string>();
            s.datapath.rows = p.at("rows").get<int>();
            s.datapath.lanes = p.at("lanes").get<int>();
            s.datapath.attn_par = p.at("attn_par").get<int>();
            s.ge = p.at("gate_equivalents").get<double>();
            s.held_out = p.value("held_out", false);
        } catch (const nlohmann::json::exception& e) {
            throw make_error(path, "synthesis point " + p.dump(), "spec, rows, lanes, attn_par, gate_equivalents", e.what());
        }
        m.points.push_back(s);
    }
    // Least squares over the fitted points: the normal equations, solved by Gaussian
    // elimination with partial pivoting (6 unknowns), on features scaled to unit size.
    constexpr int n = LogicFeatures::kCount;
    std::vector<LogicFeatures> feats;
    double scale[n] = {};
    int fitted = 0;
    for (const SynthPoint& s : m.points) {
        feats.push_back(logic_features(parse_synthetic_spec(s.spec).config, s.datapath));
        if (s.held_out) continue;
        fitted++;
        for (int i = 0; i < n; i++) scale[i] = std::max(scale[i], std::abs(feats.back().x[i]));
    }
    if (fitted < n) {
        m.why_not = std::to_string(fitted) + " synthesis runs in " + path + " to fit, at least " +
                    std::to_string(n) + " needed (scripts/synth --chip --json adds one)";
        return m;
    }
    double a[n][n + 1] = {};
    for (std::size_t p = 0; p < m.points.size(); p++) {
        if (m.points[p].held_out) continue;
        double x[n];
        for (int i = 0; i < n; i++) x[i] = scale[i] > 0 ? feats[p].x[i] / scale[i] : 0;
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < n; q++) a[r][q] += x[r] * x[q];
            a[r][n] += x[r] * m.points[p].ge;
        }
    }
    for (int col = 0; col < n; col++) {
        int piv = col;
        for (int r = col + 1; r < n; r++)
            if (std::abs(a[r][col]) > std::abs(a[piv][col])) piv = r;
        if (std::abs(a[piv][col]) < 1e-12) {
            m.why_not = "the synthesis runs in " + path + " do not determine the coefficient of " +
                        LogicFeatures::name(col) + " (vary it between runs)";
            return m;
        }
        std::swap(a[col], a[piv]);
        for (int r = 0; r < n; r++) {
            if (r == col) continue;
            const double f = a[r][col] / a[col][col];
            for (int q = col; q <= n; q++) a[r][q] -= f * a[col][q];
        }
    }
    for (int i = 0; i < n; i++) m.coef[i] = scale[i] > 0 ? a[i][n] / a[i][i] / scale[i] : 0;
    m.fitted = true;
    for (std::size_t p = 0; p < m.points.size(); p++) {
        SynthPoint& s = m.points[p];
        s.predicted = 0;
        for (int i = 0; i < n; i++) s.predicted += m.coef[i] * feats[p].x[i];
        const double err = std::abs(s.predicted - s.ge) / s.ge;
        double& worst = s.held_out ? m.held_out_max_error : m.fit_max_error;
        worst = std::max(worst, err);
    }
    return m;
}

// ---- the projection ---------------------------------------------------------------------------

Projection project(const Config& c, const WeightFormat& f, const Datapath& d, double clock_hz,
                   const Constants& k, const LogicModel& logic) {
    Projection p;
    p.datapath = d;
    p.context = c.seq_len;
    p.clock_hz = clock_hz;
    const ContextCycles cyc = context_cycles(c, f, d, c.seq_len);
    p.cycles_per_token = cyc.total;
    p.tokens_per_s = clock_hz / cyc.total;
    p.mac_utilization = cyc.utilization;
    p.rom_bits = rom_bits(rom_shapes(c, f, d));
    p.sram = sram_bits(c, d);
    p.logic_known = logic.fitted;
    p.logic_ge = logic.fitted ? logic.ge(c, d) : 0;

    p.logic_mm2 = p.logic_ge * k.get("ge_um2") / 1e6;
    p.rom_mm2 = double(p.rom_bits) * k.get("rom_bit_um2") / 1e6;
    p.rom_mm2_low = double(p.rom_bits) * k.get("rom_bit_um2_low") / 1e6;
    p.rom_mm2_high = double(p.rom_bits) * k.get("rom_bit_um2_high") / 1e6;
    p.sram_mm2 = double(p.sram.total()) * k.get("sram_bit_um2") / k.get("sram_array_efficiency") / 1e6;
    p.transistors = p.logic_ge * k.get("transistors_per_ge") +
                    double(p.sram.total()) * k.get("transistors_per_sram_bit") +
                    double(p.rom_bits) * k.get("transistors_per_rom_bit");

    // Energy: a multiplier's grows with the product of its operands' widths, an adder's with
    // its width (from the int8 figures); accumulators are 32 bits. A mixed format's
    // multipliers are built for its widest matrix (narrower weights arrive sign-extended).
    const TokenEvents e = token_events(c, f, d, c.seq_len);
    const double mul8 = k.get("mul_int8_pj"), add8 = k.get("add_int8_pj");
    const double weight_mac = mul8 * (used_widths(c, f).back() * 16) / 64.0 + add8 * 32 / 8.0;
    const double attention_mac = mul8 * (16 * 32) / 64.0 + add8 * 64 / 8.0;
    p.energy_pj_by_kind[0] = e.weight_macs * weight_mac + e.attention_macs * attention_mac;
    p.energy_pj_by_kind[1] = e.rom_bits_read * k.get("rom_read_pj_per_bit");
    p.energy_pj_by_kind[2] = e.sram_bits_read * k.get("sram_read_pj_per_bit") +
                             e.sram_bits_written * k.get("sram_write_pj_per_bit");
    p.energy_pj_by_kind[3] = e.table_lookups * k.get("table_lookup_pj");
    for (double v : p.energy_pj_by_kind) p.energy_pj_per_token += v;
    p.watts = p.energy_pj_per_token * 1e-12 * p.tokens_per_s + k.get("static_w_per_mm2") * p.total_mm2();
    return p;
}

}  // namespace hw
