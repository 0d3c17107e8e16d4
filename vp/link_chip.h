// SPDX-License-Identifier: MIT
// LinkChip: the RTL behind the virtual platform's TLM target. A transactor between whole
// transaction-layer packets and the link's symbol streams: each packet the target receives
// goes into the host side of the data link layer (host/link.h: framing, CRC-32, sequence
// numbers, ACK/NAK and replay, credits), over the wires (with their injected faults) to the
// Verilated chip's hw_link_rx, clocked a cycle at a time; what comes back is reassembled the
// same way. The chip's clock follows the initiator's time: a packet sent at cycle t enters
// the link at t, and a READ runs the chip until a packet reaches the host.
#pragma once

#include <deque>

#include "chip_model.h"
#include "driver.h"

namespace hw::vp {

class LinkChip : public ChipModel {
  public:
    // `link` (the cycle-level link to the Verilated chip) must outlive this.
    explicit LinkChip(link::LinkPort& link) : link_(link) {}

    void receive(std::vector<std::uint32_t> payload, std::uint64_t at) override;
    std::optional<Message> next(std::uint64_t from, std::uint64_t limit) override;
    // The RTL's per-position cycles are measured by the harness from the chip's debug ports.
    const std::vector<TokenTiming>& timings() const override { return none_; }

  private:
    void clock();  // one cycle of the link and the chip; keeps what reached the host

    link::LinkPort& link_;
    std::deque<Message> arrived_;  // packets at the host not yet read, with their cycles
    std::vector<TokenTiming> none_;
};

}  // namespace hw::vp
