// SPDX-License-Identifier: MIT
// Accuracy of the integer golden model against a float reference trace.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "calibrate.h"
#include "lora.h"
#include "model.h"
#include "quant.h"

namespace hw {

// One line of a reference trace (llama2.c run.c greedy decode, or hardwire ref --json).
struct TraceStep {
    int pos;                                   // position
    int token;                                 // input token at pos
    int next;                                  // the token at pos + 1: the float model's greedy
                                               // choice, or the prompt's token (prompt)
    std::vector<std::pair<int, double>> top5;  // largest logits, as printed
    bool prompt = false;                       // `next` is the prompt's, not the model's choice
    int top1() const { return top5.front().first; }  // the float model's choice
};

// Reads a .jsonl trace ({"pos","token","next","top5"[,"prompt"]} per line); throws
// hw::Error naming the file and line on malformed input or on tokens outside
// [0, vocab_size). A line's "prompt": true marks a position whose next token the prompt
// forced (hardwire ref writes it); a trace without the field (llama2.c's) is read as
// prompted up to its last line whose next is not the float model's top-1, since a greedy
// decode always takes its top-1.
std::vector<TraceStep> read_trace(const std::string& path, int vocab_size);

// What `hardwire accuracy` reports.
struct AccuracyReport {
    std::string format;            // weight format name
    std::string rounding;          // "gptq (<calibration>)" or "nearest"
    int positions = 0;             // trace positions compared
    int teacher_forced_top1 = 0;   // positions whose integer argmax is the float model's top-1
    int first_divergence = -1;     // first generated position where free-running greedy
                                   // differs (prompt tokens forced); -1 none
    double logit_max_abs_err = 0;  // max |int logit - float logit| over all positions, tokens
    double logit_rms_err = 0;      // RMS of the same differences
    unsigned long long saturations = 0;  // clamps in the integer model (expected 0)
};

// Quantizes `model` with `format` (error-compensating rounding calibrated by `cal`, or
// round to nearest when cal is nullptr) and measures it against `trace`: teacher-forced
// with the trace's tokens (scored against the float model's top-1 at every position),
// free-running from its first token with the prompt's tokens forced, and logits against
// the float reference.
// With an adapter, the float reference runs the merged model (merge_adapter) and the
// integer model the base model's quantized weights plus the adapter's low-rank path
// (quantize_adapter), as the chip will: the trace must be the merged model's
// (hardwire ref --adapter DIR --json).
AccuracyReport measure_accuracy(const Model& model, const WeightFormat& format,
                                const std::vector<TraceStep>& trace, const Calibration* cal,
                                const Adapter* adapter = nullptr);

}  // namespace hw
