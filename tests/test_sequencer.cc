// SPDX-License-Identifier: MIT
// hw_sequencer alone, its datapaths modelled by their latencies (a MAC result the cycle after
// a row's last beat, a table result the cycle after its request): at every position of the
// context, each step of the program takes the cycles of the cycle model (golden/cycle_model.h),
// the MAC cluster gets the model's beats, every element of every vector a step produces is
// written exactly once, the KV rows are stored once each, and the attention passes issue
// every context position once, in blocks of AttnPar.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "Vseq_a.h"
#include "Vseq_b.h"
#include "cycle_model.h"
#include "sim_control.h"

namespace {

// The configurations verilated in tests/CMakeLists.txt (-G parameters).
struct SeqConfig {
    hw::Config c;
    hw::Datapath d;
};
SeqConfig config_a() {  // partial row groups, beats, chunks and blocks everywhere
    hw::Config c;
    c.dim = 48, c.hidden_dim = 100, c.n_layers = 2, c.n_heads = 6, c.n_kv_heads = 2;
    c.vocab_size = 300, c.seq_len = 32;
    return {c, hw::Datapath{3, 32, 2}};
}
SeqConfig config_b() {  // stories260K's shape at the benchmark datapath, one layer
    hw::Config c;
    c.dim = 64, c.hidden_dim = 172, c.n_layers = 1, c.n_heads = 8, c.n_kv_heads = 4;
    c.vocab_size = 512, c.seq_len = 24;
    return {c, hw::Datapath{1, 64, 1}};
}

// hw_pkg::vec_e, and the length of each vector.
enum Vec { kX, kXb, kXb2, kQ, kK, kV, kHb, kHb2, kLogits };
int vec_len(const hw::Config& c, int v) {
    switch (v) {
        case kK: case kV: return c.kv_dim();
        case kHb: case kHb2: return c.hidden_dim;
        case kLogits: return c.vocab_size;
        default: return c.dim;
    }
}

// Runs the token at every position and checks it.
template <typename Seq>
void check_schedule(const SeqConfig& cfg) {
    const hw::Config& c = cfg.c;
    hw::SimControl<Seq> sim;
    Seq& m = sim.top();
    sim.reset();
    m.out_ready_i = 1;
    m.amax_i = 0;
    bool mac_res = false, table_res = false;  // the datapaths' answers, next cycle
    for (int pos = 0; pos < c.seq_len; pos++) {
        INFO("position " << pos << " " << cfg.d.name());
        const hw::TokenCycles want = hw::token_cycles(c, hw::WeightFormat{}, cfg.d, pos);
        // Offer the token; it is taken while the core is idle.
        m.tok_valid_i = 1;
        m.tok_token_i = static_cast<std::uint32_t>((pos * 37) % c.vocab_size);
        m.tok_pos_i = static_cast<std::uint32_t>(pos);
        std::map<std::pair<int, int>, long long> cycles;         // (layer, step) -> cycles; embed (-1, 0)
        std::map<std::pair<int, int>, std::map<int, std::vector<int>>> writes;  // -> vec -> count per element
        long long beats = 0, kv_stores = 0;
        std::vector<int> scored(pos + 1, 0), weighted(pos + 1, 0);
        long long total = 0;
        bool started = false;
        for (int t = 0; t < 1000000; t++) {
            m.mac_res_valid_i = mac_res;
            m.rsqrt_valid_i = table_res;
            m.eval();
            if (m.tok_valid_i && m.tok_ready_o) started = true;
            if (m.out_valid_o) break;  // the harness times a token from its handshake to here
            if (started) total++;
            const int op = m.op_o;
            if (op != 0) {
                const std::pair<int, int> key =
                    op == 1 ? std::make_pair(-1, 0) : std::make_pair(int(m.layer_o), int(m.step_o));
                cycles[key]++;
                if (m.wr_en_o) {
                    auto& per = writes[key][m.wr_vec_o];
                    // RoPE writes q to xb and k (kv_dim elements) to xb2.
                    const bool rope_k = key.second == 5 && m.wr_vec_o == kXb2 && key.first < c.n_layers;
                    per.resize(rope_k ? c.kv_dim() : vec_len(c, m.wr_vec_o), 0);
                    for (std::uint32_t k = 0; k < m.wr_count_o; k++) {
                        REQUIRE(m.wr_base_o + k < per.size());
                        per[m.wr_base_o + k]++;
                    }
                }
                if (m.mac_valid_o) beats++;
                if (m.kv_store_o) kv_stores++;
                if (m.sc_issue_o) {
                    REQUIRE(m.sc_count_o >= 1);
                    REQUIRE(m.sc_count_o <= std::uint32_t(cfg.d.attn_par));
                    for (std::uint32_t p = 0; p < m.sc_count_o; p++) scored.at(m.sc_block_o * cfg.d.attn_par + p)++;
                }
                if (m.pv_issue_o) {
                    for (std::uint32_t p = 0; p < m.pv_count_o; p++) weighted.at(m.pv_block_o * cfg.d.attn_par + p)++;
                }
            }
            mac_res = m.mac_valid_o && m.mac_last_o;
            table_res = m.rsqrt_req_o;
            sim.tick();
            if (m.tok_valid_i && started) m.tok_valid_i = 0;
        }
        // The result is taken: the core goes idle.
        sim.tick();
        // Cycles: the whole token and every step.
        CHECK(total == want.total);
        CHECK(beats == want.mac_beats);
        for (const hw::StepCycles& s : want.steps) {
            INFO("step " << s.name << " layer " << s.layer);
            CHECK(cycles[{s.layer, s.step}] == s.cycles);
        }
        CHECK(kv_stores == 2LL * c.n_layers);
        for (int p = 0; p <= pos; p++) {
            CHECK(scored[p] == c.n_layers);
            CHECK(weighted[p] == c.n_layers);
        }
        // Every element written exactly once by each step that writes.
        for (const auto& [key, per_vec] : writes) {
            for (const auto& [vec, counts] : per_vec) {
                INFO("layer " << key.first << " step " << key.second << " vector " << vec);
                for (std::size_t e = 0; e < counts.size(); e++) {
                    INFO("element " << e);
                    CHECK(counts[e] == 1);
                }
            }
        }
    }
}

}  // namespace

TEST_CASE("sequencer: every step takes the cycle model's cycles and writes each element once "
          "(rows 3 lanes 32 attn-par 2)",
          "[fast][rtl][sequencer]") {
    check_schedule<Vseq_a>(config_a());
}

TEST_CASE("sequencer: the same at stories260K's shape (rows 1 lanes 64 attn-par 1)",
          "[fast][rtl][sequencer]") {
    check_schedule<Vseq_b>(config_b());
}
