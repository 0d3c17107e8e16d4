// SPDX-License-Identifier: MIT
// SystemVerilog and C++ text for the generated files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chip_data.h"
#include "rom_image.h"

namespace hw {

// A named constant that both the SystemVerilog package and the C++ header carry.
struct CfgFact {
    std::string name;     // UPPER_CASE
    std::uint64_t value;  // non-negative
    std::string comment;  // one line
};

// Module name of a ROM: <prefix>_rom_[l<layer>_]<tensor>[_scale] or <prefix>_tab_<table>.
std::string rom_module_name(const std::string& prefix, const RomImage& r);

// One ROM module: the words as a constant array (a parameter array for simulation; an
// initial-block memory under SYNTHESIS, because Yosys 0.23 cannot parse unpacked array
// parameters) behind a registered read port.
// `sha256` is r.sha256(), passed in because the caller needs it too.
std::string emit_rom_module(const std::string& module, const RomImage& r, const std::string& sha256,
                            const std::string& banner);

// The config package <prefix>_cfg_pkg.
std::string emit_cfg_pkg(const std::string& prefix, const std::vector<CfgFact>& facts,
                         const std::string& model_hash, const std::string& banner);

// The C++ header <prefix>_cfg.h with the same facts, and each matrix's weight width.
std::string emit_cfg_header(const std::string& prefix, const std::vector<CfgFact>& facts,
                            const std::vector<TensorBits>& widths, const std::string& model_hash,
                            const std::string& banner);

// The ROM bank wrapper <prefix>_rom_bank: one read port per tensor class.
std::string emit_rom_bank(const std::string& prefix, const Config& c,
                          const std::vector<RomImage>& roms, const std::string& banner);

// The chip top <prefix>_chip: hw_core (rtl/) bound to this model's ROM bank, its parameters
// taken from <prefix>_cfg_pkg.
std::string emit_chip_top(const std::string& prefix, const Config& c, const WeightFormat& f,
                          const Datapath& dp, const std::string& banner);

}  // namespace hw
