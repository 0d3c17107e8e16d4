// SPDX-License-Identifier: MIT
#include "shell.h"

#include <cstdlib>

namespace hw {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

int run_logged(const std::string& command, const std::string& log) {
    return std::system((command + " >>" + shell_quote(log) + " 2>&1").c_str());
}

}  // namespace hw
