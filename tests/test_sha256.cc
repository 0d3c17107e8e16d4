// SPDX-License-Identifier: MIT
// SHA-256 against the FIPS 180-4 example vectors.
#include <catch2/catch.hpp>
#include <fstream>

#include "sha256.h"
#include "test_util.h"

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[fast][sha256]") {
    CHECK(hw::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hw::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hw::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hw::sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 of a file equals sha256 of its bytes", "[fast][sha256]") {
    hw::test::TempDir dir;
    std::string bytes;
    for (int i = 0; i < 200000; i++) bytes += static_cast<char>(i * 7);
    std::ofstream(dir.file("f"), std::ios::binary) << bytes;
    CHECK(hw::sha256_file(dir.file("f")) == hw::sha256_hex(bytes));
    CHECK_THROWS_WITH(hw::sha256_file(dir.file("missing")),
                      Catch::Contains("missing") && Catch::Contains("cannot open"));
}
