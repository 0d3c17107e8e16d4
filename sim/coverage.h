// SPDX-License-Identifier: MIT
// Coverage of coverage builds (Verilator --coverage: line, toggle and the RTL's cover
// properties): merging the runs' coverage.dat files into the reports a sign-off review reads.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hw {

// Points of one kind ("line", "toggle", "user") and how many were hit at least once.
struct CoverageCount {
    std::string kind;
    long long points = 0;
    long long hit = 0;
};

// A coverage.dat in figures: counts per kind (every instance of every configuration), and
// the user cover points never hit in any configuration, named by their path below the top
// module (u_core.c_op_mv): each model's chip has its own top, so one design point appears
// once per configuration and counts as hit when any of them hit it. In file order.
struct CoverageSummary {
    std::vector<CoverageCount> kinds;
    std::vector<std::string> missed_user;
};

// Reads one Verilator coverage.dat; throws hw::Error naming the file when it is unreadable
// or not coverage data.
CoverageSummary summarize_coverage(const std::string& dat);

// What write_coverage_report made.
struct CoverageReport {
    std::string merged;     // merged coverage.dat
    std::string info;       // lcov tracefile
    std::string annotated;  // sources annotated with their counts
    std::string html;       // genhtml's index.html
    CoverageSummary summary;
};

// Merges `runs` (coverage.dat files) with verilator_coverage into out_dir: merged.dat,
// merged.info, annotated/ and html/ (genhtml from lcov). Throws hw::Error when there are no
// runs, a tool is missing, or a tool fails (out_dir/tools.log has its output).
CoverageReport write_coverage_report(const std::vector<std::string>& runs,
                                     const std::string& out_dir,
                                     const std::function<void(const std::string&)>& progress);

}  // namespace hw
