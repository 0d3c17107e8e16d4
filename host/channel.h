// SPDX-License-Identifier: MIT
// One direction of the physical link between host and chip, with fault injection: bit flips
// (per byte), dropped packets and duplicated packets, drawn from a seeded generator. A
// packet is held until its EOP (store and forward), then delivered, damaged, twice or not.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "link.h"

namespace hw::link {

// Fault rates of one direction.
struct FaultRates {
    double flip_per_byte = 0;     // probability a byte has one bit flipped
    double drop_per_packet = 0;   // probability a packet vanishes
    double dup_per_packet = 0;    // probability a packet arrives twice
};

// Parses "FLIP[:DROP[:DUP]]" (the --inject-errors option): each a probability in 0..0.5;
// DROP and DUP default to FLIP. Throws hw::Error naming the option and the bad text.
FaultRates parse_fault_rates(const std::string& text);

// What the faults did.
struct FaultCounts {
    std::uint64_t packets = 0;     // packets carried
    std::uint64_t flipped = 0;     // bits flipped
    std::uint64_t dropped = 0;     // packets dropped
    std::uint64_t duplicated = 0;  // packets duplicated
};

class Wire {
  public:
    Wire(FaultRates rates, std::uint64_t seed) : rates_(rates), rng_(seed) {}
    // One cycle: a symbol goes in, the next symbol comes out (idle when none).
    Symbol step(const Symbol& in);
    // Symbols carried (both directions' bytes = 4 per symbol).
    std::uint64_t symbols() const { return symbols_; }
    const FaultCounts& faults() const { return faults_; }

  private:
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

    FaultRates rates_;
    std::mt19937_64 rng_;
    std::vector<Symbol> packet_;  // the packet being collected
    bool in_pkt_ = false;
    std::deque<Symbol> out_;
    std::uint64_t symbols_ = 0;
    FaultCounts faults_;
};

}  // namespace hw::link
