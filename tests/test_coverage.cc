// SPDX-License-Identifier: MIT
// Coverage reports (sim/coverage.cc): reading Verilator's coverage.dat and merging runs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "coverage.h"
#include "test_util.h"

namespace {

// One coverage record in Verilator's format ("\001key\002value" fields, then the count).
std::string record(const std::string& file, int line, const std::string& kind,
                   const std::string& name, long long count, const std::string& scope = "TOP.m.") {
    const std::string f = "\001f\002" + file + "\001l\002" + std::to_string(line) +
                          "\001n\0020\001page\002v_" + kind + "/m\001o\002" + name + "\001h\002" +
                          scope + name;
    return "C '" + f + "' " + std::to_string(count) + "\n";
}

// A coverage.dat of three points: a line hit `a` times, a toggle hit `b` times and a cover
// property hit `c` times.
std::string dat(const std::string& src, long long a, long long b, long long c) {
    return "# SystemC::Coverage-3\n" + record(src, 1, "line", "block", a) +
           record(src, 2, "toggle", "sig", b) + record(src, 3, "user", "c_full", c);
}

const hw::CoverageCount& kind(const hw::CoverageSummary& s, const std::string& k) {
    for (const auto& c : s.kinds)
        if (c.kind == k) return c;
    FAIL("no coverage kind " << k);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("coverage summary counts points and hits per kind and names missed cover points",
          "[fast][coverage]") {
    hw::test::TempDir dir;
    const std::string src = dir.file("m.sv");
    std::ofstream(src) << "module m;\n  logic sig;\n  c_full: cover property (sig);\nendmodule\n";
    std::ofstream(dir.file("a.dat")) << dat(src, 5, 0, 0);
    const hw::CoverageSummary s = hw::summarize_coverage(dir.file("a.dat"));
    CHECK(kind(s, "line").points == 1);
    CHECK(kind(s, "line").hit == 1);
    CHECK(kind(s, "toggle").hit == 0);
    CHECK(kind(s, "user").hit == 0);
    REQUIRE(s.missed_user.size() == 1);
    CHECK(s.missed_user[0] == "c_full");

    // Two configurations (chip tops a and b) share the design's points: u.c_x is hit in b,
    // u.c_y nowhere.
    std::ofstream(dir.file("two.dat"))
        << "# SystemC::Coverage-3\n" << record(src, 3, "user", "c_x", 0, "TOP.a.u.")
        << record(src, 3, "user", "c_x", 2, "TOP.b.u.") << record(src, 4, "user", "c_y", 0, "TOP.a.u.")
        << record(src, 4, "user", "c_y", 0, "TOP.b.u.");
    const hw::CoverageSummary two = hw::summarize_coverage(dir.file("two.dat"));
    CHECK(kind(two, "user").points == 4);
    CHECK(kind(two, "user").hit == 1);
    CHECK(two.missed_user == std::vector<std::string>{"u.c_y"});

    std::ofstream(dir.file("bad.dat")) << "hello\n";
    CHECK_THROWS_WITH(hw::summarize_coverage(dir.file("bad.dat")),
                      Catch::Contains("bad.dat") && Catch::Contains("SystemC::Coverage"));
    CHECK_THROWS_WITH(hw::summarize_coverage(dir.file("none.dat")), Catch::Contains("none.dat"));
}

TEST_CASE("coverage report merges runs: a point hit in any run is hit", "[fast][coverage]") {
    hw::test::TempDir dir;
    const std::string src = dir.file("m.sv");
    std::ofstream(src) << "module m;\n  logic sig;\n  c_full: cover property (sig);\nendmodule\n";
    std::ofstream(dir.file("a.dat")) << dat(src, 5, 0, 0);
    std::ofstream(dir.file("b.dat")) << dat(src, 0, 3, 1);
    const hw::CoverageReport r = hw::write_coverage_report(
        {dir.file("a.dat"), dir.file("b.dat")}, dir.file("out"), [](const std::string&) {});
    CHECK(kind(r.summary, "line").hit == 1);
    CHECK(kind(r.summary, "toggle").hit == 1);
    CHECK(kind(r.summary, "user").hit == 1);
    CHECK(r.summary.missed_user.empty());
    CHECK(std::filesystem::file_size(r.info) > 0);
    CHECK(std::filesystem::exists(r.annotated + "/m.sv"));
    CHECK(std::filesystem::exists(r.html));

    CHECK_THROWS_WITH(hw::write_coverage_report({}, dir.file("out2"), [](const std::string&) {}),
                      Catch::Contains("coverage"));
}
