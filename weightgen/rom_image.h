// SPDX-License-Identifier: MIT
// ROM images: the exact words of every ROM of the chip, in the order the datapath reads
// them. The SystemVerilog emitter writes these words and the read-back tests compare the
// Verilated ROMs against them, so the layout is defined here once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chip_data.h"
#include "datapath.h"

namespace hw {

// The shape of one ROM: what it holds and its words, without their contents.
struct RomShape {
    std::string port;  // bank read port (tensor class): "wq", "wq_scale", "norm_gain", "rope", ...
    std::string tensor;  // tensor or table name: "wq", "token_embedding", "rsqrt", ...
    std::string kind;    // "weights", "scales", "gains", "norm_frac" or "table"
    int layer = -1;      // layer, or -1 for model-wide ROMs
    int width = 0;       // bits per word
    int depth = 0;       // words

    // Total bits (depth * width).
    std::uint64_t bits() const { return std::uint64_t(depth) * width; }
};

// One ROM: `depth` words of `width` bits, each word stored as little-endian 64-bit limbs.
struct RomImage : RomShape {
    std::vector<std::uint64_t> limbs;  // depth * limbs_per_word()

    int limbs_per_word() const { return (width + 63) / 64; }
    // Writes `bits` low bits of `value` at bit `offset` of word `addr`.
    void put(int addr, int offset, int bits, std::uint64_t value);
    // Bit range [offset, offset + bits) of word `addr`, bits <= 64.
    std::uint64_t get(int addr, int offset, int bits) const;
    // SHA-256 of the contents: each word as ceil(width / 8) little-endian bytes, in order.
    std::string sha256() const;
};

// Layout of a weight matrix in its ROM, for a MAC cluster of `rows` x `lanes`: the rows are
// taken in row groups of `rows` (group G holds rows G*rows .. G*rows + rows - 1), the inputs in
// beats of `lanes`. The word at address G * beats + b holds, for each row r of group G, the
// inputs [b*lanes, b*lanes + lanes) of row G*rows + r: input b*lanes + k in bits
// [(r*lanes + k)*bits, +bits) as two's complement; zero past the last input and for rows past
// the last row. With rows = 1 a word is one beat of one row.
int weight_beats(int cols, int lanes);
int row_groups(int rows, int group_rows);

// Scale of one row: mantissa of group g in bits [16g, 16g+16), the row's exponent in the 8
// bits above the last mantissa. A scale ROM word holds a row group: row r's field at bit
// r * scale_width(groups); address = the row group.
int scale_width(int groups);

// The weight ROM and the scale ROM of one matrix (the layouts above).
RomImage weight_rom(const std::string& port, const std::string& tensor, int layer, const QMatrix& m,
                    const Datapath& dp, int bits);
RomImage scale_rom(const std::string& port, const std::string& tensor, int layer,
                   const QMatrix& m, const Datapath& dp);

// The shapes of every ROM of the chip (the list chip_roms fills, in its order), from the
// model's shape, weight format and datapath alone: ROM bits of a model that is never
// generated (hardwire explore) come from the same layout as a generated chip's.
std::vector<RomShape> rom_shapes(const Config& c, const WeightFormat& f, const Datapath& dp);
std::uint64_t rom_bits(const std::vector<RomShape>& shapes);

// Every ROM of the chip for datapath `dp`, in manifest order: token embedding (and
// classifier when separate), per layer wq wk wv wo w1 w2 w3 with their scale ROMs and the
// two norm gain ROMs (vec_lanes gains a word), the final norm gains, the norm exponents,
// then the tables.
std::vector<RomImage> chip_roms(const ChipData& d, const Datapath& dp);

// Width of one entry of each non-linear table ROM (two entries per word: e[k], e[k+1]).
constexpr int kTableEntryBits = 17;  // rsqrt, recip, sigmoid: unsigned up to 65536
constexpr int kExp2EntryBits = 31;   // exp2neg: unsigned up to 2^30
constexpr int kRopeEntryBits = 17;   // cos, sin: signed Q15, +-32768

}  // namespace hw
