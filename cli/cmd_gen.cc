// SPDX-License-Identifier: MIT
// hardwire gen: a model in, the chip's generated RTL out.
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "generate.h"

namespace hw::cli {

int cmd_gen(int argc, char** argv) {
    Args args("hardwire gen",
              "hardwire gen (--model FILE | --synthetic SPEC) --out DIR [--tokenizer FILE] "
              "[--format F | --format-map FILE] [--rows R] [--lanes L] [--attn-par P] [--name NAME] [--rom-budget BITS] [--force]",
              "Generates the chip's model-specific RTL into DIR: one ROM module per layer and\n"
              "tensor (weights and scales), table ROMs (RoPE, 1/sqrt, 1/x, 2^-x, sigmoid),\n"
              "<name>_cfg_pkg.sv, <name>_rom_bank.sv, <name>_cfg.h, files.f and manifest.json.\n"
              "Identical inputs give identical files. DIR is replaced atomically; a DIR holding\n"
              "another model's files is refused unless --force.");
    add_model_options(args);
    add_format_options(args);
    add_datapath_options(args);
    args.option("out", "DIR", "output directory")
        .option("tokenizer", "FILE", "tokenizer.bin to record (hash) in the manifest")
        .option("name", "NAME",
                "module prefix, [a-z][a-z0-9_]* (default: from the model file name)")
        .option("rom-budget", "BITS", "fail if the ROMs need more bits than this")
        .flag("force", "replace an output directory that holds another model's files");
    if (!args.parse(argc, argv, 2)) return 0;
    args.require_one_of({"model", "synthetic"});

    GenOptions o;
    if (args.flag_set("model")) o.model = model_path(args);
    if (args.flag_set("synthetic")) o.synthetic = args.get("synthetic");
    if (args.flag_set("tokenizer")) o.tokenizer = args.get("tokenizer");
    o.out = args.get("out");
    o.format = format_options(args);
    o.datapath = datapath_options(args);
    if (args.flag_set("name")) o.name = args.get("name");
    if (args.flag_set("rom-budget"))
        o.rom_budget = static_cast<std::uint64_t>(args.get_int("rom-budget", 1, INT64_MAX));
    o.force = args.flag_set("force");
    // The command line as recorded in banners: every argument except the output directory,
    // which is where the files go, not what they are (so two outputs can be compared).
    o.command_line = "hardwire";
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--out") {
            i++;
            continue;
        }
        if (a.rfind("--out=", 0) == 0) continue;
        o.command_line += " " + a;
    }
    check_gen_options(o);

    const auto start = std::chrono::steady_clock::now();
    const GenResult r = generate(
        o, [](const std::string& line) { std::fprintf(stderr, "gen: %s\n", line.c_str()); });
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %d files, %llu ROM bits (%.1f KiB), model hash %s, %.1f s\n", r.out.c_str(),
                r.files, static_cast<unsigned long long>(r.rom_bits), r.rom_bits / 8192.0,
                r.model_hash.substr(0, 16).c_str(), s);
    return 0;
}

}  // namespace hw::cli
