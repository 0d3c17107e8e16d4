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

RomShape shape(std::string port, std::string tensor, std::string kind, int layer, int width,
               int depth) {
    RomShape r;
    r.port = std::move(port);
    r.tensor = std::move(tensor);
    r.kind = std::move(kind);
    r.layer = layer;
    r.width = width;
    r.depth = depth;
    return r;
}

RomImage make_rom(const RomShape& s) {
    RomImage r;
    static_cast<RomShape&>(r) = s;
    r.limbs.assign(std::size_t(s.depth) * r.limbs_per_word(), 0);
    return r;
}

// The layouts of the header, as shapes.
RomShape weight_shape(const std::string& port, const std::string& tensor, int layer, int rows,
                      int cols, const Datapath& dp, int bits) {
    return shape(port, tensor, "weights", layer, dp.rows * dp.lanes * bits,
                 row_groups(rows, dp.rows) * weight_beats(cols, dp.lanes));
}
RomShape scale_shape(const std::string& port, const std::string& tensor, int layer, int rows,
                     int groups, const Datapath& dp) {
    return shape(port, tensor, "scales", layer, dp.rows * scale_width(groups),
                 row_groups(rows, dp.rows));
}
// `lanes` gains per word (element i in word i / lanes, slot i % lanes; the last word's unused
// slots are 0), so RMSNorm's gain pass takes the vector unit's elements per cycle.
RomShape gain_shape(const std::string& tensor, int layer, int n, int lanes) {
    return shape("norm_gain", tensor, "gains", layer, lanes * kGainBits, (n + lanes - 1) / lanes);
}
// Two entries a word (e[k], e[k+1]) for 2^index_bits segments.
RomShape table_shape(const std::string& name, int index_bits, int entry_bits) {
    return shape(name, name, "table", -1, 2 * entry_bits, 1 << index_bits);
}
// RoPE: a word per position with every pair's {cos, sin} (pair p at bit 2 * 17 * p), so the
// chip rotates Lanes elements per cycle from one read.
RomShape rope_shape(int seq_len, int pairs) {
    return shape("rope", "rope", "table", -1, 2 * kRopeEntryBits * pairs, seq_len);
}

void fill_weights(RomImage& r, const QMatrix& m, const Datapath& dp, int bits) {
    const int beats = weight_beats(m.cols, dp.lanes), lanes = dp.lanes;
    for (int i = 0; i < m.rows; i++) {
        const int group = i / dp.rows, slot = i % dp.rows;
        for (int j = 0; j < m.cols; j++) {
            const std::int64_t w = m.w[std::size_t(i) * m.cols + j];
            r.put(group * beats + j / lanes, (slot * lanes + j % lanes) * bits, bits,
                  static_cast<std::uint64_t>(w));
        }
    }
}

void fill_scales(RomImage& r, const QMatrix& m, const Datapath& dp) {
    const int width = scale_width(m.groups);
    for (int i = 0; i < m.rows; i++) {
        const int group = i / dp.rows, at = (i % dp.rows) * width;
        for (int g = 0; g < m.groups; g++)
            r.put(group, at + 16 * g, 16, m.mantissa[std::size_t(i) * m.groups + g]);
        r.put(group, at + 16 * m.groups, 8, m.shift[i]);
    }
}

void fill_gains(RomImage& r, const QGain& g, int lanes) {
    for (std::size_t i = 0; i < g.g.size(); i++) {
        r.put(int(i) / lanes, (int(i) % lanes) * kGainBits, kGainBits,
              static_cast<std::uint64_t>(std::int64_t(g.g[i])));
    }
}

void fill_table(RomImage& r, const PwlTable& t, int entry_bits) {
    for (int k = 0; k < r.depth; k++) {
        r.put(k, 0, entry_bits, static_cast<std::uint64_t>(std::int64_t(t.entries[k])));
        r.put(k, entry_bits, entry_bits,
              static_cast<std::uint64_t>(std::int64_t(t.entries[k + 1])));
    }
}

void fill_rope(RomImage& r, const Tables& t) {
    const int pair_bits = 2 * kRopeEntryBits;
    for (int pos = 0; pos < r.depth; pos++) {
        for (int p = 0; p < t.rope_pairs; p++) {
            const std::size_t a = std::size_t(pos) * t.rope_pairs + p;
            r.put(pos, pair_bits * p, kRopeEntryBits,
                  static_cast<std::uint64_t>(std::int64_t(t.rope[2 * a])));
            r.put(pos, pair_bits * p + kRopeEntryBits, kRopeEntryBits,
                  static_cast<std::uint64_t>(std::int64_t(t.rope[2 * a + 1])));
        }
    }
}

// Norm exponents F_g, one per gain vector: att l at 2l, ffn l at 2l+1, final at 2L.
void fill_norm_frac(RomImage& r, const QModel& q) {
    auto put = [&](int addr, const QGain& g) {
        if (g.frac < -128 || g.frac > 127) {
            throw make_error("weightgen", "norm gain exponent", "-128..127",
                             std::to_string(g.frac));
        }
        r.put(addr, 0, 8, static_cast<std::uint64_t>(std::int64_t(g.frac)));
    };
    const int n = q.config.n_layers;
    for (int l = 0; l < n; l++) {
        put(2 * l, q.layers[l].rms_att);
        put(2 * l + 1, q.layers[l].rms_ffn);
    }
    put(2 * n, q.rms_final);
}

// The matrix or gain vector a shape names.
const QMatrix& matrix_of(const QModel& q, const RomShape& s) {
    if (s.tensor == "token_embedding") return q.token_embedding;
    if (s.tensor == "wcls") return q.wcls;
    const QLayer& L = q.layers[std::size_t(s.layer)];
    const std::pair<const char*, const QMatrix*> mats[] = {
        {"wq", &L.wq}, {"wk", &L.wk}, {"wv", &L.wv}, {"wo", &L.wo},
        {"w1", &L.w1}, {"w2", &L.w2}, {"w3", &L.w3}};
    for (const auto& [name, m] : mats)
        if (s.tensor == name) return *m;
    throw Error("weightgen: internal error: no matrix " + s.tensor);
}
const QGain& gain_of(const QModel& q, const RomShape& s) {
    if (s.tensor == "rms_final") return q.rms_final;
    const QLayer& L = q.layers[std::size_t(s.layer)];
    return s.tensor == "rms_att" ? L.rms_att : L.rms_ffn;
}
const PwlTable& table_of(const Tables& t, const std::string& name) {
    if (name == "rsqrt") return t.rsqrt;
    if (name == "recip") return t.recip;
    if (name == "exp2neg") return t.exp2neg;
    return t.sigmoid;
}
int entry_bits_of(const std::string& table) {
    return table == "exp2neg" ? kExp2EntryBits : kTableEntryBits;
}

}  // namespace

RomImage weight_rom(const std::string& port, const std::string& tensor, int layer, const QMatrix& m,
                    const Datapath& dp, int bits) {
    RomImage r = make_rom(weight_shape(port, tensor, layer, m.rows, m.cols, dp, bits));
    fill_weights(r, m, dp, bits);
    return r;
}

RomImage scale_rom(const std::string& port, const std::string& tensor, int layer,
                   const QMatrix& m, const Datapath& dp) {
    RomImage r = make_rom(scale_shape(port, tensor, layer, m.rows, m.groups, dp));
    fill_scales(r, m, dp);
    return r;
}

std::vector<RomShape> rom_shapes(const Config& c, const WeightFormat& f, const Datapath& dp) {
    const int lanes = dp.vec_lanes(), kv = c.kv_dim();
    std::vector<RomShape> roms;
    auto matrix = [&](const std::string& port, const std::string& tensor, int layer, int rows,
                      int cols) {
        roms.push_back(weight_shape(port, tensor, layer, rows, cols, dp, f.bits_of(tensor, layer)));
        roms.push_back(scale_shape(port + "_scale", tensor, layer, rows, scale_groups(cols, f), dp));
    };
    matrix("emb", "token_embedding", -1, c.vocab_size, c.dim);
    if (!c.shared_classifier) matrix("cls", "wcls", -1, c.vocab_size, c.dim);
    for (int l = 0; l < c.n_layers; l++) {
        matrix("wq", "wq", l, c.dim, c.dim);
        matrix("wk", "wk", l, kv, c.dim);
        matrix("wv", "wv", l, kv, c.dim);
        matrix("wo", "wo", l, c.dim, c.dim);
        matrix("w1", "w1", l, c.hidden_dim, c.dim);
        matrix("w2", "w2", l, c.dim, c.hidden_dim);
        matrix("w3", "w3", l, c.hidden_dim, c.dim);
        roms.push_back(gain_shape("rms_att", l, c.dim, lanes));
        roms.push_back(gain_shape("rms_ffn", l, c.dim, lanes));
    }
    roms.push_back(gain_shape("rms_final", -1, c.dim, lanes));
    roms.push_back(shape("norm_frac", "norm_frac", "norm_frac", -1, 8, 2 * c.n_layers + 1));
    roms.push_back(table_shape("rsqrt", kRsqrtIndexBits, kTableEntryBits));
    roms.push_back(table_shape("recip", kRecipIndexBits, kTableEntryBits));
    roms.push_back(table_shape("exp2neg", kExp2IndexBits, kExp2EntryBits));
    roms.push_back(table_shape("sigmoid", kSigmoidIndexBits, kTableEntryBits));
    roms.push_back(rope_shape(c.seq_len, c.head_size() / 2));
    return roms;
}

std::uint64_t rom_bits(const std::vector<RomShape>& shapes) {
    std::uint64_t n = 0;
    for (const RomShape& s : shapes) n += s.bits();
    return n;
}

std::vector<RomImage> chip_roms(const ChipData& d, const Datapath& dp) {
    const QModel& q = d.q;
    std::vector<RomImage> roms;
    for (const RomShape& s : rom_shapes(q.config, q.format, dp)) {
        RomImage r = make_rom(s);
        if (s.kind == "weights") {
            const QMatrix& m = matrix_of(q, s);
            fill_weights(r, m, dp, m.bits);
        } else if (s.kind == "scales") {
            fill_scales(r, matrix_of(q, s), dp);
        } else if (s.kind == "gains") {
            fill_gains(r, gain_of(q, s), dp.vec_lanes());
        } else if (s.kind == "norm_frac") {
            fill_norm_frac(r, q);
        } else if (s.tensor == "rope") {
            fill_rope(r, d.tables);
        } else {
            fill_table(r, table_of(d.tables, s.tensor), entry_bits_of(s.tensor));
        }
        roms.push_back(std::move(r));
    }
    return roms;
}

}  // namespace hw
