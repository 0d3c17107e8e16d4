// SPDX-License-Identifier: MIT
// hardwire accuracy: the integer golden model against a float reference trace.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "accuracy.h"
#include "commands.h"
#include "lora.h"
#include "rom_image.h"

namespace hw::cli {

namespace {

// --sensitivity: every matrix alone at 3 bits, the rest at 6 (the --format's group), ranked
// by the logit RMS error it adds (the least harmful first: the first candidates for 3 bits),
// with the teacher-forced top-1 and the ROM bits of each choice; then the recipes that take
// the first k of the ranking to 3 bits, each measured, with their ROM bits.
int sensitivity(const Model& model, const WeightFormat& given, const std::vector<TraceStep>& trace,
                const Calibration* cal, const std::function<std::uint64_t(const WeightFormat&)>& matrix_bits,
                bool json) {
    const Config& c = model.config;
    WeightFormat base;
    base.bits = 6;
    base.group = given.group;
    auto progress = [](const std::string& what) {
        std::fprintf(stderr, "accuracy: %s\n", what.c_str());
        std::fflush(stderr);
    };
    progress("baseline " + base.name());
    const AccuracyReport b = measure_accuracy(model, base, trace, cal);
    struct Row {
        TensorBits t;
        AccuracyReport r;
        std::uint64_t bits;
    };
    std::vector<Row> rows;
    const std::vector<TensorBits> tensors = tensor_widths(c, base);
    for (const TensorBits& t : tensors) {
        WeightFormat f = base;
        f.overrides.push_back({t.layer, t.tensor, 3});
        progress(std::to_string(rows.size() + 1) + "/" + std::to_string(tensors.size()) + ": " + f.name());
        rows.push_back({f.overrides.back(), measure_accuracy(model, f, trace, cal), matrix_bits(f)});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.r.logit_rms_err < y.r.logit_rms_err; });
    // Cumulative recipes, the cheapest accuracy per ROM bit saved first: matrices in order of
    // the logit RMS error each adds over the bits it saves (a large FFN matrix that hurts a
    // little saves more than a small projection that hurts less).
    const std::uint64_t base_bits = matrix_bits(base);
    std::vector<Row> by_cost = rows;
    auto cost = [&](const Row& r) { return (r.r.logit_rms_err - b.logit_rms_err) / double(base_bits - r.bits); };
    std::stable_sort(by_cost.begin(), by_cost.end(), [&](const Row& x, const Row& y) { return cost(x) < cost(y); });
    std::vector<Row> recipes;
    WeightFormat f = base;
    for (const Row& row : by_cost) {
        f.overrides.push_back(row.t);
        progress("recipe of " + std::to_string(f.overrides.size()) + " matrices at 3 bits");
        recipes.push_back({row.t, measure_accuracy(model, f, trace, cal), matrix_bits(f)});
        recipes.back().r.format = f.name();
    }
    // The reference a mix must beat: int4 with groups of 32 (docs/numerics.md).
    const WeightFormat int4 = parse_weight_format("int4/g32");
    const std::uint64_t int4_bits = matrix_bits(int4);
    if (json) {
        nlohmann::json j = {{"baseline", {{"format", base.name()}, {"teacher_forced_top1", b.teacher_forced_top1},
                                          {"logit_rms_err", b.logit_rms_err}, {"rom_matrix_bits", matrix_bits(base)}}},
                            {"positions", b.positions}, {"int4_rom_matrix_bits", int4_bits}};
        for (const Row& r : rows)
            j["tensors"].push_back({{"tensor", r.t.key()}, {"teacher_forced_top1", r.r.teacher_forced_top1},
                                    {"logit_rms_err", r.r.logit_rms_err}, {"rom_matrix_bits", r.bits}});
        for (const Row& r : recipes)
            j["recipes"].push_back({{"format", r.r.format}, {"teacher_forced_top1", r.r.teacher_forced_top1},
                                    {"first_divergence", r.r.first_divergence < 0 ? nlohmann::json() : nlohmann::json(r.r.first_divergence)},
                                    {"logit_rms_err", r.r.logit_rms_err}, {"rom_matrix_bits", r.bits}});
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("baseline %s: teacher-forced top-1 %d/%d, logit RMS %.4f, ROM bits %llu (int4/g32: %llu)\n\n",
                base.name().c_str(), b.teacher_forced_top1, b.positions, b.logit_rms_err,
                static_cast<unsigned long long>(base_bits), static_cast<unsigned long long>(int4_bits));
    std::printf("each matrix alone at 3 bits, least harmful first\n");
    std::printf("%-18s %8s %10s %12s\n", "matrix", "top-1", "logit RMS", "ROM bits");
    for (const Row& r : rows)
        std::printf("%-18s %8d %10.4f %12llu\n", r.t.key().c_str(), r.r.teacher_forced_top1, r.r.logit_rms_err,
                    static_cast<unsigned long long>(r.bits));
    std::printf("\nrecipes: k matrices at 3 bits, the least logit RMS added per ROM bit saved first (* within int4/g32's ROM bits)\n");
    std::printf("%4s %-18s %8s %10s %8s %12s\n", "k", "adds", "top-1", "logit RMS", "first", "ROM bits");
    for (std::size_t k = 0; k < recipes.size(); k++) {
        const Row& r = recipes[k];
        std::printf("%4zu %-18s %8d %10.4f %8s %12llu%s\n", k + 1, r.t.key().c_str(), r.r.teacher_forced_top1, r.r.logit_rms_err,
                    r.r.first_divergence < 0 ? "none" : std::to_string(r.r.first_divergence).c_str(),
                    static_cast<unsigned long long>(r.bits), r.bits <= int4_bits ? " *" : "");
    }
    // The largest recipe within int4's bits that keeps the most top-1, as a --format.
    const Row* best = nullptr;
    for (const Row& r : recipes)
        if (r.bits <= int4_bits && (!best || r.r.teacher_forced_top1 > best->r.teacher_forced_top1)) best = &r;
    if (best)
        std::printf("\nbest within int4/g32's ROM bits: --format %s\n", best->r.format.c_str());
    return 0;
}

}  // namespace

int cmd_accuracy(int argc, char** argv) {
    Args args("hardwire accuracy",
              "hardwire accuracy (--model FILE | --synthetic SPEC) --trace FILE.jsonl "
              "[--format F | --format-map FILE] [--adapter DIR | --synthetic-adapter SPEC] [--json]",
              "Measures the integer golden model (the chip's arithmetic) against a float trace\n"
              "such as $HARDWIRE_MODELS/stories260K/reference/greedy-from-bos.jsonl:\n"
              "teacher-forced top-1 agreement (trace tokens in, argmax compared with 'next'),\n"
              "the first position where the free-running greedy decode differs from the trace,\n"
              "and the error of the integer logits against the float reference. With a LoRA\n"
              "adapter: the chip's arithmetic with the adapter's low-rank path against the float\n"
              "model with the adapter merged (the trace must be that model's: hardwire ref\n"
              "--adapter DIR --json).");
    add_model_options(args);
    add_format_options(args);
    args.option("trace", "FILE", "reference trace, one JSON object per position")
        .option("rounding", "R", "gptq (error-compensating, calibrated on sampled text) or nearest",
                "gptq")
        .flag("sensitivity", "rank the matrices by the accuracy lost when each alone goes from 6 to 3 bits, "
                             "with the ROM bits of each choice, then measure the recipes the ranking gives")
        .flag("json", "print one JSON object instead of text")
        .option("adapter", "DIR", "a PEFT LoRA adapter folder")
        .option("synthetic-adapter", "SPEC", "a seeded random adapter instead: r=8,targets=q,v,o,seed=3");
    add_datapath_options(args);
    if (!args.parse(argc, argv, 2)) return 0;

    const Model model = load_model(args);
    if (args.flag_set("adapter") && args.flag_set("synthetic-adapter"))
        throw UsageError("give --adapter or --synthetic-adapter, not both");
    std::unique_ptr<Adapter> adapter;
    if (args.flag_set("adapter")) adapter = std::make_unique<Adapter>(read_peft_adapter(args.get("adapter"), model.config));
    if (args.flag_set("synthetic-adapter"))
        adapter = std::make_unique<Adapter>(make_synthetic_adapter(model.config, args.get("synthetic-adapter")));
    if (adapter && args.flag_set("sensitivity")) throw UsageError("--sensitivity does not take an adapter");
    const WeightFormat format = format_options(args);
    const auto trace = read_trace(args.get("trace"), model.config.vocab_size);
    const std::string rounding = args.get("rounding");
    if (rounding != "gptq" && rounding != "nearest") {
        throw UsageError("option '--rounding': expected gptq or nearest, found '" + rounding + "'");
    }
    std::unique_ptr<Calibration> cal;
    if (rounding == "gptq") cal = std::make_unique<Calibration>(calibrate(model));
    const Datapath dp = datapath_options(args);
    // The ROM bits a format costs on this datapath: weights and scales (the gains and tables
    // are the same in every format).
    auto matrix_bits = [&](const WeightFormat& f) {
        std::uint64_t n = 0;
        for (const RomShape& r : rom_shapes(model.config, f, dp))
            if (r.kind == "weights" || r.kind == "scales") n += r.bits();
        return n;
    };
    const Config& c = model.config;
    const double weights = double(c.vocab_size) * c.dim * (c.shared_classifier ? 1 : 2) +
                           double(c.n_layers) * (2.0 * c.dim * c.dim + 2.0 * c.kv_dim() * c.dim + 3.0 * c.dim * c.hidden_dim);
    if (args.flag_set("sensitivity")) return sensitivity(model, format, trace, cal.get(), matrix_bits, args.flag_set("json"));

    const AccuracyReport r = measure_accuracy(model, format, trace, cal.get(), adapter.get());
    const std::uint64_t bits = matrix_bits(format);
    if (args.flag_set("json")) {
        std::printf(
            "{\"format\":\"%s\",\"rounding\":\"%s\",\"positions\":%d,\"teacher_forced_top1\":%d,"
            "\"first_divergence\":%s,\"logit_max_abs_err\":%.6f,\"logit_rms_err\":%.6f,"
            "\"saturations\":%llu,\"rom_matrix_bits\":%llu,\"bits_per_weight\":%.4f}\n",
            r.format.c_str(), rounding.c_str(), r.positions, r.teacher_forced_top1,
            r.first_divergence < 0 ? "null" : std::to_string(r.first_divergence).c_str(),
            r.logit_max_abs_err, r.logit_rms_err, r.saturations,
            static_cast<unsigned long long>(bits), double(bits) / weights);
    } else {
        std::printf("format               %s\n", r.format.c_str());
        std::printf("rounding             %s\n", r.rounding.c_str());
        if (adapter)
            std::printf("adapter              %s: r %d, scale %g, targets %zu (int8/g32, against the merged float model)\n",
                        adapter->source.c_str(), adapter->rank, adapter->scale(), adapter->targets.size());
        std::printf("ROM bits             %llu weights and scales at %s (%.3f a weight)\n",
                    static_cast<unsigned long long>(bits), dp.name().c_str(), double(bits) / weights);
        std::printf("teacher-forced top-1 %d/%d (%.1f%%) agree with the float model's\n", r.teacher_forced_top1, r.positions,
                    100.0 * r.teacher_forced_top1 / r.positions);
        if (r.first_divergence < 0) {
            std::printf("free-running greedy  identical to the trace for all %d positions\n",
                        r.positions);
        } else {
            std::printf("free-running greedy  first differs at position %d\n", r.first_divergence);
        }
        std::printf("logit error          max abs %.4f, RMS %.4f\n", r.logit_max_abs_err,
                    r.logit_rms_err);
        std::printf("saturations          %llu\n", r.saturations);
    }
    return 0;
}

}  // namespace hw::cli
