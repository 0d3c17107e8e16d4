// SPDX-License-Identifier: MIT
// The chip's datapath parameters: the MAC cluster's Rows x Lanes, the attention unit's
// context positions per cycle (AttnPar), and the widths that follow from them. The one
// definition the generator (ROM words, config package), the cycle model, the harness and
// the command line use; hw_core checks the same derivations when it is elaborated.
#pragma once

#include <string>

#include "model.h"

namespace hw {

// Limits of the parameters (docs/architecture.md, "The datapath's parameters").
constexpr int kMaxRows = 64;       // output rows per cycle
constexpr int kMinLanes = 8;       // weights per row per beat: a power of two
constexpr int kMaxLanes = 4096;
constexpr int kMaxAttnPar = 64;    // context positions per cycle in each attention pass
constexpr int kMaxLoraSlots = 8;   // adapter SRAM slots
constexpr int kMaxLoraRank = 32;   // an adapter's rank: s B's rows are one scale group (g32)

struct Datapath {
    int rows = 1;      // MAC cluster: output rows per cycle (1..64)
    int lanes = 64;    // MAC cluster: weights of a row per cycle, a power of two (8..4096)
    int attn_par = 1;  // attention: context positions per cycle in each pass (1..64)
    // The LoRA adapter SRAM (docs/numerics.md section 9, docs/host-interface.md "Adapters"):
    // slots (0: none; -1: the default, 2 when the weight format lets the MAC take the
    // adapters' int8/g32 words, else 0: resolve_lora) and the largest rank a slot holds
    // (1..min(32, lanes): s B's rows fit one beat and one scale group).
    int lora_slots = -1;
    int lora_rank = 8;

    // Elements per cycle of the vector unit and the scratch's ports: the wider of a beat's
    // activations and a row group's results.
    int vec_lanes() const { return lanes > rows ? lanes : rows; }
    // Table units: one per (head, position) of an attention cycle.
    int nl_units(const Config& c) const { return c.n_heads * attn_par; }
    // SwiGLU elements per cycle: a sigmoid per table unit, at most the write port.
    int sg_lanes(const Config& c) const {
        return nl_units(c) < vec_lanes() ? nl_units(c) : vec_lanes();
    }
    // Lanes of the write monitor.
    int mon_lanes(const Config& c) const {
        return vec_lanes() > nl_units(c) ? vec_lanes() : nl_units(c);
    }
    // MACs per cycle: of the cluster (weights), of the attention unit (q.k or p.v).
    long long weight_macs_per_cycle() const { return static_cast<long long>(rows) * lanes; }
    long long attention_macs_per_cycle(const Config& c) const {
        return static_cast<long long>(attn_par) * c.dim;
    }
    // "rows 4, lanes 64, attn-par 8"
    std::string name() const;
};

// lora_slots' default (-1) made concrete for a weight format: 2 slots when every adapter
// word fits the MAC cluster (its widest weights 8 bits, groups of 32), else 0. An explicit
// count on a format that cannot take adapters throws hw::Error naming --lora-slots.
// `widest_bits` and `group` are the format's (WeightFormat).
void resolve_lora(Datapath& d, int widest_bits, int group);

// Throws hw::Error naming the option (--rows, --lanes, --attn-par, --lora-slots,
// --lora-rank) when a parameter is out of its range.
void check_datapath(const Datapath& d);

}  // namespace hw
