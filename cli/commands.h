// SPDX-License-Identifier: MIT
// The hardwire subcommands and the helpers they share.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "args.h"
#include "datapath.h"
#include "model.h"
#include "quant.h"
#include "shell.h"
#include "tokenizer.h"

namespace hw::cli {

// Each subcommand: parses argv[2..] itself and returns the process exit code.
int cmd_ref(int argc, char** argv);
int cmd_accuracy(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_gen(int argc, char** argv);
int cmd_build(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_random(int argc, char** argv);
int cmd_regress(int argc, char** argv);
int cmd_cycles(int argc, char** argv);
int cmd_explore(int argc, char** argv);

// Runs a shell command with our output flushed first; returns its exit code (1 if it
// did not exit normally).
int run_shell(const std::string& command);

// Declares --model and --synthetic on `args` (the ways every command takes a model).
void add_model_options(Args& args);
// The checkpoint --model names: a file, or a name under $HARDWIRE_MODELS
// ($HARDWIRE_MODELS/NAME/NAME.bin, e.g. --model stories260K) when no such file exists.
std::string model_path(const Args& args);
// Loads the model named by --model (a llama2.c checkpoint) or --synthetic (a spec).
Model load_model(const Args& args);
// Declares --rows, --lanes and --attn-par: the chip's datapath (golden/datapath.h).
void add_datapath_options(Args& args);
// The datapath those options give; hw::Error names an option out of its range.
Datapath datapath_options(const Args& args);
// Declares --format and --format-map: the weight format (model/quant.h), a plain format,
// the recipe q3q6, or a mix by (layer, tensor) spelled out or in a JSON file.
void add_format_options(Args& args);
// The sampler's settings (golden/sampler.h) as chip_sim's flags: "" when greedy, else
// " --temperature T --top-k K --top-p P" with values chip_sim reads back exactly; a usage
// error when --top-k or --top-p (`cut_given`) come without a temperature; hw::Error naming
// the option for a value out of range.
std::string sampler_sim_flags(double temperature, int top_k, double top_p, bool cut_given);
// The format those options give; hw::Error names what is wrong.
WeightFormat format_options(const Args& args);
// Loads --tokenizer if given (checked against the model's vocabulary), else nullptr.
std::unique_ptr<Tokenizer> load_tokenizer(const Args& args, const Model& model);

// Streams decoded token bytes to a FILE, escaping unprintable bytes but holding back an
// incomplete UTF-8 sequence until its last byte arrives (byte-fallback tokens split
// characters across tokens).
class TextSink {
  public:
    explicit TextSink(std::FILE* out) : out_(out) {}
    // Appends bytes and writes every complete character.
    void write(const std::string& bytes);
    // Writes whatever is held back (escaped if it never completed).
    void flush();

  private:
    std::FILE* out_;
    std::string pending_;  // bytes of an incomplete UTF-8 sequence
};

}  // namespace hw::cli
