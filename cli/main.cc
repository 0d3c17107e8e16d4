// SPDX-License-Identifier: MIT
// hardwire: the command-line entry point; dispatches to one subcommand.
#include <cstdio>
#include <cstring>
#include <exception>

#include "commands.h"
#include "error.h"

namespace {

struct Command {
    const char* name;         // subcommand word
    int (*run)(int, char**);  // its entry point
    const char* summary;      // one line for hardwire --help
};

const Command kCommands[] = {
    {"run", hw::cli::cmd_run,
     "decode a prompt on the chip's simulator through the host link, every token checked"},
    {"ref", hw::cli::cmd_ref, "greedy decode with the float reference (llama2.c semantics)"},
    {"accuracy", hw::cli::cmd_accuracy, "integer golden model against a float reference trace"},
    {"gen", hw::cli::cmd_gen, "generate the chip's ROMs, config package and manifest for a model"},
    {"build", hw::cli::cmd_build,
     "checkpoint to cycle-accurate simulator (generate, verilate, compile; cached)"},
    {"random", hw::cli::cmd_random, "one constrained-random chip test drawn from a seed"},
    {"regress", hw::cli::cmd_regress, "run a named regression list in parallel: table, JUnit, reproduce lines"},
    {"cycles", hw::cli::cmd_cycles, "the exact cycle model: a shape's schedule on a datapath, step by step"},
    {"explore", hw::cli::cmd_explore, "project a model onto the chip: tokens/s, ROM and SRAM bits, area, power"},
    {"bench", hw::cli::cmd_bench, "speed of the golden models, side by side"},
};

void print_help() {
    std::printf(
        "usage: hardwire <command> [options]\n\n"
        "hardwire turns a llama2.c model into a hardwired inference chip: ROMs, RTL, a\n"
        "cycle-accurate Verilator simulation and golden models to check it against.\n\n"
        "commands:\n");
    for (const Command& c : kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
    std::printf(
        "\n'hardwire <command> --help' describes a command's options.\n"
        "Models: $HARDWIRE_MODELS/stories260K/{stories260K.bin,tok512.bin} (see README.md).\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        print_help();
        return argc < 2 ? 2 : 0;
    }
    for (const Command& c : kCommands) {
        if (std::strcmp(argv[1], c.name) != 0) continue;
        try {
            return c.run(argc, argv);
        } catch (const hw::cli::UsageError& e) {
            std::fprintf(stderr, "hardwire %s: %s (see 'hardwire %s --help')\n", c.name, e.what(),
                         c.name);
            return 2;
        } catch (const hw::Error& e) {
            std::fprintf(stderr, "hardwire %s: error: %s\n", c.name, e.what());
            return 2;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "hardwire %s: internal error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "hardwire: unknown command '%s' (see 'hardwire --help')\n", argv[1]);
    return 2;
}
