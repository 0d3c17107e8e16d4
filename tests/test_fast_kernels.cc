// SPDX-License-Identifier: MIT
// The fast model's kernels against the specification: the integer golden model with
// FastKernels gives the same logits, the same intermediates (every tap, scores and
// probabilities among them), the same KV rows and the same saturation count as with its own
// loops, over whole decodes.
#include <catch2/catch.hpp>

#include "calibrate.h"
#include "fast_kernels.h"
#include "int_model.h"
#include "lora.h"
#include "nonlinear.h"
#include "synthetic.h"
#include "test_util.h"
#include "tokenizer.h"

namespace {

// A running FNV-1a hash of every tap: which one, and its values.
class HashSink : public hw::TapSink {
  public:
    void on_tap(const hw::TapId& id, const hw::TapData& d) override {
        mix(id.pos), mix(id.layer), mix(static_cast<int>(id.stage)), mix(id.head), mix(d.shift);
        for (int i = 0; i < d.size; i++) mix(d.data[i]);
        taps++;
    }
    std::uint64_t hash = 1469598103934665603ull;
    long long taps = 0;

  private:
    void mix(std::int64_t v) {
        hash ^= static_cast<std::uint64_t>(v);
        hash *= 1099511628211ull;
    }
};

// Decodes `steps` positions greedily from BOS with and without the fast kernels (and with
// an adapter, when given, on both) and checks everything equal, position by position;
// returns the saturation count.
std::uint64_t check_same(const hw::QModel& q, int steps, const hw::QAdapter* adapter = nullptr) {
    const hw::Tables t = hw::make_tables(q.config);
    const hw::FastKernels fast(q);
    hw::IntModel spec(q, t), quick(q, t);
    quick.set_fast_kernels(&fast);
    spec.set_adapter(adapter);
    quick.set_adapter(adapter);
    HashSink spec_taps, quick_taps;
    spec.set_tap_sink(&spec_taps);
    quick.set_tap_sink(&quick_taps);
    int token = hw::kBosToken;
    for (int pos = 0; pos < steps; pos++) {
        INFO("position " << pos);
        const std::vector<std::int32_t> want = spec.forward(token, pos);
        const std::vector<std::int32_t>& got = quick.forward(token, pos);
        REQUIRE(got == want);
        REQUIRE(quick_taps.hash == spec_taps.hash);
        token = hw::argmax_int(want);
    }
    CHECK(quick_taps.taps == spec_taps.taps);
    CHECK(quick.saturations() == spec.saturations());
    const int kv_dim = q.config.kv_dim();
    for (int l = 0; l < q.config.n_layers; l++) {
        for (int p = 0; p < steps; p++) {
            CHECK(std::equal(spec.key_row(l, p), spec.key_row(l, p) + kv_dim, quick.key_row(l, p)));
            CHECK(std::equal(spec.value_row(l, p), spec.value_row(l, p) + kv_dim, quick.value_row(l, p)));
            CHECK(spec.key_shift(l, p) == quick.key_shift(l, p));
            CHECK(spec.value_shift(l, p) == quick.value_shift(l, p));
        }
    }
    return spec.saturations();
}

}  // namespace

TEST_CASE("the fast kernels equal the specification on stories260K", "[model][golden]") {
    const std::string path = hw::test::stories260k_bin();
    if (path.empty()) return;
    const hw::Model model = hw::read_checkpoint(path);
    const hw::Calibration cal = hw::calibrate(model);
    for (const char* f : {"int8", "q3q6"}) {
        INFO(f);
        check_same(hw::quantize_model(model, hw::parse_weight_format(f), &cal), f == std::string("int8") ? 256 : 64);
    }
}

TEST_CASE("the fast kernels equal the specification on awkward shapes, saturating ones too", "[fast][golden]") {
    const struct {
        const char* spec;
        const char* format;
        bool saturates;
    } cases[] = {
        // grouped-query attention, a hidden size no group divides
        {"dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1", "int8", false},
        // rows longer than a 32-bit chunk (w2: 600 columns in one group), 4-bit weights
        {"dim=64,hidden=600,layers=1,heads=4,kv_heads=1,vocab=97,seq_len=24,seed=2", "int4/row", false},
        // mixed widths, a separate classifier
        {"dim=32,hidden=96,layers=3,heads=4,kv_heads=4,vocab=100,seq_len=32,shared=0,seed=3", "q3q6", false},
        // weights scaled up until results clamp: the saturation counts must agree too
        {"dim=32,hidden=64,layers=2,heads=2,kv_heads=1,vocab=64,seq_len=16,seed=4,gain=40", "int8", true},
        // heads of 6 (not a multiple of 8: the attention's generic loops), rows of 36 and 90
        // (a last group of 4 and of 26 beside the groups of 32)
        {"dim=36,hidden=90,layers=1,heads=6,kv_heads=3,vocab=70,seq_len=20,seed=5", "int8", false},
    };
    for (const auto& c : cases) {
        INFO(c.spec << " " << c.format);
        const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(c.spec));
        const std::uint64_t sat = check_same(hw::quantize_model(model, hw::parse_weight_format(c.format)),
                                             model.config.seq_len);
        CHECK((sat > 0) == c.saturates);
    }
    // With a LoRA adapter: its matrices go through the specification's loops, the rest fast.
    const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(cases[0].spec));
    const hw::QAdapter qa = hw::quantize_adapter(
        hw::make_synthetic_adapter(model.config, "r=4,targets=q,k,v,o,gate,up,down,seed=2"));
    check_same(hw::quantize_model(model, hw::WeightFormat{}), model.config.seq_len, &qa);
}
