// SPDX-License-Identifier: MIT
#include "rtl_enums.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include "error.h"

namespace hw {

namespace {

// "4'd3", "8'h1f", "2'b10", "7" -> the value; throws on anything else.
long long parse_literal(const std::string& text, const std::string& where) {
    static const std::regex sized(R"(^\s*(\d+)?\s*'\s*([dhbDHB])\s*([0-9a-fA-F_]+)\s*$)");
    static const std::regex plain(R"(^\s*(\d+)\s*$)");
    std::smatch m;
    std::string digits;
    int base = 10;
    if (std::regex_match(text, m, sized)) {
        const char b = static_cast<char>(std::tolower(m[2].str()[0]));
        base = b == 'h' ? 16 : b == 'b' ? 2 : 10;
        digits = m[3];
    } else if (std::regex_match(text, m, plain)) {
        digits = m[1];
    } else {
        throw make_error(where, "enum value", "a number such as 4'd3", "'" + text + "'");
    }
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    return std::stoll(digits, nullptr, base);
}

// The text of a file with // and /* */ comments removed.
std::string read_without_comments(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open (the RTL that names the chip's encodings)");
    std::ostringstream s;
    s << in.rdbuf();
    static const std::regex comments(R"(//[^\n]*|/\*[\s\S]*?\*/)");
    return std::regex_replace(s.str(), comments, " ");
}

}  // namespace

std::map<std::string, ValueNames> read_rtl_enums(const std::vector<std::string>& files,
                                                 const std::vector<std::string>& prefixes) {
    static const std::regex enum_re(R"(typedef\s+enum\b[^{]*\{([^}]*)\}\s*(\w+)\s*;)");
    std::map<std::string, ValueNames> out;
    for (const std::string& f : files) {
        const std::string text = read_without_comments(f);
        for (std::sregex_iterator it(text.begin(), text.end(), enum_re), end; it != end; ++it) {
            ValueNames& names = out[(*it)[2]];
            long long next = 0;
            std::istringstream items((*it)[1].str());
            for (std::string item; std::getline(items, item, ',');) {
                const auto eq = item.find('=');
                std::string name = item.substr(0, eq);
                name.erase(std::remove_if(name.begin(), name.end(), ::isspace), name.end());
                if (name.empty()) continue;
                if (eq != std::string::npos)
                    next = parse_literal(item.substr(eq + 1), f + ": " + (*it)[2].str() + " " + name);
                names[next++] = name;
            }
        }
        for (const std::string& p : prefixes) {
            const std::regex const_re("localparam\\s+logic\\s*\\[[^\\]]*\\]\\s*(" + p +
                                      "\\w+)\\s*=\\s*([^;]+);");
            for (std::sregex_iterator it(text.begin(), text.end(), const_re), end; it != end; ++it)
                out[p][parse_literal((*it)[2], f + ": " + (*it)[1].str())] = (*it)[1].str().substr(p.size());
        }
    }
    return out;
}

const std::map<std::string, ValueNames>& chip_enums() {
    static const std::map<std::string, ValueNames> enums = [] {
        std::vector<std::string> files;
        for (const char* f : {"hw_pkg.sv", "hw_link_pkg.sv", "hw_endpoint.sv", "hw_link_tx.sv"})
            files.push_back(std::string(HW_SOURCE_DIR) + "/rtl/" + f);
        std::map<std::string, ValueNames> e = read_rtl_enums(files, {"TYPE_"});
        e["tlp_type"] = e["TYPE_"];  // named for what it encodes
        e.erase("TYPE_");
        return e;
    }();
    return enums;
}

}  // namespace hw
