// SPDX-License-Identifier: MIT
// hardwire run: the main command. Builds (or finds) the chip's simulator for a model and
// decodes a prompt on it through the host link and driver, streaming the text, every token
// checked against the integer golden model; then a summary with chip cycles, simulated time
// over the chosen link, wall time and simulation speed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "channel.h"
#include "chip_build.h"
#include "commands.h"
#include "decode.h"
#include "gtkw.h"
#include "model.h"
#include "sampler.h"
#include "synthetic.h"
#include "timing.h"
#include "tokenizer.h"

namespace hw::cli {

namespace {

// The built-in model when stories260K is not found: stories260K's shape, seeded weights.
const char* const kBuiltinModel =
    "dim=64,hidden=172,layers=5,heads=8,kv_heads=4,vocab=512,seq_len=256,seed=1";

}  // namespace

int cmd_run(int argc, char** argv) {
    Args args(
        "hardwire run",
        "hardwire run [--model FILE | --synthetic SPEC] [--tokenizer FILE] [--prompt TEXT] "
        "[--steps N] [--link usb2|pcie3x1|pcie3x4] [--clock-mhz F] [--no-check] [--json] "
        "[--logits] [--trace FILE.fst] [--timeline FILE.svg] [--trace-tokens A[:B]] "
        "[--inject-errors FLIP[:DROP[:DUP[:REORDER[:KFLIP]]]] [--require-faults] "
        "[--temperature T] [--top-k K] [--top-p P] [--seed S] [--adapter DIR | --synthetic-adapter "
        "SPEC] [--slot K] "
        "[--format F | --format-map FILE] [--rows R] [--lanes L] [--attn-par P] [--lora-slots N] "
        "[--lora-rank R] [--cache DIR] "
        "[--level rtl|tlm] [--vp] [--fast-forward N]",
        "Decodes a prompt on the chip's cycle-accurate simulator, through the host link and\n"
        "driver, and streams the text as it is generated (greedy unless --temperature, when the\n"
        "chip's sampler draws each token; with --adapter, a LoRA adapter written into the chip's\n"
        "adapter SRAM over the link serves every token; llama2.c run.c semantics:\n"
        "--steps counts positions, BOS ends the story). Every token, and every value the\n"
        "datapath writes, is checked against the integer golden model unless --no-check.\n"
        "--model takes a file or a name under $HARDWIRE_MODELS (--model stories260K).\n"
        "Without --model or --synthetic: stories260K from $HARDWIRE_MODELS when present,\n"
        "else a built-in synthetic model; the first line says which. The simulator is built\n"
        "on first use and cached (hardwire build).\n"
        "--level tlm runs the virtual platform instead: the same driver calls through a\n"
        "SystemC/TLM-2.0 socket to the transaction-level model (the integer golden model timed\n"
        "by the exact cycle model: the RTL's tokens, logits and cycles per token, thousands of\n"
        "tokens a second, no Verilator build; docs/architecture.md, \"Virtual platform\").");
    add_model_options(args);
    add_format_options(args);
    add_datapath_options(args);
    args.option("tokenizer", "FILE",
                "llama2.c tokenizer.bin (default: tok512.bin beside stories260K)")
        .option("prompt", "TEXT", "text to start from (needs a tokenizer); decoding starts at BOS",
                "Once upon a time")
        .option("steps", "N", "positions to decode, prompt included (at most the context)", "256")
        .option("link", "NAME", "link timing: usb2, pcie3x1 or pcie3x4", "pcie3x4")
        .option("clock-mhz", "F", "chip clock for the simulated time", "1000")
        .flag("check", "check every token against the golden model (the default)")
        .flag("no-check", "do not run the golden model (faster; nothing is checked)")
        .flag("json", "one JSON object per position, then a summary object")
        .flag("logits",
              "request each position's logits over the link (CONTROL.LOGITS) and check each one")
        .option("trace", "FILE", "FST of the chosen positions, plus FILE.gtkw (a traced build)")
        .option(
            "timeline", "FILE",
            "SVG of the chosen positions' schedule, a lane per block, drawn from the simulation")
        .option("trace-tokens", "A[:B]", "positions to trace or draw, from A to B", "0")
        .flag("require-faults",
              "with --inject-errors: fail unless every injected fault kind happened both ways")
        .option(
            "inject-errors", "FLIP[:DROP[:DUP[:REORDER[:KFLIP]]]]",
            "link faults: bit flips per byte; dropped, duplicated and reordered packets per "
            "packet; inverted k flags per symbol (DROP and DUP default to FLIP, the others to 0)")
        .option("temperature", "T", "sample on the chip at temperature T (1/256..256); 0: greedy",
                "0")
        .option("top-k", "K",
                "with --temperature: draw among the K largest logits (1..64); 0: no limit", "0")
        .option("top-p", "P",
                "with --temperature: nucleus, keep the smallest set holding share P (0..1]", "1")
        .option("seed", "S", "seed of the sampler's generator and of the injected link faults", "1")
        .option("adapter", "DIR",
                "a PEFT LoRA adapter folder, loaded into the chip's adapter SRAM over the link")
        .option("synthetic-adapter", "SPEC",
                "a seeded random adapter instead: r=8,targets=q,v,o,seed=3[,alpha=16]")
        .option("slot", "K",
                "the adapter SRAM slot it is loaded into and served from (0..--lora-slots - 1)",
                "0")
        .option("cache", "DIR", "cache root (default: $HARDWIRE_CACHE or ~/.cache/hardwire)")
        .option("level", "NAME",
                "rtl: the Verilated chip, every value checked; tlm: the transaction-level model",
                "rtl")
        .flag("vp",
              "rtl: the driver reaches the Verilated chip through the virtual platform's TLM-2.0 "
              "sockets "
              "(a transactor behind the card's target socket); tlm always does")
        .option("fast-forward", "N",
                "rtl: positions 0..N-1 by the golden model, their KV cache loaded into the chip "
                "through a simulation-only backdoor; the RTL decodes N.. with every value checked",
                "0");
    if (!args.parse(argc, argv, 2)) return 0;
    if (args.flag_set("model") && args.flag_set("synthetic"))
        throw UsageError("give --model or --synthetic, not both");
    if (args.flag_set("check") && args.flag_set("no-check"))
        throw UsageError("--check and --no-check contradict each other");

    ChipBuildOptions o;
    std::string tokenizer = args.flag_set("tokenizer") ? args.get("tokenizer") : "";
    const char* env = std::getenv("HARDWIRE_MODELS");
    const std::string models = env && *env ? env : "";
    if (args.flag_set("model")) {
        o.gen.model = model_path(args);
    } else if (args.flag_set("synthetic")) {
        o.gen.synthetic = args.get("synthetic");
    } else {
        const std::string dir = models.empty() ? "" : models + "/stories260K";
        if (!dir.empty() && std::filesystem::exists(dir + "/stories260K.bin")) {
            o.gen.model = dir + "/stories260K.bin";
            std::fprintf(stderr, "run: model stories260K from %s\n", dir.c_str());
        } else {
            o.gen.synthetic = kBuiltinModel;
            std::fprintf(stderr,
                         "run: stories260K not found (set HARDWIRE_MODELS to the folder holding "
                         "stories260K/); using the built-in synthetic model %s\n",
                         kBuiltinModel);
        }
    }
    // A checkpoint's tokenizer usually sits beside it (stories260K: tok512.bin).
    if (tokenizer.empty() && !o.gen.model.empty()) {
        const auto beside = std::filesystem::path(o.gen.model).parent_path() / "tok512.bin";
        if (std::filesystem::exists(beside)) tokenizer = beside.string();
    }
    if (args.flag_set("prompt") && tokenizer.empty())
        throw UsageError("--prompt needs --tokenizer (no tok512.bin beside the model)");
    o.gen.format = format_options(args);
    o.gen.datapath = datapath_options(args);
    o.gen.command_line = "hardwire run";
    o.cache = args.flag_set("cache") ? args.get("cache") : default_cache_root();
    o.trace = args.flag_set("trace");
    const long long steps = args.get_int("steps", 1, 1 << 20);
    const long long fast_forward = args.get_int("fast-forward", 0, 1 << 20);
    if (fast_forward >= steps)
        throw UsageError("--fast-forward " + std::to_string(fast_forward) +
                         ": the RTL must decode at least one of the " + std::to_string(steps) +
                         " positions (--steps)");
    if (fast_forward > 0 && args.flag_set("no-check"))
        throw UsageError("--fast-forward needs the golden model's checks: drop --no-check");
    args.get_double("clock-mhz", 1, 1e5);
    args.get_int("seed", 0, 1000000000000000LL);
    const std::string sampler = sampler_sim_flags(
        args.get_double("temperature", 0, 256), static_cast<int>(args.get_int("top-k", 0, kMaxTopK)),
        args.get_double("top-p", 0, 1), args.flag_set("top-k") || args.flag_set("top-p"));
    if (args.flag_set("adapter") && args.flag_set("synthetic-adapter"))
        throw UsageError("give --adapter or --synthetic-adapter, not both");
    const bool adapted = args.flag_set("adapter") || args.flag_set("synthetic-adapter");
    if (args.flag_set("slot") && !adapted) throw UsageError("--slot needs --adapter DIR or --synthetic-adapter SPEC");
    const long long slot = args.get_int("slot", 0, kMaxLoraSlots - 1);
    if (adapted && o.gen.datapath.lora_slots == 0)
        throw UsageError("--adapter needs adapter slots (--lora-slots 0 was given)");
    if (adapted && o.gen.datapath.lora_slots > 0 && slot >= o.gen.datapath.lora_slots)
        throw UsageError("--slot " + std::to_string(slot) + ": the chip has " +
                         std::to_string(o.gen.datapath.lora_slots) + " slots (--lora-slots)");
    // Options the simulator would refuse are refused now, before a first build's minute.
    hw::link::link_timing(args.get("link"));
    if (args.flag_set("inject-errors")) hw::link::parse_fault_rates(args.get("inject-errors"));
    const bool windowed = o.trace || args.flag_set("timeline");
    if (args.flag_set("trace-tokens") && !windowed)
        throw UsageError("--trace-tokens needs --trace FILE.fst or --timeline FILE.svg");
    // The prompt against the context, as the simulator will check it (decode.h).
    if (!tokenizer.empty()) {
        const Config c = o.gen.model.empty() ? parse_synthetic_spec(o.gen.synthetic).config
                                             : read_checkpoint_config(o.gen.model);
        const std::vector<int> prompt =
            Tokenizer::read(tokenizer, c.vocab_size).encode(args.get("prompt"), true);
        check_decode_request(prompt, static_cast<int>(std::min<long long>(steps, 1 << 30)), c.seq_len);
    }
    if (windowed) {
        const TraceWindow w = parse_trace_window(args.get("trace-tokens"));
        if (w.first >= steps)
            throw UsageError("--trace-tokens starts at position " + std::to_string(w.first) +
                             ", after the last of the " + std::to_string(steps) + " positions");
    }

    const std::string level = args.get("level");
    if (level != "rtl" && level != "tlm")
        throw UsageError("--level " + level + ": expected rtl or tlm");
    if (level == "tlm") {
        // What only the RTL has: waves, its schedule, the link layer's faults, a check of
        // the datapath (at transaction level the golden model is the datapath).
        for (const char* rtl_only : {"trace", "timeline", "trace-tokens", "inject-errors",
                                     "require-faults", "check", "no-check", "fast-forward"})
            if (args.flag_set(rtl_only))
                throw UsageError(std::string("--") + rtl_only +
                                 " needs --level rtl (the transaction-level "
                                 "model has no waves, no link layer and nothing to check against)");
        o.verilate = false;
    }
    const ChipBuild b = build_chip(o, [](const std::string& line) {
        std::fprintf(stderr, "build: %s\n", line.c_str());
    });
    // The options both levels' programs take, then the RTL's own.
    std::string common = " --steps " + std::to_string(steps) + " --link " +
                         shell_quote(args.get("link")) + " --clock-mhz " +
                         shell_quote(args.get("clock-mhz")) + " --seed " +
                         shell_quote(args.get("seed"));
    common += sampler;
    if (!tokenizer.empty())
        common += " --tokenizer " + shell_quote(tokenizer) + " --prompt " +
                  shell_quote(args.get("prompt"));
    if (args.flag_set("json")) common += " --json";
    if (args.flag_set("logits")) common += " --logits";
    if (args.flag_set("adapter")) common += " --adapter " + shell_quote(args.get("adapter"));
    if (args.flag_set("synthetic-adapter"))
        common += " --synthetic-adapter " + shell_quote(args.get("synthetic-adapter"));
    if (adapted) common += " --slot " + std::to_string(slot);
    if (level == "tlm") return run_shell(vp_command(b, "run") + common);
    std::string cmd = sim_command(b, "run") + common;
    if (args.flag_set("no-check")) cmd += " --no-check";
    if (o.trace) cmd += " --trace " + shell_quote(args.get("trace"));
    if (args.flag_set("timeline")) cmd += " --timeline " + shell_quote(args.get("timeline"));
    if (windowed) cmd += " --trace-tokens " + shell_quote(args.get("trace-tokens"));
    if (args.flag_set("inject-errors")) cmd += " --inject-errors " + shell_quote(args.get("inject-errors"));
    if (args.flag_set("require-faults")) cmd += " --require-faults";
    if (fast_forward > 0) cmd += " --fast-forward " + std::to_string(fast_forward);
    if (args.flag_set("vp")) cmd += " --tlm";
    return run_shell(cmd);
}

}  // namespace hw::cli
