// SPDX-License-Identifier: MIT
// Test helpers: locating models, temporary folders, running the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quant.h"
#include "synthetic.h"

namespace hw::test {

// Path of `relative` under $HARDWIRE_MODELS, or "" if it is not there. When missing, a
// test outside CI reports itself skipped (printing HARDWIRE-SKIP and how to get the
// model); under CI=true it fails, so CI cannot pass without running model tests.
std::string model_path(const std::string& relative);

// Convenience paths of the stories260K files ("" when missing, see model_path).
inline std::string stories260k_bin() { return model_path("stories260K/stories260K.bin"); }
inline std::string stories260k_tokenizer() { return model_path("stories260K/tok512.bin"); }

// A fresh temporary folder, removed with its contents when the object dies.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Path of `name` inside the folder.
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

// Result of running a command through the shell.
struct CommandResult {
    int exit_code;    // process exit status
    std::string out;  // stdout
    std::string err;  // stderr
};
// The hardwire binary built with this tree.
std::string cli_path();
// Runs `hardwire <arguments>` (the binary built with this tree).
CommandResult run_cli(const std::string& arguments);

// Whole file as bytes; "" if missing.
std::string read_file(const std::string& path);

// A random quantized (rows, cols) matrix of `bits`-bit weights (8 or 4; group 0: one scale per
// row) with its edge rows: row 0 alternating +-qmax, row 1 all at the negative limit with the
// largest mantissas, row 2 zeros; exponents from strong saturation (row 3: 0) to results that
// round to zero.
QMatrix random_qmatrix(int rows, int cols, int group, int bits, SplitMix64& rng);

// The golden matvec (IntModel::matvec) of w and activation words a at exponent a_shift;
// `saturations` gets the number of clamped results.
std::vector<std::int32_t> golden_matvec(const QMatrix& w, const std::vector<std::int16_t>& a,
                                        int a_shift, std::uint64_t* saturations);

}  // namespace hw::test

// Declares `var` as the model path, or returns from the test case when it is missing.
#define HW_REQUIRE_MODEL_FILE(var, path_expr) \
    const std::string var = (path_expr);      \
    if (var.empty()) return
