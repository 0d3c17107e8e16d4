// SPDX-License-Identifier: MIT
// The host driver: opens a card through the link, identifies it, checks its model hash
// against a manifest, reads and writes registers, and runs generations with a callback per
// token. The card is any Device (the Verilated chip in sim/); the link between them is
// HostLink plus a Wire each way (with optional faults), and LinkTiming turns cycles and
// bytes into time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "channel.h"
#include "error.h"
#include "link.h"
#include "sampler_settings.h"
#include "timing.h"

namespace hw {

// The card answered with an error, or did not answer: the message names the request.
class DeviceError : public Error {
  public:
    explicit DeviceError(const std::string& m) : Error(m) {}
};

namespace link {

// A chip on the other end of the link, clocked by the driver.
class Device {
  public:
    virtual ~Device() = default;
    // One clock cycle: the host's symbol in, the chip's symbol out.
    virtual Symbol step(const Symbol& to_chip) = 0;
    // Cycles so far.
    virtual std::uint64_t cycle() const = 0;
};

// What the driver's transaction layer runs over: TLP payloads (transaction-layer words,
// header first) each way, and the chip's clock. Two exist: LinkPort below (the cycle-level
// link to a Device: data link layer, wires, faults) and the virtual platform's TLM-2.0
// initiator socket (vp/tlm_port.h), so one driver API drives every level.
class TlpPort {
  public:
    virtual ~TlpPort() = default;
    // Queues a payload for the card.
    virtual void send(std::vector<std::uint32_t> payload) = 0;
    // The next payload from the card that has reached the host by now, if any.
    virtual std::optional<std::vector<std::uint32_t>> receive() = 0;
    // Lets time pass: one cycle on the link; up to the card's next message on a
    // transaction-level port (a bounded wait when none is due).
    virtual void advance() = 0;
    // Chip cycles so far.
    virtual std::uint64_t cycle() const = 0;
    // Nothing waits to be sent or acknowledged.
    virtual bool idle() const = 0;
};

struct CardOptions {
    LinkTiming timing = link_timing("pcie3x4");  // link preset
    double clock_hz = 1e9;                       // chip clock
    FaultRates faults;                           // injected on both directions
    std::uint64_t seed = 1;                      // fault generator seed
    std::uint64_t timeout_cycles = 50000000;     // longest wait for one answer
    // Host backpressure (random tests): TLPs the host buffers (its credits, 1..4095), and
    // the chance per cycle that the host stops draining what arrived for 1..stall_max
    // cycles, so its credits run out and the chip's transmit side must wait.
    unsigned host_credits = 16;
    double stall_rate = 0;
    unsigned stall_max = 2000;
};

// What the card says it is (registers ID .. ATTN_PAR).
struct Identity {
    std::uint32_t id = 0, version = 0;  // ID, VERSION
    std::string model_hash;             // 64 hex digits
    std::uint32_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0;
    std::uint32_t vocab_size = 0, seq_len = 0, lanes = 0, rows = 0, attn_par = 0;
};

// One TOKEN_OUT (with its logits when requested).
struct TokenEvent {
    std::uint32_t pos = 0;             // context position decoded
    std::uint32_t token = 0;           // next token (greedy, or the sampler's draw)
    bool generated = false;            // counts towards STEPS (else a prompt position)
    std::vector<std::int32_t> logits;  // Q16, when requested
    std::uint64_t cycle = 0;           // chip cycle it arrived
    double time_s = 0;                 // simulated time it reached the host
};

struct GenerateResult {
    std::vector<TokenEvent> tokens;  // every position decoded
    End end = End::Done;             // READY's end code
    std::uint32_t generated = 0;     // READY's count
    std::uint64_t cycles = 0;        // chip cycles from the first request to READY
    double time_s = 0;               // simulated time including the link
};

// A register request's answer.
struct Completion {
    Status status = Status::Ok;  // COMPLETION status
    std::uint32_t data = 0;      // read data
};

// The cycle-level link: HostLink (the data link layer), a Wire each way with the options'
// faults, and the Device clocked once per advance(); the host's stalls (CardOptions) hold
// back what it drains.
class LinkPort : public TlpPort {
  public:
    LinkPort(Device& device, const CardOptions& o);
    void send(std::vector<std::uint32_t> payload) override { host_.send(std::move(payload)); }
    std::optional<std::vector<std::uint32_t>> receive() override;
    void advance() override;
    std::uint64_t cycle() const override { return device_.cycle(); }
    bool idle() const override { return host_.idle(); }

    HostLink& host_link() { return host_; }
    const HostLink& host_link() const { return host_; }
    const Wire& to_chip() const { return to_chip_; }
    const Wire& from_chip() const { return from_chip_; }

  private:
    Device& device_;
    const double stall_rate_;
    const unsigned stall_max_;
    HostLink host_;
    Wire to_chip_, from_chip_;
    Symbol host_out_;               // the host's symbol for the next cycle
    std::mt19937_64 stall_rng_;     // draws the host's stalls
    std::uint64_t stall_left_ = 0;  // cycles the host still does not drain
    bool stalled_ = false;          // the host drains nothing this cycle
};

class Card {
  public:
    // A card on the cycle-level link to `device` (a LinkPort the card owns).
    Card(Device& device, CardOptions options);
    // A card behind any port (a TLM socket); the options' faults and stalls are the link's
    // and do not apply, their timing and timeout do.
    Card(TlpPort& port, CardOptions options);

    // Reads ID .. ATTN_PAR; throws DeviceError when ID is not hardwire's.
    Identity identify();
    // Throws DeviceError unless the card's model hash is `manifest_hash`.
    void check_model(const std::string& manifest_hash);
    // CONTROL.RESET: position 0, status cleared.
    void reset();
    // The sampler's settings for the generations to come (SAMPLE_* registers; greedy when
    // 1/T is 0). The card refuses values out of range (DeviceError naming the register).
    void set_sampler(const SamplerSettings& s);
    // ---- LoRA adapters (docs/host-interface.md, "Adapters") ----
    // The card's adapter SRAM: ADAPTER_SLOTS, ADAPTER_RANK, ADAPTER_SLOT_WORDS.
    struct AdapterSlots {
        std::uint32_t slots = 0, rank = 0, slot_words = 0;
    };
    AdapterSlots adapter_slots();
    // Writes a slot's image (golden/adapter_layout.h: AdapterImage) into slot `slot`:
    // ADAPTER_SLOT, ADAPTER_TARGETS (the load begins), the words of each beat that hold bits
    // (`beat_words` apart, `used_words` of each) in ADAPTER_WRITE bursts of up to 16, several
    // in flight; then reads ADAPTER_HASH and throws DeviceError unless it is the CRC-32 of
    // the words sent. Returns that hash. Only while no generation runs.
    std::uint32_t load_adapter(std::uint32_t slot, const std::vector<std::uint32_t>& image,
                               std::uint32_t targets, std::uint32_t beat_words,
                               std::uint32_t used_words);
    // The slot serving the generations to come (-1: none, the etched model alone).
    void select_adapter(int slot);
    // Empties a slot (ADAPTER_TARGETS 0): it adapts nothing, even if selected.
    void unload_adapter(std::uint32_t slot);
    // ADAPTER_HASH of a slot.
    std::uint32_t adapter_hash(std::uint32_t slot);

    // Register access; an error status throws DeviceError naming the register.
    std::uint32_t read(std::uint32_t addr);
    void write(std::uint32_t addr, std::uint32_t value);
    // Prompt tokens in, `steps` generated tokens out; on_token sees each position as it
    // arrives. An error end code (BAD_TOKEN, CONTEXT_FULL) throws DeviceError.
    GenerateResult generate(const std::vector<int>& prompt, int steps, bool logits,
                            const std::function<void(const TokenEvent&)>& on_token);
    // Performance and link counters of the chip (registers from CYCLES_LO on) by name.
    std::map<std::string, std::uint64_t> chip_counters();

    // ---- lower level (tests) ----
    // Sends a request (payload with a fresh tag in its header) and waits for its completion.
    Completion request(Type type, std::vector<std::uint32_t> args, std::uint32_t arg = 0);
    // Sends a posted packet as given.
    void post(std::vector<std::uint32_t> payload) { port_->send(std::move(payload)); }
    // The next message that is not a completion (TOKEN_OUT, LOGITS, READY); throws
    // DeviceError after timeout cycles.
    std::vector<std::uint32_t> next_message(std::uint64_t timeout);
    // Clocks `cycles` cycles.
    void run(std::uint64_t cycles);
    // Clocks until the host link has nothing to send or acknowledge (or timeout).
    void settle();

    // The cycle-level link's parts; throw hw::Error on a card behind another port.
    LinkPort& link();
    const LinkPort& link() const;
    HostLink& host_link() { return link().host_link(); }
    const Wire& to_chip() const { return link().to_chip(); }
    const Wire& from_chip() const { return link().from_chip(); }
    std::uint64_t cycle() const { return port_->cycle(); }
    const CardOptions& options() const { return o_; }

  private:
    void pump();  // lets the port's time pass; sorts what arrived

    CardOptions o_;
    std::unique_ptr<LinkPort> own_link_;  // the link the first constructor makes
    TlpPort* port_;
    std::deque<std::vector<std::uint32_t>> messages_;
    std::map<std::uint32_t, Completion> completions_;
    std::uint32_t tag_ = 0;
};

}  // namespace link
}  // namespace hw
