// SPDX-License-Identifier: MIT
// One direction of the physical link between host and chip, with fault injection drawn from
// a seeded generator: bit flips (per byte), corrupted k flags (per symbol: a data word read
// as a control symbol or the reverse), dropped packets, duplicated packets (the copy arriving
// straight after or up to two packets later) and reordered packets (held back behind the
// next one). A packet is held until its EOP (store and forward), then delivered, damaged,
// twice, late or not at all.
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
    double flip_per_byte = 0;        // probability a byte has one bit flipped
    double drop_per_packet = 0;      // probability a packet vanishes
    double dup_per_packet = 0;       // probability a packet arrives twice
    double reorder_per_packet = 0;   // probability a packet arrives after the next one
    double kflip_per_symbol = 0;     // probability a symbol's k flag is inverted

    bool any() const {
        return flip_per_byte > 0 || drop_per_packet > 0 || dup_per_packet > 0 ||
               reorder_per_packet > 0 || kflip_per_symbol > 0;
    }
};

// Parses "FLIP[:DROP[:DUP[:REORDER[:KFLIP]]]]" (the --inject-errors option): each a
// probability in 0..0.5; DROP and DUP default to FLIP, REORDER and KFLIP to 0. Throws
// hw::Error naming the option and the bad text.
FaultRates parse_fault_rates(const std::string& text);

// What the faults did.
struct FaultCounts {
    std::uint64_t packets = 0;     // packets carried
    std::uint64_t flipped = 0;     // bits flipped
    std::uint64_t kflipped = 0;    // k flags inverted
    std::uint64_t dropped = 0;     // packets dropped
    std::uint64_t duplicated = 0;  // packets duplicated
    std::uint64_t late_copies = 0; // of those, copies that arrived after another packet
    std::uint64_t reordered = 0;   // packets held back behind the next one
};

class Wire {
  public:
    // Idle cycles after which held packets are delivered anyway.
    static constexpr std::uint64_t kIdleRelease = 64;
    Wire(FaultRates rates, std::uint64_t seed) : rates_(rates), rng_(seed) {}
    // One cycle: a symbol goes in, the next symbol comes out (idle when none).
    Symbol step(const Symbol& in);
    // Symbols carried (both directions' bytes = 4 per symbol).
    std::uint64_t symbols() const { return symbols_; }
    const FaultCounts& faults() const { return faults_; }

  private:
    // A packet held back: delivered after `after` more packets (or when the wire idles).
    struct Held {
        std::vector<Symbol> symbols;
        int after;
    };
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    void deliver(std::vector<Symbol> packet);  // bit flips, then onto the wire
    void packet_done();                        // releases held packets whose turn came

    FaultRates rates_;
    std::mt19937_64 rng_;
    std::vector<Symbol> packet_;  // the packet being collected
    bool in_pkt_ = false;
    std::deque<Symbol> out_;
    std::vector<Held> held_;      // late duplicates and reordered packets
    std::uint64_t idle_ = 0;      // cycles without a symbol in
    std::uint64_t symbols_ = 0;
    FaultCounts faults_;
};

}  // namespace hw::link
