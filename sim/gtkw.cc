// SPDX-License-Identifier: MIT
#include "gtkw.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "error.h"

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

struct Group {
    const char* title;
    std::vector<const char*> signals;  // paths below the chip's top scope
};

const Group kGroups[] = {
    {"Host link",
     {"link_rx_valid_i", "link_rx_k_i", "link_rx_data_i", "link_tx_valid_o", "link_tx_k_o",
      "link_tx_data_o", "u_endpoint.st_q", "u_endpoint.running_q", "u_endpoint.pos_q",
      "u_endpoint.generated_q", "u_endpoint.u_rx.next_seq_q", "u_endpoint.u_tx.seq_q",
      "u_endpoint.u_tx.acked_q", "u_endpoint.u_tx.cnt_replays_o"}},
    {"Sequencer",
     {"dbg_tok_start_o", "dbg_tok_token_o", "dbg_tok_pos_o", "u_core.u_seq.op_q",
      "u_core.u_seq.layer_q", "u_core.u_seq.step_q", "u_core.u_seq.phase_q", "u_core.u_seq.i_q",
      "dbg_out_valid_o", "dbg_out_token_o"}},
    {"MAC cluster",
     {"u_core.u_mac.beat_valid_i", "u_core.u_mac.beat_last_i", "u_core.u_mac.act_shift_i",
      "u_core.u_mac.res_valid_o", "u_core.u_mac.res_data_o", "u_core.u_mac.mac_busy_o"}},
    {"Vector unit",
     {"u_core.u_vec.op_i", "u_core.u_vec.base_i", "u_core.u_vec.count_i",
      "u_core.u_tables.gen_unit[0].u_nl.req_valid_i", "u_core.u_tables.gen_unit[0].u_nl.req_func_i",
      "u_core.u_tables.gen_unit[0].u_nl.res_valid_o", "u_core.u_tables.gen_unit[0].u_nl.res_data_o",
      "mon_valid_o", "mon_stage_o", "mon_layer_o", "mon_index_o", "mon_count_o"}},
    {"KV cache",
     {"u_core.u_attn.gen_bank[0].u_kcache.req_i", "u_core.u_attn.gen_bank[0].u_kcache.we_i",
      "u_core.u_attn.gen_bank[0].u_kcache.addr_i", "u_core.u_attn.gen_bank[0].u_vcache.req_i",
      "u_core.u_attn.gen_bank[0].u_vcache.we_i", "u_core.u_attn.gen_bank[0].u_vcache.addr_i"}},
    {"Scratch SRAMs",
     {"u_core.u_attn.u_scores.req_i", "u_core.u_attn.u_scores.we_i", "u_core.u_attn.u_scores.addr_i",
      "u_core.u_scratch.u_logits.req_i", "u_core.u_scratch.u_logits.we_i",
      "u_core.u_scratch.u_logits.addr_i"}},
};

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
               double start_ps, double end_ps) {
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
      << "*" << std::fixed << -std::log2(std::max(end_ps - start_ps, 1000.0) / 4.88) << " "
      << static_cast<long long>(start_ps) << "\n"
      << "[treeopen] TOP.\n[sst_width] 240\n[signals_width] 320\n"
      << "[sst_expanded] 1\n[sst_vpaned_height] 300\n";
    int placed = 0;
    for (const Group& g : kGroups) {
        int in_group = 0;
        std::ostringstream body;
        for (const char* s : g.signals) {
            std::string path = "TOP." + top_module + "." + s;
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
            body << (it->second.width == 1 ? "@28\n" : "@22\n") << it->second.name << "\n";
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
