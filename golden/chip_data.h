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

// The quantized weights as bytes (every matrix's weights, scale mantissas and shifts, every
// gain, the rounding's description): what hardwire gen writes beside its ROMs
// (chip_data.bin) so that a simulator's golden model starts from the generator's own
// integers instead of calibrating again (about a second for stories260K). Little-endian,
// versioned ("HWQD" 1).
std::string chip_data_bytes(const ChipData& d);
// ChipData from chip_data_bytes' output for `model` (its shape) in `format`: the tables and
// constants are derived from the shape. Throws hw::Error naming `what` when the bytes are
// not such a file or do not fit the shape.
ChipData chip_data_from_bytes(const std::string& bytes, const Model& model,
                              const WeightFormat& format, const std::string& what);

}  // namespace hw
