// SPDX-License-Identifier: MIT
// Greedy decode loop with llama2.c run.c semantics, shared by every model (float
// reference, integer golden model, chip) so they all consume prompts the same way.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "tokenizer.h"

namespace hw {

// One decode step: the model ran `token` at `pos` and chose `next`.
struct DecodeStep {
    int pos;    // position in the context
    int token;  // input token at pos
    int next;   // prompt token (while the prompt lasts) or the greedy choice
};

// Checks a prompt and step count against the context before any work is done.
inline void check_decode_request(const std::vector<int>& prompt, int steps, int seq_len) {
    if (prompt.empty()) throw Error("decode: the prompt must hold at least the BOS token");
    // Checked first: no step count can fit a prompt longer than the context.
    if (static_cast<int>(prompt.size()) > seq_len) {
        throw Error("decode: the prompt does not fit the context: " + std::to_string(prompt.size()) +
                    " tokens (BOS included), the model's context holds " +
                    std::to_string(seq_len) + " positions");
    }
    if (steps < 1 || steps > seq_len) {
        throw make_error("decode", "steps", "1.." + std::to_string(seq_len) + " (the context)",
                         std::to_string(steps));
    }
    if (static_cast<int>(prompt.size()) > steps) {
        throw make_error("decode", "steps",
                         "at least the prompt length, " + std::to_string(prompt.size()) + " tokens",
                         std::to_string(steps));
    }
}

// Runs run.c's generate loop: feeds prompt[0] at position 0; while pos < steps, runs the
// model, takes the next prompt token or else argmax(logits), and stops early when the
// model produces BOS (the sequence delimiter). `forward(token, pos)` returns logits;
// `argmax_of(logits)` picks the greedy token; `on_step(step, logits)` sees every step.
template <typename Forward, typename Argmax, typename OnStep>
void greedy_decode(const std::vector<int>& prompt, int steps, int seq_len, Forward&& forward,
                   Argmax&& argmax_of, OnStep&& on_step) {
    check_decode_request(prompt, steps, seq_len);
    int token = prompt[0];
    for (int pos = 0; pos < steps; pos++) {
        const auto& logits = forward(token, pos);
        const int next =
            pos + 1 < static_cast<int>(prompt.size()) ? prompt[pos + 1] : argmax_of(logits);
        on_step(DecodeStep{pos, token, next}, logits);
        if (next == kBosToken) break;
        token = next;
    }
}

}  // namespace hw
