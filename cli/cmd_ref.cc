// SPDX-License-Identifier: MIT
// hardwire ref: greedy decode with the float reference.
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "decode.h"
#include "float_ref.h"
#include "lora.h"

namespace hw::cli {

int cmd_ref(int argc, char** argv) {
    Args args("hardwire ref",
              "hardwire ref (--model FILE | --synthetic SPEC) [--tokenizer FILE] [--prompt TEXT] "
              "[--steps N] [--json] [--adapter DIR | --synthetic-adapter SPEC] [--save-adapter DIR] "
              "[--save-merged FILE]",
              "Greedy decode with the float reference (llama2.c run.c semantics, float32).\n"
              "Prints the generated text (token ids without --tokenizer), or with --json one\n"
              "object per position in the format of the reference traces:\n"
              "  {\"pos\":0,\"token\":1,\"next\":403,\"top5\":[[403,17.023516],...]}\n"
              "with \"prompt\":true where the prompt, not the model, gave the next token.\n"
              "With a LoRA adapter (a Hugging Face PEFT folder, or a seeded synthetic one) the\n"
              "reference runs the merged weights W + (alpha/r) B A; --save-merged writes that\n"
              "model as a llama2.c checkpoint, --save-adapter the adapter as a PEFT folder.");
    add_model_options(args);
    args.option("tokenizer", "FILE",
                "llama2.c tokenizer.bin (e.g. $HARDWIRE_MODELS/stories260K/tok512.bin)")
        .option("prompt", "TEXT", "text to start from (needs --tokenizer); decoding starts at BOS")
        .option("steps", "N", "positions to run, prompt included (at most the model's seq_len)",
                "256")
        .flag("json", "print one JSON object per position instead of text")
        .option("adapter", "DIR", "a PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)")
        .option("synthetic-adapter", "SPEC", "a seeded random adapter instead: r=8,targets=q,v,o,seed=3[,alpha=16]")
        .option("save-adapter", "DIR", "write the adapter as a PEFT folder (F32)")
        .option("save-merged", "FILE", "write the model with the adapter merged as a llama2.c checkpoint");
    if (!args.parse(argc, argv, 2)) return 0;
    if (args.flag_set("adapter") && args.flag_set("synthetic-adapter"))
        throw UsageError("give --adapter or --synthetic-adapter, not both");
    for (const char* o : {"save-adapter", "save-merged"})
        if (args.flag_set(o) && !args.flag_set("adapter") && !args.flag_set("synthetic-adapter"))
            throw UsageError(std::string("--") + o + " needs --adapter DIR or --synthetic-adapter SPEC");

    Model model = load_model(args);
    if (args.flag_set("adapter") || args.flag_set("synthetic-adapter")) {
        const Adapter adapter = args.flag_set("adapter") ? read_peft_adapter(args.get("adapter"), model.config)
                                                         : make_synthetic_adapter(model.config, args.get("synthetic-adapter"));
        std::fprintf(stderr, "ref: adapter %s: r %d, alpha %g (scale %g), targets", adapter.source.c_str(),
                     adapter.rank, adapter.alpha, adapter.scale());
        for (const auto& t : adapter.targets) std::fprintf(stderr, " %s", t.c_str());
        std::fprintf(stderr, "\n");
        if (args.flag_set("save-adapter")) write_peft_adapter(args.get("save-adapter"), adapter, model.config);
        model = merge_adapter(model, adapter);
        if (args.flag_set("save-merged")) write_checkpoint(args.get("save-merged"), model);
    }
    const Config& c = model.config;
    const auto tokenizer = load_tokenizer(args, model);
    std::vector<int> prompt = {kBosToken};
    if (args.flag_set("prompt")) {
        if (!tokenizer) throw UsageError("option '--prompt' needs --tokenizer");
        prompt = tokenizer->encode(args.get("prompt"), true);
    }
    const int steps = static_cast<int>(args.get_int("steps", 1, c.seq_len));

    FloatReference ref(model);
    const bool json = args.flag_set("json");
    TextSink text(stdout);
    int positions = 0;
    const auto start = std::chrono::steady_clock::now();
    greedy_decode(
        prompt, steps,
        c.seq_len, [&](int token, int pos) -> const auto& { return ref.forward(token, pos); },
        [](const std::vector<float>& logits) { return argmax(logits); },
        [&](const DecodeStep& s, const std::vector<float>& logits) {
            positions++;
            if (json) {
                std::printf("{\"pos\":%d,\"token\":%d,\"next\":%d,\"top5\":[", s.pos, s.token,
                            s.next);
                const auto top = top_k(logits, 5);
                for (std::size_t i = 0; i < top.size(); i++) {
                    std::printf("%s[%d,%f]", i ? "," : "", top[i].first, top[i].second);
                }
                // A prompt position's next token is the prompt's (hardwire accuracy forces it).
                std::printf("]%s}\n", s.pos + 1 < static_cast<int>(prompt.size()) ? ",\"prompt\":true" : "");
            } else if (tokenizer) {
                if (s.next != kBosToken) text.write(tokenizer->decode(s.token, s.next));
            } else {
                std::printf("%d ", s.next);
                std::fflush(stdout);
            }
        });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!json) {
        text.flush();
        std::printf("\n");
        std::fflush(stdout);
        std::fprintf(stderr, "ref: %d positions in %.3f s (%.0f tokens/s), model %s\n", positions,
                     seconds, positions / seconds, model.source.c_str());
    }
    return 0;
}

}  // namespace hw::cli
