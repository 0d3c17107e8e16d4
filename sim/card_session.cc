// SPDX-License-Identifier: MIT
#include "card_session.h"

#include <algorithm>
#include <cstdio>

#include "adapter_layout.h"
#include "error.h"
#include "lora.h"
#include "sampler.h"

namespace hw {

// "T,T,..." -> token ids (range-checked against the vocabulary by the chip, on purpose).
std::vector<int> parse_tokens(const std::string& text) {
    std::vector<int> v;
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        const std::string part = text.substr(at, comma - at);
        if (part.empty() || part.size() > 9 ||
            part.find_first_not_of("0123456789") != std::string::npos)
            throw make_error("--prompt-tokens", "bad token list", "comma-separated token ids",
                             "'" + text + "'");
        v.push_back(std::stoi(part));
        at = comma + 1;
    }
    return v;
}

double parse_number(const std::string& option, const std::string& text, double lo, double hi) {
    std::size_t used = 0;
    double x = 0;
    try {
        x = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !(x >= lo && x <= hi))
        throw make_error(option, "bad value",
                         "a number in " + std::to_string(lo) + ".." + std::to_string(hi),
                         "'" + text + "'");
    return x;
}

void parse_decode_options(int argc, char** argv, DecodeOptions& o, const OwnOption& own,
                          const std::string& usage) {
    if (argc < 3) throw Error("missing MODE and GEN_DIR\n" + usage);
    o.mode = argv[1];
    o.gen_dir = argv[2];
    double temperature = 0, top_p = 1;  // the sampler's options, checked together below
    int top_k = 0;
    for (int k = 3; k < argc; k++) {
        const std::string a = argv[k];
        const std::function<std::string()> value = [&]() -> std::string {
            if (k + 1 >= argc) throw Error("option " + a + " needs a value");
            return argv[++k];
        };
        auto number = [&](double lo, double hi) { return parse_number(a, value(), lo, hi); };
        if (a == "--steps")
            o.steps = static_cast<int>(number(1, 1 << 20));
        else if (a == "--model")
            o.model = value();
        else if (a == "--prompt")
            o.prompt = value();
        else if (a == "--tokenizer")
            o.tokenizer = value();
        else if (a == "--prompt-tokens")
            o.prompt_tokens = parse_tokens(value());
        else if (a == "--json")
            o.json = true;
        else if (a == "--logits")
            o.logits = true;
        else if (a == "--link")
            o.link = value();
        else if (a == "--clock-mhz")
            o.clock_hz = number(1, 1e5) * 1e6;
        else if (a == "--temperature")
            temperature = number(0, 256);
        else if (a == "--top-k")
            top_k = static_cast<int>(number(0, kMaxTopK));
        else if (a == "--top-p")
            top_p = number(0, 1);
        else if (a == "--seed")
            o.seed = static_cast<std::uint64_t>(number(0, 1e15));
        else if (a == "--adapter")
            o.adapter_dir = value();
        else if (a == "--synthetic-adapter")
            o.adapter_spec = value();
        else if (a == "--slot")
            o.slot = static_cast<int>(number(0, kMaxLoraSlots - 1));
        else if (!own(a, value))
            throw Error("unknown option '" + a + "'\n" + usage);
    }
    o.sampler = sampler_settings(temperature, top_k, top_p, o.seed);
    if (!o.adapter_dir.empty() && !o.adapter_spec.empty())
        throw Error("give --adapter or --synthetic-adapter, not both");
    if (!o.prompt.empty() && !o.prompt_tokens.empty())
        throw Error("give --prompt or --prompt-tokens, not both");
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\')
            out += std::string("\\") + char(c);
        else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            out += b;
        } else
            out += char(c);
    }
    return out;
}

std::string sampler_json(const SamplerSettings& s) {
    char b[160];
    std::snprintf(
        b, sizeof b, "{\"inv_temperature_q16\":%u,\"top_k\":%d,\"top_p_q16\":%u,\"seed\":%llu}",
        s.inv_temperature_q16, s.top_k, s.top_p_q16, static_cast<unsigned long long>(s.seed));
    return b;
}
std::string sampler_text(const SamplerSettings& s) {
    if (s.greedy()) return "greedy (the argmax)";
    char b[160];
    std::snprintf(b, sizeof b, "1/T %u/65536, top-k %d, top-p %u/65536, seed %llu",
                  s.inv_temperature_q16, s.top_k, s.top_p_q16,
                  static_cast<unsigned long long>(s.seed));
    return b;
}
std::string adapter_json(const AdapterRun& r) {
    if (r.source.empty()) return "null";
    char b[96];
    std::snprintf(b, sizeof b, "{\"slot\":%d,\"targets\":%u,\"hash\":\"%08x\",\"source\":\"",
                  r.slot, r.targets, r.hash);
    return std::string(b) + json_escape(r.source) + "\"}";
}

LoadedAdapter load_adapter(const std::string& dir, const std::string& spec, int slot,
                           const std::string& slot_option, const Config& c, const Datapath& d,
                           const WeightFormat& format, link::Card& card) {
    if (d.lora_slots <= 0)
        throw Error(
            "this chip has no adapter slots (built with --lora-slots 0, or a weight format "
            "whose MAC cluster cannot take int8/g32 adapter words: " +
            format.name() + ")");
    if (slot < 0 || slot >= d.lora_slots)
        throw make_error(slot_option, "adapter slot", "0.." + std::to_string(d.lora_slots - 1),
                         std::to_string(slot));
    const Adapter a = !dir.empty() ? read_peft_adapter(dir, c) : make_synthetic_adapter(c, spec);
    LoadedAdapter l;
    l.q = std::make_unique<QAdapter>(quantize_adapter(a));
    const AdapterLayout layout(c, d);
    const AdapterImage img = adapter_image(*l.q, layout);
    const std::uint64_t c0 = card.cycle();
    l.run.hash = card.load_adapter(static_cast<std::uint32_t>(slot), img.words, img.targets,
                                   static_cast<std::uint32_t>(layout.beat_words),
                                   static_cast<std::uint32_t>((layout.beat_bits + 31) / 32));
    l.run.cycles = card.cycle() - c0;
    l.run.source = a.source;
    l.run.slot = slot;
    l.run.targets = img.targets;
    std::fprintf(stderr,
                 "adapter: %s (r %d) in slot %d, %zu words loaded in %llu cycles, hash 0x%08x\n",
                 a.source.c_str(), a.rank, slot, img.words.size(),
                 static_cast<unsigned long long>(l.run.cycles), l.run.hash);
    return l;
}

}  // namespace hw
