// SPDX-License-Identifier: MIT
#include "driver.h"

#include <algorithm>
#include <cstdio>

#include "crc32.h"
#include "error.h"

namespace hw::link {

namespace {

std::string hex8(std::uint32_t v) {
    char b[12];
    std::snprintf(b, sizeof b, "%08x", v);
    return b;
}

std::string reg_name(std::uint32_t addr) {
    for (const Register& r : kRegisters)
        if (r.addr == addr) return r.name;
    return "0x" + hex8(addr);
}

// Bytes of a packet with `payload` words on the wire: SOP, header, payload, CRC, EOP.
double packet_bytes(std::size_t payload) { return 4.0 * (payload + 4); }

const char* end_meaning(End e) {
    switch (e) {
        case End::Done: return "the requested tokens were generated";
        case End::Stopped: return "stopped by CONTROL.STOP";
        case End::BadToken: return "a prompt token was >= VOCAB_SIZE";
        case End::ContextFull: return "the context is full (position SEQ_LEN reached)";
        case End::NotRunning: return "a prompt token arrived with no generation running";
    }
    return "?";
}

}  // namespace

LinkPort::LinkPort(Device& device, const CardOptions& o)
    : device_(device),
      stall_rate_(o.stall_rate),
      stall_max_(o.stall_max),
      host_(o.host_credits),
      to_chip_(o.faults, o.seed * 2 + 1),
      from_chip_(o.faults, o.seed * 2 + 2),
      stall_rng_(o.seed * 2 + 3) {
    if (o.host_credits < 1 || o.host_credits > 4095)
        throw make_error("host credits", "out of range", "1..4095", std::to_string(o.host_credits));
    if (!(o.stall_rate >= 0 && o.stall_rate <= 1) || o.stall_max < 1)
        throw make_error("host stalls", "bad rate", "a probability in 0..1 and a length >= 1",
                         std::to_string(o.stall_rate));
}

void LinkPort::advance() {
    const Symbol at_chip = to_chip_.step(host_out_);
    const Symbol from_chip = device_.step(at_chip);
    host_out_ = host_.step(from_chip_.step(from_chip));
    stalled_ = true;
    if (stall_left_ > 0) {
        stall_left_--;
        return;
    }
    if (stall_rate_ > 0 && std::uniform_real_distribution<double>(0, 1)(stall_rng_) < stall_rate_) {
        stall_left_ = std::uniform_int_distribution<unsigned>(1, stall_max_)(stall_rng_);
        return;
    }
    stalled_ = false;
}

std::optional<std::vector<std::uint32_t>> LinkPort::receive() {
    if (stalled_) return std::nullopt;
    return host_.receive();
}

Card::Card(Device& device, CardOptions options)
    : o_(std::move(options)),
      own_link_(std::make_unique<LinkPort>(device, o_)),
      port_(own_link_.get()) {}

Card::Card(TlpPort& port, CardOptions options) : o_(std::move(options)), port_(&port) {}

LinkPort& Card::link() {
    if (!own_link_)
        throw Error("this card is behind a transaction-level port: it has no link layer");
    return *own_link_;
}
const LinkPort& Card::link() const {
    if (!own_link_)
        throw Error("this card is behind a transaction-level port: it has no link layer");
    return *own_link_;
}

void Card::pump() {
    port_->advance();
    while (auto p = port_->receive()) {
        const std::uint32_t h = p->empty() ? 0 : (*p)[0];
        if (static_cast<Type>(h >> 24) == Type::Completion && p->size() >= 2) {
            completions_[(h >> 16) & 0xff] = {static_cast<Status>(h & 0xffff), (*p)[1]};
        } else {
            messages_.push_back(std::move(*p));
        }
    }
}

void Card::run(std::uint64_t cycles) {
    for (std::uint64_t k = 0; k < cycles; k++) pump();
}

void Card::settle() {
    const std::uint64_t start = cycle();
    while (!port_->idle()) {
        if (cycle() - start > o_.timeout_cycles)
            throw DeviceError("link: packets still unacknowledged after " +
                              std::to_string(o_.timeout_cycles) + " cycles");
        pump();
    }
}

Completion Card::request(Type type, std::vector<std::uint32_t> args, std::uint32_t arg) {
    const std::uint32_t tag = tag_;
    tag_ = (tag_ + 1) & 0xff;
    completions_.erase(tag);
    std::vector<std::uint32_t> payload{tl_header(type, tag, arg)};
    payload.insert(payload.end(), args.begin(), args.end());
    port_->send(std::move(payload));
    const std::uint64_t start = cycle();
    while (completions_.find(tag) == completions_.end()) {
        if (cycle() - start > o_.timeout_cycles)
            throw DeviceError(std::string(name(type)) + " (tag " + std::to_string(tag) +
                              "): no completion within " + std::to_string(o_.timeout_cycles) +
                              " cycles");
        pump();
    }
    return completions_[tag];
}

std::uint32_t Card::read(std::uint32_t addr) {
    const Completion c = request(Type::RegRead, {addr});
    if (c.status != Status::Ok)
        throw DeviceError("read of register " + reg_name(addr) + ": the card answered " +
                          name(c.status));
    return c.data;
}

void Card::write(std::uint32_t addr, std::uint32_t value) {
    const Completion c = request(Type::RegWrite, {addr, value});
    if (c.status != Status::Ok)
        throw DeviceError("write of 0x" + hex8(value) + " to register " + reg_name(addr) +
                          ": the card answered " + name(c.status));
}

std::vector<std::uint32_t> Card::next_message(std::uint64_t timeout) {
    const std::uint64_t start = cycle();
    while (messages_.empty()) {
        if (cycle() - start > timeout)
            throw DeviceError("no message from the card within " + std::to_string(timeout) +
                              " cycles (cycle " + std::to_string(cycle()) + ")");
        pump();
    }
    auto m = std::move(messages_.front());
    messages_.pop_front();
    return m;
}

Identity Card::identify() {
    Identity id;
    id.id = read(reg::ID);
    if (id.id != kId)
        throw DeviceError("register ID reads 0x" + hex8(id.id) + ": expected 0x" + hex8(kId) +
                          " (a hardwire card)");
    id.version = read(reg::VERSION);
    if ((id.version >> 16) != (kVersion >> 16))
        throw DeviceError("register VERSION reads 0x" + hex8(id.version) +
                          ": this driver speaks major version " + std::to_string(kVersion >> 16));
    for (std::uint32_t k = 0; k < 8; k++) id.model_hash += hex8(read(reg::MODEL_HASH0 + k));
    id.dim = read(reg::DIM);
    id.hidden_dim = read(reg::HIDDEN_DIM);
    id.n_layers = read(reg::N_LAYERS);
    id.n_heads = read(reg::N_HEADS);
    id.n_kv_heads = read(reg::N_KV_HEADS);
    id.vocab_size = read(reg::VOCAB_SIZE);
    id.seq_len = read(reg::SEQ_LEN);
    id.lanes = read(reg::LANES);
    id.rows = read(reg::ROWS);
    id.attn_par = read(reg::ATTN_PAR);
    return id;
}

void Card::check_model(const std::string& manifest_hash) {
    const Identity id = identify();
    if (id.model_hash != manifest_hash)
        throw DeviceError("the card holds model " + id.model_hash + ", the manifest names " +
                          manifest_hash + ": wrong card or wrong manifest");
}

void Card::reset() { write(reg::CONTROL, 1u); }

void Card::set_sampler(const SamplerSettings& s) {
    write(reg::SAMPLE_INV_TEMP, s.inv_temperature_q16);
    write(reg::SAMPLE_TOP_K, static_cast<std::uint32_t>(s.top_k));
    write(reg::SAMPLE_TOP_P, s.top_p_q16);
    write(reg::SAMPLE_SEED_LO, static_cast<std::uint32_t>(s.seed));
    write(reg::SAMPLE_SEED_HI, static_cast<std::uint32_t>(s.seed >> 32));
}

Card::AdapterSlots Card::adapter_slots() {
    return {read(reg::ADAPTER_SLOTS), read(reg::ADAPTER_RANK), read(reg::ADAPTER_SLOT_WORDS)};
}

std::uint32_t Card::load_adapter(std::uint32_t slot, const std::vector<std::uint32_t>& image,
                                 std::uint32_t targets, std::uint32_t beat_words,
                                 std::uint32_t used_words) {
    const AdapterSlots a = adapter_slots();
    if (slot >= a.slots)
        throw DeviceError("adapter slot " + std::to_string(slot) + ": the card has " +
                          std::to_string(a.slots) + " slots");
    if (image.size() != a.slot_words)
        throw DeviceError("adapter image of " + std::to_string(image.size()) +
                          " words: the card's slots take " + std::to_string(a.slot_words) +
                          " (ADAPTER_SLOT_WORDS; built for another chip?)");
    if (beat_words == 0 || used_words > beat_words || image.size() % beat_words != 0)
        throw Error("load_adapter: bad beat geometry");
    write(reg::ADAPTER_SLOT, slot);
    write(reg::ADAPTER_TARGETS, targets);
    // Bursts of up to 16 words, never across a beat's used words; up to 8 in flight.
    constexpr std::uint32_t kBurst = 16, kInFlight = 8;
    std::deque<std::pair<std::uint32_t, std::uint32_t>> pending;  // tag, first address
    std::uint32_t crc = 0xffffffffu;
    auto finish_one = [&]() {
        const auto [tag, addr] = pending.front();
        pending.pop_front();
        const std::uint64_t start = cycle();
        while (completions_.find(tag) == completions_.end()) {
            if (cycle() - start > o_.timeout_cycles)
                throw DeviceError("ADAPTER_WRITE at word " + std::to_string(addr) +
                                  ": no completion within " + std::to_string(o_.timeout_cycles) + " cycles");
            pump();
        }
        const Status st = completions_[tag].status;
        if (st != Status::Ok)
            throw DeviceError("ADAPTER_WRITE at word " + std::to_string(addr) + " of slot " +
                              std::to_string(slot) + ": the card answered " + name(st));
    };
    for (std::size_t beat = 0; beat < image.size(); beat += beat_words) {
        for (std::uint32_t k = 0; k < used_words; k += kBurst) {
            const std::uint32_t n = std::min(kBurst, used_words - k);
            const std::uint32_t addr = static_cast<std::uint32_t>(beat) + k;
            const std::uint32_t tag = tag_;
            tag_ = (tag_ + 1) & 0xff;
            completions_.erase(tag);
            std::vector<std::uint32_t> payload{tl_header(Type::AdapterWrite, tag, n), addr};
            for (std::uint32_t j = 0; j < n; j++) {
                payload.push_back(image[addr + j]);
                crc = crc32_update(crc, image[addr + j]);
            }
            port_->send(std::move(payload));
            pending.emplace_back(tag, addr);
            if (pending.size() >= kInFlight) finish_one();
        }
    }
    while (!pending.empty()) finish_one();
    const std::uint32_t hash = read(reg::ADAPTER_HASH);
    if (hash != ~crc)
        throw DeviceError("adapter slot " + std::to_string(slot) + ": ADAPTER_HASH reads 0x" +
                          hex8(hash) + ", the words sent hash to 0x" + hex8(~crc) +
                          " (the image did not arrive intact)");
    return hash;
}

void Card::select_adapter(int slot) { write(reg::ADAPTER_SELECT, slot < 0 ? 0u : static_cast<std::uint32_t>(slot) + 1); }

void Card::unload_adapter(std::uint32_t slot) {
    write(reg::ADAPTER_SLOT, slot);
    write(reg::ADAPTER_TARGETS, 0);
}

std::uint32_t Card::adapter_hash(std::uint32_t slot) {
    write(reg::ADAPTER_SLOT, slot);
    return read(reg::ADAPTER_HASH);
}

GenerateResult Card::generate(const std::vector<int>& prompt, int steps, bool logits,
                              const std::function<void(const TokenEvent&)>& on_token) {
    if (prompt.empty()) throw Error("generate: the prompt needs at least one token");
    if (steps < 0) throw Error("generate: steps must be >= 0");
    const double bw = o_.timing.bytes_per_s, lat = o_.timing.latency_s, f = o_.clock_hz;
    const std::uint32_t vocab = logits ? read(reg::VOCAB_SIZE) : 0;
    // The positions this generation decodes start at POSITION: every one must arrive once,
    // in order, the prompt's (but its last) unflagged and the generated ones flagged.
    const std::uint32_t first = read(reg::POSITION);
    const std::uint32_t prompt_outputs = static_cast<std::uint32_t>(prompt.size()) - 1;
    const std::uint64_t c0 = cycle();
    // Two register round trips, then the prompt streams in (posted).
    double t = 2 * (2 * lat + (packet_bytes(3) + packet_bytes(2)) / bw);
    write(reg::STEPS, static_cast<std::uint32_t>(steps));
    write(reg::CONTROL, 2u | (logits ? 8u : 0u));
    const std::uint64_t c_start = cycle();
    for (std::size_t k = 0; k < prompt.size(); k++)
        post({tl_header(Type::TokenIn, 0, k + 1 == prompt.size() ? 1 : 0),
              static_cast<std::uint32_t>(prompt[k])});
    t += lat + prompt.size() * packet_bytes(2) / bw;
    const double t_start = t;
    double link_free = t;  // chip-to-host transfers are serialized

    // Time a message of `words` payload words produced at the current cycle reaches the host.
    auto arrival = [&](std::size_t words) {
        const double produced = t_start + double(cycle() - c_start) / f;
        link_free = std::max(produced, link_free) + packet_bytes(words) / bw;
        return link_free + lat;
    };

    GenerateResult r;
    for (;;) {
        std::vector<std::uint32_t> m = next_message(o_.timeout_cycles);
        const auto type = static_cast<Type>(m[0] >> 24);
        if (type == Type::TokenOut && m.size() == kTokenOutWords) {
            TokenEvent e;
            e.pos = m[1];
            e.token = m[2];
            e.generated = (m[0] & 1u) != 0;
            double when = arrival(m.size());
            while (logits) {  // LOGITS messages follow until the vocabulary is covered
                std::vector<std::uint32_t> l = next_message(o_.timeout_cycles);
                if (static_cast<Type>(l[0] >> 24) != Type::Logits || l.size() < kLogitsWords ||
                    l[1] != e.pos || l[2] != e.logits.size())
                    throw DeviceError("expected LOGITS of position " + std::to_string(e.pos) +
                                      " from logit " + std::to_string(e.logits.size()) +
                                      ", got a " + name(static_cast<Type>(l[0] >> 24)) + " message");
                for (std::size_t k = kLogitsWords; k < l.size(); k++)
                    e.logits.push_back(static_cast<std::int32_t>(l[k]));
                when = arrival(l.size());
                if (e.logits.size() >= vocab) break;
            }
            e.cycle = cycle();
            e.time_s = when;
            const std::uint32_t want = first + static_cast<std::uint32_t>(r.tokens.size());
            if (e.pos != want)
                throw DeviceError("TOKEN_OUT of position " + std::to_string(e.pos) +
                                  " arrived where position " + std::to_string(want) +
                                  " was due (positions must arrive once each, in order from " +
                                  std::to_string(first) + ")");
            if (e.generated != (want - first >= prompt_outputs))
                throw DeviceError("TOKEN_OUT of position " + std::to_string(e.pos) + " is " +
                                  (e.generated ? "" : "not ") + "flagged generated; the prompt's " +
                                  std::to_string(prompt.size()) + " tokens end at position " +
                                  std::to_string(first + prompt_outputs));
            r.tokens.push_back(e);
            if (on_token) on_token(r.tokens.back());
        } else if (type == Type::Ready && m.size() == kReadyWords) {
            r.end = static_cast<End>(m[0] & 0xff);
            r.generated = m[2];
            r.cycles = cycle() - c0;
            r.time_s = arrival(m.size());
            if (r.end != End::Done && r.end != End::Stopped)
                throw DeviceError(std::string("the card ended the generation at position ") +
                                  std::to_string(m[1]) + ": " + name(r.end) + " (" +
                                  end_meaning(r.end) + ")");
            // Every position the card decoded arrived: the prompt's outputs and the generated.
            std::uint32_t flagged = 0;
            for (const TokenEvent& e : r.tokens) flagged += e.generated;
            if (flagged != r.generated ||
                (r.end == End::Done && r.generated != static_cast<std::uint32_t>(steps)))
                throw DeviceError("READY(" + std::string(name(r.end)) + ") counts " +
                                  std::to_string(r.generated) + " generated tokens; the host " +
                                  "received " + std::to_string(flagged) + " (" +
                                  std::to_string(steps) + " asked for)");
            return r;
        } else {
            throw DeviceError(std::string("unexpected ") + name(type) + " message of " +
                              std::to_string(m.size()) + " words during a generation");
        }
    }
}

std::map<std::string, std::uint64_t> Card::chip_counters() {
    std::map<std::string, std::uint64_t> c;
    for (const Register& r : kRegisters)
        if (r.addr >= reg::CYCLES_LO) c[r.name] = read(r.addr);
    return c;
}

}  // namespace hw::link
