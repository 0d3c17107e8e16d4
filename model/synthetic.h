// SPDX-License-Identifier: MIT
// Seeded random models of any shape, byte-identical on every machine.
#pragma once

#include <cstdint>
#include <string>

#include "model.h"

namespace hw {

// Shape and seed of a synthetic model.
struct SyntheticSpec {
    Config config;           // shape (shared_classifier from the "shared" key, default 1)
    std::uint64_t seed = 1;  // PRNG seed; the same spec and seed give the same bytes
    int gain = 1;            // multiplies the weight matrices (not the norm gains): a gain
                             // in the thousands drives activations into saturation

    // Canonical text form, e.g. "dim=64,hidden=172,layers=5,heads=8,kv_heads=4,vocab=512,
    // seq_len=512,shared=1,seed=7" (",gain=G" when not 1); parse_synthetic_spec() of it
    // gives the spec back.
    std::string to_string() const;
};

// Parses "key=value,..." (keys dim, hidden, layers, heads, kv_heads, vocab, seq_len,
// shared, seed, gain; omitted keys take the defaults below) or, when `text` names an existing
// file, a JSON object with the same keys. Throws hw::Error naming the key and value.
// Defaults: dim=64 hidden=172 layers=2 heads=8 kv_heads=heads vocab=512 seq_len=256
// shared=1 seed=1 gain=1.
SyntheticSpec parse_synthetic_spec(const std::string& text);

// Builds the model. Weights are approximately normal (sum of four 24-bit uniforms, a few
// 1-in-256 outliers at 3x, as trained weights have), scaled per tensor like stories260K's
// trained weights relative to 1/sqrt(fan_in), so activations stay in a realistic range.
Model make_synthetic_model(const SyntheticSpec& spec);

// SplitMix64 (Steele, Lea, Flood 2014): the project's PRNG wherever results must be
// identical across machines; std:: distributions differ between standard libraries.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    // Next 64 random bits.
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform integer in [0, n), n > 0 (rejection sampling: no modulo bias).
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
        std::uint64_t r;
        do r = next();
        while (r >= limit);
        return r % n;
    }

  private:
    std::uint64_t state_;  // counter advanced by the golden gamma
};

}  // namespace hw
