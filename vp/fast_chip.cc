// SPDX-License-Identifier: MIT
#include "fast_chip.h"

#include <algorithm>

#include "crc32.h"
#include "error.h"
#include "link_protocol.h"
#include "sampler.h"

namespace hw::vp {

using link::End;
using link::Status;
using link::Type;
namespace reg = link::reg;

namespace {
std::uint32_t header(Type type, std::uint32_t tag, std::uint32_t arg) {
    return (static_cast<std::uint32_t>(type) << 24) | ((tag & 0xff) << 16) | (arg & 0xffff);
}
std::uint32_t code(Status s) { return static_cast<std::uint32_t>(s); }
std::uint32_t code(End e) { return static_cast<std::uint32_t>(e); }
}  // namespace

FastChip::FastChip(const ChipData& d, const Datapath& datapath, const std::string& model_hash)
    : d_(d), c_(d.q.config), dp_(datapath), fast_(d.q) {
    if (model_hash.size() != 64 ||
        model_hash.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw make_error("fast chip", "model hash", "64 lower-case hex digits",
                         "'" + model_hash + "'");
    for (int k = 0; k < 8; k++)
        hash_words_[k] = static_cast<std::uint32_t>(
            std::stoul(model_hash.substr(std::size_t(k) * 8, 8), nullptr, 16));
    fast_.prepare(d_.tables);
    golden_ = std::make_unique<IntModel>(d_.q, d_.tables);
    golden_->set_fast_kernels(&fast_);
    if (dp_.lora_slots > 0) {
        layout_ = std::make_unique<AdapterLayout>(c_, dp_);
        slots_.resize(std::size_t(dp_.lora_slots));
        for (Slot& s : slots_) s.words.assign(std::size_t(layout_->slot_words()), 0u);
    }
}

void FastChip::receive(std::vector<std::uint32_t> payload, std::uint64_t at) {
    rx_tlps_++;
    inbox_.push_back({std::move(payload), at});
}

std::optional<Message> FastChip::next(std::uint64_t from, std::uint64_t limit) {
    while (outbox_.empty() || outbox_.front().cycle > limit)
        if (!step(limit)) break;
    if (outbox_.empty() || outbox_.front().cycle > limit) return std::nullopt;
    Message m = std::move(outbox_.front());
    outbox_.pop_front();
    m.cycle = std::max(m.cycle, from);
    return m;
}

void FastChip::send(std::vector<std::uint32_t> payload, std::uint64_t at) {
    tx_tlps_++;
    // The outbox stays in cycle order: a completion may be due before a token's messages.
    Message m{std::move(payload), at};
    auto it = std::upper_bound(outbox_.begin(), outbox_.end(), m.cycle,
                               [](std::uint64_t c, const Message& x) { return c < x.cycle; });
    outbox_.insert(it, std::move(m));
}

// ---- events in time order: a token's messages done, the core fed, a request taken -------------
bool FastChip::step(std::uint64_t t) {
    // The core can take the next input (hw_endpoint's feed: idle, nothing in flight).
    const bool has_input = prompt_valid_ || (prompt_done_ && generated_ < steps_);
    const bool feed = running_ && (end_req_ || has_input);
    const std::uint64_t feed_at = std::max({core_free_, now_});
    // The inbox's head: a good prompt token waits while the prompt slot is full.
    bool request = !inbox_.empty();
    if (request) {
        const auto& p = inbox_.front().payload;
        const bool token_in = !p.empty() && static_cast<Type>(p[0] >> 24) == Type::TokenIn;
        if (token_in && p.size() == link::kTokenInWords && running_ && !end_req_ &&
            p[1] < static_cast<std::uint32_t>(c_.vocab_size) && prompt_valid_)
            request = false;
    }
    const std::uint64_t request_at = request ? std::max(inbox_.front().at, now_) : 0;
    if (done_.pending) {
        // Nothing but requests until the token in flight is done; at its cycle, it goes first.
        if (done_.at <= t && (!request || done_.at <= request_at)) {
            now_ = std::max(now_, done_.at);
            token_done();
            return true;
        }
    } else if (feed && feed_at <= t && (!request || feed_at <= request_at)) {
        now_ = feed_at;
        if (end_req_) {
            // The generation ends: READY after the last token's messages.
            running_ = false;
            end_req_ = false;
            if (prompt_valid_) tl_errors_++;  // a prompt token left undecoded
            prompt_valid_ = false;
            error_ = end_code_ == code(End::BadToken) || end_code_ == code(End::ContextFull);
            const std::uint64_t at = std::max(now_, out_free_);
            send({header(Type::Ready, 0, end_code_), pos_, generated_}, at);
            out_free_ = at + link::kReadyWords;
        } else if (pos_ >= static_cast<std::uint32_t>(c_.seq_len)) {
            end_req_ = true;
            end_code_ = code(End::ContextFull);
            now_++;
        } else {
            decode_token(now_);
        }
        return true;
    }
    if (request && request_at <= t) {
        now_ = request_at;
        if (take_request(now_)) now_++;  // one request a cycle at most
        return true;
    }
    return false;
}

// ---- the core: one position, computed by the golden model, timed by the cycle model ----------
void FastChip::decode_token(std::uint64_t start) {
    const bool cur_prompt = prompt_valid_, cur_last = prompt_last_;
    const int token = static_cast<int>(cur_prompt ? prompt_ : last_out_);
    const int pos = static_cast<int>(pos_);
    pos_++;
    if (prompt_valid_) {
        prompt_valid_ = false;
        if (prompt_last_) prompt_done_ = true;
    }
    unsigned targets = 0;
    golden_->set_adapter(serving(&targets));
    const std::vector<std::int32_t>& logits = golden_->forward(token, pos);
    const int next = sample_token(d_.tables, logits, sampler_, pos);
    const SamplerPasses passes{!sampler_.greedy(), sampler_.buffered(),
                               sampler_.buffer_size(c_.vocab_size)};
    const TokenCycles tc = token_cycles(c_, d_.q.format, dp_, pos, passes, targets);
    mac_busy_ += static_cast<std::uint64_t>(tc.mac_beats);
    matvec_ += static_cast<std::uint64_t>(tc.matvec);
    attention_ += static_cast<std::uint64_t>(tc.attention);
    vector_ += static_cast<std::uint64_t>(tc.vector);
    tokens_++;
    timings_.push_back({pos, static_cast<std::uint64_t>(tc.total)});

    // TOKEN_OUT, then the logits in messages of up to 32, a word a cycle.
    const bool generated = !(cur_prompt && !cur_last) && generated_ < steps_;
    std::uint64_t at = std::max(start + static_cast<std::uint64_t>(tc.total), out_free_);
    send({header(Type::TokenOut, 0, generated ? 1u : 0u), static_cast<std::uint32_t>(pos),
          static_cast<std::uint32_t>(next)},
         at);
    at += link::kTokenOutWords;
    if (logits_) {
        constexpr int kPerMessage = 32;
        for (int off = 0; off < c_.vocab_size; off += kPerMessage) {
            const int n = std::min(kPerMessage, c_.vocab_size - off);
            std::vector<std::uint32_t> m{header(Type::Logits, 0, static_cast<std::uint32_t>(n)),
                                         static_cast<std::uint32_t>(pos),
                                         static_cast<std::uint32_t>(off)};
            for (int k = 0; k < n; k++)
                m.push_back(static_cast<std::uint32_t>(logits[std::size_t(off + k)]));
            at += link::kLogitsWords + static_cast<std::uint64_t>(n);
            send(std::move(m), at);
        }
    }
    out_free_ = at;
    // The token is done once its messages are out (hw_endpoint's StTokenDone): an event, so
    // that a STOP arriving before it counts as the RTL's does.
    done_ = Done{true, at, generated, static_cast<std::uint32_t>(next)};
    core_free_ = at + 1;
}

void FastChip::token_done() {
    done_.pending = false;
    if (done_.generated) {
        generated_++;
        last_out_ = done_.next;
    }
    if (prompt_done_ && generated_ == steps_ && !end_req_) {
        end_req_ = true;
        end_code_ = code(End::Done);
    }
}

const QAdapter* FastChip::serving(unsigned* targets) {
    *targets = 0;
    if (ad_select_ == 0 || slots_.empty()) return nullptr;
    Slot& s = slots_[ad_select_ - 1];
    if (s.targets == 0) return nullptr;
    if (!s.decoded)
        s.decoded = std::make_unique<QAdapter>(adapter_from_image(
            s.words, s.targets, *layout_, "adapter SRAM slot " + std::to_string(ad_select_ - 1)));
    *targets = s.targets;
    return s.decoded.get();
}

// ---- the transaction layer's requests -----------------------------------------------------------
void FastChip::complete(std::uint32_t tag, std::uint32_t status, std::uint32_t data,
                        std::uint64_t at) {
    if (status != code(Status::Ok)) tl_errors_++;
    send({header(Type::Completion, tag, status), data}, at + kCompletionCycles);
}

bool FastChip::take_request(std::uint64_t at) {
    Request r = std::move(inbox_.front());
    inbox_.pop_front();
    const std::vector<std::uint32_t>& p = r.payload;
    if (p.empty()) {  // no header: nothing to answer (the link would not deliver it)
        tl_errors_++;
        return true;
    }
    const auto type = static_cast<Type>(p[0] >> 24);
    const std::uint32_t tag = (p[0] >> 16) & 0xff;
    switch (type) {
        case Type::RegRead: {
            if (p.size() != link::kRegReadWords)
                return complete(tag, code(Status::Malformed), 0, at), true;
            bool hit = false;
            const std::uint32_t v = reg_read(p[1], &hit);
            complete(tag, code(hit ? Status::Ok : Status::Unsupported), hit ? v : 0, at);
            return true;
        }
        case Type::RegWrite:
            complete(
                tag,
                p.size() != link::kRegWriteWords ? code(Status::Malformed) : reg_write(p[1], p[2]),
                0, at);
            return true;
        case Type::TokenIn: {
            // Posted: errors end the generation (READY carries the code) or set STATUS.
            if (p.size() != link::kTokenInWords || !running_ || end_req_) {
                tl_errors_++;
                if (!running_) {
                    if (!error_) end_code_ = code(End::NotRunning);
                    error_ = true;
                }
            } else if (p[1] >= static_cast<std::uint32_t>(c_.vocab_size)) {
                tl_errors_++;
                end_req_ = true;
                end_code_ = code(End::BadToken);
            } else {
                prompt_valid_ = true;
                prompt_ = p[1];
                prompt_last_ = (p[0] & 1u) != 0;
            }
            return true;
        }
        case Type::AdapterWrite: {
            const std::uint32_t count = p[0] & 0xffff;
            const std::uint32_t slot_words =
                layout_ ? static_cast<std::uint32_t>(layout_->slot_words()) : 0;
            Status st = Status::Ok;
            if (slots_.empty())
                st = Status::Unsupported;
            else if (count < 1 || count > 16 || p.size() != link::kAdapterWriteWords + count)
                st = Status::Malformed;
            else if (running_)
                st = Status::Busy;
            else if (p[1] >= slot_words || slot_words - p[1] < count)
                st = Status::Range;
            if (st != Status::Ok) {
                complete(tag, code(st), 0, at);
                return true;
            }
            // A word a cycle into the slot, each hashed (hw_endpoint's StAdapter).
            Slot& s = slots_[ad_slot_];
            for (std::uint32_t k = 0; k < count; k++) {
                s.words[p[1] + k] = p[2 + k];
                s.crc = link::crc32_update(s.crc, p[2 + k]);
            }
            s.decoded.reset();
            complete(tag, code(Status::Ok), 0, at + count);
            return true;
        }
        default:
            complete(tag, code(Status::Unsupported), 0, at);
            return true;
    }
}

std::uint32_t FastChip::reg_read(std::uint32_t addr, bool* hit) const {
    *hit = true;
    const auto u = [](long long v) { return static_cast<std::uint32_t>(v); };
    if (addr >= reg::MODEL_HASH0 && addr <= reg::MODEL_HASH7)
        return hash_words_[addr - reg::MODEL_HASH0];
    const bool lora = !slots_.empty();
    const Slot* s = lora ? &slots_[ad_slot_] : nullptr;
    const std::uint64_t cycles = now_;
    switch (addr) {
        case reg::ID:
            return link::kId;
        case reg::VERSION:
            return link::kVersion;
        case reg::DIM:
            return u(c_.dim);
        case reg::HIDDEN_DIM:
            return u(c_.hidden_dim);
        case reg::N_LAYERS:
            return u(c_.n_layers);
        case reg::N_HEADS:
            return u(c_.n_heads);
        case reg::N_KV_HEADS:
            return u(c_.n_kv_heads);
        case reg::VOCAB_SIZE:
            return u(c_.vocab_size);
        case reg::SEQ_LEN:
            return u(c_.seq_len);
        case reg::LANES:
            return u(dp_.lanes);
        case reg::ROWS:
            return u(dp_.rows);
        case reg::ATTN_PAR:
            return u(dp_.attn_par);
        case reg::ADAPTER_SLOTS:
            return u(dp_.lora_slots);
        case reg::ADAPTER_RANK:
            return lora ? u(dp_.lora_rank) : 0;
        case reg::ADAPTER_SLOT_WORDS:
            return lora ? u(layout_->slot_words()) : 0;
        case reg::ADAPTER_SLOT:
            return ad_slot_;
        case reg::ADAPTER_TARGETS:
            return s ? s->targets : 0;
        case reg::ADAPTER_HASH:
            return s ? ~s->crc : 0;
        case reg::ADAPTER_SELECT:
            return ad_select_;
        case reg::STATUS:
            return (end_code_ << 8) | (error_ ? 2u : 0u) | (running_ ? 1u : 0u);
        case reg::CONTROL:
            return logits_ ? 8u : 0u;
        case reg::STEPS:
            return steps_;
        case reg::POSITION:
            return pos_;
        case reg::GENERATED:
            return generated_;
        case reg::SAMPLE_INV_TEMP:
            return sampler_.inv_temperature_q16;
        case reg::SAMPLE_TOP_K:
            return u(sampler_.top_k);
        case reg::SAMPLE_TOP_P:
            return sampler_.top_p_q16;
        case reg::SAMPLE_SEED_LO:
            return static_cast<std::uint32_t>(sampler_.seed);
        case reg::SAMPLE_SEED_HI:
            return static_cast<std::uint32_t>(sampler_.seed >> 32);
        case reg::CYCLES_LO:
            return static_cast<std::uint32_t>(cycles);
        case reg::CYCLES_HI:
            return static_cast<std::uint32_t>(cycles >> 32);
        case reg::MAC_BUSY_LO:
            return static_cast<std::uint32_t>(mac_busy_);
        case reg::MAC_BUSY_HI:
            return static_cast<std::uint32_t>(mac_busy_ >> 32);
        case reg::MATVEC_LO:
            return static_cast<std::uint32_t>(matvec_);
        case reg::ATTENTION_LO:
            return static_cast<std::uint32_t>(attention_);
        case reg::VECTOR_LO:
            return static_cast<std::uint32_t>(vector_);
        case reg::TOKENS:
            return static_cast<std::uint32_t>(tokens_);
        case reg::SATURATIONS:
            return static_cast<std::uint32_t>(golden_->saturations());
        case reg::RX_TLPS:
            return static_cast<std::uint32_t>(rx_tlps_);
        case reg::TX_TLPS:
            return static_cast<std::uint32_t>(tx_tlps_);
        case reg::TL_ERRORS:
            return tl_errors_;
        case reg::RX_BAD_CRC:
        case reg::RX_FRAMING:
        case reg::RX_SEQ:
        case reg::RX_DUPLICATE:
        case reg::NAKS_SENT:
        case reg::NAKS_RECEIVED:
        case reg::REPLAYS:
        case reg::REPLAY_TIMEOUTS:
            return 0;  // no link layer at transaction level
        default:
            *hit = false;
            return 0;
    }
}

std::uint32_t FastChip::reg_write(std::uint32_t addr, std::uint32_t v) {
    const bool lora = !slots_.empty();
    switch (addr) {
        case reg::CONTROL:
            if (running_ && (v & 3u)) return code(Status::Busy);
            logits_ = (v & 8u) != 0;
            if (v & 1u) {  // RESET
                pos_ = 0;
                error_ = false;
                end_code_ = code(End::Done);
                generated_ = 0;
            }
            if (v & 2u) {  // START
                running_ = true;
                generated_ = 0;
                prompt_done_ = false;
                error_ = false;
                end_code_ = code(End::Done);
            }
            if ((v & 4u) && running_ && !end_req_) {  // STOP
                end_req_ = true;
                end_code_ = code(End::Stopped);
            }
            return code(Status::Ok);
        case reg::STEPS:
        case reg::POSITION:
            if (running_) return code(Status::Busy);
            (addr == reg::STEPS ? steps_ : pos_) = v;
            return code(Status::Ok);
        case reg::SAMPLE_INV_TEMP:
        case reg::SAMPLE_TOP_K:
        case reg::SAMPLE_TOP_P:
        case reg::SAMPLE_SEED_LO:
        case reg::SAMPLE_SEED_HI:
            if (running_) return code(Status::Busy);
            if ((addr == reg::SAMPLE_INV_TEMP && v > 0x1000000u) ||
                (addr == reg::SAMPLE_TOP_K && v > 64) ||
                (addr == reg::SAMPLE_TOP_P && (v < 1 || v > 65536)))
                return code(Status::Range);
            if (addr == reg::SAMPLE_INV_TEMP)
                sampler_.inv_temperature_q16 = v;
            else if (addr == reg::SAMPLE_TOP_K)
                sampler_.top_k = static_cast<int>(v);
            else if (addr == reg::SAMPLE_TOP_P)
                sampler_.top_p_q16 = v;
            else if (addr == reg::SAMPLE_SEED_LO)
                sampler_.seed = (sampler_.seed & ~0xffffffffull) | v;
            else
                sampler_.seed = (sampler_.seed & 0xffffffffull) | (std::uint64_t(v) << 32);
            return code(Status::Ok);
        case reg::ADAPTER_SLOT:
        case reg::ADAPTER_TARGETS:
        case reg::ADAPTER_SELECT: {
            // A slot changes only between generations (the sequencer reads the selected one).
            if (running_) return code(Status::Busy);
            const std::uint32_t slots = static_cast<std::uint32_t>(dp_.lora_slots);
            const bool ok = addr == reg::ADAPTER_SLOT      ? lora && v < slots
                            : addr == reg::ADAPTER_TARGETS ? lora && v < 128
                                                           : v <= slots;
            if (!ok) return code(Status::Range);
            if (addr == reg::ADAPTER_SLOT) {
                ad_slot_ = v;
            } else if (addr == reg::ADAPTER_TARGETS) {
                slots_[ad_slot_].targets = v;
                slots_[ad_slot_].crc = 0xffffffffu;
                slots_[ad_slot_].decoded.reset();
            } else {
                ad_select_ = v;
            }
            return code(Status::Ok);
        }
        default: {
            bool hit = false;
            reg_read(addr, &hit);
            return code(hit ? Status::ReadOnly : Status::Unsupported);
        }
    }
}

}  // namespace hw::vp
