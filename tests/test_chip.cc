// SPDX-License-Identifier: MIT
// The chip: greedy decodes on the Verilated datapath, every monitored write and every
// next token bit-exact with the integer golden model (sim/scoreboard.h, through the host link);
// planted faults are caught and named.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chip_build.h"
#include "test_util.h"

using Catch::Contains;

namespace {

// Builds a configuration (once; cached under the build tree) and decodes `steps` tokens.
// Returns chip_sim check's output; `rc` gets its exit code.
std::string run_chip(const std::string& model, const std::string& synthetic,
                     const std::string& format, hw::Datapath dp, int steps, int* rc,
                     const std::vector<std::string>& verilator_args = {},
                     const std::string& sim_args = "") {
    hw::ChipBuildOptions o;
    o.gen.model = model;
    o.gen.synthetic = synthetic;
    o.gen.format = hw::parse_weight_format(format);
    o.gen.datapath = dp;
    o.gen.command_line = "test_chip";
    o.cache = std::string(HW_TEST_WORK_DIR) + "/chips";
    o.verilator_args = verilator_args;
    const hw::ChipBuild b = hw::build_chip(o, [](const std::string&) {});
    hw::test::TempDir dir;
    *rc = WEXITSTATUS(std::system((hw::sim_command(b, "check") + " --steps " +
                                   std::to_string(steps) + " " + sim_args + " > " + dir.file("log") + " 2>&1")
                                      .c_str()));
    return hw::test::read_file(dir.file("log"));
}

// hardwire explore's projection of one configuration (`args`: the model, format, datapath and
// context), the first row of its JSON.
nlohmann::json explore(const std::string& args) {
    hw::test::TempDir dir;
    const auto r = hw::test::run_cli("explore " + args + " --json " + dir.file("e.json"));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(dir.file("e.json"));
    return nlohmann::json::parse(in)["configurations"][0];
}

// A number of a chip_check log: the integer after `before` ("" when absent).
std::string after(const std::string& log, const std::string& before) {
    const auto p = log.find(before);
    if (p == std::string::npos) return "";
    const auto b = p + before.size(), e = log.find_first_not_of("0123456789", b);
    return log.substr(b, e - b);
}

// hardwire explore projects what the simulation measured: its cycles/token (the mean over
// positions 0..steps-1) equal the performance counters' from each position's start to its
// result, and its SRAM bits the SRAM macros Verilator elaborated, by kind.
void check_explore(const std::string& log, const std::string& model_args, const std::string& format,
                   hw::Datapath dp, int steps, int seq_len) {
    const std::string dp_args = " --format " + format + " --rows " + std::to_string(dp.rows) + " --lanes " +
                                std::to_string(dp.lanes) + " --attn-par " + std::to_string(dp.attn_par);
    const nlohmann::json cycles = explore(model_args + dp_args + " --context " + std::to_string(steps));
    const std::string measured = after(log, "positions (" + dp.name() + "), ");
    REQUIRE(!measured.empty());
    CHECK(cycles["cycles_per_token"].get<double>() * steps == Approx(std::stod(measured)).epsilon(1e-12));
    const nlohmann::json sram = explore(model_args + dp_args + " --context " + std::to_string(seq_len))["sram_bits"];
    CHECK(after(log, "KV cache ") == std::to_string(sram["kv"].get<std::uint64_t>()));
    CHECK(after(log, "scores ") == std::to_string(sram["scores"].get<std::uint64_t>()));
    CHECK(after(log, "logits ") == std::to_string(sram["logits"].get<std::uint64_t>()));
    CHECK(after(log, "other ") == "0");
}

// The summary line of a chip_check log.
std::string summary(const std::string& log) {
    const auto p = log.find("chip_check:");
    return p == std::string::npos ? log.substr(log.size() > 2000 ? log.size() - 2000 : 0)
                                  : log.substr(p);
}

const char* const kOneLayer =
    "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1";
// Its datapath in the tests below: rows in groups of 3 (the k, v and hidden rows end in a
// partial group), beats of 32 (dim 48 and hidden 100 end in a partial beat), context blocks
// of 2 positions (odd positions end in a partial block), 12 table units for SwiGLU's 100.
const hw::Datapath kOneLayerDp{3, 32, 2};
// stories260K's benchmark datapath (docs/architecture.md).
const hw::Datapath kBase{1, 64, 1};

}  // namespace

TEST_CASE("stories260K: 256-token greedy decode bit-exact with the golden model",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    int rc = -1;
    const std::string log = run_chip(model, "", "int8", kBase, 256, &rc);
    INFO(summary(log));
    CHECK(rc == 0);
    CHECK_THAT(log, Contains("chip_check: 256 tokens bit-exact") && Contains("saturations 0"));
    // The greedy int8 decode starts "Once upon a time" (tokens 403 407 261 378).
    CHECK_THAT(log, Contains("pos 0 token 1 next 403") && Contains("pos 3 token 261 next 378"));
    check_explore(log, "--model " + model, "int8", kBase, 256, 512);
}

TEST_CASE("fast-forward: the RTL continues at position 500 from the golden model's KV cache",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // The whole context simulated, then positions 0..499 fast-forwarded (the golden model's
    // KV rows loaded through the backdoor, POSITION written over the link): positions
    // 500..511 are the same lines (inputs, tokens, cycles), every stage checked on the way.
    int rc = -1;
    const std::string full = run_chip(model, "", "int8", kBase, 512, &rc);
    REQUIRE(rc == 0);
    const std::string ff = run_chip(model, "", "int8", kBase, 512, &rc, {}, "--fast-forward 500");
    INFO(summary(ff));
    REQUIRE(rc == 0);
    CHECK_THAT(ff, Contains("chip_check: 12 tokens bit-exact") &&
                       Contains("fast-fwd:   positions 0..499 by the golden model") &&
                       Contains("every step of 12 tokens equal to the cycle model's"));
    auto lines_from = [](const std::string& log, int first) {
        std::vector<std::string> v;
        std::istringstream in(log);
        for (std::string line; std::getline(in, line);)
            if (line.rfind("pos ", 0) == 0 && std::stoi(line.substr(4)) >= first) v.push_back(line);
        return v;
    };
    const auto want = lines_from(full, 500), got = lines_from(ff, 0);
    CHECK(want.size() == 12);
    CHECK(got == want);
    // Inside a prompt, sampled, with an adapter, on a grouped-query shape with AttnPar 2 (the
    // KV rows spread over two banks): the chip takes the prompt's rest, then generates.
    const std::string gqa =
        run_chip("", kOneLayer, "int8", kOneLayerDp, 32, &rc, {},
                 "--fast-forward 3 --prompt-tokens 1,5,9,13,17 --temperature 1.1 --seed 4 "
                 "--synthetic-adapter r=4,targets=q,k,v,o,gate,up,down,seed=6");
    INFO(summary(gqa));
    CHECK(rc == 0);
    CHECK_THAT(gqa, Contains("chip_check: 29 tokens bit-exact") &&
                        Contains("pos 3 token 13 next") && Contains("pos 4 token 17 next"));
    const std::string gqa_late = run_chip("", kOneLayer, "int8", kOneLayerDp, 32, &rc, {},
                                          "--fast-forward 27 --temperature 1.1 --seed 4");
    INFO(summary(gqa_late));
    CHECK(rc == 0);
    CHECK_THAT(gqa_late, Contains("chip_check: 5 tokens bit-exact"));
    // What it cannot do is refused before anything runs.
    CHECK_THAT(run_chip("", kOneLayer, "int8", kOneLayerDp, 32, &rc, {}, "--fast-forward 32"),
               Contains("--fast-forward") && Contains("fewer than --steps"));
    CHECK(rc == 2);
    CHECK_THAT(
        run_chip("", kOneLayer, "int8", kOneLayerDp, 32, &rc, {}, "--fast-forward 4 --no-check"),
        Contains("drop --no-check"));
    CHECK(rc == 2);
}

TEST_CASE("stories260K q3q6 (FFN at 3 bits, the rest at 6): 256 tokens bit-exact",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    int rc = -1;
    const std::string log = run_chip(model, "", "q3q6", kBase, 256, &rc);
    INFO(summary(log));
    CHECK(rc == 0);
    CHECK_THAT(log, Contains("chip_check: 256 tokens bit-exact") && Contains("saturations 0"));
    check_explore(log, "--model " + model, "q3q6", kBase, 256, 512);
}

TEST_CASE("synthetic models of awkward shapes: 32 tokens bit-exact cycles as modelled",
          "[chip][slow]") {
    const struct {
        const char* spec;
        const char* format;
        hw::Datapath dp;
    } cases[] = {
        // hidden % lanes != 0, n_kv_heads < n_heads, vocab not a power of two, one layer;
        // partial row groups, beats and context blocks
        {kOneLayer, "int8", kOneLayerDp},
        // eight layers, n_kv_heads = n_heads, 16 lanes (groups span beats), 4 rows, blocks of
        // 8 positions (64 table units, SwiGLU 16 a cycle: the write port's width), int6 in
        // groups of 16
        {"dim=64,hidden=172,layers=8,heads=8,kv_heads=8,vocab=509,seq_len=32,seed=2", "int6/g16",
         hw::Datapath{4, 16, 8}},
        // separate classifier, one kv head, int4 with one scale per row, rows wider than the
        // lanes' 8 (the write port follows the rows), blocks of 3
        {"dim=32,hidden=96,layers=2,heads=4,kv_heads=1,vocab=100,seq_len=32,shared=0,seed=3",
         "int4/row", hw::Datapath{16, 8, 3}},
        // dim > 64 and 128 lanes, wider than dim: loops past Verilator's unroll limit of 64;
        // int3 (a row's 128 weights in 384 bits)
        {"dim=96,hidden=200,layers=1,heads=6,kv_heads=2,vocab=97,seq_len=32,seed=4", "int3",
         hw::Datapath{2, 128, 5}},
        // a mix of every width: the FFN at 3 bits, one layer's wq at 4, the classifier at 8
        {"dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=32,shared=0,seed=1",
         "q3q6,1.wq=4,wcls=8", hw::Datapath{3, 16, 2}},
    };
    for (const auto& c : cases) {
        INFO(c.spec << " " << c.format << " " << c.dp.name());
        int rc = -1;
        const std::string log = run_chip("", c.spec, c.format, c.dp, 32, &rc);
        INFO(summary(log));
        CHECK(rc == 0);
        CHECK_THAT(log, Contains("chip_check: 32 tokens bit-exact") &&
                            Contains("cycles:     every step of 32 tokens equal to the cycle model's"));
        check_explore(log, std::string("--synthetic ") + c.spec, c.format, c.dp, 32, 32);
    }
}

TEST_CASE("stories15M's shape at 1,024 MACs a cycle: bit-exact, cycles and SRAM as explore projects",
          "[chip][slow][long]") {
    // stories15M's layers, heads and vocabulary at a 16-position context (the build is the
    // ROM's: 443 s for this datapath at seq_len 256 in docs/architecture.md's sweep, which
    // decoded 1.3 positions a second).
    const char* spec = "dim=288,hidden=768,layers=6,heads=6,kv_heads=6,vocab=32000,seq_len=16,seed=15";
    const hw::Datapath dp{32, 32, 8};
    int rc = -1;
    const std::string log = run_chip("", spec, "int8", dp, 16, &rc);
    INFO(summary(log));
    CHECK(rc == 0);
    CHECK_THAT(log, Contains("chip_check: 16 tokens bit-exact"));
    check_explore(log, std::string("--synthetic ") + spec, "int8", dp, 16, 16);
}

TEST_CASE("weights 4096 times too large saturate everywhere still bit-exact", "[chip][slow]") {
    // Trained models never saturate (stories260K: 0), so the saturating paths of the
    // requantizers, RoPE, scores and residual adds are exercised by an oversized model.
    int rc = -1;
    const std::string log = run_chip(
        "", "dim=32,hidden=64,layers=2,heads=4,kv_heads=2,vocab=64,seq_len=16,seed=3,gain=4096",
        "int8", hw::Datapath{2, 16, 2}, 8, &rc);
    INFO(summary(log));
    CHECK(rc == 0);
    CHECK_THAT(log, Contains("chip_check: 8 tokens bit-exact"));
    // chip_sim compares the chip's SATURATIONS counter with the golden model's count (a
    // difference fails the run); this many clamps exercise every saturating path.
    const auto p = log.find("saturations ");
    REQUIRE(p != std::string::npos);
    CHECK(std::stoll(log.substr(p + 12)) > 1000);
}

TEST_CASE("the scoreboard catches planted faults and names layer and stage", "[chip][slow][long]") {
    int rc = -1;
    // An off-by-one key address: the first attention scores are wrong.
    std::string log = run_chip("", kOneLayer, "int8", kOneLayerDp, 4, &rc, {"+define+HW_FAULT_KV_ADDR"});
    INFO(log);
    CHECK(rc == 1);
    CHECK_THAT(log, Contains("MISMATCH") && Contains("layer 0 stage scores") &&
                        Contains("expected") && Contains("at cycle"));
    // Truncation instead of rounding in RMSNorm: the first norm output is wrong.
    log = run_chip("", kOneLayer, "int8", kOneLayerDp, 4, &rc, {"+define+HW_FAULT_ROUNDING"});
    INFO(log);
    CHECK(rc == 1);
    CHECK_THAT(log, Contains("MISMATCH token 1 position 0 layer 0 stage att_norm"));
}

TEST_CASE("the checks that see past the datapath's writes catch what those writes would not",
          "[chip][slow][long]") {
    int rc = -1;
    // The endpoint feeds back a token the core did not output: every value the core computes
    // from it is right for that token, so only the input check sees it.
    std::string log = run_chip("", kOneLayer, "int8", kOneLayerDp, 6, &rc, {"+define+HW_FAULT_TOKEN_FEEDBACK"});
    INFO(log);
    CHECK(rc == 1);
    CHECK_THAT(log, Contains("INPUT the core took token") && Contains("expected") &&
                        Contains("(the greedy token of position 0)"));
    // Logits stored a word off: the classifier's results and the argmax are right; only the
    // SRAM's contents, compared through the backdoor at the token's end, are not.
    log = run_chip("", kOneLayer, "int8", kOneLayerDp, 4, &rc, {"+define+HW_FAULT_LOGITS_ADDR"});
    INFO(log);
    CHECK(rc == 1);
    CHECK_THAT(log, Contains("MISMATCH token 1 position 0 (stored, read through the backdoor): "
                             "logits SRAM logit 0"));
    // SwiGLU one idle cycle slower: every value is right; the cycle check sees the step.
    log = run_chip("", kOneLayer, "int8", kOneLayerDp, 4, &rc, {"+define+HW_FAULT_SLOW_SWIGLU"});
    INFO(log);
    CHECK(rc == 1);
    CHECK_THAT(log, Contains("CYCLES position 0: step swiglu (layer 0, op swiglu) took"));
}

TEST_CASE("X robustness: random initial register values give the same tokens",
          "[chip][slow][long]") {
    // Built with every X assigned and every register initialized to Verilator's unique
    // random values; each --x-seed (+verilator+rand+reset+2 with that seed) is another
    // power-up state. The chip resets what matters: every run decodes the same tokens.
    const std::vector<std::string> x_args = {"--x-assign", "unique", "--x-initial", "unique"};
    std::vector<std::string> first;
    for (const char* seed : {"1", "2", "3", "77"}) {
        INFO("x-seed " << seed);
        int rc = -1;
        const std::string log =
            run_chip("", kOneLayer, "int8", kOneLayerDp, 12, &rc, x_args, std::string("--x-seed ") + seed);
        INFO(summary(log));
        REQUIRE(rc == 0);
        CHECK_THAT(log, Contains("chip_check: 12 tokens bit-exact"));
        std::vector<std::string> pos;
        std::istringstream in(log);
        for (std::string line; std::getline(in, line);)
            if (line.rfind("pos ", 0) == 0) pos.push_back(line.substr(0, line.find(" cycles")));
        CHECK(pos.size() == 12);
        if (first.empty()) first = pos;
        CHECK(pos == first);
    }
}

TEST_CASE("a broken valid/ready contract fires its assertion with a clear message",
          "[chip][slow][long]") {
    // The endpoint changes a message word while the transmit side is not ready (planted
    // through a test-only define); a host holding one credit forces such stalls.
    int rc = -1;
    const std::string log = run_chip("", kOneLayer, "int8", kOneLayerDp, 4, &rc, {"+define+HW_FAULT_UNSTABLE_MSG"},
                                     "--host-credits 1 --stall-rate 0.01");
    INFO(log);
    CHECK(rc != 0);
    CHECK_THAT(log, Contains("Assertion failed") &&
                        Contains("hw_endpoint: message word changed before it was taken"));
}
