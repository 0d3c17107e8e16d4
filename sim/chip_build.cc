// SPDX-License-Identifier: MIT
#include "chip_build.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "error.h"
#include "sha256.h"
#include "shell.h"
#include "verilated_build.h"

namespace fs = std::filesystem;

namespace hw {

namespace {

// sha256 over the sources that decide the generated RTL (model/, golden/ and weightgen/), in name order.
std::string generator_sources_hash() {
    std::vector<fs::path> files;
    for (const char* dir : {"model", "golden", "weightgen"}) {
        for (const auto& e : fs::directory_iterator(source_path(dir))) {
            if (e.is_regular_file()) files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::string all;
    for (const auto& f : files) all += f.filename().string() + ":" + sha256_file(f.string()) + "\n";
    Sha256 h;
    h.update(all.data(), all.size());
    return h.hex();
}

// An exclusive lock on a configuration, held while it is generated and built: tests and
// users building the same configuration at once take turns instead of clearing each other's
// build trees. The kernel drops the lock if the holder dies.
class ConfigLock {
public:
    ConfigLock(const std::string& path, const std::function<void(const std::string&)>& progress) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw make_error(path, "cannot open the build lock", "a writable cache folder",
                             std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            progress("waiting for another build of this configuration (" + path + ")");
            if (::flock(fd_, LOCK_EX) != 0) {
                ::close(fd_);
                throw make_error(path, "cannot lock", "a lockable file", std::strerror(errno));
            }
        }
    }
    ~ConfigLock() { ::close(fd_); }
    ConfigLock(const ConfigLock&) = delete;
    ConfigLock& operator=(const ConfigLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace

const std::vector<const char*> kChipRtlFiles = {
    "rtl/lint.vlt",          "rtl/hw_pkg.sv",          "rtl/hw_link_pkg.sv",
    "rtl/hw_sram.sv",        "rtl/hw_adapter_sram.sv", "rtl/hw_weight_unpack.sv", "rtl/hw_mac_array.sv",    "rtl/hw_mac_cluster.sv",
    "rtl/hw_nonlinear.sv",   "rtl/hw_table_units.sv",  "rtl/hw_act_quant.sv",
    "rtl/hw_scratch_vec.sv", "rtl/hw_scratch.sv",     "rtl/hw_vector_unit.sv",  "rtl/hw_attention.sv",
    "rtl/hw_argmax.sv",      "rtl/hw_sampler.sv",      "rtl/hw_monitor.sv",      "rtl/hw_perf_counters.sv",
    "rtl/hw_sequencer.sv",   "rtl/hw_core.sv",         "rtl/hw_link_rx.sv",
    "rtl/hw_link_tx.sv",     "rtl/hw_endpoint.sv"};

std::vector<std::string> planted_faults() {
    std::vector<std::string> names;
    const char* env = std::getenv(kFaultsEnv);
    if (!env || !*env) return names;
    const std::string text = env;
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        const std::string name = text.substr(at, comma - at);
        if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
            throw make_error(std::string("$") + kFaultsEnv, "bad fault name",
                             "comma-separated names of tests/mutations.json (A-Z, 0-9, _)",
                             "'" + name + "'");
        names.push_back(name);
        at = comma + 1;
    }
    return names;
}

bool coverage_requested() {
    const char* d = std::getenv(kCoverageDirEnv);
    return d && *d;
}

std::string default_cache_root() {
    if (const char* c = std::getenv("HARDWIRE_CACHE"); c && *c) return c;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/hardwire";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/hardwire";
    return ".hardwire-cache";
}

ChipBuild build_chip(const ChipBuildOptions& o,
                     const std::function<void(const std::string&)>& progress) {
    GenOptions g = o.gen;
    g.out = "-";  // set below, once the configuration's folder is known
    check_gen_options(g);
    // The configuration's key: model bytes (or spec), format, lanes, name, the generator's
    // sources (so an edited generator never reuses stale RTL) and extra Verilator arguments.
    Sha256 key;
    const std::string model_id =
        g.model.empty() ? "synthetic:" + g.synthetic : sha256_file(g.model);
    std::string text = model_id + "|" + g.format.name() + "|" + std::to_string(g.datapath.rows) +
                       "x" + std::to_string(g.datapath.lanes) + "x" +
                       std::to_string(g.datapath.attn_par) + "|lora " +
                       std::to_string(g.datapath.lora_slots) + "x" + std::to_string(g.datapath.lora_rank) + "|" +
                       g.name + "|" + generator_version() + "|" + generator_sources_hash();
    std::vector<std::string> verilator_args = o.verilator_args;
    for (const std::string& f : planted_faults()) verilator_args.push_back("+define+HW_FAULT_" + f);
    for (const auto& a : verilator_args) text += "|" + a;
    const bool coverage = coverage_requested();
    if (o.trace) text += "|trace-fst";
    if (coverage) text += "|coverage";
    key.update(text.data(), text.size());
    const std::string hash = key.hex().substr(0, 16);

    ChipBuild b;
    b.dir = (fs::path(o.cache) / ("chip-" + hash)).string();
    b.gen_dir = b.dir + "/gen";
    std::error_code ec;
    fs::create_directories(o.cache, ec);
    if (ec)
        throw make_error(o.cache, "cannot create the cache folder", "a writable path",
                         ec.message());
    const ConfigLock lock(b.dir + ".lock", progress);
    const bool had_gen = fs::exists(b.gen_dir + "/manifest.json");
    if (!had_gen) {
        g.out = b.gen_dir;
        g.force = true;  // the folder is ours: a half-finished earlier attempt is replaced
        b.name = generate(g, progress).name;
    } else {
        progress("generated RTL up to date: " + b.gen_dir);
        std::ifstream in(b.gen_dir + "/manifest.json");
        b.name = nlohmann::json::parse(in).at("model").at("name").get<std::string>();
    }
    b.checkpoint = g.model.empty() ? "" : fs::absolute(g.model).string();
    if (!o.verilate) {
        b.executable = std::string(HW_BINARY_DIR) + "/vp/vp_sim";
        b.cached = had_gen;
        return b;
    }
    VerilatedBuild v;
    v.gen_dir = b.gen_dir;
    for (const char* f : kChipRtlFiles) {
        v.rtl_files.push_back(source_path(f));
    }
    v.gen_extra = {b.name + "_chip.sv"};
    v.include_files = {source_path("rtl/hw_cover.svh")};
    v.top_module = b.name + "_chip";
    v.harness_sources = {source_path("sim/chip_main.cc")};
    v.executable = "chip_sim";
    v.systemc = true;  // chip_sim --tlm: the chip behind the virtual platform's target
    v.work_dir = b.dir;
    v.verilator_args = {"--assert"};
    v.trace = o.trace;
    v.coverage = coverage;
    v.verilator_args.insert(v.verilator_args.end(), verilator_args.begin(), verilator_args.end());
    const VerilatedBuildResult r = build_verilated(v, progress);
    b.executable = r.executable;
    b.cached = had_gen && !r.built;
    return b;
}

std::string sim_command(const ChipBuild& b, const std::string& mode) {
    std::string cmd = shell_quote(b.executable) + " " + mode + " " + shell_quote(b.gen_dir);
    if (!b.checkpoint.empty()) cmd += " --model " + shell_quote(b.checkpoint);
    return cmd;
}

std::string vp_command(const ChipBuild& b, const std::string& mode) {
    const std::string vp = std::string(HW_BINARY_DIR) + "/vp/vp_sim";
    if (!fs::exists(vp))
        throw make_error(vp, "the virtual platform's program",
                         "built with hardwire (cmake --build)", "missing");
    std::string cmd = shell_quote(vp) + " " + mode + " " + shell_quote(b.gen_dir);
    if (!b.checkpoint.empty()) cmd += " --model " + shell_quote(b.checkpoint);
    return cmd;
}

}  // namespace hw
