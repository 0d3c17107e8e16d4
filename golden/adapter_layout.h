// SPDX-License-Identifier: MIT
// The adapter SRAM's layout (rtl/hw_adapter_sram.sv, the sequencer's lr_a_off/lr_s_off) and
// the image of one slot the host writes into it (docs/host-interface.md, "Adapters").
//
// A slot holds, for each layer and each of the seven matrices (kLoraTargets order), A's
// words then s B's, each word one MAC beat: Rows rows of Lanes int8 weights, then each row's
// scale field (MaxGroups 16-bit mantissas, the 8-bit exponent), as the ROM bank routes a
// matrix word and its scales to the core. A is padded to the chip's rank (lora_rank rows),
// s B's rows are one beat (lora_rank <= Lanes), and a matrix or layer the adapter does not
// adapt is zeros, which add exact zeros: a slot's layout, and so every step's cycles, depend
// only on the chip. The host addresses 32-bit words: beat b's word k is at b * beat_words + k.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datapath.h"
#include "model.h"
#include "quant.h"

namespace hw {

// The matrices an adapter may adapt, in the order of the layout and of ADAPTER_TARGETS' bits.
constexpr int kLoraTargetCount = 7;
extern const char* const kLoraTargets[kLoraTargetCount];  // "wq", "wk", "wv", "wo", "w1", "w3", "w2"
// Index of a llama2.c matrix name in kLoraTargets, or -1.
int lora_target_index(const std::string& matrix);

struct AdapterLayout {
    // Throws hw::Error when the chip has no adapter slots.
    AdapterLayout(const Config& c, const Datapath& d);

    int rows = 0, lanes = 0, rank = 0;  // the MAC cluster, the chip's largest rank
    int max_groups = 0;                 // scale mantissas per row of a beat word
    int beat_bits = 0;                  // weights then scales
    int beat_words = 0;                 // 32-bit words a beat takes: a power of two
    long long layer_beats = 0, slot_beats = 0;

    // Matrix m (kLoraTargets): its input and output widths; its words for A (row groups of
    // the rank x input beats) and for s B (row groups of its outputs, one beat each); their
    // first beat in a layer.
    int in(int m) const { return in_[m]; }
    int out(int m) const { return out_[m]; }
    long long a_beats(int m) const;
    long long s_beats(int m) const;
    long long a_offset(int m) const { return a_off_[m]; }
    long long s_offset(int m) const { return a_off_[m] + a_beats(m); }
    // 32-bit words of a slot's image (ADAPTER_SLOT_WORDS).
    long long slot_words() const { return slot_beats * beat_words; }

  private:
    int in_[kLoraTargetCount] = {}, out_[kLoraTargetCount] = {};
    long long a_off_[kLoraTargetCount] = {};
};

// One slot's contents: slot_words() words, and the matrices the adapter adapts (bit m:
// kLoraTargets[m] in some layer).
struct AdapterImage {
    std::vector<std::uint32_t> words;
    unsigned targets = 0;
};
// The image of a quantized adapter. Throws hw::Error naming the adapter's source when its
// rank exceeds the chip's, its layer count or a matrix's shape is not the model's, or its
// matrices are not int8 in groups of 32.
AdapterImage adapter_image(const QAdapter& a, const AdapterLayout& layout);

// What a slot holding `words` (slot_words() of them) serves when its ADAPTER_TARGETS is
// `targets`: the adapter the chip's low-rank path reads, at the chip's rank (A's padding rows
// and s B's padding columns are zeros, which add exact zeros), every targeted matrix in every
// layer (zeros where the image has none). The transaction-level model reads its adapter SRAM
// with this; adapter_image of an adapter, read back, decodes to the same products.
QAdapter adapter_from_image(const std::vector<std::uint32_t>& words, unsigned targets,
                            const AdapterLayout& layout, const std::string& source);

}  // namespace hw
