// SPDX-License-Identifier: MIT
// vp_sim: the virtual platform. The card is a TLM-2.0 target (vp/card_target.h) holding the
// transaction-level model (vp/fast_chip.h: the integer golden model timed by the exact cycle
// model); the host driver's Card talks to it through an initiator socket (vp/tlm_port.h)
// from an SC_THREAD, with the same calls as on the RTL. `hardwire run --level tlm` calls it.
// It needs no Verilated build: the generated folder's manifest (hardwire gen) is enough.
//
// usage: vp_sim MODE GEN_DIR [options]
//   check  decode from BOS (--steps N positions): each position's tokens and cycles (and,
//          with --logits, the CRC-32 of its logits), then the figures; the lines match
//          chip_sim check's, so a test can compare the two levels line by line
//   run    decode a prompt (--prompt, --tokenizer) and stream the text, then a summary
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "card_session.h"
#include "card_target.h"
#include "crc32.h"
#include "decode.h"
#include "driver.h"
#include "error.h"
#include "fast_chip.h"
#include "generated_model.h"
#include "host_thread.h"
#include "sampler.h"
#include "tlm_port.h"
#include "tokenizer.h"

namespace {

const char* const kUsage =
    "usage: vp_sim (check|run) GEN_DIR [--model FILE] [--steps N] [--prompt TEXT] [--tokenizer "
    "FILE]\n"
    "       [--prompt-tokens T,T,...] [--json] [--logits] [--link usb2|pcie3x1|pcie3x4] "
    "[--clock-mhz F]\n"
    "       [--temperature T] [--top-k K] [--top-p P] [--seed S]\n"
    "       [--adapter DIR | --synthetic-adapter SPEC] [--slot K] [--quantum-cycles N]\n";

struct Options : hw::DecodeOptions {
    std::uint64_t quantum_cycles = 100000;  // the initiator's quantum (temporal decoupling)
};

Options parse(int argc, char** argv) {
    Options o;
    hw::parse_decode_options(
        argc, argv, o,
        [&](const std::string& a, const std::function<std::string()>& value) {
            if (a != "--quantum-cycles") return false;
            o.quantum_cycles = static_cast<std::uint64_t>(hw::parse_number(a, value(), 1, 1e12));
            return true;
        },
        kUsage);
    if (o.mode != "check" && o.mode != "run")
        throw hw::make_error("MODE", "unknown mode", "check or run", "'" + o.mode + "'");
    return o;
}

// The decode, through the driver: the same calls chip_sim makes on the RTL.
int decode(const Options& o, const hw::GeneratedModel& g, hw::vp::FastChip& chip,
           hw::vp::TlmPort& port, hw::link::Card& card) {
    const hw::Config& c = g.model.config;
    std::unique_ptr<hw::Tokenizer> tok;
    if (!o.tokenizer.empty())
        tok = std::make_unique<hw::Tokenizer>(hw::Tokenizer::read(o.tokenizer, c.vocab_size));
    if (!o.prompt.empty() && !tok) throw hw::Error("--prompt needs --tokenizer");
    const std::vector<int> prompt = !o.prompt_tokens.empty() ? o.prompt_tokens
                                    : tok                    ? tok->encode(o.prompt, true)
                                                             : std::vector<int>{hw::kBosToken};
    const int steps = o.steps ? o.steps : (o.mode == "run" ? std::min(256, c.seq_len) : 32);
    hw::check_decode_request(prompt, steps, c.seq_len);

    card.check_model(g.manifest["model_hash"].get<std::string>());
    card.reset();
    card.set_sampler(o.sampler);
    hw::LoadedAdapter adapter;
    if (!o.adapter_dir.empty() || !o.adapter_spec.empty()) {
        adapter = hw::load_adapter(o.adapter_dir, o.adapter_spec, o.slot, "--slot", c, g.datapath,
                                   g.data.q.format, card);
        card.select_adapter(o.slot);
    } else {
        card.select_adapter(-1);
    }

    const auto wall0 = std::chrono::steady_clock::now();
    const int gen_steps = steps - static_cast<int>(prompt.size()) + 1;
    bool stop_sent = false, bos_seen = false;
    int shown = prompt[0];
    auto cycles_of = [&](int pos) -> unsigned long long {
        const auto& t = chip.timings();
        for (auto it = t.rbegin(); it != t.rend(); ++it)
            if (it->pos == pos) return it->cycles;
        return 0;
    };
    auto on_token = [&](const hw::link::TokenEvent& e) {
        if (bos_seen) return;
        const int pos = static_cast<int>(e.pos);
        const int input = pos < static_cast<int>(prompt.size()) ? prompt[pos] : -1;
        const int shown_next =
            pos + 1 < static_cast<int>(prompt.size()) ? prompt[pos + 1] : static_cast<int>(e.token);
        if (o.mode == "check") {
            std::printf("pos %d token %d next %u cycles %llu", pos, input >= 0 ? input : shown,
                        e.token, cycles_of(pos));
            if (o.logits)
                std::printf(
                    " logits %08x",
                    hw::link::crc32_words(reinterpret_cast<const std::uint32_t*>(e.logits.data()),
                                          e.logits.size()));
            std::printf("\n");
        } else if (o.json) {
            std::printf(
                "{\"pos\":%d,\"next\":%d,\"chip_token\":%u,\"generated\":%s,\"cycle\":%llu,"
                "\"time_us\":%.3f,\"token_cycles\":%llu,\"level\":\"tlm\"",
                pos, shown_next, e.token, e.generated ? "true" : "false",
                static_cast<unsigned long long>(e.cycle), e.time_s * 1e6, cycles_of(pos));
            if (tok)
                std::printf(",\"text\":\"%s\"",
                            hw::json_escape(tok->decode(shown, shown_next)).c_str());
            if (adapter.q) std::printf(",\"adapter_slot\":%d", adapter.run.slot);
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
            bos_seen = true;
            stop_sent = true;
            card.write(hw::link::reg::CONTROL, 4u);
        }
    };
    const hw::link::GenerateResult r = card.generate(prompt, gen_steps, o.logits, on_token);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const int positions = static_cast<int>(r.tokens.size());
    unsigned long long token_cycles = 0;
    for (const auto& t : chip.timings()) token_cycles += t.cycles;
    if (o.mode == "check") {
        std::printf(
            "vp_check: %d tokens at transaction level, %.0f cycles/token (the exact cycle model), "
            "%.2f s (%.0f tokens/s), %llu TLM transactions\n",
            positions, double(token_cycles) / positions, wall, positions / wall,
            static_cast<unsigned long long>(port.transactions()));
        std::printf(
            "chip:       %llu cycles for %d positions (%s), %llu from each position's start to its "
            "result\n",
            static_cast<unsigned long long>(r.cycles), positions, g.datapath.name().c_str(),
            token_cycles);
        std::printf("sampler:    %s\n", hw::sampler_text(o.sampler).c_str());
        if (adapter.q)
            std::printf(
                "adapter:    %s in slot %d (targets 0x%02x, ADAPTER_HASH 0x%08x, loaded in %llu "
                "cycles)\n",
                adapter.run.source.c_str(), adapter.run.slot, adapter.run.targets, adapter.run.hash,
                static_cast<unsigned long long>(adapter.run.cycles));
    } else if (o.json) {
        std::printf(
            "{\"summary\":{\"level\":\"tlm\",\"sampler\":%s,\"adapter\":%s,\"positions\":%d,"
            "\"generated\":%u,"
            "\"end\":\"%s\",\"chip_cycles\":%llu,\"token_cycles\":%llu,\"link\":\"%s\",\"clock_"
            "mhz\":%.0f,"
            "\"sim_time_s\":%.9f,\"tokens_per_s\":%.1f,\"wall_s\":%.3f,\"sim_tokens_per_s\":%.1f,"
            "\"tlm_transactions\":%llu}}\n",
            hw::sampler_json(o.sampler).c_str(), hw::adapter_json(adapter.run).c_str(), positions,
            r.generated, hw::link::name(r.end), static_cast<unsigned long long>(r.cycles),
            token_cycles, o.link.c_str(), o.clock_hz / 1e6, r.time_s, r.generated / r.time_s, wall,
            positions / wall, static_cast<unsigned long long>(port.transactions()));
    } else {
        std::printf("\n\n");
        std::printf(
            "tokens:     %d positions decoded, %u generated (%s) by the transaction-level model\n",
            positions, r.generated, hw::link::name(r.end));
        std::printf(
            "chip:       %llu cycles (%.0f per position; %llu from each position's start to its "
            "result, "
            "the exact cycle model's) = %.3f ms at %.0f MHz\n",
            static_cast<unsigned long long>(r.cycles), double(r.cycles) / positions, token_cycles,
            double(r.cycles) / o.clock_hz * 1e3, o.clock_hz / 1e6);
        std::printf("simulated:  %.3f ms over %s with the link = %.0f tokens/s\n", r.time_s * 1e3,
                    o.link.c_str(), r.generated / r.time_s);
        std::printf(
            "wall:       %.3f s = %.0f positions/s at transaction level (%llu TLM transactions)\n",
            wall, positions / wall, static_cast<unsigned long long>(port.transactions()));
    }
    return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        const hw::GeneratedModel g = hw::load_generated_model(o.gen_dir, o.model);
        hw::vp::FastChip chip(g.data, g.datapath, g.manifest["model_hash"].get<std::string>());
        hw::vp::CardTarget target("card", chip, o.clock_hz);
        hw::vp::TlmPort port("driver", o.clock_hz);
        port.socket.bind(target.socket);
        tlm::tlm_global_quantum::instance().set(sc_core::sc_time(
            static_cast<double>(o.quantum_cycles * hw::vp::period_ps(o.clock_hz)), sc_core::SC_PS));
        hw::link::CardOptions co;
        co.timing = hw::link::link_timing(o.link);
        co.clock_hz = o.clock_hz;
        hw::link::Card card(port, co);
        hw::vp::HostThread host("host", [&] { return decode(o, g, chip, port, card); });
        sc_core::sc_start();
        return host.result();
    } catch (const hw::DeviceError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "\nvp_sim: card error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "vp_sim: error: %s\n", e.what());
        return 2;
    }
}

// SystemC's own main prints its banner to stdout before sc_main runs; run's output (and
// --json's) is the decode's alone, so this main turns the banner off first and then hands
// over to SystemC exactly as its main does.
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
