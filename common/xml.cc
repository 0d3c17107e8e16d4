// SPDX-License-Identifier: MIT
#include "xml.h"

namespace hw {

std::string xml_escape(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '&') o += "&amp;";
        else if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '"') o += "&quot;";
        else if (c < 0x20 && c != '\n' && c != '\t') o += '?';
        else o += char(c);
    }
    return o;
}

}  // namespace hw
