// SPDX-License-Identifier: MIT
// hardwire regress: runs a named list of tests/regress.json in parallel jobs, with a live
// progress line, then prints a table (test, seed, result, cycles, wall time), failure
// buckets (failures with the same signature) and a one-line reproduce command for each
// failure; writes JUnit XML on request and always a results.json that --rerun repeats.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
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

#include "commands.h"
#include "chip_build.h"
#include "coverage.h"
#include "error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace hw::cli {

namespace {

// One run of one test: a seed (0 for tests that take none) and what happened.
struct Job {
    std::string test, command;  // command with its placeholders filled in
    std::uint64_t seed = 0;
    bool seeded = false;
    double timeout_s = 1800;
    std::string log;            // output file
    // Outcome.
    std::string result;         // pass, fail, timeout, skipped
    std::string signature;      // first error line, normalized (failures)
    std::string first_error;    // first error line as printed
    long long cycles = -1;      // chip cycles reported, if any
    double wall_s = 0;
    pid_t pid = 0;
    std::chrono::steady_clock::time_point start;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string xml_escape(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '&') o += "&amp;";
        else if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '"') o += "&quot;";
        else if (c < 0x20 && c != '\n' && c != '\t') o += '?';
        else o += char(c);
    }
    return o;
}

// The commit being tested: short hash, "-dirty" with uncommitted changes.
std::string commit_of(const std::string& source) {
    std::string out;
    if (FILE* p = popen(("git -C " + shell_quote(source) +
                         " describe --always --dirty --abbrev=12 2>/dev/null").c_str(), "r")) {
        char b[128];
        while (std::fgets(b, sizeof b, p)) out += b;
        pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out.empty() ? "unknown" : out;
}

// The first line that says what went wrong, and its signature: numbers, hex and paths
// replaced, so the same bug found by different seeds lands in one bucket.
void classify_failure(Job& j) {
    static const std::regex marker(
        R"((MISMATCH|%Error|error:|Error:|FAILED|Assertion|assert|timeout|timed out|mismatch|terminate))");
    std::istringstream in(read_text(j.log));
    std::string line, first, any;
    while (std::getline(in, line)) {
        if (line.rfind("$ ", 0) == 0) continue;  // the command itself, logged first
        if (!line.empty() && any.empty() && line.find_first_not_of(" \t") != std::string::npos &&
            line.rfind("build:", 0) != 0)
            any = line;
        if (std::regex_search(line, marker)) {
            first = line;
            break;
        }
    }
    if (first.empty()) first = any.empty() ? "exit status only, no output" : any;
    if (first.size() > 300) first = first.substr(0, 300);
    j.first_error = first;
    std::string s = std::regex_replace(first, std::regex(R"((/[^\s:'"]+)+)"), "<path>");
    s = std::regex_replace(s, std::regex(R"(0x[0-9a-fA-F]+)"), "<hex>");
    s = std::regex_replace(s, std::regex(R"(-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?)"), "<n>");
    j.signature = s;  // not the test's name: one bug found by several tests is one bucket
}

// Chip cycles from the output ("chip: N cycles" of hardwire run / chip_sim check).
long long cycles_of(const std::string& log) {
    static const std::regex re(R"((^|\n)chip:\s+([0-9]+) cycles)");
    std::smatch m;
    const std::string text = read_text(log);
    long long last = -1;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
        last = std::stoll((*it)[2].str());
    return last;
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
        for (const auto& e : l["tests"])
            if (!e.contains("test") || !j["tests"].contains(e["test"].get<std::string>()))
                throw make_error(path, "list '" + name + "'", "entries naming a test of \"tests\"",
                                 e.dump());
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

std::string fmt_time(double s) {
    char b[32];
    if (s < 60) std::snprintf(b, sizeof b, "%.1f s", s);
    else std::snprintf(b, sizeof b, "%dm%02ds", int(s) / 60, int(s) % 60);
    return b;
}

// Set by SIGINT/SIGTERM. Jobs run in their own process groups (so that a timeout kills a
// job's whole tree), which also means a Ctrl-C at the terminal does not reach them:
// regress stops them itself.
volatile sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

}  // namespace

int cmd_regress(int argc, char** argv) {
    Args args(
        "hardwire regress",
        "hardwire regress (--list NAME | --rerun RESULTS.json) [-j N] [--seeds N] "
        "[--seed-base B] [--junit FILE.xml] [--cov] [--out DIR] [--cache DIR] [--lists FILE] [--dry-run]",
        "Runs a named regression list (tests/regress.json: smoke, full, nightly) as parallel\n"
        "jobs with a live progress line; randomized tests run once per seed. Prints a table\n"
        "(test, seed, result, cycles, wall time), groups failures with the same signature\n"
        "into buckets, and gives each failure a one-line reproduce command (commit, test,\n"
        "seed). Writes DIR/results.json (which --rerun repeats with the same seeds), the\n"
        "logs, and with --junit a JUnit XML report. With --cov (on for lists marked coverage)\n"
        "every chip is a Verilator coverage build and the runs are merged into DIR/coverage:\n"
        "merged.dat, an lcov merged.info, annotated sources and an HTML report. Exit code 1\n"
        "when anything failed.");
    args.option("list", "NAME", "the list to run (smoke, full, nightly)")
        .option("rerun", "FILE", "repeat the tests and seeds of an earlier results.json")
        .option("j", "N", "parallel jobs", "2")
        .option("seeds", "N", "seeds per randomized test (default: the list's counts)")
        .option("seed-base", "B", "first seed; randomized tests run seeds B, B+1, ...", "1")
        .option("junit", "FILE", "write a JUnit XML report")
        .flag("cov", "coverage builds; merge and report the coverage of every simulation")
        .option("out", "DIR", "folder for logs and results.json (default: build/regress/LIST-TIME)")
        .option("cache", "DIR", "chip build cache (default: the tests' own, build/test-work/chips)")
        .option("lists", "FILE", "the list file (default: tests/regress.json of this checkout)")
        .flag("dry-run", "print the jobs and their commands, run nothing");
    // "-j N" as well as "--j N": the usual spelling for parallel jobs.
    std::vector<char*> av(argv, argv + argc);
    std::string dash_j = "--j";
    for (auto& a : av)
        if (std::string(a) == "-j") a = dash_j.data();
    if (!args.parse(static_cast<int>(av.size()), av.data(), 2)) return 0;
    if (args.flag_set("list") == args.flag_set("rerun"))
        throw UsageError("give --list NAME or --rerun RESULTS.json");
    const int jobs_max = static_cast<int>(args.get_int("j", 1, 64));

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
        if (t.value("needs", "") == "models" && models.empty()) j.result = "skipped";
        jobs.push_back(j);
    };
    if (args.flag_set("list")) {
        list_name = args.get("list");
        if (!cat.lists.contains(list_name))
            throw make_error("--list", "unknown list", list_names(cat.lists) + " (" + lists_path + ")",
                             "'" + list_name + "'");
        coverage = coverage || cat.lists[list_name].value("coverage", false);
        const auto base = static_cast<std::uint64_t>(args.get_int("seed-base", 0, 1LL << 40));
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
    for (auto& j : jobs)
        j.log = out_dir + "/logs/" + j.test + (j.seeded ? "-seed" + std::to_string(j.seed) : "") + ".log";

    const std::string cov_dir = out_dir + "/coverage";
    std::printf("regress: list %s, %zu jobs, -j %d, commit %s, logs in %s%s\n", list_name.c_str(),
                jobs.size(), jobs_max, commit.c_str(), out_dir.c_str(),
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

    // ---- run: a pool of child processes, each in its own process group ----
    const auto t0 = std::chrono::steady_clock::now();
    const bool tty = isatty(STDERR_FILENO);
    std::size_t next = 0, done = 0, running = 0, failed = 0;
    for (auto& j : jobs)
        if (j.result == "skipped") done++;
    auto elapsed = [&](std::chrono::steady_clock::time_point a) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    };
    auto progress = [&](const std::string& event) {
        std::string names;
        for (const auto& j : jobs)
            if (j.pid > 0) names += (names.empty() ? "" : ", ") + j.test + (j.seeded ? " " + std::to_string(j.seed) : "");
        char line[512];
        std::snprintf(line, sizeof line, "[%zu/%zu] %zu failed, %s: running %s", done, jobs.size(),
                      failed, fmt_time(elapsed(t0)).c_str(), names.empty() ? "-" : names.c_str());
        if (tty) std::fprintf(stderr, "\r\033[K%s", std::string(line).substr(0, 160).c_str());
        if (!event.empty()) {
            if (tty) std::fprintf(stderr, "\r\033[K");
            std::fprintf(stderr, "%s\n", event.c_str());
            if (tty) std::fprintf(stderr, "%s", std::string(line).substr(0, 160).c_str());
        }
        std::fflush(stderr);
    };
    struct sigaction stop = {}, old_int = {}, old_term = {};
    stop.sa_handler = on_stop_signal;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    while (done < jobs.size()) {
        if (g_stop_signal) {
            std::size_t stopped = 0;
            for (auto& j : jobs) {
                if (j.pid <= 0) continue;
                kill(-j.pid, SIGTERM);
                waitpid(j.pid, nullptr, 0);
                stopped++;
            }
            if (tty) std::fprintf(stderr, "\r\033[K");
            std::fprintf(stderr, "regress: interrupted (signal %d) after %zu of %zu jobs; stopped %zu "
                                 "running job(s); logs in %s\n",
                         int(g_stop_signal), done, jobs.size(), stopped, out_dir.c_str());
            return 128 + g_stop_signal;
        }
        while (running < static_cast<std::size_t>(jobs_max) && next < jobs.size()) {
            Job& j = jobs[next++];
            if (j.result == "skipped") continue;
            j.start = std::chrono::steady_clock::now();
            const pid_t pid = fork();
            if (pid < 0) throw Error("regress: cannot start a job (fork failed)");
            if (pid == 0) {
                setpgid(0, 0);
                const int fd = open(j.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd >= 0) {
                    dup2(fd, 1);
                    dup2(fd, 2);
                    close(fd);
                }
                const int null = open("/dev/null", O_RDONLY);
                if (null >= 0) dup2(null, 0);
                std::printf("$ %s\n", j.command.c_str());
                std::fflush(stdout);
                execl("/bin/sh", "sh", "-c", j.command.c_str(), static_cast<char*>(nullptr));
                _exit(127);
            }
            setpgid(pid, pid);
            j.pid = pid;
            running++;
        }
        progress("");
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            // Nothing ended: enforce the timeouts, then look again shortly.
            for (auto& j : jobs) {
                if (j.pid > 0 && elapsed(j.start) > j.timeout_s && j.result.empty()) {
                    j.result = "timeout";
                    kill(-j.pid, SIGKILL);
                }
            }
            usleep(200000);
            continue;
        }
        for (auto& j : jobs) {
            if (j.pid != pid) continue;
            j.pid = 0;
            running--;
            done++;
            j.wall_s = elapsed(j.start);
            if (j.result.empty())
                j.result = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "pass" : "fail";
            j.cycles = cycles_of(j.log);
            if (j.result != "pass") {
                failed++;
                classify_failure(j);
                if (j.result == "timeout") j.signature = j.test + ": timeout after " + fmt_time(j.timeout_s);
            }
            progress(j.result == "pass" ? "" : "FAIL " + j.test + (j.seeded ? " seed " + std::to_string(j.seed) : "") +
                                               ": " + j.first_error);
        }
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    if (tty) std::fprintf(stderr, "\r\033[K");
    const double total_s = elapsed(t0);

    // ---- report ----
    std::size_t passed = 0, skipped = 0;
    std::printf("\n%-18s %6s  %-8s %12s %10s\n", "test", "seed", "result", "cycles", "wall");
    for (const auto& j : jobs) {
        passed += j.result == "pass";
        skipped += j.result == "skipped";
        std::printf("%-18s %6s  %-8s %12s %10s\n", j.test.c_str(),
                    j.seeded ? std::to_string(j.seed).c_str() : "-", j.result.c_str(),
                    j.cycles >= 0 ? std::to_string(j.cycles).c_str() : "-",
                    j.result == "skipped" ? "-" : fmt_time(j.wall_s).c_str());
    }
    std::printf("\nregress %s: %zu passed, %zu failed, %zu skipped of %zu in %s (-j %d, commit %s)\n",
                list_name.c_str(), passed, failed, skipped, jobs.size(), fmt_time(total_s).c_str(),
                jobs_max, commit.c_str());
    if (failed > 0) {
        std::map<std::string, std::vector<const Job*>> buckets;
        for (const auto& j : jobs)
            if (j.result == "fail" || j.result == "timeout") buckets[j.signature].push_back(&j);
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
            if (j.result != "fail" && j.result != "timeout") continue;
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
            std::printf("  cover points never hit in any configuration: %zu\n", c.summary.missed_user.size());
            for (const auto& m : c.summary.missed_user) std::printf("    %s\n", m.c_str());
            cov_json["missed_user"] = c.summary.missed_user;
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
          << failed << "\" skipped=\"" << skipped << "\" time=\"" << total_s << "\">\n"
          << "  <testsuite name=\"" << xml_escape(list_name) << "\" tests=\"" << jobs.size()
          << "\" failures=\"" << failed << "\" skipped=\"" << skipped << "\" time=\"" << total_s
          << "\">\n"
          << "    <properties><property name=\"commit\" value=\"" << xml_escape(commit)
          << "\"/></properties>\n";
        for (const auto& j : jobs) {
            x << "    <testcase classname=\"regress." << xml_escape(list_name) << "\" name=\""
              << xml_escape(j.test + (j.seeded ? " seed " + std::to_string(j.seed) : ""))
              << "\" time=\"" << j.wall_s << "\">";
            if (j.result == "skipped") {
                x << "<skipped message=\"needs $HARDWIRE_MODELS\"/>";
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
    return failed > 0 || cov_failed ? 1 : 0;
}

}  // namespace hw::cli
