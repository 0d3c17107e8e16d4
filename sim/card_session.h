// SPDX-License-Identifier: MIT
// What the decode programs share, whatever the card behind the driver is (chip_sim: the
// Verilated chip on the cycle-level link; vp_sim: the virtual platform's TLM target): the
// prompt given as token ids, the JSON and text forms of the sampler's settings, and a LoRA
// adapter written into a slot over the driver.
#pragma once

#include <cstdint>
#include <functional>
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

// The options both decode programs take (chip_sim, vp_sim): what to decode, how the card is
// reached and shown, the sampler and the adapter. Each program's Options derives from it.
struct DecodeOptions {
    std::string mode, gen_dir;  // argv[1], argv[2]
    std::string model;          // the checkpoint (default: the path the manifest recorded)
    int steps = 0;              // positions to decode (run.c's steps); 0: the mode's default
    std::string prompt, tokenizer;
    std::vector<int> prompt_tokens;  // a prompt as token ids
    bool json = false, logits = false;
    std::string link = "pcie3x4";
    double clock_hz = 1e9;
    std::uint64_t seed = 1;   // the sampler's (chip_sim: the link's faults' too)
    SamplerSettings sampler;  // --temperature, --top-k, --top-p, --seed (greedy by default)
    std::string adapter_dir, adapter_spec;  // --adapter, --synthetic-adapter (none by default)
    int slot = 0;  // --slot: the adapter SRAM slot it is loaded into and selects
};
// A program's own option: `option` with its value from `value()` (which throws when none
// follows); false when it is not one of the program's.
using OwnOption =
    std::function<bool(const std::string& option, const std::function<std::string()>& value)>;
// Parses MODE GEN_DIR [options] into `o`: the shared options here, the rest through `own`;
// then the checks across options (the sampler's settings, one adapter source, one prompt
// form). Throws hw::Error naming the option, with `usage` for an unknown one.
void parse_decode_options(int argc, char** argv, DecodeOptions& o, const OwnOption& own,
                          const std::string& usage);

// `s` as a JSON string's contents (quotes, backslashes and control characters escaped).
std::string json_escape(const std::string& s);
// The sampler's settings as a JSON object, and as one line of text.
std::string sampler_json(const SamplerSettings& s);
std::string sampler_text(const SamplerSettings& s);

// What loading an adapter did.
struct AdapterRun {
    std::string source;  // "" when none
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
