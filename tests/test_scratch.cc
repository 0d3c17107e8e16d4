// SPDX-License-Identifier: MIT
// hw_scratch: every vector written through the write port as the schedule writes it (the
// vector unit's chunks for x, xb, xb2 and hb; the MAC cluster's row groups for the rest and
// the logits), shown as stored the cycle after (the write monitor's read-back), and read
// back through both chunk ports, the MAC input port and q whole; the
// statistics gathered on writes (RMSNorm's sum of squares, the largest magnitudes) against
// their definitions (golden/int_model.cc), cleared when told; the logits SRAM read a cycle
// after its address.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "Vscratch.h"
#include "fixed.h"
#include "port_bits.h"
#include "sim_control.h"
#include "synthetic.h"

namespace {

// The verilated configuration (tests/CMakeLists.txt).
constexpr int kDim = 48, kHidden = 100, kKv = 16, kVocab = 31, kVec = 16, kLanes = 16, kRows = 3;
enum Vec { kX, kXb, kXb2, kQ, kK, kV, kHb, kHb2, kLogits };  // hw_pkg::vec_e
enum Src { kVector, kAttention, kMac };                      // hw_pkg::wb_src_e

int length(int v) {
    return v == kK || v == kV ? kKv : v == kHb || v == kHb2 ? kHidden : v == kLogits ? kVocab : kDim;
}

// Writes `data` into vector v: VecLanes a cycle from the vector unit for x, xb, xb2 and hb;
// Rows a cycle from the MAC cluster otherwise. `flag` sets st_amax_i, st_kmax_i or st_vmax_i.
void write(hw::SimControl<Vscratch>& sim, int v, const std::vector<std::int32_t>& data,
           bool from_mac, int flag = -1) {
    Vscratch& m = sim.top();
    const int width = from_mac ? kRows : kVec, n = int(data.size());
    for (int base = 0; base < n; base += width) {
        m.wr_en_i = 1;
        m.wr_vec_i = v;
        m.wr_src_i = from_mac ? kMac : kVector;
        m.wr_base_i = base;
        m.wr_count_i = std::min(width, n - base);
        for (int k = 0; k < width; k++) {
            const std::uint32_t d = base + k < n ? std::uint32_t(data[base + k]) : 0xdeadbeefu;
            if (from_mac) hw::set_bits(m.mac_data_i, 32 * k, 32, d);
            else hw::set_bits(m.vu_data_i, 32 * k, 32, d);
        }
        m.st_amax_i = flag == 0;
        m.st_kmax_i = flag == 1;
        m.st_vmax_i = flag == 2;
        m.eval();
        sim.tick();
        // The cycle after, the write monitor's port shows what storage holds.
        m.wr_en_i = 0;
        m.eval();
        for (int k = 0; k < std::min(width, n - base); k++)
            CHECK(hw::get_bits(m.st_data_o, 32 * k, 32) == std::uint32_t(data[base + k]));
    }
    m.wr_en_i = 0;
    m.st_amax_i = m.st_kmax_i = m.st_vmax_i = 0;
}

std::vector<std::int32_t> random_vector(int n, hw::SplitMix64& rng) {
    std::vector<std::int32_t> v(n);
    for (auto& x : v) x = std::int32_t(std::uint32_t(rng.next()));
    v[0] = INT32_MIN;
    return v;
}

std::uint64_t max_abs(const std::vector<std::int32_t>& v) {
    std::uint64_t m = 0;
    for (std::int32_t x : v) m = std::max<std::uint64_t>(m, std::llabs(std::int64_t(x)));
    return m;
}

}  // namespace

TEST_CASE("scratch: writes chunk reads MAC reads q statistics and logits",
          "[fast][rtl][scratch]") {
    hw::SplitMix64 rng(51);
    hw::SimControl<Vscratch> sim;
    Vscratch& m = sim.top();
    sim.reset();
    std::vector<std::vector<std::int32_t>> want(kLogits + 1);
    for (int v = kX; v <= kLogits; v++) {
        want[v] = random_vector(length(v), rng);
        const bool from_mac = v == kQ || v == kK || v == kV || v == kHb2 || v == kLogits;
        write(sim, v, want[v], from_mac, v == kXb ? 0 : v == kXb2 ? 1 : v == kV ? 2 : -1);
    }
    // Statistics: the sum of squares of x (round(x / 2^8)^2), the largest magnitudes.
    std::int64_t ssq = 0;
    for (std::int32_t x : want[kX]) {
        const std::int64_t r = hw::fx::round_shift(x, 8);
        ssq += r * r;
    }
    m.eval();
    CHECK(std::int64_t(m.ssq_o) == ssq);
    CHECK(m.amax_o == max_abs(want[kXb]));
    CHECK(m.kmax_o == max_abs(want[kXb2]));
    CHECK(m.vmax_o == max_abs(want[kV]));
    // Both chunk ports, at every base (unaligned too) of every vector; 0 past the end.
    for (int v = kX; v <= kHb2; v++) {
        for (int base = 0; base < length(v); base += 5) {
            INFO("vector " << v << " base " << base);
            m.rda_en_i = 1;
            m.rda_vec_i = v;
            m.rda_base_i = base;
            m.rdb_en_i = 1;
            m.rdb_vec_i = v;
            m.rdb_base_i = base;
            m.eval();
            for (int k = 0; k < kVec; k++) {
                const std::uint32_t e = base + k < length(v) ? std::uint32_t(want[v][base + k]) : 0u;
                CHECK(hw::get_bits(m.rda_data_o, 32 * k, 32) == e);
                CHECK(hw::get_bits(m.rdb_data_o, 32 * k, 32) == e);
            }
        }
    }
    m.rda_en_i = m.rdb_en_i = 0;
    m.eval();
    for (int k = 0; k < kVec; k++) CHECK(hw::get_bits(m.rda_data_o, 32 * k, 32) == 0u);
    // The MAC input: beats of xb and hb; 0 while not enabled.
    for (int hb : {0, 1}) {
        const int v = hb ? kHb : kXb;
        for (int base = 0; base < length(v); base += kLanes) {
            m.mac_en_i = 1;
            m.mac_hb_i = hb;
            m.mac_base_i = base;
            m.eval();
            for (int k = 0; k < kLanes; k++) {
                const std::uint32_t e = base + k < length(v) ? std::uint32_t(want[v][base + k]) : 0u;
                CHECK(hw::get_bits(m.mac_data_o, 32 * k, 32) == e);
            }
        }
    }
    m.mac_en_i = 0;
    m.eval();
    CHECK(hw::get_bits(m.mac_data_o, 0, 32) == 0u);
    // q whole (xb).
    for (int e = 0; e < kDim; e++) CHECK(hw::get_bits(m.q_o, 32 * e, 32) == std::uint32_t(want[kXb][e]));
    // The logits, read while idle: data the cycle after the address.
    m.logit_rd_i = 1;
    for (int a = 0; a <= kVocab; a++) {
        m.logit_addr_i = a < kVocab ? a : 0;
        m.eval();
        sim.tick();
        m.eval();
        CHECK(std::int32_t(m.logit_data_o) == want[kLogits][a < kVocab ? a : 0]);
    }
    m.logit_rd_i = 0;
    // Clears.
    m.ssq_clear_i = m.amax_clear_i = m.kvmax_clear_i = 1;
    m.eval();
    sim.tick();
    m.ssq_clear_i = m.amax_clear_i = m.kvmax_clear_i = 0;
    m.eval();
    CHECK(m.ssq_o == 0);
    CHECK(m.amax_o == 0);
    CHECK(m.kmax_o == 0);
    CHECK(m.vmax_o == 0);
    // The attention unit's source reaches the port too.
    m.wr_en_i = 1;
    m.wr_vec_i = kXb;
    m.wr_src_i = kAttention;
    m.wr_base_i = 0;
    m.wr_count_i = kVec;
    for (int k = 0; k < kVec; k++) hw::set_bits(m.at_data_i, 32 * k, 32, std::uint32_t(1000 + k));
    m.eval();
    sim.tick();
    m.wr_en_i = 0;
    m.eval();
    for (int e = 0; e < kVec; e++) CHECK(hw::get_bits(m.q_o, 32 * e, 32) == std::uint32_t(1000 + e));
}
