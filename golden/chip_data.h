// SPDX-License-Identifier: MIT
// Everything a chip holds for one model: quantized weights, tables and constants, made by
// one library call that weightgen, the golden model and the harness all use, so every
// consumer sees identical bits.
#pragma once

#include <string>

#include "int_model.h"
#include "nonlinear.h"
#include "quant.h"

namespace hw {

struct ChipData {
    QModel q;                  // quantized weights, scales and gains
    Tables tables;             // non-linear and RoPE tables
    IntConstants constants;    // EPS, 1/sqrt(head_size)
    std::string rounding;      // how weights were rounded (calibration description)
};

// Quantizes `model` for the chip: GPTQ rounding calibrated on sampled text (the default
// of docs/numerics.md), tables and constants for its shape. Deterministic.
ChipData make_chip_data(const Model& model, const WeightFormat& format);

}  // namespace hw
