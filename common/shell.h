// SPDX-License-Identifier: MIT
// Running external tools (CMake, verilator_coverage, genhtml, chip simulators) through
// /bin/sh: the one quoting rule and the one way to log a tool's output.
#pragma once

#include <string>

namespace hw {

// s quoted for /bin/sh (single quotes; an embedded ' becomes '\'').
std::string shell_quote(const std::string& s);

// Runs a shell command and returns its standard output; *status gets pclose's status (-1 when
// the command could not be started).
std::string run_captured(const std::string& command, int* status);

// Runs a shell command with its output appended to `log`; returns std::system's status
// (0 when the command exited with 0).
int run_logged(const std::string& command, const std::string& log);

}  // namespace hw
