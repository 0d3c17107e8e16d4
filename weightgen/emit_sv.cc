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
        return "word = one beat of one row: lane k (input beat*LANES + k) in bits [k*B +: B], "
               "two's complement, zero past the row's end; address = row * beats + beat.";
    }
    if (r.kind == "scales") {
        return "word = one row: mantissa of group g in bits [16g +: 16], the row's exponent in "
               "the top 8 bits; scale = mantissa * 2^-exponent.";
    }
    if (r.kind == "gains")
        return "word = gain of one element, signed, times sqrt(dim), 2^-frac units.";
    if (r.kind == "norm_frac")
        return "word = frac of a gain vector: att l at 2l, ffn l at 2l+1, final at 2L.";
    if (r.tensor == "rope") return "word pos * pairs + p = {sin, cos} in Q15, 17-bit signed each.";
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
                            const std::string& model_hash, const std::string& banner) {
    std::ostringstream o;
    o << "// SPDX-License-Identifier: MIT\n"
      << "// " << prefix << "_cfg.h: the facts of " << prefix << "_cfg_pkg.sv for C++.\n"
      << comment_block(banner) << "#pragma once\n\n#include <cstdint>\n\n"
      << "namespace " << prefix << "_cfg {\n\n";
    for (const CfgFact& f : facts) {
        o << "// " << f.comment << "\n"
          << "inline constexpr std::uint64_t " << f.name << " = " << f.value << "u;\n";
    }
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
                body << "  " << rom_module_name(prefix, r) << " u_" << p << "_" << k << " (\n"
                     << "    .clk_i,\n"
                     << "    .en_i  (" << p << "_en_i && " << p << "_sel_i == " << sw << "'d" << k
                     << "),\n"
                     << "    .addr_i(" << p << "_addr_i[" << raw - 1 << ":0]),\n"
                     << "    .data_o(" << p << "_word[" << k << "])\n"
                     << "  );\n";
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

}  // namespace hw
