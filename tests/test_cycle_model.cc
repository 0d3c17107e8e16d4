// SPDX-License-Identifier: MIT
// The cycle model's figures that the project's targets rest on (BRIEF.md), pinned: a change
// of the schedule that makes stories260K slower, or any figure drift, fails here as well as
// in every chip simulation (which times each step against the model). And the model's own
// arithmetic: classes sum to the total, the MAC bound, the datapath's checks.
#include <catch2/catch.hpp>

#include "chip_data.h"
#include "cycle_model.h"
#include "error.h"
#include "lora.h"
#include "synthetic.h"

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

TEST_CASE(
    "adapter layout: a slot's image reads back as the adapter it holds (the TLM model's SRAM)",
    "[fast][cycles]") {
    // A grouped-query shape (k and v have kv_dim outputs) on rows of 3 and beats of 32, an
    // adapter of rank 4 below the chip's 8 on four matrices.
    const hw::Model m = hw::make_synthetic_model(hw::parse_synthetic_spec(
        "dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1"));
    const hw::Config& c = m.config;
    hw::Datapath d{3, 32, 2};
    d.lora_slots = 2;
    d.lora_rank = 8;
    const hw::AdapterLayout l(c, d);
    const hw::QAdapter q =
        hw::quantize_adapter(hw::make_synthetic_adapter(c, "r=4,targets=k,o,up,down,seed=2"));
    const hw::AdapterImage img = hw::adapter_image(q, l);
    const hw::QAdapter back = hw::adapter_from_image(img.words, img.targets, l, "slot 0");
    CHECK(back.rank == 8);
    for (int layer = 0; layer < c.n_layers; layer++) {
        for (const char* name : hw::kLoraTargets) {
            const hw::QLowRank* want = q.find(layer, name);
            const hw::QLowRank* got = back.find(layer, name);
            INFO("layer " << layer << " " << name);
            REQUIRE((want == nullptr) == (got == nullptr));
            if (!want) continue;
            // A: the adapter's 4 rows, then zero rows; s B: its 4 columns, then zeros.
            for (int i = 0; i < got->a.rows; i++)
                for (int j = 0; j < got->a.cols; j++)
                    CHECK(
                        int(got->a.w[std::size_t(i * got->a.cols + j)]) ==
                        (i < want->a.rows ? int(want->a.w[std::size_t(i * want->a.cols + j)]) : 0));
            CHECK(std::vector<std::uint16_t>(got->a.mantissa.begin(),
                                             got->a.mantissa.begin() + want->a.mantissa.size()) ==
                  want->a.mantissa);
            CHECK(std::vector<std::uint8_t>(got->a.shift.begin(),
                                            got->a.shift.begin() + want->a.rows) == want->a.shift);
            for (int i = 0; i < got->sb.rows; i++)
                for (int j = 0; j < got->sb.cols; j++)
                    CHECK(int(got->sb.w[std::size_t(i * got->sb.cols + j)]) ==
                          (j < want->sb.cols ? int(want->sb.w[std::size_t(i * want->sb.cols + j)])
                                             : 0));
            CHECK(got->sb.mantissa == want->sb.mantissa);
            CHECK(got->sb.shift == want->sb.shift);
        }
    }
    // The golden model serves the same logits from either, and other logits without it.
    const hw::ChipData data = hw::make_chip_data(m, hw::WeightFormat{});
    hw::IntModel a(data.q, data.tables), b(data.q, data.tables), none(data.q, data.tables);
    a.set_adapter(&q);
    b.set_adapter(&back);
    bool changed = false;
    for (int pos = 0, tok = 1; pos < 8; pos++) {
        const std::vector<std::int32_t> la = a.forward(tok, pos);
        CHECK(b.forward(tok, pos) == la);
        changed |= none.forward(tok, pos) != la;
        tok = hw::argmax_int(la);
    }
    CHECK(changed);
    CHECK_THROWS_WITH(hw::adapter_from_image(std::vector<std::uint32_t>(5), 1, l, "slot 1"),
                      Catch::Contains("slot 1") && Catch::Contains("words"));
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
