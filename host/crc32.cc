// SPDX-License-Identifier: MIT
#include "crc32.h"

namespace hw::link {

std::uint32_t crc32_update(std::uint32_t crc, std::uint32_t word) {
    for (int b = 0; b < 32; b++) {
        const bool bit = ((crc ^ (word >> b)) & 1u) != 0;
        crc = (crc >> 1) ^ (bit ? 0xedb88320u : 0u);
    }
    return crc;
}

std::uint32_t crc32_words(const std::uint32_t* words, std::size_t n) {
    std::uint32_t crc = 0xffffffffu;
    for (std::size_t k = 0; k < n; k++) crc = crc32_update(crc, words[k]);
    return ~crc;
}

}  // namespace hw::link
