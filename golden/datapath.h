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

struct Datapath {
    int rows = 1;      // MAC cluster: output rows per cycle (1..64)
    int lanes = 64;    // MAC cluster: weights of a row per cycle, a power of two (8..4096)
    int attn_par = 1;  // attention: context positions per cycle in each pass (1..64)

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

// Throws hw::Error naming the option (--rows, --lanes, --attn-par) when a parameter is out
// of its range.
void check_datapath(const Datapath& d);

}  // namespace hw
