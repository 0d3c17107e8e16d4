// SPDX-License-Identifier: MIT
// hw_mac_cluster against the golden matvec (IntModel::matvec), fed the ROM words weightgen
// lays out for its Rows x Lanes (weight_rom, scale_rom): row groups that end in a partial
// group, rows in several beats, groups spanning beats and one scale per row, int8 and int4,
// activations rounded in the cluster from Q16 values, idle beats and result backpressure;
// and a mixed chip's weight path (hw_weight_unpack before the cluster) fed matrices of 3, 4,
// 6 and 8 bits through one instance, each word packed at its matrix's width.
#include <verilated.h>

#include <catch2/catch.hpp>

#include "Vcluster_a.h"
#include "Vcluster_b.h"
#include "Vcluster_mixed.h"
#include "int_model.h"
#include "port_bits.h"
#include "rom_image.h"
#include "sim_control.h"
#include "test_util.h"

namespace {

// A configuration verilated in tests/CMakeLists.txt (-G parameters).
struct ClusterConfig {
    hw::Datapath dp;  // rows, lanes
    int bits;         // weight bits (of the port: the widest)
    int group;        // weights per mantissa; 0 = one per row
    int max_groups;   // mantissas per row of the scale port
};

// Streams every row group of `w` through the cluster with activations `x` (Q16) at exponent
// `shift`, idle beats and result stalls at `stall` percent; returns the results in row order.
// With kMixed, the words are packed at w.bits (below the port's cfg.bits) and bits_i says so.
template <typename Cluster, bool kMixed = false>
std::vector<std::int32_t> run(const ClusterConfig& cfg, const hw::QMatrix& w,
                              const std::vector<std::int32_t>& x, int shift, int stall,
                              hw::SplitMix64& rng, int* saturations) {
    const hw::RomImage wrom = hw::weight_rom("w", "w", 0, w, cfg.dp, w.bits);
    const hw::RomImage srom = hw::scale_rom("s", "w", 0, w, cfg.dp);
    const int rows = cfg.dp.rows, lanes = cfg.dp.lanes;
    const int beats = hw::weight_beats(w.cols, lanes), groups = hw::row_groups(w.rows, rows);
    const int field = hw::scale_width(w.groups), core_field = cfg.max_groups * 16 + 8;
    hw::SimControl<Cluster> sim;
    Cluster& m = sim.top();
    sim.reset();
    std::vector<std::int32_t> out;
    *saturations = 0;
    int group = 0, beat = 0, results = 0;
    for (long cycle = 0; results < groups; cycle++) {
        REQUIRE(cycle < 200000);
        const bool idle = int(rng.below(100)) < stall;
        m.beat_valid_i = group < groups && !idle;
        m.res_ready_i = int(rng.below(100)) >= stall;
        if (group < groups) {
            const int addr = group * beats + beat;
            const int word = rows * lanes * w.bits, port = rows * lanes * cfg.bits;
            for (int b = 0; b < port; b += 32)  // zeros above the packed word
                hw::set_bits(m.beat_w_i, b, std::min(32, port - b),
                             b < word ? std::uint32_t(wrom.get(addr, b, std::min(32, word - b))) : 0u);
            if constexpr (kMixed) m.bits_i = static_cast<std::uint8_t>(w.bits);
            for (int k = 0; k < lanes; k++) {
                const int j = beat * lanes + k;
                // Past the row's end: zero weights, garbage activations (must not matter).
                hw::set_bits(m.beat_x_i, 32 * k, 32,
                             j < w.cols ? std::uint32_t(x[j]) : std::uint32_t(rng.next()));
            }
            // The scale word, each row's field widened to max_groups mantissas (the chip top).
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < cfg.max_groups; g++) {
                    const std::uint32_t mant =
                        g < w.groups ? std::uint32_t(srom.get(group, r * field + 16 * g, 16)) : 0;
                    hw::set_bits(m.beat_scale_i, r * core_field + 16 * g, 16, mant);
                }
                hw::set_bits(m.beat_scale_i, r * core_field + 16 * cfg.max_groups, 8,
                             std::uint32_t(srom.get(group, r * field + 16 * w.groups, 8)));
            }
            m.act_shift_i = static_cast<std::uint8_t>(std::int8_t(shift));
            m.beat_last_i = beat == beats - 1;
        }
        m.eval();
        const bool took = m.beat_valid_i && m.beat_ready_o;
        if (m.res_valid_o && m.res_ready_i) {
            for (int r = 0; r < rows && results * rows + r < w.rows; r++)
                out.push_back(static_cast<std::int32_t>(hw::get_bits(m.res_data_o, 32 * r, 32)));
            *saturations += int(m.res_sats_o);
            results++;
        }
        sim.tick();
        if (took && ++beat == beats) {
            beat = 0;
            group++;
        }
    }
    return out;
}

template <typename Cluster, bool kMixed = false>
void check_config(const ClusterConfig& cfg, std::uint64_t seed, const std::vector<int>& widths) {
    hw::SplitMix64 rng(seed);
    const int lanes = cfg.dp.lanes, rows = cfg.dp.rows;
    for (int cols : {lanes, 3 * lanes, 100, 7}) {
        for (int n_rows : {rows * 5, rows * 5 + 1, 7}) {
            for (int stall : {0, 30}) {
              for (int bits : widths) {
                INFO(cfg.dp.name() << " int" << bits << " group " << cfg.group << " matrix "
                                   << n_rows << "x" << cols << " stall " << stall << "% seed " << seed);
                const hw::QMatrix w = hw::test::random_qmatrix(n_rows, cols, cfg.group, bits, rng);
                // Q16 activations up to the int32 limits, so the exponent is 16: row 3
                // (exponent 0) saturates.
                std::vector<std::int32_t> x(cols);
                for (auto& v : x) v = std::int32_t(std::uint32_t(rng.next()));
                x[0] = INT32_MAX;
                std::vector<std::int16_t> words(cols);
                const int shift = hw::IntModel::quantize_activations(x.data(), cols, words.data(), -128);
                std::uint64_t want_sat = 0;
                const auto want = hw::test::golden_matvec(w, words, shift, &want_sat);
                int got_sat = 0;
                const auto got = run<Cluster, kMixed>(cfg, w, x, shift, stall, rng, &got_sat);
                CHECK(got == want);
                CHECK(std::uint64_t(got_sat) == want_sat);
                CHECK(want_sat > 0);  // row 3 saturates: the clamp path is exercised
              }
            }
        }
    }
}

}  // namespace

TEST_CASE("MAC cluster 3 rows x 16 lanes int8 groups of 32 (groups span beats)",
          "[fast][rtl][mac]") {
    check_config<Vcluster_a>({hw::Datapath{3, 16, 1}, 8, 32, 8}, 11, {8});
}

TEST_CASE("MAC cluster 4 rows x 32 lanes int4 one scale per row", "[fast][rtl][mac]") {
    check_config<Vcluster_b>({hw::Datapath{4, 32, 1}, 4, 0, 1}, 12, {4});
}

TEST_CASE("a mixed chip's weight path: 2 rows x 16 lanes, words of 3, 4, 6 and 8 bits, groups of 16",
          "[fast][rtl][mac]") {
    // The rows of one instance alternate widths: the width travels with each word.
    check_config<Vcluster_mixed, true>({hw::Datapath{2, 16, 1}, 8, 16, 8}, 13, {3, 6, 4, 8});
}
