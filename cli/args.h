// SPDX-License-Identifier: MIT
// A small command-line parser: --name VALUE options and --flag switches, generated help.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hw::cli {

// A bad command line; main() prints it as one line and exits with code 2.
class UsageError : public std::runtime_error {
  public:
    explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

class Args {
  public:
    // `command` is e.g. "hardwire ref"; `usage` the synopsis; `summary` one paragraph.
    Args(std::string command, std::string usage, std::string summary);

    // Declares --name VALUE. An empty default means the option has no default.
    Args& option(const std::string& name, const std::string& value_name, const std::string& help,
                 const std::string& default_value = "");
    // Declares a --name switch.
    Args& flag(const std::string& name, const std::string& help);

    // Parses argv[first..argc). Returns false if --help was given (help already printed).
    bool parse(int argc, char** argv, int first);

    bool has(const std::string& name) const;         // given, or has a default
    std::string get(const std::string& name) const;  // value; UsageError if absent
    // Integer value in [lo, hi]; UsageError naming the option otherwise.
    long long get_int(const std::string& name, long long lo, long long hi) const;
    // Float value in [lo, hi]; UsageError naming the option otherwise.
    double get_double(const std::string& name, double lo, double hi) const;
    bool flag_set(const std::string& name) const;  // switch given
    // Fails unless exactly one of the named options was given.
    void require_one_of(const std::vector<std::string>& names) const;

    std::string help() const;  // full --help text

  private:
    struct Spec {
        std::string value_name;     // empty for a switch
        std::string help;           // one line
        std::string default_value;  // empty if none
    };
    std::string command_, usage_, summary_;
    std::vector<std::string> order_;             // declaration order, for help
    std::map<std::string, Spec> specs_;          // by name
    std::map<std::string, std::string> values_;  // parsed values (switches: "1")
};

}  // namespace hw::cli
