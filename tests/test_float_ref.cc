// SPDX-License-Identifier: MIT
// Float reference against llama2.c run.c's trace of stories260K.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "decode.h"
#include "float_ref.h"
#include "synthetic.h"
#include "test_util.h"

namespace {

// run.c prints top-5 logits with %f (6 decimals) and float32 sums in a different order
// are not bit-identical; 1e-4 is the tolerance the model's README gives.
constexpr double kLogitTolerance = 1e-4;

}  // namespace

TEST_CASE("float reference reproduces greedy-from-bos.jsonl", "[model][golden]") {
    HW_REQUIRE_MODEL_FILE(model_file, hw::test::stories260k_bin());
    HW_REQUIRE_MODEL_FILE(tok_file, hw::test::stories260k_tokenizer());
    HW_REQUIRE_MODEL_FILE(trace_file,
                          hw::test::model_path("stories260K/reference/greedy-from-bos.jsonl"));
    HW_REQUIRE_MODEL_FILE(text_file,
                          hw::test::model_path("stories260K/reference/greedy-from-bos.txt"));

    std::vector<nlohmann::json> trace;
    std::ifstream in(trace_file);
    for (std::string line; std::getline(in, line);) trace.push_back(nlohmann::json::parse(line));
    REQUIRE(trace.size() == 256);

    const hw::Model model = hw::read_checkpoint(model_file);
    const hw::Tokenizer tok = hw::Tokenizer::read(tok_file, model.config.vocab_size);
    hw::FloatReference ref(model);
    std::string text;
    int steps = 0;
    double worst = 0;
    hw::greedy_decode(
        {hw::kBosToken}, 256, model.config.seq_len,
        [&](int token, int pos) -> const auto& { return ref.forward(token, pos); },
        [](const std::vector<float>& l) { return hw::argmax(l); },
        [&](const hw::DecodeStep& s, const std::vector<float>& logits) {
            const nlohmann::json& want = trace.at(s.pos);
            INFO("pos " << s.pos);
            REQUIRE(s.token == want["token"].get<int>());
            REQUIRE(s.next == want["next"].get<int>());
            const auto top = hw::top_k(logits, 5);
            for (int i = 0; i < 5; i++) {
                CHECK(top[i].first == want["top5"][i][0].get<int>());
                const double err = std::fabs(top[i].second - want["top5"][i][1].get<double>());
                worst = std::max(worst, err);
                CHECK(err <= kLogitTolerance);
            }
            text += tok.decode(s.token, s.next);
            steps++;
        });
    CHECK(steps == 256);
    std::string want_text = hw::test::read_file(text_file);
    if (!want_text.empty() && want_text.back() == '\n')
        want_text.pop_back();  // run.c's final newline
    CHECK(text == want_text);
    INFO("largest top-5 logit difference " << worst);
    CHECK(worst < kLogitTolerance);
}

TEST_CASE("float reference decodes synthetic models of awkward shapes", "[fast][golden]") {
    for (const char* spec :
         {"dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=16,seed=1",
          "dim=32,hidden=64,layers=3,heads=4,kv_heads=4,vocab=50,seq_len=16,shared=0"}) {
        INFO(spec);
        const hw::Model m = hw::make_synthetic_model(hw::parse_synthetic_spec(spec));
        hw::FloatReference ref(m);
        int steps = 0;
        hw::greedy_decode(
            {hw::kBosToken}, 16, m.config.seq_len,
            [&](int token, int pos) -> const auto& { return ref.forward(token, pos); },
            [](const std::vector<float>& l) { return hw::argmax(l); },
            [&](const hw::DecodeStep& s, const std::vector<float>& logits) {
                steps++;
                CHECK(s.next >= 0);
                CHECK(s.next < m.config.vocab_size);
                for (float l : logits) REQUIRE(std::isfinite(l));
                // Realistic range: logits spread over a few units, neither flat nor exploding.
                const auto top = hw::top_k(logits, 1);
                CHECK(std::fabs(top[0].second) < 100.0f);
            });
        CHECK(steps >= 1);
    }
}

TEST_CASE("argmax picks the first maximum and top_k orders ties by index", "[fast][golden]") {
    CHECK(hw::argmax({1.0f, 3.0f, 3.0f, 2.0f}) == 1);
    const auto top = hw::top_k({1.0f, 3.0f, 3.0f, 2.0f}, 3);
    CHECK(top[0].first == 1);
    CHECK(top[1].first == 2);
    CHECK(top[2].first == 3);
}
