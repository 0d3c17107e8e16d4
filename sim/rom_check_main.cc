// SPDX-License-Identifier: MIT
// rom_check: reads every word of every ROM through the Verilated <name>_rom_bank's ports and
// compares it with the words weightgen computes for the same model (rom_image.h), i.e. the
// quantized weights the golden model uses. Built per configuration by build_verilated().
//
// usage: rom_check GEN_DIR   (the model, format and lanes are taken from GEN_DIR/manifest.json)
#include <verilated.h>

#include <cstdio>
#include <memory>

#include "error.h"
#include "generated_model.h"
#include "rom_image.h"
#include "sim_control.h"
#include HW_TOP_HEADER

namespace {

// Copies a Verilated port of any width into 64-bit limbs.
template <std::size_t N>
void read_port(const VlWide<N>& w, std::vector<std::uint64_t>& out) {
    out.assign((N + 1) / 2, 0);
    for (std::size_t i = 0; i < N; i++) out[i / 2] |= std::uint64_t(w[i]) << (32 * (i % 2));
}
void read_port(QData v, std::vector<std::uint64_t>& out) { out.assign(1, v); }
void read_port(IData v, std::vector<std::uint64_t>& out) { out.assign(1, v); }
void read_port(SData v, std::vector<std::uint64_t>& out) { out.assign(1, v); }
void read_port(CData v, std::vector<std::uint64_t>& out) { out.assign(1, v); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: rom_check GEN_DIR\n");
        return 2;
    }
    try {
        const hw::GeneratedModel g = hw::load_generated_model(argv[1]);
        const hw::Model& model = g.model;
        const std::vector<hw::RomImage> roms = hw::chip_roms(g.data, g.datapath);

        hw::SimControl<HW_TOP_CLASS> sim;
        HW_TOP_CLASS* top = &sim.top();
        sim.settle();  // the bank has no reset
        auto tick = [&] { sim.tick(); };
        const int layers = model.config.n_layers;
        long long words = 0, mismatches = 0;
        std::vector<std::uint64_t> got;
        for (const hw::RomImage& r : roms) {
            // Which select value reaches this ROM: its layer, or its gain-vector index.
            int sel = r.layer;
            if (r.port == "norm_gain")
                sel = r.tensor == "rms_final" ? 2 * layers : 2 * r.layer + (r.tensor == "rms_ffn");
            for (int a = 0; a < r.depth; a++) {
#define HW_READ(p)                       \
    if (r.port == #p) {                  \
        top->p##_en_i = 1;               \
        top->p##_addr_i = a;             \
        tick();                          \
        top->p##_en_i = 0;               \
        read_port(top->p##_data_o, got); \
    }
#define HW_READ_SEL(p)        \
    if (r.port == #p) {       \
        top->p##_sel_i = sel; \
        HW_READ(p)            \
    }
                got.clear();
                HW_READ(emb)
                HW_READ(emb_scale)
                HW_READ(cls)
                HW_READ(cls_scale)
                HW_READ_SEL(wq)
                HW_READ_SEL(wq_scale)
                HW_READ_SEL(wk) HW_READ_SEL(wk_scale) HW_READ_SEL(wv) HW_READ_SEL(wv_scale)
                    HW_READ_SEL(wo) HW_READ_SEL(wo_scale) HW_READ_SEL(w1) HW_READ_SEL(w1_scale)
                        HW_READ_SEL(w2) HW_READ_SEL(w2_scale) HW_READ_SEL(w3) HW_READ_SEL(w3_scale)
                            HW_READ_SEL(norm_gain) HW_READ(norm_frac) HW_READ(rsqrt) HW_READ(
                                recip) HW_READ(exp2neg) HW_READ(sigmoid) HW_READ(rope)
#undef HW_READ_SEL
#undef HW_READ
                                if (got.empty()) throw hw::Error("no bank port named " + r.port);
                words++;
                bool same = true;
                for (int l = 0; l < r.limbs_per_word(); l++) {
                    same &= got.at(l) == r.limbs[std::size_t(a) * r.limbs_per_word() + l];
                }
                for (std::size_t l = r.limbs_per_word(); l < got.size(); l++) same &= got[l] == 0;
                if (!same && mismatches++ < 10) {
                    std::printf("MISMATCH %s layer %d (%s) word %d\n", r.port.c_str(), r.layer,
                                r.tensor.c_str(), a);
                }
            }
        }
        std::printf("rom_check: %zu ROMs, %lld words checked, %lld mismatches\n", roms.size(),
                    words, mismatches);
        return mismatches == 0 && words > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rom_check: error: %s\n", e.what());
        return 2;
    }
}
