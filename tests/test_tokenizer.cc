// SPDX-License-Identifier: MIT
// Tokenizer: run.c encode of a known prompt, round trips, byte fallback, decode rules.
#include <catch2/catch.hpp>
#include <fstream>

#include "error.h"
#include "test_util.h"
#include "tokenizer.h"

using Catch::Contains;

namespace {

// Decodes tokens[1..] the way run.c prints them (each token after its predecessor).
std::string decode_all(const hw::Tokenizer& tok, const std::vector<int>& tokens) {
    std::string out;
    for (std::size_t i = 1; i < tokens.size(); i++) out += tok.decode(tokens[i - 1], tokens[i]);
    return out;
}

// A tiny vocabulary: specials, 256 byte tokens, and a few merges with scores.
hw::Tokenizer tiny_tokenizer() {
    std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
    std::vector<float> scores = {0, 0, 0};
    for (int b = 0; b < 256; b++) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        pieces.push_back(name);
        scores.push_back(0);
    }
    for (const char* p : {" ", "a", "b", "c", "ab", "abc", " abc", "bc", "\xc3\xa9"}) {
        pieces.push_back(p);
        scores.push_back(-static_cast<float>(pieces.size()));
    }
    scores[pieces.size() - 2] = 10.0f;  // "bc" scores best: it merges before "ab"
    return hw::Tokenizer(pieces, scores);
}

}  // namespace

TEST_CASE("encode of 'Once upon a time' gives BOS and run.c's pieces", "[fast][model][tokenizer]") {
    HW_REQUIRE_MODEL_FILE(path, hw::test::stories260k_tokenizer());
    const hw::Tokenizer tok = hw::Tokenizer::read(path, 512);
    REQUIRE(tok.vocab_size() == 512);
    const std::vector<int> tokens = tok.encode("Once upon a time", true);
    // The dummy-prefix space merges into " Once"; these are the ids the model itself emits
    // for this text in greedy-from-bos.jsonl (positions 0-3).
    CHECK(tokens == std::vector<int>{1, 403, 407, 261, 378});
    CHECK(tok.piece(403) == " Once");
    CHECK(decode_all(tok, tokens) == "Once upon a time");
    CHECK(tok.encode("", true) == std::vector<int>{1});
    CHECK(tok.encode("", false).empty());
    CHECK(tok.encode("a", false, true).back() == hw::kEosToken);
}

TEST_CASE("encode/decode round trips on stories260K's vocabulary", "[fast][model][tokenizer]") {
    HW_REQUIRE_MODEL_FILE(path, hw::test::stories260k_tokenizer());
    const hw::Tokenizer tok = hw::Tokenizer::read(path, 512);
    const char* texts[] = {
        "Once upon a time, there was a little girl named Lily.",
        "ASCII punctuation: !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ and digits 0123456789",
        "Tabs\tand\nnewlines\n\n",
        "UTF-8 in the vocabulary: \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x94 dash",
        "UTF-8 by byte fallback: \xc3\xa9t\xc3\xa9, \xe4\xb8\xad\xe6\x96\x87, \xf0\x9f\x99\x82",
        "control bytes \x01\x7f fall back too",
    };
    for (const char* text : texts) {
        INFO("text: " << text);
        const std::vector<int> tokens = tok.encode(text, true);
        CHECK(tokens.front() == hw::kBosToken);
        CHECK(decode_all(tok, tokens) == text);
    }
    // A character outside the vocabulary becomes one <0xXX> token per byte.
    const std::vector<int> tokens = tok.encode("\xe4\xb8\xad", false);
    REQUIRE(tokens.size() == 4);  // dummy prefix " ", then three bytes
    CHECK(tok.piece(tokens[1]) == "<0xE4>");
    CHECK(tok.piece(tokens[2]) == "<0xB8>");
    CHECK(tok.piece(tokens[3]) == "<0xAD>");
}

TEST_CASE("merges follow scores not order", "[fast][tokenizer]") {
    const hw::Tokenizer tok = tiny_tokenizer();
    // " abc": "bc" (score 10) merges first, then "a"+"bc" = "abc", then " "+"abc" = " abc".
    const std::vector<int> t = tok.encode("abc", false);
    REQUIRE(t.size() == 1);
    CHECK(tok.piece(t[0]) == " abc");
    // A two-byte code point that is a piece stays one token; one that is not falls back.
    const std::vector<int> e = tok.encode("\xc3\xa9\xc3\xa8", false);
    REQUIRE(e.size() == 4);
    CHECK(tok.piece(e[1]) == "\xc3\xa9");
    CHECK(tok.piece(e[2]) == "<0xC3>");
    CHECK(tok.piece(e[3]) == "<0xA8>");
}

TEST_CASE("decode strips the space after BOS and turns byte pieces into bytes",
          "[fast][tokenizer]") {
    const hw::Tokenizer tok = tiny_tokenizer();
    const int space_abc = tok.encode("abc", false)[0];
    CHECK(tok.decode(hw::kBosToken, space_abc) == "abc");
    CHECK(tok.decode(space_abc, space_abc) == " abc");
    CHECK(tok.decode(0, 3 + 0x41) == "A");
    CHECK(tok.decode(0, 3 + 0x00) == std::string(1, '\0'));
    CHECK_THROWS_WITH(tok.decode(0, 9999), Contains("token id") && Contains("found 9999"));
}

TEST_CASE("unprintable bytes are escaped text and UTF-8 are kept", "[fast][tokenizer]") {
    CHECK(hw::escape_unprintable("plain text\n\tok") == "plain text\n\tok");
    CHECK(hw::escape_unprintable(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(hw::escape_unprintable("\x1b[31m") == "\\x1B[31m");
    CHECK(hw::escape_unprintable("\x7f") == "\\x7F");
    CHECK(hw::escape_unprintable("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(hw::escape_unprintable("\xc3") == "\\xC3");           // truncated sequence
    CHECK(hw::escape_unprintable("\xff\xfe") == "\\xFF\\xFE");  // never valid UTF-8
}

TEST_CASE("malformed tokenizer files are rejected with file and offset", "[fast][tokenizer]") {
    hw::test::TempDir dir;
    const std::string path = dir.file("tok.bin");
    auto write = [&](const std::string& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    };
    auto le32 = [](std::int32_t v) { return std::string(reinterpret_cast<char*>(&v), 4); };
    auto lef = [](float v) { return std::string(reinterpret_cast<char*>(&v), 4); };

    write("");
    CHECK_THROWS_WITH(hw::Tokenizer::read(path), Contains(path) && Contains("max_token_length"));
    write(le32(4) + lef(0) + le32(9) + "abcdefghi");
    CHECK_THROWS_WITH(hw::Tokenizer::read(path), Contains("byte offset 4") &&
                                                     Contains("token 0 length") &&
                                                     Contains("found 9"));
    write(le32(4) + lef(0) + le32(1) + "a" + lef(0));
    CHECK_THROWS_WITH(hw::Tokenizer::read(path),
                      Contains("byte offset 13") && Contains("token 1 header"));
    write(le32(4) + lef(0) + le32(1) + "a");
    CHECK(hw::Tokenizer::read(path).vocab_size() == 1);
    CHECK_THROWS_WITH(hw::Tokenizer::read(path, 512),
                      Contains("token count") && Contains("expected 512") && Contains("found 1"));
}
