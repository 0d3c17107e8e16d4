// SPDX-License-Identifier: MIT
// Cycle check: every decoded token's schedule against the exact cycle model
// (golden/cycle_model.h). It times each step of the sequencer from its debug ports (op, layer,
// step, every cycle) and takes the performance counters' deltas per token; the first step,
// class or total that differs from the model throws Mismatch naming position, step, layer,
// measured and modelled cycles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cycle_model.h"
#include "scoreboard.h"

namespace hw {

// The performance counters at one moment (the chip's dbg_perf_* ports).
struct PerfSnapshot {
    std::uint64_t cycles = 0, mac_busy = 0, matvec = 0, attention = 0, vector = 0;
};

class CycleCheck {
  public:
    CycleCheck(const Config& c, const WeightFormat& f, const Datapath& d) : c_(c), f_(f), d_(d) {}
    // The sampler's settings of the tokens to come (greedy by default).
    void set_sampler(const SamplerPasses& s) { sampler_ = s; }
    // The selected adapter slot's ADAPTER_TARGETS for the tokens to come (0: none).
    void set_adapter_targets(unsigned t) { adapter_targets_ = t; }

    // The core took the token at `pos`; `perf` is the counters' value in that cycle.
    void start(int pos, const PerfSnapshot& perf);
    // One cycle of the running token: the sequencer's op (hw_pkg::op_e), layer and step.
    void cycle(int op, int layer, int step);
    // The token's result is out: `perf` is the counters' value in that cycle.
    void finish(const PerfSnapshot& perf);

    long long tokens_checked() const { return tokens_; }

  private:
    Config c_;
    WeightFormat f_;
    Datapath d_;
    SamplerPasses sampler_;
    unsigned adapter_targets_ = 0;
    TokenCycles want_;
    std::vector<int> final_index_;  // the final steps' (0..4) places in want_.steps, -1: none
    std::vector<long long> seen_;  // cycles per step of want_.steps
    PerfSnapshot start_;
    int pos_ = -1;
    long long stray_ = 0;          // non-idle cycles in no step of the program
    long long tokens_ = 0;
};

}  // namespace hw
