// SPDX-License-Identifier: MIT
// Test helpers: locating models, temporary folders, running the CLI.
#pragma once

#include <string>

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

}  // namespace hw::test

// Declares `var` as the model path, or returns from the test case when it is missing.
#define HW_REQUIRE_MODEL_FILE(var, path_expr) \
    const std::string var = (path_expr);      \
    if (var.empty()) return
