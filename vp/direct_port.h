// SPDX-License-Identifier: MIT
// DirectPort: the host driver's port straight to a card model, without SystemC. It keeps
// CardTarget and TlmPort's contract (vp/card_target.h, vp/tlm_port.h) in miniature: a packet
// goes in at the port's cycle; advance() takes the chip's next packet, or lets
// kPollCycles pass when none comes. For programs that want the transaction-level model as
// a plain object (hardwire bench, tests/test_fast_chip.cc).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "chip_model.h"
#include "driver.h"

namespace hw::vp {

class DirectPort : public link::TlpPort {
  public:
    static constexpr std::uint64_t kPollCycles = 4096;  // CardTarget's wait when nothing comes

    explicit DirectPort(ChipModel& m) : m_(m) {}
    void send(std::vector<std::uint32_t> p) override { m_.receive(std::move(p), now_); }
    std::optional<std::vector<std::uint32_t>> receive() override {
        if (in_.empty()) return std::nullopt;
        auto p = std::move(in_.front());
        in_.pop_front();
        return p;
    }
    void advance() override {
        if (auto m = m_.next(now_, now_ + kPollCycles)) {
            now_ = m->cycle;
            in_.push_back(std::move(m->payload));
        } else {
            now_ += kPollCycles;
        }
    }
    std::uint64_t cycle() const override { return now_; }
    bool idle() const override { return true; }

  private:
    ChipModel& m_;
    std::uint64_t now_ = 0;
    std::deque<std::vector<std::uint32_t>> in_;
};

}  // namespace hw::vp
