// SPDX-License-Identifier: MIT
// Scoreboard: follows the chip's decode through its debug and monitor ports and compares
// every element the datapath writes with the integer golden model's tap of the same token,
// layer, stage, head and element, as it is written. The first difference throws Mismatch
// with token, position, layer, stage, element, expected, got and cycle.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "chip_data.h"
#include "int_model.h"
#include "sampler.h"

namespace hw {

// The chip wrote something the golden model did not (the message says what and where).
class Mismatch : public std::runtime_error {
  public:
    explicit Mismatch(const std::string& m) : std::runtime_error(m) {}
};

class Scoreboard : public TapSink {
  public:
    explicit Scoreboard(const ChipData& d)
        : golden_(d.q, d.tables), n_heads_(d.q.config.n_heads) {
        golden_.set_tap_sink(this);
    }

    // The sampler's settings the host wrote: each next token is the golden sampler's
    // (sample_token) from the same logits, seed and position; greedy by default.
    void set_sampler(const SamplerSettings& s) { sampler_ = s; }
    // The LoRA adapter of the tokens to come (nullptr: none); it must outlive them.
    void set_adapter(const QAdapter* a) { golden_.set_adapter(a); }

    // The inputs the host gives: position p's token must be prompt[p] while p is inside the
    // prompt, then the next token of position p - 1; positions run 0, 1, 2, ... once each.
    // Without a prompt (set_prompt never called) only the positions are checked.
    void set_prompt(const std::vector<int>& prompt) { prompt_ = prompt; }
    // The core took `token` at `pos`: checked against the expected input, then the golden
    // model runs the same step.
    void start(int token, int pos);
    // One monitored write: `count` elements of (stage, layer, index), or per head (element k
    // is head k % n_heads of position index + k / n_heads).
    template <typename Top>
    void monitor(Top& top, std::uint64_t cycle);
    // The core's result for the running token: every tap was written, the token matches.
    void finish(int next_token, std::uint64_t cycle);
    // Fast-forward: the golden model decodes positions 0..positions-1 on its own (with `fast`,
    // its bit-exact kernels; no taps), each input the one start() would expect, so that the
    // chip, its KV cache loaded from this model's (Backdoor::load_kv), continues at
    // `positions` with everything checked. Only before the first start().
    void fast_forward(int positions, const FastKernels* fast);
    int fast_forwarded() const { return fast_forwarded_; }  // positions the chip did not decode
    // Values the golden model clamped in the fast-forwarded positions (not the chip's).
    std::uint64_t fast_forward_saturations() const { return ff_saturations_; }
    // The golden model (its KV cache) and the last token's golden logits, for the backdoor
    // comparison of the chip's SRAMs.
    const IntModel& golden() const { return golden_; }
    const std::vector<std::int32_t>& last_logits() const { return last_logits_; }
    int token() const { return token_; }
    // Positions decoded (started and finished) so far.
    int positions() const { return max_pos_ + 1; }
    // Values the golden model clamped so far (the chip's SATURATIONS must equal it).
    std::uint64_t golden_saturations() const { return golden_.saturations(); }

    // The golden model's next token after `pos` (-1 if not decoded).
    int expected_next(int pos) const {
        auto it = next_.find(pos);
        return it == next_.end() ? -1 : it->second;
    }
    long long checked() const { return checked_; }  // elements compared

    // Keep each position's golden logits until the host has read the chip's over the link.
    void keep_logits(bool on) { keep_logits_ = on; }
    // The logits the host read for `pos` equal the golden model's; the first difference
    // throws Mismatch naming position, logit index, expected and got.
    void check_logits(int pos, const std::vector<std::int32_t>& got);

    void on_tap(const TapId& id, const TapData& d) override;

  private:
    struct Tap {
        std::vector<std::int32_t> data;  // expected elements
        std::vector<bool> seen;          // written by the chip yet
        int shift = 0;                   // KV row exponent
    };
    std::string where(int layer, int stage, int head, std::uint64_t index) const;

    IntModel golden_;
    SamplerSettings sampler_;
    int n_heads_;                                    // heads of the model (per-head monitor)
    std::map<std::tuple<int, int, int>, Tap> taps_;  // (layer, stage, head)
    std::map<int, int> next_;                        // position -> golden next token
    std::map<int, std::vector<std::int32_t>> logits_;  // position -> golden logits (kept)
    std::vector<int> prompt_;                          // the host's prompt (set_prompt)
    std::vector<std::int32_t> last_logits_;            // the running token's golden logits
    bool keep_logits_ = false;
    bool running_ = false;                             // a token started, its result not yet out
    int token_ = -1, pos_ = -1, max_pos_ = -1, want_next_ = -1;
    int fast_forwarded_ = 0;
    std::uint64_t ff_saturations_ = 0;
    long long checked_ = 0;
};

// Lane k of a monitor's data (a wide output: 32-bit words, or one word when narrow).
template <typename Top>
std::uint32_t mon_lane(Top& top, unsigned k) {
    if constexpr (sizeof(top.mon_data_o) > sizeof(std::uint64_t)) return top.mon_data_o[k];
    else return static_cast<std::uint32_t>(top.mon_data_o >> (32 * k));
}

template <typename Top>
void Scoreboard::monitor(Top& top, std::uint64_t cycle) {
    const int layer = top.mon_layer_o == 0xff ? -1 : top.mon_layer_o;
    const int stage = top.mon_stage_o;
    const bool per_head = top.mon_heads_o;
    constexpr unsigned kLanes = sizeof(top.mon_data_o) * 8 / 32;  // the monitor's width
    if (!running_ || top.mon_count_o == 0 || top.mon_count_o > kLanes)
        throw Mismatch(where(layer, stage, -1, top.mon_index_o) + ": a write of " +
                       std::to_string(top.mon_count_o) + " elements (the monitor has " +
                       std::to_string(kLanes) + " lanes)" +
                       (running_ ? "" : " while no token runs") + " at cycle " +
                       std::to_string(cycle));
    for (unsigned k = 0; k < top.mon_count_o; k++) {
        const int head = per_head ? int(k % unsigned(n_heads_)) : -1;
        const std::uint32_t index = top.mon_index_o + (per_head ? k / unsigned(n_heads_) : k);
        const auto got = static_cast<std::int32_t>(mon_lane(top, k));
        auto it = taps_.find({layer, stage, head});
        if (pos_ < 0 || it == taps_.end() || index >= it->second.data.size())
            throw Mismatch(where(layer, stage, head, index) +
                           ": the golden model has no such element (cycle " +
                           std::to_string(cycle) + ")");
        Tap& t = it->second;
        const int got_shift = static_cast<std::int8_t>(top.mon_shift_o);
        const bool kv = stage == static_cast<int>(Stage::kKey) || stage == static_cast<int>(Stage::kValue);
        if (got != t.data[index] || (kv && got_shift != t.shift))
            throw Mismatch(where(layer, stage, head, index) + ": expected " +
                           std::to_string(t.data[index]) + " (shift " + std::to_string(t.shift) +
                           "), got " + std::to_string(got) + " (shift " +
                           std::to_string(got_shift) + ") at cycle " + std::to_string(cycle));
        if (t.seen[index])
            throw Mismatch(where(layer, stage, head, index) + ": written twice (again " +
                           std::to_string(got) + " at cycle " + std::to_string(cycle) + ")");
        t.seen[index] = true;
        checked_++;
    }
}

}  // namespace hw
