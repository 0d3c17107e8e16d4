// SPDX-License-Identifier: MIT
// The card behind a TLM-2.0 target socket (loosely timed, blocking transport). Its address
// map holds two windows of 32-bit little-endian words:
//
//   kTlpIn  (0x0000) WRITE: one transaction-layer packet for the card, header first (a
//                    REG_READ, REG_WRITE, TOKEN_IN or ADAPTER_WRITE payload).
//   kTlpOut (0x1000) READ of kTlpOutBytes: word 0 the number n of words that follow (0:
//                    nothing came within kPollCycles), words 1..n the card's next packet
//                    (a COMPLETION, TOKEN_OUT, LOGITS or READY payload).
//
// Time: the card runs at the chip clock; a transaction's time is the initiator's local time
// (sc_time_stamp() + the annotated delay). A READ annotates the delay until its packet
// reached the host (or kPollCycles when none did), so a loosely timed initiator with a
// quantum keeper follows the chip's cycles. Other commands or addresses answer
// TLM_ADDRESS_ERROR_RESPONSE, bad lengths TLM_BURST_ERROR_RESPONSE.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>

#include "chip_model.h"

namespace hw::vp {

inline constexpr std::uint64_t kTlpIn = 0x0000;
inline constexpr std::uint64_t kTlpOut = 0x1000;
inline constexpr unsigned kTlpMaxWords = 64;  // the longest packet either way (LOGITS: 35)
inline constexpr unsigned kTlpOutBytes = 4 * (1 + kTlpMaxWords);
inline constexpr std::uint64_t kPollCycles = 4096;  // a READ's wait when nothing comes

// The chip clock's period in ps (the kernel's default resolution), rounded.
std::uint64_t period_ps(double clock_hz);

class CardTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<CardTarget> socket;

    // `model` must outlive the target.
    CardTarget(sc_core::sc_module_name name, ChipModel& model, double clock_hz);

  private:
    void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);

    ChipModel& model_;
    std::uint64_t period_ps_;
};

}  // namespace hw::vp
