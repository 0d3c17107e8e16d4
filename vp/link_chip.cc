// SPDX-License-Identifier: MIT
#include "link_chip.h"

namespace hw::vp {

void LinkChip::clock() {
    link_.advance();
    while (auto p = link_.receive()) arrived_.push_back({std::move(*p), link_.cycle()});
}

void LinkChip::receive(std::vector<std::uint32_t> payload, std::uint64_t at) {
    while (link_.cycle() < at) clock();
    link_.send(std::move(payload));
}

std::optional<Message> LinkChip::next(std::uint64_t from, std::uint64_t limit) {
    while (arrived_.empty() && link_.cycle() < limit) clock();
    if (arrived_.empty()) return std::nullopt;
    Message m = std::move(arrived_.front());
    arrived_.pop_front();
    m.cycle = std::max(m.cycle, from);
    return m;
}

}  // namespace hw::vp
