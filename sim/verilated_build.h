// SPDX-License-Identifier: MIT
// Builds a Verilated model of generated RTL plus a C++ harness, through CMake verilate(),
// once per configuration: the build lives in a folder named after the configuration and is
// reused until its inputs change.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hw {

// One Verilated executable to build.
struct VerilatedBuild {
    std::string gen_dir;                       // hardwire gen output (files.f, *.sv, *_cfg.h)
    std::vector<std::string> rtl_files;        // extra hand-written RTL, before the generated files
    std::vector<std::string> gen_extra;        // generated files after files.f (e.g. the chip top)
    std::vector<std::string> include_files;    // files the RTL `includes (their folders: -I)
    std::string top_module;                    // Verilator top
    std::vector<std::string> harness_sources;  // C++ files of the harness (absolute)
    std::string executable;                    // name of the program
    std::string work_dir;                      // build folder (created)
    std::vector<std::string> verilator_args;   // extra Verilator arguments
    bool trace = false;                        // verilate with FST tracing (VM_TRACE_FST)
    bool coverage = false;                     // line, toggle and cover-property coverage (VM_COVERAGE)
    bool systemc = false;                      // the harness links the virtual platform (hw_vp,
                                               // SystemC: it defines sc_main)
};

// The result of build_verilated.
struct VerilatedBuildResult {
    std::string executable;  // path of the program
    bool built = false;      // false: the folder already held a build of the same inputs
};

// Configures and builds with CMake (Verilator through verilate()), printing progress. Does
// nothing when the folder already holds a build of the same inputs. Throws hw::Error with
// the tail of the build log on failure.
VerilatedBuildResult build_verilated(const VerilatedBuild& b,
                                     const std::function<void(const std::string&)>& progress);

// Absolute path of a file in the hardwire source tree (for harness sources and rtl/).
std::string source_path(const std::string& relative);

}  // namespace hw
