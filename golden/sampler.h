// SPDX-License-Identifier: MIT
// The integer sampler: the next token drawn from the Q16 logits with a temperature, top-k
// and top-p (nucleus), from a counter-based generator, so that the same seed and settings
// give the same token on any machine and on the chip (docs/numerics.md, section 10, defines
// every step; rtl/hw_sampler.sv implements it, and this is its reference).
#pragma once

#include <cstdint>
#include <vector>

#include "nonlinear.h"
#include "sampler_settings.h"

namespace hw {

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
