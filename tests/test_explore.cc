// SPDX-License-Identifier: MIT
// hardwire explore's models checked against the real thing: ROM bits from shapes alone equal
// the generated ROM images (what gen's manifest records) at every datapath and format; the
// presets read as their public shapes; config.json errors are clear; the logic-area fit
// recovers a known model; the command's table, JSON and plot. (Its cycles and SRAM bits are
// checked against the simulated chip in tests/test_chip.cc: the performance counters over
// every position of a context, and the SRAM macros Verilator elaborated.)
#include <catch2/catch.hpp>
#include <cmath>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "chip_data.h"
#include "cost_model.h"
#include "cycle_model.h"
#include "error.h"
#include "pareto_svg.h"
#include "rom_image.h"
#include "shape.h"
#include "synthetic.h"
#include "test_util.h"

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("explore: ROM bits from the shape alone equal the generated ROM images", "[fast][explore]") {
    struct Case {
        const char* spec;
        hw::Datapath dp;
        const char* format;
    };
    const Case cases[] = {
        {"dim=64,hidden=172,layers=2,heads=8,kv_heads=4,vocab=512,seq_len=64,seed=1", {1, 64, 1}, "int8"},
        {"dim=64,hidden=172,layers=2,heads=8,kv_heads=4,vocab=512,seq_len=64,seed=1", {4, 64, 4}, "int4/row"},
        {"dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=77,seq_len=24,shared=0,seed=2", {3, 16, 2}, "int8/g16"},
        {"dim=32,hidden=64,layers=1,heads=4,kv_heads=4,vocab=64,seq_len=16,seed=3", {16, 8, 1}, "int4"},
        {"dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=77,seq_len=24,shared=0,seed=2", {3, 16, 2}, "int3/row"},
        {"dim=64,hidden=172,layers=2,heads=8,kv_heads=4,vocab=512,seq_len=64,seed=1", {2, 32, 1}, "int6/g16"},
        {"dim=64,hidden=172,layers=2,heads=8,kv_heads=4,vocab=512,seq_len=64,seed=1", {1, 64, 1}, "q3q6"},
        {"dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=77,seq_len=24,shared=0,seed=2", {3, 16, 2},
         "int6,w1=3,1.w2=4,wcls=8"},
    };
    for (const Case& k : cases) {
        const hw::Model m = hw::make_synthetic_model(hw::parse_synthetic_spec(k.spec));
        const hw::WeightFormat f = hw::parse_weight_format(k.format);
        const hw::ChipData d = hw::make_chip_data(m, f);
        const std::vector<hw::RomImage> roms = hw::chip_roms(d, k.dp);
        const std::vector<hw::RomShape> shapes = hw::rom_shapes(m.config, f, k.dp);
        INFO(k.spec << " at " << k.dp.name() << ", " << k.format);
        REQUIRE(roms.size() == shapes.size());
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < roms.size(); i++) {
            CHECK(roms[i].tensor == shapes[i].tensor);
            CHECK(roms[i].width == shapes[i].width);
            CHECK(roms[i].depth == shapes[i].depth);
            bits += roms[i].bits();
        }
        CHECK(hw::rom_bits(shapes) == bits);
    }
}

TEST_CASE("explore: gen's manifest records the ROM bits explore projects", "[explore]") {
    hw::test::TempDir dir;
    const std::string spec = "dim=48,hidden=96,layers=2,heads=6,kv_heads=3,vocab=90,seq_len=32,seed=4";
    const auto gen = hw::test::run_cli("gen --synthetic " + spec + " --rows 2 --lanes 16 --attn-par 2 --format q3q6 --name e --out " +
                                       dir.file("gen"));
    REQUIRE(gen.exit_code == 0);
    std::ifstream in(dir.file("gen/manifest.json"));
    const nlohmann::json man = nlohmann::json::parse(in);
    const auto ex = hw::test::run_cli("explore --synthetic " + spec + " --rows 2 --lanes 16 --attn-par 2 --format q3q6 --json " +
                                      dir.file("e.json"));
    REQUIRE(ex.exit_code == 0);
    std::ifstream ej(dir.file("e.json"));
    const nlohmann::json j = nlohmann::json::parse(ej);
    CHECK(j["configurations"][0]["rom_bits"].get<std::uint64_t>() == man["rom_bits_total"].get<std::uint64_t>());
}

TEST_CASE("explore: the presets are the public models' shapes", "[fast][explore]") {
    const hw::ModelShape s = hw::read_preset("llama-3.1-8b");
    CHECK(s.config.dim == 4096);
    CHECK(s.config.hidden_dim == 14336);
    CHECK(s.config.n_layers == 32);
    CHECK(s.config.n_heads == 32);
    CHECK(s.config.n_kv_heads == 8);
    CHECK(s.config.vocab_size == 128256);
    CHECK_FALSE(s.config.shared_classifier);
    CHECK(s.max_positions == 131072);
    CHECK(s.rope_theta == 500000.0);
    // About 7.5e9 weight MACs a token (the issue's figure): every matrix once, the classifier
    // included, the embedding not.
    CHECK(hw::weight_macs(s.config) == 32LL * (4096LL * 4096 * 2 + 1024LL * 4096 * 2 + 3LL * 4096 * 14336) +
                                           128256LL * 4096);
    CHECK(hw::read_preset("llama-3.2-1b").config.shared_classifier);
    CHECK(hw::read_preset("stories15M").config.dim == 288);
    CHECK(hw::read_preset("stories110M").config.seq_len == 1024);
    CHECK(hw::preset_names() == std::vector<std::string>{"llama-3.1-8b", "llama-3.2-1b", "stories110M", "stories15M"});
    CHECK_THROWS_WITH(hw::read_preset("llama-4"),
                      Catch::Contains("--model llama-4") && Catch::Contains("llama-3.1-8b, llama-3.2-1b"));
}

TEST_CASE("explore: a bad config.json is an error naming the file and the key", "[fast][explore]") {
    hw::test::TempDir dir;
    const std::string p = dir.file("config.json");
    const std::string ok = R"("hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2,
        "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 64)";
    write(p, "{" + ok + "}");
    const hw::ModelShape s = hw::read_hf_config(p);
    CHECK(s.config.n_kv_heads == 4);            // defaults to the attention heads
    CHECK_FALSE(s.config.shared_classifier);    // Hugging Face's default
    CHECK(hw::read_shape(dir.path()).config.dim == 256);  // the folder holding it
    struct Bad {
        std::string text, expect;
    };
    const Bad bad[] = {
        {"{" + ok + ", \"model_type\": \"gpt2\"}", "\"model_type\": expected \"llama\""},
        {"{" + ok + ", \"head_dim\": 32}", "\"head_dim\": expected hidden_size / num_attention_heads = 64"},
        {"{" + ok + ", \"num_key_value_heads\": 3}", "n_heads"},
        {"{" + ok + ", \"tie_word_embeddings\": 1}", "\"tie_word_embeddings\": expected true or false"},
        {R"({"hidden_size": 256})", "\"intermediate_size\": expected a positive integer, found nothing"},
        {"{" + ok + ", \"rope_theta\": -1}", "\"rope_theta\": expected a positive number"},
        {R"({"hidden_size": "256"})", "\"hidden_size\": expected a positive integer, found \"256\""},
        {"{\"hidden_size\": 256,", "config.json: expected JSON"},
        {"[1, 2]", "expected a JSON object"},
    };
    for (const Bad& b : bad) {
        write(p, b.text);
        INFO(b.text);
        CHECK_THROWS_WITH(hw::read_hf_config(p), Catch::Contains(p) && Catch::Contains(b.expect));
    }
}

TEST_CASE("explore: the logic fit recovers a known linear model and measures held-out error", "[fast][explore]") {
    hw::test::TempDir dir;
    const double coef[6] = {5000, 60, 30, 400, 250, 5.5};
    nlohmann::json pts = nlohmann::json::array();
    const char* spec = "dim=32,hidden=64,layers=1,heads=4,kv_heads=2,vocab=64,seq_len=32,seed=7";
    // Heads of another size, so that attention multipliers and table units vary apart.
    const char* spec2 = "dim=64,hidden=128,layers=1,heads=4,kv_heads=2,vocab=64,seq_len=32,seed=7";
    const int dps[][3] = {{1, 8, 1}, {2, 16, 2}, {4, 16, 1}, {1, 32, 1}, {2, 8, 4}, {4, 32, 2}};
    int i = 0;
    for (const char* s : {spec, spec2}) {
        for (const auto& d : dps) {
            hw::Datapath dp;
            dp.rows = d[0]; dp.lanes = d[1]; dp.attn_par = d[2];
            const hw::LogicFeatures f = hw::logic_features(hw::parse_synthetic_spec(s).config, dp);
            double ge = 0;
            for (int k = 0; k < 6; k++) ge += coef[k] * f.x[k];
            // The held-out points are 10% off the model: the fit must report that error.
            const bool held = (i++ % 4) == 3;
            pts.push_back({{"spec", s}, {"rows", d[0]}, {"lanes", d[1]}, {"attn_par", d[2]},
                           {"gate_equivalents", held ? ge * 1.1 : ge}, {"held_out", held}});
        }
    }
    write(dir.file("p.json"), nlohmann::json{{"points", pts}}.dump());
    const hw::LogicModel m = hw::fit_logic_model(dir.file("p.json"));
    for (int k = 0; k < 6; k++) CHECK(m.coef[k] == Approx(coef[k]).epsilon(1e-6));
    CHECK(m.fit_max_error < 1e-9);
    CHECK(m.held_out_max_error == Approx(0.1 / 1.1).epsilon(1e-6));
    CHECK(m.fitted);
    // Too few points leave the model unfitted, with the reason, rather than guessed.
    write(dir.file("few.json"), nlohmann::json{{"points", nlohmann::json::array({pts[0], pts[1]})}}.dump());
    const hw::LogicModel few = hw::fit_logic_model(dir.file("few.json"));
    CHECK_FALSE(few.fitted);
    CHECK_THAT(few.why_not, Catch::Contains("2 synthesis runs") && Catch::Contains("at least 6"));
    write(dir.file("bad.json"), R"({"points": [{"spec": "dim=32", "rows": 1}]})");
    CHECK_THROWS_WITH(hw::fit_logic_model(dir.file("bad.json")), Catch::Contains("gate_equivalents"));
}

TEST_CASE("explore: the recorded synthesis runs fit, within 15% of every run held out of the fit",
          "[fast][explore]") {
    // explore/synth_points.json: whole-chip synthesis runs of the RTL (scripts/synth --chip).
    // tests/synth_fit_check (label synth) synthesizes a held-out one again at today's RTL.
    const hw::LogicModel m = hw::fit_logic_model(hw::default_synth_points_path());
    REQUIRE(m.fitted);
    int held = 0;
    for (const hw::SynthPoint& p : m.points) {
        INFO(p.spec << " at " << p.datapath.name() << ": " << p.ge << " gates, fit " << p.predicted);
        if (!p.held_out) continue;
        held++;
        CHECK(std::abs(p.predicted - p.ge) <= 0.15 * p.ge);
    }
    CHECK(held >= 2);
    CHECK(m.held_out_max_error <= 0.15);
    // Every coefficient is a cost: none negative.
    for (int i = 0; i < hw::LogicFeatures::kCount; i++) {
        INFO(hw::LogicFeatures::name(i));
        CHECK(m.coef[i] >= 0);
    }
}

TEST_CASE("explore: storage and area add up; a constant can be overridden", "[fast][explore]") {
    hw::Config c = hw::read_preset("stories15M").config;
    hw::Datapath d;
    d.rows = 2; d.lanes = 16; d.attn_par = 2;
    const hw::SramBits s = hw::sram_bits(c, d);
    // kv_dim 288, 256 positions in 2 banks of 128 rows a layer, 6 layers, rows of 288 x 16 + 8.
    CHECK(s.kv == 2ULL * 2 * (6 * 128) * (288 * 16 + 8));
    CHECK(s.scores == 128ULL * (6 * 2) * 32);
    CHECK(s.logits == 16000ULL * 2 * 32);
    hw::Constants k = hw::read_constants(hw::default_constants_path());
    for (const auto& [name, e] : k.entries) CHECK_FALSE(e.source.empty());
    // HC1's published figures, from the same file (the table's line and the plot's mark).
    REQUIRE(k.references.size() == 1);
    CHECK(k.references[0].label == "HC1 (published)");
    CHECK(k.references[0].tokens_per_s == 17000);
    CHECK(k.references[0].area_mm2 == 815);
    k.set("rom_bit_um2=0.03", "--set");
    CHECK(k.get("rom_bit_um2") == 0.03);
    CHECK_THROWS_WITH(k.set("rom_cell=1", "--set"), Catch::Contains("--set rom_cell=1") && Catch::Contains("ge_um2"));
    CHECK_THROWS_WITH(k.set("ge_um2=abc", "--set"), Catch::Contains("a non-negative number"));
    hw::LogicModel logic;
    logic.fitted = true;
    logic.coef[0] = 1e6;  // a flat million gates: the arithmetic below is the point
    const hw::Projection p = hw::project(c, hw::WeightFormat{}, d, 1e9, k, logic);
    CHECK(p.tokens_per_s == Approx(1e9 / p.cycles_per_token));
    CHECK(p.cycles_per_token == Approx(hw::context_cycles(c, hw::WeightFormat{}, d, 256).total));
    CHECK(p.rom_mm2 == Approx(double(p.rom_bits) * 0.03 / 1e6));
    CHECK(p.logic_mm2 == Approx(1e6 * k.get("ge_um2") / 1e6));
    CHECK(p.total_mm2() == Approx(p.logic_mm2 + p.rom_mm2 + p.sram_mm2));
    CHECK(p.total_mm2_low() < p.total_mm2());
    CHECK(p.total_mm2_high() > p.total_mm2());
    CHECK(p.energy_pj_per_token > 0);
    CHECK(p.watts > p.energy_pj_per_token * 1e-12 * p.tokens_per_s);  // plus leakage
}

TEST_CASE("explore: the command's sweep, JSON and plot, and its errors", "[explore]") {
    hw::test::TempDir dir;
    const auto r = hw::test::run_cli("explore --model llama-3.1-8b --format int4 --context 1024 --sweep "
                                     "rows=16,64,lanes=1024,4096,attn-par=8,64 --target 15000 --json " +
                                     dir.file("x.json") + " --plot " + dir.file("x.svg"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("llama-3.1-8b") && Catch::Contains("HC1"));
    std::ifstream in(dir.file("x.json"));
    const nlohmann::json j = nlohmann::json::parse(in);
    CHECK(j["configurations"].size() == 8);
    const std::string svg = hw::test::read_file(dir.file("x.svg"));
    CHECK_THAT(svg, Catch::Contains("<svg") && Catch::Contains("HC1 (published)"));
    // A model name under $HARDWIRE_MODELS, as every command takes it.
    if (std::getenv("HARDWIRE_MODELS")) {
        const auto m = hw::test::run_cli("explore --model stories260K");
        INFO(m.err);
        CHECK(m.exit_code == 0);
        CHECK_THAT(m.out, Catch::Contains("dim 64, hidden 172, 5 layers"));
    }
    const struct { const char* args; const char* expect; } bad[] = {
        {"explore --model llama-4", "no such preset"},
        {"explore --model llama-3.1-8b --sweep rows=0", "not a positive integer"},
        {"explore --model llama-3.1-8b --sweep banks=2", "unknown key 'banks'"},
        {"explore --model llama-3.1-8b --lanes 100", "--lanes"},
        {"explore --model llama-3.1-8b --context 200000", "--context"},
        {"explore --model llama-3.1-8b --set watts=1", "no constant watts"},
    };
    for (const auto& b : bad) {
        const auto e = hw::test::run_cli(b.args);
        INFO(b.args << ": " << e.err);
        CHECK(e.exit_code != 0);
        CHECK_THAT(e.err, Catch::Contains(b.expect));
    }
}
