// SPDX-License-Identifier: MIT
// LoRA adapters (Hu et al. 2021) as Hugging Face PEFT writes them, mapped onto llama2.c's
// layout: what the chip's adapter SRAM will hold, and the float reference's merged model.
//
// A PEFT adapter folder holds adapter_config.json (r, lora_alpha, target_modules,
// use_rslora, ...) and adapter_model.safetensors with, for each adapted matrix,
//   base_model.model.model.layers.L.self_attn.q_proj.lora_A.weight  (r, in)
//   base_model.model.model.layers.L.self_attn.q_proj.lora_B.weight  (out, r)
// and the adapted matrix is W + s B A, s = lora_alpha / r (lora_alpha / sqrt(r) with
// use_rslora). Hugging Face's q_proj and k_proj rows are in another order than llama2.c's:
// its rotary embedding turns element i of a head with element i + head_size/2, llama2.c's
// elements 2i and 2i+1, and llama2.c's export (permute_reverse) reorders the rows. So does
// this mapping, on B's rows: for head h, i < head_size/2 and j in {0, 1},
//   B_llama2c[h * head_size + 2i + j] = B_hf[h * head_size + j * head_size/2 + i]
// (heads: n_heads for q, n_kv_heads for k). A's columns and every other matrix's rows are
// the same in both (docs/numerics.md, "LoRA adapters").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model.h"

namespace hw {

// One adapted matrix: A (rank, in) and B (out, rank), row-major, in llama2.c's orientation.
struct LoraPair {
    int in = 0, out = 0;
    std::vector<float> a, b;
};

struct Adapter {
    int rank = 0;
    double alpha = 0;
    bool rslora = false;
    std::vector<std::string> targets;               // llama2.c names: wq wk wv wo w1 w2 w3
    std::vector<std::map<std::string, LoraPair>> layers;  // per layer, by target
    std::string source;                              // folder, or the synthetic spec

    // s of W + s B A.
    double scale() const;
};

// The llama2.c matrix of a PEFT target module (q_proj -> wq, gate_proj -> w1, ...), or "".
std::string llama2c_name(const std::string& peft_module);
std::string peft_name(const std::string& llama2c);

// Reads a PEFT adapter folder for a model of shape `c`. hw::Error naming the file, key or
// tensor for: a missing file, a config that is not LoRA or has fan_in_fan_out, a bias
// other than "none", an unknown target module, r or lora_alpha missing or not positive; a
// missing, unexpected or misshapen tensor (its dtype and data are checked by the reader).
Adapter read_peft_adapter(const std::string& dir, const Config& c);

// Writes `a` as a PEFT adapter folder (adapter_config.json, adapter_model.safetensors in
// `dtype`): the inverse of read_peft_adapter.
void write_peft_adapter(const std::string& dir, const Adapter& a, const Config& c,
                        const std::string& dtype = "F32");

// A seeded random adapter: "r=8,targets=q,v,o,seed=3[,alpha=16]" (targets: q k v o gate up
// down, or their llama2.c names; alpha defaults to 2r). B is not zero (PEFT's initial B is)
// so that it changes the model: entries of A and B uniform in +-1/sqrt(in) and +-1/sqrt(r)
// times 0.5.
Adapter make_synthetic_adapter(const Config& c, const std::string& spec);

// The model with every adapted matrix replaced by W + s B A (float, as the reference runs it).
Model merge_adapter(const Model& m, const Adapter& a);

}  // namespace hw
