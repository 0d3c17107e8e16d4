// SPDX-License-Identifier: MIT
// The host driver's side of the virtual platform: a TLM-2.0 initiator socket that carries the
// driver's transaction-layer packets (host/driver.h's TlpPort) to the card's target socket
// (vp/card_target.h), loosely timed with a quantum keeper. The driver's Card runs on it
// unchanged, so the same API drives the RTL and the transaction-level model. Its calls must
// come from an SC_THREAD (the quantum keeper waits there).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "driver.h"

namespace hw::vp {

class TlmPort : public sc_core::sc_module, public link::TlpPort {
  public:
    tlm_utils::simple_initiator_socket<TlmPort> socket;

    TlmPort(sc_core::sc_module_name name, double clock_hz);

    // A WRITE to the card's kTlpIn window at the local time.
    void send(std::vector<std::uint32_t> payload) override;
    // A packet the last advance() brought.
    std::optional<std::vector<std::uint32_t>> receive() override;
    // A READ of the card's kTlpOut window: the local time moves to the card's next packet
    // (or kPollCycles on); syncs with the kernel when the quantum is used up.
    void advance() override;
    // The local time in chip cycles.
    std::uint64_t cycle() const override;
    // Packets arrive whole: nothing waits for an acknowledgement.
    bool idle() const override { return true; }

    std::uint64_t transactions() const { return transactions_; }  // b_transport calls so far

  private:
    void transport(tlm::tlm_generic_payload& t);  // b_transport with the local time, checked

    tlm_utils::tlm_quantumkeeper qk_;
    std::uint64_t period_ps_;
    std::deque<std::vector<std::uint32_t>> in_;
    std::uint64_t transactions_ = 0;
};

}  // namespace hw::vp
