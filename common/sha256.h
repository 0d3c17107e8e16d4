// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4), for file and ROM checksums in manifests and tests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace hw {

// Incremental SHA-256: update() any number of times, then hex() once.
class Sha256 {
  public:
    Sha256();
    // Feeds n bytes.
    void update(const void* data, std::size_t n);
    // Finishes and returns the 64-character lowercase hex digest.
    std::string hex();

  private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> h_;    // chaining state
    std::array<std::uint8_t, 64> buf_;  // partial block
    std::size_t buf_len_ = 0;           // bytes in buf_
    std::uint64_t total_ = 0;           // bytes fed so far
};

// SHA-256 of a byte string, as hex.
std::string sha256_hex(const std::string& bytes);
// SHA-256 of a whole file, as hex; throws hw::Error if it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace hw
