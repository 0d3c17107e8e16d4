// SPDX-License-Identifier: MIT
// The jobs of hardwire regress: one run of one test (a seed, a planted fault), run as a pool
// of child processes with a live progress line and per-job timeouts, and what a failure's
// log says (its first error and a signature that groups the same bug found by several jobs).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hw::cli {

// One run of one test: a seed (0 for tests that take none), an optional planted fault, and
// what happened.
struct Job {
    std::string test, command;  // command with its placeholders filled in
    std::uint64_t seed = 0;
    bool seeded = false;
    std::string fault;          // planted fault ($HARDWIRE_FAULTS for this job), or empty
    double timeout_s = 1800;
    std::string log;            // output file
    // What a cluster launcher needs (tests/regress.json): the command that builds the chip
    // simulator this job runs (empty: none; the cache makes it a no-op once built), and the
    // job's resources.
    std::string build;
    int cpus = 1;
    int mem_mb = 4096;
    // Outcome.
    std::string result;         // pass, fail, timeout, skipped, infra (the scheduler lost or
                                // killed the job, twice: not the test's fault)
    int attempts = 0;           // submissions (a cluster launcher resubmits a lost job once)
    std::string infra;          // what the scheduler said of a lost attempt, or empty
    std::string signature;      // first error line, normalized (failures)
    std::string first_error;    // first error line as printed
    long long cycles = -1;      // chip cycles reported, if any
    double wall_s = 0;
    pid_t pid = 0;
    std::chrono::steady_clock::time_point start;

    // "test", "test seed S", with " [fault F]" when one is planted.
    std::string name() const {
        return test + (seeded ? " seed " + std::to_string(seed) : "") +
               (fault.empty() ? "" : " [fault " + fault + "]");
    }
};

// The live progress line of both launchers, on stderr: "[done/total] F failed, time: running
// a, b"; an event (a failure) is printed on its own line above it. Redrawn in place on a
// terminal, one line per event otherwise.
class Progress {
public:
    explicit Progress(std::size_t total);
    void update(std::size_t done, std::size_t failed, const std::string& running,
                const std::string& event = "");
    void clear();  // before the report

private:
    std::size_t total_;
    bool tty_;
    std::chrono::steady_clock::time_point t0_;
};

// SIGINT and SIGTERM caught while it lives (jobs run in their own process groups or on a
// cluster, so a Ctrl-C does not reach them: the launcher stops them itself).
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    static int caught();  // the signal's number, 0 when none
};

// A job that ended: its cycles from the log, and for a failure its first error and signature.
void finish_job(Job& j);

// Runs every job without a result yet, jobs_max at a time, each in its own process group
// with stdout and stderr in its log (the command written first), with a progress line on
// stderr; fills in each outcome. SIGINT or SIGTERM stops the running jobs: returns the
// signal's number (0 when every job ran).
int run_jobs(std::vector<Job>& jobs, int jobs_max, const std::string& out_dir);

// A whole file ("" when missing).
std::string read_text(const std::string& path);
// "12.3 s", "4m05s".
std::string fmt_time(double s);
double seconds_since(std::chrono::steady_clock::time_point t);
// Replaces every `from` in s.
std::string replace_all(std::string s, const std::string& from, const std::string& to);

}  // namespace hw::cli
