// SPDX-License-Identifier: MIT
#include "coverage.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "error.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace hw {
namespace {

// A record's fields: "\001key\002value" pairs (Verilator's coverage format).
std::map<std::string, std::string> fields(const std::string& rec) {
    std::map<std::string, std::string> f;
    std::size_t k = 0;
    while ((k = rec.find('\001', k)) != std::string::npos) {
        const std::size_t sep = rec.find('\002', k);
        if (sep == std::string::npos) break;
        const std::size_t end = rec.find('\001', sep);
        f[rec.substr(k + 1, sep - k - 1)] =
            rec.substr(sep + 1, end == std::string::npos ? std::string::npos : end - sep - 1);
        k = sep;
    }
    return f;
}

// Runs a tool with its output appended to `log`; throws naming the tool and the log when it
// fails.
void run_tool(const std::string& what, const std::string& cmd, const std::string& log) {
    if (run_logged(cmd, log) != 0)
        throw Error(what + " failed (command: " + cmd + "; log " + log + ")");
}

}  // namespace

CoverageSummary summarize_coverage(const std::string& dat) {
    std::ifstream in(dat);
    if (!in) throw make_error(dat, "cannot open the coverage data", "a Verilator coverage.dat", "none");
    CoverageSummary s;
    std::map<std::string, std::size_t> index;  // kind -> position in s.kinds
    std::map<std::string, bool> design_hit;    // user point below the top -> hit anywhere
    std::vector<std::string> design_order;
    std::string line;
    bool header = false;
    while (std::getline(in, line)) {
        if (line.rfind("# SystemC::Coverage", 0) == 0) header = true;
        if (line.rfind("C '", 0) != 0) continue;
        const std::size_t close = line.rfind('\'');
        if (close < 3) throw make_error(dat, "coverage record", "C '<fields>' <count>", line);
        const auto f = fields(line.substr(3, close - 3));
        const long long count = std::atoll(line.c_str() + close + 1);
        const auto page = f.find("page");
        std::string kind = page == f.end() ? "other" : page->second.substr(0, page->second.find('/'));
        if (kind.rfind("v_", 0) == 0) kind = kind.substr(2);
        auto [it, added] = index.try_emplace(kind, s.kinds.size());
        if (added) s.kinds.push_back({kind, 0, 0});
        CoverageCount& c = s.kinds[it->second];
        c.points++;
        if (count > 0) c.hit++;
        if (kind == "user") {
            // h is the point's hierarchical name, TOP.<top>.<path>.<label>.
            const auto h = f.find("h"), o = f.find("o");
            std::string name = h != f.end() ? h->second : o != f.end() ? o->second : "?";
            const std::size_t top_end = name.find('.', 4);
            if (name.rfind("TOP.", 0) == 0 && top_end != std::string::npos) name = name.substr(top_end + 1);
            auto [d, first] = design_hit.try_emplace(name, false);
            if (first) design_order.push_back(name);
            if (count > 0) d->second = true;
        }
    }
    for (const auto& name : design_order)
        if (!design_hit[name]) s.missed_user.push_back(name);
    if (!header)
        throw make_error(dat, "coverage data", "a Verilator coverage.dat (# SystemC::Coverage header)",
                         "no header");
    return s;
}

CoverageReport write_coverage_report(const std::vector<std::string>& runs,
                                     const std::string& out_dir,
                                     const std::function<void(const std::string&)>& progress) {
    if (runs.empty())
        throw make_error(out_dir, "coverage runs", "at least one coverage.dat from a coverage build",
                         "none");
    for (const char* tool : {"verilator_coverage", "genhtml"}) {
        if (std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) != 0)
            throw make_error(tool, "not found", "on PATH (Debian packages verilator and lcov: scripts/setup)",
                             "missing");
    }
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw make_error(out_dir, "cannot create the folder", "a writable path", ec.message());
    CoverageReport r;
    r.merged = out_dir + "/merged.dat";
    r.info = out_dir + "/merged.info";
    r.annotated = out_dir + "/annotated";
    const std::string log = out_dir + "/tools.log";
    fs::remove(log, ec);
    std::string all;
    for (const auto& f : runs) all += " " + shell_quote(f);
    progress("merging " + std::to_string(runs.size()) + " coverage runs");
    run_tool("verilator_coverage (merge)", "verilator_coverage --write " + shell_quote(r.merged) + all, log);
    run_tool("verilator_coverage (lcov)",
             "verilator_coverage --write-info " + shell_quote(r.info) + " " + shell_quote(r.merged), log);
    progress("annotating sources into " + r.annotated);
    run_tool("verilator_coverage (annotate)",
             "verilator_coverage --annotate " + shell_quote(r.annotated) + " --annotate-all --annotate-min 1 " +
                 shell_quote(r.merged),
             log);
    progress("writing the HTML report (genhtml)");
    run_tool("genhtml", "genhtml --quiet --output-directory " + shell_quote(out_dir + "/html") + " " +
                            shell_quote(r.info),
             log);
    r.html = out_dir + "/html/index.html";
    r.summary = summarize_coverage(r.merged);
    return r;
}

}  // namespace hw
