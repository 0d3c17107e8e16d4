// SPDX-License-Identifier: MIT
// Accuracy of the integer golden model against a float reference trace.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "calibrate.h"
#include "model.h"
#include "quant.h"

namespace hw {

// One line of a reference trace (llama2.c run.c greedy decode).
struct TraceStep {
    int pos;                                   // position
    int token;                                 // input token at pos
    int next;                                  // float model's greedy choice
    std::vector<std::pair<int, double>> top5;  // largest logits, as printed
};

// Reads a .jsonl trace ({"pos","token","next","top5"} per line); throws hw::Error naming
// the file and line on malformed input or on tokens outside [0, vocab_size).
std::vector<TraceStep> read_trace(const std::string& path, int vocab_size);

// What `hardwire accuracy` reports.
struct AccuracyReport {
    std::string format;            // weight format name
    std::string rounding;          // "gptq (<calibration>)" or "nearest"
    int positions = 0;             // trace positions compared
    int teacher_forced_top1 = 0;   // positions whose integer argmax equals the trace's next
    int first_divergence = -1;     // first position where free-running greedy differs; -1 none
    double logit_max_abs_err = 0;  // max |int logit - float logit| over all positions, tokens
    double logit_rms_err = 0;      // RMS of the same differences
    unsigned long long saturations = 0;  // clamps in the integer model (expected 0)
};

// Quantizes `model` with `format` (error-compensating rounding calibrated by `cal`, or
// round to nearest when cal is nullptr) and measures it against `trace`: teacher-forced
// with the trace's tokens, free-running from its first token, and logits against the
// float reference.
AccuracyReport measure_accuracy(const Model& model, const WeightFormat& format,
                                const std::vector<TraceStep>& trace, const Calibration* cal);

}  // namespace hw
