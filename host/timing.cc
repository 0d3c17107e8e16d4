// SPDX-License-Identifier: MIT
#include "timing.h"

#include "error.h"

namespace hw::link {

LinkTiming link_timing(const std::string& name) {
    // usb2: 480 Mb/s high speed; bulk transfers carry at most 13 x 512 bytes per 125 us
    //   microframe (53.2 MB/s), and a transfer waits for the host's next microframe poll.
    // pcie3x1/x4: 8 GT/s per lane with 128b/130b coding (984.6 MB/s per lane); about 1 us
    //   one way through root complex and endpoint. Our own framing is counted as bytes.
    if (name == "usb2") return {name, 13 * 512 / 125e-6, 125e-6};
    if (name == "pcie3x1") return {name, 8e9 * 128 / 130 / 8, 1e-6};
    if (name == "pcie3x4") return {name, 4 * 8e9 * 128 / 130 / 8, 1e-6};
    throw make_error("--link", "unknown link", "usb2, pcie3x1 or pcie3x4", "'" + name + "'");
}

}  // namespace hw::link
