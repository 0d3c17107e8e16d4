// SPDX-License-Identifier: MIT
#include "channel.h"

#include "error.h"

namespace hw::link {

FaultRates parse_fault_rates(const std::string& text) {
    auto bad = [&]() {
        return make_error("--inject-errors", "bad rates",
                          "FLIP[:DROP[:DUP[:REORDER[:KFLIP]]]], each a probability in 0..0.5",
                          "'" + text + "'");
    };
    std::vector<double> r;
    std::size_t at = 0;
    while (true) {
        const std::size_t colon = text.find(':', at);
        const std::string part = text.substr(at, colon == std::string::npos ? colon : colon - at);
        std::size_t used = 0;
        double x = -1;
        try {
            x = std::stod(part, &used);
        } catch (const std::exception&) {
            throw bad();
        }
        if (part.empty() || used != part.size() || !(x >= 0 && x <= 0.5)) throw bad();
        r.push_back(x);
        if (colon == std::string::npos) break;
        at = colon + 1;
    }
    if (r.size() > 5) throw bad();
    while (r.size() < 3) r.push_back(r[0]);
    while (r.size() < 5) r.push_back(0);
    return {r[0], r[1], r[2], r[3], r[4]};
}

void Wire::deliver(std::vector<Symbol> packet) {
    for (Symbol& sym : packet) {
        for (int b = 0; b < 4; b++) {
            if (chance(rates_.flip_per_byte)) {
                sym.data ^= 1u << (8 * b + static_cast<int>(rng_() % 8));
                faults_.flipped++;
            }
        }
        out_.push_back(sym);
    }
    packet_done();
}

void Wire::packet_done() {
    // A packet went out: held packets whose turn came follow it (in the order they were held).
    for (std::size_t k = 0; k < held_.size();) {
        if (--held_[k].after <= 0) {
            std::vector<Symbol> p = std::move(held_[k].symbols);
            held_.erase(held_.begin() + std::ptrdiff_t(k));
            deliver(std::move(p));
            k = 0;
        } else {
            k++;
        }
    }
}

Symbol Wire::step(const Symbol& in) {
    if (in.valid) {
        symbols_++;
        idle_ = 0;
        Symbol sym = in;
        if (chance(rates_.kflip_per_symbol)) {
            sym.k = !sym.k;
            faults_.kflipped++;
        }
        if (!rates_.any()) {
            out_.push_back(sym);
        } else if (sym.k && sym.data == kSymSop) {
            in_pkt_ = true;
            packet_.assign(1, sym);
        } else if (!in_pkt_) {
            out_.push_back(sym);  // between packets (idle fill, or a framing fault's debris)
        } else {
            packet_.push_back(sym);
            if (sym.k && sym.data == kSymEop) {
                in_pkt_ = false;
                faults_.packets++;
                if (chance(rates_.drop_per_packet)) {
                    faults_.dropped++;
                } else {
                    if (chance(rates_.dup_per_packet)) {
                        faults_.duplicated++;
                        const int after = static_cast<int>(rng_() % 3);  // 0: back to back
                        if (after > 0) faults_.late_copies++;
                        held_.push_back({packet_, after + 1});
                    }
                    if (chance(rates_.reorder_per_packet)) {
                        faults_.reordered++;
                        held_.push_back({packet_, 2});  // after the next packet
                        packet_done();
                    } else {
                        deliver(packet_);
                    }
                }
            }
        }
    } else if (!held_.empty() && ++idle_ > kIdleRelease) {
        // Nothing more is coming: the held packets arrive late, in the order they were held.
        std::vector<Held> late = std::move(held_);
        held_.clear();
        for (Held& h : late) deliver(std::move(h.symbols));
    }
    if (out_.empty()) return {};
    const Symbol s = out_.front();
    out_.pop_front();
    return s;
}

}  // namespace hw::link
