// SPDX-License-Identifier: MIT
// hardwire cycles: the exact cycle model (golden/cycle_model.h) of a model shape on a datapath,
// without building or simulating anything: one token's schedule step by step, and the means
// over a context against the MAC bound.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "cycle_model.h"
#include "synthetic.h"

namespace hw::cli {
namespace {

std::string thousands(long long v) {
    std::string s = std::to_string(v < 0 ? -v : v), out;
    for (std::size_t i = 0; i < s.size(); i++) {
        if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return (v < 0 ? "-" : "") + out;
}

}  // namespace

int cmd_cycles(int argc, char** argv) {
    Args args("hardwire cycles",
              "hardwire cycles (--model FILE | --synthetic SPEC) [--rows R] [--lanes L] "
              "[--attn-par P] [--pos N] [--context N] [--format F | --format-map FILE] [--clock-mhz F] "
              "[--all-layers] [--json]",
              "The exact cycle model of the chip's schedule for a model shape on a datapath\n"
              "(Rows x Lanes MAC cluster, AttnPar context positions per attention cycle): the\n"
              "cycles of every step of the token at --pos, and the means over positions\n"
              "0..context-1 by class (matrix products, attention, other vector steps), against\n"
              "the MAC bound (weight MACs / (Rows x Lanes) + attention MACs / (AttnPar x dim)).\n"
              "Equal to the RTL's counters cycle for cycle: every chip simulation checks it.\n"
              "Only the shape is read (a checkpoint's header, or the synthetic spec).");
    add_model_options(args);
    add_format_options(args);
    add_datapath_options(args);
    args.option("pos", "N", "position of the token whose steps are listed", "0")
        .option("context", "N", "positions averaged over (default: min(256, seq_len))")
        .option("clock-mhz", "F", "clock for tokens/s per user", "1000")
        .flag("all-layers", "list every layer's steps (default: layer 0; the others are the same)")
        .flag("json", "one JSON object: the token's steps and the context's means");
    if (!args.parse(argc, argv, 2)) return 0;
    args.require_one_of({"model", "synthetic"});

    const Config c = args.flag_set("model") ? read_checkpoint_config(model_path(args))
                                            : parse_synthetic_spec(args.get("synthetic")).config;
    const Datapath d = datapath_options(args);
    const WeightFormat f = format_options(args);
    const int pos = static_cast<int>(args.get_int("pos", 0, c.seq_len - 1));
    const int context = args.flag_set("context")
                            ? static_cast<int>(args.get_int("context", 1, c.seq_len))
                            : std::min(256, c.seq_len);
    const double clock_hz = double(args.get_int("clock-mhz", 1, 100000)) * 1e6;

    const TokenCycles t = token_cycles(c, f, d, pos);
    const ContextCycles m = context_cycles(c, f, d, context);

    if (args.flag_set("json")) {
        nlohmann::json steps = nlohmann::json::array();
        for (const StepCycles& s : t.steps) {
            steps.push_back({{"layer", s.layer}, {"step", s.step}, {"name", s.name},
                             {"op", op_name(s.op)}, {"class", class_name(s.cls)},
                             {"cycles", s.cycles}, {"mac_beats", s.beats}});
        }
        nlohmann::json j = {
            {"config", {{"dim", c.dim}, {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
                        {"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads},
                        {"vocab_size", c.vocab_size}, {"seq_len", c.seq_len}}},
            {"datapath", {{"rows", d.rows}, {"lanes", d.lanes}, {"attn_par", d.attn_par},
                          {"vec_lanes", d.vec_lanes()}, {"nl_units", d.nl_units(c)},
                          {"sg_lanes", d.sg_lanes(c)}}},
            {"format", f.name()},
            {"token", {{"pos", pos}, {"total", t.total}, {"matvec", t.matvec},
                       {"attention", t.attention}, {"vector", t.vector},
                       {"mac_beats", t.mac_beats}, {"mac_bound", mac_bound(c, d, pos)},
                       {"steps", steps}}},
            {"context", {{"positions", context}, {"cycles_per_token", m.total},
                         {"matvec", m.matvec}, {"attention", m.attention}, {"vector", m.vector},
                         {"mac_bound", m.bound}, {"ratio", m.total / m.bound},
                         {"mac_utilization", m.utilization},
                         {"tokens_per_s", clock_hz / m.total}}}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }

    std::printf("model      dim %d, hidden %d, %d layers, %d heads, %d kv heads, vocab %d, "
                "seq_len %d; %s\n",
                c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
                c.seq_len, f.name().c_str());
    std::printf("datapath   %s: %lld weight MACs and %lld attention MACs a cycle; vector unit "
                "%d elements a cycle, %d table units, SwiGLU %d a cycle\n\n",
                d.name().c_str(), d.weight_macs_per_cycle(), d.attention_macs_per_cycle(c),
                d.vec_lanes(), d.nl_units(c), d.sg_lanes(c));
    std::printf("token at position %d: %s cycles (MAC bound %.0f, %.2fx)\n", pos,
                thousands(t.total).c_str(), mac_bound(c, d, pos), t.total / mac_bound(c, d, pos));
    std::printf("  %-14s %5s  %-7s %-10s %10s %10s\n", "step", "layer", "op", "class", "cycles",
                "MAC beats");
    const bool all = args.flag_set("all-layers");
    std::printf("  %-14s %5s  %-7s %-10s %10s %10s\n", "(handshake)", "-", "-", "-",
                std::to_string(kTokenOverhead).c_str(), "0");
    for (const StepCycles& s : t.steps) {
        if (!all && s.layer > 0 && s.layer < c.n_layers) continue;
        std::printf("  %-14s %5s  %-7s %-10s %10s %10s\n", s.name.c_str(),
                    s.layer < 0 ? "-" : s.layer == c.n_layers ? "final" : std::to_string(s.layer).c_str(),
                    op_name(s.op), class_name(s.cls), thousands(s.cycles).c_str(),
                    thousands(s.beats).c_str());
        if (!all && s.layer == 0 && s.step == 19 && c.n_layers > 1)
            std::printf("  %-14s\n", ("(layers 1.." + std::to_string(c.n_layers - 1) +
                                      ": the same steps; --all-layers lists them)").c_str());
    }
    auto pct = [&](double v, double total) { return 100.0 * v / total; };
    std::printf("  by class: matvec %s (%.1f%%), attention %s (%.1f%%), vector %s (%.1f%%)\n\n",
                thousands(t.matvec).c_str(), pct(double(t.matvec), double(t.total)),
                thousands(t.attention).c_str(), pct(double(t.attention), double(t.total)),
                thousands(t.vector).c_str(), pct(double(t.vector), double(t.total)));
    std::printf("mean over positions 0..%d: %.1f cycles/token; matvec %.1f%%, attention %.1f%%, "
                "vector %.1f%%\n",
                context - 1, m.total, pct(m.matvec, m.total), pct(m.attention, m.total),
                pct(m.vector, m.total));
    std::printf("MAC bound  %.1f cycles/token (%s weight MACs / %lld + a mean %.0f attention "
                "MACs / %lld): %.3fx\n",
                m.bound, thousands(weight_macs(c)).c_str(), d.weight_macs_per_cycle(),
                double(attention_macs(c, 0)) * (context + 1) / 2.0,
                d.attention_macs_per_cycle(c), m.total / m.bound);
    std::printf("MAC utilization %.1f%% (weight MACs over the cluster's capacity)\n",
                100.0 * m.utilization);
    std::printf("at %.0f MHz: %.0f tokens/s per user\n", clock_hz / 1e6, clock_hz / m.total);
    return 0;
}

}  // namespace hw::cli
