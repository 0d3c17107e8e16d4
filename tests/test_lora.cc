// SPDX-License-Identifier: MIT
// safetensors reading and writing (good and broken files), half and bfloat16 conversions,
// PEFT LoRA adapters (round trip, Hugging Face's q/k row order, errors) and the merged model.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lora.h"
#include "safetensors.h"
#include "synthetic.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

// A raw safetensors file: this header (JSON text) and these data bytes.
void write_raw(const std::string& path, const std::string& header, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; i++) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header << data;
}

std::string floats(std::initializer_list<float> v) {
    std::string s;
    for (float f : v) {
        char b[4];
        std::memcpy(b, &f, 4);
        s.append(b, 4);
    }
    return s;
}

const hw::Config& toy_config() {
    static const hw::Config c = [] {
        hw::Config k;
        k.dim = 8, k.hidden_dim = 12, k.n_layers = 2, k.n_heads = 2, k.n_kv_heads = 1;
        k.vocab_size = 16, k.seq_len = 8;
        return k;
    }();
    return c;
}

}  // namespace

TEST_CASE("safetensors: tensors round trip in F32, F16 and BF16", "[fast][lora]") {
    hw::test::TempDir dir;
    std::map<std::string, hw::SafeTensor> t;
    t["a"] = {"F32", {2, 3}, {1.0f, -2.5f, 0.1f, 3e-5f, 65504.0f, -0.0f}};
    t["b"] = {"F32", {4}, {0.5f, 0.25f, -1.0f, 2.0f}};
    t["scalar"] = {"F32", {}, {7.0f}};
    for (const char* dtype : {"F32", "F16", "BF16"}) {
        INFO(dtype);
        hw::write_safetensors(dir.file("t.safetensors"), t, dtype);
        const auto back = hw::read_safetensors(dir.file("t.safetensors"));
        REQUIRE(back.size() == 3);
        for (const auto& [name, want] : t) {
            const hw::SafeTensor& got = back.at(name);
            CHECK(got.dtype == dtype);
            CHECK(got.shape == want.shape);
            REQUIRE(got.data.size() == want.data.size());
            for (std::size_t i = 0; i < want.data.size(); i++) {
                const float w = std::string(dtype) == "F32" ? want.data[i]
                                : std::string(dtype) == "F16" ? hw::half_to_float(hw::float_to_half(want.data[i]))
                                                              : hw::bf16_to_float(hw::float_to_bf16(want.data[i]));
                CHECK(got.data[i] == w);
            }
        }
    }
}

TEST_CASE("safetensors: half and bfloat16 conversions round to nearest even", "[fast][lora]") {
    CHECK(hw::float_to_half(1.0f) == 0x3c00);
    CHECK(hw::float_to_half(-2.0f) == 0xc000);
    CHECK(hw::float_to_half(65504.0f) == 0x7bff);
    CHECK(hw::float_to_half(65519.0f) == 0x7bff);
    CHECK(hw::float_to_half(65520.0f) == 0x7c00);  // rounds up to Inf
    CHECK(hw::float_to_half(std::ldexp(1.0f, -24)) == 0x0001);
    CHECK(hw::float_to_half(std::ldexp(1.0f, -25)) == 0x0000);       // a tie: to even (zero)
    CHECK(hw::float_to_half(std::ldexp(3.0f, -25)) == 0x0002);       // a tie: to even (2)
    CHECK(hw::float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // a tie: to even
    CHECK(hw::float_to_half(1.0f + std::ldexp(3.0f, -11)) == 0x3c02);
    // Every finite half converts to float and back unchanged.
    for (std::uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00) continue;
        INFO(h);
        REQUIRE(hw::float_to_half(hw::half_to_float(static_cast<std::uint16_t>(h))) == h);
    }
    CHECK(hw::bf16_to_float(0x3f80) == 1.0f);
    CHECK(hw::float_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);  // a tie: to even
    CHECK(hw::float_to_bf16(1.0f + std::ldexp(3.0f, -8)) == 0x3f82);
}

TEST_CASE("safetensors: every broken file is an error naming the file and the tensor", "[fast][lora]") {
    hw::test::TempDir dir;
    const std::string f = dir.file("bad.safetensors");
    const std::string two = floats({1, 2});
    const struct {
        std::string header, data, says;
    } cases[] = {
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", two, ""},  // the good one
        {R"({"w": {"dtype": "I8", "shape": [8], "data_offsets": [0, 8]}})", two, "tensor 'w': dtype: expected F32, F16 or BF16, found I8"},
        {R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", two, "tensor 'w': data_offsets: expected 12 bytes for shape [3]"},
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}})", two, "tensor 'w': data_offsets: expected begin <= end <= the data's 8 bytes"},
        {R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", two, "tensor 'w': shape: expected non-negative"},
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})", two, "tensor 'w': data_offsets: expected [begin, end]"},
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "extra": 1}})", two, "tensor 'w': key \"extra\""},
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "v": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", floats({1}), "an overlap at byte 0"},
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", two, "a gap at byte 0"},
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", two, "data: expected 4 bytes (the tensors'), found 8 bytes"},
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", floats({1, NAN}), "tensor 'w': element 1: expected a finite value"},
        {R"({"w": {"dtype": "F32", "shape": [2], "data_offs)", two, "the header is not valid JSON"},
        {R"([1, 2])", "", "header: expected a JSON object"},
    };
    for (const auto& c : cases) {
        INFO(c.header);
        write_raw(f, c.header, c.data);
        if (c.says.empty()) {
            CHECK(hw::read_safetensors(f).at("w").data == std::vector<float>{1, 2});
        } else {
            CHECK_THROWS_WITH(hw::read_safetensors(f), Contains(f) && Contains(c.says));
        }
    }
    // A header length beyond the file, and a file too short for one.
    {
        std::ofstream out(f, std::ios::binary);
        const char len[8] = {100, 0, 0, 0, 0, 0, 0, 0};
        out.write(len, 8);
        out << "{}";
    }
    CHECK_THROWS_WITH(hw::read_safetensors(f), Contains("header length: expected at most the 2 bytes after it, found 100"));
    std::ofstream(f, std::ios::binary) << "abc";
    CHECK_THROWS_WITH(hw::read_safetensors(f), Contains("header length: expected 8 bytes, found 3 bytes"));
    CHECK_THROWS_WITH(hw::read_safetensors(dir.file("none.safetensors")), Contains("cannot open"));
}

TEST_CASE("LoRA: a PEFT adapter round trips, with Hugging Face's row order for q and k", "[fast][lora]") {
    hw::test::TempDir dir;
    const hw::Config& c = toy_config();
    const hw::Adapter a = hw::make_synthetic_adapter(c, "r=2,targets=q,k,v,down,seed=5");
    CHECK(a.targets == std::vector<std::string>{"wq", "wk", "wv", "w2"});
    CHECK(a.alpha == 4.0);
    hw::write_peft_adapter(dir.file("ad"), a, c);
    const hw::Adapter b = hw::read_peft_adapter(dir.file("ad"), c);
    CHECK(b.rank == 2);
    CHECK(b.scale() == 2.0);
    CHECK(b.targets == a.targets);
    for (int l = 0; l < c.n_layers; l++) {
        for (const auto& [t, p] : a.layers[l]) {
            INFO("layer " << l << " " << t);
            CHECK(b.layers[l].at(t).a == p.a);
            CHECK(b.layers[l].at(t).b == p.b);
            CHECK(b.layers[l].at(t).in == p.in);
            CHECK(b.layers[l].at(t).out == p.out);
        }
    }
    // In the file, q_proj's B rows are in Hugging Face's order: a head of 4 elements (two
    // rotated pairs) is llama2.c's rows 0 1 2 3 at Hugging Face's rows 0 2 1 3
    // (llama2.c pairs (0,1), (2,3); Hugging Face pairs (0,2), (1,3)).
    const auto raw = hw::read_safetensors(dir.file("ad") + "/adapter_model.safetensors");
    const hw::SafeTensor& qb = raw.at("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight");
    const hw::SafeTensor& vb = raw.at("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
    const std::vector<float>& ours = a.layers[1].at("wq").b;
    const int hf_of[8] = {0, 2, 1, 3, 4, 6, 5, 7};  // two heads of 4
    for (int row = 0; row < 8; row++)
        for (int k = 0; k < 2; k++) CHECK(ours[row * 2 + k] == qb.data[hf_of[row] * 2 + k]);
    CHECK(vb.data == a.layers[1].at("wv").b);  // v is not rotated: the same order
    CHECK(qb.shape == std::vector<std::int64_t>{8, 2});
    CHECK(raw.at("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").shape ==
          std::vector<std::int64_t>{2, 12});
}

TEST_CASE("LoRA: a bad adapter folder is an error naming the file and what is wrong", "[fast][lora]") {
    hw::test::TempDir dir;
    const hw::Config& c = toy_config();
    const hw::Adapter a = hw::make_synthetic_adapter(c, "r=2,targets=q,v,seed=1");
    const std::string ad = dir.file("ad");
    hw::write_peft_adapter(ad, a, c);
    const std::string cfg_path = ad + "/adapter_config.json";
    const std::string st_path = ad + "/adapter_model.safetensors";
    nlohmann::json cfg;
    std::ifstream(cfg_path) >> cfg;
    auto with = [&](const char* key, const nlohmann::json& v) {
        nlohmann::json j = cfg;
        if (v.is_null()) j.erase(key);
        else j[key] = v;
        std::ofstream(cfg_path) << j.dump();
    };
    const struct {
        const char* key;
        nlohmann::json value;
        const char* says;
    } cases[] = {
        {"target_modules", {"q_proj", "lm_head"}, "target module 'lm_head': expected q_proj, k_proj"},
        {"r", 0, "\"r\": expected an integer in 1..8"},
        {"r", nullptr, "\"r\": expected present"},
        {"lora_alpha", -1, "\"lora_alpha\": expected a positive number"},
        {"fan_in_fan_out", true, "\"fan_in_fan_out\": expected false"},
        {"bias", "all", "\"bias\": expected \"none\""},
        {"peft_type", "IA3", "\"peft_type\": expected \"LORA\""},
        {"r", 4, "lora_A.weight' shape: expected [4,8] (r 4), found [2,8]"},
        {"target_modules", {"q_proj", "v_proj", "o_proj"}, "o_proj.lora_A.weight': expected present"},
        {"target_modules", {"q_proj"}, "v_proj.lora_A.weight': expected only the lora_A and lora_B"},
    };
    for (const auto& k : cases) {
        INFO(k.key << " = " << k.value.dump());
        with(k.key, k.value);
        CHECK_THROWS_WITH(hw::read_peft_adapter(ad, c), Contains(ad) && Contains(k.says));
    }
    std::ofstream(cfg_path) << cfg.dump();
    CHECK_NOTHROW(hw::read_peft_adapter(ad, c));
    std::ofstream(cfg_path) << "{ not json";
    CHECK_THROWS_WITH(hw::read_peft_adapter(ad, c), Contains(cfg_path) && Contains("not valid JSON"));
    CHECK_THROWS_WITH(hw::read_peft_adapter(dir.file("none"), c), Contains("adapter_config.json: cannot open"));
    CHECK_THROWS_WITH(hw::make_synthetic_adapter(c, "r=2,targets=q,x"), Contains("target 'x'"));
    CHECK_THROWS_WITH(hw::make_synthetic_adapter(c, "r=99,targets=q"), Contains("r: expected 1..8, found 99"));
    CHECK_THROWS_WITH(hw::make_synthetic_adapter(c, "r=2"), Contains("targets: expected at least one"));
}

TEST_CASE("LoRA: the merged model is W + (alpha/r) B A, or alpha/sqrt(r) with rsLoRA", "[fast][lora]") {
    const hw::Model m = hw::make_synthetic_model(
        hw::parse_synthetic_spec("dim=8,hidden=12,layers=2,heads=2,kv_heads=1,vocab=16,seq_len=8,seed=2"));
    hw::Adapter a = hw::make_synthetic_adapter(m.config, "r=3,targets=k,up,seed=9,alpha=6");
    for (const bool rs : {false, true}) {
        a.rslora = rs;
        const double s = rs ? 6 / std::sqrt(3.0) : 2.0;
        CHECK(a.scale() == Approx(s));
        const hw::Model merged = hw::merge_adapter(m, a);
        // wk of layer 1, entry (i, j): kv_dim 4 x dim 8.
        const hw::LoraPair& p = a.layers[1].at("wk");
        for (int i = 0; i < p.out; i++) {
            for (int j = 0; j < p.in; j++) {
                double d = 0;
                for (int k = 0; k < 3; k++) d += double(p.b[i * 3 + k]) * p.a[k * p.in + j];
                const std::size_t at = std::size_t(1) * 4 * 8 + i * 8 + j;
                CHECK(merged.weights.wk[at] == Approx(m.weights.wk[at] + s * d).epsilon(1e-6));
            }
        }
        CHECK(merged.weights.wq == m.weights.wq);  // not a target: unchanged
        CHECK(merged.weights.w3 != m.weights.w3);
    }
}
