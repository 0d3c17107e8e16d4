// SPDX-License-Identifier: MIT
#include "args.h"

#include <cstdio>
#include <sstream>

namespace hw::cli {

Args::Args(std::string command, std::string usage, std::string summary)
    : command_(std::move(command)), usage_(std::move(usage)), summary_(std::move(summary)) {
    flag("help", "print this help and exit");
}

Args& Args::option(const std::string& name, const std::string& value_name, const std::string& help,
                   const std::string& default_value) {
    order_.push_back(name);
    specs_[name] = Spec{value_name, help, default_value};
    return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
    return option(name, "", help);
}

bool Args::parse(int argc, char** argv, int first) {
    for (int i = first; i < argc; i++) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) {
            throw UsageError("unexpected argument '" + arg + "'");
        }
        std::string name = arg.substr(2), value;
        const auto eq = name.find('=');
        const bool inline_value = eq != std::string::npos;
        if (inline_value) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        auto it = specs_.find(name);
        if (it == specs_.end()) throw UsageError("unknown option '--" + name + "'");
        if (it->second.value_name.empty()) {
            if (inline_value) throw UsageError("option '--" + name + "' takes no value");
            value = "1";
        } else if (!inline_value) {
            if (i + 1 >= argc) {
                throw UsageError("option '--" + name + "' needs a value (" + it->second.value_name +
                                 ")");
            }
            value = argv[++i];
        }
        values_[name] = value;
    }
    if (flag_set("help")) {
        std::fputs(help().c_str(), stdout);
        return false;
    }
    return true;
}

bool Args::has(const std::string& name) const {
    return values_.count(name) != 0 || !specs_.at(name).default_value.empty();
}

std::string Args::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    const Spec& s = specs_.at(name);
    if (s.default_value.empty()) throw UsageError("option '--" + name + "' is required");
    return s.default_value;
}

long long Args::get_int(const std::string& name, long long lo, long long hi) const {
    const std::string text = get(name);
    std::size_t used = 0;
    long long v = 0;
    try {
        v = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || v < lo || v > hi) {
        throw UsageError("option '--" + name + "': expected an integer in " + std::to_string(lo) +
                         ".." + std::to_string(hi) + ", found '" + text + "'");
    }
    return v;
}

double Args::get_double(const std::string& name, double lo, double hi) const {
    const std::string text = get(name);
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !(v >= lo && v <= hi)) {
        std::ostringstream range;
        range << lo << ".." << hi;
        throw UsageError("option '--" + name + "': expected a number in " + range.str() +
                         ", found '" + text + "'");
    }
    return v;
}

bool Args::flag_set(const std::string& name) const { return values_.count(name) != 0; }

void Args::require_one_of(const std::vector<std::string>& names) const {
    int given = 0;
    std::string list;
    for (const auto& n : names) {
        given += values_.count(n) ? 1 : 0;
        list += (list.empty() ? "--" : " or --") + n;
    }
    if (given != 1) {
        throw UsageError(given == 0 ? "one of " + list + " is required"
                                    : "give only one of " + list);
    }
}

std::string Args::help() const {
    std::ostringstream o;
    o << "usage: " << usage_ << "\n\n" << summary_ << "\n\noptions:\n";
    for (const auto& name : order_) {
        const Spec& s = specs_.at(name);
        // A one-letter option is spelt the short way (-j N), as its command accepts it.
        const std::string dashes = name.size() == 1 ? "-" : "--";
        std::string left = "  " + dashes + name + (s.value_name.empty() ? "" : " " + s.value_name);
        o << left;
        if (left.size() < 26)
            o << std::string(26 - left.size(), ' ');
        else
            o << "\n" << std::string(26, ' ');
        o << s.help;
        if (!s.default_value.empty()) o << " (default: " << s.default_value << ")";
        o << "\n";
    }
    return o.str();
}

}  // namespace hw::cli
