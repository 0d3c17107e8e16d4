// SPDX-License-Identifier: MIT
// hardwire bench: speed of the golden models, measured side by side in one run.
#include <chrono>
#include <cstdio>

#include "calibrate.h"
#include "commands.h"
#include "float_ref.h"
#include "fast_kernels.h"
#include "int_model.h"
#include "nonlinear.h"

namespace hw::cli {
namespace {

// Seconds taken by `repeats` calls of run(steps).
template <typename Run>
double seconds_for(int repeats, int steps, Run&& run) {
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; r++) run(steps);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
    Args args(
        "hardwire bench",
        "hardwire bench (--model FILE | --synthetic SPEC) [--steps N] [--repeats R] [--format F | --format-map FILE]",
        "Measures decode speed (tokens/s, one thread) of the float reference and the\n"
        "integer golden model, interleaved in one run so the ratio is fair on a busy\n"
        "machine. Each repeat is a greedy decode from BOS of --steps positions.");
    add_model_options(args);
    add_format_options(args);
    args.option("steps", "N", "positions per decode", "256")
        .option("repeats", "R", "decodes per model and round (3 rounds, best round reported)", "20");
    if (!args.parse(argc, argv, 2)) return 0;

    const Model model = load_model(args);
    const Config& c = model.config;
    const int steps = static_cast<int>(args.get_int("steps", 1, c.seq_len));
    const int repeats = static_cast<int>(args.get_int("repeats", 1, 100000));
    const WeightFormat format = format_options(args);
    std::fprintf(stderr, "bench: quantizing %s (%s, gptq)...\n", model.source.c_str(),
                 format.name().c_str());
    std::fflush(stderr);
    const Calibration cal = calibrate(model);
    const QModel q = quantize_model(model, format, &cal);
    const Tables tables = make_tables(c);

    auto run_float = [&](int n) {
        FloatReference ref(model);
        int token = kBosToken;
        for (int pos = 0; pos < n; pos++) token = argmax(ref.forward(token, pos));
    };
    auto run_int = [&](int n) {
        IntModel im(q, tables);
        int token = kBosToken;
        for (int pos = 0; pos < n; pos++) token = argmax_int(im.forward(token, pos));
    };
    // The fast model's kernels: laid out once, as a card model would at start-up.
    const FastKernels fast(q);
    auto run_fast = [&](int n) {
        IntModel im(q, tables);
        im.set_fast_kernels(&fast);
        int token = kBosToken;
        for (int pos = 0; pos < n; pos++) token = argmax_int(im.forward(token, pos));
    };
    double best_float = 1e300, best_int = 1e300, best_fast = 1e300;
    for (int round = 0; round < 3; round++) {
        best_float = std::min(best_float, seconds_for(repeats, steps, run_float));
        best_int = std::min(best_int, seconds_for(repeats, steps, run_int));
        best_fast = std::min(best_fast, seconds_for(repeats, steps, run_fast));
    }
    const double tokens = double(repeats) * steps;
    std::printf("model                 %s\n", model.source.c_str());
    std::printf(
        "decode                %d positions from BOS, %d decodes per round, best of 3 rounds\n",
        steps, repeats);
    std::printf("float reference       %10.0f tokens/s\n", tokens / best_float);
    std::printf("integer golden (%s) %8.0f tokens/s\n", format.name().c_str(), tokens / best_int);
    std::printf("fast integer model    %10.0f tokens/s (the golden model with the fast kernels, bit-exact)\n",
                tokens / best_fast);
    std::printf("integer time / float  %10.2fx\n", best_int / best_float);
    std::printf("fast / integer golden %10.2fx faster\n", best_int / best_fast);
    return 0;
}

}  // namespace hw::cli
