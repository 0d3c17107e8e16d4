// SPDX-License-Identifier: MIT
#include "card_target.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace hw::vp {

std::uint64_t period_ps(double clock_hz) {
    return static_cast<std::uint64_t>(std::llround(1e12 / clock_hz));
}

CardTarget::CardTarget(sc_core::sc_module_name name, ChipModel& model, double clock_hz)
    : sc_core::sc_module(name), socket("socket"), model_(model), period_ps_(period_ps(clock_hz)) {
    socket.register_b_transport(this, &CardTarget::b_transport);
}

void CardTarget::b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const std::uint64_t now_ps =
        static_cast<std::uint64_t>((sc_core::sc_time_stamp() + delay).value());
    const std::uint64_t now = now_ps / period_ps_;  // the chip cycle of this transaction
    unsigned char* data = t.get_data_ptr();
    const unsigned len = t.get_data_length();
    if (t.get_byte_enable_ptr() != nullptr || t.get_streaming_width() < len) {
        t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (t.is_write() && t.get_address() == kTlpIn) {
        if (len == 0 || len % 4 != 0 || len > 4 * kTlpMaxWords) {
            t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        std::vector<std::uint32_t> words(len / 4);
        std::memcpy(words.data(), data, len);  // little-endian words (the host's and x86's order)
        model_.receive(std::move(words), now);
    } else if (t.is_read() && t.get_address() == kTlpOut) {
        if (len != kTlpOutBytes) {
            t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        const std::optional<Message> m = model_.next(now, now + kPollCycles);
        const std::uint32_t n = m ? static_cast<std::uint32_t>(m->payload.size()) : 0;
        std::memset(data, 0, len);
        std::memcpy(data, &n, 4);
        if (m) std::memcpy(data + 4, m->payload.data(), 4 * std::size_t(n));
        const std::uint64_t at = m ? m->cycle : now + kPollCycles;
        delay += sc_core::sc_time(static_cast<double>((at - now) * period_ps_), sc_core::SC_PS);
    } else {
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    t.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace hw::vp
