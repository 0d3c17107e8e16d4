// SPDX-License-Identifier: MIT
// Calibration for the quantizer: input second moments of every matrix, gathered by
// running the float reference on text the model samples itself.
#pragma once

#include <cstdint>

#include "model.h"
#include "quant.h"

namespace hw {

// How calibration text is made: `sequences` decodes of `tokens` positions each from BOS,
// sampling at `temperature` with SplitMix64(seed). Sampled rather than greedy so that
// calibration never sees the greedy reference traces that accuracy is measured on.
struct CalibrationSpec {
    int sequences = 16;           // independent decodes
    int tokens = 256;             // positions per decode (capped at seq_len)
    double temperature = 1.0;     // sampling temperature
    std::uint64_t seed = 0x5eed;  // PRNG seed
};

// Runs the float model and accumulates H = sum x x^T for every matrix input.
Calibration calibrate(const Model& model, const CalibrationSpec& spec = {});

}  // namespace hw
