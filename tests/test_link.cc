// SPDX-License-Identifier: MIT
// The host link: the CRC reference, the host-side data link layer under faults (two host
// ends back to back), and the chip's endpoint through chip_sim: malformed traffic and its
// defined answers, the register walk, fault injection over a whole decode, JSON output and
// FST windows with their GTKWave layout. The register map's generated files are current.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>

#include "channel.h"
#include "chip_build.h"
#include "crc32.h"
#include "cycle_model.h"
#include "link.h"
#include "lora.h"
#include "model.h"
#include "synthetic.h"
#include "test_util.h"

using Catch::Contains;
using hw::link::HostLink;
using hw::link::Symbol;
using hw::link::Wire;

namespace {

const char* const kOneLayer =
    "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1";

// Builds (once, shared with test_chip) and runs `chip_sim MODE GEN_DIR ARGS`; rc gets the
// exit code, the result is stdout and stderr.
std::string chip_sim(const std::string& model, const std::string& synthetic,
                     const std::string& mode, const std::string& args, int* rc,
                     bool trace = false) {
    hw::ChipBuildOptions o;
    o.gen.model = model;
    o.gen.synthetic = synthetic;
    o.gen.format = hw::parse_weight_format("int8");
    o.gen.datapath = hw::Datapath{};
    o.gen.command_line = "test_link";
    o.cache = std::string(HW_TEST_WORK_DIR) + "/chips";
    o.trace = trace;
    const hw::ChipBuild b = hw::build_chip(o, [](const std::string&) {});
    hw::test::TempDir dir;
    *rc = WEXITSTATUS(std::system((hw::sim_command(b, mode) + " " + args +
                                   " > " + dir.file("log") + " 2>&1")
                                      .c_str()));
    return hw::test::read_file(dir.file("log"));
}

// The JSON lines of a run: per position objects, then the summary.
std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] == '{') v.push_back(nlohmann::json::parse(line));
    return v;
}

}  // namespace

TEST_CASE("CRC-32 matches IEEE 802.3 (zlib) on little-endian words", "[fast]") {
    const std::uint32_t words[] = {0x34333231, 0x38373635};  // "12345678"
    CHECK(hw::link::crc32_words(words, 2) == 0x9ae0daafu);
    CHECK(hw::link::crc32_words(words, 0) == 0x00000000u);
}

TEST_CASE("register map: the generated RTL package header and table are current", "[fast]") {
    const int rc = std::system((std::string(HW_LINKGEN_PATH) + " " + HW_SOURCE_DIR + " --check").c_str());
    CHECK(WEXITSTATUS(rc) == 0);
}

TEST_CASE("data link layer: every TLP arrives once and in order over a faulty wire", "[fast]") {
    for (const double rate : {0.0, 1e-3, 2e-2}) {
        INFO("fault rate " << rate);
        HostLink a(8, 600), b(8, 600);
        Wire ab({rate, rate, rate}, 11), ba({rate, rate, rate}, 12);
        const int n = 300;
        for (int k = 0; k < n; k++) {
            a.send({0x01000000u | std::uint32_t(k), std::uint32_t(k * 7)});
            b.send({0x02000000u | std::uint32_t(k)});
        }
        std::vector<std::uint32_t> got_a, got_b;  // first words received by each end
        Symbol to_b, to_a;
        for (int cycle = 0; cycle < 2000000 && (got_a.size() < n || got_b.size() < n || !a.idle() || !b.idle()); cycle++) {
            const Symbol sa = a.step(ba.step(to_a));
            const Symbol sb = b.step(ab.step(to_b));
            to_b = sa;
            to_a = sb;
            while (auto p = a.receive()) got_a.push_back((*p)[0]);
            while (auto p = b.receive()) got_b.push_back((*p)[0]);
        }
        REQUIRE(got_b.size() == n);
        REQUIRE(got_a.size() == n);
        for (int k = 0; k < n; k++) {
            CHECK(got_b[k] == (0x01000000u | std::uint32_t(k)));
            CHECK(got_a[k] == (0x02000000u | std::uint32_t(k)));
        }
        CHECK(a.idle());
        CHECK(b.idle());
        if (rate > 0) {
            const auto& c = b.counters();
            CHECK(c.bad_crc + c.framing + c.seq_errors + c.duplicates > 0);
            CHECK(a.counters().replays + b.counters().replays > 0);
        }
    }
}

TEST_CASE("malformed traffic gets its defined answer and the chip keeps serving", "[chip][slow]") {
    for (const char* c : {"bad-crc", "bad-length", "unknown-kind", "cut-short", "ahead",
                          "unknown-type", "outside-map",
                          "read-only", "tl-length", "bad-token", "context-full", "not-running",
                          "sample-range", "adapter", "busy"}) {
        INFO("case " << c);
        int rc = -1;
        const std::string log = chip_sim("", kOneLayer, "linktest", std::string("--case ") + c, &rc);
        INFO(log);
        CHECK(rc == 0);
        CHECK_THAT(log, Contains(std::string("linktest ") + c + ": passed") &&
                            Contains("the chip still decodes afterwards"));
    }
}

TEST_CASE("the address space has no window onto the ROMs", "[chip][slow]") {
    int rc = -1;
    const std::string log = chip_sim("", kOneLayer, "walk", "", &rc);
    INFO(log.substr(log.size() > 2000 ? log.size() - 2000 : 0));
    CHECK(rc == 0);
    CHECK_THAT(log, Contains("walk: 65553 addresses read, 57 answered (the 57 documented registers)"));
}

// The "pos P token T next N" lines of a check run, without their cycle counts.
std::vector<std::string> positions(const std::string& out) {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("pos ", 0) == 0) v.push_back(line.substr(0, line.find(" cycles")));
    return v;
}

// A check run that must pass bit-exact with every step's cycles as modelled: its positions
// and its output.
std::pair<std::vector<std::string>, std::string> checked_decode(const std::string& model_file,
                                                                const std::string& synthetic,
                                                                const std::string& args) {
    int rc = -1;
    const std::string out = chip_sim(model_file, synthetic, "check", args, &rc);
    INFO(args << "\n" << out.substr(out.size() > 3000 ? out.size() - 3000 : 0));
    REQUIRE(rc == 0);
    CHECK_THAT(out, Contains("tokens bit-exact") && Contains("equal to the cycle model's"));
    return {positions(out), out};
}

TEST_CASE("link faults of every kind both ways: the decode is identical each side recovered",
          "[chip][slow]") {
    int rc = -1;
    // Both directions: bit flips at 2e-3 per byte, k flags at 1e-2 per symbol, drops,
    // duplicates (some late) and reordering at 5 % per packet; --require-faults fails the run
    // if any kind did not happen in either direction.
    const std::string clean = chip_sim("", kOneLayer, "check", "--steps 32", &rc);
    REQUIRE(rc == 0);
    const std::string faulty = chip_sim(
        "", kOneLayer, "check",
        "--steps 32 --inject-errors 2e-3:5e-2:5e-2:5e-2:1e-2 --seed 5 --require-faults", &rc);
    INFO(faulty.substr(faulty.size() > 3000 ? faulty.size() - 3000 : 0));
    REQUIRE(rc == 0);
    CHECK_THAT(faulty, Contains("chip_check: 32 tokens bit-exact") &&
                           Contains("every position arrived once, in order (32 positions)"));
    const auto a = positions(clean), b = positions(faulty);
    CHECK(a.size() == 32);
    CHECK(b == a);
    // Each side saw damaged packets and replayed: "N replays" with N > 0 in both directions.
    for (const char* side : {"to the chip: ", "to the host: "}) {
        const auto at = faulty.find(side);
        REQUIRE(at != std::string::npos);
        const std::string line = faulty.substr(at, faulty.find('\n', at) - at);
        INFO(line);
        CHECK_THAT(line, !Contains("; 0 replays"));
        CHECK_THAT(line, !Contains("dropped: 0 CRC, 0 framing, 0 out of sequence, 0 duplicates"));
    }
}

TEST_CASE("logits read over the link equal the golden model's with one host credit and stalls",
          "[chip][slow]") {
    // One credit and host stalls: the chip waits for credit before most of the 300 logits'
    // messages of each position (hw_link_tx's no-credit path).
    int rc = -1;
    const std::string out = chip_sim("", kOneLayer, "check",
                                     "--steps 6 --logits --host-credits 1 --stall-rate 0.05 --seed 4", &rc);
    INFO(out);
    CHECK(rc == 0);
    CHECK_THAT(out, Contains("chip_check: 6 tokens bit-exact") &&
                        Contains("logits:     1800 read over the link, every one equal to the golden model's"));
}

TEST_CASE("the chip's sampler draws the golden sampler's tokens: temperature, top-k, top-p, seeds",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // Each run checks every drawn token against golden/sampler.cc (the scoreboard and the
    // host) and every step's cycles, the sample step's included, against the cycle model.
    auto decode = [](const std::string& m, const std::string& synthetic, const std::string& args) {
        return checked_decode(m, synthetic, args).first;
    };
    const auto greedy = decode(model, "", "--steps 48");
    const auto t08 = decode(model, "", "--steps 48 --temperature 0.8 --seed 1");
    CHECK(t08 != greedy);                                                    // it samples
    CHECK(decode(model, "", "--steps 48 --temperature 0.8 --seed 1") == t08);  // reproducibly
    CHECK(decode(model, "", "--steps 48 --temperature 0.8 --seed 2") != t08);  // by its seed
    CHECK(decode(model, "", "--steps 48 --temperature 1.5 --top-k 1 --seed 3") == greedy);  // top-k 1
    decode(model, "", "--steps 48 --temperature 1.0 --top-k 5 --seed 4");
    decode(model, "", "--steps 48 --temperature 1.3 --top-p 0.8 --seed 5");
    decode(model, "", "--steps 48 --temperature 0.7 --top-k 64 --top-p 0.95 --seed 6 --logits");
    // A grouped-query shape whose vocabulary (300) is not a power of two, through link faults.
    decode("", kOneLayer, "--steps 32 --temperature 1.2 --top-k 20 --top-p 0.9 --seed 7");
    decode("", kOneLayer, "--steps 32 --temperature 2.0 --inject-errors 1e-3 --seed 8");
}

TEST_CASE("stories260K: 256 tokens and their logits through every fault kind equal the clean run: "
          "the sequence numbers wrap",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    int rc = -1;
    const std::string clean = chip_sim(model, "", "run", "--steps 256 --json --no-check", &rc);
    REQUIRE(rc == 0);
    // The logits too: 17 TLPs a position, more than 4,096 in all, so the chip's 12-bit
    // sequence numbers wrap under faults.
    const std::string faulty = chip_sim(
        model, "", "run",
        "--steps 256 --json --logits --inject-errors 1e-4:1e-2:1e-2:1e-2:1e-4 --seed 3 --require-faults",
        &rc);
    INFO(faulty.substr(faulty.size() > 3000 ? faulty.size() - 3000 : 0));
    REQUIRE(rc == 0);
    const auto a = json_lines(clean), b = json_lines(faulty);
    REQUIRE(a.size() == 257);
    REQUIRE(b.size() == 257);
    for (std::size_t k = 0; k < 256; k++) CHECK(b[k]["chip_token"] == a[k]["chip_token"]);
    const auto& s = b.back()["summary"];
    CHECK(s["generated"] == a.back()["summary"]["generated"]);
    CHECK(s["values_checked"].get<long long>() > 4000000);
    const auto& e = s["link_errors"];
    CHECK(e["chip_tx_tlps"].get<long long>() > 4096);
    CHECK(e["chip_bad_crc"].get<int>() + e["chip_framing"].get<int>() > 0);
    CHECK(e["host_bad_crc"].get<int>() + e["host_framing"].get<int>() > 0);
    // The chip replayed, over 4,096 TLPs. The host sends only about 50 TLPs here, so
    // whether one of them is hit is chance (seed 3: none); the host's replays are checked by
    // "link faults of every kind both ways", at rates where they are certain.
    CHECK(e["chip_replays"].get<int>() > 0);
}

TEST_CASE("run: a prompt streams as text with a summary: --trace writes an FST and a layout",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    const std::string tok = hw::test::stories260k_tokenizer();
    int rc = -1;
    const std::string out = chip_sim(model, "", "run",
                                     "--tokenizer " + tok + " --prompt 'Once upon a time' --steps 24 --link usb2",
                                     &rc);
    INFO(out);
    CHECK(rc == 0);
    CHECK_THAT(out, Contains("Once upon a time, there was a little girl named Lily") &&
                        Contains("every one bit-exact with the golden model") &&
                        Contains("over usb2 with the link"));
}

TEST_CASE("trace: an FST of the chosen positions and a GTKWave layout grouped by block",
          "[chip][slow]") {
    hw::test::TempDir dir;
    int rc = -1;
    const std::string out = chip_sim("", kOneLayer, "check",
                                     "--steps 6 --trace " + dir.file("w/p2.fst") + " --trace-tokens 2:3",
                                     &rc, true);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK(hw::test::read_file(dir.file("w/p2.fst")).size() > 10000);
    const std::string gtkw = hw::test::read_file(dir.file("w/p2.gtkw"));
    for (const char* group : {"-Host link", "-Sequencer", "-MAC cluster", "-Vector unit", "-KV cache",
                              "-Scratch SRAMs"})
        CHECK_THAT(gtkw, Contains(group));
    CHECK_THAT(gtkw, Contains("synth_chip.u_core.u_seq.op_q") && Contains("synth_chip.link_rx_data_i[31:0]"));
    // Encoded signals show names: in binary with GTKWave's enum flag (the FST's enum tables,
    // which Verilator writes for enum-typed signals) and a translate filter file per encoding,
    // written from rtl/ and keyed by the binary value (for plain vectors such as the TLP type).
    const std::string filters = dir.file("w/p2.filters");
    CHECK_THAT(gtkw, Contains("@100002028\n^") &&
                         Contains(" " + filters + "/op_e.txt\nTOP.synth_chip.u_core.u_seq.op_q[3:0]\n") &&
                         Contains(" " + filters + "/tlp_type.txt\nTOP.synth_chip.u_endpoint.rq_type[7:0]\n"));
    CHECK_THAT(hw::test::read_file(filters + "/op_e.txt"), Contains("\n0000 OpIdle\n") &&
                                                               Contains("\n0100 OpMv\n") &&
                                                               Contains("\n1010 OpDone\n"));
    CHECK_THAT(hw::test::read_file(filters + "/tap_e.txt"), Contains(" TapAttNorm\n"));
    CHECK_THAT(hw::test::read_file(filters + "/st_e.txt"), Contains("\n000 StIdle\n"));
    CHECK_THAT(hw::test::read_file(filters + "/tlp_type.txt"), Contains("\n00000011 TOKEN_IN\n") &&
                                                                   Contains("\n10000010 TOKEN_OUT\n"));
    // Named markers: each position's start and the one layer's end ("final": the classifier).
    CHECK_THAT(gtkw, Contains("[markername] Apos 2\n") && Contains("[markername] Bfinal\n") &&
                         Contains("[markername] Cpos 3\n") && Contains("[markername] Dfinal\n"));
    CHECK_THAT(gtkw, !Contains("[markername] E"));
}

TEST_CASE("timeline: an SVG of one token's schedule drawn from the simulation agrees with the "
          "counters and the cycle model",
          "[chip][slow]") {
    hw::test::TempDir dir;
    int rc = -1;
    const std::string svg_path = dir.file("t/p4.svg");
    const std::string out =
        chip_sim("", kOneLayer, "check", "--steps 6 --timeline " + svg_path + " --trace-tokens 4", &rc);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK_THAT(out, Contains("timeline:   " + svg_path + " (positions 4..4)"));
    const std::string svg = hw::test::read_file(svg_path);
    CHECK_THAT(svg, Contains("<svg") && Contains("</svg>") && Contains("Generated by hardwire"));
    for (const char* lane : {"sequencer op", "MAC cluster busy", "vector unit", "attention unit",
                             "link, host to chip", "link, chip to host"})
        CHECK_THAT(svg, Contains(std::string(">") + lane + "<"));
    CHECK_THAT(svg, Contains(">pos 4<") && Contains(">final<"));
    // The cycles each lane shows, summed from the segments' titles, against the cycle model:
    // the Mv op's cycles are the matrix products', the MAC lane's the beats.
    auto sum = [&](const std::string& prefix) {
        long long total = 0;
        const std::regex seg("<title>" + prefix + "[^<]*\\(([0-9,]+)\\)</title>");
        for (std::sregex_iterator it(svg.begin(), svg.end(), seg), end; it != end; ++it) {
            std::string n = (*it)[1];
            n.erase(std::remove(n.begin(), n.end(), ','), n.end());
            total += std::stoll(n);
        }
        return total;
    };
    const hw::Config c = hw::parse_synthetic_spec(kOneLayer).config;
    const hw::TokenCycles want = hw::token_cycles(c, hw::parse_weight_format("int8"), hw::Datapath{}, 4);
    CHECK(sum("Mv, layer") == want.matvec);
    CHECK(sum("Attn, layer") == want.attention);
    CHECK(sum("MAC cluster busy") == want.mac_beats);
    CHECK(sum("attention unit") == want.attention);
}

TEST_CASE("hardwire run streams the story through the link checked with a summary",
          "[model][chip][cli][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // The chip build is the one test_chip and test_link use (same cache, same key).
    const auto r = hw::test::run_cli("run --model " + model + " --prompt 'Once upon a time' --steps 20 " +
                           "--cache " + std::string(HW_TEST_WORK_DIR) + "/chips");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Once upon a time, there was a little girl") &&
                          Contains("every one bit-exact with the golden model") &&
                          Contains("over pcie3x4"));
}

TEST_CASE("a cached chip opens the model named in this run and not the path its first build "
          "recorded",
          "[chip][cli][slow]") {
    namespace fs = std::filesystem;
    hw::test::TempDir dir;
    // The model, a folder for the first build (a) and another (c/d) where that build's
    // relative path leads nowhere.
    for (const char* d : {"models/one", "a", "c/d"}) fs::create_directories(dir.file(d));
    const std::string model = dir.file("models/one/one.bin"), cache = dir.file("cache");
    hw::write_checkpoint(model, hw::make_synthetic_model(hw::parse_synthetic_spec(kOneLayer)));
    // `command` run in `folder`: exit code and output.
    auto in = [&](const std::string& folder, const std::string& command) {
        const std::string log = dir.file(folder + "/run.log");
        const int status =
            std::system(("cd " + dir.file(folder) + " && " + command + " > " + log + " 2>&1").c_str());
        return std::make_pair(WEXITSTATUS(status), hw::test::read_file(log));
    };
    auto hardwire = [&](const std::string& folder, const std::string& env, const std::string& args) {
        return in(folder, "env " + env + " " + hw::test::cli_path() + " " + args);
    };
    // The first build finds the model by name through a relative HARDWIRE_MODELS: its
    // manifest records that relative path.
    const auto [first_rc, first] =
        hardwire("a", "HARDWIRE_MODELS=../models", "build --model one --cache " + cache + " --run 2");
    INFO(first);
    REQUIRE(first_rc == 0);
    std::vector<fs::path> configs;
    for (const auto& e : fs::directory_iterator(cache))
        if (e.is_directory()) configs.push_back(e.path());
    REQUIRE(configs.size() == 1);
    std::ifstream manifest(configs[0] / "gen" / "manifest.json");
    CHECK(nlohmann::json::parse(manifest)["model"]["source"] == "../models/one/one.bin");
    // Another folder, the absolute path: the same configuration, and the simulator opens
    // the file this run named (it failed with "../models/one/one.bin: cannot open").
    const auto [second_rc, second] = hardwire(
        "c/d", "-u HARDWIRE_MODELS", "run --model " + model + " --cache " + cache + " --steps 4");
    INFO(second);
    CHECK(second_rc == 0);
    CHECK_THAT(second, Contains("generated RTL up to date") &&
                           Contains("every one bit-exact with the golden model"));
    // The simulator alone: without --model the recorded path does not open from here, and
    // says what to do; a file with other bytes is refused by its hash.
    const std::string sim = (configs[0] / "build" / "chip_sim").string();
    REQUIRE(fs::exists(sim));
    const auto [bare_rc, bare] = in("c/d", sim + " check " + (configs[0] / "gen").string());
    CHECK(bare_rc != 0);
    CHECK_THAT(bare, Contains("../models/one/one.bin: cannot open checkpoint for reading (the path") &&
                         Contains("name the model with --model FILE"));
    fs::copy_file(model, dir.file("c/d/other.bin"));
    { std::fstream f(dir.file("c/d/other.bin"), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(100); f.put('\x55'); }
    const auto [other_rc, other] =
        in("c/d", sim + " check " + (configs[0] / "gen").string() + " --model other.bin");
    CHECK(other_rc != 0);
    CHECK_THAT(other, Contains("other.bin: not the checkpoint") && Contains("expected sha256"));
}

TEST_CASE("LoRA on the chip: adapters written over the link serve every token bit-exactly",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // Each run loads the adapter into its slot over the link (the driver checks ADAPTER_HASH
    // against the CRC-32 of the words it sent), then checks every stage against the golden
    // low-rank path (IntModel::set_adapter) and every step's cycles against the cycle model's.
    auto decode = checked_decode;
    // stories260K, 256 positions, every matrix adapted.
    const auto base = decode(model, "", "--steps 256").first;
    const auto all = decode(model, "", "--steps 256 --synthetic-adapter r=8,targets=q,k,v,o,gate,up,down,seed=3");
    CHECK(all.first != base);  // the adapter changes the story
    CHECK_THAT(all.second, Contains("adapter:    r=8,targets=q,k,v,o,gate,up,down,seed=3 in slot 0 (targets 0x7f"));
    // A PEFT folder (F16 safetensors) of rank 4, below the chip's 8, into slot 1, through
    // link faults both ways that make both sides replay: it arrives intact (the hash) and
    // serves bit-exactly.
    hw::test::TempDir dir;
    const hw::Config c = hw::read_checkpoint_config(model);
    hw::write_peft_adapter(dir.file("peft"), hw::make_synthetic_adapter(c, "r=4,targets=q,v,down,seed=5"), c, "F16");
    const auto faulty = decode(model, "", "--steps 40 --adapter " + dir.file("peft") +
                                              " --slot 1 --inject-errors 1e-3:1e-3 --seed 3");
    CHECK_THAT(faulty.second, Contains("in slot 1 (targets 0x45"));
    CHECK_THAT(faulty.second, !Contains("to the chip: 0 TLPs"));
    const auto at = faulty.second.find("to the chip: ");
    REQUIRE(at != std::string::npos);
    CHECK_THAT(faulty.second.substr(at, faulty.second.find('\n', at) - at), !Contains("; 0 replays"));
    // The same folder without faults decodes the same tokens.
    CHECK(decode(model, "", "--steps 40 --adapter " + dir.file("peft")).first == faulty.first);
    // A grouped-query shape (6 heads, 2 KV heads, vocabulary 300): k and v's B have kv_dim rows.
    decode("", kOneLayer, "--steps 32 --synthetic-adapter r=8,targets=q,k,v,o,gate,up,down,seed=2");
    decode("", kOneLayer, "--steps 32 --synthetic-adapter r=2,targets=k,up,seed=9 --temperature 1.1 --seed 4");
}

TEST_CASE("LoRA slots switched between tokens: nothing reloaded and every token bit-exact",
          "[model][chip][slow]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // Two adapters are written before the decode (slots 0 and 1); at position 20 the host
    // selects the other slot (ADAPTER_SELECT between two generations of one context) and
    // the golden model and the cycle model switch with it. Its hash reads as loaded.
    const std::string a = "--synthetic-adapter r=8,targets=q,k,v,o,gate,up,down,seed=3";
    const std::string b = "r=6,targets=q,v,down,seed=11";
    const auto only_a = checked_decode(model, "", "--steps 40 " + a).first;
    const auto only_b = checked_decode(model, "", "--steps 40 --synthetic-adapter " + b + " --slot 1").first;
    const auto ab = checked_decode(model, "", "--steps 40 " + a + " --switch 20:1 --switch-adapter " + b);
    CHECK_THAT(ab.second, Contains("switch:     at position 20 to slot 1 (" + b + ", ADAPTER_HASH 0x"));
    REQUIRE(ab.first.size() == 40);
    // Up to the switch the tokens are slot 0's; after it they follow slot 1's adapter over
    // slot 0's context, which neither single-adapter run decodes.
    CHECK(std::vector<std::string>(ab.first.begin(), ab.first.begin() + 20) ==
          std::vector<std::string>(only_a.begin(), only_a.begin() + 20));
    CHECK(ab.first != only_a);
    CHECK(ab.first != only_b);
    // Back to the etched model alone, and from no adapter to the one slot (GQA shape).
    const auto none = checked_decode(model, "", "--steps 40 " + a + " --switch 20:none");
    CHECK_THAT(none.second, Contains("switch:     at position 20 to no slot"));
    CHECK(std::vector<std::string>(none.first.begin(), none.first.begin() + 20) ==
          std::vector<std::string>(only_a.begin(), only_a.begin() + 20));
    checked_decode("", kOneLayer, "--steps 24 --switch 9:0 --switch-adapter r=4,targets=k,o,up,seed=2");
    // Switches the options cannot describe are refused before anything runs.
    int rc = -1;
    CHECK_THAT(chip_sim(model, "", "check", "--steps 40 " + a + " --switch 20:1", &rc),
               Contains("slot 1 holds no adapter of this run"));
    CHECK(rc == 2);
    CHECK_THAT(chip_sim(model, "", "check", "--steps 40 " + a + " --switch 40:1 --switch-adapter " + b, &rc),
               Contains("--switch"));
    CHECK(rc == 2);
    CHECK_THAT(chip_sim(model, "", "check", "--steps 40 --switch 5:x", &rc), Contains("'5:x'"));
    CHECK(rc == 2);
}
