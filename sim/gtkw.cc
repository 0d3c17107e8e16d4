// SPDX-License-Identifier: MIT
#include "gtkw.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "error.h"
#include "rtl_enums.h"

namespace hw {

namespace {

struct Var {
    std::string name;  // hierarchical, dot separated, with the bit range when wider than 1
    int width = 1;
};

// Signal declarations of an FST: fst2vcd's header up to $enddefinitions.
std::vector<Var> read_vars(const std::string& fst) {
    const std::string cmd = "fst2vcd '" + fst + "' 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw Error(fst + ": cannot run fst2vcd (GTKWave's tools) to read the trace");
    std::vector<Var> vars;
    std::vector<std::string> scope;
    char line[4096];
    while (std::fgets(line, sizeof line, p)) {
        std::istringstream in(line);
        std::string tok;
        in >> tok;
        if (tok == "$scope") {
            std::string kind, name;
            in >> kind >> name;
            scope.push_back(name);
        } else if (tok == "$upscope") {
            if (!scope.empty()) scope.pop_back();
        } else if (tok == "$var") {
            std::string type, id, name, range;
            int width = 1;
            in >> type >> width >> id >> name >> range;
            std::string full;
            for (const auto& s : scope) full += s + ".";
            Var v;
            v.width = width;
            v.name = full + name + (range.rfind('[', 0) == 0 ? range : "");
            vars.push_back(v);
        } else if (tok == "$enddefinitions") {
            break;
        }
    }
    pclose(p);
    if (vars.empty()) throw Error(fst + ": no signals found (not an FST, or fst2vcd is missing)");
    return vars;
}

// A signal of a group: its path below the chip's top scope and, for an encoded value, the
// encoding whose names the viewer shows (a key of chip_enums()).
struct Signal {
    const char* path;
    const char* encoding = nullptr;
};

struct Group {
    const char* title;
    std::vector<Signal> signals;
};

const Group kGroups[] = {
    {"Host link",
     {{"link_rx_valid_i"}, {"link_rx_k_i"}, {"link_rx_data_i"}, {"link_tx_valid_o"}, {"link_tx_k_o"},
      {"link_tx_data_o"}, {"u_endpoint.rq_type", "tlp_type"}, {"u_endpoint.st_q", "st_e"},
      {"u_endpoint.running_q"}, {"u_endpoint.pos_q"}, {"u_endpoint.generated_q"},
      {"u_endpoint.u_rx.next_seq_q"}, {"u_endpoint.u_tx.sd_q", "sd_e"}, {"u_endpoint.u_tx.seq_q"},
      {"u_endpoint.u_tx.acked_q"}, {"u_endpoint.u_tx.cnt_replays_o"}}},
    {"Sequencer",
     {{"dbg_tok_start_o"}, {"dbg_tok_token_o"}, {"dbg_tok_pos_o"}, {"u_core.u_seq.op_q", "op_e"},
      {"u_core.u_seq.layer_q"}, {"u_core.u_seq.step_q"}, {"u_core.u_seq.phase_q"},
      {"u_core.u_seq.i_q"}, {"dbg_out_valid_o"}, {"dbg_out_token_o"}}},
    {"MAC cluster",
     {{"u_core.u_mac.beat_valid_i"}, {"u_core.u_mac.beat_last_i"}, {"u_core.u_mac.act_shift_i"},
      {"u_core.u_mac.res_valid_o"}, {"u_core.u_mac.res_data_o"}, {"u_core.u_mac.mac_busy_o"}}},
    {"Vector unit",
     {{"u_core.u_vec.op_i", "vu_op_e"}, {"u_core.u_vec.base_i"}, {"u_core.u_vec.count_i"},
      {"u_core.u_tables.gen_unit[0].u_nl.req_valid_i"},
      {"u_core.u_tables.gen_unit[0].u_nl.req_func_i", "nl_func_e"},
      {"u_core.u_tables.gen_unit[0].u_nl.res_valid_o"},
      {"u_core.u_tables.gen_unit[0].u_nl.res_data_o"}, {"mon_valid_o"},
      {"mon_stage_o", "tap_e"}, {"mon_layer_o"}, {"mon_index_o"}, {"mon_count_o"}}},
    {"KV cache",
     {{"u_core.u_attn.gen_bank[0].u_kcache.req_i"}, {"u_core.u_attn.gen_bank[0].u_kcache.we_i"},
      {"u_core.u_attn.gen_bank[0].u_kcache.addr_i"}, {"u_core.u_attn.gen_bank[0].u_vcache.req_i"},
      {"u_core.u_attn.gen_bank[0].u_vcache.we_i"}, {"u_core.u_attn.gen_bank[0].u_vcache.addr_i"}}},
    {"Scratch SRAMs",
     {{"u_core.u_attn.u_scores.req_i"}, {"u_core.u_attn.u_scores.we_i"},
      {"u_core.u_attn.u_scores.addr_i"}, {"u_core.u_scratch.u_logits.req_i"},
      {"u_core.u_scratch.u_logits.we_i"}, {"u_core.u_scratch.u_logits.addr_i"}}},
};

// GTKWave trace flags (analyzer.h; 64 bits in GTKWave 3.3): hex, binary, right-justified,
// translated through a filter file, shown through the dump's enum table.
constexpr std::uint64_t kTrHex = 0x2, kTrBin = 0x8, kTrRjustify = 0x20, kTrFtranslated = 0x2000,
                        kTrEnum = std::uint64_t(1) << 32;
// An encoded signal: a signal of an enum type carries its names in the FST (Verilator writes
// the enum tables), which GTKWave shows with kTrEnum in binary; a plain vector that carries
// an encoding (the TLP type) goes through a translate filter file, keyed by the binary
// value. One set of flags does both: GTKWave prefers the dump's table where there is one.
constexpr std::uint64_t kEncodedFlags = kTrEnum | kTrFtranslated | kTrBin | kTrRjustify;

// Writes one translate filter file: the value in binary, as GTKWave shows it at `width`
// bits, then the name.
void write_filter(const std::string& path, const std::string& encoding, const ValueNames& names,
                  int width) {
    std::ofstream out(path);
    out << "# Generated by hardwire (sim/gtkw.cc) from rtl/: the names of " << encoding << ", "
        << width << " bits\n";
    for (const auto& [value, name] : names) {
        std::string bits;
        for (int b = width - 1; b >= 0; b--) bits += ((value >> b) & 1) ? '1' : '0';
        out << bits << " " << name << "\n";
    }
    if (!out) throw Error(path + ": cannot write the translate filter");
}

}  // namespace

TraceWindow parse_trace_window(const std::string& text) {
    const auto bad = make_error("--trace-tokens", "bad window", "A or A:B with 0 <= A <= B",
                                "'" + text + "'");
    auto position = [&](const std::string& part) {
        if (part.empty() || part.size() > 9 ||
            part.find_first_not_of("0123456789") != std::string::npos)
            throw bad;
        return std::stoi(part);
    };
    const std::size_t colon = text.find(':');
    TraceWindow w;
    w.first = position(text.substr(0, colon));
    w.last = colon == std::string::npos ? w.first : position(text.substr(colon + 1));
    if (w.last < w.first) throw bad;
    return w;
}

std::string gtkw_path(const std::string& fst) {
    const std::string ext = ".fst";
    if (fst.size() > ext.size() && fst.compare(fst.size() - ext.size(), ext.size(), ext) == 0)
        return fst.substr(0, fst.size() - ext.size()) + ".gtkw";
    return fst + ".gtkw";
}

int write_gtkw(const std::string& gtkw, const std::string& fst, const std::string& top_module,
               double start_ps, double end_ps, const std::vector<WaveMarker>& markers) {
    const std::vector<Var> vars = read_vars(fst);
    // Each wanted path is looked up without its bit range, in Verilator's generate-scope
    // spelling too (gen_nl[0] may appear as gen_nl(0)).
    std::map<std::string, Var> by_path;
    for (const Var& v : vars) {
        std::string key = v.name;
        const auto br = key.find('[', key.rfind('.') + 1);
        if (br != std::string::npos) key.erase(br);
        by_path.emplace(key, v);
    }
    std::ostringstream o;
    o << "[*] Generated by hardwire (sim/gtkw.cc) for " << fst << "\n"
      << "[dumpfile] \"" << fst << "\"\n"
      << "[savefile] \"" << gtkw << "\"\n"
      << "[timestart] " << static_cast<long long>(start_ps) << "\n[size] 1600 1000\n[pos] -1 -1\n"
      // Zoom to fit the window: GTKWave 3.3's "Zoom Best Fit" on a 1600-pixel-wide window
      // saves z = -log2(span_ps / 4.88) (measured on these traces).
      // (then the primary marker and the 26 named markers, -1 where unset).
      << "*" << std::fixed << -std::log2(std::max(end_ps - start_ps, 1000.0) / 4.88) << " "
      << static_cast<long long>(start_ps);
    for (std::size_t k = 0; k < kMaxWaveMarkers; k++)
        o << " " << (k < markers.size() ? static_cast<long long>(markers[k].time_ps) : -1);
    o << "\n";
    for (std::size_t k = 0; k < markers.size() && k < kMaxWaveMarkers; k++)
        o << "[markername] " << static_cast<char>('A' + k) << markers[k].name << "\n";
    o
      << "[treeopen] TOP.\n[sst_width] 240\n[signals_width] 320\n"
      << "[sst_expanded] 1\n[sst_vpaned_height] 300\n";
    // The filters live beside the layout; GTKWave names them by absolute path.
    const std::string stem = gtkw.size() > 5 && gtkw.compare(gtkw.size() - 5, 5, ".gtkw") == 0
                                 ? gtkw.substr(0, gtkw.size() - 5) : gtkw;
    const std::filesystem::path filter_dir = std::filesystem::absolute(stem + ".filters");
    std::map<std::string, int> filter_ids;  // encoding -> GTKWave's filter number (1, 2, ...)
    int placed = 0;
    for (const Group& g : kGroups) {
        int in_group = 0;
        std::ostringstream body;
        for (const Signal& sig : g.signals) {
            std::string path = "TOP." + top_module + "." + sig.path;
            auto it = by_path.find(path);
            if (it == by_path.end()) {
                std::string alt = path;
                for (auto p = alt.find('['); p != std::string::npos; p = alt.find('[', p)) {
                    const auto q = alt.find(']', p);
                    alt[p] = '(';
                    alt[q] = ')';
                }
                it = by_path.find(alt);
            }
            if (it == by_path.end()) continue;
            if (sig.encoding && it->second.width > 1) {
                const auto& enums = chip_enums();
                const auto e = enums.find(sig.encoding);
                if (e == enums.end())
                    throw Error(std::string("wave layout: no encoding ") + sig.encoding +
                                " in rtl/ for " + sig.path);
                auto [id, fresh] = filter_ids.emplace(sig.encoding, int(filter_ids.size()) + 1);
                const std::string file = (filter_dir / (std::string(sig.encoding) + ".txt")).string();
                if (fresh) {
                    std::error_code ec;
                    std::filesystem::create_directories(filter_dir, ec);
                    write_filter(file, sig.encoding, e->second, it->second.width);
                }
                body << "@" << std::hex << kEncodedFlags << std::dec
                     << "\n^" << id->second << " " << file << "\n" << it->second.name << "\n";
            } else {
                body << "@" << std::hex << (it->second.width == 1 ? kTrBin | kTrRjustify : kTrHex | kTrRjustify)
                     << std::dec << "\n" << it->second.name << "\n";
            }
            in_group++;
        }
        if (in_group == 0)
            throw Error(fst + ": none of the " + g.title + " signals is in the trace (top " +
                        top_module + ")");
        o << "@800200\n-" << g.title << "\n" << body.str() << "@1000200\n-" << g.title << "\n";
        placed += in_group;
    }
    std::ofstream out(gtkw);
    out << o.str();
    if (!out) throw Error(gtkw + ": cannot write the wave layout");
    return placed;
}

}  // namespace hw
