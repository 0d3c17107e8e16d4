// SPDX-License-Identifier: MIT
// A small safetensors reader and writer (the file format of Hugging Face's tensors, e.g. a
// PEFT adapter's adapter_model.safetensors): 8 bytes of little-endian header length N, N
// bytes of JSON header ({"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin,
// end]}, ..., optionally "__metadata__": {string: string}}), then the raw little-endian
// data, offsets relative to its start, tensors packed without gaps or overlaps.
// F32, F16 and BF16 tensors are read into float; anything else is an error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hw {

struct SafeTensor {
    std::string dtype;                // as stored: F32, F16 or BF16
    std::vector<std::int64_t> shape;  // dimensions (an empty shape is a scalar)
    std::vector<float> data;          // row-major, converted to float
};

// Every tensor of a file by name. Throws hw::Error naming the file (and the tensor) for a
// short file, a header length beyond the file, a header that is not a JSON object, a
// dtype other than F32/F16/BF16, a bad shape, offsets that do not match the shape's size,
// lie outside the data, overlap or leave gaps, and NaN or Inf values.
std::map<std::string, SafeTensor> read_safetensors(const std::string& path);

// Writes the tensors (name order) in `dtype` (F32, F16 or BF16, rounding to nearest even),
// atomically (a temporary file renamed over `path`). hw::Error if it cannot be written or
// a tensor's data does not match its shape.
void write_safetensors(const std::string& path, const std::map<std::string, SafeTensor>& tensors,
                       const std::string& dtype = "F32");

// IEEE half and bfloat16 conversions (round to nearest even on the way down).
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t b);
std::uint16_t float_to_bf16(float f);

}  // namespace hw
