// SPDX-License-Identifier: MIT
#include "regress_slurm.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "chip_build.h"
#include "error.h"
#include "json_file.h"
#include "shell.h"

namespace fs = std::filesystem;

namespace hw::cli {

SlurmConfig read_slurm_config(const std::string& path) {
    const nlohmann::json j = read_json_file(path, "SLURM configuration");
    if (!j.is_object()) throw make_error(path, "top level", "an object", j.dump());
    SlurmConfig c;
    for (auto& [key, v] : j.items()) {
        const bool is_string = v.is_string();
        if (key == "partition" && is_string) c.partition = v;
        else if (key == "account" && is_string) c.account = v;
        else if (key == "time_limit" && is_string) c.time_limit = v;
        else if (key == "poll_s" && v.is_number() && v.get<double>() > 0) c.poll_s = v;
        else if (key == "sbatch_args" && v.is_array() &&
                 std::all_of(v.begin(), v.end(), [](const nlohmann::json& a) { return a.is_string(); }))
            c.sbatch_args = v.get<std::vector<std::string>>();
        else
            throw make_error(path, "key \"" + key + "\"",
                             "partition, account, time_limit (strings), sbatch_args (an array of strings) "
                             "or poll_s (seconds > 0)",
                             v.dump());
    }
    return c;
}

namespace {

// A scheduler command's output, its errors included (they are the message).
std::string capture(const std::string& command, int* status) { return run_captured(command + " 2>&1", status); }

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// "D-HH:MM:SS" for sbatch --time.
std::string slurm_time(double seconds) {
    const long long s = static_cast<long long>(std::ceil(seconds));
    char b[64];
    std::snprintf(b, sizeof b, "%lld-%02lld:%02lld:%02lld", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    return b;
}

void write_script(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw make_error(path, "cannot write a job script", "a writable output folder", "none");
    out.close();
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

// The state the scheduler gives a job that has left the queue: sacct where accounting is
// on, else scontrol (which knows a job for MinJobAge after it ends).
std::string final_state(const std::string& id) {
    int status = 0;
    std::string out = trim(capture("sacct -n -X -P -o State,Reason -j " + shell_quote(id), &status));
    if (status == 0 && !out.empty()) return "sacct: " + out.substr(0, out.find('\n'));
    out = capture("scontrol -o show job " + shell_quote(id), &status);
    if (status == 0) {
        std::string state, reason;
        std::istringstream words(out);
        for (std::string w; words >> w;) {
            if (w.rfind("JobState=", 0) == 0) state = w.substr(9);
            if (w.rfind("Reason=", 0) == 0) reason = w.substr(7);
        }
        if (!state.empty()) return state + (reason.empty() || reason == "None" ? "" : " (" + reason + ")");
    }
    return "no record of the job (sacct and scontrol know nothing of " + id + ")";
}

struct Build {
    std::string command, id, log, status_file;
    std::string result;  // "", ok, fail
};

// One job's place on the cluster.
struct Placement {
    std::string id;               // "ARRAY_TASK" while submitted, empty otherwise
    bool running = false;
    bool waited = false;          // its array waited for the builds (--dependency=afterok)
    bool after_failed_build = false;  // its array depended on a build that failed
    int missing_polls = 0;        // polls since it left the queue without its status
};

}  // namespace

int run_jobs_slurm(std::vector<Job>& jobs, const SlurmConfig& cfg, const std::string& out_dir) {
    const std::string dir = fs::absolute(out_dir + "/slurm").string();
    std::error_code ec;
    fs::create_directories(dir + "/task", ec);
    fs::create_directories(dir + "/status", ec);
    fs::create_directories(dir + "/build", ec);
    if (ec) throw make_error(dir, "cannot create the cluster jobs' folder", "a writable path", ec.message());
    int status = 0;
    // sbatch without a configuration looks for one in DNS for about a minute: 20 s is plenty.
    const std::string version = trim(capture("timeout 20 sbatch --version", &status));
    if (status != 0)
        throw Error("regress --launcher slurm: sbatch does not run (" +
                    (version.empty() ? std::string("no answer in 20 s") : version) +
                    "): install SLURM's client (Debian: slurm-client) and point SLURM_CONF at the cluster's slurm.conf");
    // From here on a Ctrl-C cancels what was submitted (the poll loop sees it).
    StopSignals stop;
    // Every job this run submits carries this name: squeue and scancel select by it.
    const std::string name = "hardwire-regress-" + std::to_string(getpid());
    std::printf("regress: launcher slurm (%s), jobs named %s, scripts and scheduler output in %s\n",
                version.c_str(), name.c_str(), dir.c_str());
    std::fflush(stdout);

    auto sbatch = [&](std::vector<std::string> args, const std::string& script) {
        std::string cmd = "sbatch --parsable --job-name=" + shell_quote(name);
        if (!cfg.partition.empty()) cmd += " --partition=" + shell_quote(cfg.partition);
        if (!cfg.account.empty()) cmd += " --account=" + shell_quote(cfg.account);
        for (const auto& a : cfg.sbatch_args) cmd += " " + shell_quote(a);
        for (const auto& a : args) cmd += " " + shell_quote(a);
        cmd += " " + shell_quote(script);
        int st = 0;
        const std::string out = trim(capture(cmd, &st));
        const std::string id = out.substr(0, out.find(';'));  // "ID" or "ID;CLUSTER"
        if (st != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
            throw Error("regress --launcher slurm: sbatch refused a job (" + out + "): " + cmd);
        return id;
    };

    // ---- the builds: one job per distinct build command ----
    std::vector<Build> builds;
    std::map<std::string, std::size_t> build_of;  // command -> index
    for (const Job& j : jobs) {
        if (!j.result.empty() || j.build.empty() || build_of.count(j.build)) continue;
        build_of[j.build] = builds.size();
        Build b;
        b.command = j.build;
        const std::string k = std::to_string(builds.size());
        b.log = fs::absolute(out_dir + "/logs/build-" + k + ".log").string();
        b.status_file = dir + "/build/" + k + ".status";
        fs::remove(b.status_file, ec);
        write_script(dir + "/build/" + k + ".sh",
                     "#!/bin/sh\n# hardwire regress (cli/regress_slurm.cc): chip build " + k + "\n"
                     "printf '%s\\n' " + shell_quote("$ " + b.command) + " > " + shell_quote(b.log) + "\n" +
                     b.command + " >> " + shell_quote(b.log) + " 2>&1 < /dev/null\n"
                     "echo $? > " + shell_quote(b.status_file + ".tmp") + " && mv " +
                     shell_quote(b.status_file + ".tmp") + " " + shell_quote(b.status_file) + "\n");
        b.id = sbatch({"--output=" + dir + "/slurm-%j.out", "--cpus-per-task=1", "--mem=8192",
                       "--time=" + (cfg.time_limit.empty() ? slurm_time(3600) : cfg.time_limit)},
                      dir + "/build/" + k + ".sh");
        builds.push_back(b);
    }
    if (!builds.empty())
        std::printf("regress: %zu chip build job(s): %s\n", builds.size(),
                    [&] { std::string s; for (const auto& b : builds) s += (s.empty() ? "" : ", ") + b.id; return s; }().c_str());

    // ---- the tests: a task script per job, an array per set of resources ----
    write_script(dir + "/array.sh",
                 "#!/bin/sh\n# hardwire regress (cli/regress_slurm.cc): one task of a job array\n"
                 "exec /bin/sh " + shell_quote(dir + "/task") + "/\"$SLURM_ARRAY_TASK_ID\".sh\n");
    std::vector<Placement> place(jobs.size());
    std::size_t done = 0, failed = 0;
    for (std::size_t i = 0; i < jobs.size(); i++) {
        Job& j = jobs[i];
        if (j.result == "skipped") done++;
        if (j.result == "fail") done++, failed++;
        if (!j.result.empty()) continue;
        const std::string st = dir + "/status/" + std::to_string(i);
        const long long limit = static_cast<long long>(std::ceil(j.timeout_s));
        // The test's own timeout is enforced here, so that it is a test result (timeout) as it
        // is locally; the scheduler's time limit is the backstop, 10 minutes later.
        write_script(dir + "/task/" + std::to_string(i) + ".sh",
                     "#!/bin/sh\n# hardwire regress (cli/regress_slurm.cc): " + j.name() + "\n"
                     "rm -f " + shell_quote(st) + "\nstart=$(date +%s)\n"
                     "printf '%s\\n' " +
                         shell_quote("$ " + (j.fault.empty() ? "" : std::string(kFaultsEnv) + "=" + j.fault + " ") + j.command) +
                         " > " + shell_quote(j.log) + "\n" +
                     (j.fault.empty() ? "" : "export " + std::string(kFaultsEnv) + "=" + shell_quote(j.fault) + "\n") +
                     "timeout -k 10 " + std::to_string(limit) + " /bin/sh -c " + shell_quote(j.command) + " >> " +
                         shell_quote(j.log) + " 2>&1 < /dev/null\n"
                     "echo \"$? $(( $(date +%s) - start ))\" > " + shell_quote(st + ".tmp") + " && mv " +
                         shell_quote(st + ".tmp") + " " + shell_quote(st) + "\n");
    }
    // Submits the given jobs as arrays, one per distinct resources; each array waits for the
    // unfinished builds: all of them at the first submission (one array per list), later only
    // those its jobs need.
    auto submit = [&](const std::vector<std::size_t>& which, bool wait_all_builds) {
        std::map<std::string, std::vector<std::size_t>> by_resources;
        for (std::size_t i : which) {
            const Job& j = jobs[i];
            const std::string time = cfg.time_limit.empty() ? slurm_time(j.timeout_s + 600) : cfg.time_limit;
            by_resources["--cpus-per-task=" + std::to_string(j.cpus) + " --mem=" + std::to_string(j.mem_mb) +
                         " --time=" + time]
                .push_back(i);
        }
        std::set<std::string> waits;
        for (std::size_t i : which)
            for (const Build& b : builds)
                if (b.result.empty() && (wait_all_builds || b.command == jobs[i].build)) waits.insert(b.id);
        for (const auto& [res, members] : by_resources) {
            std::vector<std::string> args;
            std::istringstream words(res);
            for (std::string w; words >> w;) args.push_back(w);
            std::string indices;
            for (std::size_t i : members) indices += (indices.empty() ? "" : ",") + std::to_string(i);
            args.push_back("--array=" + indices);
            args.push_back("--output=" + dir + "/slurm-%A_%a.out");
            std::string wait_list;
            for (const auto& w : waits) wait_list += (wait_list.empty() ? "" : ":") + w;
            if (!waits.empty()) {
                args.push_back("--dependency=afterok:" + wait_list);
                args.push_back("--kill-on-invalid-dep=yes");
            }
            const std::string array = sbatch(args, dir + "/array.sh");
            std::printf("regress: job array %s: %zu task(s), %s%s\n", array.c_str(), members.size(), res.c_str(),
                        waits.empty() ? "" : (", after the build job(s) " + wait_list).c_str());
            for (std::size_t i : members) {
                place[i] = Placement{array + "_" + std::to_string(i)};
                place[i].waited = !waits.empty();
                jobs[i].attempts++;
            }
        }
        std::fflush(stdout);
    };
    std::vector<std::size_t> first;
    for (std::size_t i = 0; i < jobs.size(); i++)
        if (jobs[i].result.empty()) first.push_back(i);
    if (!first.empty()) submit(first, true);

    Progress progress(jobs.size());
    auto cancel_all = [&](int sig) {
        int st = 0;
        const std::string out = trim(capture("scancel --name=" + shell_quote(name), &st));
        progress.clear();
        std::fprintf(stderr, "regress: interrupted (signal %d) after %zu of %zu jobs; cancelled every job "
                             "named %s (scancel%s); logs in %s\n",
                     sig, done, jobs.size(), name.c_str(), st == 0 ? "" : (" failed: " + out).c_str(), out_dir.c_str());
        return sig;
    };
    int squeue_errors = 0;
    while (done < jobs.size()) {
        // Wait a poll period, a signal cutting it short.
        for (int t = 0; t < static_cast<int>(cfg.poll_s * 10) && !StopSignals::caught(); t++) usleep(100000);
        if (StopSignals::caught()) return cancel_all(StopSignals::caught());
        int st = 0;
        const std::string queue = capture("squeue -h -r --name=" + shell_quote(name) + " -o '%i %T'", &st);
        if (st != 0) {
            // A scheduler too busy to answer: look again, but not forever.
            if (++squeue_errors >= 10) {
                cancel_all(0);
                throw Error("regress --launcher slurm: squeue failed 10 times in a row: " + trim(queue));
            }
            continue;
        }
        squeue_errors = 0;
        std::map<std::string, std::string> in_queue;  // id -> state
        std::istringstream lines(queue);
        for (std::string id, state; lines >> id >> state;) in_queue[id] = state;

        std::vector<std::string> events;
        // Builds: a failed one fails the tests that needed it (their tasks' dependency is never
        // satisfied and the scheduler cancels them).
        for (Build& b : builds) {
            if (!b.result.empty() || in_queue.count(b.id)) continue;
            std::ifstream s(b.status_file);
            int code = -1;
            s >> code;
            b.result = code == 0 ? "ok" : "fail";
            if (b.result == "ok") continue;
            const std::string why = code < 0 ? "lost by the scheduler: " + final_state(b.id)
                                             : "exit status " + std::to_string(code);
            events.push_back("FAIL chip build job " + b.id + " (" + why + "): " + b.log);
            for (std::size_t i = 0; i < jobs.size(); i++) {
                if (!place[i].id.empty() && place[i].waited) place[i].after_failed_build = true;
                Job& j = jobs[i];
                if (!j.result.empty() || j.build != b.command) continue;
                j.result = "fail";
                j.log = b.log;
                finish_job(j);
                j.first_error = "the chip build failed (" + why + "): " + j.first_error;
                j.signature = "chip build: " + j.signature;
                if (!place[i].id.empty()) {
                    int ignored = 0;
                    capture("scancel " + shell_quote(place[i].id), &ignored);
                }
                place[i] = Placement{};
                done++, failed++;
            }
        }
        std::vector<std::size_t> again;
        for (std::size_t i = 0; i < jobs.size(); i++) {
            Job& j = jobs[i];
            Placement& p = place[i];
            if (p.id.empty() || !j.result.empty()) continue;
            const auto q = in_queue.find(p.id);
            if (q != in_queue.end()) {
                if (q->second == "RUNNING" && !p.running) {
                    p.running = true;
                    j.start = std::chrono::steady_clock::now();
                }
                continue;
            }
            std::ifstream s(dir + "/status/" + std::to_string(i));
            int code = -1;
            double wall = 0;
            if (s >> code >> wall) {
                j.result = code == 0 ? "pass" : (code == 124 || code == 137) ? "timeout" : "fail";
                j.wall_s = wall;
                finish_job(j);
                p = Placement{};
                done++;
                if (j.result != "pass") {
                    failed++;
                    events.push_back("FAIL " + j.name() + ": " + j.first_error);
                }
                continue;
            }
            // Out of the queue without its status: give a shared filesystem a poll to show it,
            // then ask the scheduler what happened.
            if (++p.missing_polls < 2) continue;
            if (p.after_failed_build) {
                // Cancelled because another test's build failed: not this job's fault.
                j.attempts--;
                again.push_back(i);
                p = Placement{};
                continue;
            }
            j.infra = final_state(p.id);
            p = Placement{};
            if (j.attempts < 2) {
                events.push_back("INFRA " + j.name() + ": the scheduler ended it without a result (" + j.infra +
                                 "): resubmitting it once");
                again.push_back(i);
            } else {
                j.result = "infra";
                j.first_error = "lost twice by the scheduler, last: " + j.infra;
                j.signature = "infrastructure: " + j.infra;
                done++;
                events.push_back("INFRA " + j.name() + ": " + j.first_error);
            }
        }
        if (!again.empty()) submit(again, false);

        std::string running;
        for (std::size_t i = 0; i < jobs.size(); i++)
            if (place[i].running) running += (running.empty() ? "" : ", ") + jobs[i].name();
        if (events.empty()) progress.update(done, failed, running);
        for (const auto& e : events) progress.update(done, failed, running, e);
    }
    progress.clear();
    return 0;
}

}  // namespace hw::cli
