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
}

}  // namespace hw
