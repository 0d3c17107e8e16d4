// SPDX-License-Identifier: MIT
// Bit-field access to Verilated ports of any width (VlWide for > 64 bits, integers below).
#pragma once

#include <verilated.h>

#include <cstdint>
#include <type_traits>

namespace hw {

// Writes `width` (<= 32) low bits of `value` at bit `offset` of a wide port.
template <std::size_t N>
void set_bits(VlWide<N>& port, int offset, int width, std::uint32_t value) {
    for (int i = 0; i < width; i++) {
        const int bit = offset + i;
        const std::uint32_t mask = 1u << (bit % 32);
        port[bit / 32] = ((value >> i) & 1u) ? (port[bit / 32] | mask) : (port[bit / 32] & ~mask);
    }
}

// Same for a port held in an integer (CData, SData, IData, QData).
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
void set_bits(T& port, int offset, int width, std::uint32_t value) {
    const std::uint64_t mask =
        ((width >= 64) ? ~std::uint64_t(0) : ((std::uint64_t(1) << width) - 1)) << offset;
    port =
        static_cast<T>((std::uint64_t(port) & ~mask) | ((std::uint64_t(value) << offset) & mask));
}

}  // namespace hw

namespace hw {

// `width` (<= 32) bits at bit `offset` of a wide port.
template <std::size_t N>
std::uint32_t get_bits(const VlWide<N>& port, int offset, int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; i++) {
        const int bit = offset + i;
        v |= ((port[bit / 32] >> (bit % 32)) & 1u) << i;
    }
    return v;
}

// Same for a port held in an integer.
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
std::uint32_t get_bits(T port, int offset, int width) {
    const std::uint64_t mask = (width >= 32) ? 0xffffffffu : ((std::uint64_t(1) << width) - 1);
    return static_cast<std::uint32_t>((std::uint64_t(port) >> offset) & mask);
}

}  // namespace hw
