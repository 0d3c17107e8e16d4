// SPDX-License-Identifier: MIT
// The hardwire command line: help, bad arguments (one line, exit 2), ref output.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_util.h"
#include "tokenizer.h"

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
        {"run --synthetic dim=64 --trace-tokens 3",
         "--trace-tokens needs --trace FILE.fst or --timeline"},
        {"run --synthetic dim=64 --trace t.fst --trace-tokens 5:2", "expected A or A:B"},
        {"run --synthetic dim=64 --steps 8 --trace t.fst --trace-tokens 9",
         "after the last of the 8"},
        {"run --synthetic dim=64 --model m.bin", "give --model or --synthetic, not both"},
        {"run --synthetic dim=64 --prompt hi", "--prompt needs --tokenizer"},
        {"run --synthetic dim=64 --check --no-check", "contradict"},
        {"ref --synthetic dim=64 --save-merged m.bin",
         "--save-merged needs --adapter DIR or --synthetic-adapter SPEC"},
        {"ref --synthetic dim=64 --adapter a --synthetic-adapter r=2,targets=q",
         "give --adapter or --synthetic-adapter, not both"},
        {"regress --list smoke --launcher lsf",
         "option '--launcher': expected local or slurm, found 'lsf'"},
        {"regress --list smoke --account chip", "--account is a setting of --launcher slurm"},
        {"bench --synthetic dim=64 --only gpu",
         "--only: expected float, golden, fast or tlm, got 'gpu'"},
    };
    for (const auto& c : cases) {
        INFO("hardwire " << c.args);
        const auto r = run_cli(c.args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains(c.says));
        CHECK(lines(r.err) == 1);
    }
}

TEST_CASE("hardwire bench: the four models side by side, the integer ones on the same tokens",
          "[fast][cli]") {
    // heads of 6: the attention's specification path inside the fast model; heads of 8 its AVX2
    // path
    for (const char* shape :
         {"dim=48,hidden=100,layers=2,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=1",
          "dim=64,hidden=96,layers=2,heads=8,kv_heads=4,vocab=300,seq_len=32,seed=1"}) {
        INFO(shape);
        const auto r = run_cli(std::string("bench --synthetic ") + shape +
                               " --steps 24 --repeats 2 --rounds 1");
        REQUIRE(r.exit_code == 0);
        for (const char* line : {"float reference", "integer golden (int8/g32)", "fast kernels",
                                 "transaction-level model"})
            CHECK_THAT(r.out, Contains(line));
        CHECK_THAT(r.out, Contains("x the integer golden model's speed"));
    }
    const auto one =
        run_cli("bench --synthetic dim=64 --steps 8 --repeats 1 --rounds 1 --only tlm");
    REQUIRE(one.exit_code == 0);
    CHECK_THAT(one.out, Contains("transaction-level model"));
    CHECK_THAT(one.out, !Contains("fast kernels"));
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

TEST_CASE("a model name such as stories260K is found under HARDWIRE_MODELS", "[model][cli]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    // stories260k_bin() finds the model through $HARDWIRE_MODELS, so the name resolves.
    const auto by_name = run_cli("ref --model stories260K --steps 4 --json");
    const auto by_path = run_cli("ref --model " + model + " --steps 4 --json");
    INFO(by_name.err);
    CHECK(by_name.exit_code == 0);
    CHECK(by_name.out == by_path.out);
    CHECK(run_cli("ref --model no-such-model --steps 4").exit_code == 2);
}

TEST_CASE("hardwire run: a prompt longer than the context says so with both numbers before "
          "any build",
          "[model][cli]") {
    HW_REQUIRE_MODEL_FILE(model, hw::test::stories260k_bin());
    HW_REQUIRE_MODEL_FILE(tok, hw::test::stories260k_tokenizer());
    hw::test::TempDir dir;
    std::string prompt;
    for (int k = 0; k < 600; k++) prompt += " dog";
    // stories260K's context holds 512 positions.
    const std::size_t tokens = hw::Tokenizer::read(tok, 512).encode(prompt, true).size();
    REQUIRE(tokens > 600);
    const auto r = run_cli("run --model " + model + " --steps 8 --cache " + dir.file("cache") +
                           " --prompt '" + prompt + "'");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("the prompt does not fit the context: " + std::to_string(tokens) +
                               " tokens (BOS included), the model's context holds 512 positions"));
    CHECK(lines(r.err) == 1);
    CHECK(!std::filesystem::exists(dir.file("cache")));  // refused before the first build
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

TEST_CASE("hardwire ref --adapter: the same tokens as the checkpoint with the adapter merged into it",
          "[model][cli]") {
    const std::string model = hw::test::stories260k_bin();
    if (model.empty()) return;
    hw::test::TempDir dir;
    // A seeded adapter on every target, written as a PEFT folder and as the merged checkpoint.
    const auto made = run_cli("ref --model " + model + " --steps 64 --synthetic-adapter r=8,targets=q,k,v,o,gate,up,down,seed=3"
                              " --save-adapter " + dir.file("adapter") + " --save-merged " + dir.file("merged.bin"));
    REQUIRE(made.exit_code == 0);
    const auto from_files = run_cli("ref --model " + model + " --steps 64 --adapter " + dir.file("adapter"));
    const auto merged = run_cli("ref --model " + dir.file("merged.bin") + " --steps 64");
    const auto base = run_cli("ref --model " + model + " --steps 64");
    REQUIRE(from_files.exit_code == 0);
    REQUIRE(merged.exit_code == 0);
    CHECK(from_files.out == merged.out);
    CHECK(made.out == merged.out);
    CHECK(base.out != merged.out);  // the adapter changes the story
    CHECK_THAT(from_files.err, Contains("adapter " + dir.file("adapter") + ": r 8, alpha 16 (scale 2), targets wq wk wv wo w1 w3 w2"));

    // The chip's arithmetic with the adapter against the merged model's trace: measured
    // 199/208 teacher-forced (the decode ends at a BOS after 208 positions), against 100/208
    // for the integer model without the adapter.
    const auto trace = run_cli("ref --model " + model + " --steps 256 --json --adapter " + dir.file("adapter"));
    REQUIRE(trace.exit_code == 0);
    std::ofstream(dir.file("trace.jsonl")) << trace.out;
    const auto acc = run_cli("accuracy --model " + model + " --trace " + dir.file("trace.jsonl") +
                             " --adapter " + dir.file("adapter") + " --json");
    REQUIRE(acc.exit_code == 0);
    const auto j = nlohmann::json::parse(acc.out);
    CHECK(j["teacher_forced_top1"].get<int>() >= 0.9 * j["positions"].get<int>());
    CHECK(j["saturations"] == 0);
    const auto without = nlohmann::json::parse(
        run_cli("accuracy --model " + model + " --trace " + dir.file("trace.jsonl") + " --json").out);
    CHECK(without["teacher_forced_top1"].get<int>() < 0.6 * j["positions"].get<int>());
}

TEST_CASE("hardwire ref runs a synthetic model without a tokenizer", "[fast][cli]") {
    const auto r =
        run_cli("ref --synthetic dim=32,hidden=48,layers=1,heads=4,vocab=40,seq_len=8 --steps 8");
    CHECK(r.exit_code == 0);
    CHECK(lines(r.out) == 1);
    CHECK_THAT(r.err, Contains("synthetic:dim=32"));
}

TEST_CASE("hardwire regress --launcher slurm: a bad configuration file or no cluster is a clear error",
          "[fast][cli]") {
    hw::test::TempDir dir;
    std::ofstream(dir.file("slurm.json")) << R"({"partition": "verif", "time_limt": "1:00:00"})";
    auto r = run_cli("regress --list smoke --launcher slurm --slurm-config " + dir.file("slurm.json"));
    CHECK(r.exit_code == 2);  // bad input, as every command
    CHECK_THAT(r.err, Contains(dir.file("slurm.json") + ": key \"time_limt\": expected partition, account, time_limit"));
    std::ofstream(dir.file("list.json")) << R"({"tests": {"t": {"command": "true"}}, "lists": {"l": {"tests": [{"test": "t"}]}}})";
    // No scheduler to talk to (no sbatch on the PATH): said before anything is submitted.
    const char* path = std::getenv("PATH");
    const std::string saved = path ? path : "";
    setenv("PATH", dir.file("no-bin").c_str(), 1);
    r = run_cli("regress --lists " + dir.file("list.json") + " --list l --launcher slurm --out " + dir.file("out"));
    setenv("PATH", saved.c_str(), 1);
    CHECK(r.exit_code == 2);  // bad input, as every command
    CHECK_THAT(r.err, Contains("regress --launcher slurm: sbatch does not run"));
}

TEST_CASE("hardwire regress: parallel jobs table buckets reproduce lines JUnit rerun",
          "[fast][cli]") {
    hw::test::TempDir dir;
    // A list of stand-in tests: one passes and reports cycles, a seeded one fails on odd
    // seeds with the same message (one bucket), one fails differently.
    {
        std::ofstream f(dir.file("lists.json"));
        f << R"({"tests": {
              "ok": {"command": "echo 'chip:       1234 cycles for 2 positions'"},
              "odd": {"command": "if [ $(({seed} % 2)) = 1 ]; then echo 'MISMATCH at layer 3 seed {seed}'; exit 1; fi", "seeded": true},
              "broken": {"command": "echo 'error: something else'; exit 3"}},
            "lists": {"mini": {"tests": [{"test": "ok"}, {"test": "odd", "seeds": 4}, {"test": "broken"}]}}})";
    }
    const std::string common = " --lists " + dir.file("lists.json") + " -j 2";
    const auto r = run_cli("regress --list mini" + common + " --out " + dir.file("out") +
                           " --junit " + dir.file("out.xml"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("regress mini: 3 passed, 3 failed, 0 skipped of 6"));
    CHECK(std::regex_search(r.out, std::regex(R"(ok\s+-\s+pass\s+1234)")));
    CHECK(std::regex_search(r.out, std::regex(R"(odd\s+3\s+fail)")));
    // Seeds 1 and 3 fail alike: one bucket of two; "broken" is its own.
    CHECK_THAT(r.out, Contains("failure buckets (2):") &&
                          Contains("[2] MISMATCH at layer <n> seed <n>") &&
                          Contains("[1] error: something else"));
    CHECK_THAT(r.out, Contains("reproduce (from ") && Contains("&& if [ $((3 % 2)) = 1 ]"));
    const std::string xml = hw::test::read_file(dir.file("out.xml"));
    CHECK_THAT(xml, Contains("<testsuite name=\"mini\" tests=\"6\" failures=\"3\"") &&
                        Contains("name=\"odd seed 3\"") && Contains("<failure message=\"MISMATCH at layer"));
    const auto results = nlohmann::json::parse(hw::test::read_file(dir.file("out/results.json")));
    CHECK(results["jobs"].size() == 6);
    // --rerun repeats the same tests and seeds.
    const auto again = run_cli("regress --rerun " + dir.file("out/results.json") + common +
                               " --waivers " + dir.file("waived.json") + " --out " + dir.file("again"));
    INFO(again.out << again.err);
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.out, Contains("rerunning 6 jobs") && Contains("3 passed, 3 failed"));
    // Bad input: one line, exit 2.
    const auto bad = run_cli("regress --list nope" + common);
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Contains("--list: unknown list: expected mini"));
}

TEST_CASE("hardwire regress stopped by a signal stops its running jobs",
          "[fast][cli][regress]") {
    // Jobs run in their own process groups, so a Ctrl-C (or a kill) reaches only regress:
    // it must stop them, not leave them running.
    hw::test::TempDir dir;
    {
        std::ofstream f(dir.file("lists.json"));
        f << R"({"tests": {"slow": {"command": "echo $$ > )" << dir.file("job.pid")
          << R"( && exec sleep 60"}}, "lists": {"slow": {"tests": [{"test": "slow"}]}}})";
    }
    const std::string script =
        hw::test::cli_path() + " regress --list slow --lists " + dir.file("lists.json") +
        " --out " + dir.file("out") + " >" + dir.file("stdout") + " 2>" + dir.file("stderr") +
        " </dev/null & r=$!\n"
        "for i in $(seq 100); do [ -s " + dir.file("job.pid") + " ] && break; sleep 0.1; done\n"
        "kill -TERM $r; wait $r; echo $? >" + dir.file("rc") + "\n";
    std::ofstream(dir.file("run.sh")) << script;
    REQUIRE(std::system(("sh " + dir.file("run.sh")).c_str()) == 0);
    const std::string err = hw::test::read_file(dir.file("stderr"));
    INFO(err);
    CHECK(std::stoi(hw::test::read_file(dir.file("rc"))) == 128 + SIGTERM);
    CHECK_THAT(err, Contains("interrupted (signal 15)") && Contains("stopped 1 running job"));
    const pid_t job = std::stoi(hw::test::read_file(dir.file("job.pid")));
    CHECK(kill(job, 0) != 0);  // the job is gone
}

TEST_CASE("hardwire regress --cov: the jobs' coverage data is merged and reported",
          "[fast][cli][coverage]") {
    hw::test::TempDir dir;
    // Stand-in simulations: each copies a coverage.dat into $HARDWIRE_COVERAGE_DIR, as
    // SimControl does in a coverage build. c_hit is hit in one run only, c_missed never.
    const std::string src = dir.file("m.sv");
    std::ofstream(src) << "module m;\n  c_hit: cover property (a);\n  c_missed: cover property (b);\nendmodule\n";
    auto dat = [&](const std::string& name, int hit) {
        auto rec = [&](int line, const std::string& point, int count) {
            return "C '\001f\002" + src + "\001l\002" + std::to_string(line) +
                   "\001n\0020\001page\002v_user/m\001o\002" + point + "\001h\002TOP.m." + point +
                   "' " + std::to_string(count) + "\n";
        };
        std::ofstream(dir.file(name)) << "# SystemC::Coverage-3\n" << rec(2, "c_hit", hit) << rec(3, "c_missed", 0);
    };
    dat("run1.dat", 0);
    dat("run2.dat", 4);
    {
        std::ofstream f(dir.file("lists.json"));
        f << R"({"tests": {"sim": {"command": "mkdir -p \"$HARDWIRE_COVERAGE_DIR\" && cp )" << dir.file("run")
          << R"({seed}.dat \"$HARDWIRE_COVERAGE_DIR/\"", "seeded": true}},
                "lists": {"cov": {"coverage": true, "tests": [{"test": "sim", "seeds": 2}]},
                          "plain": {"tests": [{"test": "sim", "seeds": 1}]}}})";
    }
    std::ofstream(dir.file("none.json")) << R"({"waivers": []})";
    std::ofstream(dir.file("waived.json"))
        << R"({"waivers": [{"point": "c_missed", "reason": "the stand-in never hits it"}]})";
    const std::string common = " --lists " + dir.file("lists.json") + " -j 2";
    // The gate: a cover point neither hit nor waived fails the run ...
    const auto gate = run_cli("regress --list cov" + common + " --waivers " + dir.file("none.json") +
                              " --out " + dir.file("gate"));
    INFO(gate.out << gate.err);
    CHECK(gate.exit_code == 1);
    CHECK_THAT(gate.out, Contains("    c_missed  NOT WAIVED\n") &&
                             Contains("coverage: FAILED: 1 cover point(s) neither hit nor waived"));
    // ... and passes when it is waived with a reason.
    const auto r = run_cli("regress --list cov" + common + " --waivers " + dir.file("waived.json") +
                           " --out " + dir.file("out"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("coverage builds") && Contains("coverage of 2 simulations") &&
                          Contains("cover points never hit in any configuration: 1") &&
                          Contains("    c_missed  waived: the stand-in never hits it\n"));
    CHECK(std::regex_search(r.out, std::regex(R"(user\s+1 of\s+2 points hit)")));
    CHECK(std::filesystem::exists(dir.file("out/coverage/html/index.html")));
    CHECK(std::filesystem::exists(dir.file("out/coverage/merged.info")));
    const auto results = nlohmann::json::parse(hw::test::read_file(dir.file("out/results.json")));
    CHECK(results["coverage"]["user"]["hit"] == 1);
    // A rerun of a coverage run collects coverage again.
    const auto again = run_cli("regress --rerun " + dir.file("out/results.json") + common +
                               " --waivers " + dir.file("waived.json") + " --out " + dir.file("again"));
    CHECK_THAT(again.out, Contains("coverage of 2 simulations"));
    // A list without coverage sets nothing: the stand-in's cp has no folder and fails.
    const auto plain = run_cli("regress --list plain" + common + " --out " + dir.file("plain"));
    CHECK(plain.exit_code == 1);
    CHECK_THAT(plain.out, !Contains("coverage"));
}

TEST_CASE("hardwire regress: a test that needs the models is skipped without them but fails "
          "under CI=true",
          "[fast][cli]") {
    hw::test::TempDir dir;
    std::ofstream(dir.file("lists.json"))
        << R"({"tests": {"m": {"command": "true", "needs": "models"}, "plain": {"command": "true"}},
               "lists": {"l": {"tests": [{"test": "m"}, {"test": "plain"}]}}})";
    auto regress = [&](const std::string& env, const std::string& out) {
        const std::string cmd = "env -u HARDWIRE_MODELS " + env + " " + hw::test::cli_path() +
                                " regress --list l --lists " + dir.file("lists.json") + " --out " +
                                dir.file(out) + " > " + dir.file(out + ".log") + " 2>&1";
        const int status = std::system(cmd.c_str());
        return std::make_pair(WEXITSTATUS(status), hw::test::read_file(dir.file(out + ".log")));
    };
    const auto [local_rc, local] = regress("CI=", "local");
    INFO(local);
    CHECK(local_rc == 0);
    CHECK_THAT(local, Contains("1 passed, 0 failed, 1 skipped of 2"));
    const auto [ci_rc, ci] = regress("CI=true", "ci");
    INFO(ci);
    CHECK(ci_rc == 1);
    CHECK_THAT(ci, Contains("1 passed, 1 failed, 0 skipped of 2") &&
                       Contains("needs $HARDWIRE_MODELS, which is unset (CI=true: not skipped)"));
}

TEST_CASE("hardwire regress --list mutations: each entry meets only the faults no earlier one "
          "caught: the table and the score",
          "[fast][cli]") {
    hw::test::TempDir dir;
    // Stand-in tests that fail when one named fault is planted ($HARDWIRE_FAULTS, which the
    // campaign sets per job); the names are real planted faults (the campaign checks rtl/).
    std::ofstream(dir.file("faults.json"))
        << R"({"faults": [{"name": "TOKEN_FEEDBACK", "file": "rtl/hw_endpoint.sv"},
                          {"name": "POS_STUCK", "file": "rtl/hw_endpoint.sv"},
                          {"name": "PROMPT_DROP", "file": "rtl/hw_endpoint.sv"},
                          {"name": "CRC_OFF", "file": "rtl/hw_link_rx.sv"}]})";
    std::ofstream(dir.file("lists.json")) << R"({"tests": {
          "a": {"command": "echo a ran; test \"$HARDWIRE_FAULTS\" != TOKEN_FEEDBACK"},
          "b": {"command": "echo b ran; test \"$HARDWIRE_FAULTS\" != POS_STUCK", "seeded": true},
          "c": {"command": "echo c ran; test \"$HARDWIRE_FAULTS\" != PROMPT_DROP"}},
        "lists": {"m": {"faults": ")" << dir.file("faults.json") << R"(",
                        "tests": [{"test": "a"}, {"test": "b", "seeds": 2}],
                        "escalate": [{"test": "c"}]}}})";
    const auto r = run_cli("regress --list m --lists " + dir.file("lists.json") + " -j 2 --out " +
                           dir.file("out"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);  // CRC_OFF escapes every test
    CHECK(std::regex_search(r.out, std::regex(R"(\nTOKEN_FEEDBACK +\S+ +a +)")));
    CHECK(std::regex_search(r.out, std::regex(R"(\nPOS_STUCK +\S+ +b seed 1 +)")));
    CHECK(std::regex_search(r.out, std::regex(R"(\nPROMPT_DROP +\S+ +c \(escalation\) +)")));
    CHECK(std::regex_search(r.out, std::regex(R"(\nCRC_OFF +\S+ +ESCAPED +every test passed)")));
    CHECK_THAT(r.out, Contains("m's tests caught 2 of 4 planted faults (50%); with the escalation "
                               "tests 3 of 4 (75%)"));
    // Stages: b met only the three faults a missed, c only the two the list missed.
    namespace fs = std::filesystem;
    CHECK(fs::exists(dir.file("out/logs/TOKEN_FEEDBACK/a.log")));
    // Each log starts with the command it ran (not the parent's unwritten output).
    CHECK_THAT(hw::test::read_file(dir.file("out/logs/TOKEN_FEEDBACK/a.log")),
               Catch::StartsWith("$ HARDWIRE_FAULTS=TOKEN_FEEDBACK "));
    CHECK(!fs::exists(dir.file("out/logs/TOKEN_FEEDBACK/b-seed1.log")));
    CHECK(fs::exists(dir.file("out/logs/POS_STUCK/b-seed2.log")));
    CHECK(!fs::exists(dir.file("out/logs/POS_STUCK/c.log")));
    CHECK(fs::exists(dir.file("out/logs/PROMPT_DROP/c.log")));
    CHECK(fs::exists(dir.file("out/logs/CRC_OFF/c.log")));
    const auto results = nlohmann::json::parse(hw::test::read_file(dir.file("out/mutations.json")));
    CHECK(results["caught_by_list"] == 2);
    CHECK(results["caught"] == 3);
}
