// SPDX-License-Identifier: MIT
#include "scoreboard.h"

#include "error.h"

namespace hw {

void Scoreboard::on_tap(const TapId& id, const TapData& d) {
    Tap& t = taps_[{id.layer, static_cast<int>(id.stage), id.head}];
    t.data.assign(d.data, d.data + d.size);
    t.seen.assign(d.size, false);
    t.shift = d.shift;
}

std::string Scoreboard::where(int layer, int stage, int head, std::uint64_t index) const {
    const char* name = stage < kStageCount ? stage_name(static_cast<Stage>(stage)) : "?";
    return "MISMATCH token " + std::to_string(token_) + " position " + std::to_string(pos_) +
           " layer " + std::to_string(layer) + " stage " + name + " head " +
           std::to_string(head) + " element " + std::to_string(index);
}

void Scoreboard::start(int token, int pos) {
    if (running_)
        throw Mismatch("INPUT the core took token " + std::to_string(token) + " at position " +
                       std::to_string(pos) + " before position " + std::to_string(pos_) +
                       "'s result came out");
    // The golden model's KV cache holds every position decoded so far, as the chip's does:
    // the positions must run 0, 1, 2, ... once each.
    if (pos != max_pos_ + 1)
        throw Mismatch("INPUT the core took position " + std::to_string(pos) + " after position " +
                       std::to_string(max_pos_) + ": expected position " +
                       std::to_string(max_pos_ + 1) + " (positions run 0, 1, 2, ... once each)");
    if (!prompt_.empty()) {
        const bool in_prompt = pos < static_cast<int>(prompt_.size());
        const int want = in_prompt ? prompt_[pos] : next_.at(pos - 1);
        if (token != want)
            throw Mismatch("INPUT the core took token " + std::to_string(token) + " at position " +
                           std::to_string(pos) + ": expected " + std::to_string(want) + " (" +
                           (in_prompt ? "the prompt's token" : "the next token of position " +
                                                                   std::to_string(pos - 1)) +
                           ")");
    }
    taps_.clear();
    running_ = true;
    token_ = token;
    pos_ = pos;
    max_pos_ = pos;
    const std::vector<std::int32_t>& logits = golden_.forward(token, pos);
    last_logits_ = logits;
    want_next_ = sample_token(golden_.tables(), logits, sampler_, pos);
    next_[pos] = want_next_;
    if (keep_logits_) logits_[pos] = logits;
}

void Scoreboard::fast_forward(int positions, const FastKernels* fast) {
    if (max_pos_ >= 0 || running_)
        throw Error("fast-forward: only before the chip decodes anything");
    if (prompt_.empty()) throw Error("fast-forward: needs the prompt (set_prompt)");
    golden_.set_tap_sink(nullptr);
    golden_.set_fast_kernels(fast);
    for (int pos = 0; pos < positions; pos++) {
        const int token = pos < static_cast<int>(prompt_.size()) ? prompt_[pos] : next_.at(pos - 1);
        const std::vector<std::int32_t>& logits = golden_.forward(token, pos);
        next_[pos] = sample_token(golden_.tables(), logits, sampler_, pos);
        max_pos_ = pos;
    }
    golden_.set_fast_kernels(nullptr);  // the chip's positions: the specification's loops
    golden_.set_tap_sink(this);
    fast_forwarded_ = positions;
    ff_saturations_ = golden_.saturations();
}

void Scoreboard::check_logits(int pos, const std::vector<std::int32_t>& got) {
    auto it = logits_.find(pos);
    if (it == logits_.end())
        throw Mismatch("MISMATCH at the host: logits of position " + std::to_string(pos) +
                       " arrived, but the chip never decoded that position");
    const std::vector<std::int32_t>& want = it->second;
    if (got.size() != want.size())
        throw Mismatch("MISMATCH at the host: position " + std::to_string(pos) + " brought " +
                       std::to_string(got.size()) + " logits, expected " + std::to_string(want.size()));
    for (std::size_t k = 0; k < want.size(); k++) {
        if (got[k] != want[k])
            throw Mismatch("MISMATCH at the host: position " + std::to_string(pos) + " logit " +
                           std::to_string(k) + " arrived " + std::to_string(got[k]) +
                           ", the golden model has " + std::to_string(want[k]));
    }
    logits_.erase(it);
}

void Scoreboard::finish(int next_token, std::uint64_t cycle) {
    if (!running_)
        throw Mismatch("MISMATCH a result (token " + std::to_string(next_token) + ") at cycle " +
                       std::to_string(cycle) + " with no token running (position " +
                       std::to_string(pos_) + "'s result came out already)");
    running_ = false;
    for (const auto& [key, tap] : taps_) {
        for (std::size_t k = 0; k < tap.seen.size(); k++) {
            if (!tap.seen[k])
                throw Mismatch("MISSING token " + std::to_string(token_) + " position " +
                               std::to_string(pos_) + " layer " + std::to_string(std::get<0>(key)) +
                               " stage " + stage_name(static_cast<Stage>(std::get<1>(key))) +
                               " head " + std::to_string(std::get<2>(key)) + " element " +
                               std::to_string(k) + " never written");
        }
    }
    if (next_token != want_next_)
        throw Mismatch("MISMATCH token " + std::to_string(token_) + " position " +
                       std::to_string(pos_) + ": next token expected " +
                       std::to_string(want_next_) + ", got " + std::to_string(next_token) +
                       " (cycle " + std::to_string(cycle) + ")");
}

}  // namespace hw
