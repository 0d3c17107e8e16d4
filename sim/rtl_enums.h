// SPDX-License-Identifier: MIT
// The names of the RTL's encoded values, read from the SystemVerilog that defines them (one
// place): every `typedef enum` of rtl/, and the link's TLP types (hw_link_pkg's TYPE_*
// constants, generated from host/link_spec.json). Wave layouts and the token timeline show
// these names instead of numbers.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace hw {

// An encoding: value -> name.
using ValueNames = std::map<long long, std::string>;

// Every enum of `files`, by type name ("op_e", "st_e", ...), and the constants named
// PREFIX_* of a `localparam logic [..] PREFIX_X = ...;` group, by "PREFIX_" (for example
// "TYPE_"), for each of `prefixes`. Throws hw::Error when a file cannot be read or an enum's
// value cannot be parsed.
std::map<std::string, ValueNames> read_rtl_enums(const std::vector<std::string>& files,
                                                 const std::vector<std::string>& prefixes = {});

// The chip's encodings from this checkout's rtl/ (hw_pkg, hw_link_pkg, the endpoint and the
// link), read once; the TLP types (TYPE_*) under "tlp_type".
const std::map<std::string, ValueNames>& chip_enums();

}  // namespace hw
