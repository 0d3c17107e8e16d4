// SPDX-License-Identifier: MIT
#include "emit_sv.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace hw {
namespace {

// Bits to address `depth` words (at least 1).
int addr_bits(int depth) {
    int b = 1;
    while ((1LL << b) < depth) b++;
    return b;
}

// "W'h..." literal of word `a`.
std::string hex_word(const RomImage& r, int a) {
    static const char* digits = "0123456789abcdef";
    const int nibbles = (r.width + 3) / 4;
    std::string s = std::to_string(r.width) + "'h";
    for (int n = nibbles - 1; n >= 0; n--) {
        const int bits = std::min(4, r.width - 4 * n);
        s += digits[r.get(a, 4 * n, bits)];
    }
    return s;
}

// "// " before every line of a multi-line text.
std::string comment_block(const std::string& text) {
    std::ostringstream o;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) o << "// " << line << "\n";
    return o.str();
}

// One-line description of what a ROM's words hold.
std::string layout_note(const RomImage& r) {
    if (r.kind == "weights") {
        return "word = one beat of a row group (ROWS rows): row r's lane k (input beat*LANES + k)\n"
               "// in bits [(r*LANES + k)*B +: B], two's complement, zero past the row's end and past the\n"
               "// last row; address = row group * beats + beat (rom_image.h).";
    }
    if (r.kind == "scales") {
        return "word = a row group: row r's field at r * (16*groups + 8): mantissa of group g in\n"
               "// bits [16g +: 16], the row's exponent in the 8 bits above; scale = mantissa * 2^-exponent.";
    }
    if (r.kind == "gains")
        return "word = VEC_LANES gains, element i at slot i % VEC_LANES: signed, times sqrt(dim),\n"
               "// 2^-frac units.";
    if (r.kind == "norm_frac")
        return "word = frac of a gain vector: att l at 2l, ffn l at 2l+1, final at 2L.";
    if (r.tensor == "rope")
        return "word = one position: pair p's {sin, cos} in bits [34p +: 34], Q15, 17-bit signed each.";
    return "word k = {entry[k+1], entry[k]}: both ends of interpolation segment k.";
}

}  // namespace

std::string rom_module_name(const std::string& prefix, const RomImage& r) {
    if (r.kind == "table") return prefix + "_tab_" + r.tensor;
    if (r.kind == "norm_frac") return prefix + "_rom_norm_frac";
    std::string n = prefix + "_rom_";
    if (r.layer >= 0) n += "l" + std::to_string(r.layer) + "_";
    n += r.tensor == "token_embedding" ? "tok_emb" : r.tensor;
    if (r.kind == "scales") n += "_scale";
    return n;
}

std::string emit_rom_module(const std::string& module, const RomImage& r, const std::string& sha256,
                            const std::string& banner) {
    std::ostringstream o;
    const int aw = addr_bits(r.depth);
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << module << ": ROM of " << r.tensor
      << (r.layer >= 0 ? " (layer " + std::to_string(r.layer) + ")" : "") << ", " << r.depth
      << " x " << r.width << " bits.\n"
      << comment_block(banner) << "// Layout: " << layout_note(r) << "\n"
      << "// Contents sha256 (words as little-endian bytes): " << sha256 << "\n\n"
      << "module " << module << " (\n"
      << "  // No reset: a ROM's read register needs none (a foundry ROM macro has none).\n"
      << "  input  logic clk_i,\n\n"
      << "  // Read port: data_o holds the word at addr_i from the cycle after en_i.\n"
      << "  input  logic en_i,\n"
      << "  input  logic [" << aw - 1 << ":0] addr_i,\n"
      << "  output logic [" << r.width - 1 << ":0] data_o\n"
      << ");\n\n"
      << "  localparam int unsigned Depth = " << r.depth << ";\n\n"
      << "`ifndef SYNTHESIS\n"
      << "  // Simulation: a constant array (Verilator compiles it into a table).\n"
      << "  localparam logic [" << r.width - 1 << ":0] Mem [Depth] = '{\n";
    for (int a = 0; a < r.depth; a++)
        o << "    " << hex_word(r, a) << (a + 1 < r.depth ? ",\n" : "\n");
    o << "  };\n"
      << "`else\n"
      << "  // Synthesis: the same words; Yosys 0.23 cannot parse unpacked array parameters.\n"
      << "  logic [" << r.width - 1 << ":0] Mem [Depth];\n"
      << "  initial begin\n";
    for (int a = 0; a < r.depth; a++) o << "    Mem[" << a << "] = " << hex_word(r, a) << ";\n";
    o << "  end\n"
      << "`endif\n\n"
      << "  always_ff @(posedge clk_i) begin\n"
      << "    if (en_i) data_o <= Mem[addr_i];\n"
      << "  end\n\n"
      << "endmodule\n";
    return o.str();
}

std::string emit_cfg_pkg(const std::string& prefix, const std::vector<CfgFact>& facts,
                         const std::string& model_hash, const std::string& banner) {
    std::ostringstream o;
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << prefix << "_cfg_pkg: every dimension, format and table size of this chip.\n"
      << comment_block(banner) << "\n"
      << "package " << prefix << "_cfg_pkg;\n\n";
    for (const CfgFact& f : facts) {
        o << "  // " << f.comment << "\n"
          << "  localparam int unsigned " << f.name << " = " << f.value << ";\n";
    }
    o << "  // sha256 over all ROM contents in manifest order: the chip's model ID.\n"
      << "  localparam logic [255:0] MODEL_HASH = 256'h" << model_hash << ";\n\n"
      << "endpackage\n";
    return o.str();
}

std::string emit_cfg_header(const std::string& prefix, const std::vector<CfgFact>& facts,
                            const std::vector<TensorBits>& widths, const std::string& model_hash,
                            const std::string& banner) {
    std::ostringstream o;
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << prefix << "_cfg.h: the facts of " << prefix << "_cfg_pkg.sv for C++.\n"
      << comment_block(banner) << "#pragma once\n\n#include <cstdint>\n\n"
      << "namespace " << prefix << "_cfg {\n\n";
    for (const CfgFact& f : facts) {
        o << "// " << f.comment << "\n"
          << "inline constexpr std::uint64_t " << f.name << " = " << f.value << "u;\n";
    }
    o << "\n// The weight width of each matrix (layer -1: one per model), in ROM order.\n"
      << "struct TensorFormat {\n    const char* tensor;\n    int layer;\n    int bits;\n};\n"
      << "inline constexpr TensorFormat TENSOR_FORMATS[] = {\n";
    for (const TensorBits& t : widths)
        o << "    {\"" << t.tensor << "\", " << t.layer << ", " << t.bits << "},\n";
    o << "};\n\n";
    o << "// sha256 over all ROM contents in manifest order: the chip's model ID.\n"
      << "inline constexpr const char* MODEL_HASH = \"" << model_hash << "\";\n\n"
      << "}  // namespace " << prefix << "_cfg\n";
    return o.str();
}

std::string emit_rom_bank(const std::string& prefix, const Config& c,
                          const std::vector<RomImage>& roms, const std::string& banner) {
    // Group ROMs by read port; a port spans the layers of its tensor class.
    std::vector<std::string> ports;
    std::map<std::string, std::vector<const RomImage*>> by_port;
    for (const RomImage& r : roms) {
        if (!by_port.count(r.port)) ports.push_back(r.port);
        by_port[r.port].push_back(&r);
    }
    std::ostringstream o, body;
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << prefix
      << "_rom_bank: every ROM of the chip behind one read port per tensor class.\n"
      << comment_block(banner) << "//\n"
      << "// Each port: <p>_en_i reads <p>_addr_i of ROM <p>_sel_i (the layer, for per-layer\n"
      << "// classes); <p>_data_o holds the word from the next cycle on. The norm_gain port "
         "selects\n"
      << "// a gain vector with norm_gain_sel_i = 2l (attention norm of layer l), 2l+1 (FFN "
         "norm),\n"
      << "// 2*N_LAYERS (final norm)."
      << (c.shared_classifier
              ? " The classifier shares the embedding ROM: the cls port reads\n"
                "// it when emb_en_i is low (they are never used in the same cycle).\n"
              : "\n")
      << "\nmodule " << prefix << "_rom_bank (\n  input  logic clk_i";
    auto port_decl = [&](const std::string& p, int count, int aw, int width) {
        o << ",\n\n  // " << p << "\n  input  logic " << p << "_en_i,\n";
        if (count > 1)
            o << "  input  logic [" << addr_bits(count) - 1 << ":0] " << p << "_sel_i,\n";
        o << "  input  logic [" << aw - 1 << ":0] " << p << "_addr_i,\n"
          << "  output logic [" << width - 1 << ":0] " << p << "_data_o";
    };
    for (const std::string& p : ports) {
        const auto& rs = by_port[p];
        int aw = 1, width = 0;
        for (const RomImage* r : rs) {
            aw = std::max(aw, addr_bits(r->depth));
            width = std::max(width, r->width);
        }
        const int layers = static_cast<int>(rs.size());
        // Per-layer classes and the gain vectors always have a select, even with one layer,
        // so the port list depends only on the tensor classes, never on the depth.
        const bool layered = rs[0]->layer >= 0 || p == "norm_gain";
        port_decl(p, layered ? std::max(layers, 2) : 1, aw, width);
        // Instances: enable the selected one; the output mux follows the registered select.
        if (layered) {
            const int sw = addr_bits(std::max(layers, 2));
            body << "  // ---- " << p << " ----\n"
                 << "  logic [" << sw - 1 << ":0] " << p << "_sel_q;\n"
                 << "  logic [" << width - 1 << ":0] " << p << "_word [" << layers << "];\n"
                 << "  always_ff @(posedge clk_i) begin\n"
                 << "    if (" << p << "_en_i) " << p << "_sel_q <= " << p << "_sel_i;\n"
                 << "  end\n";
            for (int k = 0; k < layers; k++) {
                const RomImage& r = *rs[k];
                const int raw = addr_bits(r.depth);
                // A layer narrower than the port (a mixed format's other width) is
                // zero-extended; its width comes with the word (the chip top's wrom_bits).
                const bool narrow = r.width < width;
                const std::string out = narrow ? p + "_raw_" + std::to_string(k)
                                               : p + "_word[" + std::to_string(k) + "]";
                if (narrow) body << "  logic [" << r.width - 1 << ":0] " << out << ";\n";
                body << "  " << rom_module_name(prefix, r) << " u_" << p << "_" << k << " (\n"
                     << "    .clk_i,\n"
                     << "    .en_i  (" << p << "_en_i && " << p << "_sel_i == " << sw << "'d" << k
                     << "),\n"
                     << "    .addr_i(" << p << "_addr_i[" << raw - 1 << ":0]),\n"
                     << "    .data_o(" << out << ")\n"
                     << "  );\n";
                if (narrow)
                    body << "  assign " << p << "_word[" << k << "] = " << width << "'(" << out << ");\n";
            }
            body << "  assign " << p << "_data_o = " << p << "_word[" << p << "_sel_q];\n\n";
        } else if (p == "emb" && c.shared_classifier) {
            const RomImage& r = *rs[0];
            body << "  // ---- emb, and cls (shared classifier) ----\n"
                 << "  " << rom_module_name(prefix, r) << " u_emb (\n"
                 << "    .clk_i,\n"
                 << "    .en_i  (emb_en_i || cls_en_i),\n"
                 << "    .addr_i(emb_en_i ? emb_addr_i : cls_addr_i),\n"
                 << "    .data_o(emb_data_o)\n"
                 << "  );\n"
                 << "  assign cls_data_o = emb_data_o;\n\n";
        } else if (p == "emb_scale" && c.shared_classifier) {
            const RomImage& r = *rs[0];
            body << "  " << rom_module_name(prefix, r) << " u_emb_scale (\n"
                 << "    .clk_i,\n"
                 << "    .en_i  (emb_scale_en_i || cls_scale_en_i),\n"
                 << "    .addr_i(emb_scale_en_i ? emb_scale_addr_i : cls_scale_addr_i),\n"
                 << "    .data_o(emb_scale_data_o)\n"
                 << "  );\n"
                 << "  assign cls_scale_data_o = emb_scale_data_o;\n\n";
        } else {
            const RomImage& r = *rs[0];
            body << "  " << rom_module_name(prefix, r) << " u_" << p << " (\n"
                 << "    .clk_i,\n"
                 << "    .en_i  (" << p << "_en_i),\n"
                 << "    .addr_i(" << p << "_addr_i),\n"
                 << "    .data_o(" << p << "_data_o)\n"
                 << "  );\n\n";
        }
        // The shared classifier gets its own ports, aliased onto the embedding ROM.
        if (c.shared_classifier && (p == "emb" || p == "emb_scale")) {
            port_decl(p == "emb" ? "cls" : "cls_scale", 1, aw, width);
        }
    }
    o << "\n);\n\n" << body.str() << "endmodule\n";
    return o.str();
}

std::string emit_chip_top(const std::string& prefix, const Config& c, const WeightFormat& f,
                          const Datapath& dp, const std::string& banner) {
    const int gs = f.group;
    auto groups = [&](int cols) { return gs ? (cols + gs - 1) / gs : 1; };
    const int g_dim = groups(c.dim), g_hidden = groups(c.hidden_dim);
    const int max_groups = std::max(g_dim, g_hidden);
    const int widest = used_widths(c, f).back();  // the MAC input's bits per weight
    const int wbits = dp.rows * dp.lanes * widest;
    const int row_scale = max_groups * 16 + 8;  // the core's scale field per row
    // Bank address widths per class, from the same rules the bank uses (rom_image.h).
    auto beats = [&](int cols) { return weight_beats(cols, dp.lanes); };
    const int kv = c.kv_dim();
    struct Cls {
        const char* port;    // bank port prefix
        const char* wclass;  // hw_pkg::wclass_e value
        const char* tensor;  // the format's tensor name
        int rows, cols;      // matrix shape
        bool layered;        // has _sel_i
    };
    const std::vector<Cls> classes = {
        {"emb", "WEmb", "token_embedding", c.vocab_size, c.dim, false},
        {"cls", "WCls", c.shared_classifier ? "token_embedding" : "wcls", c.vocab_size, c.dim, false},
        {"wq", "WQ", "wq", c.dim, c.dim, true},
        {"wk", "WK", "wk", kv, c.dim, true},
        {"wv", "WV", "wv", kv, c.dim, true},
        {"wo", "WO", "wo", c.dim, c.dim, true},
        {"w1", "W1", "w1", c.hidden_dim, c.dim, true},
        {"w2", "W2", "w2", c.dim, c.hidden_dim, true},
        {"w3", "W3", "w3", c.hidden_dim, c.dim, true}};
    // Each class's widths per layer (one entry for the model-wide classes).
    auto class_bits = [&](const Cls& k) {
        std::vector<int> b;
        if (!k.layered) b.push_back(f.bits_of(k.tensor, -1));
        for (int l = 0; k.layered && l < c.n_layers; l++) b.push_back(f.bits_of(k.tensor, l));
        return b;
    };
    // Constants are named with their package (no import): Yosys 0.23 reads no imports.
    const std::string pkg = prefix + "_cfg_pkg::";
    std::ostringstream o, wires, bank, mux;
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << prefix << "_chip: the decode datapath (hw_core) bound to this model's ROM bank,\n"
      << "// behind the host link endpoint (hw_endpoint). Constants come from " << prefix
      << "_cfg_pkg.\n"
      << comment_block(banner) << "\n"
      << "module " << prefix << "_chip (\n"
      << "  input  logic clk_i,\n  input  logic rst_ni,\n\n"
      << "  // Host link: symbol streams, 32 bits per cycle, k marks a control symbol\n"
      << "  // (hw_endpoint, docs/host-interface.md).\n"
      << "  input  logic        link_rx_valid_i,\n  input  logic        link_rx_k_i,\n"
      << "  input  logic [31:0] link_rx_data_i,\n"
      << "  output logic        link_tx_valid_o,\n  output logic        link_tx_k_o,\n"
      << "  output logic [31:0] link_tx_data_o,\n\n"
      << "  // Debug: the core's token handshakes, its sequencer's state and its performance\n"
      << "  // counters (the scoreboard follows the decode with them, and times every step).\n"
      << "  output logic        dbg_tok_start_o,\n  output logic [31:0] dbg_tok_token_o,\n"
      << "  output logic [31:0] dbg_tok_pos_o,\n"
      << "  output logic        dbg_out_valid_o,\n  output logic [31:0] dbg_out_token_o,\n"
      << "  output hw_pkg::op_e dbg_op_o,\n  output logic [31:0] dbg_layer_o,\n"
      << "  output logic [31:0] dbg_step_o,\n"
      << "  output logic [63:0] dbg_perf_cycles_o,\n  output logic [63:0] dbg_perf_mac_busy_o,\n"
      << "  output logic [63:0] dbg_perf_matvec_o,\n  output logic [63:0] dbg_perf_attention_o,\n"
      << "  output logic [63:0] dbg_perf_vector_o,\n\n"
      << "  // Write monitor (see hw_monitor).\n"
      << "  output logic               mon_valid_o,\n  output hw_pkg::tap_e      mon_stage_o,\n"
      << "  output logic [7:0]         mon_layer_o,\n"
      << "  output logic [31:0]        mon_index_o,\n  output logic [15:0]        mon_count_o,\n"
      << "  output logic               mon_heads_o,\n"
      << "  output logic [" << pkg << "MON_LANES*32-1:0] mon_data_o,\n"
      << "  output logic signed [7:0]  mon_shift_o\n);\n\n";
    o << "  localparam int unsigned MaxGroups = " << max_groups << ";\n\n"
      << "  // Core <-> endpoint: token interface and performance counters.\n"
      << "  logic tok_valid, tok_ready, out_valid, out_ready;\n"
      << "  logic [31:0] tok_token, tok_pos, out_token, logit_addr;\n"
      << "  logic signed [31:0] logit_data;\n"
      << "  logic [63:0] perf_cycles, perf_mac_busy, perf_matvec, perf_attention, perf_vector;\n"
      << "  logic [31:0] perf_tokens, perf_saturations;\n"
      << "  logic [31:0] smp_inv_temp, smp_top_k, smp_top_p;  // the sampler's settings\n"
      << "  logic [63:0] smp_seed;\n"
      << "  // LoRA: the adapter SRAM's write port and the selected slot (hw_endpoint -> hw_core).\n"
      << "  logic ad_we, lora_on;\n  logic [31:0] ad_beat, ad_lane, ad_data;\n"
      << "  logic [7:0] lora_slot;\n  logic [6:0] lora_targets;\n\n"
      << "  // Matrix read port of the core, and the routed ROM words: a row group's weights, and its\n"
      << "  // scales with each row's field widened to MaxGroups mantissas.\n"
      << "  logic wrom_en;\n  hw_pkg::wclass_e wrom_class, wrom_class_q;\n  logic [7:0] wrom_sel;\n"
      << "  logic [31:0] wrom_addr, wrom_row;\n"
      << "  logic [" << wbits - 1 << ":0] wrom_data;\n"
      << "  logic [3:0] wrom_bits;  // the returned word's weight width\n"
      << "  logic [7:0] wrom_sel_q;\n"
      << "  logic [" << dp.rows * row_scale - 1 << ":0] srom_data;\n\n"
      << "  // The class and layer read last select the returned word and give its width (ROM\n"
      << "  // data follows en by a cycle).\n"
      << "  always_ff @(posedge clk_i) begin\n    if (wrom_en) begin\n      wrom_class_q <= wrom_class;\n"
      << "      wrom_sel_q <= wrom_sel;\n    end\n  end\n\n";
    // per class: enable, address slices, data wires
    mux << "  always_comb begin\n    wrom_data = '0;\n    wrom_bits = 4'd" << widest
        << ";\n    srom_data = '0;\n"
        << "    unique case (wrom_class_q)\n";
    for (const Cls& k : classes) {
        const int g = groups(k.cols), field = scale_width(g);
        const int rg = row_groups(k.rows, dp.rows);
        const int aw = addr_bits(rg * beats(k.cols)), sw = addr_bits(rg);
        const std::vector<int> kb = class_bits(k);
        const int port_bits = dp.rows * dp.lanes * *std::max_element(kb.begin(), kb.end());
        wires << "  logic [" << port_bits - 1 << ":0] " << k.port << "_data;\n"
              << "  logic [" << dp.rows * field - 1 << ":0] " << k.port << "_scale_data;\n";
        bank << "    ." << k.port << "_en_i(wrom_en && wrom_class == hw_pkg::" << k.wclass
             << "),\n";
        if (k.layered)
            bank << "    ." << k.port << "_sel_i(wrom_sel["
                 << addr_bits(std::max(c.n_layers, 2)) - 1 << ":0]),\n";
        bank << "    ." << k.port << "_addr_i(wrom_addr[" << aw - 1 << ":0]),\n"
             << "    ." << k.port << "_data_o(" << k.port << "_data),\n"
             << "    ." << k.port << "_scale_en_i(wrom_en && wrom_class == hw_pkg::" << k.wclass
             << "),\n";
        if (k.layered)
            bank << "    ." << k.port << "_scale_sel_i(wrom_sel["
                 << addr_bits(std::max(c.n_layers, 2)) - 1 << ":0]),\n";
        bank << "    ." << k.port << "_scale_addr_i(wrom_row[" << sw - 1 << ":0]),\n"
             << "    ." << k.port << "_scale_data_o(" << k.port << "_scale_data),\n";
        std::string bits_stmt;
        if (std::all_of(kb.begin(), kb.end(), [&](int b) { return b == kb[0]; })) {
            bits_stmt = "        wrom_bits = 4'd" + std::to_string(kb[0]) + ";\n";
        } else {  // a mixed format: the layer's width
            bits_stmt = "        unique case (wrom_sel_q)\n";
            for (std::size_t l = 0; l < kb.size(); l++)
                bits_stmt += "          8'd" + std::to_string(l) + ": wrom_bits = 4'd" + std::to_string(kb[l]) + ";\n";
            bits_stmt += "          default: ;\n        endcase\n";
        }
        mux << "      hw_pkg::" << k.wclass << ": begin\n"
            << "        wrom_data = " << wbits << "'(" << k.port << "_data);\n" << bits_stmt
            << "        for (int r = 0; r < " << pkg << "ROWS; r++) begin\n"
            << "          srom_data[r*" << row_scale << " +: " << 16 * g << "] = " << k.port
            << "_scale_data[r*" << field << " +: " << 16 * g << "];\n"
            << "          srom_data[r*" << row_scale << " + " << 16 * max_groups << " +: 8] = "
            << k.port << "_scale_data[r*" << field << " + " << 16 * g << " +: 8];\n"
            << "        end\n"
            << "      end\n";
    }
    mux << "      default: ;\n    endcase\n  end\n\n";
    // A table ROM copy per unit beyond the bank's port 0: `units` copies of `table`.
    auto copies = [&](const char* table, const char* units, const char* index_bits,
                      const char* entry_bits) {
        std::ostringstream t;
        const std::string tb = std::string(table);
        t << "  for (genvar u = 1; u < " << pkg << units << "; u++) begin : gen_" << tb << "_copy\n"
          << "    " << prefix << "_tab_" << tb << " u_" << tb << " (\n"
          << "      .clk_i, .en_i(" << tb << "_en[u]),\n"
          << "      .addr_i(" << tb << "_addr[u*" << pkg << index_bits << " +: " << pkg << index_bits
          << "]),\n"
          << "      .data_o(" << tb << "_data[u*2*" << pkg << entry_bits << " +: 2*" << pkg
          << entry_bits << "])\n    );\n"
          << "  end\n";
        return t.str();
    };
    o << wires.str() << "\n"
      << "  logic ng_en, nf_en, rope_en;\n  logic [7:0] ng_sel, nf_addr;\n  logic [31:0] ng_addr, "
         "rope_addr;\n"
      << "  logic [" << pkg << "VEC_LANES*" << pkg << "GAIN_BITS-1:0] ng_data;\n"
      << "  logic [7:0] nf_data;\n  logic [" << pkg << "ROPE_PAIRS*34-1:0] rope_data;\n"
      << "  logic rsqrt_en;\n"
      << "  logic [" << pkg << "RSQRT_INDEX_BITS-1:0] rsqrt_addr;\n"
      << "  logic [2*" << pkg << "TABLE_ENTRY_BITS-1:0] rsqrt_data;\n"
      << "  // Table ROMs of the table units (hw_table_units): a 1/x table per head, a 2^-x table per\n"
      << "  // unit, a sigmoid table per SwiGLU lane. Port 0 of each is the bank's; the others read\n"
      << "  // copies of the same table ROM.\n"
      << "  logic [" << pkg << "N_HEADS-1:0] recip_en;\n"
      << "  logic [" << pkg << "N_HEADS*" << pkg << "RECIP_INDEX_BITS-1:0] recip_addr;\n"
      << "  logic [" << pkg << "N_HEADS*2*" << pkg << "TABLE_ENTRY_BITS-1:0] recip_data;\n"
      << "  logic [" << pkg << "NL_UNITS-1:0] exp2neg_en;\n"
      << "  logic [" << pkg << "NL_UNITS*" << pkg << "EXP2_INDEX_BITS-1:0] exp2neg_addr;\n"
      << "  logic [" << pkg << "NL_UNITS*2*" << pkg << "EXP2_ENTRY_BITS-1:0] exp2neg_data;\n"
      << "  logic [" << pkg << "SG_LANES-1:0] sigmoid_en;\n"
      << "  logic [" << pkg << "SG_LANES*" << pkg << "SIGMOID_INDEX_BITS-1:0] sigmoid_addr;\n"
      << "  logic [" << pkg << "SG_LANES*2*" << pkg << "TABLE_ENTRY_BITS-1:0] sigmoid_data;\n\n"
      << copies("recip", "N_HEADS", "RECIP_INDEX_BITS", "TABLE_ENTRY_BITS")
      << copies("exp2neg", "NL_UNITS", "EXP2_INDEX_BITS", "EXP2_ENTRY_BITS")
      << copies("sigmoid", "SG_LANES", "SIGMOID_INDEX_BITS", "TABLE_ENTRY_BITS") << "\n"
      << "  " << prefix << "_rom_bank u_bank (\n    .clk_i,\n"
      << bank.str() << "    .norm_gain_en_i(ng_en),\n    .norm_gain_sel_i(ng_sel["
      << addr_bits(2 * c.n_layers + 1) - 1 << ":0]),\n"
      << "    .norm_gain_addr_i(ng_addr["
      << addr_bits(weight_beats(c.dim, dp.vec_lanes())) - 1
      << ":0]),\n    .norm_gain_data_o(ng_data),\n"
      << "    .norm_frac_en_i(nf_en),\n    .norm_frac_addr_i(nf_addr["
      << addr_bits(2 * c.n_layers + 1) - 1 << ":0]),\n"
      << "    .norm_frac_data_o(nf_data),\n"
      << "    .rsqrt_en_i(rsqrt_en), .rsqrt_addr_i(rsqrt_addr), .rsqrt_data_o(rsqrt_data),\n"
      << "    .recip_en_i(recip_en[0]), .recip_addr_i(recip_addr[" << pkg << "RECIP_INDEX_BITS-1:0]),\n"
      << "    .recip_data_o(recip_data[2*" << pkg << "TABLE_ENTRY_BITS-1:0]),\n"
      << "    .exp2neg_en_i(exp2neg_en[0]), .exp2neg_addr_i(exp2neg_addr[" << pkg << "EXP2_INDEX_BITS-1:0]),\n"
      << "    .exp2neg_data_o(exp2neg_data[2*" << pkg << "EXP2_ENTRY_BITS-1:0]),\n"
      << "    .sigmoid_en_i(sigmoid_en[0]), .sigmoid_addr_i(sigmoid_addr[" << pkg << "SIGMOID_INDEX_BITS-1:0]),\n"
      << "    .sigmoid_data_o(sigmoid_data[2*" << pkg << "TABLE_ENTRY_BITS-1:0]),\n"
      << "    .rope_en_i(rope_en), .rope_addr_i(rope_addr["
      << addr_bits(c.seq_len) - 1 << ":0]),\n"
      << "    .rope_data_o(rope_data)\n  );\n\n"
      << mux.str() << "  hw_core #(\n"
      << "    .Dim(" << pkg << "DIM), .HiddenDim(" << pkg << "HIDDEN_DIM), .NLayers(" << pkg << "N_LAYERS), .NHeads(" << pkg << "N_HEADS),\n"
      << "    .NKvHeads(" << pkg << "N_KV_HEADS), .VocabSize(" << pkg << "VOCAB_SIZE), .SeqLen(" << pkg << "SEQ_LEN),\n"
      << "    .Rows(" << pkg << "ROWS), .Lanes(" << pkg << "LANES), .AttnPar(" << pkg << "ATTN_PAR),\n"
      << "    .VecLanes(" << pkg << "VEC_LANES), .NlUnits(" << pkg << "NL_UNITS), .SgLanes(" << pkg << "SG_LANES),\n"
      << "    .MonLanes(" << pkg << "MON_LANES),\n"
      << "    .WeightBits(" << pkg << "WEIGHT_BITS), .WeightWidths(" << pkg << "WEIGHT_WIDTHS), .GroupSize(" << pkg << "GROUP_SIZE), "
         ".MaxGroups(MaxGroups),\n"
      << "    .BeatsDim(" << pkg << "BEATS_DIM), .BeatsHidden(" << pkg << "BEATS_HIDDEN),\n"
      << "    .RmsEps(" << pkg << "RMS_EPS), .AttScale(" << pkg << "ATT_SCALE), .AttScaleFrac(" << pkg << "ATT_SCALE_FRAC), "
         ".Log2eQ24(" << pkg << "LOG2E_Q24),\n"
      << "    .RopePairs(" << pkg << "ROPE_PAIRS), .RsqrtIndexBits(" << pkg << "RSQRT_INDEX_BITS), "
         ".RecipIndexBits(" << pkg << "RECIP_INDEX_BITS),\n"
      << "    .Exp2IndexBits(" << pkg << "EXP2_INDEX_BITS), .SigmoidIndexBits(" << pkg << "SIGMOID_INDEX_BITS),\n"
      << "    .SigmoidRange(" << pkg << "SIGMOID_RANGE), .EntryBits(" << pkg << "TABLE_ENTRY_BITS), "
         ".Exp2EntryBits(" << pkg << "EXP2_ENTRY_BITS),\n"
      << "    .GainBits(" << pkg << "GAIN_BITS),\n"
      << "    .LoraSlots(" << pkg << "LORA_SLOTS), .LoraRank(" << pkg << "LORA_RANK), .LoraSlotBeats(" << pkg << "LORA_SLOT_BEATS)\n"
      << "  ) u_core (\n"
      << "    .clk_i, .rst_ni,\n"
      << "    .tok_valid_i(tok_valid), .tok_ready_o(tok_ready), .tok_token_i(tok_token),\n"
      << "    .tok_pos_i(tok_pos), .out_valid_o(out_valid), .out_ready_i(out_ready),\n"
      << "    .out_token_o(out_token), .logit_addr_i(logit_addr), .logit_data_o(logit_data),\n"
      << "    .smp_inv_temp_i(smp_inv_temp), .smp_top_k_i(smp_top_k), .smp_top_p_i(smp_top_p),\n"
      << "    .smp_seed_i(smp_seed),\n"
      << "    .ad_we_i(ad_we), .ad_beat_i(ad_beat), .ad_lane_i(ad_lane), .ad_data_i(ad_data),\n"
      << "    .lora_on_i(lora_on), .lora_slot_i(lora_slot), .lora_targets_i(lora_targets),\n"
      << "    .wrom_en_o(wrom_en), .wrom_class_o(wrom_class), .wrom_sel_o(wrom_sel),\n"
      << "    .wrom_addr_o(wrom_addr), .wrom_row_o(wrom_row), .wrom_data_i(wrom_data), .wrom_bits_i(wrom_bits),\n"
      << "    .srom_data_i(srom_data),\n"
      << "    .ng_en_o(ng_en), .ng_sel_o(ng_sel), .ng_addr_o(ng_addr), .ng_data_i(ng_data),\n"
      << "    .nf_en_o(nf_en), .nf_addr_o(nf_addr), .nf_data_i(nf_data),\n"
      << "    .rsqrt_en_o(rsqrt_en), .rsqrt_addr_o(rsqrt_addr), .rsqrt_data_i(rsqrt_data),\n"
      << "    .recip_en_o(recip_en), .recip_addr_o(recip_addr), .recip_data_i(recip_data),\n"
      << "    .exp2neg_en_o(exp2neg_en), .exp2neg_addr_o(exp2neg_addr), "
         ".exp2neg_data_i(exp2neg_data),\n"
      << "    .sigmoid_en_o(sigmoid_en), .sigmoid_addr_o(sigmoid_addr), "
         ".sigmoid_data_i(sigmoid_data),\n"
      << "    .rope_en_o(rope_en), .rope_addr_o(rope_addr), .rope_data_i(rope_data),\n"
      << "    .mon_valid_o, .mon_stage_o, .mon_layer_o, .mon_index_o, .mon_count_o, .mon_heads_o,\n"
      << "    .mon_data_o, .mon_shift_o,\n"
      << "    .dbg_op_o, .dbg_layer_o, .dbg_step_o,\n"
      << "    .perf_cycles_o(perf_cycles), .perf_mac_busy_o(perf_mac_busy),\n"
      << "    .perf_matvec_cycles_o(perf_matvec), .perf_attention_cycles_o(perf_attention),\n"
      << "    .perf_vector_cycles_o(perf_vector), .perf_tokens_o(perf_tokens),\n"
      << "    .perf_saturations_o(perf_saturations)\n"
      << "  );\n\n"
      << "  // The host link endpoint: registers, and the generation controller feeding the core.\n"
      << "  hw_endpoint #(\n"
      << "    .Dim(" << pkg << "DIM), .HiddenDim(" << pkg << "HIDDEN_DIM), .NLayers(" << pkg << "N_LAYERS), .NHeads(" << pkg << "N_HEADS),\n"
      << "    .NKvHeads(" << pkg << "N_KV_HEADS), .VocabSize(" << pkg << "VOCAB_SIZE), .SeqLen(" << pkg << "SEQ_LEN),\n"
      << "    .Rows(" << pkg << "ROWS), .Lanes(" << pkg << "LANES), .AttnPar(" << pkg << "ATTN_PAR),\n"
      << "    .ModelHash(" << pkg << "MODEL_HASH),\n"
      << "    .LoraSlots(" << pkg << "LORA_SLOTS), .LoraRank(" << pkg << "LORA_RANK), .LoraSlotBeats(" << pkg << "LORA_SLOT_BEATS),\n"
      << "    .LoraLaneBits(" << pkg << "LORA_LANE_BITS)\n"
      << "  ) u_endpoint (\n"
      << "    .clk_i, .rst_ni,\n"
      << "    .rx_valid_i(link_rx_valid_i), .rx_k_i(link_rx_k_i), .rx_data_i(link_rx_data_i),\n"
      << "    .tx_valid_o(link_tx_valid_o), .tx_k_o(link_tx_k_o), .tx_data_o(link_tx_data_o),\n"
      << "    .tok_valid_o(tok_valid), .tok_ready_i(tok_ready), .tok_token_o(tok_token),\n"
      << "    .tok_pos_o(tok_pos), .out_valid_i(out_valid), .out_ready_o(out_ready),\n"
      << "    .out_token_i(out_token), .logit_addr_o(logit_addr), .logit_data_i(logit_data),\n"
      << "    .smp_inv_temp_o(smp_inv_temp), .smp_top_k_o(smp_top_k), .smp_top_p_o(smp_top_p),\n"
      << "    .smp_seed_o(smp_seed),\n"
      << "    .ad_we_o(ad_we), .ad_beat_o(ad_beat), .ad_lane_o(ad_lane), .ad_data_o(ad_data),\n"
      << "    .lora_on_o(lora_on), .lora_slot_o(lora_slot), .lora_targets_o(lora_targets),\n"
      << "    .perf_cycles_i(perf_cycles), .perf_mac_busy_i(perf_mac_busy),\n"
      << "    .perf_matvec_cycles_i(perf_matvec[31:0]), .perf_attention_cycles_i(perf_attention[31:0]),\n"
      << "    .perf_vector_cycles_i(perf_vector[31:0]), .perf_tokens_i(perf_tokens),\n"
      << "    .perf_saturations_i(perf_saturations)\n"
      << "  );\n\n"
      << "  assign dbg_tok_start_o = tok_valid && tok_ready;\n"
      << "  assign dbg_tok_token_o = tok_token;\n  assign dbg_tok_pos_o = tok_pos;\n"
      << "  assign dbg_out_valid_o = out_valid;\n  assign dbg_out_token_o = out_token;\n"
      << "  assign dbg_perf_cycles_o = perf_cycles;\n  assign dbg_perf_mac_busy_o = perf_mac_busy;\n"
      << "  assign dbg_perf_matvec_o = perf_matvec;\n  assign dbg_perf_attention_o = perf_attention;\n"
      << "  assign dbg_perf_vector_o = perf_vector;\n"
      << "\nendmodule\n";
    return o.str();
}

}  // namespace hw
