// SPDX-License-Identifier: MIT
// hardwire bench: speed of the golden models and the transaction-level model, measured side by
// side in one run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "calibrate.h"
#include "chip_data.h"
#include "commands.h"
#include "direct_port.h"
#include "driver.h"
#include "fast_chip.h"
#include "fast_kernels.h"
#include "float_ref.h"
#include "int_model.h"
#include "nonlinear.h"

namespace hw::cli {
namespace {

// One model under measurement: its decode (greedy from BOS, the tokens it chose) and its best
// round.
struct Contender {
    std::string name;   // --only's name
    std::string label;  // the report's
    std::function<void(int, std::vector<int>&)> decode;
    double best = 1e300;
    std::vector<int> tokens = {};  // the last decode's
};

// Seconds taken by `repeats` decodes of `steps` positions.
double seconds_for(Contender& m, int repeats, int steps) {
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; r++) m.decode(steps, m.tokens);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
    Args args(
        "hardwire bench",
        "hardwire bench (--model FILE | --synthetic SPEC) [--steps N] [--repeats R] [--rounds N]\n"
        "               [--only float|golden|fast|tlm] [--format F | --format-map FILE]",
        "Measures greedy decode speed (tokens/s, one thread) of the float reference, the\n"
        "integer golden model (the specification), the golden model with the fast kernels,\n"
        "and the transaction-level model of the card (vp/fast_chip.h: the fast kernels timed\n"
        "by the exact cycle model, driven through the host driver's calls), interleaved in\n"
        "one run so that the ratios are fair on a busy machine. Each repeat is a greedy\n"
        "decode from BOS of --steps positions; the integer models must choose the same\n"
        "tokens (exit 1 otherwise).");
    add_model_options(args);
    add_format_options(args);
    args.option("steps", "N", "positions per decode", "256")
        .option("repeats", "R", "decodes per model and round", "20")
        .option("rounds", "N",
                "rounds, each model measured once a round in turn; the best round is reported", "3")
        .option("only", "MODEL",
                "measure one model only (float, golden, fast or tlm), e.g. under a profiler");
    if (!args.parse(argc, argv, 2)) return 0;

    const Model model = load_model(args);
    const Config& c = model.config;
    const int steps = static_cast<int>(args.get_int("steps", 1, c.seq_len));
    const int repeats = static_cast<int>(args.get_int("repeats", 1, 100000));
    const int rounds = static_cast<int>(args.get_int("rounds", 1, 1000));
    const WeightFormat format = format_options(args);
    const std::string only = args.has("only") ? args.get("only") : "";
    if (args.has("only") && only != "float" && only != "golden" && only != "fast" && only != "tlm")
        throw UsageError("--only: expected float, golden, fast or tlm, got '" + only + "'");
    std::fprintf(stderr, "bench: quantizing %s (%s, gptq)...\n", model.source.c_str(),
                 format.name().c_str());
    std::fflush(stderr);
    const Calibration cal = calibrate(model);
    const ChipData data{quantize_model(model, format, &cal), make_tables(c), make_constants(c),
                        "gptq"};
    const QModel& q = data.q;
    const Tables& tables = data.tables;

    // The fast kernels are laid out once, as a card model does at start-up.
    const FastKernels fast(q);
    // The card at transaction level on the default datapath, behind the driver.
    Datapath dp;
    dp.lora_slots = 0;
    vp::FastChip chip(data, dp, std::string(64, '0'));
    vp::DirectPort port(chip);
    link::Card card(port, link::CardOptions{});

    std::vector<Contender> models;
    models.push_back({"float", "float reference", [&](int n, std::vector<int>& out) {
                          FloatReference ref(model);
                          out.assign(1, kBosToken);
                          for (int pos = 0; pos < n; pos++)
                              out.push_back(argmax(ref.forward(out.back(), pos)));
                      }});
    // The integer golden model, with the kernels or without (the specification's loops).
    auto integer = [&](const FastKernels* kernels) {
        return [&, kernels](int n, std::vector<int>& out) {
            IntModel im(q, tables);
            im.set_fast_kernels(kernels);
            out.assign(1, kBosToken);
            for (int pos = 0; pos < n; pos++)
                out.push_back(argmax_int(im.forward(out.back(), pos)));
        };
    };
    models.push_back({"golden", "integer golden (" + format.name() + ")", integer(nullptr)});
    models.push_back({"fast", "fast kernels", integer(&fast)});
    models.push_back({"tlm", "transaction-level model", [&](int n, std::vector<int>& out) {
                          card.reset();
                          const link::GenerateResult r =
                              card.generate({kBosToken}, n, false, nullptr);
                          out.assign(1, kBosToken);
                          for (const link::TokenEvent& e : r.tokens)
                              out.push_back(static_cast<int>(e.token));
                      }});
    if (!only.empty())
        models.erase(std::remove_if(models.begin(), models.end(),
                                    [&](const Contender& m) { return m.name != only; }),
                     models.end());
    for (int round = 0; round < rounds; round++)
        for (Contender& m : models) m.best = std::min(m.best, seconds_for(m, repeats, steps));

    const double tokens = double(repeats) * steps;
    std::printf("model                    %s\n", model.source.c_str());
    std::printf(
        "decode                   %d positions from BOS, %d decodes per round, best of %d rounds\n",
        steps, repeats, rounds);
    const Contender* golden = nullptr;
    for (const Contender& m : models) {
        std::printf("%-24s %8.0f tokens/s\n", m.label.c_str(), tokens / m.best);
        if (m.name == "golden") golden = &m;
    }
    for (const Contender& m : models)
        if (golden && &m != golden)
            std::printf("%-24s %8.2fx the integer golden model's speed\n", m.label.c_str(),
                        golden->best / m.best);
    // The integer models are bit-exact with each other: the same tokens, position by position.
    const Contender* first = nullptr;
    for (const Contender& m : models) {
        if (m.name == "float") continue;
        if (!first) {
            first = &m;
        } else if (m.tokens != first->tokens) {
            std::fprintf(stderr, "bench: the %s chose other tokens than the %s\n", m.label.c_str(),
                         first->label.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace hw::cli
