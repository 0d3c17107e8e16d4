// SPDX-License-Identifier: MIT
// The integer sampler: the next token drawn from the Q16 logits with a temperature, top-k
// and top-p (nucleus), from a counter-based generator, so that the same seed and settings
// give the same token on any machine and on the chip (docs/numerics.md, section 10, defines
// every step; the chip's sampler will implement this, the golden model is its reference).
#pragma once

#include <cstdint>
#include <vector>

#include "nonlinear.h"

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
};

// Settings from the command line's values (temperature T > 0 or 0 for greedy, k, p in
// (0, 1]); hw::Error naming the option when one is out of range.
SamplerSettings sampler_settings(double temperature, int top_k, double top_p, std::uint64_t seed);

// The generator: 64 random bits for (seed, position), SplitMix64's output function of
// seed + (position + 1) * 0x9e3779b97f4a7c15 (a counter, not a state: any position can be
// drawn again without the ones before it).
std::uint64_t sampler_random(std::uint64_t seed, int position);

// The token drawn at `position` from `logits` (Q16). Greedy settings give argmax_int.
int sample_token(const Tables& t, const std::vector<std::int32_t>& logits, const SamplerSettings& s,
                 int position);

// The weights the draw uses (Q30, 0 for tokens outside the candidates), for tests that
// compare the integer sampler's distribution with the float softmax.
std::vector<std::int64_t> sampler_weights(const Tables& t, const std::vector<std::int32_t>& logits,
                                          const SamplerSettings& s);

}  // namespace hw
