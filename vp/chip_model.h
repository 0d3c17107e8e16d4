// SPDX-License-Identifier: MIT
// A card's model as the virtual platform's TLM target sees it (vp/card_target.h): the
// transaction-layer packets the host sends in, the ones the chip sends back, each at a chip
// cycle. Two models implement it: FastChip (the integer golden model, timed by the exact
// cycle model) and LinkChip (the Verilated chip behind the link's data link layer).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hw::vp {

// One transaction-layer packet from the chip (COMPLETION, TOKEN_OUT, LOGITS, READY): its
// words, header first, and the chip cycle it reached the host.
struct Message {
    std::vector<std::uint32_t> payload;
    std::uint64_t cycle = 0;
};

// What the chip did per decoded position: the cycles from the token's handshake with the
// core to its result (the exact cycle model's TokenCycles::total; the RTL's measured span).
struct TokenTiming {
    int pos = 0;
    std::uint64_t cycles = 0;
};

class ChipModel {
  public:
    virtual ~ChipModel() = default;
    // A packet from the host reaches the chip at cycle `at` (never earlier than a previous
    // call's cycle).
    virtual void receive(std::vector<std::uint32_t> payload, std::uint64_t at) = 0;
    // The chip's next packet to the host: runs the chip from cycle `from` up to `limit` at
    // most and returns the first packet that reached the host by then (its cycle in
    // from..limit, or earlier when it was already waiting), or nothing.
    virtual std::optional<Message> next(std::uint64_t from, std::uint64_t limit) = 0;
    // The cycles of every position decoded so far, in order.
    virtual const std::vector<TokenTiming>& timings() const = 0;
};

}  // namespace hw::vp
