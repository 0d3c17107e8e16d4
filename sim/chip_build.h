// SPDX-License-Identifier: MIT
// One command from checkpoint to simulator: generate the model's RTL, verilate it with the
// hand-written datapath and build the chip_check harness, cached by the inputs' hash.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "generate.h"

namespace hw {

// What to build.
struct ChipBuildOptions {
    GenOptions gen;                           // model, format, lanes, name (out is set here)
    std::string cache;                        // cache root; one folder per configuration
    std::vector<std::string> verilator_args;  // extra Verilator arguments (e.g. fault defines)
    bool trace = false;                       // FST tracing compiled in (its own configuration)
    bool coverage = false;                    // Verilator coverage compiled in (its own
                                              // configuration); also on when
                                              // $HARDWIRE_COVERAGE_DIR is set
};

// What was built.
struct ChipBuild {
    std::string dir;         // the configuration's folder
    std::string gen_dir;     // hardwire gen output
    std::string executable;  // chip_check
    std::string name;        // module prefix
    bool cached = false;     // nothing had to be done
};

// Builds (or finds) the configuration. The folder name is a hash of the model bytes, the
// options, the RTL and harness sources' hashes come in through build_verilated's own
// fingerprint, so editing rtl/ rebuilds and nothing else does.
ChipBuild build_chip(const ChipBuildOptions& o,
                     const std::function<void(const std::string&)>& progress);

// True when $HARDWIRE_COVERAGE_DIR is set: every chip build is then a coverage build, and
// every simulation writes its coverage data into that folder (hardwire regress --cov).
bool coverage_requested();

// The default cache root: $HARDWIRE_CACHE, else $XDG_CACHE_HOME/hardwire, else ~/.cache/hardwire.
std::string default_cache_root();

}  // namespace hw
