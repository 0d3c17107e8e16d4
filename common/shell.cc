// SPDX-License-Identifier: MIT
#include "shell.h"

#include <cstdio>
#include <cstdlib>

namespace hw {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string run_captured(const std::string& command, int* status) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) {
        *status = -1;
        return out;
    }
    char b[4096];
    std::size_t n;
    while ((n = std::fread(b, 1, sizeof b, p)) > 0) out.append(b, n);
    *status = pclose(p);
    return out;
}

int run_logged(const std::string& command, const std::string& log) {
    return std::system((command + " >>" + shell_quote(log) + " 2>&1").c_str());
}

}  // namespace hw
