// SPDX-License-Identifier: MIT
#include "regress_jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "chip_build.h"
#include "error.h"

namespace hw::cli {

namespace {

// Set by SIGINT/SIGTERM. Jobs run in their own process groups (so that a timeout kills a
// job's whole tree), which also means a Ctrl-C at the terminal does not reach them:
// regress stops them itself.
volatile sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

// The first line that says what went wrong, and its signature: numbers, hex and paths
// replaced, so the same bug found by different seeds lands in one bucket.
void classify_failure(Job& j) {
    static const std::regex marker(
        R"((MISMATCH|CYCLES|INPUT|%Error|error:|Error:|FAILED|Assertion|assert|timeout|timed out|mismatch|terminate))");
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

}  // namespace

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string fmt_time(double s) {
    char b[32];
    if (s < 60) std::snprintf(b, sizeof b, "%.1f s", s);
    else std::snprintf(b, sizeof b, "%dm%02ds", int(s) / 60, int(s) % 60);
    return b;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

Progress::Progress(std::size_t total)
    : total_(total), tty_(isatty(STDERR_FILENO)), t0_(std::chrono::steady_clock::now()) {}

void Progress::update(std::size_t done, std::size_t failed, const std::string& running,
                      const std::string& event) {
    char line[512];
    std::snprintf(line, sizeof line, "[%zu/%zu] %zu failed, %s: running %s", done, total_, failed,
                  fmt_time(seconds_since(t0_)).c_str(), running.empty() ? "-" : running.c_str());
    const std::string shown = std::string(line).substr(0, 160);
    if (tty_) std::fprintf(stderr, "\r\033[K%s", shown.c_str());
    if (!event.empty()) {
        if (tty_) std::fprintf(stderr, "\r\033[K");
        std::fprintf(stderr, "%s\n", event.c_str());
        if (tty_) std::fprintf(stderr, "%s", shown.c_str());
    }
    std::fflush(stderr);
}

void Progress::clear() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
}

namespace {
struct sigaction g_old_int = {}, g_old_term = {};
}

StopSignals::StopSignals() {
    g_stop_signal = 0;
    struct sigaction stop = {};
    stop.sa_handler = on_stop_signal;
    sigaction(SIGINT, &stop, &g_old_int);
    sigaction(SIGTERM, &stop, &g_old_term);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

int StopSignals::caught() { return g_stop_signal; }

void finish_job(Job& j) {
    j.cycles = cycles_of(j.log);
    if (j.result == "pass") return;
    classify_failure(j);
    if (j.result == "timeout") j.signature = j.test + ": timeout after " + fmt_time(j.timeout_s);
}

int run_jobs(std::vector<Job>& jobs, int jobs_max, const std::string& out_dir) {
    std::size_t next = 0, done = 0, running = 0, failed = 0;
    for (auto& j : jobs) {
        if (j.result == "skipped") done++;
        if (j.result == "fail") done++, failed++;  // decided before running (missing models)
    }
    Progress progress_line(jobs.size());
    auto progress = [&](const std::string& event) {
        std::string names;
        for (const auto& j : jobs)
            if (j.pid > 0) names += (names.empty() ? "" : ", ") + j.name();
        progress_line.update(done, failed, names, event);
    };
    StopSignals stop;
    while (done < jobs.size()) {
        if (StopSignals::caught()) {
            std::size_t stopped = 0;
            for (auto& j : jobs) {
                if (j.pid <= 0) continue;
                kill(-j.pid, SIGTERM);
                waitpid(j.pid, nullptr, 0);
                stopped++;
            }
            progress_line.clear();
            std::fprintf(stderr, "regress: interrupted (signal %d) after %zu of %zu jobs; stopped %zu "
                                 "running job(s); logs in %s\n",
                         StopSignals::caught(), done, jobs.size(), stopped, out_dir.c_str());
            return StopSignals::caught();
        }
        while (running < static_cast<std::size_t>(jobs_max) && next < jobs.size()) {
            Job& j = jobs[next++];
            if (!j.result.empty()) continue;  // skipped, or failed before running
            j.start = std::chrono::steady_clock::now();
            j.attempts++;
            // Unwritten output would be written again by the child, into the job's log.
            std::fflush(nullptr);
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
                if (!j.fault.empty()) setenv(kFaultsEnv, j.fault.c_str(), 1);
                std::printf("$ %s%s\n", j.fault.empty() ? "" : (std::string(kFaultsEnv) + "=" + j.fault + " ").c_str(),
                            j.command.c_str());
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
                if (j.pid > 0 && seconds_since(j.start) > j.timeout_s && j.result.empty()) {
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
            j.wall_s = seconds_since(j.start);
            if (j.result.empty())
                j.result = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "pass" : "fail";
            finish_job(j);
            if (j.result != "pass") failed++;
            progress(j.result == "pass" ? "" : "FAIL " + j.name() + ": " + j.first_error);
        }
    }
    progress_line.clear();
    return 0;
}

}  // namespace hw::cli
