// SPDX-License-Identifier: MIT
// CRC-32 of the host link (IEEE 802.3, reflected, polynomial 0xEDB88320, init and final
// inversion), over 32-bit words taken as little-endian bytes: the reference for
// hw_pkg::crc32_word.
#pragma once

#include <cstdint>
#include <vector>

namespace hw::link {

// CRC register after one more word (no final inversion).
std::uint32_t crc32_update(std::uint32_t crc, std::uint32_t word);

// The CRC word a packet carries for `words` (init 0xffffffff, sent inverted).
std::uint32_t crc32_words(const std::uint32_t* words, std::size_t n);

}  // namespace hw::link
