// SPDX-License-Identifier: MIT
// Helpers shared by the subcommands: model and tokenizer loading, text output.
#include "commands.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sampler.h"
#include "synthetic.h"

namespace hw::cli {

void add_model_options(Args& args) {
    args.option("model", "FILE",
                "llama2.c float32 checkpoint, or a name under $HARDWIRE_MODELS (e.g. stories260K)")
        .option("synthetic", "SPEC",
                "seeded random model instead of --model: key=value list "
                "(dim,hidden,layers,heads,kv_heads,vocab,seq_len,shared,seed,gain) or a JSON file");
}

void add_datapath_options(Args& args) {
    args.option("rows", "R", "MAC cluster rows: output rows per cycle, 1..64", "1")
        .option("lanes", "L", "MAC lanes: weights of a row per cycle, a power of two 8..4096", "64")
        .option("attn-par", "P", "attention: context positions per cycle in each pass, 1..64", "1")
        .option("lora-slots", "N",
                "LoRA adapter SRAM slots, 0..8 (default: 2 when the format's MAC takes int8/g32 "
                "adapter words, else 0)")
        .option("lora-rank", "R", "the largest adapter rank a slot holds, 1..min(32, lanes)", "8");
}

void add_format_options(Args& args) {
    args.option("format", "F",
                "weight format: int8, int6, int4, int3 or the recipe q3q6 (FFN at 3 bits, the rest at "
                "6), then /gN (groups of N, default 32) or /row, then overrides ,TENSOR=BITS or "
                ",LAYER.TENSOR=BITS (e.g. int6,w1=3,0.w1=6)",
                "int8")
        .option("format-map", "FILE",
                "the format as a JSON file: {\"format\": \"int6/g32\", \"tensors\": {\"w1\": \"int3\", \"0.w1\": \"int6\"}} "
                "(docs/weightgen.md)");
}

WeightFormat format_options(const Args& args) {
    return format_from_options(args.flag_set("format") ? args.get("format") : "",
                               args.flag_set("format-map") ? args.get("format-map") : "");
}

Datapath datapath_options(const Args& args) {
    Datapath d;
    d.rows = static_cast<int>(args.get_int("rows", 1, kMaxRows));
    d.lanes = static_cast<int>(args.get_int("lanes", kMinLanes, kMaxLanes));
    d.attn_par = static_cast<int>(args.get_int("attn-par", 1, kMaxAttnPar));
    if (args.flag_set("lora-slots")) d.lora_slots = static_cast<int>(args.get_int("lora-slots", 0, kMaxLoraSlots));
    d.lora_rank = static_cast<int>(args.get_int("lora-rank", 1, kMaxLoraRank));
    check_datapath(d);  // lanes: a power of two; the rank within the lanes
    return d;
}

std::string model_path(const Args& args) {
    const std::string given = args.get("model");
    const char* env = std::getenv("HARDWIRE_MODELS");
    if (std::filesystem::exists(given) || !env || !*env || given.find('/') != std::string::npos)
        return given;
    const std::string named = std::string(env) + "/" + given + "/" + given + ".bin";
    return std::filesystem::exists(named) ? named : given;
}

Model load_model(const Args& args) {
    args.require_one_of({"model", "synthetic"});
    if (args.flag_set("model")) return read_checkpoint(model_path(args));
    return make_synthetic_model(parse_synthetic_spec(args.get("synthetic")));
}

std::unique_ptr<Tokenizer> load_tokenizer(const Args& args, const Model& model) {
    if (!args.flag_set("tokenizer")) return nullptr;
    return std::make_unique<Tokenizer>(
        Tokenizer::read(args.get("tokenizer"), model.config.vocab_size));
}

void TextSink::write(const std::string& bytes) {
    pending_ += bytes;
    // Find where the last (possibly incomplete) UTF-8 sequence starts.
    std::size_t cut = pending_.size();
    for (std::size_t back = 1; back <= 3 && back <= pending_.size(); back++) {
        const unsigned char c = static_cast<unsigned char>(pending_[pending_.size() - back]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking back
        const std::size_t need = (c & 0xE0) == 0xC0   ? 2
                                 : (c & 0xF0) == 0xE0 ? 3
                                 : (c & 0xF8) == 0xF0 ? 4
                                                      : 1;
        if (need > back) cut = pending_.size() - back;  // lead byte still waiting for more
        break;
    }
    std::fputs(escape_unprintable(pending_.substr(0, cut)).c_str(), out_);
    std::fflush(out_);
    pending_.erase(0, cut);
}

void TextSink::flush() {
    std::fputs(escape_unprintable(pending_).c_str(), out_);
    pending_.clear();
    std::fflush(out_);
}

int run_shell(const std::string& command) {
    std::fflush(stdout);
    std::fflush(stderr);
    const int rc = std::system(command.c_str());
    if (rc == -1 || !WIFEXITED(rc)) return 1;
    return WEXITSTATUS(rc);
}

std::string sampler_sim_flags(double temperature, int top_k, double top_p, bool cut_given) {
    if (temperature == 0 && cut_given)
        throw UsageError("--top-k and --top-p shape the sampler: they need --temperature T > 0");
    sampler_settings(temperature, top_k, top_p, 0);  // the range checks, naming the option
    if (temperature == 0) return "";
    char b[128];
    std::snprintf(b, sizeof b, " --temperature %.17g --top-k %d --top-p %.17g", temperature, top_k, top_p);
    return b;
}

}  // namespace hw::cli
