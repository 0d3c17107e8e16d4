// SPDX-License-Identifier: MIT
// Quantizer: formats, round-trip bounds, ties, saturation, zeros, outliers, GPTQ.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "error.h"
#include "quant.h"
#include "synthetic.h"
#include "test_util.h"

using Catch::Contains;

namespace {

// Largest |w - value| / scale over a row-major matrix (in units of the group's scale).
double worst_error_in_steps(const std::vector<float>& w, const hw::QMatrix& q) {
    double worst = 0;
    for (int i = 0; i < q.rows; i++) {
        for (int j = 0; j < q.cols; j++) {
            const double s =
                q.mantissa[i * q.groups + j / q.group_size] * std::ldexp(1.0, -q.shift[i]);
            if (s == 0) continue;
            worst = std::max(worst, std::fabs(w[i * q.cols + j] - q.value(i, j)) / s);
        }
    }
    return worst;
}

// Random normal-ish matrix from the project's PRNG.
std::vector<float> random_matrix(int rows, int cols, std::uint64_t seed) {
    hw::SplitMix64 rng(seed);
    std::vector<float> w(std::size_t(rows) * cols);
    for (float& x : w) {
        double s = 0;
        for (int k = 0; k < 4; k++) s += double(rng.next() >> 40) * 0x1p-24;
        x = float((s - 2.0) * 0.1);
    }
    return w;
}

}  // namespace

TEST_CASE("weight format names parse and print", "[fast][quant]") {
    CHECK(hw::parse_weight_format("int8").name() == "int8/g32");
    CHECK(hw::parse_weight_format("int8/row").name() == "int8/row");
    CHECK(hw::parse_weight_format("int4/g16").name() == "int4/g16");
    CHECK(hw::parse_weight_format("int6/g8").name() == "int6/g8");
    CHECK(hw::parse_weight_format("int3/row").name() == "int3/row");
    CHECK(hw::parse_weight_format("int4").qmax() == 7);
    CHECK(hw::parse_weight_format("int6").qmax() == 31);
    CHECK(hw::parse_weight_format("int3").qmax() == 3);
    CHECK_THROWS_WITH(hw::parse_weight_format("int5"),
                      Contains("expected int8, int6, int4, int3 or the recipe q3q6") && Contains("found int5"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int8/g0"), Contains("gN with N >= 1"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int8/x"), Contains("found x"));
}

TEST_CASE("mixed formats: the q3q6 recipe, overrides by tensor and layer, format maps", "[fast][quant]") {
    const hw::WeightFormat q = hw::parse_weight_format("q3q6");
    CHECK(q.name() == "q3q6/g32");
    CHECK(q.bits_of("token_embedding", -1) == 6);
    CHECK(q.bits_of("wq", 2) == 6);
    CHECK(q.bits_of("wo", 0) == 6);
    for (const char* t : {"w1", "w2", "w3"}) CHECK(q.bits_of(t, 4) == 3);
    // A layer's own entry wins over the every-layer one; the name spells the mix out and
    // parses back to the same widths.
    const hw::WeightFormat m = hw::parse_weight_format("q3q6/g16,1.w2=6,wq=4");
    CHECK(m.name() == "int6/g16,w1=3,w2=3,w3=3,1.w2=6,wq=4");
    CHECK(m.bits_of("w2", 1) == 6);
    CHECK(m.bits_of("w2", 0) == 3);
    CHECK(m.bits_of("wq", 3) == 4);
    CHECK(hw::parse_weight_format(m.name()).name() == m.name());
    CHECK(m.of("w2", 0).name() == "int3/g16");
    hw::Config c;
    c.dim = 64, c.hidden_dim = 172, c.n_layers = 2, c.n_heads = 8, c.n_kv_heads = 4, c.vocab_size = 64;
    CHECK(hw::used_widths(c, m) == std::vector<int>{3, 4, 6});
    CHECK(hw::used_widths(c, hw::parse_weight_format("int4")) == std::vector<int>{4});
    CHECK(hw::tensor_widths(c, m).size() == 1 + 2 * 7);
    CHECK_THROWS_WITH(hw::parse_weight_format("int6,w9=3"), Contains("tensor of 'w9'") && Contains("w1, w2 or w3"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int6,w1=5"), Contains("width of 'w1=5'") && Contains("3, 4, 6 or 8"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int6,w1"), Contains("TENSOR=BITS"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int6,x.w1=3"), Contains("a layer number"));
    CHECK_THROWS_WITH(hw::parse_weight_format("int6,0.token_embedding=3"), Contains("no layer for token_embedding"));
    CHECK_THROWS_WITH(hw::check_format(c, hw::parse_weight_format("int6,2.w1=3")),
                      Contains("a layer below the model's 2") && Contains("layer 2"));
    CHECK_THROWS_WITH(hw::check_format(c, hw::parse_weight_format("int6,wcls=3")), Contains("name token_embedding"));

    hw::test::TempDir dir;
    auto map = [&](const std::string& text) {
        std::ofstream(dir.file("map.json")) << text;
        return hw::read_format_map(dir.file("map.json"));
    };
    // Per-layer entries win whatever the key order (JSON objects are unordered).
    const hw::WeightFormat f = map(R"({"format": "int6/g32", "tensors": {"0.w1": "int8", "w1": 3, "wo": "int4"}})");
    CHECK(f.bits_of("w1", 0) == 8);
    CHECK(f.bits_of("w1", 1) == 3);
    CHECK(f.bits_of("wo", 1) == 4);
    CHECK(hw::parse_weight_format(f.name()).bits_of("w1", 0) == 8);
    CHECK_THROWS_WITH(map("{"), Contains("map.json: not valid JSON"));
    CHECK_THROWS_WITH(map(R"({"tensors": {}})"), Contains("map.json: \"format\": expected the base format"));
    CHECK_THROWS_WITH(map(R"({"format": "int6", "tensor": {}})"), Contains("key \"tensor\"") && Contains("format, tensors or about"));
    CHECK_THROWS_WITH(map(R"({"format": "int6", "tensors": {"w1": "int5"}})"), Contains("tensors \"w1\"") && Contains("int3, int4, int6 or int8"));
    CHECK_THROWS_WITH(map(R"({"format": "int7"})"), Contains("map.json: weight format 'int7'"));
    CHECK_THROWS_WITH(hw::read_format_map(dir.file("none.json")), Contains("none.json: cannot open format map"));
    CHECK_THROWS_WITH(hw::format_from_options("int4", dir.file("map.json")), Contains("give one"));
}

TEST_CASE("round to nearest stays within half a step for every format", "[fast][quant]") {
    const int rows = 16, cols = 172;  // 172 = 5 groups of 32 and one of 12
    const std::vector<float> w = random_matrix(rows, cols, 1);
    for (const char* f : {"int8", "int8/row", "int8/g16", "int6", "int6/g12", "int6/row", "int4", "int4/row",
                          "int3", "int3/g7", "int3/row"}) {
        INFO(f);
        const hw::QMatrix q = hw::quantize_matrix(w.data(), rows, cols, hw::parse_weight_format(f));
        // Half a step from rounding, plus the scale mantissa's own rounding (2^-15 relative
        // of the group maximum, i.e. qmax * 2^-15 steps).
        CHECK(worst_error_in_steps(w, q) <= 0.5 + 127 * std::ldexp(1.0, -15));
        for (int i = 0; i < rows; i++) {
            std::uint16_t largest = 0;
            for (int g = 0; g < q.groups; g++)
                largest = std::max(largest, q.mantissa[i * q.groups + g]);
            CHECK(largest >= 32768);  // the row's exponent puts its largest mantissa at the top
        }
    }
    const hw::QMatrix q =
        hw::quantize_matrix(w.data(), rows, cols, hw::parse_weight_format("int8"));
    CHECK(q.groups == 6);
    CHECK(q.group_size == 32);
}

TEST_CASE("ties round half to even: the group maximum lands on qmax", "[fast][quant]") {
    // Max 127 gives scale exactly 1.0 (mantissa 2^15, shift 15): values are their own steps.
    const std::vector<float> row = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, -127.0f};
    const hw::QMatrix q =
        hw::quantize_matrix(row.data(), 1, 8, hw::parse_weight_format("int8/row"));
    CHECK(q.mantissa[0] == 32768);
    CHECK(q.shift[0] == 15);
    CHECK(std::vector<int>(q.w.begin(), q.w.end()) ==
          std::vector<int>{127, 2, 4, -2, -4, 0, 0, -127});
}

TEST_CASE("a row of zeros and a row with one huge outlier", "[fast][quant]") {
    std::vector<float> w(2 * 64, 0.0f);
    for (int j = 0; j < 64; j++) w[64 + j] = 0.01f * float((j % 7) - 3);
    w[64 + 10] = 1000.0f;  // outlier
    for (const char* f : {"int8/row", "int8"}) {
        INFO(f);
        const hw::QMatrix q = hw::quantize_matrix(w.data(), 2, 64, hw::parse_weight_format(f));
        for (int j = 0; j < 64; j++) {
            CHECK(q.w[j] == 0);
            CHECK(q.value(0, j) == 0.0);
        }
        CHECK(q.mantissa[0] == 0);
        CHECK(q.value(1, 10) == Approx(1000.0).epsilon(1e-4));  // the outlier survives exactly-ish
        // Per row, the small weights vanish (step 7.9); with groups only the outlier's group does.
        const double step_other = q.mantissa[q.groups + 1] * std::ldexp(1.0, -q.shift[1]);
        CHECK(std::fabs(q.value(1, 40) - w[64 + 40]) <=
              (q.groups == 1 ? 1000.0 / 127 / 2 : step_other / 2 + 1e-9));
    }
}

TEST_CASE("error-compensating rounding saturates at qmax and beats nearest on W x",
          "[fast][quant]") {
    const int rows = 32, cols = 96, samples = 400;
    const std::vector<float> w = random_matrix(rows, cols, 2);
    // Correlated inputs (each a mix of a few shared factors), as activations are.
    hw::SplitMix64 rng(3);
    std::vector<std::vector<double>> xs;
    hw::InputMoments m;
    m.n = cols;
    m.h.assign(cols * cols, 0.0);
    for (int s = 0; s < samples; s++) {
        double f[4];
        for (double& v : f) v = double(rng.next() >> 40) * 0x1p-24 - 0.5;
        std::vector<double> x(cols);
        for (int j = 0; j < cols; j++)
            x[j] =
                f[j % 4] + 0.3 * f[(j / 4) % 4] + 0.05 * (double(rng.next() >> 40) * 0x1p-24 - 0.5);
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++) m.h[i * cols + j] += x[i] * x[j];
        m.samples++;
        xs.push_back(x);
    }
    auto output_error = [&](const hw::QMatrix& q) {
        double e = 0;
        for (const auto& x : xs) {
            for (int i = 0; i < rows; i++) {
                double d = 0;
                for (int j = 0; j < cols; j++) d += (q.value(i, j) - w[i * cols + j]) * x[j];
                e += d * d;
            }
        }
        return e;
    };
    const hw::WeightFormat f = hw::parse_weight_format("int4");
    const hw::QMatrix nearest = hw::quantize_matrix(w.data(), rows, cols, f);
    const hw::QMatrix gptq = hw::quantize_matrix(w.data(), rows, cols, f, &m);
    const double e_nearest = output_error(nearest), e_gptq = output_error(gptq);
    INFO("output error: nearest " << e_nearest << ", gptq " << e_gptq);
    CHECK(e_gptq < 0.7 * e_nearest);
    CHECK(gptq.mantissa == nearest.mantissa);  // same format, same scales
    for (std::int8_t v : gptq.w) {
        CHECK(v <= 7);
        CHECK(v >= -7);
    }
    hw::InputMoments wrong;
    wrong.n = cols + 1;
    wrong.samples = 1;
    wrong.h.assign((cols + 1) * (cols + 1), 1.0);
    CHECK_THROWS_WITH(hw::quantize_matrix(w.data(), rows, cols, f, &wrong),
                      Contains("calibration input size"));
}

TEST_CASE("quantize_model is deterministic", "[fast][quant]") {
    const hw::Model m = hw::make_synthetic_model(
        hw::parse_synthetic_spec("dim=32,hidden=40,layers=2,heads=4,vocab=64,seq_len=8"));
    const hw::QModel a = hw::quantize_model(m, hw::WeightFormat{}),
                     b = hw::quantize_model(m, hw::WeightFormat{});
    CHECK(a.layers[1].w2.w == b.layers[1].w2.w);
    CHECK(a.token_embedding.mantissa == b.token_embedding.mantissa);
    CHECK(a.rms_final.g == b.rms_final.g);
}
