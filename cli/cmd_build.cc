// SPDX-License-Identifier: MIT
// hardwire build: checkpoint to a runnable cycle-accurate simulator, cached.
#include <chrono>
#include <cstdio>

#include "chip_build.h"
#include "commands.h"

namespace hw::cli {

int cmd_build(int argc, char** argv) {
    Args args(
        "hardwire build",
        "hardwire build (--model FILE | --synthetic SPEC) [--format F | --format-map FILE] [--rows R] [--lanes L] [--attn-par P] [--cache DIR] "
        "[--run STEPS [--trace FILE.fst [--trace-tokens A[:B]]]]",
        "Generates the model's RTL, verilates it with the datapath in rtl/ and compiles the\n"
        "chip_sim simulator (the chip behind its host link, driven by the host driver, with a\n"
        "scoreboard against the integer golden model). Each configuration is built once into its own folder under the cache; a\n"
        "second call returns at once. With --run, decodes STEPS tokens from BOS; --trace\n"
        "builds the configuration with FST tracing and writes positions A..B only.");
    add_model_options(args);
    add_format_options(args);
    add_datapath_options(args);
    args.option("cache", "DIR", "cache root (default: $HARDWIRE_CACHE or ~/.cache/hardwire)")
        .option("run", "STEPS", "after building, decode STEPS tokens and check every stage")
        .option("trace", "FILE", "with --run: FST of the chosen positions (a traced build)")
        .option("trace-tokens", "A[:B]", "positions to trace, from A to B", "0");
    if (!args.parse(argc, argv, 2)) return 0;
    args.require_one_of({"model", "synthetic"});

    ChipBuildOptions o;
    if (args.flag_set("model")) o.gen.model = model_path(args);
    if (args.flag_set("synthetic")) o.gen.synthetic = args.get("synthetic");
    o.gen.format = format_options(args);
    o.gen.datapath = datapath_options(args);
    o.gen.command_line = "hardwire build";
    o.cache = args.flag_set("cache") ? args.get("cache") : default_cache_root();
    const long long steps = args.flag_set("run") ? args.get_int("run", 1, 1 << 20) : 0;
    o.trace = args.flag_set("trace");
    if (o.trace && steps == 0) throw UsageError("--trace needs --run STEPS");

    const auto start = std::chrono::steady_clock::now();
    const ChipBuild b = build_chip(
        o, [](const std::string& line) { std::fprintf(stderr, "build: %s\n", line.c_str()); });
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s (%s, %.1f s)\n", b.executable.c_str(), b.cached ? "cached" : "built", s);
    if (steps > 0) {
        std::string cmd = sim_command(b, "check") + " --steps " + std::to_string(steps);
        if (o.trace)
            cmd += " --trace " + shell_quote(args.get("trace")) + " --trace-tokens " +
                   shell_quote(args.get("trace-tokens"));
        return run_shell(cmd) == 0 ? 0 : 1;
    }
    return 0;
}

}  // namespace hw::cli
