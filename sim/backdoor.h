// SPDX-License-Identifier: MIT
// The backdoor to the chip's SRAM macros (hw_sram's mem_q, public to the simulator), never a
// path on the chip. Reads: at the end of every token the harness compares what the KV cache
// and the logits SRAM hold with the golden model, so a store that no later step reads back
// (the last position's KV rows, logits the host does not ask for) cannot go wrong unseen.
// Writes: fast-forward (hardwire run --fast-forward N) loads the KV rows of positions
// 0..N-1 that the golden model decoded, so the RTL continues from position N. Header-only: it
// needs the Verilated model's context, which only the per-configuration harness has.
#pragma once

#include <verilated.h>
#include <verilated_syms.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "datapath.h"
#include "error.h"
#include "model.h"
#include "scoreboard.h"

namespace hw {

// One SRAM macro of the Verilated chip (an hw_sram instance): its scope, words and bits per
// word, as Verilator elaborated them.
struct SramMacro {
    std::string scope;
    int depth = 0, width = 0;
    std::uint64_t bits() const { return std::uint64_t(depth) * std::uint64_t(width); }
};

// Every hw_sram instance of the simulator (each scope holding a public mem_q), in scope order:
// what the chip's SRAM area is made of, counted from the RTL rather than from a formula.
inline std::vector<SramMacro> sram_macros(VerilatedContext& ctx) {
    std::vector<SramMacro> out;
    for (const auto& [name, scope] : *ctx.scopeNameMap()) {
        const VerilatedVar* v = scope->varFind("mem_q");
        if (!v || v->udims() != 1) continue;
        out.push_back({name, v->unpacked().elements(), v->packed().elements()});
    }
    return out;
}

class Backdoor {
  public:
    // `top` is the chip top module's name (<name>_chip).
    Backdoor(VerilatedContext& ctx, const std::string& top, const Config& c, const Datapath& d)
        : c_(c), d_(d) {
        const std::string core = "TOP." + top + ".u_core.";
        logits_ = find(ctx, core + "u_scratch.u_logits");
        for (int b = 0; b < d.attn_par; b++) {
            const std::string bank = core + "u_attn.gen_bank[" + std::to_string(b) + "].";
            keys_.push_back(find(ctx, bank + "u_kcache"));
            values_.push_back(find(ctx, bank + "u_vcache"));
        }
    }

    // Compares the logits SRAM with `want` (every logit) and the K and V rows of `pos` in every
    // layer with the golden model's cache; throws Mismatch naming the first difference.
    void check(const IntModel& golden, const std::vector<std::int32_t>& want, int token, int pos) const {
        const std::string at = "MISMATCH token " + std::to_string(token) + " position " +
                               std::to_string(pos) + " (stored, read through the backdoor): ";
        for (int j = 0; j < c_.vocab_size; j++) {
            const auto got = static_cast<std::int32_t>(bits(logits_, j / d_.rows, 32 * (j % d_.rows), 32));
            if (got != want[std::size_t(j)])
                throw Mismatch(at + "logits SRAM logit " + std::to_string(j) + ": expected " +
                               std::to_string(want[std::size_t(j)]) + ", holds " + std::to_string(got));
        }
        const int kv_dim = c_.kv_dim(), bank_rows = (c_.seq_len + d_.attn_par - 1) / d_.attn_par;
        for (int l = 0; l < c_.n_layers; l++) {
            const int bank = pos % d_.attn_par, addr = l * bank_rows + pos / d_.attn_par;
            for (bool value : {false, true}) {
                const Mem& m = (value ? values_ : keys_)[std::size_t(bank)];
                const std::int16_t* row = value ? golden.value_row(l, pos) : golden.key_row(l, pos);
                const int shift = value ? golden.value_shift(l, pos) : golden.key_shift(l, pos);
                const char* what = value ? "value" : "key";
                for (int e = 0; e < kv_dim; e++) {
                    const auto got = static_cast<std::int16_t>(bits(m, addr, 16 * e, 16));
                    if (got != row[e])
                        throw Mismatch(at + "KV cache layer " + std::to_string(l) + " " + what +
                                       " row entry " + std::to_string(e) + ": expected " +
                                       std::to_string(row[e]) + ", holds " + std::to_string(got));
                }
                const auto got = static_cast<std::int8_t>(bits(m, addr, 16 * kv_dim, 8));
                if (got != shift)
                    throw Mismatch(at + "KV cache layer " + std::to_string(l) + " " + what +
                                   " row shift: expected " + std::to_string(shift) + ", holds " +
                                   std::to_string(int(got)));
            }
        }
    }

    // Writes the K and V rows of positions 0..positions-1 of every layer, each with its shift,
    // from the golden model's cache into the chip's KV SRAM banks: the chip's state after
    // decoding those positions (the KV cache is the only state a position leaves for the
    // next; POSITION is a register the host writes).
    void load_kv(const IntModel& golden, int positions) {
        const int kv_dim = c_.kv_dim(), bank_rows = (c_.seq_len + d_.attn_par - 1) / d_.attn_par;
        for (int l = 0; l < c_.n_layers; l++) {
            for (int pos = 0; pos < positions; pos++) {
                const int bank = pos % d_.attn_par, addr = l * bank_rows + pos / d_.attn_par;
                for (bool value : {false, true}) {
                    const Mem& m = (value ? values_ : keys_)[std::size_t(bank)];
                    const std::int16_t* row =
                        value ? golden.value_row(l, pos) : golden.key_row(l, pos);
                    const int shift = value ? golden.value_shift(l, pos) : golden.key_shift(l, pos);
                    unsigned char* w = m.data + std::size_t(addr) * m.word_bytes;
                    std::fill(w, w + m.word_bytes, 0);  // the word's unused bits too
                    for (int e = 0; e < kv_dim; e++)
                        set_bits(m, addr, 16 * e, 16, static_cast<std::uint16_t>(row[e]));
                    set_bits(m, addr, 16 * kv_dim, 8, static_cast<std::uint8_t>(shift));
                }
            }
        }
    }

  private:
    struct Mem {
        unsigned char* data = nullptr;        // the Verilated array, words in address order
        std::size_t word_bytes = 0;           // bytes per word (Verilator's storage)
        int depth = 0;                        // words
    };

    static Mem find(VerilatedContext& ctx, const std::string& scope) {
        const VerilatedScope* s = ctx.scopeFind(scope.c_str());
        const VerilatedVar* v = s ? s->varFind("mem_q") : nullptr;
        if (!v)
            throw Error("backdoor: no SRAM " + scope +
                        ".mem_q in the simulator (hw_sram's mem_q "
                        "must be public: /*verilator public_flat_rw*/)");
        if (!v->isPublicRW())
            throw Error("backdoor: SRAM " + scope +
                        ".mem_q is not writable from the simulator (hw_sram's "
                        "mem_q must be /*verilator public_flat_rw*/)");
        return {static_cast<unsigned char*>(v->datap()), v->entSize(), v->unpacked().elements()};
    }

    // Sets `n` (<= 32) bits at bit `offset` of word `addr` to `value`.
    static void set_bits(const Mem& m, int addr, int offset, int n, std::uint32_t value) {
        unsigned char* w = m.data + std::size_t(addr) * m.word_bytes;
        for (int i = 0; i < n; i++) {
            const int b = offset + i;
            const unsigned char bit = static_cast<unsigned char>(1u << (b % 8));
            if ((value >> i) & 1u)
                w[b / 8] |= bit;
            else
                w[b / 8] &= static_cast<unsigned char>(~bit);
        }
    }

    // `n` (<= 32) bits at bit `offset` of word `addr`.
    static std::uint32_t bits(const Mem& m, int addr, int offset, int n) {
        const unsigned char* w = m.data + std::size_t(addr) * m.word_bytes;
        std::uint32_t v = 0;
        for (int i = 0; i < n; i++) {
            const int b = offset + i;
            v |= std::uint32_t((w[b / 8] >> (b % 8)) & 1u) << i;
        }
        return v;
    }

    Config c_;
    Datapath d_;
    Mem logits_;
    std::vector<Mem> keys_, values_;  // per bank
};

}  // namespace hw
