// SPDX-License-Identifier: MIT
#include "channel.h"

#include "error.h"

namespace hw::link {

FaultRates parse_fault_rates(const std::string& text) {
    auto bad = [&]() {
        return make_error("--inject-errors", "bad rates",
                          "FLIP[:DROP[:DUP]], each a probability in 0..0.5", "'" + text + "'");
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
    if (r.size() > 3) throw bad();
    while (r.size() < 3) r.push_back(r[0]);
    return {r[0], r[1], r[2]};
}

Symbol Wire::step(const Symbol& in) {
    if (in.valid) {
        symbols_++;
        const bool faulty =
            rates_.flip_per_byte > 0 || rates_.drop_per_packet > 0 || rates_.dup_per_packet > 0;
        if (!faulty) {
            out_.push_back(in);
        } else if (in.k && in.data == kSymSop) {
            in_pkt_ = true;
            packet_.assign(1, in);
        } else if (!in_pkt_) {
            out_.push_back(in);
        } else {
            packet_.push_back(in);
            if (in.k && in.data == kSymEop) {
                in_pkt_ = false;
                faults_.packets++;
                if (chance(rates_.drop_per_packet)) {
                    faults_.dropped++;
                } else {
                    const int copies = chance(rates_.dup_per_packet) ? 2 : 1;
                    if (copies == 2) faults_.duplicated++;
                    for (int c = 0; c < copies; c++) {
                        for (Symbol s : packet_) {
                            for (int b = 0; b < 4; b++) {
                                if (chance(rates_.flip_per_byte)) {
                                    const int bit = 8 * b + static_cast<int>(rng_() % 8);
                                    s.data ^= 1u << bit;
                                    faults_.flipped++;
                                }
                            }
                            out_.push_back(s);
                        }
                    }
                }
            }
        }
    }
    if (out_.empty()) return {};
    const Symbol s = out_.front();
    out_.pop_front();
    return s;
}

}  // namespace hw::link
