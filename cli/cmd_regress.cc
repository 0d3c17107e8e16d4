// SPDX-License-Identifier: MIT
// hardwire regress: runs a named list of tests/regress.json in parallel jobs, with a live
// progress line, then prints a table (test, seed, result, cycles, wall time), failure
// buckets (failures with the same signature) and a one-line reproduce command for each
// failure; writes JUnit XML on request and always a results.json that --rerun repeats.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "chip_build.h"
#include "commands.h"
#include "coverage.h"
#include "error.h"
#include "regress_jobs.h"
#include "regress_mutations.h"
#include "regress_slurm.h"
#include "xml.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace hw::cli {

namespace {

// The commit being tested: short hash, "-dirty" with uncommitted changes.
std::string commit_of(const std::string& source) {
    int status = 0;
    std::string out = run_captured("git -C " + shell_quote(source) + " describe --always --dirty --abbrev=12 2>/dev/null",
                                   &status);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out.empty() ? "unknown" : out;
}

// The list file: tests and lists, checked as it is read.
struct Catalog {
    json tests, lists;
};

Catalog read_catalog(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw make_error(path, "cannot open the regression lists", "a readable JSON file", "none");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
    if (!j.contains("tests") || !j["tests"].is_object() || !j.contains("lists") ||
        !j["lists"].is_object())
        throw make_error(path, "top level", "objects \"tests\" and \"lists\"", "something else");
    for (auto& [name, t] : j["tests"].items())
        if (!t.is_object() || !t.contains("command") || !t["command"].is_string())
            throw make_error(path, "test '" + name + "'", "an object with a \"command\" string",
                             t.dump());
    for (auto& [name, l] : j["lists"].items()) {
        if (!l.contains("tests") || !l["tests"].is_array())
            throw make_error(path, "list '" + name + "'", "an object with a \"tests\" array", l.dump());
        for (const char* key : {"tests", "escalate"}) {
            if (!l.contains(key)) continue;
            for (const auto& e : l[key])
                if (!e.contains("test") || !j["tests"].contains(e["test"].get<std::string>()))
                    throw make_error(path, "list '" + name + "'",
                                     std::string("\"") + key + "\" entries naming a test of \"tests\"",
                                     e.dump());
        }
    }
    return {j["tests"], j["lists"]};
}

std::string list_names(const json& lists) {
    std::string s;
    for (auto& [name, l] : lists.items()) s += (s.empty() ? "" : ", ") + name;
    return s;
}

// Fills the placeholders of a command.
std::string expand(const std::string& command, const std::map<std::string, std::string>& vars,
                   std::uint64_t seed) {
    std::string c = command;
    for (const auto& [k, v] : vars) c = replace_all(c, "{" + k + "}", shell_quote(v));
    return replace_all(c, "{seed}", std::to_string(seed));
}

// tests/coverage-waivers.json: cover point -> the reason it is not expected to be hit.
std::map<std::string, std::string> read_waivers(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw make_error(path, "cannot open the coverage waivers", "a readable JSON file", "none");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
    std::map<std::string, std::string> w;
    for (const auto& e : j.at("waivers")) {
        const std::string reason = e.value("reason", "");
        if (reason.empty())
            throw make_error(path, "waiver of " + e.value("point", "?"), "a \"reason\"", "none");
        w[e.at("point").get<std::string>()] = reason;
    }
    return w;
}

}  // namespace

int cmd_regress(int argc, char** argv) {
    Args args(
        "hardwire regress",
        "hardwire regress (--list NAME | --rerun RESULTS.json) [-j N] [--seeds N] "
        "[--seed-base B] [--junit FILE.xml] [--cov [--waivers FILE]] [--out DIR] [--cache DIR] "
        "[--lists FILE] [--dry-run] [--launcher local|slurm [--slurm-config FILE] [--partition P] "
        "[--account A] [--time-limit T] [--sbatch-args ARGS]]",
        "Runs a named regression list (tests/regress.json: smoke, full, nightly, mutations) as\n"
        "parallel jobs with a live progress line; randomized tests run once per seed; the\n"
        "mutations list runs its tests once per planted RTL fault (tests/mutations.json) and\n"
        "prints which test caught each, and the mutation score. Prints a table\n"
        "(test, seed, result, cycles, wall time), groups failures with the same signature\n"
        "into buckets, and gives each failure a one-line reproduce command (commit, test,\n"
        "seed). Writes DIR/results.json (which --rerun repeats with the same seeds), the\n"
        "logs, and with --junit a JUnit XML report. With --cov (on for lists marked coverage)\n"
        "every chip is a Verilator coverage build and the runs are merged into DIR/coverage:\n"
        "merged.dat, an lcov merged.info, annotated sources and an HTML report, and a cover\n"
        "point neither hit nor waived (--waivers) fails the run. With --launcher slurm the\n"
        "jobs run on a SLURM cluster sharing this filesystem: the chip builds as jobs the\n"
        "tests depend on, the tests as a job array; a job the scheduler kills or loses is\n"
        "resubmitted once, then reported as an infrastructure error (result infra), not a\n"
        "test failure; Ctrl-C cancels every job submitted. Exit code 1 when anything failed.");
    args.option("list", "NAME", "the list to run (smoke, full, nightly, mutations)")
        .option("rerun", "FILE", "repeat the tests and seeds of an earlier results.json")
        .option("j", "N", "parallel jobs", "2")
        .option("seeds", "N", "seeds per randomized test (default: the list's counts)")
        .option("seed-base", "B", "first seed; randomized tests run seeds B, B+1, ...", "1")
        .option("junit", "FILE", "write a JUnit XML report")
        .flag("cov", "coverage builds; merge and report the coverage of every simulation")
        .option("out", "DIR", "folder for logs and results.json (default: build/regress/LIST-TIME)")
        .option("cache", "DIR", "chip build cache (default: the tests' own, build/test-work/chips)")
        .option("lists", "FILE", "the list file (default: tests/regress.json of this checkout)")
        .option("waivers", "FILE",
                "with coverage: cover points that need not be hit, each with its reason "
                "(default: tests/coverage-waivers.json of this checkout)")
        .flag("dry-run", "print the jobs and their commands, run nothing")
        .option("launcher", "L", "where jobs run: local (child processes, -j at a time) or slurm", "local")
        .option("slurm-config", "FILE",
                "SLURM settings as JSON: partition, account, time_limit, sbatch_args, poll_s "
                "(the flags below override it)")
        .option("partition", "P", "with slurm: sbatch --partition")
        .option("account", "A", "with slurm: sbatch --account")
        .option("time-limit", "T", "with slurm: sbatch --time of every test (default: its timeout plus 10 minutes)")
        .option("sbatch-args", "ARGS", "with slurm: more sbatch arguments, split at spaces");
    // "-j N" as well as "--j N": the usual spelling for parallel jobs.
    std::vector<char*> av(argv, argv + argc);
    std::string dash_j = "--j";
    for (auto& a : av)
        if (std::string(a) == "-j") a = dash_j.data();
    if (!args.parse(static_cast<int>(av.size()), av.data(), 2)) return 0;
    if (args.flag_set("list") == args.flag_set("rerun"))
        throw UsageError("give --list NAME or --rerun RESULTS.json");
    const int jobs_max = static_cast<int>(args.get_int("j", 1, 64));
    const std::string launcher = args.get("launcher");
    if (launcher != "local" && launcher != "slurm")
        throw UsageError("option '--launcher': expected local or slurm, found '" + launcher + "'");
    SlurmConfig slurm;
    if (args.flag_set("slurm-config")) slurm = read_slurm_config(args.get("slurm-config"));
    if (args.flag_set("partition")) slurm.partition = args.get("partition");
    if (args.flag_set("account")) slurm.account = args.get("account");
    if (args.flag_set("time-limit")) slurm.time_limit = args.get("time-limit");
    if (args.flag_set("sbatch-args")) {
        std::istringstream words(args.get("sbatch-args"));
        for (std::string w; words >> w;) slurm.sbatch_args.push_back(w);
    }
    for (const char* o : {"slurm-config", "partition", "account", "time-limit", "sbatch-args"})
        if (args.flag_set(o) && launcher != "slurm")
            throw UsageError(std::string("--") + o + " is a setting of --launcher slurm");
    // Runs a batch of jobs where --launcher says; the signal's number when interrupted.
    auto launch = [&](std::vector<Job>& batch, const std::string& dir) {
        return launcher == "slurm" ? run_jobs_slurm(batch, slurm, dir) : run_jobs(batch, jobs_max, dir);
    };

    const std::string source = HW_SOURCE_DIR, build = HW_BINARY_DIR;
    const std::string lists_path =
        args.flag_set("lists") ? args.get("lists") : source + "/tests/regress.json";
    const Catalog cat = read_catalog(lists_path);
    const char* models_env = std::getenv("HARDWIRE_MODELS");
    const std::string models = models_env && *models_env ? models_env : "";
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const std::string hardwire = n > 0 ? std::string(self, n) : build + "/cli/hardwire";
    const std::string cache =
        args.flag_set("cache") ? args.get("cache") : build + "/test-work/chips";
    const std::map<std::string, std::string> vars = {
        {"hardwire", hardwire}, {"build", build}, {"source", source}, {"models", models},
        {"cache", cache}};

    // The jobs: from the list (seeds B.. per randomized test), or from earlier results.
    std::vector<Job> jobs;
    std::string list_name;
    // Coverage: asked for, or the list is marked for it (nightly), or the rerun had it.
    bool coverage = args.flag_set("cov");
    auto add_job = [&](const std::string& test, std::uint64_t seed) {
        const json& t = cat.tests[test];
        Job j;
        j.test = test;
        j.seeded = t.value("seeded", false);
        j.seed = j.seeded ? seed : 0;
        j.timeout_s = t.value("timeout", 1800.0);
        j.command = expand(t["command"].get<std::string>(), vars, j.seed);
        if (t.contains("build")) j.build = expand(t["build"].get<std::string>(), vars, j.seed);
        j.cpus = t.value("cpus", 1);
        j.mem_mb = static_cast<int>(t.value("mem_gb", 4.0) * 1024);
        // A test that needs the models is skipped without them, but not under CI=true, where a
        // missing model must fail the run (CI cannot pass without running the model tests).
        if (t.value("needs", "") == "models" && models.empty()) {
            const char* ci = std::getenv("CI");
            if (ci && std::string(ci) == "true") {
                j.result = "fail";
                j.signature = "needs $HARDWIRE_MODELS, which is unset (CI=true: not skipped)";
            } else {
                j.result = "skipped";
            }
        }
        jobs.push_back(j);
    };
    if (args.flag_set("list")) {
        list_name = args.get("list");
        if (!cat.lists.contains(list_name))
            throw make_error("--list", "unknown list", list_names(cat.lists) + " (" + lists_path + ")",
                             "'" + list_name + "'");
        coverage = coverage || cat.lists[list_name].value("coverage", false);
        const auto base = static_cast<std::uint64_t>(args.get_int("seed-base", 0, 1LL << 40));
        if (cat.lists[list_name].contains("faults")) {
            // The mutation campaign: the list's tests once per planted fault.
            MutationCampaign m;
            m.list_name = list_name;
            m.list = cat.lists[list_name];
            m.make_job = [&](const std::string& test, std::uint64_t seed) {
                add_job(test, seed);
                Job j = jobs.back();
                jobs.pop_back();
                return j;
            };
            m.seed_base = base;
            m.source = source;
            m.commit = commit_of(source);
            m.jobs_max = jobs_max;
            m.run = launch;
            m.dry_run = args.flag_set("dry-run");
            char stamp[32];
            const std::time_t now = std::time(nullptr);
            std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
            m.out_dir = args.flag_set("out") ? args.get("out") : build + "/regress/" + list_name + "-" + stamp;
            unsetenv(kCoverageDirEnv);
            return run_mutation_campaign(m);
        }
        const long long seeds_override = args.flag_set("seeds") ? args.get_int("seeds", 1, 100000) : 0;
        for (const auto& e : cat.lists[list_name]["tests"]) {
            const std::string test = e["test"].get<std::string>();
            const bool seeded = cat.tests[test].value("seeded", false);
            const long long count = !seeded ? 1 : seeds_override ? seeds_override : e.value("seeds", 1);
            for (long long k = 0; k < count; k++) add_job(test, base + k);
        }
    } else {
        const std::string path = args.get("rerun");
        std::ifstream in(path);
        if (!in) throw make_error(path, "cannot open the results to rerun", "a results.json of hardwire regress", "none");
        json r;
        try {
            r = json::parse(in);
        } catch (const json::exception& e) {
            throw Error(path + ": not valid JSON: " + e.what());
        }
        if (!r.contains("jobs") || !r["jobs"].is_array())
            throw make_error(path, "results", "a \"jobs\" array (hardwire regress results.json)", "none");
        list_name = r.value("list", "rerun");
        coverage = coverage || r.contains("coverage");
        for (const auto& j : r["jobs"]) {
            const std::string test = j.value("test", "");
            if (!cat.tests.contains(test))
                throw make_error(path, "test '" + test + "'", "a test of " + lists_path, "none");
            add_job(test, j.value("seed", 0ULL));
        }
        std::printf("regress: rerunning %zu jobs of %s (list %s, commit %s then)\n", jobs.size(),
                    path.c_str(), list_name.c_str(), r.value("commit", "?").c_str());
    }

    const std::string commit = commit_of(source);
    const bool dirty = commit.size() > 6 && commit.compare(commit.size() - 6, 6, "-dirty") == 0;
    const std::string clean_commit = dirty ? commit.substr(0, commit.size() - 6) : commit;
    auto reproduce = [&](const Job& j) {
        return "git checkout " + clean_commit + " && " + j.command;
    };
    std::string out_dir;
    if (args.flag_set("out")) {
        out_dir = args.get("out");
    } else {
        char stamp[32];
        const std::time_t now = std::time(nullptr);
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
        out_dir = build + "/regress/" + list_name + "-" + stamp;
    }
    std::error_code ec;
    fs::create_directories(out_dir + "/logs", ec);
    if (ec) throw make_error(out_dir, "cannot create the output folder", "a writable path", ec.message());
    for (auto& j : jobs) {
        j.log = out_dir + "/logs/" + j.test + (j.seeded ? "-seed" + std::to_string(j.seed) : "") + ".log";
        if (j.result == "fail") std::ofstream(j.log) << j.command << "\nnot run: " << j.signature << "\n";
    }

    const std::string cov_dir = out_dir + "/coverage";
    std::printf("regress: list %s, %zu jobs, %s, commit %s, logs in %s%s\n", list_name.c_str(),
                jobs.size(), launcher == "slurm" ? "launcher slurm" : ("-j " + std::to_string(jobs_max)).c_str(),
                commit.c_str(), out_dir.c_str(),
                coverage ? ", coverage builds" : "");
    if (args.flag_set("dry-run")) {
        for (const auto& j : jobs)
            std::printf("  %-18s %s%s\n", (j.test + (j.seeded ? " " + std::to_string(j.seed) : "")).c_str(),
                        j.result == "skipped" ? "(skipped: needs $HARDWIRE_MODELS) " : "", j.command.c_str());
        return 0;
    }

    // Every chip the jobs build is then a coverage build, and every simulation writes its
    // data into cov_dir/data (SimControl); the jobs inherit this.
    // The list decides: a regress run inside a coverage run (test_cli under regress --cov)
    // must not write into the outer run's folder.
    if (coverage) {
        fs::remove_all(cov_dir, ec);
        setenv(kCoverageDirEnv, (cov_dir + "/data").c_str(), 1);
    } else {
        unsetenv(kCoverageDirEnv);
    }

    // ---- run ----
    const auto t0 = std::chrono::steady_clock::now();
    if (const int sig = launch(jobs, out_dir); sig != 0) return 128 + sig;
    std::size_t failed = 0, infra = 0;
    for (const auto& j : jobs) {
        failed += j.result == "fail" || j.result == "timeout";
        infra += j.result == "infra";
    }
    const double total_s = seconds_since(t0);

    // ---- report ----
    std::size_t passed = 0, skipped = 0;
    int name_w = 18;  // the test column fits the longest name
    for (const auto& j : jobs) name_w = std::max(name_w, static_cast<int>(j.test.size()));
    std::printf("\n%-*s %6s  %-8s %12s %10s\n", name_w, "test", "seed", "result", "cycles", "wall");
    for (const auto& j : jobs) {
        passed += j.result == "pass";
        skipped += j.result == "skipped";
        std::printf("%-*s %6s  %-8s %12s %10s\n", name_w, j.test.c_str(),
                    j.seeded ? std::to_string(j.seed).c_str() : "-", j.result.c_str(),
                    j.cycles >= 0 ? std::to_string(j.cycles).c_str() : "-",
                    j.result == "skipped" ? "-" : fmt_time(j.wall_s).c_str());
    }
    const std::string where = launcher == "slurm" ? "slurm" : "-j " + std::to_string(jobs_max);
    std::printf("\nregress %s: %zu passed, %zu failed, %s%zu skipped of %zu in %s (%s, commit %s)\n",
                list_name.c_str(), passed, failed,
                infra ? (std::to_string(infra) + " infrastructure error(s), ").c_str() : "", skipped,
                jobs.size(), fmt_time(total_s).c_str(), where.c_str(), commit.c_str());
    for (const auto& j : jobs)
        if (!j.infra.empty() && j.result != "infra")
            std::printf("  (%s: resubmitted once after the scheduler ended it: %s)\n", j.name().c_str(),
                        j.infra.c_str());
    if (failed + infra > 0) {
        std::map<std::string, std::vector<const Job*>> buckets;
        for (const auto& j : jobs)
            if (j.result == "fail" || j.result == "timeout" || j.result == "infra")
                buckets[j.signature].push_back(&j);
        std::printf("\nfailure buckets (%zu):\n", buckets.size());
        for (const auto& [sig, members] : buckets) {
            std::printf("  [%zu] %s\n", members.size(), sig.c_str());
            for (const Job* j : members)
                std::printf("      %s%s: %s\n", j->test.c_str(),
                            j->seeded ? (" seed " + std::to_string(j->seed)).c_str() : "",
                            j->log.c_str());
        }
        std::printf("\nreproduce (from %s):\n", source.c_str());
        if (dirty)
            std::printf("  (the tree had uncommitted changes on top of %s)\n", clean_commit.c_str());
        for (const auto& j : jobs) {
            if (j.result != "fail" && j.result != "timeout" && j.result != "infra") continue;
            std::printf("  %s\n", reproduce(j).c_str());
        }
    }

    // Coverage: merge the runs and report.
    json cov_json;
    bool cov_failed = false;
    if (coverage) {
        std::vector<std::string> runs;
        for (const auto& e : fs::directory_iterator(cov_dir + "/data", ec))
            if (e.path().extension() == ".dat") runs.push_back(e.path().string());
        std::sort(runs.begin(), runs.end());
        std::fflush(stdout);
        try {
            const CoverageReport c = write_coverage_report(
                runs, cov_dir, [](const std::string& m) { std::fprintf(stderr, "coverage: %s\n", m.c_str()); });
            std::printf("\ncoverage of %zu simulations: %s\n", runs.size(), cov_dir.c_str());
            cov_json["runs"] = runs.size();
            for (const auto& k : c.summary.kinds) {
                std::printf("  %-7s %9lld of %9lld points hit (%5.1f %%)\n", k.kind.c_str(), k.hit,
                            k.points, k.points ? 100.0 * k.hit / k.points : 0.0);
                cov_json[k.kind] = {{"points", k.points}, {"hit", k.hit}};
            }
            // The gate: every cover point is hit, or waived with a reason.
            const std::string waivers_path = args.flag_set("waivers")
                                                 ? args.get("waivers")
                                                 : source + "/tests/coverage-waivers.json";
            const std::map<std::string, std::string> waived = read_waivers(waivers_path);
            std::vector<std::string> unwaived;
            std::printf("  cover points never hit in any configuration: %zu\n", c.summary.missed_user.size());
            for (const auto& m : c.summary.missed_user) {
                const auto w = waived.find(m);
                std::printf("    %s%s\n", m.c_str(), w == waived.end() ? "  NOT WAIVED" : ("  waived: " + w->second).c_str());
                if (w == waived.end()) unwaived.push_back(m);
            }
            for (const auto& [point, reason] : waived) {
                if (std::find(c.summary.missed_user.begin(), c.summary.missed_user.end(), point) ==
                    c.summary.missed_user.end())
                    std::printf("  (waiver no longer needed: %s was hit)\n", point.c_str());
            }
            if (!unwaived.empty()) {
                std::printf("coverage: FAILED: %zu cover point(s) neither hit nor waived in %s\n",
                            unwaived.size(), waivers_path.c_str());
                cov_failed = true;
            }
            cov_json["missed_user"] = c.summary.missed_user;
            cov_json["unwaived"] = unwaived;
            std::printf("  lcov: %s\n  annotated sources: %s\n  html: %s\n", c.info.c_str(),
                        c.annotated.c_str(), c.html.c_str());
        } catch (const std::exception& e) {
            std::printf("\ncoverage: FAILED: %s\n", e.what());
            cov_json["error"] = e.what();
            cov_failed = true;
        }
    }

    // results.json: what ran, for --rerun and for tools.
    json r;
    r["list"] = list_name;
    if (coverage) r["coverage"] = cov_json;
    r["commit"] = commit;
    r["wall_s"] = total_s;
    r["jobs"] = json::array();
    for (const auto& j : jobs) {
        json e = {{"test", j.test}, {"seed", j.seed}, {"result", j.result}, {"wall_s", j.wall_s},
                  {"command", j.command}, {"log", j.log}};
        if (j.cycles >= 0) e["cycles"] = j.cycles;
        if (j.attempts > 1) e["attempts"] = j.attempts;
        if (!j.infra.empty()) e["infra"] = j.infra;
        if (!j.signature.empty()) e["signature"] = j.signature;
        if (!j.first_error.empty()) e["first_error"] = j.first_error;
        r["jobs"].push_back(e);
    }
    std::ofstream(out_dir + "/results.json") << r.dump(2) << "\n";
    std::printf("results: %s/results.json (rerun: hardwire regress --rerun %s/results.json)\n",
                out_dir.c_str(), out_dir.c_str());

    if (args.flag_set("junit")) {
        const std::string path = args.get("junit");
        std::ofstream x(path);
        if (!x) throw make_error(path, "cannot write the JUnit report", "a writable path", "none");
        x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          << "<testsuites name=\"hardwire regress\" tests=\"" << jobs.size() << "\" failures=\""
          << failed << "\" errors=\"" << infra << "\" skipped=\"" << skipped << "\" time=\"" << total_s << "\">\n"
          << "  <testsuite name=\"" << xml_escape(list_name) << "\" tests=\"" << jobs.size()
          << "\" failures=\"" << failed << "\" errors=\"" << infra << "\" skipped=\"" << skipped << "\" time=\"" << total_s
          << "\">\n"
          << "    <properties><property name=\"commit\" value=\"" << xml_escape(commit)
          << "\"/></properties>\n";
        for (const auto& j : jobs) {
            x << "    <testcase classname=\"regress." << xml_escape(list_name) << "\" name=\""
              << xml_escape(j.test + (j.seeded ? " seed " + std::to_string(j.seed) : ""))
              << "\" time=\"" << j.wall_s << "\">";
            if (j.result == "skipped") {
                x << "<skipped message=\"needs $HARDWIRE_MODELS\"/>";
            } else if (j.result == "infra") {
                // JUnit's error, not failure: the test did not get to run to a verdict.
                x << "\n      <error message=\"" << xml_escape(j.signature) << "\" type=\"infra\"/>\n    ";
            } else if (j.result != "pass") {
                std::string tail = read_text(j.log);
                if (tail.size() > 4000) tail = "...\n" + tail.substr(tail.size() - 4000);
                x << "\n      <failure message=\"" << xml_escape(j.signature) << "\" type=\""
                  << j.result << "\">" << xml_escape(tail) << "</failure>\n      <system-out>reproduce: "
                  << xml_escape(reproduce(j)) << "</system-out>\n    ";
            }
            x << "</testcase>\n";
        }
        x << "  </testsuite>\n</testsuites>\n";
        if (!x) throw Error(path + ": cannot write the JUnit report");
        std::printf("junit: %s\n", path.c_str());
    }
    return failed + infra > 0 || cov_failed ? 1 : 0;
}

}  // namespace hw::cli
