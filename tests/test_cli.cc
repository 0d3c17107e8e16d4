// SPDX-License-Identifier: MIT
// The hardwire command line: help, bad arguments (one line, exit 2), ref output.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_util.h"

using Catch::Contains;
using hw::test::run_cli;

namespace {

// Number of lines in s.
int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("hardwire --help lists the commands and each command has --help", "[fast][cli]") {
    const auto top = run_cli("--help");
    CHECK(top.exit_code == 0);
    CHECK_THAT(top.out, Contains("usage: hardwire <command>") && Contains("ref"));
    const auto ref = run_cli("ref --help");
    CHECK(ref.exit_code == 0);
    CHECK_THAT(ref.out, Contains("--model FILE") && Contains("--tokenizer FILE") &&
                            Contains("--prompt TEXT") && Contains("--steps N") &&
                            Contains("--json"));
}

TEST_CASE("bad arguments give one clear line and exit code 2", "[fast][cli]") {
    const struct {
        const char* args;
        const char* says;
    } cases[] = {
        {"frobnicate", "unknown command 'frobnicate'"},
        {"ref --bogus", "unknown option '--bogus'"},
        {"ref", "one of --model or --synthetic is required"},
        {"ref --model", "option '--model' needs a value"},
        {"ref --model /nonexistent/m.bin", "/nonexistent/m.bin: cannot open checkpoint"},
        {"ref --synthetic dim=64 --steps 0",
         "option '--steps': expected an integer in 1..256, found '0'"},
        {"ref --synthetic dim=64 --steps ten", "found 'ten'"},
        {"ref --synthetic dim=64 --prompt hi", "'--prompt' needs --tokenizer"},
        {"ref --synthetic dim=63", "a multiple of n_heads=8"},
        {"ref --synthetic dim=64 extra", "unexpected argument 'extra'"},
        {"run --synthetic dim=64 --link usb3", "--link: unknown link: expected usb2, pcie3x1"},
        {"run --synthetic dim=64 --inject-errors 1e-3x", "--inject-errors: bad rates"},
        {"run --synthetic dim=64 --inject-errors 0.7", "each a probability in 0..0.5"},
        {"run --synthetic dim=64 --trace-tokens 3", "--trace-tokens needs --trace FILE.fst"},
        {"run --synthetic dim=64 --trace t.fst --trace-tokens 5:2", "expected A or A:B"},
        {"run --synthetic dim=64 --steps 8 --trace t.fst --trace-tokens 9", "after the last of the 8"},
        {"run --synthetic dim=64 --model m.bin", "give --model or --synthetic, not both"},
        {"run --synthetic dim=64 --prompt hi", "--prompt needs --tokenizer"},
        {"run --synthetic dim=64 --check --no-check", "contradict"},
    };
    for (const auto& c : cases) {
        INFO("hardwire " << c.args);
        const auto r = run_cli(c.args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains(c.says));
        CHECK(lines(r.err) == 1);
    }
}

TEST_CASE("hardwire ref prints the Lily story from a prompt", "[model][cli]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    HW_REQUIRE_MODEL_FILE(tok, hw::test::stories260k_tokenizer());
    const auto r = run_cli("ref --model " + model + " --tokenizer " + tok +
                           " --prompt 'Once upon a time' --steps 64");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("Once upon a time, there was a little girl named Lily."));
    CHECK_THAT(r.err, Contains("64 positions"));
}

TEST_CASE("hardwire ref --json prints the reference trace format", "[model][cli]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    HW_REQUIRE_MODEL_FILE(trace,
                          hw::test::model_path("stories260K/reference/greedy-from-bos.jsonl"));
    const auto r = run_cli("ref --model " + model + " --steps 8 --json");
    CHECK(r.exit_code == 0);
    std::ifstream in(trace);
    std::string expected;
    for (int i = 0; i < 8; i++) {
        std::string line;
        std::getline(in, line);
        expected += line + "\n";
    }
    // Same keys in the same order, logits printed with %f; values as in the trace.
    const std::regex format(
        R"(\{"pos":\d+,"token":\d+,"next":\d+,"top5":\[(\[\d+,-?\d+\.\d{6}\],){4}\[\d+,-?\d+\.\d{6}\]\]\})");
    std::istringstream got(r.out), want(expected);
    int n = 0;
    for (std::string g, w; std::getline(got, g) && std::getline(want, w); n++) {
        INFO("line " << n << ": " << g);
        CHECK(std::regex_match(g, format));
        const auto jg = nlohmann::json::parse(g), jw = nlohmann::json::parse(w);
        CHECK(jg["pos"] == jw["pos"]);
        CHECK(jg["token"] == jw["token"]);
        CHECK(jg["next"] == jw["next"]);
        for (int i = 0; i < 5; i++) {
            CHECK(jg["top5"][i][0] == jw["top5"][i][0]);
            CHECK(jg["top5"][i][1].get<double>() ==
                  Approx(jw["top5"][i][1].get<double>()).margin(1e-4));
        }
    }
    CHECK(n == 8);
}

TEST_CASE("hardwire ref runs a synthetic model without a tokenizer", "[fast][cli]") {
    const auto r =
        run_cli("ref --synthetic dim=32,hidden=48,layers=1,heads=4,vocab=40,seq_len=8 --steps 8");
    CHECK(r.exit_code == 0);
    CHECK(lines(r.out) == 1);
    CHECK_THAT(r.err, Contains("synthetic:dim=32"));
}

TEST_CASE("hardwire run streams the story through the link, checked, with a summary",
          "[model][chip][cli][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // The chip build is the one test_chip and test_link use (same cache, same key).
    const auto r = run_cli("run --model " + model + " --prompt 'Once upon a time' --steps 20 " +
                           "--cache " + std::string(HW_TEST_WORK_DIR) + "/chips");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Once upon a time, there was a little girl") &&
                          Contains("every one bit-exact with the golden model") &&
                          Contains("over pcie3x4"));
}
