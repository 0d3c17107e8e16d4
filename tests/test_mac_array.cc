// SPDX-License-Identifier: MIT
// hw_mac_array against the golden matvec (IntModel::matvec): random and edge operands,
// Lanes 16 and 64, groups of 32 and one scale per row, idle cycles and backpressure.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <memory>

#include "Vmac16.h"
#include "Vmac16row.h"
#include "Vmac64.h"
#include "int_model.h"
#include "port_bits.h"
#include "sim_control.h"
#include "synthetic.h"
#include "test_util.h"

namespace {

// Drives one Verilated MAC array through every row of `w` with activations `a` (shift
// `a_shift`), with idle beats and result backpressure drawn from `rng` at `stall` percent,
// and returns the results in order.
template <typename Mac>
std::vector<std::int32_t> run_rows(int lanes, int max_groups, const hw::QMatrix& w,
                                   const std::vector<std::int16_t>& a, int a_shift, int stall,
                                   hw::SplitMix64& rng, int* saturations) {
    hw::SimControl<Mac> sim;
    Mac* m = &sim.top();
    sim.reset();
    const int beats = (w.cols + lanes - 1) / lanes;
    std::vector<std::int32_t> out;
    *saturations = 0;
    int row = 0, beat = 0;
    for (long cycle = 0; out.size() < std::size_t(w.rows); cycle++) {
        REQUIRE(cycle < 100000);
        // Inputs change between edges only (Verilator examples' rule): the clock is low here.
        const bool idle = int(rng.below(100)) < stall;
        m->beat_valid_i = row < w.rows && !idle;
        m->res_ready_i = int(rng.below(100)) >= stall;
        if (row < w.rows) {
            for (int k = 0; k < lanes; k++) {
                const int j = beat * lanes + k;
                // Past the row's end: zero weights, garbage activations (must not matter).
                const std::uint32_t wv =
                    j < w.cols ? std::uint8_t(w.w[std::size_t(row) * w.cols + j]) : 0;
                const std::uint32_t av =
                    j < w.cols ? std::uint16_t(a[j]) : std::uint16_t(rng.next());
                hw::set_bits(m->beat_w_i, 8 * k, 8, wv);
                hw::set_bits(m->beat_a_i, 16 * k, 16, av);
            }
            for (int g = 0; g < max_groups; g++) {
                const std::uint32_t mv =
                    g < w.groups ? w.mantissa[std::size_t(row) * w.groups + g] : 0;
                hw::set_bits(m->row_mant_i, 16 * g, 16, mv);
            }
            m->row_exp_i = w.shift[row];
            m->act_shift_i = static_cast<std::uint8_t>(std::int8_t(a_shift));
            m->beat_last_i = beat == beats - 1;
        }
        m->eval();
        const bool took_beat = m->beat_valid_i && m->beat_ready_o;
        if (m->res_valid_o && m->res_ready_i) {
            out.push_back(static_cast<std::int32_t>(m->res_data_o));
            *saturations += m->res_sat_o;
        }
        sim.tick();
        if (took_beat && ++beat == beats) {
            beat = 0;
            row++;
        }
    }
    return out;
}

template <typename Mac>
void check_config(int lanes, int max_groups, int group, std::uint64_t seed) {
    hw::SplitMix64 rng(seed);
    for (int cols : {lanes, 3 * lanes, 172 % (4 * lanes) + 1, 100}) {
        for (int stall : {0, 30}) {
            INFO("lanes " << lanes << " group " << group << " cols " << cols << " stall " << stall
                          << "% seed " << seed);
            if ((cols + lanes - 1) / lanes > 16) continue;
            const hw::QMatrix w = hw::test::random_qmatrix(24, cols, group, 8, rng);
            std::vector<std::int16_t> a(cols);
            for (int j = 0; j < cols; j++) a[j] = std::int16_t(rng.next());
            a[0] = 32767;
            if (cols > 1) a[1] = -32768;
            // Exponents -4..16: row 3 (exponent 0) then always overflows int32.
            const int a_shift = int(rng.below(21)) - 4;
            std::uint64_t want_sat = 0;
            const auto want = hw::test::golden_matvec(w, a, a_shift, &want_sat);
            int got_sat = 0;
            const auto got = run_rows<Mac>(lanes, max_groups, w, a, a_shift, stall, rng, &got_sat);
            CHECK(got == want);
            CHECK(std::uint64_t(got_sat) == want_sat);
            CHECK(want_sat > 0);  // row 3 saturates: the clamp path is exercised
        }
    }
}

}  // namespace

TEST_CASE("MAC array 16 lanes groups of 32 (groups span beats)", "[fast][rtl][mac]") {
    check_config<Vmac16>(16, 8, 32, 1);
}

TEST_CASE("MAC array 64 lanes groups of 32 (two groups per beat)", "[fast][rtl][mac]") {
    check_config<Vmac64>(64, 8, 32, 2);
}

TEST_CASE("MAC array 16 lanes one scale per row", "[fast][rtl][mac]") {
    check_config<Vmac16row>(16, 1, 0, 3);
}
