// SPDX-License-Identifier: MIT
#include "datapath.h"

#include "error.h"

namespace hw {

std::string Datapath::name() const {
    return "rows " + std::to_string(rows) + ", lanes " + std::to_string(lanes) + ", attn-par " +
           std::to_string(attn_par);
}

void check_datapath(const Datapath& d) {
    if (d.rows < 1 || d.rows > kMaxRows) {
        throw make_error("option --rows", "MAC cluster rows", "1 to " + std::to_string(kMaxRows),
                         std::to_string(d.rows));
    }
    if (d.lanes < kMinLanes || d.lanes > kMaxLanes || (d.lanes & (d.lanes - 1)) != 0) {
        throw make_error("option --lanes", "MAC lanes",
                         "a power of two from " + std::to_string(kMinLanes) + " to " +
                             std::to_string(kMaxLanes),
                         std::to_string(d.lanes));
    }
    if (d.attn_par < 1 || d.attn_par > kMaxAttnPar) {
        throw make_error("option --attn-par", "attention positions per cycle",
                         "1 to " + std::to_string(kMaxAttnPar), std::to_string(d.attn_par));
    }
    if (d.lora_slots < -1 || d.lora_slots > kMaxLoraSlots) {
        throw make_error("option --lora-slots", "adapter SRAM slots",
                         "0 to " + std::to_string(kMaxLoraSlots), std::to_string(d.lora_slots));
    }
    const int max_rank = d.lanes < kMaxLoraRank ? d.lanes : kMaxLoraRank;
    if (d.lora_rank < 1 || d.lora_rank > max_rank) {
        throw make_error("option --lora-rank", "largest adapter rank",
                         "1 to " + std::to_string(max_rank) + " (at most 32 and the lanes)",
                         std::to_string(d.lora_rank));
    }
}

void resolve_lora(Datapath& d, int widest_bits, int group) {
    const bool fits = widest_bits == 8 && group == 32;
    if (d.lora_slots < 0) {
        d.lora_slots = fits ? 2 : 0;
    } else if (d.lora_slots > 0 && !fits) {
        throw make_error("option --lora-slots", "adapter slots on this weight format",
                         "0: adapters are int8 in groups of 32, so the MAC cluster must take "
                         "8-bit weights in groups of 32 (this format: " +
                             std::to_string(widest_bits) + "-bit, group " + std::to_string(group) + ")",
                         std::to_string(d.lora_slots));
    }
}

}  // namespace hw
