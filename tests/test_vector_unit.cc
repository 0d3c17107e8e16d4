// SPDX-License-Identifier: MIT
// hw_vector_unit against the golden model's element-wise steps (IntModel::embed, rmsnorm,
// rope, swiglu, residual): random and extreme operands in chunks of the unit's width (the
// last one partial), the embedding from weightgen's ROM words of a 3-row cluster, and the
// table units modelled by the golden table functions (hw_nonlinear has its own test).
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "Vvector_unit.h"
#include "int_model.h"
#include "nonlinear.h"
#include "port_bits.h"
#include "rom_image.h"
#include "sim_control.h"
#include "synthetic.h"
#include "table_units_model.h"

namespace {

// The verilated configuration (tests/CMakeLists.txt).
constexpr int kDim = 48, kHeads = 6, kHidden = 100, kVec = 16, kLanes = 16, kRows = 3;
constexpr int kSg = 12, kUnits = 12, kMaxGroups = 4;

// A model of this shape: its tables, constants and rmsnorm are the golden ones.
const hw::Model& model() {
    static const hw::Model m = hw::make_synthetic_model(hw::parse_synthetic_spec(
        "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=30,seq_len=8,seed=4"));
    return m;
}

// The unit with its table units modelled (table_units_model.h).
class Unit {
  public:
    Unit() : t_(hw::make_tables(model().config)), tables_(t_, kUnits) { sim_.reset(); }
    Vvector_unit& m() { return sim_.top(); }
    // Evaluates the current inputs (the table answers of last cycle's requests applied).
    void eval() {
        tables_.drive(m());
        m().eval();
    }
    // Clock edge: the table units take this cycle's requests.
    void tick() {
        tables_.take(m());
        sim_.tick();
    }
    // Lane k of the result.
    std::int32_t lane(int k) { return std::int32_t(hw::get_bits(m().data_o, 32 * k, 32)); }
    void set_a(const std::vector<std::int32_t>& v, int base) { set(m().a_i, v, base); }
    void set_b(const std::vector<std::int32_t>& v, int base) { set(m().b_i, v, base); }
    const hw::Tables& tables() const { return t_; }

  private:
    template <typename Port>
    static void set(Port& port, const std::vector<std::int32_t>& v, int base) {
        for (int k = 0; k < kVec; k++)
            hw::set_bits(port, 32 * k, 32, base + k < int(v.size()) ? std::uint32_t(v[base + k]) : 0u);
    }
    hw::SimControl<Vvector_unit> sim_;
    hw::Tables t_;
    hw::test::TableUnitsModel tables_;
};

// Random Q16 values: mostly moderate, some at the int32 limits.
std::vector<std::int32_t> random_vector(int n, hw::SplitMix64& rng, int bits) {
    std::vector<std::int32_t> v(n);
    for (auto& x : v) x = std::int32_t(std::int64_t(rng.below(1ull << bits)) - (1ll << (bits - 1)));
    return v;
}

// Runs op over n elements in chunks of `width`; returns the results and the saturations.
std::vector<std::int32_t> run_chunks(Unit& u, int op, int n, int width,
                                     const std::vector<std::int32_t>& a,
                                     const std::vector<std::int32_t>& b, std::uint64_t* sats) {
    std::vector<std::int32_t> out;
    for (int base = 0; base < n; base += width) {
        const int count = std::min(width, n - base);
        u.set_a(a, base);
        u.set_b(b, base);
        u.m().op_i = op;
        u.m().base_i = base;
        u.m().count_i = count;
        u.eval();
        for (int k = 0; k < count; k++) out.push_back(u.lane(k));
        *sats += u.m().sats_o;
        u.tick();
    }
    u.m().op_i = 0;
    return out;
}

enum { kNone, kEmbed, kRmsGain, kRope, kSwiglu, kResid };  // hw_pkg::vu_op_e

}  // namespace

TEST_CASE("vector unit: residual adds saturating", "[fast][rtl][vector_unit]") {
    hw::SplitMix64 rng(31);
    Unit u;
    for (int bits : {20, 32}) {
        const auto x = random_vector(kDim, rng, bits), y = random_vector(kDim, rng, bits);
        std::vector<std::int32_t> want = x;
        std::uint64_t want_sat = 0, got_sat = 0;
        hw::IntModel::residual(want.data(), y.data(), kDim, &want_sat);
        CHECK(run_chunks(u, kResid, kDim, kVec, x, y, &got_sat) == want);
        CHECK(got_sat == want_sat);
        if (bits == 32) CHECK(want_sat > 0);
    }
}

TEST_CASE("vector unit: RoPE of q and k at several positions", "[fast][rtl][vector_unit]") {
    hw::SplitMix64 rng(32);
    Unit u;
    const hw::Tables& t = u.tables();
    const int head_size = kDim / kHeads, kv_dim = model().config.kv_dim();
    for (int pos : {0, 1, 5, 7}) {
        const std::int32_t* row = t.rope.data() + std::size_t(pos) * t.rope_pairs * 2;
        for (int b = 0; b < t.rope_pairs; b++) {
            const std::uint32_t cos_v = std::uint32_t(row[2 * b]) & 0x1ffff;
            const std::uint32_t sin_v = std::uint32_t(row[2 * b + 1]) & 0x1ffff;
            hw::set_bits(u.m().rope_i, 34 * b, 17, cos_v);
            hw::set_bits(u.m().rope_i, 34 * b + 17, 17, sin_v);
        }
        for (int n : {kDim, kv_dim}) {
            INFO("position " << pos << " elements " << n);
            const auto v = random_vector(n, rng, pos == 7 ? 32 : 24);
            std::vector<std::int32_t> want = v;
            std::uint64_t want_sat = 0, got_sat = 0;
            hw::IntModel::rope(want.data(), n, head_size, row, &want_sat);
            CHECK(run_chunks(u, kRope, n, kVec, v, {}, &got_sat) == want);
            CHECK(got_sat == want_sat);
        }
    }
}

TEST_CASE("vector unit: SwiGLU sigmoids asked a chunk ahead", "[fast][rtl][vector_unit]") {
    hw::SplitMix64 rng(33);
    Unit u;
    for (int bits : {22, 32}) {
        const auto g = random_vector(kHidden, rng, bits), up = random_vector(kHidden, rng, bits);
        std::vector<std::int32_t> want = g;
        std::uint64_t want_sat = 0, got_sat = 0;
        hw::IntModel::swiglu(want.data(), up.data(), kHidden, u.tables(), &want_sat);
        // Chunk i's sigmoids are asked (a: the gate) while chunk i - 1 is written (b: up).
        std::vector<std::int32_t> got;
        const int chunks = (kHidden + kSg - 1) / kSg;
        for (int i = 0; i <= chunks; i++) {
            u.m().sig_req_i = i < chunks;
            u.m().sig_count_i = i < chunks ? std::min(kSg, kHidden - i * kSg) : 0;
            u.set_a(g, i * kSg);
            u.m().op_i = i > 0 ? kSwiglu : kNone;
            u.m().base_i = i > 0 ? (i - 1) * kSg : 0;
            u.m().count_i = i > 0 ? std::min(kSg, kHidden - (i - 1) * kSg) : 0;
            u.set_b(up, i > 0 ? (i - 1) * kSg : 0);
            u.eval();
            for (std::uint32_t k = 0; i > 0 && k < u.m().count_i; k++) got.push_back(u.lane(int(k)));
            got_sat += u.m().sats_o;
            u.tick();
        }
        u.m().sig_req_i = 0;
        u.m().op_i = kNone;
        CHECK(got == want);
        CHECK(got_sat == want_sat);
    }
}

TEST_CASE("vector unit: RMSNorm's gain pass after its rsqrt", "[fast][rtl][vector_unit]") {
    hw::SplitMix64 rng(34);
    Unit u;
    const hw::QModel q = hw::quantize_model(model(), hw::WeightFormat{});
    hw::IntModel golden(q, u.tables());
    REQUIRE(hw::make_constants(model().config).rms_eps == 31);  // -GRmsEps
    for (int bits : {18, 26, 32}) {
        INFO("x of " << bits << " bits");
        const auto x = random_vector(kDim, rng, bits);
        // Gains of a random range, quantized as the checkpoint's are.
        std::vector<float> gf(kDim);
        for (auto& v : gf) v = float(double(rng.below(1 << 20)) / double(1 << 20) * 3.0 - 1.0);
        const hw::QGain gain = hw::quantize_gain(gf.data(), kDim, std::sqrt(double(kDim)));
        std::vector<std::int32_t> want(kDim);
        const std::uint64_t sat0 = golden.saturations();
        golden.rmsnorm(want.data(), x.data(), gain);
        // The sum of squares the scratch gathers as x is written.
        std::int64_t ssq = 0;
        for (std::int32_t v : x) {
            const std::int64_t r = (std::int64_t(v) + 128) >> 8;
            ssq += r * r;
        }
        u.m().rsqrt_req_i = 1;
        u.m().ssq_i = std::uint64_t(ssq);
        u.eval();
        u.tick();
        u.m().rsqrt_req_i = 0;
        u.m().rsqrt_take_i = 1;
        u.m().frac_i = std::uint8_t(std::int8_t(gain.frac));
        u.eval();
        u.tick();
        u.m().rsqrt_take_i = 0;
        std::vector<std::int32_t> got;
        std::uint64_t got_sat = 0;
        for (int base = 0; base < kDim; base += kVec) {
            for (int k = 0; k < kVec; k++)
                hw::set_bits(u.m().gain_i, hw::kGainBits * k, hw::kGainBits,
                             base + k < kDim ? std::uint32_t(gain.g[base + k]) : 0u);
            const int count = std::min(kVec, kDim - base);
            u.set_a(x, base);
            u.m().op_i = kRmsGain;
            u.m().base_i = base;
            u.m().count_i = count;
            u.eval();
            for (int k = 0; k < count; k++) got.push_back(u.lane(k));
            got_sat += u.m().sats_o;
            u.tick();
        }
        u.m().op_i = kNone;
        CHECK(got == want);
        CHECK(got_sat == golden.saturations() - sat0);
    }
}

TEST_CASE("vector unit: the embedding row from a 3-row ROM word", "[fast][rtl][vector_unit]") {
    hw::SplitMix64 rng(35);
    Unit u;
    const hw::QModel q = hw::quantize_model(model(), hw::WeightFormat{});
    const hw::QMatrix& e = q.token_embedding;
    const hw::Datapath dp{kRows, kLanes, 1};
    const hw::RomImage wrom = hw::weight_rom("emb", "e", -1, e, dp, 8);
    const hw::RomImage srom = hw::scale_rom("emb_scale", "e", -1, e, dp);
    const int beats = hw::weight_beats(e.cols, kLanes), field = hw::scale_width(e.groups);
    for (int token : {0, 1, 2, 4, 29}) {
        INFO("token " << token);
        std::vector<std::int32_t> want(kDim);
        std::uint64_t want_sat = 0, got_sat = 0;
        hw::IntModel::embed(want.data(), e, token, &want_sat);
        const int group = token / kRows;
        for (int r = 0; r < kRows; r++) {
            for (int g = 0; g < kMaxGroups; g++)
                hw::set_bits(u.m().emb_scale_i, r * (kMaxGroups * 16 + 8) + 16 * g, 16,
                             g < e.groups ? std::uint32_t(srom.get(group, r * field + 16 * g, 16)) : 0u);
            hw::set_bits(u.m().emb_scale_i, r * (kMaxGroups * 16 + 8) + 16 * kMaxGroups, 8,
                         std::uint32_t(srom.get(group, r * field + 16 * e.groups, 8)));
        }
        u.m().emb_slot_i = token % kRows;
        std::vector<std::int32_t> got;
        for (int b = 0; b < beats; b++) {
            for (int bit = 0; bit < wrom.width; bit += 32)
                hw::set_bits(u.m().emb_w_i, bit, std::min(32, wrom.width - bit),
                             std::uint32_t(wrom.get(group * beats + b, bit, std::min(32, wrom.width - bit))));
            const int count = std::min(kLanes, kDim - b * kLanes);
            u.m().op_i = kEmbed;
            u.m().base_i = b * kLanes;
            u.m().count_i = count;
            u.eval();
            for (int k = 0; k < count; k++) got.push_back(u.lane(k));
            got_sat += u.m().sats_o;
            u.tick();
        }
        u.m().op_i = kNone;
        CHECK(got == want);
        CHECK(got_sat == want_sat);
    }
}
