// SPDX-License-Identifier: MIT
// The cycle model's figures that the project's targets rest on (BRIEF.md), pinned: a change
// of the schedule that makes stories260K slower, or any figure drift, fails here as well as
// in every chip simulation (which times each step against the model). And the model's own
// arithmetic: classes sum to the total, the MAC bound, the datapath's checks.
#include <catch2/catch.hpp>

#include "cycle_model.h"
#include "error.h"

namespace {

hw::Config shape(int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int seq_len) {
    hw::Config c;
    c.dim = dim, c.hidden_dim = hidden, c.n_layers = layers, c.n_heads = heads;
    c.n_kv_heads = kv_heads, c.vocab_size = vocab, c.seq_len = seq_len;
    return c;
}
const hw::Config kStories260K = shape(64, 172, 5, 8, 4, 512, 512);
const hw::Config kStories15MShape = shape(288, 768, 6, 6, 6, 32000, 256);

}  // namespace

TEST_CASE("cycle guard: stories260K at (1 64 1) takes 5774 cycles a token over 0-255",
          "[fast][cycles]") {
    const hw::ContextCycles m = hw::context_cycles(kStories260K, hw::WeightFormat{}, {1, 64, 1}, 256);
    // The figure measured on the RTL (scripts/bench-chip) and the ceiling of 5,872.
    CHECK(m.total == Approx(5774.0).epsilon(0));
    CHECK(m.total <= 5872.0);
    // BRIEF.md's MAC bound for stories260K at 64 lanes.
    CHECK(m.bound == Approx(5337.0).margin(0.5));
    CHECK(hw::token_cycles(kStories260K, hw::WeightFormat{}, {1, 64, 1}, 0).total == 4499);
    CHECK(hw::token_cycles(kStories260K, hw::WeightFormat{}, {1, 64, 1}, 1).total == 4509);
}

TEST_CASE("cycle model: the sampler's step adds its passes to a sampled token, nothing to a greedy one",
          "[fast][cycles]") {
    const hw::Datapath d{1, 64, 1};
    const hw::TokenCycles greedy = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, 5);
    // Measured on the RTL (hardwire run --steps 64 on stories260K: 4,821 cycles a position
    // greedy, 5,853 at a temperature, 5,465 with top-k 40 and top-p 0.9; the chip tests check
    // every token's steps against this model).
    const hw::SamplerPasses all{true, false, 512}, top40{true, true, 40};
    CHECK(hw::sampler_cycles(512, {}) == 0);
    CHECK(hw::sampler_cycles(512, all) == 1032);
    CHECK(hw::sampler_cycles(512, top40) == 644);
    for (const hw::SamplerPasses& s : {all, top40}) {
        const hw::TokenCycles t = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, 5, s);
        CHECK(t.total == greedy.total + hw::sampler_cycles(512, s));
        CHECK(t.vector == greedy.vector + hw::sampler_cycles(512, s));
        CHECK(t.steps.size() == greedy.steps.size() + 1);
        CHECK(t.steps[t.steps.size() - 2].name == "sample");
    }
}

TEST_CASE("cycle model: an adapted matrix's step adds its low-rank passes, at the chip's rank",
          "[fast][cycles]") {
    // stories260K at (1 64 1) with 2 slots of rank 8: A takes 8 row groups of the input's
    // beats, s B a beat per output row; each pass its pipeline's 2 cycles, and 1 for the
    // exponent (measured on the RTL: 8,159 cycles a token at positions 0..23 against 4,663
    // without the adapter, test_link's LoRA test checks every step).
    hw::Datapath d;
    d.lora_slots = 2;
    const hw::AdapterLayout l(kStories260K, d);
    CHECK(l.a_beats(0) == 8);    // wq: 8 rows of 64 inputs
    CHECK(l.a_beats(6) == 24);   // w2: 8 rows of 172 inputs, 3 beats each
    CHECK(l.s_beats(4) == 172);  // w1: 172 outputs
    CHECK(hw::lora_cycles(l, 0) == 8 + 2 + 1 + 64 + 2);
    CHECK(l.slot_words() == 3360LL * 32);  // 672 beats a layer, 616 bits in 32 words each
    const hw::TokenCycles base = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, 7);
    const hw::TokenCycles all = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, 7, {}, 0x7f);
    long long extra = 0;
    for (int m = 0; m < hw::kLoraTargetCount; m++) extra += hw::lora_cycles(l, m);
    CHECK(all.total == base.total + kStories260K.n_layers * extra);
    CHECK(all.matvec == base.matvec + kStories260K.n_layers * extra);
    CHECK(all.steps.size() == base.steps.size());
    // One target: only its steps grow.
    const hw::TokenCycles q = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, 7, {}, 0x1);
    CHECK(q.total == base.total + kStories260K.n_layers * hw::lora_cycles(l, 0));
    // A chip without slots has no layout.
    hw::Datapath none;
    none.lora_slots = 0;
    CHECK_THROWS_WITH(hw::AdapterLayout(kStories260K, none), Catch::Contains("adapter slots"));
}

TEST_CASE("cycle guard: stories15M's shape at 1024 MACs a cycle is within 1.25x of its bound",
          "[fast][cycles]") {
    const hw::ContextCycles m =
        hw::context_cycles(kStories15MShape, hw::WeightFormat{}, {32, 32, 8}, 256);
    CHECK(m.total == Approx(15892.0).epsilon(0));  // measured on the RTL (docs/architecture.md)
    CHECK(m.total / m.bound <= 1.25);
}

TEST_CASE("cycle model: the classes and the steps add up to the token", "[fast][cycles]") {
    for (const hw::Datapath d : {hw::Datapath{1, 64, 1}, hw::Datapath{3, 32, 2}, hw::Datapath{16, 8, 5}}) {
        for (int pos : {0, 1, 7, 100, 511}) {
            INFO(d.name() << " position " << pos);
            const hw::TokenCycles t = hw::token_cycles(kStories260K, hw::WeightFormat{}, d, pos);
            long long steps = 0, beats = 0;
            for (const hw::StepCycles& s : t.steps) {
                CHECK(s.cycles >= 1);
                steps += s.cycles;
                beats += s.beats;
            }
            CHECK(t.total == steps + hw::kTokenOverhead);
            CHECK(t.matvec + t.attention + t.vector == steps);
            CHECK(t.mac_beats == beats);
            // 1 + 20 steps a layer + 4 final steps
            CHECK(t.steps.size() == std::size_t(1 + 20 * kStories260K.n_layers + 4));
            // A MAC beat is never spent outside the matrix products, which take 2 more
            // cycles each than their beats (ROM read and MAC latency).
            CHECK(t.matvec == t.mac_beats + 2 * (7 * kStories260K.n_layers + 1));
        }
    }
}

TEST_CASE("cycle model: attention takes 2 blocks of AttnPar positions more per block", "[fast][cycles]") {
    const hw::Datapath d{1, 64, 4};
    auto attention = [&](int pos) {
        return hw::token_cycles(kStories260K, hw::WeightFormat{}, d, pos).attention / kStories260K.n_layers;
    };
    CHECK(attention(0) == attention(3));      // one block
    CHECK(attention(4) == attention(3) + 2);  // a second block: one more cycle in each pass
}

TEST_CASE("cycle model: out-of-range datapaths and positions name what is wrong", "[fast][cycles]") {
    CHECK_THROWS_WITH(hw::check_datapath({0, 64, 1}), Catch::Contains("--rows"));
    CHECK_THROWS_WITH(hw::check_datapath({1, 48, 1}), Catch::Contains("--lanes") && Catch::Contains("power of two"));
    CHECK_THROWS_WITH(hw::check_datapath({1, 8192, 1}), Catch::Contains("--lanes"));
    CHECK_THROWS_WITH(hw::check_datapath({1, 64, 65}), Catch::Contains("--attn-par"));
    CHECK_THROWS_WITH(hw::token_cycles(kStories260K, hw::WeightFormat{}, {1, 64, 1}, 512),
                      Catch::Contains("position") && Catch::Contains("0..511"));
}
