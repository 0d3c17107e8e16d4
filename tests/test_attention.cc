// SPDX-License-Identifier: MIT
// hw_attention against the golden attention (IntModel::attention, softmax_sum): two layers,
// every position of the context, blocks of 3 positions a cycle (the last block partial at
// two positions of three), random q, k and v with some very large; the KV rows' words and
// shifts, every head's scores and probabilities (from the monitor) and the outputs compared,
// the unit driven phase by phase as the sequencer drives it, its table units modelled by the
// golden table functions (hw_nonlinear has its own test).
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "Vattention.h"
#include "int_model.h"
#include "nonlinear.h"
#include "port_bits.h"
#include "sim_control.h"
#include "synthetic.h"
#include "table_units_model.h"

namespace {

// The verilated configuration (tests/CMakeLists.txt).
constexpr int kDim = 48, kHeads = 6, kKvHeads = 2, kLayers = 2, kSeqLen = 12, kVec = 16;
constexpr int kPar = 3, kUnits = kHeads * kPar;

hw::Config config() {
    hw::Config c;
    c.dim = kDim, c.hidden_dim = 64, c.n_layers = kLayers, c.n_heads = kHeads;
    c.n_kv_heads = kKvHeads, c.vocab_size = 8, c.seq_len = kSeqLen;
    return c;
}

// The unit with its table units modelled (table_units_model.h).
class Unit {
  public:
    Unit() : t_(hw::make_tables(config())), tables_(t_, kUnits) { sim_.reset(); }
    Vattention& m() { return sim_.top(); }
    void eval() {
        tables_.drive(m());
        m().eval();
    }
    // Clock edge: the table units take this cycle's requests (answers valid next cycle); the
    // monitor's elements are recorded.
    void tick() {
        tables_.take(m());
        if (m().mon_valid_o) {
            for (unsigned k = 0; k < m().mon_count_o; k++) {
                const std::int32_t v = std::int32_t(hw::get_bits(m().mon_data_o, 32 * k, 32));
                const int stage = m().mon_stage_o;
                if (m().mon_heads_o) {
                    const int head = int(k % kHeads), p = int(m().mon_index_o + k / kHeads);
                    (stage == 5 ? scores : probs)[std::size_t(head)].push_back({p, v});
                } else {
                    kv_words.push_back(v);
                    kv_shift = std::int8_t(m().mon_shift_o);
                }
            }
        }
        sim_.tick();
    }
    const hw::Tables& tables() const { return t_; }

    // What the monitor announced: per head (position, value) of scores (stage 5) and
    // probabilities; the KV row entries and shift.
    std::vector<std::pair<int, std::int32_t>> scores[kHeads], probs[kHeads];
    std::vector<std::int32_t> kv_words;
    int kv_shift = 0;

  private:
    hw::SimControl<Vattention> sim_;
    hw::Tables t_;
    hw::test::TableUnitsModel tables_;
};

std::vector<std::int32_t> random_vector(int n, hw::SplitMix64& rng, int bits) {
    std::vector<std::int32_t> v(n);
    for (auto& x : v) x = std::int32_t(std::int64_t(rng.below(1ull << bits)) - (1ll << (bits - 1)));
    return v;
}

std::uint64_t max_abs(const std::vector<std::int32_t>& v) {
    std::uint64_t m = 0;
    for (std::int32_t x : v) m = std::max<std::uint64_t>(m, std::llabs(std::int64_t(x)));
    return m;
}

// Writes one KV row (k or v) through the unit's quantizer, VecLanes entries a cycle.
void write_row(Unit& u, const std::vector<std::int32_t>& row, bool value) {
    u.kv_words.clear();
    const int n = int(row.size());
    for (int base = 0; base < n; base += kVec) {
        u.m().kv_en_i = 1;
        u.m().kv_value_i = value;
        u.m().kv_base_i = base;
        u.m().kv_count_i = std::min(kVec, n - base);
        for (int k = 0; k < kVec; k++)
            hw::set_bits(u.m().kv_data_i, 32 * k, 32, base + k < n ? std::uint32_t(row[base + k]) : 0u);
        (value ? u.m().vmax_i : u.m().kmax_i) = max_abs(row);
        u.m().kv_store_i = base + kVec >= n;
        u.eval();
        u.tick();
    }
    u.m().kv_en_i = 0;
    u.m().kv_store_i = 0;
}

}  // namespace

TEST_CASE("attention unit: KV rows scores softmax and weighted values at every position "
          "3 positions a cycle",
          "[fast][rtl][attention]") {
    const hw::Config c = config();
    const int kv_dim = c.kv_dim();
    hw::SplitMix64 rng(41);
    Unit u;
    const hw::IntConstants k = hw::make_constants(c);
    REQUIRE(k.att_scale == 46341);  // the verilated defaults (head size 8)
    REQUIRE(k.att_scale_frac == 17);
    // The golden KV cache: rows of every layer and position, with their shifts.
    std::vector<std::int16_t> k_rows(std::size_t(kLayers) * kSeqLen * kv_dim), v_rows(k_rows.size());
    std::vector<std::int8_t> k_shift(std::size_t(kLayers) * kSeqLen), v_shift(k_shift.size());
    for (int pos = 0; pos < kSeqLen; pos++) {
        for (int l = 0; l < kLayers; l++) {
            INFO("position " << pos << " layer " << l);
            u.m().layer_i = l;
            u.m().pos_i = pos;
            // Large values now and then: shifts above 0 and scores far apart.
            const int bits = (pos + l) % 5 == 3 ? 31 : 20;
            const auto q = random_vector(kDim, rng, bits), kr = random_vector(kv_dim, rng, bits),
                       vr = random_vector(kv_dim, rng, bits);
            const std::size_t row = std::size_t(l) * kSeqLen + pos;
            // KV rows: the unit's words and shift against the golden quantizer.
            for (bool value : {false, true}) {
                const auto& src = value ? vr : kr;
                std::int16_t* dst = (value ? v_rows : k_rows).data() + row * kv_dim;
                const int sh = hw::IntModel::quantize_activations(src.data(), kv_dim, dst, 0);
                (value ? v_shift : k_shift)[row] = std::int8_t(sh);
                write_row(u, src, value);
                REQUIRE(u.kv_words.size() == std::size_t(kv_dim));
                for (int e = 0; e < kv_dim; e++) CHECK(u.kv_words[e] == dst[e]);
                CHECK(u.kv_shift == sh);
            }
            // The golden attention of this layer and position.
            std::vector<std::int32_t> want(kDim), want_scores(std::size_t(kHeads) * (pos + 1)),
                want_probs(want_scores.size());
            std::uint64_t sat = 0;
            hw::IntModel::attention(c, u.tables(), k, q.data(), k_rows.data() + std::size_t(l) * kSeqLen * kv_dim,
                                    k_shift.data() + std::size_t(l) * kSeqLen,
                                    v_rows.data() + std::size_t(l) * kSeqLen * kv_dim,
                                    v_shift.data() + std::size_t(l) * kSeqLen, pos, want.data(),
                                    want_scores.data(), want_probs.data(), &sat);
            // The unit, driven as the sequencer drives it (hw_sequencer, OpAttn).
            std::vector<std::int16_t> words(kDim);
            u.m().act_shift_i = std::uint8_t(std::int8_t(
                hw::IntModel::quantize_activations(q.data(), kDim, words.data(), -128)));
            for (int e = 0; e < kDim; e++) hw::set_bits(u.m().q_i, 32 * e, 32, std::uint32_t(q[e]));
            for (auto& h : u.scores) h.clear();
            for (auto& h : u.probs) h.clear();
            const int blocks = pos / kPar + 1;
            for (int i = 0; i < blocks + 3; i++) {  // scores: blocks, then the pipeline drains
                u.m().sc_issue_i = i < blocks;
                u.m().sc_first_i = i == 0;
                u.m().sc_block_i = i;
                u.m().sc_count_i = std::min(kPar, pos + 1 - i * kPar);
                u.eval();
                u.tick();
            }
            u.m().sc_issue_i = 0;
            u.m().rc_issue_i = 1;  // every head's 1/sum
            u.eval();
            u.tick();
            u.m().rc_issue_i = 0;
            u.eval();
            u.tick();
            for (int i = 0; i < blocks + 2; i++) {  // weighted values
                u.m().pv_issue_i = i < blocks;
                u.m().pv_block_i = i;
                u.m().pv_count_i = std::min(kPar, pos + 1 - i * kPar);
                u.eval();
                u.tick();
            }
            u.m().pv_issue_i = 0;
            std::vector<std::int32_t> got;
            for (int base = 0; base < kDim; base += kVec) {  // outputs
                u.m().out_en_i = 1;
                u.m().out_base_i = base;
                u.m().out_count_i = std::min(kVec, kDim - base);
                u.eval();
                for (int e = 0; e < std::min(kVec, kDim - base); e++)
                    got.push_back(std::int32_t(hw::get_bits(u.m().out_data_o, 32 * e, 32)));
                u.tick();
            }
            u.m().out_en_i = 0;
            CHECK(got == want);
            for (int h = 0; h < kHeads; h++) {
                INFO("head " << h);
                REQUIRE(u.scores[h].size() == std::size_t(pos + 1));
                REQUIRE(u.probs[h].size() == std::size_t(pos + 1));
                for (int p = 0; p <= pos; p++) {
                    CHECK(u.scores[h][p].first == p);
                    CHECK(u.scores[h][p].second == want_scores[std::size_t(h) * (pos + 1) + p]);
                    CHECK(u.probs[h][p].first == p);
                    CHECK(u.probs[h][p].second == want_probs[std::size_t(h) * (pos + 1) + p]);
                }
            }
        }
    }
}
