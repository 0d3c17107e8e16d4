// SPDX-License-Identifier: MIT
// The sampler's settings: the values of the chip's SAMPLE_* registers (docs/host-registers.md),
// shared by the driver that writes them and the golden sampler (golden/sampler.h) that
// defines what the chip does with them (docs/numerics.md, section 10).
#pragma once

#include <algorithm>
#include <cstdint>

namespace hw {

// The most candidates top-k keeps (the chip holds them in a small sorted buffer).
constexpr int kMaxTopK = 64;

struct SamplerSettings {
    // 1/temperature in Q16 (1.0: 65536); 0 is greedy (the argmax, the default). A register
    // holds it, so the chip never divides.
    std::uint32_t inv_temperature_q16 = 0;
    int top_k = 0;                   // keep the k largest logits, 1..kMaxTopK; 0: no limit
    std::uint32_t top_p_q16 = 65536;  // keep the most likely tokens whose weights reach this
                                     // share of the candidates' total, Q16 in 1..65536 (65536: all)
    std::uint64_t seed = 0;          // the generator's seed
    bool greedy() const { return inv_temperature_q16 == 0; }
    // With top-k or top-p the candidates are the chip's sorted buffer (the largest logits);
    // without, every token in token order.
    bool buffered() const { return top_k > 0 || top_p_q16 < 65536; }
    // The buffer's entries for a vocabulary of `vocab`: top-k, or kMaxTopK for top-p alone.
    int buffer_size(int vocab) const { return std::min(top_k > 0 ? top_k : kMaxTopK, vocab); }
};

}  // namespace hw
