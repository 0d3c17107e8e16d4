// SPDX-License-Identifier: MIT
// The integer golden model: the executable specification of the chip's arithmetic.
// Token and position in, int32 Q16 logits out, KV cache inside; no floating point on the
// path from token to logits. docs/numerics.md explains every format used here.
#pragma once

#include <cstdint>
#include <vector>

#include "fixed.h"
#include "nonlinear.h"
#include "quant.h"

namespace hw {

class FastKernels;

// Every intermediate the golden model exposes, in the order the chip computes them.
enum class Stage {
    kEmbedding,    // x after the embedding lookup, Q16 (dim)
    kAttNorm,      // attention RMSNorm output, Q16 (dim)
    kQuery,        // q after RoPE, Q16 (dim)
    kKey,          // k after RoPE as written to the KV cache: int16 (kv_dim), shift
    kValue,        // v as written to the KV cache: int16 (kv_dim), shift
    kScores,       // one head's scores q.k/sqrt(head_size), Q16 (pos+1); head set
    kProbs,        // one head's softmax probabilities, Q16 (pos+1); head set
    kAttention,    // attention output (all heads, before wo), Q16 (dim)
    kAttProj,      // wo projection, Q16 (dim)
    kAttResidual,  // x after the attention residual add, Q16 (dim)
    kFfnNorm,      // FFN RMSNorm output, Q16 (dim)
    kGate,         // w1 x, Q16 (hidden_dim)
    kUp,           // w3 x, Q16 (hidden_dim)
    kSwiGlu,       // SiLU(gate) * up, Q16 (hidden_dim)
    kDown,         // w2 projection, Q16 (dim)
    kFfnResidual,  // x after the FFN residual add, Q16 (dim)
    kFinalNorm,    // final RMSNorm output, Q16 (dim)
    kLogits,       // classifier output, Q16 (vocab_size)
};
constexpr int kStageCount = static_cast<int>(Stage::kLogits) + 1;

// Name of a stage, e.g. "att_norm" (used in scoreboard messages).
const char* stage_name(Stage s);

// Where a tap comes from.
struct TapId {
    int pos;      // token position
    int layer;    // layer, or -1 for embedding, final norm and logits
    Stage stage;  // which intermediate
    int head;     // query head for kScores/kProbs, else -1
};

// A tapped vector. Values are int32 Q16 unless the stage says otherwise; int16 KV
// entries stand for value * 2^(shift - 16).
struct TapData {
    const std::int32_t* data;  // elements
    int size;                  // element count
    int shift;                 // power-of-two exponent of KV entries; 0 otherwise
};

// Receives every intermediate as it is produced (the RTL scoreboard implements this).
class TapSink {
  public:
    virtual ~TapSink() = default;
    // Called once per (pos, layer, stage[, head]).
    virtual void on_tap(const TapId& id, const TapData& data) = 0;
};

// Model-wide integer constants derived offline from the shape.
struct IntConstants {
    std::int64_t rms_eps = 0;    // dim * 1e-5 * 2^16, rounded: eps in the sum-of-squares domain
    std::int32_t att_scale = 0;  // 1/sqrt(head_size) mantissa, in [2^15, 2^16)
    int att_scale_frac = 0;      // its fraction bits
};
// LOG2(e) in Q24: softmax turns e^-d into 2^-(d*log2 e).
constexpr std::int64_t kLog2eQ24 = 24204406;  // round(1.4426950408889634 * 2^24)
// Softmax (its sum computed online): the argument z = rs((hi - lo) * log2 e, 24), Q16, of
// 2^-z = e^-(hi - lo) for scores hi >= lo; 1.0 in Q30 (a new maximum's own term); and the
// running sum (Q30, <= 2^30 * seq_len) times a factor f = 2^-z (Q30), with the sum rounded
// to 2^12 first so that the product stays below 2^63 for seq_len <= kMaxSeqLen.
constexpr std::int64_t kOneQ30 = std::int64_t(1) << 30;
inline std::int64_t softmax_arg(std::int32_t hi, std::int32_t lo) {
    return fx::round_shift((std::int64_t(hi) - lo) * kLog2eQ24, 24);
}
inline std::int64_t rescale_sum(std::int64_t sum, std::int64_t f) {
    return fx::round_shift(fx::round_shift(sum, 12) * f, 18);
}
// The softmax's denominator over scores s[0..n), n >= 1, computed online in one pass as the
// chip does (the running maximum, the sum rescaled when it grows); *max gets the maximum.
std::int64_t softmax_sum(const Tables& t, const std::int32_t* s, int n, std::int32_t* max);
// Activation word of the MAC array: signed 16 bits, per-vector power-of-two exponent.
constexpr int kActBits = 16;

// Derives IntConstants for a shape (offline).
IntConstants make_constants(const Config& c);

class IntModel {
  public:
    // Keeps references to `q` and `tables`, which must outlive the model.
    IntModel(const QModel& q, const Tables& tables);

    // Runs token at pos (0 <= pos < seq_len, positions in order) and returns Q16 logits.
    const std::vector<std::int32_t>& forward(int token, int pos);

    // Sends every intermediate to `sink` from now on (nullptr: none).
    void set_tap_sink(TapSink* sink) { sink_ = sink; }
    // The tables it was made with (the sampler's 2^-x).
    const Tables& tables() const { return t_; }
    // Computes the matrix products, the attention, the activation quantization, RMSNorm and
    // SwiGLU with `fast` (the fast model's kernels, bit-exact with the functions below;
    // nullptr: their own loops, the specification). It must outlive this model.
    void set_fast_kernels(const FastKernels* fast) { fast_ = fast; }
    // Adds a LoRA adapter's low-rank path to every matrix it adapts (nullptr: none). It
    // must outlive this model; it may change between positions (the chip's slots).
    void set_adapter(const QAdapter* adapter);
    // Number of results clamped by saturation so far (0 on every model in the test set).
    std::uint64_t saturations() const { return saturations_; }
    // The KV cache's row of (layer, pos) (kv_dim int16 entries) and its exponent, as written
    // by forward() (the chip's stored rows are compared with these).
    const std::int16_t* key_row(int layer, int pos) const {
        return key_cache_.data() + row(layer, pos) * std::size_t(q_.config.kv_dim());
    }
    const std::int16_t* value_row(int layer, int pos) const {
        return value_cache_.data() + row(layer, pos) * std::size_t(q_.config.kv_dim());
    }
    int key_shift(int layer, int pos) const { return key_shift_[row(layer, pos)]; }
    int value_shift(int layer, int pos) const { return value_shift_[row(layer, pos)]; }

    // ---- the vector unit's and MAC array's operations, public for the block tests ----
    // Quantizes a Q16 vector to kActBits-bit words, returning the shift s with
    // value = word * 2^(s - 16). min_shift bounds s from below (KV entries use 0).
    static int quantize_activations(const std::int32_t* v, int n, std::int16_t* out, int min_shift);
    // out (rows) = W a, with a = kActBits words at shift a_shift; Q16 result.
    void matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift);
    // out = RMSNorm(x) * gain, Q16 in and out.
    void rmsnorm(std::int32_t* out, const std::int32_t* x, const QGain& gain);
    // The vector unit's element-wise steps; `sat` counts the values they clamp.
    // x (e.cols) = row `token` of the embedding matrix, dequantized to Q16.
    static void embed(std::int32_t* x, const QMatrix& e, int token, std::uint64_t* sat);
    // RoPE of v's pairs (2i, 2i+1), n elements of heads of head_size (n = dim for q, kv_dim
    // for k), with a position's row of the RoPE table (cos, sin of each pair of a head, Q15).
    static void rope(std::int32_t* v, int n, int head_size, const std::int32_t* rope_row,
                     std::uint64_t* sat);
    // hb = SiLU(hb) * hb2, n elements.
    static void swiglu(std::int32_t* hb, const std::int32_t* hb2, int n, const Tables& t,
                       std::uint64_t* sat);
    // x += y, saturating to int32, n elements.
    static void residual(std::int32_t* x, const std::int32_t* y, int n, std::uint64_t* sat);
    // One layer's attention of the token at `pos` over the KV rows of positions 0..pos:
    // k_rows and v_rows hold pos + 1 rows of kv_dim int16 entries, each row with its shift; q
    // is Q16 (dim). out (dim, Q16) gets every head's output; scores and probs, when not null,
    // get each head's pos + 1 scores and probabilities (head h from [h * (pos + 1)]).
    static void attention(const Config& c, const Tables& t, const IntConstants& k,
                          const std::int32_t* q, const std::int16_t* k_rows,
                          const std::int8_t* k_shift, const std::int16_t* v_rows,
                          const std::int8_t* v_shift, int pos, std::int32_t* out,
                          std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat);

    // y += s B (A a) for the adapter's pair of (layer, matrix), if any: A a as a matvec,
    // quantized to activation words, then s B of that, added with saturation (section 9 of
    // docs/numerics.md).
    void low_rank(int layer, const char* matrix, std::int32_t* y, const std::int16_t* a, int a_shift);

  private:
    // quantize_activations, with the fast kernels when they are set.
    int quantize(const std::int32_t* v, int n, std::int16_t* out, int min_shift) const;
    std::size_t row(int layer, int pos) const { return std::size_t(layer) * q_.config.seq_len + pos; }
    void tap(int pos, int layer, Stage s, const std::int32_t* d, int n, int head = -1,
             int shift = 0);

    const QModel& q_;
    const Tables& t_;
    IntConstants k_;
    TapSink* sink_ = nullptr;
    const FastKernels* fast_ = nullptr;
    const QAdapter* adapter_ = nullptr;
    std::vector<std::int32_t> lr_u_, lr_v_;  // the low-rank path: A a (rank), s B u (rows)
    std::vector<std::int16_t> lr_act_;       // A a as MAC words
    std::uint64_t saturations_ = 0;

    // State, Q16 unless noted (shapes as in FloatState).
    std::vector<std::int32_t> x_, xb_, xb2_, hb_, hb2_, q_vec_, k_vec_, v_vec_, logits_;
    std::vector<std::int32_t> scores_, probs_;  // (n_heads, seq_len) of the current position
    std::vector<std::int16_t> act_;          // (max(dim, hidden)) MAC input words
    std::vector<std::int16_t> key_cache_;    // (n_layers, seq_len, kv_dim) int16
    std::vector<std::int16_t> value_cache_;  // (n_layers, seq_len, kv_dim) int16
    std::vector<std::int8_t> key_shift_;     // (n_layers, seq_len) exponent of each key row
    std::vector<std::int8_t> value_shift_;   // (n_layers, seq_len) exponent of each value row
    std::vector<std::int32_t> tap_buf_;      // widening buffer for int16 taps
};

// Index of the largest logit, first on ties (the chip's argmax).
int argmax_int(const std::vector<std::int32_t>& logits);

}  // namespace hw
