// SPDX-License-Identifier: MIT
// The integer sampler (docs/numerics.md, section 10).
#include "sampler.h"

#include <algorithm>
#include <cmath>

#include "error.h"
#include "fixed.h"
#include "int_model.h"

namespace hw {

SamplerSettings sampler_settings(double temperature, int top_k, double top_p, std::uint64_t seed) {
    SamplerSettings s;
    s.seed = seed;
    if (!(temperature >= 0) || (temperature > 0 && (temperature < 1.0 / 256 || temperature > 256)))
        throw make_error("--temperature", "temperature", "0 (greedy) or 1/256..256", std::to_string(temperature));
    s.inv_temperature_q16 = temperature == 0 ? 0 : static_cast<std::uint32_t>(std::lround(65536.0 / temperature));
    if (top_k < 0 || top_k > kMaxTopK)
        throw make_error("--top-k", "top-k", "0 (no limit) .. " + std::to_string(kMaxTopK), std::to_string(top_k));
    s.top_k = top_k;
    if (!(top_p > 0 && top_p <= 1)) throw make_error("--top-p", "top-p", "a share in (0, 1]", std::to_string(top_p));
    s.top_p_q16 = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(top_p * 65536)));
    return s;
}

std::uint64_t sampler_random(std::uint64_t seed, int position) {
    std::uint64_t z = seed + (static_cast<std::uint64_t>(position) + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

namespace {

// The candidates in draw order. Without top-k and top-p: every token, in token order (the
// chip streams the logits SRAM twice and sorts nothing). Otherwise the chip's sorted buffer:
// the buffer_size() largest logits, descending, the lower token first on ties (so the first
// is argmax_int's).
std::vector<int> candidates(const std::vector<std::int32_t>& logits, const SamplerSettings& s) {
    std::vector<int> c(logits.size());
    for (std::size_t i = 0; i < c.size(); i++) c[i] = static_cast<int>(i);
    if (!s.buffered()) return c;
    std::stable_sort(c.begin(), c.end(), [&](int a, int b) { return logits[a] > logits[b]; });
    c.resize(static_cast<std::size_t>(s.buffer_size(static_cast<int>(logits.size()))));
    return c;
}

// e^(-(max - l) / T) in Q30: 2^-z with z = rs(rs(d * invT, 16) * log2 e, 24), d = max - l; the
// scaled difference is clamped at 2^26 (2^-z is 0 from z = 31 on, long before).
std::int64_t weight(const Tables& t, std::int32_t max, std::int32_t l, std::uint32_t inv_t) {
    const std::int64_t d = std::int64_t(max) - l;  // 0 .. 2^32
    const std::int64_t scaled = std::min<std::int64_t>(fx::round_shift(d * inv_t, 16), std::int64_t(1) << 26);
    return exp2neg_q16(t, fx::round_shift(scaled * kLog2eQ24, 24));
}

using u128 = unsigned __int128;

}  // namespace

namespace {

// The candidates in draw order, their weights after top-p (0 for those that left), and the
// kept weights' total: what both the draw and sampler_weights need, computed once.
struct Weighed {
    std::vector<int> order;
    std::vector<std::int64_t> w;  // by token
    std::uint64_t total = 0;
};

Weighed weigh(const Tables& t, const std::vector<std::int32_t>& logits, const SamplerSettings& s) {
    Weighed d;
    d.order = candidates(logits, s);
    d.w.assign(logits.size(), 0);
    const std::int32_t max = logits[static_cast<std::size_t>(argmax_int(logits))];
    std::uint64_t all = 0;
    for (int i : d.order) all += static_cast<std::uint64_t>(d.w[i] = weight(t, max, logits[i], s.inv_temperature_q16));
    if (!s.buffered()) {
        d.total = all;
        return d;
    }
    // top-p: the shortest prefix whose weights reach floor(all * p); the rest leave.
    const std::uint64_t threshold = static_cast<std::uint64_t>((u128(all) * s.top_p_q16) >> 16);
    std::size_t keep = 0;
    while (keep < d.order.size() && (keep == 0 || d.total < threshold))
        d.total += static_cast<std::uint64_t>(d.w[d.order[keep++]]);
    for (std::size_t k = keep; k < d.order.size(); k++) d.w[d.order[k]] = 0;
    d.order.resize(keep);
    return d;
}

}  // namespace

std::vector<std::int64_t> sampler_weights(const Tables& t, const std::vector<std::int32_t>& logits,
                                          const SamplerSettings& s) {
    return weigh(t, logits, s).w;
}

int sample_token(const Tables& t, const std::vector<std::int32_t>& logits, const SamplerSettings& s,
                 int position) {
    if (s.greedy()) return argmax_int(logits);
    const Weighed d = weigh(t, logits, s);
    // r uniform in [0, total): the top 32 random bits times the total, over 2^32.
    const std::uint64_t u = sampler_random(s.seed, position) >> 32;
    const std::uint64_t r = static_cast<std::uint64_t>((u128(u) * d.total) >> 32);
    std::uint64_t cum = 0;
    for (int i : d.order) {
        cum += static_cast<std::uint64_t>(d.w[i]);
        if (cum > r) return i;
    }
    return d.order.front();  // not reached: r < total
}

}  // namespace hw
