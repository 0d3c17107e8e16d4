// SPDX-License-Identifier: MIT
#include "tlm_port.h"

#include <cstring>

#include "card_target.h"
#include "error.h"

namespace hw::vp {

TlmPort::TlmPort(sc_core::sc_module_name name, double clock_hz)
    : sc_core::sc_module(name), socket("socket"), period_ps_(period_ps(clock_hz)) {
    qk_.reset();
}

void TlmPort::transport(tlm::tlm_generic_payload& t) {
    sc_core::sc_time delay = qk_.get_local_time();
    socket->b_transport(t, delay);
    transactions_++;
    if (t.is_response_error())
        throw Error("TLM transaction at 0x" + std::to_string(t.get_address()) + " answered " +
                    t.get_response_string());
    qk_.set(delay);
    if (qk_.need_sync()) qk_.sync();
}

void TlmPort::send(std::vector<std::uint32_t> payload) {
    if (payload.empty() || payload.size() > kTlpMaxWords)
        throw make_error("TLM port", "packet length",
                         "1.." + std::to_string(kTlpMaxWords) + " words",
                         std::to_string(payload.size()));
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(kTlpIn);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(payload.data()));
    t.set_data_length(static_cast<unsigned>(4 * payload.size()));
    t.set_streaming_width(static_cast<unsigned>(4 * payload.size()));
    t.set_byte_enable_ptr(nullptr);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    transport(t);
}

void TlmPort::advance() {
    std::uint32_t buf[1 + kTlpMaxWords];
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(kTlpOut);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(buf));
    t.set_data_length(kTlpOutBytes);
    t.set_streaming_width(kTlpOutBytes);
    t.set_byte_enable_ptr(nullptr);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    transport(t);
    if (buf[0] > kTlpMaxWords)
        throw make_error("TLM port", "packet length read", "0.." + std::to_string(kTlpMaxWords),
                         std::to_string(buf[0]));
    if (buf[0] > 0) in_.emplace_back(buf + 1, buf + 1 + buf[0]);
}

std::optional<std::vector<std::uint32_t>> TlmPort::receive() {
    if (in_.empty()) return std::nullopt;
    std::vector<std::uint32_t> p = std::move(in_.front());
    in_.pop_front();
    return p;
}

std::uint64_t TlmPort::cycle() const {
    return static_cast<std::uint64_t>(qk_.get_current_time().value()) / period_ps_;
}

}  // namespace hw::vp
