// SPDX-License-Identifier: MIT
// The host side of the link's data link layer (docs/host-interface.md), the mirror of
// rtl/hw_link_rx.sv and rtl/hw_link_tx.sv: framing with CRC-32, sequence numbers, ACK/NAK,
// a replay buffer with a replay timer, and credit-based flow control in both directions.
// It runs one symbol per cycle, in step with the chip.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "link_protocol.h"

namespace hw::link {

// One symbol of the stream: 32 bits, k marks a control symbol (SOP, EOP).
struct Symbol {
    bool valid = false;       // a symbol this cycle (else idle)
    bool k = false;           // control symbol
    std::uint32_t data = 0;   // the symbol
};

// Header words of the data link layer: kind, 12-bit sequence number or value, payload words.
inline std::uint32_t dll_header(Kind kind, std::uint32_t value, std::uint32_t words) {
    return (static_cast<std::uint32_t>(kind) << 28) | ((value & 0xfff) << 16) | (words & 0xffff);
}
// Header word of the transaction layer: type, tag, 16-bit argument.
inline std::uint32_t tl_header(Type type, std::uint32_t tag, std::uint32_t arg) {
    return (static_cast<std::uint32_t>(type) << 24) | ((tag & 0xff) << 16) | (arg & 0xffff);
}

// A whole packet as symbols: SOP, header, payload, CRC, EOP.
std::vector<Symbol> frame_packet(std::uint32_t header, const std::vector<std::uint32_t>& payload);

// Counters of one side of the link.
struct LinkCounters {
    std::uint64_t tx_tlps = 0;          // new TLPs sent
    std::uint64_t rx_tlps = 0;          // TLPs received in order
    std::uint64_t bad_crc = 0;          // packets dropped for a CRC error
    std::uint64_t framing = 0;          // packets dropped for framing, length or kind
    std::uint64_t seq_errors = 0;       // TLPs dropped as out of sequence
    std::uint64_t duplicates = 0;       // TLPs dropped as already received
    std::uint64_t naks_sent = 0;        // NAKs sent
    std::uint64_t naks_received = 0;    // NAKs received
    std::uint64_t replays = 0;          // replays started
    std::uint64_t replay_timeouts = 0;  // replays started by the timer
};

class HostLink {
  public:
    // credits: TLPs the host buffers (advertised to the chip); replay_timeout and
    // fc_period in cycles.
    explicit HostLink(unsigned credits = 16, unsigned replay_timeout = 4096,
                      unsigned fc_period = 1024);

    // Queues a TLP payload (transaction layer words, header first); it goes out once the
    // chip has given a credit for it.
    void send(std::vector<std::uint32_t> payload);
    // Queues raw symbols, sent as they are between packets (malformed-traffic tests).
    void send_raw(std::vector<Symbol> symbols);
    // One cycle: the chip's symbol in, the symbol for the chip out.
    Symbol step(const Symbol& from_chip);
    // The next TLP payload received in order, if any (frees a credit).
    std::optional<std::vector<std::uint32_t>> receive();
    // Nothing waits to be sent or acknowledged.
    bool idle() const;
    // Counters so far.
    const LinkCounters& counters() const { return counters_; }

  private:
    struct Packet {
        std::uint32_t seq;                 // sequence number
        std::vector<std::uint32_t> words;  // payload
    };
    void on_packet();                       // the packet in rx_words_ ended with EOP
    void nak();                             // schedule a NAK unless one is out
    void emit(std::vector<Symbol> symbols)  { out_.insert(out_.end(), symbols.begin(), symbols.end()); }

    const unsigned credits_, replay_timeout_, fc_period_;
    // transmit
    std::deque<std::vector<std::uint32_t>> pending_;  // payloads waiting for a credit
    std::deque<Packet> unacked_;                       // sent or about to be, not acknowledged
    std::size_t next_send_ = 0;                        // first packet of unacked_ not yet sent
    std::deque<Symbol> out_;                           // symbols of the packet going out
    std::deque<Symbol> raw_;                           // raw symbols queued by tests
    std::uint32_t next_seq_ = 0, acked_ = 0xfff;       // 12-bit sequence numbers
    std::uint32_t chip_limit_ = 0, used_ = 0;          // the chip's credits (12-bit)
    bool replay_ = false;
    std::uint64_t timer_ = 0;
    // receive
    bool in_pkt_ = false;
    std::vector<std::uint32_t> rx_words_;
    std::uint32_t expect_seq_ = 0;
    bool nak_sched_ = false, ack_pend_ = false, nak_pend_ = false;
    std::deque<std::vector<std::uint32_t>> received_;
    std::uint32_t popped_ = 0, fc_sent_ = 0xffffffff;
    std::uint64_t fc_timer_ = 0;
    LinkCounters counters_;
};

}  // namespace hw::link
