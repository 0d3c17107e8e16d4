// SPDX-License-Identifier: MIT
// hardwire random: one constrained-random chip test. Everything is drawn from --seed (the
// model's shape with --shape random, the prompt, the number of positions, the link's fault
// rates, the host's backpressure and the registers' random initial values), printed as the
// first line, then the chip decodes it through the link with every stage checked against
// the integer golden model. The same seed draws the same test on every machine (SplitMix64).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chip_build.h"
#include "commands.h"
#include "sampler.h"
#include "synthetic.h"

namespace hw::cli {

namespace {

// The model of --shape fixed: two layers, grouped KV heads, a vocabulary that is no power of
// two; small enough that its build is shared by every seed.
const char* const kFixedShape =
    "dim=48,hidden=100,layers=2,heads=6,kv_heads=3,vocab=301,seq_len=48,seed=5";

struct Draw {
    std::string spec, format = "int8";
    Datapath datapath{2, 16, 3};  // --shape fixed: two rows, a block of 3 positions
    std::vector<int> prompt;
    int steps = 0;
    double flip = 0, drop = 0, dup = 0, reorder = 0, kflip = 0;
    unsigned host_credits = 16;
    double stall_rate = 0;
    std::uint64_t x_seed = 1;
    bool logits = false;  // read every position's logits over the link too
    double temperature = 0, top_p = 1;  // the chip's sampler (0: greedy), seeded by the test's seed
    int top_k = 0;
};

// One of `v`.
template <typename T>
const T& pick(SplitMix64& r, const std::vector<T>& v) {
    return v[r.below(v.size())];
}

// Uniform in [lo, hi].
int between(SplitMix64& r, int lo, int hi) { return lo + static_cast<int>(r.below(hi - lo + 1)); }

// 10^u with u uniform in [lo, hi] (rates spread over decades).
double decade(SplitMix64& r, double lo, double hi) {
    const double u = lo + (hi - lo) * double(r.below(1u << 20)) / double(1u << 20);
    char b[32];
    std::snprintf(b, sizeof b, "%.2g", std::pow(10.0, u));  // printable, reproducible
    return std::atof(b);
}

Draw draw(std::uint64_t seed, bool random_shape) {
    // The seed is hashed first: SplitMix64 streams of nearby raw states overlap (state s + k
    // times its increment is the stream of s shifted by k draws).
    SplitMix64 r(SplitMix64(seed ^ 0x72616e646f6d21ull).next());
    Draw d;
    int vocab = 301, seq_len = 48;
    if (random_shape) {
        // Legal shapes: dim = heads x an even head size, kv_heads divides heads.
        const int heads = pick(r, std::vector<int>{1, 2, 3, 4, 6, 8});
        std::vector<int> divisors;
        for (int k = 1; k <= heads; k++)
            if (heads % k == 0) divisors.push_back(k);
        const int kv_heads = pick(r, divisors);
        const int head_size = pick(r, std::vector<int>{2, 4, 6, 8, 12, 16});
        const int dim = heads * head_size;
        const int hidden = between(r, std::max(4, dim / 2), 3 * dim);
        const int layers = between(r, 1, 4);
        vocab = between(r, 16, 700);
        seq_len = pick(r, std::vector<int>{8, 16, 24, 32, 48, 64});
        const int shared = static_cast<int>(r.below(2));
        d.spec = "dim=" + std::to_string(dim) + ",hidden=" + std::to_string(hidden) +
                 ",layers=" + std::to_string(layers) + ",heads=" + std::to_string(heads) +
                 ",kv_heads=" + std::to_string(kv_heads) + ",vocab=" + std::to_string(vocab) +
                 ",seq_len=" + std::to_string(seq_len) + ",shared=" + std::to_string(shared) +
                 ",seed=" + std::to_string(between(r, 1, 1000000));
        // A format: any width, groups of 32 or a scale per row, and on half the seeds a
        // mix (one to three matrices, of every layer or of one, at another width).
        d.format = pick(r, std::vector<std::string>{"int8", "int6", "int4", "int3"}) +
                   pick(r, std::vector<std::string>{"", "/row"});
        if (r.below(2)) {
            std::vector<std::string> tensors = {"token_embedding", "wq", "wk", "wv", "wo", "w1", "w2", "w3"};
            if (!shared) tensors.push_back("wcls");
            for (int k = between(r, 1, 3); k > 0; k--) {
                const std::string t = pick(r, tensors);
                const bool one_layer = t != "token_embedding" && t != "wcls" && r.below(2);
                d.format += "," + (one_layer ? std::to_string(between(r, 0, layers - 1)) + "." : std::string()) +
                            t + "=" + std::to_string(pick(r, std::vector<int>{3, 4, 6, 8}));
            }
        }
        d.datapath.rows = 1;
        d.datapath.lanes = pick(r, std::vector<int>{16, 32, 64});
        d.datapath.attn_par = 1;
    } else {
        d.spec = kFixedShape;
    }
    // The prompt: BOS, then random tokens; positions up to the whole context.
    const int prompt_len = between(r, 1, std::max(1, std::min(8, seq_len / 2)));
    d.prompt.push_back(1);
    for (int k = 1; k < prompt_len; k++) d.prompt.push_back(between(r, 0, vocab - 1));
    d.steps = between(r, prompt_len, seq_len);
    // Link faults on half the seeds; backpressure on half, independently.
    if (r.below(2)) {
        d.flip = decade(r, -5, -3);
        d.drop = decade(r, -4, -2);
        d.dup = decade(r, -4, -2);
    }
    if (r.below(2)) {
        d.host_credits = static_cast<unsigned>(between(r, 1, 16));
        d.stall_rate = decade(r, -4, -2);
    }
    d.x_seed = 1 + r.below(1u << 30);
    // Drawn last, so the draws above stay what they were for every seed.
    d.logits = r.below(4) == 0;
    if (random_shape) {
        d.datapath.rows = pick(r, std::vector<int>{1, 2, 3, 4, 8});
        d.datapath.attn_par = pick(r, std::vector<int>{1, 2, 3, 4, 8});
    }
    if (d.flip > 0) {  // the faulty seeds also reorder packets and corrupt k flags
        d.reorder = decade(r, -4, -2);
        d.kflip = decade(r, -5, -3);
    }
    // The sampler on half the seeds: without a cut, with top-k, with top-p, or both.
    if (r.below(2)) {
        d.temperature = pick(r, std::vector<double>{0.5, 0.8, 1.0, 1.5});
        const int cut = static_cast<int>(r.below(4));
        if (cut & 1) d.top_k = pick(r, std::vector<int>{1, 3, 20, 64});
        if (cut & 2) d.top_p = pick(r, std::vector<double>{0.3, 0.8, 0.95});
    }
    return d;
}

std::string join(const std::vector<int>& v) {
    std::string s;
    for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
}

}  // namespace

int cmd_random(int argc, char** argv) {
    Args args("hardwire random",
              "hardwire random --seed S [--shape fixed|random] [--temperature T [--top-k K] [--top-p P]] "
              "[--cache DIR] [--dry-run | --build-only]",
              "One constrained-random chip test, drawn from the seed: with --shape random the\n"
              "model's shape, weights, weight format and datapath (MAC rows and lanes, attention\n"
              "positions per cycle); always the prompt (BOS and random tokens), the positions\n"
              "decoded, link fault rates (bit flips, dropped, duplicated and reordered packets,\n"
              "inverted k flags), host backpressure (its credits and stalls), whether the host\n"
              "reads the logits too (checked against the golden model's), and the random\n"
              "initial values of every register (the chip is built with Verilator's\n"
              "--x-assign unique --x-initial unique). The drawn test is printed first; the\n"
              "decode must be bit-exact with the integer golden model. --dry-run only prints it;\n"
              "--build-only builds the drawn test's chip into the cache and stops (a cluster's\n"
              "build job: with --shape fixed, the one chip of every seed).");
    args.option("seed", "S", "the test's seed")
        .option("shape", "KIND", "fixed (one model, built once for all seeds) or random", "fixed")
        .option("temperature", "T", "the sampler's temperature instead of the drawn one (0: greedy)")
        .option("top-k", "K", "the sampler's top-k instead of the drawn one (0: no limit)")
        .option("top-p", "P", "the sampler's top-p instead of the drawn one (1: no cut)")
        .option("cache", "DIR", "cache root (default: $HARDWIRE_CACHE or ~/.cache/hardwire)")
        .flag("dry-run", "print the drawn test and stop")
        .flag("build-only", "build the drawn test's chip and stop");
    if (!args.parse(argc, argv, 2)) return 0;
    if (args.flag_set("dry-run") && args.flag_set("build-only"))
        throw UsageError("--dry-run and --build-only: give one");
    if (!args.flag_set("seed")) throw UsageError("--seed S is required");
    const auto seed = static_cast<std::uint64_t>(args.get_int("seed", 0, 1LL << 40));
    const std::string shape = args.get("shape");
    if (shape != "fixed" && shape != "random")
        throw UsageError("option '--shape': expected fixed or random, found '" + shape + "'");
    Draw d = draw(seed, shape == "random");
    if (args.flag_set("temperature")) d.temperature = args.get_double("temperature", 0, 256);
    if (args.flag_set("top-k")) d.top_k = static_cast<int>(args.get_int("top-k", 0, kMaxTopK));
    if (args.flag_set("top-p")) d.top_p = args.get_double("top-p", 0, 1);
    const std::string sampler_flags =
        sampler_sim_flags(d.temperature, d.top_k, d.top_p, args.flag_set("top-k") || args.flag_set("top-p"));

    char sampler_b[96];
    std::snprintf(sampler_b, sizeof sampler_b, "T %g top-k %d top-p %g", d.temperature, d.top_k, d.top_p);
    const std::string sampler = d.temperature == 0 ? "greedy" : sampler_b;
    char rates[96];
    std::snprintf(rates, sizeof rates, "%g:%g:%g:%g:%g", d.flip, d.drop, d.dup, d.reorder, d.kflip);
    char stall[32];
    std::snprintf(stall, sizeof stall, "%g", d.stall_rate);
    std::printf("random %llu: model %s %s, rows %d lanes %d attn-par %d; prompt %s; %d positions; faults %s; host "
                "credits %u, stalls %s; x-seed %llu%s; sampler %s\n",
                static_cast<unsigned long long>(seed), d.spec.c_str(), d.format.c_str(),
                d.datapath.rows, d.datapath.lanes, d.datapath.attn_par,
                join(d.prompt).c_str(), d.steps, rates, d.host_credits, stall,
                static_cast<unsigned long long>(d.x_seed), d.logits ? "; logits read" : "",
                sampler.c_str());
    std::fflush(stdout);
    if (args.flag_set("dry-run")) return 0;

    ChipBuildOptions o;
    o.gen.synthetic = d.spec;
    o.gen.format = parse_weight_format(d.format);
    o.gen.datapath = d.datapath;
    o.gen.command_line = "hardwire random";
    o.cache = args.flag_set("cache") ? args.get("cache") : default_cache_root();
    o.verilator_args = {"--x-assign", "unique", "--x-initial", "unique"};
    const ChipBuild b = build_chip(o, [](const std::string& line) {
        std::fprintf(stderr, "build: %s\n", line.c_str());
    });
    if (args.flag_set("build-only")) {
        std::printf("random %llu: chip built in %s\n", static_cast<unsigned long long>(seed), b.dir.c_str());
        return 0;
    }
    const std::string cmd = sim_command(b, "check") + " --steps " +
                            std::to_string(d.steps) + " --prompt-tokens " + join(d.prompt) +
                            " --inject-errors " + rates + " --seed " + std::to_string(seed) +
                            " --host-credits " + std::to_string(d.host_credits) +
                            " --stall-rate " + stall + " --x-seed " + std::to_string(d.x_seed) +
                            (d.logits ? " --logits" : "") + sampler_flags;
    return run_shell(cmd);
}

}  // namespace hw::cli
