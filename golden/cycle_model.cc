// SPDX-License-Identifier: MIT
// The cycle model. Each step's cycles follow the branch of rtl/hw_sequencer.sv that runs it;
// the comments name the counter that ends the step there.
#include "cycle_model.h"

#include <memory>

#include "error.h"

namespace hw {
namespace {

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

// The attention pipelines drain this many cycles after their last block (hw_sequencer's
// ScoreDrain and ValueDrain): K read, score, 2^-z, sum; scores read, 2^-z and V read, p*v.
constexpr int kScoreDrain = 3;
constexpr int kValueDrain = 2;

// The widths the sequencer counts in.
struct Geometry {
    long long dim_chunks, kv_chunks, sg_chunks, beats_dim, beats_hidden;
};

Geometry geometry(const Config& c, const Datapath& d) {
    const int v = d.vec_lanes();
    return {ceil_div(c.dim, v), ceil_div(c.kv_dim(), v), ceil_div(c.hidden_dim, d.sg_lanes(c)),
            ceil_div(c.dim, d.lanes), ceil_div(c.hidden_dim, d.lanes)};
}

}  // namespace

const char* class_name(CycleClass c) {
    switch (c) {
        case CycleClass::kMatvec: return "matvec";
        case CycleClass::kAttention: return "attention";
        default: return "vector";
    }
}

const char* op_name(SeqOp op) {
    static const char* const names[] = {"idle", "embed", "rms",   "actq",   "mv",  "rope",
                                        "kvw",  "attn",  "resid", "swiglu", "done",
                                        "sample"};
    return names[static_cast<int>(op)];
}

long long sampler_cycles(int vocab, const SamplerPasses& s) {
    if (!s.on) return 0;
    // Every pass issues one element a cycle; a weight is back 3 cycles after its issue and
    // the sort uses a logit the cycle after its read. One cycle starts the draw, one ends it.
    if (!s.buffered) return 1 + 2LL * (vocab + 3) + 1;
    return 1 + (vocab + 1) + 3LL * (s.buffer + 3) + 1;
}

long long lora_cycles(const AdapterLayout& l, int m) {
    return (l.a_beats(m) + 2) + 1 + (l.s_beats(m) + 2);
}

TokenCycles token_cycles(const Config& c, const WeightFormat& f, const Datapath& d, int pos,
                         const SamplerPasses& sampler, unsigned adapter_targets) {
    check_datapath(d);
    if (pos < 0 || pos >= c.seq_len) {
        throw make_error("cycle model", "position", "0.." + std::to_string(c.seq_len - 1),
                         std::to_string(pos));
    }
    (void)f;  // every format is one ROM word per beat
    const Geometry g = geometry(c, d);
    const long long blocks = pos / d.attn_par + 1;  // context blocks, AttnPar positions each
    TokenCycles t;
    t.steps.reserve(std::size_t(20) * c.n_layers + 5);  // 20 steps a layer, the embedding, 4 final
    auto add = [&](int layer, int step, SeqOp op, const std::string& name, long long cycles,
                   long long beats = 0) {
        const CycleClass cls = op == SeqOp::kMv     ? CycleClass::kMatvec
                               : op == SeqOp::kAttn ? CycleClass::kAttention
                                                    : CycleClass::kVector;
        t.steps.push_back({layer, step, op, name, cls, cycles, beats});
    };
    // Matrix x vector: ROM words issued one a cycle (row groups x beats), the last result two
    // cycles after the last issue (ROM read, MAC beat): the step ends at j == groups - 1.
    // An adapted matrix's step goes on with its low-rank path (lora_cycles).
    std::unique_ptr<AdapterLayout> lora;
    if (adapter_targets != 0) lora = std::make_unique<AdapterLayout>(c, d);
    auto mv = [&](int layer, int step, const std::string& name, long long rows, long long beats) {
        const long long words = ceil_div(rows, d.rows) * beats;
        long long cycles = words + 2, busy = words;
        const int m = lora ? lora_target_index(name) : -1;
        if (m >= 0 && (adapter_targets >> m) & 1u) {
            cycles += lora_cycles(*lora, m);
            busy += lora->a_beats(m) + lora->s_beats(m);
        }
        add(layer, step, SeqOp::kMv, name, cycles, busy);
    };
    // RMSNorm: the rsqrt asked (phase 0), taken (phase 1), the gains' pass (i = 0..DimChunks).
    const long long rms = 2 + g.dim_chunks + 1;

    // OpEmbed: ROM beat i, written at i + 1; ends at i == BeatsDim.
    add(-1, 0, SeqOp::kEmbed, "embedding", g.beats_dim + 1);
    for (int l = 0; l < c.n_layers; l++) {
        add(l, 0, SeqOp::kRms, "att_norm", rms);
        add(l, 1, SeqOp::kActQ, "att_actq", 1);
        mv(l, 2, "wq", c.dim, g.beats_dim);
        mv(l, 3, "wk", c.kv_dim(), g.beats_dim);
        mv(l, 4, "wv", c.kv_dim(), g.beats_dim);
        // OpRope: the RoPE word at i = 0, q's chunks, k's chunks; ends at i == Dim + Kv chunks.
        add(l, 5, SeqOp::kRope, "rope", 1 + g.dim_chunks + g.kv_chunks);
        // OpKvw: k's chunks (phase 0), v's chunks (phase 1).
        add(l, 6, SeqOp::kKvw, "kv_write", 2 * g.kv_chunks);
        add(l, 7, SeqOp::kActQ, "q_actq", 1);
        // OpAttn: scores (blocks + drain), reciprocals (2), values (blocks + drain), outputs.
        add(l, 8, SeqOp::kAttn, "attention",
            (blocks + kScoreDrain) + 2 + (blocks + kValueDrain) + g.dim_chunks);
        add(l, 9, SeqOp::kActQ, "att_out_actq", 1);
        mv(l, 10, "wo", c.dim, g.beats_dim);
        add(l, 11, SeqOp::kResid, "att_residual", g.dim_chunks);
        add(l, 12, SeqOp::kRms, "ffn_norm", rms);
        add(l, 13, SeqOp::kActQ, "ffn_actq", 1);
        mv(l, 14, "w1", c.hidden_dim, g.beats_dim);
        mv(l, 15, "w3", c.hidden_dim, g.beats_dim);
        // OpSwiglu: sigmoids of chunk i asked, chunk i - 1 written; ends at i == SgChunks.
        add(l, 16, SeqOp::kSwiglu, "swiglu", g.sg_chunks + 1);
        add(l, 17, SeqOp::kActQ, "swiglu_actq", 1);
        mv(l, 18, "w2", c.dim, g.beats_hidden);
        add(l, 19, SeqOp::kResid, "ffn_residual", g.dim_chunks);
    }
    const int fin = c.n_layers;
    add(fin, 0, SeqOp::kRms, "final_norm", rms);
    add(fin, 1, SeqOp::kActQ, "final_actq", 1);
    mv(fin, 2, "classifier", c.vocab_size, g.beats_dim);
    if (sampler.on) add(fin, 3, SeqOp::kSample, "sample", sampler_cycles(c.vocab_size, sampler));
    add(fin, 4, SeqOp::kDone, "done", 1);

    t.total = kTokenOverhead;
    for (const StepCycles& s : t.steps) {
        t.total += s.cycles;
        t.mac_beats += s.beats;
        switch (s.cls) {
            case CycleClass::kMatvec: t.matvec += s.cycles; break;
            case CycleClass::kAttention: t.attention += s.cycles; break;
            default: t.vector += s.cycles; break;
        }
    }
    return t;
}

long long weight_macs(const Config& c) {
    const long long dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
    return static_cast<long long>(c.vocab_size) * dim +
           c.n_layers * (2 * dim * dim + 2 * kv * dim + 3 * dim * hidden);
}

long long attention_macs(const Config& c, int pos) {
    return 2LL * c.n_layers * c.dim * (pos + 1);
}

double mac_bound(const Config& c, const Datapath& d, int pos) {
    return double(weight_macs(c)) / double(d.weight_macs_per_cycle()) +
           double(attention_macs(c, pos)) / double(d.attention_macs_per_cycle(c));
}

ContextCycles context_cycles(const Config& c, const WeightFormat& f, const Datapath& d,
                             int positions) {
    if (positions < 1 || positions > c.seq_len) {
        throw make_error("cycle model", "positions", "1.." + std::to_string(c.seq_len),
                         std::to_string(positions));
    }
    ContextCycles r;
    r.positions = positions;
    double cycles = 0;
    for (int p = 0; p < positions; p++) {
        const TokenCycles t = token_cycles(c, f, d, p);
        r.total += double(t.total);
        r.matvec += double(t.matvec);
        r.attention += double(t.attention);
        r.vector += double(t.vector);
        r.mac_beats += double(t.mac_beats);
        r.bound += mac_bound(c, d, p);
        cycles += double(t.total);
    }
    for (double* v : {&r.total, &r.matvec, &r.attention, &r.vector, &r.mac_beats, &r.bound})
        *v /= positions;
    r.utilization = double(weight_macs(c)) * positions / (cycles * double(d.weight_macs_per_cycle()));
    return r;
}

}  // namespace hw
