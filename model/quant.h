// SPDX-License-Identifier: MIT
// The chip's weight formats and the quantizer: float checkpoint to integer ROM contents.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lora.h"
#include "model.h"

namespace hw {

// ---------------------------------------------------------------------------
// Weight format: signed `bits`-bit integers (3, 4, 6 or 8), symmetric (no zero point), one
// scale per group of `group` consecutive weights of a row (group 0 = the whole row). A
// mixed format gives some matrices other widths (per tensor, or per layer and tensor); the
// group is the chip's, shared by every matrix.
// ---------------------------------------------------------------------------

// One width override: `tensor` (token_embedding, wcls, wq, wk, wv, wo, w1, w2, w3) at `layer`,
// or at every layer when layer is -1.
struct TensorBits {
    int layer = -1;
    std::string tensor;
    int bits = 8;
    // "w1" (every layer) or "3.w1" (layer 3): how a format names it.
    std::string key() const { return (layer >= 0 ? std::to_string(layer) + "." : std::string()) + tensor; }
};

struct WeightFormat {
    int bits = 8;    // width of every matrix no override names
    int group = 32;  // weights per scale along the input dimension; 0 = one scale per row
    std::vector<TensorBits> overrides;  // in order; a later one wins where two name a matrix

    // The width of `tensor` at `layer` (-1 for the model-wide token_embedding and wcls).
    int bits_of(const std::string& tensor, int layer) const;
    // The plain format one matrix is quantized in: its width, the chip's group.
    WeightFormat of(const std::string& tensor, int layer) const;
    bool mixed() const { return !overrides.empty(); }
    int qmax() const { return (1 << (bits - 1)) - 1; }  // largest magnitude: 127, 31, 7 or 3
    // "int8/g32", "int4/row", "q3q6/g32", or a mix spelled out:
    // "int6/g32,w1=3,w2=3,w3=3,0.w2=6". parse_weight_format reads each back.
    std::string name() const;
};

// The widths a format allows, and the tensors a mix can name.
constexpr int kWeightWidths[] = {3, 4, 6, 8};
extern const char* const kWeightTensors[9];

// Groups of 32 by default: measured in docs/numerics.md (accuracy against per-row scales).
constexpr int kDefaultGroup = 32;

// Parses "int8", "int6", "int4" or "int3", or the recipe "q3q6" (docs/weightgen.md),
// optionally followed by "/gN" (groups of N weights) or "/row" (one scale per row), then
// any overrides ",TENSOR=BITS" (every layer) or ",L.TENSOR=BITS" (layer L). Without a group
// suffix the group is kDefaultGroup. Throws hw::Error naming what is wrong.
WeightFormat parse_weight_format(const std::string& text);
// A format map file: {"format": "int6/g32", "tensors": {"w1": "int3", "0.w2": "int6", ...}}
// (keys as in the overrides above, values a width "intN" or N). Throws hw::Error naming the
// file and the entry.
WeightFormat read_format_map(const std::string& path);
// The format a command was given: --format TEXT (int8 when empty), or --format-map FILE when
// `map_path` is set (then `text` must be empty: hw::Error when both are given).
WeightFormat format_from_options(const std::string& text, const std::string& map_path);

// Checks that every override of `f` names a matrix of a model of shape `c` (a layer it has,
// wcls only with a separate classifier); hw::Error otherwise.
void check_format(const Config& c, const WeightFormat& f);

// Every matrix of a model of shape `c` with its width under `f`, in ROM order: the
// token embedding (also the classifier when shared), wcls when separate, then per layer
// wq wk wv wo w1 w2 w3.
std::vector<TensorBits> tensor_widths(const Config& c, const WeightFormat& f);
// The widths among them, ascending (one for a plain format); the ROM words and the MAC
// cluster's input are as wide as the largest.
std::vector<int> used_widths(const Config& c, const WeightFormat& f);

// Scale groups of a row of `cols` weights in format `f`: ceil(cols / group), one per row
// for /row formats (and when a group is wider than the row).
int scale_group_size(int cols, const WeightFormat& f);
int scale_groups(int cols, const WeightFormat& f);

// Bits of a scale mantissa: each group's scale is mantissa * 2^-row_shift, the mantissas
// of a row sharing one shift so that partial sums can be added before one final shift.
constexpr int kScaleMantissaBits = 16;

// A quantized (rows, cols) matrix. Value of weight (i, j) in group g = j / group_size:
//   w[i*cols + j] * mantissa[i*groups + g] * 2^-shift[i]
struct QMatrix {
    int rows = 0, cols = 0;               // shape (out, in)
    int group_size = 0;                   // weights per group (cols when per row)
    int groups = 0;                       // groups per row: ceil(cols / group_size)
    int bits = 8;                         // weight width (its ROM words pack this many bits each)
    std::vector<std::int8_t> w;           // (rows, cols) integer weights in [-qmax, qmax]
    std::vector<std::uint16_t> mantissa;  // (rows, groups) scale mantissas
    std::vector<std::uint8_t> shift;      // (rows) scale exponents

    // The float value a weight stands for (for measurements and tests).
    double value(int i, int j) const;
};

// Second moments of a matrix's inputs, H = sum over calibration tokens of x x^T, (n, n)
// row-major. Empty: no calibration (plain round to nearest).
struct InputMoments {
    int n = 0;              // input dimension
    std::vector<double> h;  // (n, n)
    long long samples = 0;  // vectors accumulated
};

// Calibration statistics for every matrix of a model, keyed by input: "wq" (also wk, wv),
// "wo", "w1" (also w3), "w2" per layer, and "classifier".
struct Calibration {
    std::vector<InputMoments> wq, wo, w1, w2;  // (n_layers) each
    InputMoments classifier;                   // final-norm output
    std::string description;                   // how it was gathered (for manifests)
};

// Quantizes a row-major float matrix. Per group: scale = max|w| / qmax, represented as
// mantissa * 2^-shift (mantissa rounded half to even, the row's largest mantissa in
// [2^15, 2^16)); weights = round_half_even(w / represented scale), clamped to +-qmax.
// A group of zeros gets mantissa 0 and zero weights.
//
// With `moments` (non-empty), the rounding is error-compensating (GPTQ, Frantar et al.
// 2022): columns are quantized in order and each one's rounding error, weighted by the
// inverse input second moments, is pushed onto the columns not yet quantized, which
// minimises the error of W x over the calibration inputs rather than of W itself. Scales
// are fixed from the original weights first, so the format is unchanged.
QMatrix quantize_matrix(const float* w, int rows, int cols, const WeightFormat& f,
                        const InputMoments* moments = nullptr);

// An RMSNorm gain vector, pre-multiplied by sqrt(dim) (see docs/numerics.md), as signed
// 24-bit integers with one exponent: gain_i ~= g[i] * 2^-frac.
struct QGain {
    std::vector<std::int32_t> g;  // (dim)
    int frac = 0;                 // fraction bits
};
constexpr int kGainBits = 24;  // gain word width

// Quantizes gains (times sqrt(dim)), frac chosen so the largest fits kGainBits signed.
QGain quantize_gain(const float* g, int n, double premultiply);

// Per layer quantized tensors.
struct QLayer {
    QGain rms_att, rms_ffn;              // norm gains (x sqrt(dim))
    QMatrix wq, wk, wv, wo, w1, w2, w3;  // projections
};

// The whole quantized model: everything the chip's ROMs hold.
struct QModel {
    Config config;               // shape
    WeightFormat format;         // weight format (each matrix's width: its QMatrix::bits)
    QMatrix token_embedding;     // (vocab, dim); also the classifier when shared
    std::vector<QLayer> layers;  // (n_layers)
    QGain rms_final;             // final norm gains (x sqrt(dim))
    QMatrix wcls;                // (vocab, dim) when not shared; empty otherwise

    const QMatrix& classifier() const { return config.shared_classifier ? token_embedding : wcls; }
};

// Quantizes a float model to the chip's formats (deterministic). With a calibration,
// matrices use error-compensating rounding; the token embedding's rows are also the
// classifier's when shared, so they use the classifier's moments.
QModel quantize_model(const Model& m, const WeightFormat& f, const Calibration* cal = nullptr);

// A LoRA adapter in the chip's arithmetic (docs/numerics.md, section 9): for every adapted
// matrix, A (r, in) and s B (out, r), s = alpha/r folded into B before it is quantized,
// each an int8 matrix with group-of-32 scales (B's rows, r <= 32 long, one group), so that
// the low-rank path is two matrix products of the kind every other matrix uses.
struct QLowRank {
    QMatrix a;   // (rank, in)
    QMatrix sb;  // (out, rank): s B
};
struct QAdapter {
    int rank = 0;
    std::vector<std::map<std::string, QLowRank>> layers;  // per layer, by llama2.c name
    std::string source;
    // The pair of (layer, matrix), or nullptr when that matrix is not adapted.
    const QLowRank* find(int layer, const std::string& matrix) const {
        const auto it = layers[layer].find(matrix);
        return it == layers[layer].end() ? nullptr : &it->second;
    }
};
// Rounds an adapter to nearest in that format.
QAdapter quantize_adapter(const Adapter& a);

// Round half to even of a double (the offline quantizer's rounding).
double round_half_even(double x);

}  // namespace hw
