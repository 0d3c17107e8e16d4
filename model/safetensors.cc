// SPDX-License-Identifier: MIT
#include "safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "error.h"

namespace hw {

static_assert(sizeof(float) == 4, "float32 data");

float half_to_float(std::uint16_t h) {
    const int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);                // zero, subnormal
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = std::ldexp(static_cast<float>(1024 + mant), exp - 25);            // (1 + m/1024) 2^(e-15)
    return (h & 0x8000) ? -v : v;
}

std::uint16_t float_to_half(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000);
    const std::uint32_t a = x & 0x7fffffff;
    if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);  // Inf, NaN
    if (a >= 0x477ff000) return sign | 0x7c00;  // 65520 and up round to Inf
    if (a < 0x38800000) {
        // Below 2^-14: a subnormal half, |f| * 2^24 rounded to the nearest even integer.
        return sign | static_cast<std::uint16_t>(std::nearbyint(std::fabs(f) * 16777216.0f));
    }
    std::uint32_t h = ((((a >> 23) - 127 + 15)) << 10) | ((a & 0x7fffff) >> 13);
    const std::uint32_t rest = a & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;  // a carry into the exponent is right
    return sign | static_cast<std::uint16_t>(h);
}

float bf16_to_float(std::uint16_t b) {
    const std::uint32_t x = std::uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

std::uint16_t float_to_bf16(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000) return static_cast<std::uint16_t>((x >> 16) | 0x40);  // NaN
    return static_cast<std::uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

namespace {

int element_size(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    return 0;
}

}  // namespace

std::map<std::string, SafeTensor> read_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw make_error(path, "cannot open the safetensors file", "a readable file", "none");
    std::ostringstream buf;
    buf << in.rdbuf();
    const std::string bytes = buf.str();
    if (bytes.size() < 8)
        throw make_error(path, "header length", "8 bytes", std::to_string(bytes.size()) + " bytes in the file");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    if (n > bytes.size() - 8)
        throw make_error(path, "header length", "at most the " + std::to_string(bytes.size() - 8) +
                                                    " bytes after it", std::to_string(n));
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": the header is not valid JSON: " + e.what());
    }
    if (!header.is_object()) throw make_error(path, "header", "a JSON object", header.dump().substr(0, 80));
    const char* data = bytes.data() + 8 + n;
    const std::uint64_t data_size = bytes.size() - 8 - n;

    std::map<std::string, SafeTensor> out;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // data_offsets, to check the packing
    for (auto& [name, e] : header.items()) {
        if (name == "__metadata__") {
            if (!e.is_object()) throw make_error(path, "__metadata__", "an object of strings", e.dump());
            continue;
        }
        const std::string where = path + ": tensor '" + name + "'";
        if (!e.is_object()) throw make_error(where, "entry", "an object with dtype, shape, data_offsets", e.dump());
        for (auto& [key, v] : e.items())
            if (key != "dtype" && key != "shape" && key != "data_offsets")
                throw make_error(where, "key \"" + key + "\"", "dtype, shape or data_offsets", v.dump());
        if (!e.contains("dtype") || !e["dtype"].is_string())
            throw make_error(where, "dtype", "a string", e.value("dtype", nlohmann::json()).dump());
        SafeTensor t;
        t.dtype = e["dtype"];
        const int esize = element_size(t.dtype);
        if (esize == 0) throw make_error(where, "dtype", "F32, F16 or BF16", t.dtype);
        if (!e.contains("shape") || !e["shape"].is_array())
            throw make_error(where, "shape", "an array of dimensions", e.value("shape", nlohmann::json()).dump());
        std::uint64_t count = 1;
        for (const auto& d : e["shape"]) {
            if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || d.get<std::int64_t>() > (1LL << 40))
                throw make_error(where, "shape", "non-negative integer dimensions", e["shape"].dump());
            t.shape.push_back(d.get<std::int64_t>());
            count *= static_cast<std::uint64_t>(t.shape.back());
            if (count > (1ULL << 40)) throw make_error(where, "shape", "fewer than 2^40 elements", e["shape"].dump());
        }
        const auto& off = e.value("data_offsets", nlohmann::json());
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw make_error(where, "data_offsets", "[begin, end], two non-negative integers", off.dump());
        const std::uint64_t begin = off[0], end = off[1];
        if (begin > end || end > data_size)
            throw make_error(where, "data_offsets", "begin <= end <= the data's " + std::to_string(data_size) + " bytes",
                             off.dump());
        if (end - begin != count * esize)
            throw make_error(where, "data_offsets", std::to_string(count * esize) + " bytes for shape " +
                                                        e["shape"].dump() + " of " + t.dtype,
                             std::to_string(end - begin) + " bytes");
        spans.push_back({begin, end});
        t.data.resize(count);
        const unsigned char* p = reinterpret_cast<const unsigned char*>(data + begin);
        for (std::uint64_t i = 0; i < count; i++) {
            float v;
            if (esize == 4) {
                std::memcpy(&v, p + 4 * i, 4);  // little-endian host
            } else {
                const std::uint16_t h = static_cast<std::uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
                v = t.dtype == "F16" ? half_to_float(h) : bf16_to_float(h);
            }
            if (!std::isfinite(v))
                throw make_error(where, "element " + std::to_string(i), "a finite value", std::to_string(v));
            t.data[i] = v;
        }
        out.emplace(name, std::move(t));
    }
    // The data is the tensors back to back: no byte twice, none unused.
    std::sort(spans.begin(), spans.end());
    std::uint64_t at = 0;
    for (const auto& [b, e] : spans) {
        if (b != at)
            throw make_error(path, "data_offsets", "tensors packed back to back from byte 0",
                             b < at ? "an overlap at byte " + std::to_string(b) : "a gap at byte " + std::to_string(at));
        at = e;
    }
    if (at != data_size)
        throw make_error(path, "data", std::to_string(at) + " bytes (the tensors')", std::to_string(data_size) + " bytes");
    return out;
}

void write_safetensors(const std::string& path, const std::map<std::string, SafeTensor>& tensors,
                       const std::string& dtype) {
    const int esize = element_size(dtype);
    if (esize == 0) throw make_error(path, "dtype to write", "F32, F16 or BF16", dtype);
    nlohmann::json header = nlohmann::json::object();
    std::string data;
    for (const auto& [name, t] : tensors) {
        std::uint64_t count = 1;
        for (std::int64_t d : t.shape) count *= static_cast<std::uint64_t>(d);
        if (count != t.data.size())
            throw make_error(path, "tensor '" + name + "'", std::to_string(count) + " elements for its shape",
                             std::to_string(t.data.size()));
        const std::uint64_t begin = data.size();
        for (float v : t.data) {
            if (esize == 4) {
                char b[4];
                std::memcpy(b, &v, 4);
                data.append(b, 4);
            } else {
                const std::uint16_t h = dtype == "F16" ? float_to_half(v) : float_to_bf16(v);
                data.push_back(static_cast<char>(h & 0xff));
                data.push_back(static_cast<char>(h >> 8));
            }
        }
        header[name] = {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
    }
    header["__metadata__"] = {{"format", "pt"}, {"written_by", "hardwire (model/safetensors.cc)"}};
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');  // the data 8-byte aligned, as the reference writer does
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        char len[8];
        for (int i = 0; i < 8; i++) len[i] = static_cast<char>((std::uint64_t(h.size()) >> (8 * i)) & 0xff);
        out.write(len, 8);
        out << h << data;
        if (!out) throw make_error(path, "cannot write the safetensors file", "a writable path", "a write error");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw make_error(path, "cannot write the safetensors file", "a writable path", ec.message());
}

}  // namespace hw
