// SPDX-License-Identifier: MIT
// What the decode programs share, whatever the card behind the driver is (chip_sim: the
// Verilated chip on the cycle-level link; vp_sim: the virtual platform's TLM target): the
// prompt given as token ids, the JSON and text forms of the sampler's settings, and a LoRA
// adapter written into a slot over the driver.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datapath.h"
#include "driver.h"
#include "model.h"
#include "quant.h"
#include "sampler_settings.h"

namespace hw {

// "T,T,..." -> token ids (--prompt-tokens; range-checked by the chip, on purpose). Throws
// hw::Error naming the option.
std::vector<int> parse_tokens(const std::string& text);
// `text` as a number in lo..hi (the value of `option`); hw::Error naming the option and the
// range otherwise.
double parse_number(const std::string& option, const std::string& text, double lo, double hi);

// `s` as a JSON string's contents (quotes, backslashes and control characters escaped).
std::string json_escape(const std::string& s);
// The sampler's settings as a JSON object, and as one line of text.
std::string sampler_json(const SamplerSettings& s);
std::string sampler_text(const SamplerSettings& s);

// What loading an adapter did.
struct AdapterRun {
    std::string source;        // "" when none
    int slot = -1;
    unsigned targets = 0;      // ADAPTER_TARGETS
    std::uint32_t hash = 0;    // ADAPTER_HASH after the load
    std::uint64_t cycles = 0;  // chip cycles the load took
};
// {"slot":..,"targets":..,"hash":..,"source":..}, or null when none was loaded.
std::string adapter_json(const AdapterRun& r);

// An adapter written into a slot: its quantized matrices (a golden model points at them while
// the slot serves) and what the load did.
struct LoadedAdapter {
    std::unique_ptr<QAdapter> q;
    AdapterRun run;
};
// Quantizes the adapter of `dir` (a PEFT folder) or `spec` (a synthetic one) for a chip of
// model `c`, datapath `d` and weight format `format`, and writes its image
// (golden/adapter_layout.h) into `slot` through `card` (the driver checks ADAPTER_HASH).
// Throws hw::Error naming `slot_option` for a slot the chip does not have.
LoadedAdapter load_adapter(const std::string& dir, const std::string& spec, int slot,
                           const std::string& slot_option, const Config& c, const Datapath& d,
                           const WeightFormat& format, link::Card& card);

}  // namespace hw
