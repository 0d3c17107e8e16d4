// SPDX-License-Identifier: MIT
// The exact cycle model: the cycles of every step of the chip's per-token schedule
// (rtl/hw_sequencer.sv) for any model shape, weight format, datapath (Rows x Lanes MAC
// cluster, AttnPar) and context position, without simulating. The harness checks it
// against the RTL's counters on every decoded token (chip_sim), so it is the chip's timing
// for the projection (hardwire explore) and the transaction-level model.
#pragma once

#include <string>
#include <vector>

#include "adapter_layout.h"
#include "datapath.h"
#include "model.h"
#include "quant.h"

namespace hw {

// The performance counters' classes of a step (hw_perf_counters).
enum class CycleClass { kMatvec, kAttention, kVector };
const char* class_name(CycleClass c);  // "matvec", "attention", "vector"

// The sequencer's ops (hw_pkg::op_e, same order and values).
enum class SeqOp { kIdle, kEmbed, kRms, kActQ, kMv, kRope, kKvw, kAttn, kResid, kSwiglu, kDone, kSample };
const char* op_name(SeqOp op);  // "embed", "rms", ...

// One step of a token's schedule.
struct StepCycles {
    int layer;         // 0..n_layers-1; n_layers for the final steps; -1 for the embedding
    int step;          // its index in the layer's program (0..19; final 0..3; embedding 0)
    SeqOp op;          // what it runs
    std::string name;  // "embedding", "wq", "attention", "classifier", ...
    CycleClass cls;    // the counter it adds to
    long long cycles;  // cycles the sequencer spends in it
    long long beats;   // ROM words the MAC cluster takes (matrix steps; 0 otherwise)
};

// A token's schedule: every step, and the sums the performance counters hold.
struct TokenCycles {
    std::vector<StepCycles> steps;  // in execution order
    long long total = 0;      // from the token's handshake to its result (kTokenOverhead + steps)
    long long matvec = 0;     // cycles of the three classes
    long long attention = 0;
    long long vector = 0;
    long long mac_beats = 0;  // MAC-busy cycles
};

// Cycles between a token's handshake and the sequencer leaving idle (the token interface is
// registered), counted in TokenCycles::total.
constexpr int kTokenOverhead = 2;

// The sampler's draw (rtl/hw_sampler.sv): greedy tokens have none. Without top-k and top-p
// it weighs every token and draws in token order; with either it sorts the `buffer` largest
// logits first (golden/sampler.h: SamplerSettings::buffered, buffer_size).
struct SamplerPasses {
    bool on = false;        // 1/T is not 0
    bool buffered = false;  // top-k or top-p
    int buffer = 0;         // the sorted buffer's entries
};
// Cycles of the OpSample step: 2 V + 8 (weigh V, draw V), or V + 3 K + 12 (sort V, weigh,
// top-p, draw K); 0 for greedy.
long long sampler_cycles(int vocab, const SamplerPasses& s);

// The cycles an adapted matrix m (kLoraTargets) adds to its step: A's beats (the chip's rank
// padded, whatever the adapter's) and the pipeline's 2, the exponent of A x (1), s B's beats
// and 2 (rtl/hw_sequencer.sv, OpMv phases 1 to 3).
long long lora_cycles(const AdapterLayout& l, int m);

// The schedule of the token at position `pos` (0 <= pos < seq_len). The weight format does
// not change any step's cycles (every format is one ROM word per beat); it is taken so that
// formats that do are modelled here. adapter_targets: the selected slot's ADAPTER_TARGETS
// (bit m: kLoraTargets[m] is adapted; 0: no adapter).
TokenCycles token_cycles(const Config& c, const WeightFormat& f, const Datapath& d, int pos,
                         const SamplerPasses& sampler = {}, unsigned adapter_targets = 0);

// The bound a configuration is measured against (docs/architecture.md): its weight MACs
// divided by Rows x Lanes, plus its attention MACs (q.k and p.v over the context) divided by
// the attention unit's MACs per cycle (AttnPar x dim).
long long weight_macs(const Config& c);                // every weight once, classifier included
long long attention_macs(const Config& c, int pos);    // 2 x n_layers x dim x (pos + 1)
double mac_bound(const Config& c, const Datapath& d, int pos);

// Means over positions 0..positions-1 (a decode from BOS).
struct ContextCycles {
    int positions = 0;
    double total = 0, matvec = 0, attention = 0, vector = 0, mac_beats = 0;  // per token
    double bound = 0;        // mean MAC bound per token
    double utilization = 0;  // the MAC cluster's: weight MACs / (cycles x Rows x Lanes)
};
ContextCycles context_cycles(const Config& c, const WeightFormat& f, const Datapath& d,
                             int positions);

}  // namespace hw
