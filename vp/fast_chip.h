// SPDX-License-Identifier: MIT
// FastChip: the card at transaction level. The endpoint's transaction layer (registers,
// the generation controller, TOKEN_OUT/LOGITS/READY, ADAPTER_WRITE into an adapter SRAM, as
// rtl/hw_endpoint.sv defines them and docs/host-interface.md documents them) in plain C++,
// with each token computed by the integer golden model (the fast kernels, bit-exact with
// the specification) and timed by the exact cycle model: a token's result comes
// TokenCycles::total cycles after the core takes it, as on the RTL. No link layer: packets
// arrive whole and in order, so the link counters stay 0 but RX_TLPS and TX_TLPS.
//
// Time is lazy: a token is computed when the host's time reaches the cycle it starts, so a
// STOP (or anything else) written at cycle t affects exactly the tokens that start after t.
// What is approximate: the endpoint's own cycles between tokens (a token's messages take a
// cycle a word, a completion kCompletionCycles), which the exact cycle model does not cover.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "adapter_layout.h"
#include "chip_data.h"
#include "chip_model.h"
#include "cycle_model.h"
#include "datapath.h"
#include "fast_kernels.h"
#include "int_model.h"
#include "sampler_settings.h"

namespace hw::vp {

class FastChip : public ChipModel {
  public:
    // Cycles from a register request's arrival to its completion (the RTL's take 3-6).
    static constexpr std::uint64_t kCompletionCycles = 4;

    // `d` and `datapath` must outlive the chip; `model_hash` is the manifest's (64 hex digits).
    FastChip(const ChipData& d, const Datapath& datapath, const std::string& model_hash);

    void receive(std::vector<std::uint32_t> payload, std::uint64_t at) override;
    std::optional<Message> next(std::uint64_t from, std::uint64_t limit) override;
    const std::vector<TokenTiming>& timings() const override { return timings_; }

    // The golden model's state (its KV cache) after the positions decoded so far.
    const IntModel& golden() const { return *golden_; }

  private:
    struct Slot {
        unsigned targets = 0;               // ADAPTER_TARGETS
        std::uint32_t crc = 0xffffffffu;    // the hash's CRC register (ADAPTER_HASH = ~crc)
        std::vector<std::uint32_t> words;   // the slot's image
        std::unique_ptr<QAdapter> decoded;  // what it serves (made when selected; null: stale)
    };

    void run_until(std::uint64_t t);      // every event up to cycle t
    bool step(std::uint64_t t);           // the next event at or before t, if any
    bool take_request(std::uint64_t at);  // the inbox's head, if it can be taken now
    void complete(std::uint32_t tag, std::uint32_t status, std::uint32_t data, std::uint64_t at);
    std::uint32_t reg_read(std::uint32_t addr, bool* hit) const;
    std::uint32_t reg_write(std::uint32_t addr, std::uint32_t value);  // the status
    void decode_token(std::uint64_t start);  // runs the core on the next input
    void token_done();                       // its messages are out
    void send(std::vector<std::uint32_t> payload, std::uint64_t at);
    const QAdapter* serving(unsigned* targets);  // the selected slot's adapter, if any

    const ChipData& d_;
    const Config& c_;
    const Datapath& dp_;
    std::uint32_t hash_words_[8] = {};
    FastKernels fast_;
    std::unique_ptr<IntModel> golden_;
    std::unique_ptr<AdapterLayout> layout_;  // null without adapter slots

    // Packets in, in arrival order (a TOKEN_IN waits at the head while the prompt slot is
    // full, and everything behind it waits too, as in the link's receive buffer).
    struct Request {
        std::vector<std::uint32_t> payload;
        std::uint64_t at;
    };
    std::deque<Request> inbox_;
    std::deque<Message> outbox_;   // in cycle order
    std::uint64_t now_ = 0;        // the model's time: events up to here are done
    std::uint64_t core_free_ = 0;  // the cycle the core and the endpoint can take a token
    std::uint64_t out_free_ = 0;   // the cycle the transmit side is free
    // The token in flight: its messages are out at `at`; then it counts as generated (or
    // not) and `next` is fed back.
    struct Done {
        bool pending = false;
        std::uint64_t at = 0;
        bool generated = false;
        std::uint32_t next = 0;
    } done_;

    // The endpoint's registers (hw_endpoint's _q state).
    bool running_ = false, end_req_ = false, error_ = false, logits_ = false;
    std::uint32_t end_code_ = 0, steps_ = 0, generated_ = 0, pos_ = 0, tl_errors_ = 0;
    bool prompt_valid_ = false, prompt_last_ = false, prompt_done_ = false;
    std::uint32_t prompt_ = 0, last_out_ = 0;
    SamplerSettings sampler_;
    std::uint32_t ad_slot_ = 0, ad_select_ = 0;
    std::vector<Slot> slots_;
    // Counters.
    std::uint64_t mac_busy_ = 0, matvec_ = 0, attention_ = 0, vector_ = 0, tokens_ = 0;
    std::uint64_t rx_tlps_ = 0, tx_tlps_ = 0;
    std::vector<TokenTiming> timings_;
};

}  // namespace hw::vp
