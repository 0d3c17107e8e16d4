// SPDX-License-Identifier: MIT
#include "link.h"

#include "crc32.h"

namespace hw::link {

namespace {
constexpr std::uint32_t kSeqMask = 0xfff;
constexpr unsigned kMaxOutstanding = 31;  // the chip's window is 32 sequence slots
}  // namespace

std::vector<Symbol> frame_packet(std::uint32_t header, const std::vector<std::uint32_t>& payload) {
    std::vector<std::uint32_t> words;
    words.reserve(payload.size() + 1);
    words.push_back(header);
    words.insert(words.end(), payload.begin(), payload.end());
    std::vector<Symbol> s;
    s.reserve(words.size() + 3);
    s.push_back({true, true, kSymSop});
    for (std::uint32_t w : words) s.push_back({true, false, w});
    s.push_back({true, false, crc32_words(words.data(), words.size())});
    s.push_back({true, true, kSymEop});
    return s;
}

HostLink::HostLink(unsigned credits, unsigned replay_timeout, unsigned fc_period)
    : credits_(credits), replay_timeout_(replay_timeout), fc_period_(fc_period) {}

void HostLink::send(std::vector<std::uint32_t> payload) { pending_.push_back(std::move(payload)); }

void HostLink::send_raw(std::vector<Symbol> symbols) {
    raw_.insert(raw_.end(), symbols.begin(), symbols.end());
}

std::optional<std::vector<std::uint32_t>> HostLink::receive() {
    if (received_.empty()) return std::nullopt;
    auto p = std::move(received_.front());
    received_.pop_front();
    popped_++;
    return p;
}

bool HostLink::idle() const {
    return pending_.empty() && unacked_.empty() && out_.empty() && raw_.empty();
}

void HostLink::nak() {
    if (!nak_sched_) {
        nak_sched_ = true;
        nak_pend_ = true;
        counters_.naks_sent++;
    }
}

void HostLink::on_packet() {
    const std::vector<std::uint32_t>& w = rx_words_;
    if (w.size() < 2 || crc32_words(w.data(), w.size() - 1) != w.back()) {
        counters_.bad_crc++;
        nak();
        return;
    }
    const auto kind = static_cast<Kind>(w[0] >> 28);
    const std::uint32_t value = (w[0] >> 16) & kSeqMask, len = w[0] & 0xffff;
    const bool is_tlp = kind == Kind::Tlp;
    const bool known = is_tlp || kind == Kind::Ack || kind == Kind::Nak || kind == Kind::Fc;
    if (!known || len != w.size() - 2 || (is_tlp && len == 0) || (!is_tlp && len != 0)) {
        counters_.framing++;
        nak();
        return;
    }
    if (kind == Kind::Fc) {
        chip_limit_ = value;
    } else if (kind == Kind::Ack || kind == Kind::Nak) {
        // Free the TLPs up to `value` (a stale acknowledgement frees nothing).
        const std::uint32_t dist = (value - acked_) & kSeqMask;
        if (dist != 0 && dist <= unacked_.size()) {
            for (std::uint32_t k = 0; k < dist; k++) unacked_.pop_front();
            next_send_ = next_send_ > dist ? next_send_ - dist : 0;
            acked_ = value;
            timer_ = 0;
        }
        if (kind == Kind::Nak) {
            counters_.naks_received++;
            if (!unacked_.empty()) replay_ = true;
        }
    } else if (value == expect_seq_) {
        received_.emplace_back(w.begin() + 1, w.end() - 1);
        expect_seq_ = (expect_seq_ + 1) & kSeqMask;
        nak_sched_ = false;
        ack_pend_ = true;
        counters_.rx_tlps++;
    } else if (((expect_seq_ - 1 - value) & kSeqMask) < 2048) {
        counters_.duplicates++;
        ack_pend_ = true;
    } else {
        counters_.seq_errors++;
        nak();
    }
}

Symbol HostLink::step(const Symbol& in) {
    // ---- receive ----
    if (in.valid) {
        if (!in.k) {
            if (in_pkt_) rx_words_.push_back(in.data);
            else counters_.framing++;
        } else if (in.data == kSymEop && in_pkt_) {
            in_pkt_ = false;
            on_packet();
        } else if (in.data == kSymSop) {
            if (in_pkt_) {
                counters_.framing++;
                nak();
            }
            in_pkt_ = true;
            rx_words_.clear();
        } else {
            counters_.framing++;
            if (in_pkt_) nak();
            in_pkt_ = false;
        }
    }

    // ---- replay timer ----
    if (next_send_ > 0 && ++timer_ > replay_timeout_) {
        timer_ = 0;
        replay_ = true;
        counters_.replay_timeouts++;
    }
    const std::uint32_t fc_limit = (popped_ + credits_) & kSeqMask;
    if (++fc_timer_ >= fc_period_) fc_sent_ = 0xffffffff;  // repeat the update now and then

    // ---- transmit: finish the packet going out, else pick the next ----
    if (out_.empty()) {
        if (!raw_.empty()) {
            out_.swap(raw_);
        } else if (nak_pend_ || ack_pend_) {
            const std::uint32_t last = (expect_seq_ - 1) & kSeqMask;
            emit(frame_packet(dll_header(nak_pend_ ? Kind::Nak : Kind::Ack, last, 0), {}));
            nak_pend_ = ack_pend_ = false;
        } else if (fc_limit != fc_sent_) {
            emit(frame_packet(dll_header(Kind::Fc, fc_limit, 0), {}));
            fc_sent_ = fc_limit;
            fc_timer_ = 0;
        } else {
            if (replay_) {
                replay_ = false;
                next_send_ = 0;
                timer_ = 0;
                counters_.replays++;
            }
            // A new TLP takes a credit and a sequence slot.
            const std::uint32_t avail = (chip_limit_ - used_) & kSeqMask;
            if (next_send_ == unacked_.size() && !pending_.empty() && avail != 0 &&
                avail < 2048 && unacked_.size() < kMaxOutstanding) {
                unacked_.push_back({next_seq_, std::move(pending_.front())});
                pending_.pop_front();
                next_seq_ = (next_seq_ + 1) & kSeqMask;
                used_ = (used_ + 1) & kSeqMask;
                counters_.tx_tlps++;
            }
            if (next_send_ < unacked_.size()) {
                const Packet& p = unacked_[next_send_++];
                emit(frame_packet(dll_header(Kind::Tlp, p.seq, p.words.size()), p.words));
            }
        }
    }
    if (out_.empty()) return {};
    const Symbol s = out_.front();
    out_.pop_front();
    return s;
}

}  // namespace hw::link
