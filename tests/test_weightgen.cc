// SPDX-License-Identifier: MIT
// weightgen: generated RTL lints and synthesizes, every ROM word read back through the
// Verilated ROMs equals the golden model's quantized weights, outputs are deterministic,
// and bad input is refused without touching the output directory.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "generate.h"
#include "generated_model.h"
#include "test_util.h"
#include "verilated_build.h"

namespace fs = std::filesystem;
using Catch::Contains;
using hw::test::run_cli;

namespace {

// Awkward synthetic shapes: hidden % lanes != 0, n_kv_heads < n_heads and = n_heads, vocab
// not a power of two, one layer, eight layers, a separate classifier.
const char* const kShapes[] = {
    "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=16,seed=1",
    "dim=64,hidden=172,layers=8,heads=8,kv_heads=8,vocab=509,seq_len=16,seed=2",
    "dim=32,hidden=96,layers=2,heads=4,kv_heads=1,vocab=100,seq_len=16,shared=0,seed=3",
};

// Generates into `out` through the library (as hardwire gen does).
hw::GenResult gen(const std::string& model, const std::string& synthetic, const std::string& out,
                  const std::string& format = "int8", hw::Datapath dp = {}) {
    hw::GenOptions o;
    o.model = model;
    o.synthetic = synthetic;
    o.out = out;
    o.format = hw::parse_weight_format(format);
    o.datapath = dp;
    o.command_line = "test_weightgen";
    return hw::generate(o, [](const std::string&) {});
}

// Builds rom_check for a generated folder (cached under the build tree) and runs it.
void check_roms_read_back(const std::string& gen_dir, const std::string& name) {
    hw::VerilatedBuild b;
    b.gen_dir = gen_dir;
    b.top_module = name + "_rom_bank";
    b.harness_sources = {hw::source_path("sim/rom_check_main.cc")};
    b.executable = "rom_check";
    b.work_dir =
        std::string(HW_TEST_WORK_DIR) + "/rom_check-" + fs::path(gen_dir).filename().string();
    const std::string exe = hw::build_verilated(b, [](const std::string&) {}).executable;
    hw::test::TempDir out;
    const int rc = std::system((exe + " " + gen_dir + " > " + out.file("log") + " 2>&1").c_str());
    const std::string log = hw::test::read_file(out.file("log"));
    INFO(log);
    CHECK(rc == 0);
    CHECK_THAT(log, Contains(" 0 mismatches;") && Contains(" 0 words differing"));
}

// Every file of a folder, by name.
std::map<std::string, std::string> read_dir(const std::string& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
        files[e.path().filename().string()] = hw::test::read_file(e.path().string());
    return files;
}

}  // namespace

TEST_CASE("generated RTL is lint-clean under Verilator -Wall and read by Yosys",
          "[weightgen][slow]") {
    for (const char* shape : kShapes) {
        // A mixed format on the eight-layer shape: the bank zero-extends its narrower layers.
        const char* format = shape == kShapes[1] ? "q3q6,3.wq=4" : "int8";
        INFO(shape << " " << format);
        hw::test::TempDir dir;
        gen("", shape, dir.file("g"), format, hw::Datapath{2, 16, 1});
        const int lint = std::system(
            ("cd " + dir.file("g") +
             " && verilator --lint-only -Wall -f files.f --top-module synth_rom_bank > " +
             dir.file("lint.log") + " 2>&1")
                .c_str());
        INFO(hw::test::read_file(dir.file("lint.log")));
        CHECK(lint == 0);
        CHECK(hw::test::read_file(dir.file("lint.log")).empty());
        const int yosys = std::system(("cd " + dir.file("g") +
                                       " && yosys -q -p \"read_verilog -sv $(tr '\\n' ' ' < "
                                       "files.f); hierarchy -check -top synth_rom_bank\" > " +
                                       dir.file("yosys.log") + " 2>&1")
                                          .c_str());
        INFO(hw::test::read_file(dir.file("yosys.log")));
        CHECK(yosys == 0);
    }
}

TEST_CASE("stories260K ROM words read back through Verilator equal the golden weights",
          "[model][weightgen][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    const std::string out = std::string(HW_TEST_WORK_DIR) + "/gen-stories260k";
    const auto r = gen(model, "", out);
    CHECK(r.name == "stories260k");
    check_roms_read_back(out, r.name);
}

TEST_CASE("synthetic ROM words read back through Verilator equal the golden weights",
          "[weightgen][slow]") {
    int k = 0;
    for (const char* shape : kShapes) {
        INFO(shape);
        // Lanes 16 and 64 (hidden 100 and 172 are not multiples of either), row groups of 3
        // and 4 (no matrix's rows a multiple of 3; the last group of 100 rows is partial at
        // 3); int6, a mix of 3, 4, 6 and 8 bits, int4 per row with two overrides.
        const hw::Datapath dp = k == 0 ? hw::Datapath{3, 64, 1}
                                : k == 1 ? hw::Datapath{1, 16, 1} : hw::Datapath{4, 32, 2};
        const std::string format = k == 0 ? "int6" : k == 1 ? "q3q6,3.wq=4,0.w2=8" : "int4/row,wcls=3,1.w1=6";
        const std::string out = std::string(HW_TEST_WORK_DIR) + "/gen-shape" + std::to_string(k++);
        gen("", shape, out, format, dp);
        check_roms_read_back(out, "synth");
    }
}

TEST_CASE("the simulators' golden model starts from the generator's own integers (chip_data.bin)",
          "[fast][weightgen]") {
    // A separate classifier, grouped-query attention, two layers: every matrix kind.
    const char* const spec =
        "dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=16,shared=0,seed=3";
    hw::test::TempDir dir;
    gen("", spec, dir.file("g"), "q3q6");
    const hw::GeneratedModel g = hw::load_generated_model(dir.file("g"));
    // The same integers as quantizing again (the generator's make_chip_data call).
    const hw::ChipData again = hw::make_chip_data(g.model, hw::parse_weight_format("q3q6"));
    CHECK(hw::chip_data_bytes(g.data) == hw::chip_data_bytes(again));
    CHECK(g.data.rounding == again.rounding);
    hw::IntModel a(g.data.q, g.data.tables), b(again.q, again.tables);
    for (int pos = 0, tok = 1; pos < 6; pos++) {
        const auto la = a.forward(tok, pos);
        CHECK(b.forward(tok, pos) == la);
        tok = hw::argmax_int(la);
    }
    // A changed byte is refused, naming the file and the manifest's hash.
    {
        std::fstream f(dir.file("g") + "/chip_data.bin",
                       std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x5a');
    }
    CHECK_THROWS_WITH(hw::load_generated_model(dir.file("g")),
                      Catch::Contains("chip_data.bin") && Catch::Contains("not the chip data"));
    // Bytes of another shape are refused by the reader, naming what it expected.
    const hw::Model other = hw::make_synthetic_model(hw::parse_synthetic_spec(
        "dim=64,hidden=100,layers=2,heads=8,kv_heads=2,vocab=300,seq_len=16,shared=0,seed=3"));
    CHECK_THROWS_WITH(
        hw::chip_data_from_bytes(hw::chip_data_bytes(g.data), other, hw::WeightFormat{}, "x.bin"),
        Catch::Contains("x.bin") && Catch::Contains("matrix"));
    CHECK_THROWS_WITH(hw::chip_data_from_bytes("HWQD", g.model, hw::WeightFormat{}, "y.bin"),
                      Catch::Contains("y.bin"));
}

TEST_CASE("identical inputs give byte-identical output folders", "[fast][weightgen]") {
    hw::test::TempDir dir;
    const auto a = gen("", kShapes[0], dir.file("a"));
    const auto b = gen("", kShapes[0], dir.file("b"));
    CHECK(a.model_hash == b.model_hash);
    const auto fa = read_dir(dir.file("a")), fb = read_dir(dir.file("b"));
    // 25 ROMs (embedding and its scales, 7 matrices and 7 scale ROMs and 2 gain vectors for
    // the one layer, final gains, norm exponents, 5 tables) + package, bank, chip top,
    // header, files.f, the quantized weights (chip_data.bin), manifest.
    CHECK(fa.size() == 32u);
    CHECK(fa == fb);
    const auto c =
        gen("", "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=16,seed=9",
            dir.file("c"));
    CHECK(c.model_hash != a.model_hash);
}

TEST_CASE("the manifest describes every ROM and the banners name the generator",
          "[fast][weightgen]") {
    hw::test::TempDir dir;
    const auto r = gen("", kShapes[2], dir.file("g"));
    std::ifstream in(dir.file("g") + "/manifest.json");
    const auto m = nlohmann::json::parse(in);
    CHECK(m["generator"]["name"] == "hardwire gen (weightgen)");
    CHECK(m["config"]["n_kv_heads"] == 1);
    CHECK(m["datapath"]["rows"] == 1);
    CHECK(m["datapath"]["lanes"] == 64);
    CHECK(m["datapath"]["attn_par"] == 1);
    CHECK(m["datapath"]["vec_lanes"] == 64);
    CHECK(m["model_hash"] == r.model_hash);
    std::uint64_t bits = 0;
    for (const auto& rom : m["roms"]) {
        bits += rom["bits"].get<std::uint64_t>();
        const std::string text =
            hw::test::read_file(dir.file("g") + "/" + rom["file"].get<std::string>());
        CHECK_THAT(text, Contains("Generated by hardwire gen (weightgen)") &&
                             Contains("Command: test_weightgen") &&
                             Contains(rom["sha256"].get<std::string>()));
    }
    CHECK(bits == m["rom_bits_total"].get<std::uint64_t>());
    CHECK(m["roms"].size() ==
          2 + 2 + 2 * (7 * 2 + 2) + 1 + 1 + 5);  // emb, cls, layers, final, frac, tables
    CHECK_THAT(hw::test::read_file(dir.file("g") + "/synth_cfg.h"),
               Contains("inline constexpr std::uint64_t N_KV_HEADS = 1u;"));
    CHECK_THAT(hw::test::read_file(dir.file("g") + "/synth_cfg_pkg.sv"),
               Contains("localparam int unsigned N_KV_HEADS = 1;"));
}

TEST_CASE("bad gen input: one clear line exit code 2 nothing half-written",
          "[fast][weightgen][cli]") {
    hw::test::TempDir dir;
    const std::string spec = std::string("--synthetic ") + kShapes[0];
    const struct {
        std::string args;
        const char* says;
    } cases[] = {
        {spec + " --out " + dir.file("x") + " --format int5", "expected int8, int6, int4, int3 or the recipe q3q6"},
        {spec + " --out " + dir.file("x") + " --format int6,1.w1=3", "a layer below the model's 1"},
        {spec + " --out " + dir.file("x") + " --format int6 --format-map " + dir.file("none.json"), "give one"},
        {spec + " --out " + dir.file("x") + " --format-map " + dir.file("none.json"), "none.json: cannot open format map"},
        {spec + " --out " + dir.file("x") + " --lanes 12",
         "a power of two from 8 to 4096, found 12"},
        {spec + " --out " + dir.file("x") + " --lanes 4", "found '4'"},
        {spec + " --out " + dir.file("x") + " --rows 65", "option '--rows': expected an integer in 1..64"},
        {spec + " --out " + dir.file("x") + " --attn-par 0", "option '--attn-par': expected an integer in 1..64"},
        {spec + " --out " + dir.file("x") + " --name 9bad", "[a-z][a-z0-9_]*"},
        {spec + " --out " + dir.file("x") + " --rom-budget 1000",
         "ROM bits of synth: expected at most 1000"},
        {spec + " --out /proc/hardwire-out", "cannot create the output directory"},
        {spec, "option '--out' is required"},
    };
    for (const auto& c : cases) {
        INFO("hardwire gen " << c.args);
        const auto r = run_cli("gen " + c.args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains(c.says));
        // Progress lines ("gen: ...") may come first; the error is the one last line.
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') >= 1);
        CHECK(r.err.find("error") == r.err.rfind("error"));
        CHECK_THAT(r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1), Contains(c.says));
        CHECK_FALSE(fs::exists(dir.file("x")));
    }
    // A folder holding another model's output is refused, left intact, and replaced with --force.
    REQUIRE(run_cli("gen " + spec + " --out " + dir.file("m")).exit_code == 0);
    const auto before = read_dir(dir.file("m"));
    const std::string other =
        "gen --synthetic dim=32,hidden=40,layers=1,heads=4,vocab=37,seq_len=8 --out " +
        dir.file("m");
    const auto refused = run_cli(other);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Contains("holds files of another model") && Contains("--force"));
    CHECK(read_dir(dir.file("m")) == before);
    CHECK(run_cli(other + " --force").exit_code == 0);
    CHECK(read_dir(dir.file("m")) != before);
    // The same model may be regenerated in place; foreign files are refused.
    CHECK(run_cli(other).exit_code == 0);
    fs::create_directories(dir.file("foreign"));
    std::ofstream(dir.file("foreign/notes.txt")) << "mine";
    const auto foreign = run_cli("gen " + spec + " --out " + dir.file("foreign"));
    CHECK(foreign.exit_code == 2);
    CHECK_THAT(foreign.err, Contains("not written by hardwire gen"));
    CHECK(hw::test::read_file(dir.file("foreign/notes.txt")) == "mine");
    // No temporary folders are left behind.
    for (const auto& e : fs::directory_iterator(dir.path()))
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}
