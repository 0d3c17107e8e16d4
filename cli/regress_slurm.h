// SPDX-License-Identifier: MIT
// The SLURM launcher of hardwire regress: the same jobs as the local launcher, submitted to
// a cluster's scheduler (docs/verification.md, "Regressions on a cluster").
#pragma once

#include <string>
#include <vector>

#include "regress_jobs.h"

namespace hw::cli {

// Where and how jobs are submitted: flags of hardwire regress, or a small JSON file
// ({"partition": "...", "account": "...", "time_limit": "1:00:00", "sbatch_args": [...],
// "poll_s": 5}); flags win over the file.
struct SlurmConfig {
    std::string partition, account;  // sbatch --partition, --account (empty: the cluster's default)
    std::string time_limit;          // sbatch --time of every task (empty: each test's timeout
                                     // plus 10 minutes, as D-HH:MM:SS)
    std::vector<std::string> sbatch_args;  // passed to every sbatch as they are
    double poll_s = 5;                     // seconds between squeue polls
};
// hw::Error naming the file and key for a file that cannot be read or a key of the wrong type.
SlurmConfig read_slurm_config(const std::string& path);

// Runs every job without a result yet on the cluster, on a shared filesystem (the build tree,
// the chip cache and out_dir are read and written by the cluster's nodes at the same paths):
//  - each distinct build command is one job, run first; the tests depend on them
//    (--dependency=afterok), so each chip configuration is built once;
//  - the tests are one job array (one per distinct set of resources), a task per test and
//    seed, each task writing its log and exit status into out_dir/slurm;
//  - squeue is polled for what is running; a task that left the queue without writing its
//    status was killed or lost by the scheduler (time limit, node failure, cancelled from
//    outside): its state (sacct, or scontrol when accounting is off) is recorded and it is
//    resubmitted once; lost twice, its result is "infra", not a test failure;
//  - SIGINT or SIGTERM cancels everything it submitted (scancel) and returns the signal.
// Prints the local launcher's progress line and fills in the same outcomes.
int run_jobs_slurm(std::vector<Job>& jobs, const SlurmConfig& cfg, const std::string& out_dir);

}  // namespace hw::cli
