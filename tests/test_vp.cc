// SPDX-License-Identifier: MIT
// The virtual platform (vp/): the same decode at both levels, the Verilated chip (chip_sim,
// every value scoreboarded; directly and behind the TLM target's transactor) and the
// transaction-level model behind the TLM-2.0 sockets (vp_sim), compared line by line: every
// position's input, token, cycles from its start to its result and (with --logits) the CRC-32
// of its logits as they crossed the link.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "chip_build.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

const char* const kOneLayer =
    "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1";

// One level's run of `args` on a configuration (built once, cached under the build tree):
// its output, exit code and per-position lines.
struct LevelRun {
    std::string out;
    int rc = -1;
    std::vector<std::string> positions;
};

// Levels: the RTL (chip_sim, the driver on the cycle-level link), the RTL behind the TLM
// sockets (chip_sim --tlm: the transactor), the transaction-level model (vp_sim).
enum class Level { kRtl, kRtlThroughTlm, kTlm };

LevelRun run_level(Level level, const std::string& model, const std::string& synthetic,
                   const hw::Datapath& dp, const std::string& args) {
    const bool tlm = level == Level::kTlm;
    hw::ChipBuildOptions o;
    o.gen.model = model;
    o.gen.synthetic = synthetic;
    o.gen.format = hw::parse_weight_format("int8");
    o.gen.datapath = dp;
    o.gen.command_line = "test_vp";
    o.cache = std::string(HW_TEST_WORK_DIR) + "/chips";
    o.verilate = !tlm;
    const hw::ChipBuild b = hw::build_chip(o, [](const std::string&) {});
    hw::test::TempDir dir;
    LevelRun r;
    const std::string cmd = (tlm ? hw::vp_command(b, "check") : hw::sim_command(b, "check")) + " " +
                            args + (level == Level::kRtlThroughTlm ? " --tlm" : "");
    r.rc = WEXITSTATUS(std::system((cmd + " > " + dir.file("log") + " 2>&1").c_str()));
    r.out = hw::test::read_file(dir.file("log"));
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("pos ", 0) == 0) r.positions.push_back(line);
    return r;
}

// The cycles from each position's start to its result, summed ("" when absent).
std::string token_cycles(const std::string& out) {
    const auto p = out.find(" from each position's start to its result");
    if (p == std::string::npos) return "";
    const auto b = out.rfind(' ', p - 1);
    return out.substr(b + 1, p - b - 1);
}

// Both levels decode `args`; every position's line is the same.
void same_at_both_levels(const std::string& model, const std::string& synthetic,
                         const hw::Datapath& dp, const std::string& args, std::size_t positions) {
    const LevelRun rtl = run_level(Level::kRtl, model, synthetic, dp, args);
    const LevelRun via = run_level(Level::kRtlThroughTlm, model, synthetic, dp, args);
    const LevelRun tlm = run_level(Level::kTlm, model, synthetic, dp, args);
    INFO(args << "\nRTL:\n"
              << rtl.out.substr(rtl.out.size() > 2500 ? rtl.out.size() - 2500 : 0) << "\nTLM:\n"
              << tlm.out.substr(tlm.out.size() > 2500 ? tlm.out.size() - 2500 : 0));
    REQUIRE(rtl.rc == 0);
    REQUIRE(tlm.rc == 0);
    CHECK_THAT(rtl.out, Contains("tokens bit-exact") && Contains("equal to the cycle model's"));
    REQUIRE(rtl.positions.size() == positions);
    REQUIRE(tlm.positions.size() == positions);
    for (std::size_t k = 0; k < positions; k++) {
        INFO("position " << k);
        CHECK(tlm.positions[k] == rtl.positions[k]);
    }
    CHECK(token_cycles(tlm.out) == token_cycles(rtl.out));
    // The RTL behind the target's transactor: the same run, to the chip's total cycles.
    INFO("RTL through the TLM sockets:\n"
         << via.out.substr(via.out.size() > 2500 ? via.out.size() - 2500 : 0));
    REQUIRE(via.rc == 0);
    CHECK(via.positions == rtl.positions);
    const auto total = [](const std::string& out) {
        const auto p = out.find("\nchip:");
        return p == std::string::npos ? std::string() : out.substr(p, out.find('\n', p + 1) - p);
    };
    CHECK(total(via.out) == total(rtl.out));
    CHECK(!token_cycles(rtl.out).empty());
    CHECK_THAT(tlm.out, Contains("at transaction level"));
}

}  // namespace

TEST_CASE(
    "virtual platform: stories260K at both levels with every token and logit and cycle count equal",
    "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // A prompt (its positions' tokens are the prompt's), then greedy tokens, with the logits
    // of every position sent over the link.
    same_at_both_levels(model, "", hw::Datapath{},
                        "--steps 64 --prompt-tokens 1,403,407,261 --logits", 64);
}

TEST_CASE("virtual platform: sampling and a LoRA adapter at both levels", "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // The sampler's draws (top-k and top-p) and an adapter in slot 1 that adapts every matrix:
    // its image is written over the driver at both levels, and the TLM model reads its adapter
    // SRAM back (adapter_from_image) as the chip's sequencer does.
    same_at_both_levels(model, "", hw::Datapath{},
                        "--steps 40 --logits --temperature 0.9 --top-k 20 --top-p 0.9 --seed 5 "
                        "--synthetic-adapter r=8,targets=q,k,v,o,gate,up,down,seed=3 --slot 1",
                        40);
}

TEST_CASE("virtual platform: a grouped-query shape on a wider datapath at both levels",
          "[chip][slow]") {
    // 6 heads on 2 KV heads, vocabulary 300, rows of 3, beats of 32 lanes, 2 context positions a
    // cycle: every step's cycles differ from stories260K's datapath; sampled, with an adapter.
    same_at_both_levels("", kOneLayer, hw::Datapath{3, 32, 2},
                        "--steps 32 --logits --temperature 1.2 --seed 7 --synthetic-adapter "
                        "r=4,targets=k,o,up,seed=2",
                        32);
}

TEST_CASE("hardwire run --level tlm: the virtual platform from the command line", "[fast]") {
    hw::test::TempDir dir;
    // kOneLayer's shape with seed 2: its first token is not BOS, which would end a run at once.
    const std::string spec =
        "--synthetic dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=2 "
        "--cache " +
        dir.file("cache");
    // No Verilator build: the generated folder is all it needs.
    const auto r = hw::test::run_cli("run --level tlm " + spec + " --steps 20 --json");
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("\"level\":\"tlm\"") &&
                          Contains("\"positions\":20,\"generated\":20,\"end\":\"DONE\""));
    CHECK_THAT(r.err, !Contains("verilat"));
    // What only the RTL has is refused, naming the option.
    for (const char* rtl_only :
         {"--trace t.fst", "--timeline t.svg", "--inject-errors 1e-3", "--no-check"}) {
        const auto bad = hw::test::run_cli("run --level tlm " + spec + " " + rtl_only);
        INFO(rtl_only << ": " << bad.err);
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.err, Contains("needs --level rtl"));
    }
    const auto bad = hw::test::run_cli("run --level gate " + spec);
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Contains("--level gate: expected rtl or tlm"));
}

TEST_CASE("the example sc_main: a user's own program drives the card through the sockets",
          "[fast]") {
    // A generated folder is all the transaction-level model needs (no Verilator build).
    hw::test::TempDir dir;
    const auto gen = hw::test::run_cli(
        "gen --synthetic dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,"
        "seq_len=32,seed=2 --out " +
        dir.file("gen"));
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    const std::string log = dir.file("log");
    const int rc = WEXITSTATUS(std::system(
        (std::string(HW_VP_EXAMPLE_PATH) + " " + dir.file("gen") + " > " + log + " 2>&1").c_str()));
    const std::string out = hw::test::read_file(log);
    INFO(out);
    CHECK(rc == 0);
    CHECK_THAT(out, Contains("card: dim 48, 1 layers, vocabulary 300") &&
                        Contains("position 15: token") && Contains("16 tokens generated (DONE)"));
    // A folder that is not a generated one is an error naming it.
    const int bad = WEXITSTATUS(std::system(
        (std::string(HW_VP_EXAMPLE_PATH) + " " + dir.file("nothing") + " > " + log + " 2>&1")
            .c_str()));
    CHECK(bad == 2);
    CHECK_THAT(hw::test::read_file(log), Contains(dir.file("nothing")));
}
