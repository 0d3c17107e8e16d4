// SPDX-License-Identifier: MIT
// The fast model's kernels against the specification: the integer golden model with
// FastKernels gives the same logits, the same intermediates (every tap, scores and
// probabilities among them), the same KV rows and the same saturation count as with its own
// loops, over whole decodes (with the AVX2 paths, and with them off: the fallback to the
// specification); and each kernel gives its specification function's results on inputs chosen for
// its edges.
#include <catch2/catch.hpp>
#include <random>

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
// returns the saturation count. `vector` false: the kernels' AVX2 paths off, so the
// specification's loops run (as on a processor without AVX2).
std::uint64_t check_same(const hw::QModel& q, int steps, const hw::QAdapter* adapter = nullptr,
                         bool vector = true) {
    const hw::Tables t = hw::make_tables(q.config);
    const hw::FastKernels fast(q, vector);
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
        {"dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1", "int8",
         false},
        // rows longer than a 32-bit chunk (w2: 600 columns in one group), 4-bit weights
        {"dim=64,hidden=600,layers=1,heads=4,kv_heads=1,vocab=97,seq_len=24,seed=2", "int4/row",
         false},
        // mixed widths, a separate classifier
        {"dim=32,hidden=96,layers=3,heads=4,kv_heads=4,vocab=100,seq_len=32,shared=0,seed=3",
         "q3q6", false},
        // weights scaled up until results clamp: the saturation counts must agree too
        {"dim=32,hidden=64,layers=2,heads=2,kv_heads=1,vocab=64,seq_len=16,seed=4,gain=40", "int8",
         true},
        // heads of 6 (not a multiple of 8: the attention's generic loops), rows of 36 and 90
        // (a last group of 4 and of 26 beside the groups of 32)
        {"dim=36,hidden=90,layers=1,heads=6,kv_heads=3,vocab=70,seq_len=20,seed=5", "int8", false},
    };
    for (const auto& c : cases) {
        INFO(c.spec << " " << c.format);
        const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(c.spec));
        const hw::QModel q = hw::quantize_model(model, hw::parse_weight_format(c.format));
        const std::uint64_t sat = check_same(q, model.config.seq_len);
        CHECK((sat > 0) == c.saturates);
        check_same(q, model.config.seq_len, nullptr, false);
    }
    // With a LoRA adapter: its matrices go through the specification's loops, the rest fast.
    const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(cases[0].spec));
    const hw::QAdapter qa = hw::quantize_adapter(
        hw::make_synthetic_adapter(model.config, "r=4,targets=q,k,v,o,gate,up,down,seed=2"));
    check_same(hw::quantize_model(model, hw::WeightFormat{}), model.config.seq_len, &qa);
}

// ---- each kernel against the specification's function, on inputs chosen to reach the
// edges the fast paths reason about (the largest magnitudes, clamps, shifts out of range) ----

namespace {

// Random int32 values of every magnitude (and the extremes), the way Q16 activations spread.
std::int32_t wide_value(std::mt19937& rng) {
    switch (rng() % 16) {
        case 0:
            return INT32_MIN;
        case 1:
            return INT32_MAX;
        case 2:
            return 0;
        default: {
            const int bits = static_cast<int>(rng() % 31);
            const std::int32_t v = static_cast<std::int32_t>(rng() & ((1u << bits) - 1));
            return rng() % 2 ? v : -v;
        }
    }
}

std::int16_t word(std::mt19937& rng, bool extreme) {
    if (extreme) return rng() % 2 ? 32767 : -32767;
    return static_cast<std::int16_t>(static_cast<int>(rng() % 65535) - 32767);
}

}  // namespace

TEST_CASE("fast kernels: quantize_activations, rmsnorm and swiglu equal the specification's",
          "[fast][golden]") {
    std::mt19937 rng(11);
    const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(
        "dim=44,hidden=60,layers=1,heads=2,kv_heads=2,vocab=30,seq_len=8,seed=3"));
    const hw::QModel q = hw::quantize_model(model, hw::WeightFormat{});
    const hw::Tables t = hw::make_tables(q.config);
    const hw::IntConstants k = hw::make_constants(q.config);
    hw::IntModel spec(q, t);
    for (const bool vector :
         {true, false}) {  // the AVX2 paths, and the fallback to the specification
        INFO((vector ? "AVX2 paths" : "AVX2 off"));
        const hw::FastKernels fast(q, vector);
        for (int trial = 0; trial < 3000; trial++) {
            INFO("trial " << trial);
            const int n = 1 + static_cast<int>(rng() % 60);
            const int scale = static_cast<int>(rng() % 32);  // magnitudes up to 2^scale
            std::vector<std::int32_t> v(std::size_t(n) + 1);
            for (std::int32_t& x : v) {
                x = trial % 5 == 0
                        ? wide_value(rng)
                        : static_cast<std::int32_t>(
                              static_cast<std::int64_t>(rng() % (2ull << scale)) - (1ll << scale));
            }
            // quantize_activations: both minimum shifts the model uses
            for (const int min_shift : {INT32_MIN, 0}) {
                std::vector<std::int16_t> want(static_cast<std::size_t>(n)),
                    got(static_cast<std::size_t>(n));
                REQUIRE(fast.quantize_activations(v.data(), n, got.data(), min_shift) ==
                        hw::IntModel::quantize_activations(v.data(), n, want.data(), min_shift));
                REQUIRE(got == want);
            }
            // swiglu: gates around the sigmoid's range and beyond, every up value
            std::vector<std::int32_t> gate(v.begin(), v.begin() + n),
                up(static_cast<std::size_t>(n));
            for (std::int32_t& g : gate)
                if (rng() % 3 == 0)
                    g = static_cast<std::int32_t>(static_cast<int>(rng() % (4 << 20)) - (2 << 20));
            for (std::int32_t& u : up) u = wide_value(rng);
            std::vector<std::int32_t> want = gate, got = gate;
            std::uint64_t sat_want = 0, sat_got = 0;
            hw::IntModel::swiglu(want.data(), up.data(), n, t, &sat_want);
            fast.swiglu(got.data(), up.data(), n, t, &sat_got);
            REQUIRE(got == want);
            REQUIRE(sat_got == sat_want);
        }
        // rmsnorm: the model's width, every magnitude, gains of either sign up to 24 bits;
        // through a golden model with the kernels (a shift the fast path does not take falls
        // back to the specification's loops there), counting the fast path's runs
        const int dim = q.config.dim;
        hw::IntModel quick(q, t);
        quick.set_fast_kernels(&fast);
        int fast_runs = 0;
        for (int trial = 0; trial < 2000; trial++) {
            INFO("trial " << trial);
            std::vector<std::int32_t> x(static_cast<std::size_t>(dim));
            const int scale = static_cast<int>(rng() % 31);
            for (std::int32_t& e : x)
                e = trial % 4 == 0
                        ? wide_value(rng)
                        : static_cast<std::int32_t>(
                              static_cast<std::int64_t>(rng() % (2ull << scale)) - (1ll << scale));
            hw::QGain gain;
            gain.frac = static_cast<int>(rng() % 30);
            for (int i = 0; i < dim; i++)
                gain.g.push_back(
                    static_cast<std::int32_t>(static_cast<int>(rng() % (1 << 24)) - (1 << 23)));
            std::vector<std::int32_t> want(static_cast<std::size_t>(dim)),
                got(static_cast<std::size_t>(dim));
            const std::uint64_t before = spec.saturations();
            spec.rmsnorm(want.data(), x.data(), gain);
            const std::uint64_t quick_before = quick.saturations();
            quick.rmsnorm(got.data(), x.data(), gain);
            REQUIRE(got == want);
            REQUIRE(quick.saturations() - quick_before == spec.saturations() - before);
            std::vector<std::int32_t> direct(static_cast<std::size_t>(dim));
            std::uint64_t sat_direct = 0;
            if (fast.rmsnorm(direct.data(), x.data(), dim, gain, t, k.rms_eps, &sat_direct)) {
                fast_runs++;
                REQUIRE(direct == want);
                REQUIRE(sat_direct == spec.saturations() - before);
            }
        }
        // the AVX2 path takes most shifts (1..62); with AVX2 off it never runs
        if (vector && __builtin_cpu_supports("avx2"))
            CHECK(fast_runs > 1000);
        else
            CHECK(fast_runs == 0);
    }
}

TEST_CASE(
    "fast kernels: attention equals the specification's at every head size, clamps and extremes "
    "included",
    "[fast][golden]") {
    std::mt19937 rng(5);
    // heads of 8 (stories260K's), 16, 64 and 6 (the generic loops); grouped and not
    for (const char* spec :
         {"dim=64,hidden=64,layers=1,heads=8,kv_heads=4,vocab=20,seq_len=150,seed=1",
          "dim=32,hidden=64,layers=1,heads=2,kv_heads=2,vocab=20,seq_len=70,seed=1",
          "dim=64,hidden=64,layers=1,heads=1,kv_heads=1,vocab=20,seq_len=40,seed=1",
          "dim=24,hidden=64,layers=1,heads=4,kv_heads=2,vocab=20,seq_len=40,seed=1"}) {
        INFO(spec);
        const hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(spec));
        const hw::QModel q = hw::quantize_model(model, hw::WeightFormat{});
        const hw::Config& c = q.config;
        const hw::Tables t = hw::make_tables(c);
        const hw::IntConstants k = hw::make_constants(c);
        const hw::FastKernels fast(q), no_avx2(q, false);
        const int kv = c.kv_dim();
        std::vector<std::int16_t> k_rows(static_cast<std::size_t>(c.seq_len) * kv),
            v_rows(k_rows.size());
        std::vector<std::int8_t> k_shift(static_cast<std::size_t>(c.seq_len)),
            v_shift(static_cast<std::size_t>(c.seq_len));
        for (int trial = 0; trial < 60; trial++) {
            INFO("trial " << trial);
            const int pos = static_cast<int>(rng() % static_cast<unsigned>(c.seq_len));
            const bool extreme = trial % 6 == 0;  // every key and value at full scale
            const int shifts =
                trial % 3 == 0 ? 31
                               : 17;  // shifts up to 30 clamp scores, push values off the fast path
            std::vector<std::int32_t> qv(static_cast<std::size_t>(c.dim));
            for (std::int32_t& x : qv)
                x = extreme ? (rng() % 2 ? INT32_MAX : -INT32_MAX) : wide_value(rng);
            for (std::int16_t& w : k_rows) w = word(rng, extreme || rng() % 50 == 0);
            for (std::int16_t& w : v_rows) w = word(rng, extreme);
            for (std::int8_t& s : k_shift)
                s = static_cast<std::int8_t>(rng() % static_cast<unsigned>(shifts));
            for (std::int8_t& s : v_shift)
                s = static_cast<std::int8_t>(rng() % static_cast<unsigned>(shifts));
            const std::size_t nn = std::size_t(c.n_heads) * (pos + 1);
            std::vector<std::int32_t> out_want(static_cast<std::size_t>(c.dim)),
                out_got(out_want.size()), out_bare(out_want.size());
            std::vector<std::int32_t> sc_want(nn), sc_got(nn), pr_want(nn), pr_got(nn);
            std::uint64_t sat_want = 0, sat_got = 0, sat_bare = 0;
            hw::IntModel::attention(c, t, k, qv.data(), k_rows.data(), k_shift.data(),
                                    v_rows.data(), v_shift.data(), pos, out_want.data(),
                                    sc_want.data(), pr_want.data(), &sat_want);
            fast.attention(c, t, k, qv.data(), k_rows.data(), k_shift.data(), v_rows.data(),
                           v_shift.data(), pos, out_got.data(), sc_got.data(), pr_got.data(),
                           &sat_got);
            fast.attention(c, t, k, qv.data(), k_rows.data(), k_shift.data(), v_rows.data(),
                           v_shift.data(), pos, out_bare.data(), nullptr, nullptr, &sat_bare);
            std::vector<std::int32_t> out_off(out_want.size()), sc_off(nn), pr_off(nn);
            std::uint64_t sat_off = 0;
            no_avx2.attention(c, t, k, qv.data(), k_rows.data(), k_shift.data(), v_rows.data(),
                              v_shift.data(), pos, out_off.data(), sc_off.data(), pr_off.data(),
                              &sat_off);
            REQUIRE(out_off == out_want);
            REQUIRE(sc_off == sc_want);
            REQUIRE(pr_off == pr_want);
            REQUIRE(sat_off == sat_want);
            REQUIRE(sc_got == sc_want);
            REQUIRE(pr_got == pr_want);
            REQUIRE(out_got == out_want);
            REQUIRE(out_bare == out_want);
            REQUIRE(sat_got == sat_want);
            REQUIRE(sat_bare == sat_want);
        }
    }
}
