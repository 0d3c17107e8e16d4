// SPDX-License-Identifier: MIT
// llama2.c tokenizer, following run.c's encode()/decode() step by step.
#include "tokenizer.h"

#include <cstdint>
#include <cstdio>
#include <fstream>

#include "error.h"

namespace hw {

Tokenizer::Tokenizer(std::vector<std::string> pieces, std::vector<float> scores)
    : pieces_(std::move(pieces)), scores_(std::move(scores)) {
    if (pieces_.size() != scores_.size()) {
        throw make_error("tokenizer", "score count", std::to_string(pieces_.size()),
                         std::to_string(scores_.size()));
    }
    for (int i = 0; i < vocab_size(); i++) ids_.emplace(pieces_[i], i);  // keeps lowest id
    for (int b = 0; b < 256; b++) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_tokens_[b] = lookup(name);
    }
}

Tokenizer Tokenizer::read(const std::string& path, int expected_vocab) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error(path + ": cannot open tokenizer for reading");
    const std::int64_t size = in.tellg();
    in.seekg(0);
    std::int32_t max_len = 0;
    if (!in.read(reinterpret_cast<char*>(&max_len), 4) || max_len <= 0) {
        throw make_error(path + ": byte offset 0", "max_token_length", "a positive int32",
                         size < 4 ? "end of file" : std::to_string(max_len));
    }
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::int64_t offset = 4;
    while (offset < size) {
        const std::string where = path + ": byte offset " + std::to_string(offset);
        const std::string token = "token " + std::to_string(pieces.size());
        if (size - offset < 8) {
            throw make_error(where, token + " header", "8 bytes (score, length)",
                             std::to_string(size - offset) + " bytes before end of file");
        }
        float score;
        std::int32_t len;
        in.read(reinterpret_cast<char*>(&score), 4);
        in.read(reinterpret_cast<char*>(&len), 4);
        if (len < 0 || len > max_len || len > size - offset - 8) {
            throw make_error(where, token + " length",
                             "0.." + std::to_string(max_len) + " bytes within the file",
                             std::to_string(len));
        }
        std::string piece(static_cast<std::size_t>(len), '\0');
        in.read(piece.data(), len);
        pieces.push_back(std::move(piece));
        scores.push_back(score);
        offset += 8 + len;
    }
    if (pieces.empty()) throw make_error(path, "tokens", "at least one", "none");
    if (expected_vocab > 0 && static_cast<int>(pieces.size()) != expected_vocab) {
        throw make_error(path, "token count (must equal the model's vocab_size)",
                         std::to_string(expected_vocab), std::to_string(pieces.size()));
    }
    return Tokenizer(std::move(pieces), std::move(scores));
}

int Tokenizer::lookup(const std::string& s) const {
    auto it = ids_.find(s);
    return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(const std::string& text, bool bos, bool eos) const {
    std::vector<int> tokens;
    if (bos) tokens.push_back(kBosToken);
    // sentencepiece's add_dummy_prefix: text starts with a space.
    if (!text.empty()) {
        const int space = lookup(" ");
        if (space < 0) throw Error("tokenizer: no \" \" piece for the dummy prefix");
        tokens.push_back(space);
    }

    // One token per UTF-8 code point, or its bytes when the code point is not a piece.
    std::string cp;
    for (std::size_t i = 0; i < text.size(); i++) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80) cp.clear();  // not a continuation byte: new code point
        cp += static_cast<char>(c);
        const bool next_is_continuation =
            i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
        if (next_is_continuation && cp.size() < 4) continue;
        const int id = lookup(cp);
        if (id >= 0) {
            tokens.push_back(id);
        } else {
            for (unsigned char b : cp) {
                if (byte_tokens_[b] < 0) {
                    throw make_error("tokenizer", "byte fallback piece for a byte of the prompt",
                                     "a <0xXX> token", "none for byte " + std::to_string(b));
                }
                tokens.push_back(byte_tokens_[b]);
            }
        }
        cp.clear();
    }

    // Merge the adjacent pair whose concatenation is the best-scoring piece, until none is.
    for (;;) {
        float best_score = -1e10f;
        int best_id = -1;
        std::size_t best_idx = 0;
        for (std::size_t i = 0; i + 1 < tokens.size(); i++) {
            const int id = lookup(pieces_[tokens[i]] + pieces_[tokens[i + 1]]);
            if (id >= 0 && scores_[id] > best_score) {
                best_score = scores_[id];
                best_id = id;
                best_idx = i;
            }
        }
        if (best_id < 0) break;
        tokens[best_idx] = best_id;
        tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_idx) + 1);
    }
    if (eos) tokens.push_back(kEosToken);
    return tokens;
}

std::string Tokenizer::decode(int prev, int token) const {
    if (token < 0 || token >= vocab_size()) {
        throw make_error("tokenizer decode", "token id", "0.." + std::to_string(vocab_size() - 1),
                         std::to_string(token));
    }
    std::string piece = pieces_[token];
    if (prev == kBosToken && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
    unsigned int byte = 0;
    char tail = 0;
    // "<0xXX>" pieces stand for one raw byte.
    if (piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%02X%c", &byte, &tail) == 2 &&
        tail == '>') {
        return std::string(1, static_cast<char>(byte));
    }
    return piece;
}

std::string escape_unprintable(const std::string& bytes) {
    std::string out;
    auto escape = [&out](unsigned char b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", b);
        out += buf;
    };
    for (std::size_t i = 0; i < bytes.size();) {
        const unsigned char c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
            out += static_cast<char>(c);
            i++;
            continue;
        }
        // A well-formed multi-byte UTF-8 sequence passes through whole.
        const std::size_t n = (c & 0xE0) == 0xC0   ? 2
                              : (c & 0xF0) == 0xE0 ? 3
                              : (c & 0xF8) == 0xF0 ? 4
                                                   : 0;
        bool ok = n > 0 && i + n <= bytes.size();
        for (std::size_t k = 1; ok && k < n; k++) {
            ok = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
        }
        if (ok) {
            out.append(bytes, i, n);
            i += n;
        } else {
            escape(c);
            i++;
        }
    }
    return out;
}

}  // namespace hw
