// SPDX-License-Identifier: MIT
// Checkpoint reader: shapes of the real model, write/read round trip, every validation error.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>

#include "error.h"
#include "model.h"
#include "sha256.h"
#include "synthetic.h"
#include "test_util.h"

using Catch::Contains;
using hw::test::TempDir;

namespace {

// A small valid model written to `path`.
hw::Model small_model(bool shared = true) {
    return hw::make_synthetic_model(hw::parse_synthetic_spec(
        std::string(
            "dim=16,hidden=24,layers=2,heads=4,kv_heads=2,vocab=32,seq_len=8,seed=3,shared=") +
        (shared ? "1" : "0")));
}

// Overwrites int32 header field `index` of a checkpoint file.
void patch_header(const std::string& path, int index, std::int32_t value) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(index * 4);
    f.write(reinterpret_cast<const char*>(&value), 4);
}

}  // namespace

TEST_CASE("stories260K loads with its documented shape", "[model][fast]") {
    HW_REQUIRE_MODEL_FILE(path, hw::test::stories260k_bin());
    CHECK(hw::sha256_file(path) ==
          "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696");
    const hw::Model m = hw::read_checkpoint(path);
    const hw::Config& c = m.config;
    CHECK(c.dim == 64);
    CHECK(c.hidden_dim == 172);
    CHECK(c.n_layers == 5);
    CHECK(c.n_heads == 8);
    CHECK(c.n_kv_heads == 4);
    CHECK(c.vocab_size == 512);
    CHECK(c.seq_len == 512);
    CHECK(c.shared_classifier);
    CHECK(c.kv_dim() == 32);
    CHECK(m.weights.wcls.empty());
    CHECK(&m.weights.classifier() == &m.weights.token_embedding);
    CHECK(m.weights.w2.size() == 5u * 64 * 172);
    CHECK(m.weights.rms_final.size() == 64u);
}

TEST_CASE("checkpoints round-trip through write and read", "[fast][model]") {
    TempDir dir;
    for (bool shared : {true, false}) {
        const hw::Model m = small_model(shared);
        hw::write_checkpoint(dir.file("m.bin"), m);
        const hw::Model r = hw::read_checkpoint(dir.file("m.bin"));
        CHECK(r.config.shared_classifier == shared);
        CHECK(r.weights.token_embedding == m.weights.token_embedding);
        CHECK(r.weights.w2 == m.weights.w2);
        CHECK(r.weights.rms_final == m.weights.rms_final);
        CHECK(r.weights.wcls == m.weights.wcls);
        CHECK(r.weights.wcls.empty() == shared);
    }
}

TEST_CASE("checkpoint validation names file field and values", "[fast][model]") {
    TempDir dir;
    const std::string path = dir.file("bad.bin");
    const hw::Model m = small_model(true);

    SECTION("file shorter than the header implies") {
        hw::write_checkpoint(path, m);
        const std::string bytes = hw::test::read_file(path);
        std::ofstream(path, std::ios::binary | std::ios::trunc)
            << bytes.substr(0, bytes.size() - 4);
        CHECK_THROWS_WITH(hw::read_checkpoint(path),
                          Contains(path) && Contains("file size does not match the header") &&
                              Contains("expected " + std::to_string(bytes.size()) + " bytes") &&
                              Contains("short by 4"));
    }
    SECTION("file longer than the header implies") {
        hw::write_checkpoint(path, m);
        std::ofstream(path, std::ios::binary | std::ios::app) << "extra";
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains("long by 5"));
    }
    SECTION("file shorter than the header itself") {
        std::ofstream(path, std::ios::binary) << "abc";
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains(path) &&
                                                         Contains("28 bytes at least") &&
                                                         Contains("found 3 bytes"));
    }
    SECTION("non-positive dimensions") {
        const char* fields[] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads"};
        for (int i = 0; i < 5; i++) {
            hw::write_checkpoint(path, m);
            patch_header(path, i, i % 2 ? 0 : -3);
            CHECK_THROWS_WITH(hw::read_checkpoint(path),
                              Contains(path) &&
                                  Contains(std::string("header field ") + fields[i]) &&
                                  Contains("expected a positive integer") &&
                                  Contains(i % 2 ? "found 0" : "found -3"));
        }
        hw::write_checkpoint(path, m);
        patch_header(path, 5, 0);
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains("header field vocab_size"));
        hw::write_checkpoint(path, m);
        patch_header(path, 6, -1);
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains("header field seq_len"));
    }
    SECTION("dim not a multiple of n_heads") {
        hw::write_checkpoint(path, m);
        patch_header(path, 3, 3);  // 16 % 3 != 0
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains("header field dim") &&
                                                         Contains("a multiple of n_heads=3") &&
                                                         Contains("found 16"));
    }
    SECTION("n_heads not a multiple of n_kv_heads") {
        hw::write_checkpoint(path, m);
        patch_header(path, 4, 3);  // 4 % 3 != 0
        CHECK_THROWS_WITH(hw::read_checkpoint(path), Contains("header field n_heads") &&
                                                         Contains("a multiple of n_kv_heads=3") &&
                                                         Contains("found 4"));
    }
    SECTION("NaN and Inf weights, with their byte offset") {
        for (float bad :
             {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            hw::Model broken = m;
            broken.weights.wq[5] =
                bad;  // wq starts after token_embedding (32*16) and rms_att (2*16)
            hw::write_checkpoint(path, broken);
            const std::size_t offset = 28 + (32 * 16 + 2 * 16 + 5) * 4;
            CHECK_THROWS_WITH(hw::read_checkpoint(path),
                              Contains(path + ": byte offset " + std::to_string(offset)) &&
                                  Contains("tensor wq element 5") &&
                                  Contains("expected a finite float32") &&
                                  Contains(std::isnan(bad) ? "nan" : "inf"));
        }
    }
    SECTION("missing file") {
        CHECK_THROWS_WITH(hw::read_checkpoint(dir.file("nope.bin")),
                          Contains("nope.bin") && Contains("cannot open"));
    }
}

TEST_CASE("a separate classifier is read from after the freq_cis tables", "[fast][model]") {
    TempDir dir;
    hw::Model m = small_model(false);
    hw::write_checkpoint(dir.file("m.bin"), m);
    // The header stores -vocab_size for a separate classifier.
    std::int32_t header[7];
    std::ifstream(dir.file("m.bin"), std::ios::binary).read(reinterpret_cast<char*>(header), 28);
    CHECK(header[5] == -32);
    const hw::Model r = hw::read_checkpoint(dir.file("m.bin"));
    REQUIRE(r.weights.wcls.size() == 32u * 16);
    CHECK(r.weights.wcls.back() == m.weights.wcls.back());
    CHECK(&r.weights.classifier() == &r.weights.wcls);
}
