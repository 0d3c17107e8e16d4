// SPDX-License-Identifier: MIT
// The projection of a model onto the chip (hardwire explore): for a model shape, weight format,
// datapath, context and clock, the cycles per token (the exact cycle model), ROM bits (the
// ROM image layout), SRAM bits (the RTL's SRAM macros), logic area (fitted to synthesis of the
// real RTL), area in mm2, transistors, energy per token and power. Every constant comes from
// one documented file (explore/constants.json) and can be overridden.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "datapath.h"
#include "model.h"
#include "quant.h"

namespace hw {

// The constants file: name -> value, with each one's unit and source.
struct Constants {
    struct Entry {
        double value = 0;
        std::string unit, source;
    };
    std::map<std::string, Entry> entries;
    // Published chips to compare with ("reference_points": HC1), drawn on the plot.
    struct Reference {
        std::string label, name, source;  // "HC1 (published)", what it is, where it is published
        double tokens_per_s = 0, area_mm2 = 0, transistors = 0, watts = 0;
    };
    std::vector<Reference> references;
    std::string path;  // where they were read

    double get(const std::string& name) const;  // hw::Error for an unknown name
    // Overrides a constant from "NAME=VALUE"; hw::Error naming the option for an unknown name
    // or a value that is not a non-negative number.
    void set(const std::string& assignment, const std::string& option);
};
std::string default_constants_path();  // explore/constants.json of this checkout
Constants read_constants(const std::string& path);

// SRAM macros of the RTL (hw_attention's K and V banks and scores, hw_scratch's logits): the
// same depths and widths hw_sram is instantiated with (scripts/synth-report counts the same).
struct SramBits {
    std::uint64_t kv = 0;      // 2 x AttnPar banks of max(2, layers x ceil(context / AttnPar)) rows
                               // of kv_dim 16-bit entries and an 8-bit shift
    std::uint64_t scores = 0;  // max(2, ceil(context / AttnPar)) words of NlUnits 32-bit scores
    std::uint64_t logits = 0;  // max(2, ceil(vocab / Rows)) words of Rows 32-bit logits
    std::uint64_t total() const { return kv + scores + logits; }
};
SramBits sram_bits(const Config& c, const Datapath& d);  // c.seq_len is the context
// The scratch's vector registers (hw_scratch: x, xb, xb2, q, k, v, hb, hb2 as Q16 int32
// flip-flops), part of the logic area.
std::uint64_t scratch_register_bits(const Config& c);

// Events of one token, averaged over positions 0..context-1, that the energy model prices.
struct TokenEvents {
    double weight_macs = 0;     // at the weight width x 16-bit activations
    double attention_macs = 0;  // q.k and p.v: 16-bit KV entries x 32-bit operands
    double rom_bits_read = 0;   // weight, scale and gain words the schedule reads
    double sram_bits_read = 0;  // KV rows, scores, logits
    double sram_bits_written = 0;
    double table_lookups = 0;   // rsqrt, 1/x, 2^-x, sigmoid
};
TokenEvents token_events(const Config& c, const WeightFormat& f, const Datapath& d, int context);

// Logic area in gate equivalents: a linear model over the datapath's features, fitted to
// whole-chip synthesis runs of the RTL (explore/synth_points.json, made by scripts/synth
// --chip --json) by least squares.
struct LogicFeatures {
    static constexpr int kCount = 6;
    static const char* name(int i);  // "const", "mac lanes", ...
    double x[kCount];
};
LogicFeatures logic_features(const Config& c, const Datapath& d);

struct SynthPoint {
    std::string spec;   // synthetic model spec
    Datapath datapath;
    double ge = 0;      // gate equivalents, as scripts/synth-report counts them
    bool held_out = false;  // not used in the fit: its error is the model's check
    double predicted = 0;   // filled by the fit
};
struct LogicModel {
    bool fitted = false;  // enough synthesis runs to determine every coefficient
    std::string why_not;  // when not fitted: what is missing
    double coef[LogicFeatures::kCount] = {};
    std::vector<SynthPoint> points;  // with predictions
    double fit_max_error = 0;        // largest |relative error| on the fitted points
    double held_out_max_error = 0;   // ... and on the held-out ones
    std::string path;
    double ge(const Config& c, const Datapath& d) const;
};
std::string default_synth_points_path();
// Fits the model to the file's runs. Too few runs (fewer than the coefficients, or runs that
// do not vary a feature) leave it unfitted with the reason: its area is then not projected,
// rather than guessed. hw::Error for a file that cannot be read or a malformed run.
LogicModel fit_logic_model(const std::string& synth_points_path);

// One configuration's projection.
struct Projection {
    Datapath datapath;
    int context = 0;
    double clock_hz = 0;
    double cycles_per_token = 0, tokens_per_s = 0, mac_utilization = 0;
    std::uint64_t rom_bits = 0;
    SramBits sram;
    bool logic_known = false;  // the logic model is fitted (else logic area 0, totals without it)
    double logic_ge = 0;
    double logic_mm2 = 0, rom_mm2 = 0, rom_mm2_low = 0, rom_mm2_high = 0, sram_mm2 = 0;
    double total_mm2() const { return logic_mm2 + rom_mm2 + sram_mm2; }
    double total_mm2_low() const { return logic_mm2 + rom_mm2_low + sram_mm2; }
    double total_mm2_high() const { return logic_mm2 + rom_mm2_high + sram_mm2; }
    double transistors = 0;
    double energy_pj_per_token = 0;
    double energy_pj_by_kind[4] = {};  // MACs, ROM, SRAM, tables
    double watts = 0;                  // dynamic at tokens_per_s plus leakage
};

// `c.seq_len` is the context the chip is built for (the KV cache's positions); cycles are the
// mean over positions 0..context-1.
Projection project(const Config& c, const WeightFormat& f, const Datapath& d, double clock_hz,
                   const Constants& k, const LogicModel& logic);

}  // namespace hw
