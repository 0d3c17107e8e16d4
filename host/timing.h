// SPDX-License-Identifier: MIT
// Link timing model: turns the chip's cycles and the bytes on the link into time. The
// simulation moves one 32-bit symbol per chip cycle; a real card's link is slower and has
// latency, so the driver adds, per direction, latency plus bytes / bandwidth, with the
// transfers of one direction serialized (docs/host-interface.md, "Timing").
#pragma once

#include <string>

namespace hw::link {

struct LinkTiming {
    std::string name;       // preset name
    double bytes_per_s;     // usable bandwidth of one direction
    double latency_s;       // one-way latency of a transfer
};

// Presets: usb2, pcie3x1, pcie3x4. Throws hw::Error naming the choices for another name.
LinkTiming link_timing(const std::string& name);

}  // namespace hw::link
