// SPDX-License-Identifier: MIT
// hardwire accuracy: the integer golden model against a float reference trace.
#include <cstdio>

#include "accuracy.h"
#include "commands.h"

namespace hw::cli {

int cmd_accuracy(int argc, char** argv) {
    Args args("hardwire accuracy",
              "hardwire accuracy (--model FILE | --synthetic SPEC) --trace FILE.jsonl "
              "[--format F] [--json]",
              "Measures the integer golden model (the chip's arithmetic) against a float trace\n"
              "such as $HARDWIRE_MODELS/stories260K/reference/greedy-from-bos.jsonl:\n"
              "teacher-forced top-1 agreement (trace tokens in, argmax compared with 'next'),\n"
              "the first position where the free-running greedy decode differs from the trace,\n"
              "and the error of the integer logits against the float reference.");
    add_model_options(args);
    args.option("trace", "FILE", "reference trace, one JSON object per position")
        .option("format", "F",
                "weight format: int8 or int4, then /gN (groups of N) or /row; "
                "the group defaults to 32",
                "int8")
        .option("rounding", "R", "gptq (error-compensating, calibrated on sampled text) or nearest",
                "gptq")
        .flag("json", "print one JSON object instead of text");
    if (!args.parse(argc, argv, 2)) return 0;

    const Model model = load_model(args);
    const WeightFormat format = parse_weight_format(args.get("format"));
    const auto trace = read_trace(args.get("trace"), model.config.vocab_size);
    const std::string rounding = args.get("rounding");
    if (rounding != "gptq" && rounding != "nearest") {
        throw UsageError("option '--rounding': expected gptq or nearest, found '" + rounding + "'");
    }
    std::unique_ptr<Calibration> cal;
    if (rounding == "gptq") cal = std::make_unique<Calibration>(calibrate(model));
    const AccuracyReport r = measure_accuracy(model, format, trace, cal.get());

    if (args.flag_set("json")) {
        std::printf(
            "{\"format\":\"%s\",\"rounding\":\"%s\",\"positions\":%d,\"teacher_forced_top1\":%d,"
            "\"first_divergence\":%s,\"logit_max_abs_err\":%.6f,\"logit_rms_err\":%.6f,"
            "\"saturations\":%llu}\n",
            r.format.c_str(), rounding.c_str(), r.positions, r.teacher_forced_top1,
            r.first_divergence < 0 ? "null" : std::to_string(r.first_divergence).c_str(),
            r.logit_max_abs_err, r.logit_rms_err, r.saturations);
    } else {
        std::printf("format               %s\n", r.format.c_str());
        std::printf("rounding             %s\n", r.rounding.c_str());
        std::printf("teacher-forced top-1 %d/%d (%.1f%%)\n", r.teacher_forced_top1, r.positions,
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
