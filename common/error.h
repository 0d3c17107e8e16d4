// SPDX-License-Identifier: MIT
// hw::Error: the one exception type for bad input, carrying where and what.
#pragma once

#include <stdexcept>
#include <string>

namespace hw {

// An error in something the user gave us (a file, an option, a spec). The message is
// one line: "<where>: <what was wrong>: expected <x>, found <y>" where applicable.
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds the standard message "<where>: <what>: expected <expected>, found <found>".
inline Error make_error(const std::string& where, const std::string& what,
                        const std::string& expected, const std::string& found) {
    return Error(where + ": " + what + ": expected " + expected + ", found " + found);
}

}  // namespace hw
