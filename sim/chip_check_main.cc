// SPDX-License-Identifier: MIT
// chip_check: greedy decode on the Verilated chip with a scoreboard. Every write the core
// announces on its monitor is compared with the integer golden model's tap of the same
// token, layer, stage and element as it happens; the first mismatch stops the run and prints
// where it is. Built per configuration by build_verilated().
//
// usage: chip_check GEN_DIR STEPS [TIMEOUT_CYCLES_PER_TOKEN [SEED]] [--trace FILE.fst
//                   [--trace-tokens A[:B]]]
//   SEED != 0 randomizes the registers' initial values (X robustness).
//   --trace writes an FST of positions A..B only (default: position 0); the simulator must
//   have been built with tracing (hardwire build --trace).
#include <verilated.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "error.h"
#include "generated_model.h"
#include "int_model.h"
#include "sim_control.h"
#include "tokenizer.h"
#include HW_TOP_HEADER

namespace {

// The golden model's taps of one token, by (layer, stage, head).
class TapRecorder : public hw::TapSink {
  public:
    struct Tap {
        std::vector<std::int32_t> data;  // expected elements
        std::vector<bool> seen;          // written by the chip yet
        int shift = 0;                   // KV row exponent
    };
    void on_tap(const hw::TapId& id, const hw::TapData& d) override {
        Tap& t = taps[{id.layer, static_cast<int>(id.stage), id.head}];
        t.data.assign(d.data, d.data + d.size);
        t.seen.assign(d.size, false);
        t.shift = d.shift;
    }
    std::map<std::tuple<int, int, int>, Tap> taps;
};

// Lane k of the monitor's data (a wide output: 32-bit words, or one word when narrow).
template <typename Top>
std::uint32_t mon_lane(Top& top, unsigned k) {
    if constexpr (sizeof(top.mon_data_o) > sizeof(std::uint64_t)) return top.mon_data_o[k];
    else return static_cast<std::uint32_t>(top.mon_data_o >> (32 * k));
}

}  // namespace

int main(int argc, char** argv) {
    const char* usage =
        "usage: chip_check GEN_DIR STEPS [TIMEOUT_CYCLES_PER_TOKEN [SEED]] [--trace FILE.fst "
        "[--trace-tokens A[:B]]]\n";
    std::vector<std::string> pos_args;
    std::string trace_path;
    int trace_first = 0, trace_last = 0;
    for (int k = 1; k < argc; k++) {
        const std::string a = argv[k];
        if ((a == "--trace" || a == "--trace-tokens") && k + 1 >= argc) {
            std::fprintf(stderr, "chip_check: %s needs a value\n%s", a.c_str(), usage);
            return 2;
        }
        if (a == "--trace") {
            trace_path = argv[++k];
        } else if (a == "--trace-tokens") {
            const std::string v = argv[++k];
            const int n = std::sscanf(v.c_str(), "%d:%d", &trace_first, &trace_last);
            if (n == 1) trace_last = trace_first;
            if (n < 1) trace_first = -1;
            if (trace_first < 0 || trace_last < trace_first) {
                std::fprintf(stderr, "chip_check: --trace-tokens '%s': expected A or A:B with 0 <= A <= B\n",
                             v.c_str());
                return 2;
            }
        } else {
            pos_args.push_back(a);
        }
    }
    if (pos_args.size() < 2 || pos_args.size() > 4) {
        std::fprintf(stderr, "%s", usage);
        return 2;
    }
    try {
        const hw::GeneratedModel g = hw::load_generated_model(pos_args[0]);
        const hw::Model& model = g.model;
        const hw::ChipData& d = g.data;
        const int steps = std::stoi(pos_args[1]);
        const std::uint64_t timeout = pos_args.size() > 2 ? std::stoull(pos_args[2]) : 50000000ULL;
        const std::uint64_t seed = pos_args.size() > 3 ? std::stoull(pos_args[3]) : 0;
        if (steps < 1 || steps > model.config.seq_len)
            throw hw::Error("STEPS must be in 1..seq_len");
        if (!trace_path.empty() && trace_first >= steps)
            throw hw::Error("--trace-tokens starts at position " + std::to_string(trace_first) +
                            ", after the last of the " + std::to_string(steps) + " steps");

        hw::IntModel golden(d.q, d.tables);
        TapRecorder rec;
        golden.set_tap_sink(&rec);

        hw::SimControl<HW_TOP_CLASS> sim(seed);
        HW_TOP_CLASS* top = &sim.top();
        sim.reset();

        const auto start = std::chrono::steady_clock::now();
        int token = hw::kBosToken;
        long long total_cycles = 0, checked = 0;
        for (int pos = 0; pos < steps; pos++) {
            rec.taps.clear();
            const auto& logits = golden.forward(token, pos);
            const int want_next = hw::argmax_int(logits);

            if (!trace_path.empty() && pos == trace_first) {
                sim.open_trace(trace_path);
                std::printf("trace: %s from position %d (cycle %llu)\n", trace_path.c_str(), pos,
                            static_cast<unsigned long long>(sim.cycle()));
            }
            // Hand the token over, then clock until the next token comes out.
            top->tok_valid_i = 1;
            top->tok_token_i = token;
            top->tok_pos_i = pos;
            top->out_ready_i = 0;
            const std::uint64_t token_start = sim.cycle();
            bool sent = false;
            while (!top->out_valid_o) {
                sim.check_timeout(
                    token_start, timeout,
                    "token " + std::to_string(token) + " at position " + std::to_string(pos));
                top->eval();
                if (!sent && top->tok_ready_o) sent = true;
                if (top->mon_valid_o) {
                    const int layer = top->mon_layer_o == 0xff ? -1 : top->mon_layer_o;
                    const int stage = top->mon_stage_o;
                    const char* name = stage < hw::kStageCount
                                           ? hw::stage_name(static_cast<hw::Stage>(stage))
                                           : "?";
                    for (unsigned k = 0; k < top->mon_count_o; k++) {
                        const int head = top->mon_head_o == 0xff
                                             ? -1
                                             : top->mon_head_o + int(k * top->mon_head_step_o);
                        const std::uint32_t index = top->mon_index_o + k * top->mon_index_step_o;
                        const std::int32_t got = static_cast<std::int32_t>(mon_lane(*top, k));
                        auto it = rec.taps.find({layer, stage, head});
                        if (it == rec.taps.end() || index >= it->second.data.size()) {
                            std::printf(
                                "MISMATCH token %d position %d layer %d stage %s head %d element "
                                "%u: the golden model has no such element (cycle %llu)\n",
                                token, pos, layer, name, head, index,
                                static_cast<unsigned long long>(sim.cycle()));
                            return 1;
                        }
                        const std::int32_t want = it->second.data[index];
                        const int want_shift = it->second.shift,
                                  got_shift = static_cast<std::int8_t>(top->mon_shift_o);
                        if (got != want ||
                            ((stage == 3 || stage == 4) && got_shift != want_shift)) {
                            std::printf(
                                "MISMATCH token %d position %d layer %d stage %s head %d element "
                                "%u: expected %d (shift %d), got %d (shift %d) at cycle %llu\n",
                                token, pos, layer, name, head, index, want, want_shift, got,
                                got_shift, static_cast<unsigned long long>(sim.cycle()));
                            return 1;
                        }
                        it->second.seen[index] = true;
                        checked++;
                    }
                }
                sim.tick();
                if (sent) top->tok_valid_i = 0;
            }
            // Every tapped element was written.
            for (const auto& [key, tap] : rec.taps) {
                for (std::size_t k = 0; k < tap.seen.size(); k++) {
                    if (!tap.seen[k]) {
                        std::printf(
                            "MISSING token %d position %d layer %d stage %s head %d element %zu "
                            "never written\n",
                            token, pos, std::get<0>(key),
                            hw::stage_name(static_cast<hw::Stage>(std::get<1>(key))),
                            std::get<2>(key), k);
                        return 1;
                    }
                }
            }
            const int got_next = static_cast<int>(top->out_token_o);
            if (got_next != want_next) {
                std::printf("MISMATCH token %d position %d: next token expected %d, got %d\n",
                            token, pos, want_next, got_next);
                return 1;
            }
            total_cycles += sim.cycle() - token_start;
            top->out_ready_i = 1;
            sim.tick();
            top->out_ready_i = 0;
            std::printf("pos %d token %d next %d cycles %llu\n", pos, token, got_next,
                        static_cast<unsigned long long>(sim.cycle() - token_start));
            if (!trace_path.empty() && pos == trace_last) {
                sim.close_trace();
                std::printf("trace: closed after position %d (cycle %llu)\n", pos,
                            static_cast<unsigned long long>(sim.cycle()));
            }
            token = got_next;
        }
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        // MAC lower bound (BRIEF.md): every weight once plus q.k and p.v (dim per layer and
        // position each), divided by the lanes, averaged over the positions decoded.
        const hw::Config& c = model.config;
        const int lanes = g.lanes;
        const double weight_macs =
            double(c.vocab_size) * c.dim +
            double(c.n_layers) *
                (2.0 * c.dim * c.dim + 2.0 * c.kv_dim() * c.dim + 3.0 * c.dim * c.hidden_dim);
        const double mean_ctx = (steps + 1) / 2.0;
        const double bound = (weight_macs + 2.0 * c.n_layers * c.dim * mean_ctx) / lanes;
        const double per_token = double(total_cycles) / steps;
        std::printf(
            "chip_check: %d tokens bit-exact, %lld values checked, %.0f cycles/token (MAC lower "
            "bound %.0f, %.2fx), MAC busy %.1f%%, saturations %u, %.2f s (%.1f tokens/s, %.2f M "
            "cycles/s)\n",
            steps, checked, per_token, bound, per_token / bound,
            100.0 * double(top->perf_mac_busy_o) / double(top->perf_cycles_o),
            top->perf_saturations_o, secs, steps / secs, double(sim.cycle()) / secs / 1e6);
        std::printf("cycles by class: matvec %.1f%%, attention %.1f%%, vector %.1f%%\n",
                    100.0 * double(top->perf_matvec_cycles_o) / double(total_cycles),
                    100.0 * double(top->perf_attention_cycles_o) / double(total_cycles),
                    100.0 * double(top->perf_vector_cycles_o) / double(total_cycles));
        return 0;
    } catch (const hw::SimTimeout& e) {
        std::printf("TIMEOUT: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chip_check: error: %s\n", e.what());
        return 2;
    }
}
