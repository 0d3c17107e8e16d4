// SPDX-License-Identifier: MIT
// weightgen: a model in, the chip's generated RTL out (ROM modules, table ROMs, config
// package, ROM bank wrapper), with manifest.json and a C++ header of the same facts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "datapath.h"
#include "quant.h"

namespace hw {

// What to generate (the options of `hardwire gen`).
struct GenOptions {
    std::string model;             // llama2.c checkpoint, or empty with `synthetic`
    std::string synthetic;         // synthetic spec, or empty with `model`
    std::string tokenizer;         // optional tokenizer.bin (hashed into the manifest)
    std::string out;               // output directory
    WeightFormat format;           // weight format
    Datapath datapath;             // MAC rows x lanes, attention positions per cycle
    std::string name;              // module prefix; empty: derived from the model
    bool force = false;            // replace an output directory of another model
    std::uint64_t rom_budget = 0;  // maximum ROM bits; 0 = no limit
    std::string command_line;      // recorded in banners and the manifest
};

// What was generated.
struct GenResult {
    std::string out;             // output directory
    std::string name;            // module prefix used
    int files = 0;               // files written
    std::uint64_t rom_bits = 0;  // total ROM bits
    std::string model_hash;      // sha256 over all ROM contents (the chip's ID)
};

// Validates options before any work (the datapath's ranges, name syntax); throws hw::Error
// naming the option.
void check_gen_options(const GenOptions& o);

// Generates everything into o.out, atomically: files are written to a temporary sibling
// directory that replaces o.out only when complete. Throws hw::Error (nothing written)
// on bad input, an over-budget model, an output directory holding another model (unless
// force) or one that cannot be written. `progress` receives one line per step.
GenResult generate(const GenOptions& o, const std::function<void(const std::string&)>& progress);

// Generator version, recorded in every banner and manifest.
const char* generator_version();

}  // namespace hw
