// SPDX-License-Identifier: MIT
// The mutation campaign of hardwire regress: a list with "faults" (tests/regress.json's
// "mutations") runs its tests, then its "escalate" tests, one entry at a time against every
// planted fault of tests/mutations.json that no earlier entry caught, each chip built with
// the fault's define (HARDWIRE_FAULTS), and reports which test caught each fault with its
// first error, and how many the list's own tests caught. A fault is caught when a test
// fails with it planted.
#include "regress_mutations.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "error.h"
#include "regress_jobs.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace hw::cli {

namespace {

struct Fault {
    std::string name, file, doc;
};

// tests/mutations.json, each fault checked to be planted somewhere in rtl/ (a misspelt name
// would plant nothing and escape every test, a false alarm about the tests).
std::vector<Fault> read_faults(const std::string& path, const std::string& source) {
    std::ifstream in(path);
    if (!in) throw make_error(path, "cannot open the planted faults", "tests/mutations.json", "none");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
    std::string rtl;
    for (const auto& e : fs::directory_iterator(source + "/rtl"))
        if (e.path().extension() == ".sv") rtl += read_text(e.path().string());
    std::vector<Fault> faults;
    for (const auto& f : j.at("faults")) {
        Fault x{f.at("name").get<std::string>(), f.value("file", ""), f.value("doc", "")};
        if (rtl.find("HW_FAULT_" + x.name) == std::string::npos)
            throw make_error(path, "fault " + x.name, "a define HW_FAULT_" + x.name + " in rtl/",
                             "none");
        faults.push_back(x);
    }
    return faults;
}

// The jobs of `entries` (a list's test entries) for one fault.
std::vector<Job> jobs_for(const Fault& f, const json& entries, const MutationCampaign& m) {
    std::vector<Job> jobs;
    for (const auto& e : entries) {
        const std::string test = e.at("test").get<std::string>();
        const long long seeds = e.value("seeds", 1);
        for (long long k = 0; k < seeds; k++) {
            Job j = m.make_job(test, m.seed_base + std::uint64_t(k));
            if (!j.seeded && k > 0) break;
            j.fault = f.name;
            j.log = m.out_dir + "/logs/" + f.name + "/" + test +
                    (j.seeded ? "-seed" + std::to_string(j.seed) : "") + ".log";
            jobs.push_back(j);
        }
    }
    return jobs;
}

// The jobs of one list entry for each of `faults`, the faults interleaved (seed 1 of every
// fault, then seed 2, ...): the jobs of one fault share its chips and the second waits on
// the first one's build, so neighbours of different faults keep two builds going at -j 2.
std::vector<Job> interleaved(const std::vector<const Fault*>& faults, const json& entry,
                             const MutationCampaign& m) {
    std::vector<Job> jobs;
    for (const Fault* f : faults)
        for (Job& j : jobs_for(*f, json::array({entry}), m)) jobs.push_back(j);
    std::stable_sort(jobs.begin(), jobs.end(),
                     [](const Job& a, const Job& b) { return a.seed < b.seed; });
    return jobs;
}

// The first job of a fault's that caught it (failed), or null.
const Job* catcher(const std::vector<Job>& jobs, const std::string& fault) {
    for (const Job& j : jobs)
        if (j.fault == fault && (j.result == "fail" || j.result == "timeout")) return &j;
    return nullptr;
}

}  // namespace

int run_mutation_campaign(const MutationCampaign& m) {
    // The faults file, relative to the checkout (or absolute).
    const std::string faults_file =
        (fs::path(m.source) / m.list.at("faults").get<std::string>()).string();
    const std::vector<Fault> faults = read_faults(faults_file, m.source);
    std::error_code ec;
    for (const Fault& f : faults) fs::create_directories(m.out_dir + "/logs/" + f.name, ec);

    // The list's tests, then its escalation tests, one entry at a time: each entry runs
    // against the faults no earlier entry caught (a fault caught once needs no more evidence;
    // the first entries reuse the fault's chips, the last ones build many).
    struct Stage {
        json entry;
        bool escalation;
    };
    std::vector<Stage> stages;
    for (const json& e : m.list.at("tests")) stages.push_back({e, false});
    if (m.list.contains("escalate"))
        for (const json& e : m.list["escalate"]) stages.push_back({e, true});
    std::printf("regress: list %s, %zu planted faults, %zu stages (each against the faults not "
                "caught yet), -j %d, commit %s, logs in %s\n",
                m.list_name.c_str(), faults.size(), stages.size(), m.jobs_max, m.commit.c_str(),
                m.out_dir.c_str());
    if (m.dry_run) {
        std::vector<const Fault*> all;
        for (const Fault& f : faults) all.push_back(&f);
        for (const Stage& st : stages)
            for (const Job& j : interleaved(all, st.entry, m))
                std::printf("  %s%s: %s\n", st.escalation ? "(escalation) " : "", j.name().c_str(),
                            j.command.c_str());
        return 0;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Job> jobs, escalated;  // every job run, by the list's tests and the escalation
    for (const Stage& st : stages) {
        std::vector<const Fault*> open;
        for (const Fault& f : faults)
            if (!catcher(jobs, f.name) && !catcher(escalated, f.name)) open.push_back(&f);
        std::vector<Job> batch = interleaved(open, st.entry, m);
        if (batch.empty()) break;
        std::printf("regress: %zu faults not caught yet: %s%s (%zu jobs)\n", open.size(),
                    st.escalation ? "escalating to " : "", st.entry.at("test").get<std::string>().c_str(),
                    batch.size());
        if (const int sig = m.run(batch, m.out_dir); sig != 0) return 128 + sig;
        std::vector<Job>& into = st.escalation ? escalated : jobs;
        into.insert(into.end(), batch.begin(), batch.end());
    }
    const double total_s = seconds_since(t0);

    // ---- the table ----
    std::size_t caught_list = 0, caught_all = 0;
    std::ostringstream md;
    md << "| fault | where | caught by | first error |\n| --- | --- | --- | --- |\n";
    std::printf("\n%-16s %-22s %-34s %s\n", "fault", "where", "caught by", "first error");
    json results = json::array();
    for (const Fault& f : faults) {
        const Job* c = catcher(jobs, f.name);
        const bool escalation = c == nullptr;
        if (!c) c = catcher(escalated, f.name);
        caught_list += !escalation;
        caught_all += c != nullptr;
        std::string by = c ? c->test + (c->seeded ? " seed " + std::to_string(c->seed) : "") : "ESCAPED";
        if (c && escalation) by += " (escalation)";
        const std::string first = c ? c->first_error : "every test passed with it planted";
        std::printf("%-16s %-22s %-34s %s\n", f.name.c_str(), fs::path(f.file).filename().c_str(),
                    by.c_str(), first.substr(0, 120).c_str());
        md << "| `" << f.name << "` | `" << f.file << "` | " << by << " | "
           << replace_all(first.substr(0, 160), "|", "\\|") << " |\n";
        results.push_back({{"fault", f.name}, {"file", f.file}, {"doc", f.doc},
                           {"caught_by", c ? c->name() : ""}, {"by_list", !escalation},
                           {"first_error", c ? c->first_error : ""}, {"log", c ? c->log : ""}});
    }
    const auto pct = [&](std::size_t n) { return 100.0 * double(n) / double(faults.size()); };
    std::printf("\nmutation score: %s's tests caught %zu of %zu planted faults (%.0f%%); with the "
                "escalation tests %zu of %zu (%.0f%%); %s\n",
                m.list_name.c_str(), caught_list, faults.size(), pct(caught_list), caught_all,
                faults.size(), pct(caught_all), fmt_time(total_s).c_str());
    md << "\nMutation score: the list's tests caught " << caught_list << " of " << faults.size()
       << ", with the escalation tests " << caught_all << " of " << faults.size() << ".\n";
    std::ofstream(m.out_dir + "/mutations.md") << md.str();
    json r = {{"list", m.list_name}, {"commit", m.commit}, {"wall_s", total_s},
              {"caught_by_list", caught_list}, {"caught", caught_all}, {"faults", results}};
    std::ofstream(m.out_dir + "/mutations.json") << r.dump(2) << "\n";
    std::printf("results: %s/mutations.md, %s/mutations.json\n", m.out_dir.c_str(), m.out_dir.c_str());
    return caught_all == faults.size() ? 0 : 1;
}

}  // namespace hw::cli
