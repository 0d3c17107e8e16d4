// SPDX-License-Identifier: MIT
// The mutation campaign of hardwire regress (regress_mutations.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "regress_jobs.h"

namespace hw::cli {

// What the campaign needs from regress.
struct MutationCampaign {
    std::string list_name;   // the list
    nlohmann::json list;     // its entry: "faults" (the faults file, from the source root),
                             // "tests" and optionally "escalate" (test entries with seeds)
    std::function<Job(const std::string& test, std::uint64_t seed)> make_job;  // a test's job
    std::uint64_t seed_base = 1;  // first seed of randomized tests
    std::string source;      // the checkout
    std::string out_dir;     // logs/FAULT/*.log, mutations.md, mutations.json
    std::string commit;      // being tested
    int jobs_max = 2;        // parallel jobs
    // Runs a batch of jobs (the launcher: local or a cluster), logs in the folder; returns
    // the signal's number when interrupted, else 0.
    std::function<int(std::vector<Job>&, const std::string&)> run;
    bool dry_run = false;    // print the jobs only
};

// Runs the list's tests with each planted fault, then the escalation tests against the
// faults that escaped; prints and writes the table (fault, caught by which test, first
// error) and the mutation score. Returns 0 when every fault was caught, 1 when one escaped,
// 128 + the signal when interrupted.
int run_mutation_campaign(const MutationCampaign& m);

}  // namespace hw::cli
