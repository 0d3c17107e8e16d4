// SPDX-License-Identifier: MIT
// chip_sim: the Verilated chip driven through its host link by the host driver (host/),
// with the scoreboard (sim/scoreboard.h) checking every write of the datapath against the
// integer golden model. Built per configuration by build_chip(); `hardwire run` and
// `hardwire build --run` call it.
//
// usage: chip_sim MODE GEN_DIR [options]
//   check    decode from BOS (--steps N positions), print each position and the figures
//   run      decode a prompt (--prompt, --tokenizer) and stream the text, then a summary
//   linktest send malformed traffic (--case NAME) and check the chip's defined answer
//   walk     read every register address and check only the documented map answers
// verilated.h first: with SystemC's headers before it, it takes SystemC's time (the model is
// clocked by SimControl here, as in every other harness and Verilated file).
#include <verilated.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include "adapter_layout.h"
#include "backdoor.h"
#include "card_session.h"
#include "card_target.h"
#include "channel.h"
#include "crc32.h"
#include "cycle_check.h"
#include "decode.h"
#include "driver.h"
#include "error.h"
#include "fast_kernels.h"
#include "generated_model.h"
#include "gtkw.h"
#include "host_thread.h"
#include "link_chip.h"
#include "link_protocol.h"
#include "lora.h"
#include "rtl_enums.h"
#include "scoreboard.h"
#include "sim_control.h"
#include "timeline.h"
#include "tlm_port.h"
#include "tokenizer.h"
#include HW_TOP_HEADER

namespace {

using hw::adapter_json;
using hw::AdapterRun;
using hw::json_escape;
using hw::LoadedAdapter;
using hw::sampler_json;
using hw::sampler_text;
using hw::link::Symbol;

const char* const kUsage =
    "usage: chip_sim (check|run|linktest|walk) GEN_DIR [--model FILE] [--steps N] [--prompt TEXT]\n"
    "       [--tokenizer FILE]\n"
    "       [--no-check] [--json] [--logits] [--link usb2|pcie3x1|pcie3x4] [--clock-mhz F]\n"
    "       [--trace FILE.fst] [--timeline FILE.svg] [--trace-tokens A[:B]]\n"
    "       [--inject-errors FLIP[:DROP[:DUP[:REORDER[:KFLIP]]]]] [--seed S]\n"
    "       [--x-seed S] [--timeout CYCLES] [--case NAME] [--prompt-tokens T,T,...]\n"
    "       [--host-credits N] [--stall-rate P] [--require-faults]\n"
    "       [--temperature T] [--top-k K] [--top-p P]   (the sampler, seeded by --seed)\n"
    "       [--adapter DIR | --synthetic-adapter SPEC] [--slot K]   (LoRA, loaded over the link)\n"
    "       [--switch P:K|P:none [--switch-adapter DIR|SPEC]]   (slot K serves from position P "
    "on)\n"
    "       [--fast-forward N]   (positions 0..N-1 by the golden model, loaded through the "
    "backdoor)\n"
    "       [--tlm]   (check, run: the driver reaches the chip through the virtual platform's "
    "TLM-2.0\n"
    "                 sockets, the chip behind the target's transactor)\n";

struct Options : hw::DecodeOptions {  // the shared options (sim/card_session.h) and these
    unsigned host_credits = 16;     // host backpressure (driver.h CardOptions)
    double stall_rate = 0;
    bool require_faults = false;    // fail unless every injected fault kind occurred
    bool check = true;
    std::string trace;              // FST of the window
    std::string timeline;           // SVG of the window's schedule (sim/timeline.h)
    int trace_first = 0, trace_last = 0;  // the window: positions first..last
    hw::link::FaultRates faults;
    std::uint64_t x_seed = 0, timeout = 50000000;
    int switch_at = -1;             // --switch P:K: from position P on, slot K serves (-1: no switch)
    int switch_slot = -1;           //   K (-1: none, the etched model alone)
    std::string switch_adapter;     // --switch-adapter DIR|SPEC: written into slot K first
    int fast_forward = 0;           // --fast-forward N: positions 0..N-1 by the golden model
    bool tlm = false;  // --tlm: through the TLM sockets (vp/): TlmPort -> CardTarget -> LinkChip
    std::string test_case;
};

// The Verilated chip as the driver's Device: each step presents the host's symbol, lets the
// scoreboard look at the monitor and debug ports, clocks once and returns the chip's symbol.
class ChipDevice : public hw::link::Device {
  public:
    // `n_layers`: the model's, for the window's layer markers.
    ChipDevice(const Options& o, int n_layers, hw::Scoreboard* sb, hw::CycleCheck* cc)
        : o_(o), sim_(o.x_seed), sb_(sb), cc_(cc), window_(n_layers),
          windowed_(!o.trace.empty() || !o.timeline.empty()) {
        sim_.reset();
    }
    Symbol step(const Symbol& in) override {
        HW_TOP_CLASS& top = sim_.top();
        top.link_rx_valid_i = in.valid;
        top.link_rx_k_i = in.k;
        top.link_rx_data_i = in.data;
        // No eval() here: every output read below comes from registers (the link's transmit
        // side and the core's ports depend on state only), so the falling-edge eval of the
        // last tick already settled them; the rising edge in tick() sees the new inputs.
        if (top.dbg_tok_start_o) {
            const int pos = static_cast<int>(top.dbg_tok_pos_o);
            // A window ends when the token after it starts: the last token's TOKEN_OUT and
            // its acknowledgement are inside.
            if (in_window_ && pos > o_.trace_last) close_window();
            if (windowed_ && pos == o_.trace_first) {
                if (!o_.trace.empty()) sim_.open_trace(o_.trace);
                in_window_ = true;
                window_seen_ = true;
                prev_perf_ = perf(top);
            }
            if (in_window_)
                window_.start_token(sim_.cycle(), pos, static_cast<int>(top.dbg_tok_token_o));
            if (sb_) sb_->start(static_cast<int>(top.dbg_tok_token_o), pos);
            if (cc_) cc_->start(pos, perf(top));
            pos_ = pos;
            start_ = sim_.cycle();
        }
        if (sb_ && top.mon_valid_o) sb_->monitor(top, sim_.cycle());
        if (cc_) cc_->cycle(top.dbg_op_o, static_cast<int>(top.dbg_layer_o), static_cast<int>(top.dbg_step_o));
        if (in_window_) record(top, in);
        const bool result = top.dbg_out_valid_o && !out_seen_;
        out_seen_ = top.dbg_out_valid_o;
        if (result) {
            if (sb_) sb_->finish(static_cast<int>(top.dbg_out_token_o), sim_.cycle());
            if (sb_ && bd_) bd_->check(sb_->golden(), sb_->last_logits(), sb_->token(), pos_);
            if (cc_) cc_->finish(perf(top));
            last_token_cycles_ = sim_.cycle() - start_;
            token_cycles_ += last_token_cycles_;
        }
        const Symbol out{top.link_tx_valid_o != 0, top.link_tx_k_o != 0, top.link_tx_data_o};
        sim_.tick();
        return out;
    }
    std::uint64_t cycle() const override { return sim_.cycle(); }
    // Checks every token from now on with `sb` and `cc` (either may be null: no check).
    void attach(hw::Scoreboard* sb, hw::CycleCheck* cc) {
        sb_ = sb;
        cc_ = cc;
    }
    // Compares the SRAMs' contents with the golden model at every token's end from now on.
    void use_backdoor(const std::string& top, const hw::Config& c, const hw::Datapath& d) {
        bd_ = std::make_unique<hw::Backdoor>(sim_.context(), top, c, d);
    }
    // Fast-forward: the KV cache of positions 0..positions-1 from `golden` (sim/backdoor.h).
    void load_kv(const hw::IntModel& golden, int positions) {
        if (!bd_)
            throw hw::Error("fast-forward: no backdoor to the chip's SRAMs (use_backdoor first)");
        bd_->load_kv(golden, positions);
    }
    std::vector<hw::SramMacro> sram_macros() { return hw::sram_macros(sim_.context()); }
    std::uint64_t last_token_cycles() const { return last_token_cycles_; }
    std::uint64_t token_cycles() const { return token_cycles_; }  // start to output, summed
    // Ends the window (the trace, the timeline) if it is open.
    void close_window() {
        if (in_window_) window_.finish(sim_.cycle());
        in_window_ = false;
        if (!o_.trace.empty()) sim_.close_trace();
    }
    bool window_seen() const { return window_seen_; }  // the window was opened
    // The window's schedule, its token starts and layer boundaries (1 ns cycles).
    const hw::Timeline& window() const { return window_; }

  private:
    // One cycle of the window: the sequencer's op and layer, which counters moved since the
    // last cycle, the link's symbols.
    void record(const HW_TOP_CLASS& top, const Symbol& in) {
        const hw::PerfSnapshot p = perf(top);
        hw::Timeline::Sample s;
        s.op = static_cast<int>(top.dbg_op_o);
        s.mac_busy = p.mac_busy != prev_perf_.mac_busy;
        s.vector = p.vector != prev_perf_.vector;
        s.attention = p.attention != prev_perf_.attention;
        s.link_in = in.valid;
        s.link_out = top.link_tx_valid_o != 0;
        prev_perf_ = p;
        window_.sample(sim_.cycle(), static_cast<int>(top.dbg_layer_o), s);
    }
    // The core's performance counters, from the chip's debug ports.
    static hw::PerfSnapshot perf(const HW_TOP_CLASS& top) {
        return {top.dbg_perf_cycles_o, top.dbg_perf_mac_busy_o, top.dbg_perf_matvec_o,
                top.dbg_perf_attention_o, top.dbg_perf_vector_o};
    }

    const Options& o_;
    hw::SimControl<HW_TOP_CLASS> sim_;
    hw::Scoreboard* sb_;
    hw::CycleCheck* cc_;
    std::unique_ptr<hw::Backdoor> bd_;
    hw::Timeline window_;        // the window's record (trace markers, timeline)
    const bool windowed_;        // a trace or a timeline was asked for
    hw::PerfSnapshot prev_perf_;  // the counters a cycle ago (in the window)
    bool out_seen_ = false, in_window_ = false, window_seen_ = false;
    int pos_ = -1;
    std::uint64_t start_ = 0, last_token_cycles_ = 0, token_cycles_ = 0;
};

Options parse(int argc, char** argv) {
    Options o;
    hw::parse_decode_options(
        argc, argv, o,
        [&](const std::string& a, const std::function<std::string()>& value) {
            auto number = [&](double lo, double hi) {
                return hw::parse_number(a, value(), lo, hi);
            };
            if (a == "--no-check")
                o.check = false;
            else if (a == "--trace")
                o.trace = value();
            else if (a == "--timeline")
                o.timeline = value();
            else if (a == "--trace-tokens") {
                const hw::TraceWindow w = hw::parse_trace_window(value());
                o.trace_first = w.first;
                o.trace_last = w.last;
            } else if (a == "--inject-errors")
                o.faults = hw::link::parse_fault_rates(value());
            else if (a == "--x-seed")
                o.x_seed = static_cast<std::uint64_t>(number(0, 1e15));
            else if (a == "--timeout")
                o.timeout = static_cast<std::uint64_t>(number(1000, 1e15));
            else if (a == "--case")
                o.test_case = value();
            else if (a == "--host-credits")
                o.host_credits = static_cast<unsigned>(number(1, 4095));
            else if (a == "--stall-rate")
                o.stall_rate = number(0, 1);
            else if (a == "--require-faults")
                o.require_faults = true;
            else if (a == "--switch") {
                const std::string v = value();
                const std::size_t colon = v.find(':');
                const std::string p = v.substr(0, colon),
                                  k = colon == std::string::npos ? "" : v.substr(colon + 1);
                const bool p_ok = !p.empty() && p.size() <= 7 &&
                                  p.find_first_not_of("0123456789") == std::string::npos;
                const bool k_ok =
                    k == "none" || (k.size() == 1 && k[0] >= '0' && k[0] < '0' + hw::kMaxLoraSlots);
                if (!p_ok || !k_ok)
                    throw hw::make_error("--switch", "bad value",
                                         "P:K (a position and a slot 0.." +
                                             std::to_string(hw::kMaxLoraSlots - 1) + ", or none)",
                                         "'" + v + "'");
                o.switch_at = std::stoi(p);
                o.switch_slot = k == "none" ? -1 : k[0] - '0';
            } else if (a == "--switch-adapter")
                o.switch_adapter = value();
            else if (a == "--fast-forward")
                o.fast_forward = static_cast<int>(number(0, 1 << 20));
            else if (a == "--tlm")
                o.tlm = true;
            else
                return false;
            return true;
        },
        kUsage);
    if (o.mode != "check" && o.mode != "run" && o.mode != "linktest" && o.mode != "walk")
        throw hw::make_error("MODE", "unknown mode", "check, run, linktest or walk",
                             "'" + o.mode + "'");
    if (!o.switch_adapter.empty() && o.switch_at < 0)
        throw hw::Error("--switch-adapter needs --switch P:K (the position and slot it serves from)");
    return o;
}

// Selects `l`'s slot (nullptr: none, the etched model alone) for the tokens to come; the
// golden model and the cycle model then expect it.
void serve_adapter(const LoadedAdapter* l, hw::link::Card& card, hw::Scoreboard* sb, hw::CycleCheck* cc) {
    card.select_adapter(l ? l->run.slot : -1);
    if (sb) sb->set_adapter(l ? l->q.get() : nullptr);
    if (cc) cc->set_adapter_targets(l ? l->run.targets : 0);
}

// The adapters a decode runs with: --adapter/--synthetic-adapter in --slot, served from the
// start, and for --switch P:K the slot served from position P on (a second adapter,
// --switch-adapter, written into slot K before the decode: a switch reloads nothing).
struct Adapters {
    LoadedAdapter first, second;
    const LoadedAdapter* at_start = nullptr;   // served from position 0
    const LoadedAdapter* after = nullptr;      // served from --switch's position (null: none)
};
Adapters load_adapters(const Options& o, const hw::GeneratedModel& g, hw::link::Card& card) {
    Adapters a;
    if (!o.adapter_dir.empty() || !o.adapter_spec.empty()) {
        a.first = hw::load_adapter(o.adapter_dir, o.adapter_spec, o.slot, "--slot", g.model.config,
                                   g.datapath, g.data.q.format, card);
        a.at_start = &a.first;
    }
    if (o.switch_at < 0) return a;
    if (o.switch_slot >= 0 && a.at_start && o.switch_slot == o.slot) {
        if (!o.switch_adapter.empty())
            throw hw::Error("--switch " + std::to_string(o.switch_at) + ":" + std::to_string(o.switch_slot) +
                            ": --switch-adapter would overwrite the adapter of --slot " + std::to_string(o.slot));
        a.after = &a.first;
    } else if (o.switch_slot >= 0) {
        if (o.switch_adapter.empty())
            throw hw::Error("--switch " + std::to_string(o.switch_at) + ":" + std::to_string(o.switch_slot) +
                            ": slot " + std::to_string(o.switch_slot) +
                            " holds no adapter of this run (name one with --switch-adapter DIR|SPEC)");
        const bool is_dir = std::filesystem::is_directory(o.switch_adapter);
        a.second = hw::load_adapter(is_dir ? o.switch_adapter : "", is_dir ? "" : o.switch_adapter,
                                    o.switch_slot, "--switch", g.model.config, g.datapath,
                                    g.data.q.format, card);
        a.after = &a.second;
    } else if (!o.switch_adapter.empty()) {
        throw hw::Error("--switch-adapter needs --switch P:K with a slot K (not 'none')");
    }
    return a;
}

// ---- check and run: a generation through the link -------------------------------------------
// `link` is the cycle-level link the chip is on (the card's own, or the one behind the TLM
// target's transactor): its counters and faults are reported.
int decode(const Options& o, const hw::GeneratedModel& g, hw::link::Card& card,
           const hw::link::LinkPort& link, ChipDevice& dev, hw::Scoreboard* sb,
           hw::CycleCheck* cc) {
    const hw::Config& c = g.model.config;
    std::unique_ptr<hw::Tokenizer> tok;
    if (!o.tokenizer.empty())
        tok = std::make_unique<hw::Tokenizer>(hw::Tokenizer::read(o.tokenizer, c.vocab_size));
    if (!o.prompt.empty() && !tok) throw hw::Error("--prompt needs --tokenizer");
    if (!o.prompt_tokens.empty() && !o.prompt.empty())
        throw hw::Error("give --prompt or --prompt-tokens, not both");
    const std::vector<int> prompt = !o.prompt_tokens.empty() ? o.prompt_tokens
                                    : tok ? tok->encode(o.prompt, true)
                                          : std::vector<int>{hw::kBosToken};
    const int steps = o.steps ? o.steps : (o.mode == "run" ? std::min(256, c.seq_len) : 32);
    hw::check_decode_request(prompt, steps, c.seq_len);
    const bool windowed = !o.trace.empty() || !o.timeline.empty();
    if (windowed && o.trace_first >= steps)
        throw hw::Error("--trace-tokens starts at position " + std::to_string(o.trace_first) +
                        ", after the last of the " + std::to_string(steps) + " positions");

    // The trace's and the timeline's folders are made now, so a bad path fails before the decode.
    for (const std::string& file : {o.trace, o.timeline}) {
        if (file.empty()) continue;
        const auto dir = std::filesystem::path(file).parent_path();
        std::error_code ec;
        if (!dir.empty()) std::filesystem::create_directories(dir, ec);
        if (ec) throw hw::make_error(file, "cannot create its folder", "a writable path", ec.message());
    }
    card.check_model(g.manifest["model_hash"].get<std::string>());
    card.reset();
    card.set_sampler(o.sampler);
    const Adapters adapters = load_adapters(o, g, card);
    serve_adapter(adapters.at_start, card, sb, cc);
    const AdapterRun lora = adapters.at_start ? adapters.at_start->run : AdapterRun{};
    const int prompt_len = static_cast<int>(prompt.size());
    if (o.switch_at >= 0 && (o.switch_at < prompt_len || o.switch_at >= steps))
        throw hw::make_error("--switch", "position", "after the prompt and before --steps: " +
                             std::to_string(prompt_len) + ".." + std::to_string(steps - 1),
                             std::to_string(o.switch_at));
    if (sb) sb->set_prompt(prompt);

    // Fast-forward: the golden model (its fast kernels) decodes positions 0..N-1, their KV rows
    // go into the chip's KV SRAM through the backdoor, POSITION is written over the link, and
    // the chip decodes N.. with everything checked (docs/verification.md, "Fast-forward").
    const int ff = o.fast_forward;
    double ff_wall = 0;
    if (ff > 0) {
        if (!sb) throw hw::Error("--fast-forward needs the golden model: drop --no-check");
        if (o.switch_at >= 0) throw hw::Error("give --fast-forward or --switch, not both");
        if (ff >= steps)
            throw hw::make_error("--fast-forward", "positions",
                                 "fewer than --steps (" + std::to_string(steps) + ")",
                                 std::to_string(ff));
        if (windowed && o.trace_first < ff)
            throw hw::Error("--trace-tokens starts at position " + std::to_string(o.trace_first) +
                            ", inside the fast-forwarded positions 0.." + std::to_string(ff - 1));
        const auto t0 = std::chrono::steady_clock::now();
        const hw::FastKernels fast(g.data.q);
        sb->fast_forward(ff, &fast);
        card.write(hw::link::reg::POSITION, static_cast<std::uint32_t>(ff));
        dev.load_kv(sb->golden(), ff);
        ff_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(
            stderr,
            "fast-forward: positions 0..%d decoded by the golden model in %.3f s, their KV "
            "rows loaded into the chip; the RTL continues at position %d\n",
            ff - 1, ff_wall, ff);
    }
    // The prompt the chip is given: all of it, or what is left after the fast-forward (at
    // least the input of position N).
    std::vector<int> chip_prompt = prompt;
    if (ff > 0) {
        chip_prompt.assign(prompt.begin() + std::min(ff, prompt_len), prompt.end());
        if (chip_prompt.empty()) chip_prompt = {sb->expected_next(ff - 1)};
    }

    const auto wall0 = std::chrono::steady_clock::now();
    // run.c's steps count positions; the chip's STEPS counts generated tokens, the first
    // being the output at the prompt's last position.
    // (After a fast-forward past the prompt, every position the chip decodes is generated.)
    const int gen_steps = ff >= prompt_len ? steps - ff : steps - prompt_len + 1;
    bool stop_sent = false, bos_seen = false;
    int serving_slot = lora.source.empty() ? -1 : lora.slot;  // the slot of the tokens arriving
    double time_offset = 0;  // simulated time of the generations before this one (--switch)
    int shown = chip_prompt[0];  // the input of the first position the chip decodes
    std::string text;
    long long host_checked = 0, host_logits = 0;  // tokens and logits compared at the host
    auto on_token = [&](const hw::link::TokenEvent& e) {
        if (bos_seen) return;  // the token in flight when STOP went out
        const int pos = static_cast<int>(e.pos);
        const int input = pos < static_cast<int>(prompt.size()) ? prompt[pos] : -1;
        const int want = sb ? sb->expected_next(pos) : -1;
        if (sb && static_cast<int>(e.token) != want)
            throw hw::Mismatch("MISMATCH at the host: position " + std::to_string(pos) +
                               " token " + std::to_string(e.token) + " arrived, the golden model "
                               "chose " + std::to_string(want));
        if (sb) host_checked++;
        if (sb && o.logits) {
            sb->check_logits(pos, e.logits);
            host_logits += static_cast<long long>(e.logits.size());
        }
        const int shown_next =
            pos + 1 < static_cast<int>(prompt.size()) ? prompt[pos + 1] : static_cast<int>(e.token);
        if (o.mode == "check") {
            std::printf("pos %d token %d next %u cycles %llu", pos, input >= 0 ? input : shown,
                        e.token, static_cast<unsigned long long>(dev.last_token_cycles()));
            // The logits' CRC-32: what vp_sim check prints too, for a line-by-line comparison.
            if (o.logits)
                std::printf(
                    " logits %08x",
                    hw::link::crc32_words(reinterpret_cast<const std::uint32_t*>(e.logits.data()),
                                          e.logits.size()));
            std::printf("\n");
        } else if (o.json) {
            std::printf("{\"pos\":%d,\"next\":%d,\"chip_token\":%u,\"generated\":%s,\"cycle\":%llu,"
                        "\"time_us\":%.3f,\"checked\":%s",
                        pos, shown_next, e.token, e.generated ? "true" : "false",
                        static_cast<unsigned long long>(e.cycle), (time_offset + e.time_s) * 1e6,
                        sb ? "true" : "false");
            if (tok) std::printf(",\"text\":\"%s\"", json_escape(tok->decode(shown, shown_next)).c_str());
            if (!lora.source.empty() || o.switch_at >= 0) {
                if (serving_slot < 0) std::printf(",\"adapter_slot\":null");
                else std::printf(",\"adapter_slot\":%d", serving_slot);
            }
            std::printf("}\n");
        } else if (tok) {
            if (shown_next != hw::kBosToken)
                std::fputs(hw::escape_unprintable(tok->decode(shown, shown_next)).c_str(), stdout);
        } else {
            std::printf("%d ", shown_next);
        }
        std::fflush(stdout);
        shown = shown_next;
        if (o.mode == "run" && shown_next == hw::kBosToken && !stop_sent) {
            // run.c stops at BOS (the end of a story): stop the card after this token.
            bos_seen = true;
            stop_sent = true;
            card.write(hw::link::reg::CONTROL, 4u);
        }
    };
    hw::link::GenerateResult r;
    std::string switch_note;
    if (ff > 0 && o.mode == "run" && !o.json && tok) {
        // The fast-forwarded text first (the golden model's), then the chip's.
        int from = prompt[0];
        for (int p = 0; p < ff; p++) {
            const int next = p + 1 < prompt_len ? prompt[p + 1] : sb->expected_next(p);
            if (next != hw::kBosToken)
                std::fputs(hw::escape_unprintable(tok->decode(from, next)).c_str(), stdout);
            from = next;
        }
        std::fflush(stdout);
    }
    if (o.switch_at < 0) {
        r = card.generate(chip_prompt, gen_steps, o.logits, on_token);
    } else {
        // Positions 0..P-1, then another slot (selected between generations: one register
        // write, nothing reloaded; the slot's hash read back), then P..steps-1 continuing the
        // same context from the last token.
        r = card.generate(prompt, o.switch_at - prompt_len + 1, o.logits, on_token);
        if (!bos_seen && r.end == hw::link::End::Done) {
            serve_adapter(adapters.after, card, sb, cc);
            serving_slot = adapters.after ? adapters.after->run.slot : -1;
            char b[160];
            if (adapters.after) {
                const std::uint32_t hash = card.adapter_hash(static_cast<std::uint32_t>(serving_slot));
                if (hash != adapters.after->run.hash)
                    throw hw::DeviceError("adapter slot " + std::to_string(serving_slot) + ": ADAPTER_HASH reads " +
                                          std::to_string(hash) + " at the switch, " +
                                          std::to_string(adapters.after->run.hash) + " after its load");
                std::snprintf(b, sizeof b, "at position %d to slot %d (%s, ADAPTER_HASH 0x%08x as loaded)",
                              o.switch_at, serving_slot, adapters.after->run.source.c_str(), hash);
            } else {
                std::snprintf(b, sizeof b, "at position %d to no slot (the etched model alone)", o.switch_at);
            }
            switch_note = b;
            const int next = static_cast<int>(r.tokens.back().token);
            time_offset = r.time_s;
            const hw::link::GenerateResult r2 = card.generate({next}, steps - o.switch_at, o.logits, on_token);
            r.tokens.insert(r.tokens.end(), r2.tokens.begin(), r2.tokens.end());
            r.end = r2.end;
            r.generated += r2.generated;
            r.cycles += r2.cycles;
            r.time_s += r2.time_s;
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    dev.close_window();
    std::string trace_note;
    if (windowed && !dev.window_seen())
        throw hw::Error("--trace-tokens " + std::to_string(o.trace_first) +
                        ": the decode ended before that position (no trace or timeline written)");
    const std::string window = "(positions " + std::to_string(o.trace_first) + ".." +
                               std::to_string(o.trace_last) + ")";
    if (!o.trace.empty()) {
        // Named markers at the window's token starts and layer boundaries (1 ns a cycle).
        std::vector<hw::WaveMarker> markers;
        for (const hw::Timeline::Mark& m : dev.window().marks())
            markers.push_back({double(m.cycle) * 1000.0, m.name});
        const std::string gtkw = hw::gtkw_path(o.trace);
        hw::write_gtkw(gtkw, o.trace, g.manifest["model"]["name"].get<std::string>() + "_chip",
                       double(dev.window().begin_cycle()) * 1000.0,
                       double(dev.window().end_cycle()) * 1000.0, markers);
        trace_note = "trace:      " + o.trace + " " + window + ", open with: gtkwave " + gtkw + "\n";
        if (markers.size() > hw::kMaxWaveMarkers)
            trace_note += "            (markers: the first " + std::to_string(hw::kMaxWaveMarkers) +
                          " of " + std::to_string(markers.size()) + "; GTKWave keeps 26)\n";
    }
    if (!o.timeline.empty()) {
        dev.window().write_svg(o.timeline, hw::chip_enums().at("op_e"));
        trace_note += "timeline:   " + o.timeline + " " + window + "\n";
    }

    auto counters = card.chip_counters();
    const auto& hl = link.host_link().counters();
    const int positions = static_cast<int>(r.tokens.size());
    // Every position the core decoded reached the host (Card::generate checked that they
    // arrived once each, in order, as many as READY counts); the chip clamped exactly the
    // values the golden model clamped.
    if (sb && sb->positions() - sb->fast_forwarded() != positions)
        throw hw::Mismatch("MISMATCH at the host: the core decoded " +
                           std::to_string(sb->positions() - sb->fast_forwarded()) + " positions, " +
                           std::to_string(positions) + " reached the host");
    const std::uint64_t golden_sat =
        sb ? sb->golden_saturations() - sb->fast_forward_saturations() : 0;
    if (sb && counters["SATURATIONS"] != golden_sat)
        throw hw::Mismatch("MISMATCH the chip's SATURATIONS counter reads " +
                           std::to_string(counters["SATURATIONS"]) + ", the golden model clamped " +
                           std::to_string(golden_sat) + " values");
    const double chip_s = double(r.cycles) / o.clock_hz;
    // The link, each direction: TLPs sent and taken in order, what the receiver dropped, the
    // sender's replays; the faults injected into it.
    // (The counters are read over the link, and each read is a TLP each way: the two sides'
    // counts are taken a few TLPs apart.)
    auto dir = [](std::uint64_t sent, std::uint64_t crc, std::uint64_t framing,
                  std::uint64_t seq, std::uint64_t dup, std::uint64_t replays, std::uint64_t timer) {
        char b[256];
        std::snprintf(b, sizeof b,
                      "%llu TLPs sent; dropped: %llu CRC, %llu framing, %llu out of sequence, "
                      "%llu duplicates; %llu replays (%llu by the timer)",
                      static_cast<unsigned long long>(sent),
                      static_cast<unsigned long long>(crc), static_cast<unsigned long long>(framing),
                      static_cast<unsigned long long>(seq), static_cast<unsigned long long>(dup),
                      static_cast<unsigned long long>(replays), static_cast<unsigned long long>(timer));
        return std::string(b);
    };
    auto fault_text = [](const hw::link::FaultCounts& f) {
        char b[256];
        std::snprintf(b, sizeof b,
                      "%llu packets: %llu bits flipped, %llu k flags, %llu dropped, %llu duplicated "
                      "(%llu late), %llu reordered",
                      static_cast<unsigned long long>(f.packets), static_cast<unsigned long long>(f.flipped),
                      static_cast<unsigned long long>(f.kflipped), static_cast<unsigned long long>(f.dropped),
                      static_cast<unsigned long long>(f.duplicated),
                      static_cast<unsigned long long>(f.late_copies),
                      static_cast<unsigned long long>(f.reordered));
        return std::string(b);
    };
    const std::string to_chip = dir(hl.tx_tlps, counters["RX_BAD_CRC"], counters["RX_FRAMING"],
                                    counters["RX_SEQ"], counters["RX_DUPLICATE"], hl.replays,
                                    hl.replay_timeouts);
    const std::string to_host = dir(counters["TX_TLPS"], hl.bad_crc, hl.framing, hl.seq_errors,
                                    hl.duplicates, counters["REPLAYS"], counters["REPLAY_TIMEOUTS"]);
    const auto& f1 = link.to_chip().faults();
    const auto& f2 = link.from_chip().faults();
    // With --require-faults, every fault kind injected at a nonzero rate must have happened in
    // each direction: a fault test that did not fault proves nothing.
    if (o.require_faults) {
        if (!o.faults.any())
            throw hw::Error("--require-faults: no fault rates given (--inject-errors)");
        const struct {
            const char* what;
            double rate;
            std::uint64_t to_chip, to_host;
        } kinds[] = {{"bit flips", o.faults.flip_per_byte, f1.flipped, f2.flipped},
                     {"k-flag flips", o.faults.kflip_per_symbol, f1.kflipped, f2.kflipped},
                     {"dropped packets", o.faults.drop_per_packet, f1.dropped, f2.dropped},
                     {"duplicated packets", o.faults.dup_per_packet, f1.duplicated, f2.duplicated},
                     {"late duplicates", o.faults.dup_per_packet, f1.late_copies, f2.late_copies},
                     {"reordered packets", o.faults.reorder_per_packet, f1.reordered, f2.reordered}};
        for (const auto& k : kinds) {
            if (k.rate > 0 && (k.to_chip == 0 || k.to_host == 0))
                throw hw::Error("link fault test: no " + std::string(k.what) + " " +
                                (k.to_chip == 0 ? "towards the chip" : "towards the host") +
                                " at rate " + std::to_string(k.rate) + " (" +
                                std::to_string(k.to_chip == 0 ? f1.packets : f2.packets) +
                                " packets): the run did not exercise them");
        }
    }
    auto print_link = [&] {
        std::printf("link:       to the chip: %s\n", to_chip.c_str());
        std::printf("            to the host: %s\n", to_host.c_str());
        if (o.faults.any()) {
            std::printf("faults:     to the chip: %s\n", fault_text(f1).c_str());
            std::printf("            to the host: %s\n", fault_text(f2).c_str());
            std::printf("            every position arrived once, in order (%d positions)\n", positions);
        }
    };
    if (o.mode == "check") {
        // MAC lower bound (docs/architecture.md): the weight MACs over Rows x Lanes plus the
        // attention MACs over the attention unit's, averaged over the positions decoded.
        double bound = 0;
        for (const auto& e : r.tokens)
            bound += hw::mac_bound(c, g.datapath, static_cast<int>(e.pos)) / positions;
        const double per_token = double(dev.token_cycles()) / positions;
        const double core_cycles = double(counters["CYCLES_LO"] + (counters["CYCLES_HI"] << 32));
        const double busy = double(counters["MAC_BUSY_LO"] + (counters["MAC_BUSY_HI"] << 32));
        std::printf(
            "chip_check: %d tokens %s, %lld values checked, %.0f cycles/token (MAC lower "
            "bound %.0f, %.2fx), MAC busy %.1f%%, MAC utilization %.1f%%, saturations %llu, "
            "%.2f s (%.1f tokens/s, %.2f M cycles/s)\n",
            positions, sb ? "bit-exact" : "decoded unchecked (--no-check)",
            sb ? sb->checked() : 0, per_token, bound, per_token / bound,
            100.0 * busy / core_cycles,
            100.0 * double(hw::weight_macs(c)) / (per_token * double(g.datapath.weight_macs_per_cycle())), static_cast<unsigned long long>(counters["SATURATIONS"]),
            wall, positions / wall, double(r.cycles) / wall / 1e6);
        std::printf("chip:       %llu cycles for %d positions (%s), %llu from each position's start to its result\n",
                    static_cast<unsigned long long>(r.cycles), positions, g.datapath.name().c_str(),
                    static_cast<unsigned long long>(dev.token_cycles()));
        // The SRAM macros as Verilator elaborated them (what hardwire explore's SRAM bits are
        // checked against), by what they hold.
        std::uint64_t kv = 0, scores = 0, logits = 0, other = 0;
        const std::vector<hw::SramMacro> macros = dev.sram_macros();
        auto ends_with = [](const std::string& s, const char* tail) {
            const std::size_t n = std::strlen(tail);
            return s.size() >= n && s.compare(s.size() - n, n, tail) == 0;
        };
        for (const hw::SramMacro& m : macros) {
            if (ends_with(m.scope, ".u_kcache") || ends_with(m.scope, ".u_vcache")) kv += m.bits();
            else if (ends_with(m.scope, ".u_scores")) scores += m.bits();
            else if (ends_with(m.scope, ".u_logits")) logits += m.bits();
            else other += m.bits();
        }
        std::printf("sram:       %zu macros, %llu bits (KV cache %llu, scores %llu, logits %llu, other %llu)\n",
                    macros.size(), static_cast<unsigned long long>(kv + scores + logits + other),
                    static_cast<unsigned long long>(kv), static_cast<unsigned long long>(scores),
                    static_cast<unsigned long long>(logits), static_cast<unsigned long long>(other));
        if (cc)
            std::printf("cycles:     every step of %lld tokens equal to the cycle model's\n",
                        cc->tokens_checked());
        std::printf("sampler:    %s\n", sampler_text(o.sampler).c_str());
        if (!lora.source.empty())
            std::printf("adapter:    %s in slot %d (targets 0x%02x, ADAPTER_HASH 0x%08x, loaded in %llu cycles)\n",
                        lora.source.c_str(), lora.slot, lora.targets, lora.hash,
                        static_cast<unsigned long long>(lora.cycles));
        if (!switch_note.empty()) std::printf("switch:     %s\n", switch_note.c_str());
        if (ff > 0)
            std::printf(
                "fast-fwd:   positions 0..%d by the golden model in %.3f s, their KV rows loaded "
                "through the backdoor; the chip decoded %d..%d\n",
                ff - 1, ff_wall, ff, steps - 1);
        if (sb && o.logits)
            std::printf("logits:     %lld read over the link, every one equal to the golden model's\n",
                        host_logits);
        const double tc = double(dev.token_cycles());
        std::printf("cycles by class: matvec %.1f%%, attention %.1f%%, vector %.1f%%\n",
                    100.0 * double(counters["MATVEC_LO"]) / tc,
                    100.0 * double(counters["ATTENTION_LO"]) / tc,
                    100.0 * double(counters["VECTOR_LO"]) / tc);
        print_link();
    } else if (o.json) {
        std::printf(
            "{\"summary\":{\"fast_forward\":%d,\"sampler\":%s,\"adapter\":%s,\"positions\":%d,"
            "\"generated\":%u,\"end\":\"%s\",\"chip_cycles\":%llu,"
            "\"link\":\"%s\",\"clock_mhz\":%.0f,\"sim_time_s\":%.9f,\"tokens_per_s\":%.1f,"
            "\"wall_s\":%.3f,\"sim_tokens_per_s\":%.1f,\"checked\":%s,\"values_checked\":%lld,"
            "\"link_errors\":{\"chip_bad_crc\":%llu,\"chip_framing\":%llu,\"chip_seq\":%llu,"
            "\"chip_duplicates\":%llu,\"chip_replays\":%llu,\"host_bad_crc\":%llu,"
            "\"host_framing\":%llu,\"host_seq\":%llu,\"host_duplicates\":%llu,"
            "\"host_replays\":%llu,\"chip_tx_tlps\":%llu,\"host_tx_tlps\":%llu}}}\n",
            ff, sampler_json(o.sampler).c_str(), adapter_json(lora).c_str(), positions, r.generated,
            hw::link::name(r.end), static_cast<unsigned long long>(r.cycles), o.link.c_str(),
            o.clock_hz / 1e6, r.time_s, r.generated / r.time_s, wall, positions / wall,
            sb ? "true" : "false", sb ? sb->checked() : 0LL,
            static_cast<unsigned long long>(counters["RX_BAD_CRC"]),
            static_cast<unsigned long long>(counters["RX_FRAMING"]),
            static_cast<unsigned long long>(counters["RX_SEQ"]),
            static_cast<unsigned long long>(counters["RX_DUPLICATE"]),
            static_cast<unsigned long long>(counters["REPLAYS"]),
            static_cast<unsigned long long>(hl.bad_crc),
            static_cast<unsigned long long>(hl.framing),
            static_cast<unsigned long long>(hl.seq_errors),
            static_cast<unsigned long long>(hl.duplicates),
            static_cast<unsigned long long>(hl.replays),
            static_cast<unsigned long long>(counters["TX_TLPS"]),
            static_cast<unsigned long long>(hl.tx_tlps));
    } else {
        std::printf("\n\n");
        if (ff > 0)
            std::printf(
                "fast-fwd:   positions 0..%d by the golden model in %.3f s (their KV rows loaded "
                "into the chip)\n",
                ff - 1, ff_wall);
        std::printf("tokens:     %d positions decoded%s, %u generated (%s)%s\n", positions,
                    ff > 0 ? " by the chip" : "", r.generated, hw::link::name(r.end),
                    sb ? ", every one bit-exact with the golden model" : " (unchecked)");
        if (sb) std::printf("checked:    %lld datapath values, %lld tokens and %lld logits at the host\n",
                            sb->checked(), host_checked, host_logits);
        std::printf("chip:       %llu cycles (%.0f per position) = %.3f ms at %.0f MHz\n",
                    static_cast<unsigned long long>(r.cycles), double(r.cycles) / positions,
                    chip_s * 1e3, o.clock_hz / 1e6);
        std::printf("simulated:  %.3f ms over %s with the link = %.0f tokens/s\n", r.time_s * 1e3,
                    o.link.c_str(), r.generated / r.time_s);
        std::printf("wall:       %.2f s = %.1f positions/s simulated (%.2f M cycles/s)\n", wall,
                    positions / wall, double(r.cycles) / wall / 1e6);
        print_link();
    }
    if (!o.json) std::fputs(trace_note.c_str(), stdout);
    return 0;
}

// ---- malformed traffic: each case gets its defined answer and the chip keeps serving ----------
int linktest(const Options& o, const hw::GeneratedModel& g, hw::link::Card& card, ChipDevice& dev) {
    using namespace hw::link;
    const std::uint32_t vocab = g.model.config.vocab_size, seq_len = g.model.config.seq_len;
    card.identify();
    // Requests answered with an error status and dropped prompt tokens: each case below says
    // how many it causes (link-layer damage causes none: the data link layer recovers it).
    const std::uint32_t tl_errors0 = card.read(reg::TL_ERRORS);
    std::uint32_t tl_errors_want = 0;
    auto expect = [](bool ok, const std::string& what) {
        if (!ok) throw hw::Error("linktest: " + what);
        std::printf("ok: %s\n", what.c_str());
    };
    auto expect_status = [&](Status got, Status want, const std::string& what) {
        expect(got == want, what + " answers " + name(want) + " (got " + name(got) + ")");
    };
    auto expect_throw = [&](const std::function<void()>& f, const std::string& what) {
        try {
            f();
        } catch (const hw::DeviceError& e) {
            std::printf("ok: %s raises: %s\n", what.c_str(), e.what());
            return;
        }
        throw hw::Error("linktest: " + what + " raised no error");
    };
    const std::string& c = o.test_case;
    if (c == "bad-crc" || c == "bad-length" || c == "unknown-kind" || c == "cut-short" ||
        c == "ahead") {
        // A register read whose packet is damaged: the chip NAKs it and counts it, the host
        // replays what it had sent. cut-short: no CRC word and no EOP, so the host's next
        // packet opens inside it; ahead: a sound TLP whose sequence number is ahead of the
        // expected one, as if TLPs before it were lost.
        std::vector<std::uint32_t> words{dll_header(Kind::Tlp, 0x800, 2),
                                         tl_header(Type::RegRead, 0x55, 0), reg::ID};
        if (c == "bad-length") words[0] = dll_header(Kind::Tlp, 0x800, 5);
        if (c == "unknown-kind") words[0] = (0xEu << 28) | (words[0] & 0x0fffffff);
        std::vector<Symbol> s = frame_packet(words[0], {words[1], words[2]});
        if (c == "bad-crc") s[s.size() - 2].data ^= 0x10;  // the CRC word
        if (c == "cut-short") s.resize(s.size() - 2);       // no CRC word, no EOP
        const bool crc = c == "bad-crc", seq = c == "ahead";
        const std::uint32_t counter = crc ? reg::RX_BAD_CRC : seq ? reg::RX_SEQ : reg::RX_FRAMING;
        const std::string counter_name = crc ? "RX_BAD_CRC" : seq ? "RX_SEQ" : "RX_FRAMING";
        const std::uint32_t naks0 = card.read(reg::NAKS_SENT), count0 = card.read(counter);
        const std::uint32_t tlps0 = card.read(reg::RX_TLPS);
        card.host_link().send_raw(s);
        card.run(200);
        expect(card.read(reg::NAKS_SENT) == naks0 + 1, c + ": the chip sent one NAK");
        expect(card.read(counter) == count0 + 1, counter_name + " counted it");
        expect(card.host_link().counters().naks_received >= 1, "the host received the NAK");
        // RX_TLPS counts the three reads since its first read, not the damaged packet.
        expect(card.read(reg::RX_TLPS) == tlps0 + 3, "RX_TLPS: the damaged packet was not queued");
    } else if (c == "unknown-type") {
        const Completion r = card.request(static_cast<Type>(0x7e), {0});
        expect_status(r.status, Status::Unsupported, "an unknown request type");
        tl_errors_want = 1;
    } else if (c == "outside-map") {
        tl_errors_want = 3;
        expect_status(card.request(Type::RegRead, {0x1000}).status, Status::Unsupported,
                      "a read outside the register map");
        expect_status(card.request(Type::RegWrite, {0xffffffffu, 1}).status, Status::Unsupported,
                      "a write outside the register map");
        expect_throw([&] { card.read(0x1000); }, "the driver's read outside the map");
    } else if (c == "read-only") {
        tl_errors_want = 2;
        const std::uint32_t before = card.read(reg::DIM);
        expect_status(card.request(Type::RegWrite, {reg::DIM, before + 1}).status,
                      Status::ReadOnly, "a write to read-only DIM");
        expect(card.read(reg::DIM) == before, "DIM unchanged");
        expect_throw([&] { card.write(reg::ID, 0); }, "the driver's write to read-only ID");
    } else if (c == "tl-length") {
        tl_errors_want = 1;
        expect_status(card.request(Type::RegRead, {reg::ID, 7, 7}).status, Status::Malformed,
                      "a register read of the wrong length");
    } else if (c == "bad-token") {
        tl_errors_want = 1;
        expect_throw([&] { card.generate({hw::kBosToken, static_cast<int>(vocab)}, 4, false, {}); },
                     "a prompt token >= VOCAB_SIZE");
        expect((card.read(reg::STATUS) & 3u) == 2u, "STATUS: not running, error set");
        expect(((card.read(reg::STATUS) >> 8) & 0xff) == static_cast<std::uint32_t>(End::BadToken),
               "STATUS end code BAD_TOKEN");
    } else if (c == "context-full") {
        tl_errors_want = 1;  // the prompt token beyond the context, dropped
        std::vector<int> prompt(seq_len + 1, hw::kBosToken);
        expect_throw([&] { card.generate(prompt, 1, false, {}); },
                     "a prompt longer than the context (" + std::to_string(seq_len + 1) + " tokens)");
        expect(((card.read(reg::STATUS) >> 8) & 0xff) == static_cast<std::uint32_t>(End::ContextFull),
               "STATUS end code CONTEXT_FULL");
    } else if (c == "not-running") {
        tl_errors_want = 1;
        card.post({tl_header(Type::TokenIn, 0, 1), 5});
        card.settle();
        card.run(100);
        expect(((card.read(reg::STATUS) >> 8) & 0xff) == static_cast<std::uint32_t>(End::NotRunning),
               "STATUS end code NOT_RUNNING");
    } else if (c == "sample-range") {
        // The sampler's registers refuse values it is not defined for, and keep their own.
        const struct { std::uint32_t addr; const char* name; std::uint32_t bad, good; } regs[] = {
            {reg::SAMPLE_INV_TEMP, "SAMPLE_INV_TEMP", 0x1000001u, 0x1000000u},
            {reg::SAMPLE_TOP_K, "SAMPLE_TOP_K", 65, 64},
            {reg::SAMPLE_TOP_P, "SAMPLE_TOP_P", 0, 1},
            {reg::SAMPLE_TOP_P, "SAMPLE_TOP_P", 65537, 65536}};
        for (const auto& r : regs) {
            card.write(r.addr, r.good);
            expect_status(card.request(Type::RegWrite, {r.addr, r.bad}).status, Status::Range,
                          std::string(r.name) + " = " + std::to_string(r.bad));
            expect(card.read(r.addr) == r.good, std::string(r.name) + " kept " + std::to_string(r.good));
            tl_errors_want++;
        }
        card.write(reg::SAMPLE_SEED_HI, 0xdeadbeefu);
        expect(card.read(reg::SAMPLE_SEED_HI) == 0xdeadbeefu, "SAMPLE_SEED_HI reads back");
        expect_throw([&] { card.write(reg::SAMPLE_TOP_K, 100); }, "the driver's SAMPLE_TOP_K = 100");
        tl_errors_want++;
        card.set_sampler({});  // greedy again for the decode below
    } else if (c == "adapter") {
        // ADAPTER_WRITE and the ADAPTER_* registers: every refusal, and the hash of what was
        // taken. (The decode below runs with no slot selected: the etched model.)
        const hw::link::Card::AdapterSlots a = card.adapter_slots();
        expect(a.slots == static_cast<std::uint32_t>(g.datapath.lora_slots) && a.slots >= 1 &&
                   a.rank == static_cast<std::uint32_t>(g.datapath.lora_rank) && a.slot_words > 16,
               "ADAPTER_SLOTS, ADAPTER_RANK, ADAPTER_SLOT_WORDS read the chip's");
        auto write_words = [&](std::uint32_t addr, std::vector<std::uint32_t> data, std::uint32_t count) {
            data.insert(data.begin(), addr);
            return card.request(Type::AdapterWrite, data, count).status;
        };
        card.write(reg::ADAPTER_SLOT, a.slots - 1);
        card.write(reg::ADAPTER_TARGETS, 0x7f);
        expect(card.read(reg::ADAPTER_HASH) == 0u, "a load begins with the hash of nothing");
        const std::vector<std::uint32_t> words{0x11111111u, 0x22222222u, 0x33333333u};
        expect_status(write_words(0, words, 3), Status::Ok, "ADAPTER_WRITE of 3 words");
        expect(card.read(reg::ADAPTER_HASH) == hw::link::crc32_words(words.data(), words.size()),
               "ADAPTER_HASH is the CRC-32 of the words written");
        expect_status(write_words(0, words, 2), Status::Malformed, "a count of 2 with 3 words");
        expect_status(write_words(0, {}, 0), Status::Malformed, "a count of 0");
        expect_status(write_words(0, std::vector<std::uint32_t>(17, 1u), 17), Status::Malformed,
                      "a count of 17");
        expect_status(write_words(a.slot_words - 2, words, 3), Status::Range, "words past the slot's end");
        expect_status(write_words(a.slot_words, {1u}, 1), Status::Range, "an address past the slot");
        expect(card.read(reg::ADAPTER_HASH) == hw::link::crc32_words(words.data(), words.size()),
               "refused writes leave the hash alone");
        tl_errors_want += 5;
        auto reg_name = [](std::uint32_t addr) {
            for (const Register& r : kRegisters)
                if (r.addr == addr) return std::string(r.name);
            return std::string("?");
        };
        for (const auto& r : {std::pair<std::uint32_t, std::uint32_t>{reg::ADAPTER_SLOT, a.slots},
                              {reg::ADAPTER_TARGETS, 128}, {reg::ADAPTER_SELECT, a.slots + 1}}) {
            const std::uint32_t before = card.read(r.first);
            expect_status(card.request(Type::RegWrite, {r.first, r.second}).status, Status::Range,
                          reg_name(r.first) + " = " + std::to_string(r.second));
            expect(card.read(r.first) == before, reg_name(r.first) + " kept its value");
            tl_errors_want++;
        }
        expect_status(card.request(Type::RegWrite, {reg::ADAPTER_HASH, 0}).status, Status::ReadOnly,
                      "ADAPTER_HASH written");
        tl_errors_want++;
        card.unload_adapter(a.slots - 1);
        expect(card.read(reg::ADAPTER_TARGETS) == 0u, "unloading leaves a slot adapting nothing");
        card.select_adapter(-1);
    } else if (c == "busy") {
        tl_errors_want = 2;
        card.write(reg::STEPS, 200);
        card.write(reg::CONTROL, 2u);
        expect_status(card.request(Type::RegWrite, {reg::POSITION, 3}).status, Status::Busy,
                      "POSITION written while running");
        expect_status(card.request(Type::RegWrite, {reg::SAMPLE_INV_TEMP, 65536}).status, Status::Busy,
                      "SAMPLE_INV_TEMP written while running");
        if (g.datapath.lora_slots > 0) {
            expect_status(card.request(Type::RegWrite, {reg::ADAPTER_SELECT, 1}).status, Status::Busy,
                          "ADAPTER_SELECT written while running");
            expect_status(card.request(Type::AdapterWrite, {0u, 5u}, 1).status, Status::Busy,
                          "ADAPTER_WRITE while running");
            tl_errors_want += 2;
        }
        card.write(reg::CONTROL, 4u);  // STOP: the generation never got a prompt, ends at once
        const auto m = card.next_message(o.timeout);
        expect(static_cast<Type>(m[0] >> 24) == Type::Ready &&
                   static_cast<End>(m[0] & 0xff) == End::Stopped, "STOP ends it with READY(STOPPED)");
    } else {
        throw hw::make_error("--case", "unknown case",
                             "bad-crc, bad-length, unknown-kind, cut-short, ahead, unknown-type, outside-map, "
                             "read-only, tl-length, bad-token, context-full, not-running, sample-range, adapter or busy",
                             "'" + c + "'");
    }
    const std::uint32_t tl_errors = card.read(reg::TL_ERRORS) - tl_errors0;
    expect(tl_errors == tl_errors_want, "TL_ERRORS counted " + std::to_string(tl_errors) +
                                            " transaction-layer error(s), as expected " +
                                            std::to_string(tl_errors_want));
    // The chip keeps serving: a fresh decode of 3 positions, every stage scoreboarded and timed.
    card.reset();
    hw::Scoreboard sb(g.data);
    hw::CycleCheck cc(g.model.config, g.data.q.format, g.datapath);
    sb.set_prompt({hw::kBosToken});
    dev.attach(&sb, &cc);
    const hw::link::GenerateResult r = card.generate({hw::kBosToken}, 3, false, {});
    dev.attach(nullptr, nullptr);
    bool tokens_right = r.tokens.size() == 3;
    for (const auto& e : r.tokens) tokens_right &= int(e.token) == sb.expected_next(int(e.pos));
    expect(r.end == End::Done && tokens_right && sb.positions() == 3 && cc.tokens_checked() == 3,
           "the chip still decodes afterwards: 3 positions bit-exact with the golden model, "
           "their cycles as modelled");
    std::printf("linktest %s: passed\n", c.c_str());
    return 0;
}

// ---- the address space: only the documented registers answer ---------------------------------
std::string hex32(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

int walk(hw::link::Card& card) {
    using namespace hw::link;
    std::vector<std::uint32_t> addrs;
    for (std::uint32_t a = 0; a < 0x10000; a++) addrs.push_back(a);
    for (int b = 16; b < 32; b++) addrs.push_back(1u << b);
    addrs.push_back(0xffffffffu);
    std::uint32_t answered = 0;
    for (std::uint32_t a : addrs) {
        const Completion r = card.request(Type::RegRead, {a});
        bool documented = false;
        for (const Register& reg : kRegisters) documented |= reg.addr == a;
        if ((r.status == Status::Ok) != documented)
            throw hw::Error("walk: address " + hex32(a) +
                            (documented ? " is documented but answered " : " is not documented but answered ") +
                            name(r.status));
        answered += r.status == Status::Ok;
        if (a % 0x4000 == 0x3fff) std::fprintf(stderr, "walk: %u addresses read\n", a + 1);
    }
    std::printf("walk: %zu addresses read, %u answered (the %zu documented registers), the rest "
                "UNSUPPORTED: no window onto the ROMs\n",
                addrs.size(), answered, std::size(kRegisters));
    return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        const hw::GeneratedModel g = hw::load_generated_model(o.gen_dir, o.model);
        std::unique_ptr<hw::Scoreboard> sb;
        if (o.check && (o.mode == "check" || o.mode == "run"))
            sb = std::make_unique<hw::Scoreboard>(g.data);
        if (sb) sb->keep_logits(o.logits);
        std::unique_ptr<hw::CycleCheck> cc;
        if (sb) cc = std::make_unique<hw::CycleCheck>(g.model.config, g.data.q.format, g.datapath);
        const hw::SamplerSettings& smp = o.sampler;
        if (sb) sb->set_sampler(smp);
        if (cc) cc->set_sampler({!smp.greedy(), smp.buffered(), smp.buffer_size(g.model.config.vocab_size)});
        ChipDevice dev(o, g.model.config.n_layers, sb.get(), cc.get());
        dev.use_backdoor(g.manifest["model"]["name"].get<std::string>() + "_chip", g.model.config,
                         g.datapath);
        hw::link::CardOptions co;
        co.timing = hw::link::link_timing(o.link);
        co.clock_hz = o.clock_hz;
        co.faults = o.faults;
        co.seed = o.seed;
        co.timeout_cycles = o.timeout;
        co.host_credits = o.host_credits;
        co.stall_rate = o.stall_rate;
        if (!o.tlm) {
            hw::link::Card card(dev, co);
            if (o.mode == "linktest") return linktest(o, g, card, dev);
            if (o.mode == "walk") return walk(card);
            return decode(o, g, card, card.link(), dev, sb.get(), cc.get());
        }
        // The virtual platform at RTL: the driver's Card on an initiator socket, the chip
        // behind the card's target socket through the transactor (vp/link_chip.h), the decode
        // in an SC_THREAD.
        if (o.mode != "check" && o.mode != "run")
            throw hw::make_error("--tlm", "mode",
                                 "check or run (linktest and walk send raw link traffic)", o.mode);
        hw::link::LinkPort link(dev, co);
        hw::vp::LinkChip chip(link);
        hw::vp::CardTarget target("card", chip, o.clock_hz);
        hw::vp::TlmPort port("driver", o.clock_hz);
        port.socket.bind(target.socket);
        tlm::tlm_global_quantum::instance().set(sc_core::sc_time(
            static_cast<double>(100000 * hw::vp::period_ps(o.clock_hz)), sc_core::SC_PS));
        hw::link::Card card(port, co);
        hw::vp::HostThread host("host",
                                [&] { return decode(o, g, card, link, dev, sb.get(), cc.get()); });
        sc_core::sc_start();
        return host.result();
    } catch (const hw::Mismatch& e) {
        std::fflush(stdout);
        std::printf("\n%s\n", e.what());
        return 1;
    } catch (const hw::SimTimeout& e) {
        std::printf("TIMEOUT: %s\n", e.what());
        return 1;
    } catch (const hw::DeviceError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "\nchip_sim: card error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chip_sim: error: %s\n", e.what());
        return 2;
    }
}

// SystemC's own main prints its banner to stdout before sc_main runs: this one turns it off
// and hands over as SystemC's does (--tlm elaborates the sockets; the other modes make no
// SystemC object).
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
