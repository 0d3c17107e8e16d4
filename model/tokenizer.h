// SPDX-License-Identifier: MIT
// llama2.c tokenizer: reads tokenizer.bin, BPE encode and decode as run.c does.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace hw {

// Special token ids of the llama2.c / sentencepiece vocabularies.
constexpr int kBosToken = 1;  // beginning of sequence
constexpr int kEosToken = 2;  // end of sequence

class Tokenizer {
  public:
    // Reads a llama2.c tokenizer.bin: int32 max_token_length, then per token a float32
    // merge score, an int32 length and that many bytes, until the end of the file.
    // If expected_vocab > 0 the token count must equal it. Throws hw::Error naming the
    // file and byte offset on any malformed entry.
    static Tokenizer read(const std::string& path, int expected_vocab = 0);

    // Builds a tokenizer from pieces and scores (tests and synthetic models).
    Tokenizer(std::vector<std::string> pieces, std::vector<float> scores);

    // Tokens, as run.c encode(): optional BOS, a dummy-prefix space when text is not
    // empty, one token per UTF-8 code point (or its bytes as <0xXX> tokens when the code
    // point is not in the vocabulary), then greedy merges of the best-scoring pair.
    std::vector<int> encode(const std::string& text, bool bos, bool eos = false) const;

    // The bytes token `token` stands for when it follows `prev`, as run.c decode(): the
    // leading space is dropped after BOS, and <0xXX> pieces become the raw byte.
    std::string decode(int prev, int token) const;

    // The raw piece string of a token.
    const std::string& piece(int token) const { return pieces_.at(token); }
    // Number of tokens in the vocabulary.
    int vocab_size() const { return static_cast<int>(pieces_.size()); }

  private:
    int lookup(const std::string& s) const;  // token id of an exact piece, or -1

    std::vector<std::string> pieces_;           // token id -> piece bytes
    std::vector<float> scores_;                 // token id -> merge score
    std::unordered_map<std::string, int> ids_;  // piece -> lowest token id
    int byte_tokens_[256];                      // byte -> id of "<0xXX>", or -1
};

// Makes a string safe for a terminal: printable ASCII, UTF-8 sequences, '\n' and '\t'
// pass through; other control bytes and invalid bytes become "\xNN".
std::string escape_unprintable(const std::string& bytes);

}  // namespace hw
