// SPDX-License-Identifier: MIT
// hardwire explore: a model shape projected onto the chip at one datapath or a sweep of them:
// cycles and tokens/s per user (the exact cycle model), ROM and SRAM bits (the ROM layout and
// the RTL's SRAM macros), logic area (fitted to synthesis of the RTL), mm2, transistors,
// energy per token and power, beside HC1's published figures. Nothing is built or simulated.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "cost_model.h"
#include "error.h"
#include "pareto_svg.h"
#include "shape.h"
#include "synthetic.h"

namespace hw::cli {
namespace {

// "rows=1,4,16,lanes=64,256,attn-par=1,8" -> the values of each key.
std::vector<Datapath> parse_sweep(const std::string& text, const Datapath& base) {
    std::map<std::string, std::vector<int>> v;
    std::string key;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        const auto eq = item.find('=');
        if (eq != std::string::npos) {
            key = item.substr(0, eq);
            item = item.substr(eq + 1);
            if (key != "rows" && key != "lanes" && key != "attn-par")
                throw UsageError("--sweep: unknown key '" + key + "' (expected rows=, lanes=, attn-par=)");
            if (v.count(key)) throw UsageError("--sweep: key '" + key + "' given twice");
            v[key];
        }
        if (key.empty()) throw UsageError("--sweep: '" + text + "' must start with rows=, lanes= or attn-par=");
        char* end = nullptr;
        const long n = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || n <= 0)
            throw UsageError("--sweep: " + key + " value '" + item + "' is not a positive integer");
        v[key].push_back(static_cast<int>(n));
    }
    if (!v.count("rows")) v["rows"] = {base.rows};
    if (!v.count("lanes")) v["lanes"] = {base.lanes};
    if (!v.count("attn-par")) v["attn-par"] = {base.attn_par};
    std::vector<Datapath> out;
    for (int r : v["rows"])
        for (int l : v["lanes"])
            for (int p : v["attn-par"]) {
                Datapath d;
                d.rows = r; d.lanes = l; d.attn_par = p;
                check_datapath(d);
                out.push_back(d);
            }
    return out;
}

std::string si(double v) {
    char buf[32];
    const char* unit[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (std::abs(v) >= 1000 && i < 4) { v /= 1000; i++; }
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, unit[i]);
    return buf;
}

}  // namespace

int cmd_explore(int argc, char** argv) {
    Args args("hardwire explore",
              "hardwire explore (--model M | --synthetic SPEC) [--format F | --format-map FILE] [--context N] "
              "[--clock-mhz F] [--rows R --lanes L --attn-par P | --sweep rows=..,lanes=..,attn-par=..] "
              "[--json FILE] [--plot FILE.svg] [--set NAME=VALUE,...] [--target TOKENS_PER_S]",
              "Projects a model onto this chip without building it: for each datapath, the\n"
              "cycles per token (the exact cycle model, which the RTL's counters equal), tokens/s\n"
              "per user at the clock, MAC utilization, ROM bits (the ROM image layout: equal to\n"
              "gen's manifest), SRAM bits (the RTL's KV, score and logit macros), logic area\n"
              "(fitted to whole-chip synthesis runs of the RTL), mm2 (nominal ROM cell, and the\n"
              "total at the ROM cell's low and high values), transistors, energy per token and\n"
              "power, beside HC1's published figures. Constants: explore/constants.json, each with\n"
              "its source; --set overrides any. M: a preset (llama-3.1-8b, llama-3.2-1b,\n"
              "stories15M, stories110M), a Hugging Face config.json (or its folder), or a llama2.c\n"
              "checkpoint.");
    args.option("model", "M", "preset name, Hugging Face config.json, or llama2.c checkpoint")
        .option("synthetic", "SPEC", "a synthetic model spec instead (key=value list)")
        .option("context", "N", "positions the chip holds (KV cache) and decodes over (default: the model's, at most 4096)")
        .option("clock-mhz", "F", "clock", "1000");
    add_datapath_options(args);
    add_format_options(args);
    args.option("sweep", "SPEC", "datapaths to sweep: rows=a,b,...,lanes=...,attn-par=... (keys not given take --rows, --lanes, --attn-par)")
        .option("json", "FILE", "write the table as JSON")
        .option("plot", "FILE", "write the Pareto plot (tokens/s against mm2, coloured by W, HC1 marked) as SVG")
        .option("set", "LIST", "override constants: NAME=VALUE[,NAME=VALUE...] (names: explore/constants.json)")
        .option("constants", "FILE", "the constants file (default: explore/constants.json)")
        .option("synth-points", "FILE", "the synthesis runs the logic area is fitted to (default: explore/synth_points.json)")
        .option("target", "T", "tokens/s per user to reach: marks the configurations that do");
    if (!args.parse(argc, argv, 2)) return 0;
    args.require_one_of({"model", "synthetic"});

    ModelShape shape;
    if (args.flag_set("model")) {
        // A preset by name first; otherwise a file, or a name under $HARDWIRE_MODELS as in
        // every other command (--model stories260K).
        const std::vector<std::string> presets = preset_names();
        const std::string m = args.get("model");
        shape = std::find(presets.begin(), presets.end(), m) != presets.end() ? read_preset(m)
                                                                             : read_shape(model_path(args));
    } else {
        shape.config = parse_synthetic_spec(args.get("synthetic")).config;
        shape.name = "synthetic";
        shape.source = args.get("synthetic");
        shape.max_positions = shape.config.seq_len;
    }
    Config c = shape.config;
    const long long model_context = std::min<long long>(shape.max_positions, kMaxSeqLen);
    c.seq_len = args.flag_set("context")
                    ? static_cast<int>(args.get_int("context", 1, model_context))
                    : static_cast<int>(std::min<long long>(model_context, 4096));
    validate_config(c, shape.source);
    const WeightFormat f = format_options(args);
    const double clock_hz = args.get_double("clock-mhz", 1, 100000) * 1e6;
    const std::vector<Datapath> dps =
        args.flag_set("sweep") ? parse_sweep(args.get("sweep"), datapath_options(args))
                               : std::vector<Datapath>{datapath_options(args)};

    Constants k = read_constants(args.flag_set("constants") ? args.get("constants") : default_constants_path());
    if (args.flag_set("set")) {
        std::stringstream in(args.get("set"));
        for (std::string a; std::getline(in, a, ',');) k.set(a, "--set");
    }
    const LogicModel logic = fit_logic_model(args.flag_set("synth-points") ? args.get("synth-points")
                                                                           : default_synth_points_path());
    const double target = args.flag_set("target") ? args.get_double("target", 1, 1e12) : 0;

    std::vector<Projection> rows;
    for (const Datapath& d : dps) rows.push_back(project(c, f, d, clock_hz, k, logic));

    std::printf("model   %s: dim %d, hidden %d, %d layers, %d heads, %d kv heads, vocab %d%s; %s; "
                "context %d; %.0f MHz\n",
                shape.name.c_str(), c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                c.vocab_size, c.shared_classifier ? ", shared classifier" : "", f.name().c_str(),
                c.seq_len, clock_hz / 1e6);
    std::printf("\n%-16s %12s %10s %6s %9s %9s %8s %8s %8s %8s %15s %8s %8s %8s\n", "rows x lanes x P",
                "cycles/token", "tokens/s", "MAC", "ROM bits", "SRAM bits", "logic", "ROM", "SRAM",
                "total", "(ROM cell range)", "transis.", "W", "mJ/token");
    std::printf("%-16s %12s %10s %6s %9s %9s %8s %8s %8s %8s %15s %8s %8s %8s\n", "", "", "per user",
                "use", "", "", "mm2", "mm2", "mm2", "mm2", "mm2", "", "", "");
    for (const Projection& p : rows) {
        char dp[32], range[32];
        std::snprintf(dp, sizeof dp, "%d x %d x %d", p.datapath.rows, p.datapath.lanes, p.datapath.attn_par);
        std::snprintf(range, sizeof range, "%.1f-%.1f", p.total_mm2_low(), p.total_mm2_high());
        char logic_mm2[16];
        std::snprintf(logic_mm2, sizeof logic_mm2, p.logic_known ? "%.3f" : "n/a", p.logic_mm2);
        std::printf("%-16s %12.0f %10.1f %5.1f%% %9s %9s %8s %8.2f %8.3f %8.2f %15s %8s %8.2f %8.4f%s\n", dp,
                    p.cycles_per_token, p.tokens_per_s, 100 * p.mac_utilization, si(double(p.rom_bits)).c_str(),
                    si(double(p.sram.total())).c_str(), logic_mm2, p.rom_mm2, p.sram_mm2, p.total_mm2(),
                    range, si(p.transistors).c_str(), p.watts, p.energy_pj_per_token * 1e-9,
                    target > 0 && p.tokens_per_s >= target ? "  <- reaches the target" : "");
    }

    // What the figures rest on.
    if (logic.fitted) {
        std::printf("\nlogic area: a linear model of gate equivalents fitted to %zu whole-chip synthesis runs "
                    "(%s): largest error %.1f%% on the fitted runs, %.1f%% on the %zu held out\n",
                    logic.points.size(), logic.path.c_str(), 100 * logic.fit_max_error,
                    100 * logic.held_out_max_error,
                    std::size_t(std::count_if(logic.points.begin(), logic.points.end(),
                                              [](const SynthPoint& s) { return s.held_out; })));
        std::printf("  GE = ");
        for (int i = 0; i < LogicFeatures::kCount; i++)
            std::printf("%s%.4g x %s", i ? " + " : "", logic.coef[i], LogicFeatures::name(i));
        std::printf("\n");
    } else {
        std::printf("\nlogic area: NOT PROJECTED (%s): the areas, transistors and leakage above are "
                    "ROM and SRAM only\n", logic.why_not.c_str());
    }
    std::printf("constants: %s", k.path.c_str());
    for (const auto& [name, e] : k.entries)
        if (e.source.rfind("set on the command line", 0) == 0) std::printf("; %s = %g (--set)", name.c_str(), e.value);
    std::printf("\n");
    if (!rows.empty()) {
        const Projection& p = rows.front();
        const double e = p.energy_pj_per_token;
        std::printf("energy of %s: MACs %.0f%%, ROM reads %.0f%%, SRAM %.0f%%, tables %.0f%%\n",
                    p.datapath.name().c_str(), 100 * p.energy_pj_by_kind[0] / e, 100 * p.energy_pj_by_kind[1] / e,
                    100 * p.energy_pj_by_kind[2] / e, 100 * p.energy_pj_by_kind[3] / e);
    }
    for (const Constants::Reference& r : k.references) {
        std::printf("%s: %.0f tokens/s per user, %.0f mm2, %s transistors, about %.0f W (%s)\n",
                    r.name.c_str(), r.tokens_per_s, r.area_mm2, si(r.transistors).c_str(), r.watts,
                    r.source.c_str());
    }

    if (args.flag_set("json")) {
        nlohmann::json j = {{"model", {{"name", shape.name}, {"source", shape.source}, {"dim", c.dim},
                                       {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
                                       {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads},
                                       {"vocab_size", c.vocab_size},
                                       {"shared_classifier", c.shared_classifier}}},
                            {"format", f.name()}, {"context", c.seq_len}, {"clock_mhz", clock_hz / 1e6},
                            {"constants", k.path}, {"logic_fit", {{"fitted", logic.fitted}, {"why_not", logic.why_not},
                                                                  {"points", logic.points.size()},
                                                                  {"fit_max_error", logic.fit_max_error},
                                                                  {"held_out_max_error", logic.held_out_max_error}}}};
        nlohmann::json list = nlohmann::json::array();
        for (const Projection& p : rows) {
            list.push_back({{"rows", p.datapath.rows}, {"lanes", p.datapath.lanes},
                            {"attn_par", p.datapath.attn_par}, {"cycles_per_token", p.cycles_per_token},
                            {"tokens_per_s", p.tokens_per_s}, {"mac_utilization", p.mac_utilization},
                            {"rom_bits", p.rom_bits},
                            {"sram_bits", {{"kv", p.sram.kv}, {"scores", p.sram.scores},
                                           {"logits", p.sram.logits}, {"total", p.sram.total()}}},
                            {"logic_ge", p.logic_known ? nlohmann::json(p.logic_ge) : nlohmann::json()},
                            {"logic_mm2", p.logic_known ? nlohmann::json(p.logic_mm2) : nlohmann::json()}, {"rom_mm2", p.rom_mm2},
                            {"rom_mm2_low", p.rom_mm2_low}, {"rom_mm2_high", p.rom_mm2_high},
                            {"sram_mm2", p.sram_mm2}, {"total_mm2", p.total_mm2()},
                            {"transistors", p.transistors}, {"watts", p.watts},
                            {"energy_mj_per_token", p.energy_pj_per_token * 1e-9}});
        }
        j["configurations"] = list;
        std::ofstream out(args.get("json"));
        out << j.dump(2) << "\n";
        if (!out) throw Error(args.get("json") + ": cannot write");
        std::printf("wrote %s\n", args.get("json").c_str());
    }
    if (args.flag_set("plot")) {
        std::vector<PlotPoint> pts;
        for (const Projection& p : rows) {
            pts.push_back({"R" + std::to_string(p.datapath.rows) + " L" + std::to_string(p.datapath.lanes) +
                               " P" + std::to_string(p.datapath.attn_par),
                           p.total_mm2(), p.tokens_per_s, p.watts});
        }
        std::vector<PlotPoint> refs;
        for (const Constants::Reference& r : k.references)
            refs.push_back({r.label, r.area_mm2, r.tokens_per_s, r.watts});
        char title[200];
        std::snprintf(title, sizeof title, "%s, %s, context %d, %.0f MHz: hardwire explore",
                      shape.name.c_str(), f.name().c_str(), c.seq_len, clock_hz / 1e6);
        write_pareto_svg(args.get("plot"), title, logic.fitted ? "logic + ROM + SRAM" : "ROM + SRAM; logic not projected",
                         pts, refs);
        std::printf("wrote %s\n", args.get("plot").c_str());
    }
    return 0;
}

}  // namespace hw::cli
