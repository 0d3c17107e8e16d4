// SPDX-License-Identifier: MIT
#include "rom_image.h"

#include "error.h"
#include "sha256.h"

namespace hw {

void RomImage::put(int addr, int offset, int bits, std::uint64_t value) {
    if (bits < 64) value &= (std::uint64_t(1) << bits) - 1;
    std::uint64_t* w = limbs.data() + std::size_t(addr) * limbs_per_word();
    for (int i = 0; i < bits;) {  // may straddle two limbs
        const int bit = offset + i, limb = bit / 64, at = bit % 64;
        const int take = std::min(64 - at, bits - i);
        const std::uint64_t mask =
            take == 64 ? ~std::uint64_t(0) : ((std::uint64_t(1) << take) - 1);
        w[limb] = (w[limb] & ~(mask << at)) | (((value >> i) & mask) << at);
        i += take;
    }
}

std::uint64_t RomImage::get(int addr, int offset, int bits) const {
    const std::uint64_t* w = limbs.data() + std::size_t(addr) * limbs_per_word();
    std::uint64_t v = 0;
    for (int i = 0; i < bits;) {
        const int bit = offset + i, limb = bit / 64, at = bit % 64;
        const int take = std::min(64 - at, bits - i);
        const std::uint64_t mask =
            take == 64 ? ~std::uint64_t(0) : ((std::uint64_t(1) << take) - 1);
        v |= ((w[limb] >> at) & mask) << i;
        i += take;
    }
    return v;
}

std::string RomImage::sha256() const {
    Sha256 h;
    const int bytes = (width + 7) / 8;
    std::vector<std::uint8_t> word(bytes);
    for (int a = 0; a < depth; a++) {
        const std::uint64_t* w = limbs.data() + std::size_t(a) * limbs_per_word();
        for (int b = 0; b < bytes; b++) word[b] = std::uint8_t(w[b / 8] >> (8 * (b % 8)));
        h.update(word.data(), word.size());
    }
    return h.hex();
}

int weight_beats(int cols, int lanes) { return (cols + lanes - 1) / lanes; }
int row_groups(int rows, int group_rows) { return (rows + group_rows - 1) / group_rows; }
int scale_width(int groups) { return 16 * groups + 8; }

namespace {

RomImage make_rom(std::string port, std::string tensor, std::string kind, int layer, int width,
                  int depth) {
    RomImage r;
    r.port = std::move(port);
    r.tensor = std::move(tensor);
    r.kind = std::move(kind);
    r.layer = layer;
    r.width = width;
    r.depth = depth;
    r.limbs.assign(std::size_t(depth) * r.limbs_per_word(), 0);
    return r;
}

// `lanes` gains per word (element i in word i / lanes, slot i % lanes; the last word's unused
// slots are 0), so RMSNorm's gain pass takes the vector unit's elements per cycle.
RomImage gain_rom(const std::string& tensor, int layer, const QGain& g, int lanes) {
    const int n = static_cast<int>(g.g.size());
    RomImage r = make_rom("norm_gain", tensor, "gains", layer, lanes * kGainBits,
                          (n + lanes - 1) / lanes);
    for (int i = 0; i < n; i++) {
        r.put(i / lanes, (i % lanes) * kGainBits, kGainBits,
              static_cast<std::uint64_t>(std::int64_t(g.g[std::size_t(i)])));
    }
    return r;
}

RomImage pwl_rom(const std::string& name, const PwlTable& t, int entry_bits) {
    const int n = 1 << t.index_bits;
    RomImage r = make_rom(name, name, "table", -1, 2 * entry_bits, n);
    for (int k = 0; k < n; k++) {
        r.put(k, 0, entry_bits, static_cast<std::uint64_t>(std::int64_t(t.entries[k])));
        r.put(k, entry_bits, entry_bits,
              static_cast<std::uint64_t>(std::int64_t(t.entries[k + 1])));
    }
    return r;
}

}  // namespace

RomImage weight_rom(const std::string& port, const std::string& tensor, int layer, const QMatrix& m,
                    const Datapath& dp, int bits) {
    const int beats = weight_beats(m.cols, dp.lanes), lanes = dp.lanes;
    RomImage r = make_rom(port, tensor, "weights", layer, dp.rows * lanes * bits,
                          row_groups(m.rows, dp.rows) * beats);
    for (int i = 0; i < m.rows; i++) {
        const int group = i / dp.rows, slot = i % dp.rows;
        for (int j = 0; j < m.cols; j++) {
            const std::int64_t w = m.w[std::size_t(i) * m.cols + j];
            r.put(group * beats + j / lanes, (slot * lanes + j % lanes) * bits, bits,
                  static_cast<std::uint64_t>(w));
        }
    }
    return r;
}

RomImage scale_rom(const std::string& port, const std::string& tensor, int layer,
                   const QMatrix& m, const Datapath& dp) {
    const int width = scale_width(m.groups);
    RomImage r = make_rom(port, tensor, "scales", layer, dp.rows * width,
                          row_groups(m.rows, dp.rows));
    for (int i = 0; i < m.rows; i++) {
        const int group = i / dp.rows, at = (i % dp.rows) * width;
        for (int g = 0; g < m.groups; g++)
            r.put(group, at + 16 * g, 16, m.mantissa[std::size_t(i) * m.groups + g]);
        r.put(group, at + 16 * m.groups, 8, m.shift[i]);
    }
    return r;
}

std::vector<RomImage> chip_roms(const ChipData& d, const Datapath& dp) {
    const QModel& q = d.q;
    const Config& c = q.config;
    const int bits = q.format.bits, lanes = dp.vec_lanes();
    std::vector<RomImage> roms;
    roms.push_back(weight_rom("emb", "token_embedding", -1, q.token_embedding, dp, bits));
    roms.push_back(scale_rom("emb_scale", "token_embedding", -1, q.token_embedding, dp));
    if (!c.shared_classifier) {
        roms.push_back(weight_rom("cls", "wcls", -1, q.wcls, dp, bits));
        roms.push_back(scale_rom("cls_scale", "wcls", -1, q.wcls, dp));
    }
    for (int l = 0; l < c.n_layers; l++) {
        const QLayer& L = q.layers[l];
        const std::pair<const char*, const QMatrix*> mats[] = {
            {"wq", &L.wq}, {"wk", &L.wk}, {"wv", &L.wv}, {"wo", &L.wo},
            {"w1", &L.w1}, {"w2", &L.w2}, {"w3", &L.w3}};
        for (const auto& [name, m] : mats) {
            roms.push_back(weight_rom(name, name, l, *m, dp, bits));
            roms.push_back(scale_rom(std::string(name) + "_scale", name, l, *m, dp));
        }
        roms.push_back(gain_rom("rms_att", l, L.rms_att, lanes));
        roms.push_back(gain_rom("rms_ffn", l, L.rms_ffn, lanes));
    }
    roms.push_back(gain_rom("rms_final", -1, q.rms_final, lanes));

    // Norm exponents F_g, one per gain vector: att l at 2l, ffn l at 2l+1, final at 2L.
    RomImage frac = make_rom("norm_frac", "norm_frac", "norm_frac", -1, 8, 2 * c.n_layers + 1);
    auto put_frac = [&](int addr, const QGain& g) {
        if (g.frac < -128 || g.frac > 127) {
            throw make_error("weightgen", "norm gain exponent", "-128..127",
                             std::to_string(g.frac));
        }
        frac.put(addr, 0, 8, static_cast<std::uint64_t>(std::int64_t(g.frac)));
    };
    for (int l = 0; l < c.n_layers; l++) {
        put_frac(2 * l, q.layers[l].rms_att);
        put_frac(2 * l + 1, q.layers[l].rms_ffn);
    }
    put_frac(2 * c.n_layers, q.rms_final);
    roms.push_back(std::move(frac));

    const Tables& t = d.tables;
    roms.push_back(pwl_rom("rsqrt", t.rsqrt, kTableEntryBits));
    roms.push_back(pwl_rom("recip", t.recip, kTableEntryBits));
    roms.push_back(pwl_rom("exp2neg", t.exp2neg, kExp2EntryBits));
    roms.push_back(pwl_rom("sigmoid", t.sigmoid, kTableEntryBits));
    // RoPE: a word per position with every pair's {sin, cos} (pair p at bit 2 * 17 * p), so
    // the chip rotates Lanes elements per cycle from one read.
    const int pair_bits = 2 * kRopeEntryBits;
    RomImage rope = make_rom("rope", "rope", "table", -1, pair_bits * t.rope_pairs, c.seq_len);
    for (int pos = 0; pos < c.seq_len; pos++) {
        for (int p = 0; p < t.rope_pairs; p++) {
            const std::size_t a = std::size_t(pos) * t.rope_pairs + p;
            rope.put(pos, pair_bits * p, kRopeEntryBits,
                     static_cast<std::uint64_t>(std::int64_t(t.rope[2 * a])));
            rope.put(pos, pair_bits * p + kRopeEntryBits, kRopeEntryBits,
                     static_cast<std::uint64_t>(std::int64_t(t.rope[2 * a + 1])));
        }
    }
    roms.push_back(std::move(rope));
    return roms;
}

}  // namespace hw
