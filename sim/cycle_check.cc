// SPDX-License-Identifier: MIT
#include "cycle_check.h"

namespace hw {

void CycleCheck::start(int pos, const PerfSnapshot& perf) {
    want_ = token_cycles(c_, f_, d_, pos, sampler_, adapter_targets_);
    final_index_.assign(5, -1);
    for (std::size_t k = 0; k < want_.steps.size(); k++)
        if (want_.steps[k].layer == c_.n_layers) final_index_.at(std::size_t(want_.steps[k].step)) = int(k);
    seen_.assign(want_.steps.size(), 0);
    start_ = perf;
    pos_ = pos;
    stray_ = 0;
}

void CycleCheck::cycle(int op, int layer, int step) {
    const int idle = static_cast<int>(SeqOp::kIdle), embed = static_cast<int>(SeqOp::kEmbed);
    if (pos_ < 0 || op == idle) return;
    // want_.steps: the embedding, 20 steps per layer, the final ones (cycle_model.cc's order;
    // the sample step only when the sampler draws).
    std::size_t k = 0;
    if (op != embed && layer < c_.n_layers) k = 1 + std::size_t(layer) * 20 + std::size_t(step);
    else if (op != embed) k = step >= 0 && step < 5 ? std::size_t(final_index_[std::size_t(step)]) : seen_.size();
    if (k < seen_.size() && static_cast<int>(want_.steps[k].op) == op) seen_[k]++;
    else stray_++;
}

void CycleCheck::finish(const PerfSnapshot& perf) {
    const std::string at = "CYCLES position " + std::to_string(pos_) + ": ";
    if (stray_ > 0)
        throw Mismatch(at + std::to_string(stray_) +
                       " cycles ran an op that is not its program step's (the cycle model's "
                       "schedule differs from the sequencer's)");
    for (std::size_t k = 0; k < seen_.size(); k++) {
        const StepCycles& s = want_.steps[k];
        if (seen_[k] != s.cycles)
            throw Mismatch(at + "step " + s.name + " (layer " + std::to_string(s.layer) + ", op " +
                           op_name(s.op) + ") took " + std::to_string(seen_[k]) +
                           " cycles, the cycle model says " + std::to_string(s.cycles));
    }
    const struct {
        const char* name;
        std::uint64_t got;
        long long want;
    } counters[] = {{"token cycles", perf.cycles - start_.cycles, want_.total},
                    {"MAC-busy cycles", perf.mac_busy - start_.mac_busy, want_.mac_beats},
                    {"matvec cycles", perf.matvec - start_.matvec, want_.matvec},
                    {"attention cycles", perf.attention - start_.attention, want_.attention},
                    {"vector cycles", perf.vector - start_.vector, want_.vector}};
    for (const auto& k : counters) {
        if (static_cast<long long>(k.got) != k.want)
            throw Mismatch(at + "the performance counters give " + std::to_string(k.got) + " " +
                           k.name + ", the cycle model " + std::to_string(k.want));
    }
    tokens_++;
    pos_ = -1;
}

}  // namespace hw
