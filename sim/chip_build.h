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
    bool verilate = true;                     // false: generate only (the transaction-level
                                              // model, vp_sim, needs no Verilated build)
    // Coverage builds (their own configurations) are chosen by kCoverageDirEnv below.
};

// What was built.
struct ChipBuild {
    std::string dir;         // the configuration's folder
    std::string gen_dir;     // hardwire gen output
    std::string executable;  // chip_sim (vp_sim when only generated)
    std::string name;        // module prefix
    std::string checkpoint;  // this run's checkpoint, absolute (empty for a synthetic model)
    bool cached = false;     // nothing had to be done
};

// The simulator's command line for `mode` (check, run, linktest, walk), shell-quoted: the
// executable, the generated folder and this run's checkpoint. The configuration is cached
// by the model's bytes, so its manifest may record another run's path to them (relative to
// another folder, or gone); the simulator opens the file named here and checks its hash.
std::string sim_command(const ChipBuild& b, const std::string& mode);

// The virtual platform's program (vp_sim, built with hardwire) for a generated
// configuration: its command line for `mode` (check, run), like sim_command's.
std::string vp_command(const ChipBuild& b, const std::string& mode);

// Builds (or finds) the configuration. The folder name is a hash of the model bytes, the
// options, the RTL and harness sources' hashes come in through build_verilated's own
// fingerprint, so editing rtl/ rebuilds and nothing else does.
ChipBuild build_chip(const ChipBuildOptions& o,
                     const std::function<void(const std::string&)>& progress);

// The environment variable naming the coverage data folder (hardwire regress --cov sets
// it). When set, every chip build is a coverage build, and every simulation of one writes
// its coverage data into that folder (SimControl, which reads it by this name).
inline constexpr const char* kCoverageDirEnv = "HARDWIRE_COVERAGE_DIR";
bool coverage_requested();

// The environment variable naming planted faults (the mutation campaign, tests/mutations.json):
// a comma-separated list of names; every chip build plants each as +define+HW_FAULT_<name>
// (its own cached configuration). Throws hw::Error for a name that is not [A-Z0-9_]+.
inline constexpr const char* kFaultsEnv = "HARDWIRE_FAULTS";
std::vector<std::string> planted_faults();

// The hand-written RTL of a chip, in compile order (the waivers and packages first), relative
// to the source tree.
extern const std::vector<const char*> kChipRtlFiles;

// The default cache root: $HARDWIRE_CACHE, else $XDG_CACHE_HOME/hardwire, else ~/.cache/hardwire.
std::string default_cache_root();

}  // namespace hw
