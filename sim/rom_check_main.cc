// SPDX-License-Identifier: MIT
// rom_check: reads every word of every ROM through the Verilated <name>_rom_bank's ports and
// checks it twice: against the words weightgen computes for the same model (rom_image.h),
// and, independently of that packing code, by unpacking each word along the documented
// layout (docs/weightgen.md) into weights, scale mantissas and exponents, gains and norm
// exponents and comparing those with the quantized model the golden model uses
// (make_chip_data). Built per configuration by build_verilated().
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

// `n` (<= 64) bits at `offset` of a word held as 64-bit limbs (0 past its end).
std::uint64_t field(const std::vector<std::uint64_t>& w, int offset, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        const int b = offset + i;
        if (std::size_t(b / 64) < w.size()) v |= ((w[std::size_t(b / 64)] >> (b % 64)) & 1u) << i;
    }
    return v;
}
std::int64_t signed_field(const std::vector<std::uint64_t>& w, int offset, int n) {
    const std::uint64_t v = field(w, offset, n);
    return (v >> (n - 1)) & 1u ? std::int64_t(v) - (std::int64_t(1) << n) : std::int64_t(v);
}

// The quantized tensors behind a ROM, by its port and layer (null for the tables).
const hw::QMatrix* matrix_of(const hw::QModel& q, const std::string& port, int layer) {
    const std::string p = port.substr(0, port.find("_scale"));
    if (p == "emb") return &q.token_embedding;
    if (p == "cls") return &q.wcls;
    if (layer < 0) return nullptr;
    const hw::QLayer& L = q.layers[std::size_t(layer)];
    if (p == "wq") return &L.wq;
    if (p == "wk") return &L.wk;
    if (p == "wv") return &L.wv;
    if (p == "wo") return &L.wo;
    if (p == "w1") return &L.w1;
    if (p == "w2") return &L.w2;
    if (p == "w3") return &L.w3;
    return nullptr;
}

// Unpacks word `a` of ROM `r` along the documented layout and counts the values that differ
// from the quantized model; `checked` counts the values compared.
long long unpack_and_compare(const hw::RomImage& r, int a, const std::vector<std::uint64_t>& w,
                             const hw::QModel& q, const hw::Datapath& dp, long long* checked) {
    long long bad = 0;
    auto expect = [&](std::int64_t got, std::int64_t want) {
        ++*checked;
        bad += got != want;
    };
    const hw::QMatrix* m = matrix_of(q, r.port, r.layer);
    if (r.kind == "weights" && m) {
        // word = row group G, beat b: row G*R + r's input b*L + k at bits (r*L + k)*B.
        // The width from the format (not the matrix): a matrix quantized at the wrong width shows.
        const int bits = q.format.bits_of(r.tensor, r.layer), beats = (m->cols + dp.lanes - 1) / dp.lanes;
        const int group = a / beats, beat = a % beats;
        for (int row = 0; row < dp.rows; row++) {
            for (int k = 0; k < dp.lanes; k++) {
                const int i = group * dp.rows + row, j = beat * dp.lanes + k;
                const std::int64_t want =
                    i < m->rows && j < m->cols ? m->w[std::size_t(i) * m->cols + j] : 0;
                expect(signed_field(w, (row * dp.lanes + k) * bits, bits), want);
            }
        }
    } else if (r.kind == "scales" && m) {
        // word = row group: row r's field at r * (16 groups + 8): mantissas, then the exponent.
        const int width = 16 * m->groups + 8;
        for (int row = 0; row < dp.rows; row++) {
            const int i = a * dp.rows + row;
            for (int g = 0; g < m->groups; g++)
                expect(std::int64_t(field(w, row * width + 16 * g, 16)),
                       i < m->rows ? m->mantissa[std::size_t(i) * m->groups + g] : 0);
            expect(std::int64_t(field(w, row * width + 16 * m->groups, 8)),
                   i < m->rows ? m->shift[std::size_t(i)] : 0);
        }
    } else if (r.kind == "gains") {
        const hw::QGain& g = r.tensor == "rms_final" ? q.rms_final
                             : r.tensor == "rms_ffn" ? q.layers[std::size_t(r.layer)].rms_ffn
                                                     : q.layers[std::size_t(r.layer)].rms_att;
        const int lanes = dp.vec_lanes();
        for (int k = 0; k < lanes; k++) {
            const std::size_t i = std::size_t(a) * lanes + k;
            expect(signed_field(w, k * hw::kGainBits, hw::kGainBits), i < g.g.size() ? g.g[i] : 0);
        }
    } else if (r.kind == "norm_frac") {
        const int layers = q.config.n_layers;
        const hw::QGain& g = a == 2 * layers ? q.rms_final
                             : a % 2 ? q.layers[std::size_t(a / 2)].rms_ffn
                                     : q.layers[std::size_t(a / 2)].rms_att;
        expect(signed_field(w, 0, 8), g.frac);
    }
    return bad;
}

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
        long long unpacked = 0, unpack_mismatches = 0;
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
                    std::printf("MISMATCH %s layer %d (%s) word %d: not the generator's word\n",
                                r.port.c_str(), r.layer, r.tensor.c_str(), a);
                }
                const long long bad = unpack_and_compare(r, a, got, g.data.q, g.datapath, &unpacked);
                if (bad > 0 && unpack_mismatches++ < 10) {
                    std::printf("MISMATCH %s layer %d (%s) word %d: %lld values unpacked from it "
                                "differ from the quantized model\n",
                                r.port.c_str(), r.layer, r.tensor.c_str(), a, bad);
                }
            }
        }
        std::printf("rom_check: %zu ROMs, %lld words checked, %lld mismatches; %lld weights, "
                    "scales, gains and exponents unpacked and compared with the quantized model, "
                    "%lld words differing\n",
                    roms.size(), words, mismatches, unpacked, unpack_mismatches);
        return mismatches == 0 && unpack_mismatches == 0 && words > 0 && unpacked > 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rom_check: error: %s\n", e.what());
        return 2;
    }
}
