// SPDX-License-Identifier: MIT
#include "test_util.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "int_model.h"
#include "nonlinear.h"

namespace hw::test {

std::string model_path(const std::string& relative) {
    const char* dir = std::getenv("HARDWIRE_MODELS");
    const std::string path = dir ? std::string(dir) + "/" + relative : "";
    if (!path.empty() && std::filesystem::is_regular_file(path)) return path;
    const std::string why =
        (dir ? "model file " + path + " not found" : std::string("HARDWIRE_MODELS is not set")) +
        "; this test needs " + relative +
        " (karpathy's tinyllamas release on Hugging Face, MIT): set HARDWIRE_MODELS to the "
        "folder that holds it";
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") FAIL("CI=true and " << why);
    std::cout << "HARDWIRE-SKIP: " << why << std::endl;
    WARN("skipped: " << why);
    return "";
}

TempDir::TempDir() {
    std::random_device rd;
    const auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; attempt++) {
        auto p = base / ("hardwire-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(p)) {
            path_ = p.string();
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary folder in " + base.string());
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string cli_path() { return HW_CLI_PATH; }

CommandResult run_cli(const std::string& arguments) {
    TempDir dir;
    const std::string cmd = cli_path() + " " + arguments + " >" + dir.file("out") +
                            " 2>" + dir.file("err") + " </dev/null";
    const int status = std::system(cmd.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(dir.file("out"));
    r.err = read_file(dir.file("err"));
    return r;
}

QMatrix random_qmatrix(int rows, int cols, int group, int bits, SplitMix64& rng) {
    QMatrix q;
    q.rows = rows;
    q.cols = cols;
    q.group_size = group > 0 ? std::min(group, cols) : cols;
    q.groups = (cols + q.group_size - 1) / q.group_size;
    q.bits = bits;
    q.w.resize(std::size_t(rows) * cols);
    q.mantissa.resize(std::size_t(rows) * q.groups);
    q.shift.resize(rows);
    const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            int v = lo + int(rng.below(std::uint64_t(hi - lo + 1)));
            if (i == 0) v = (j % 2) ? hi : -hi;
            if (i == 1) v = lo;
            if (i == 2) v = 0;
            q.w[std::size_t(i) * cols + j] = std::int8_t(v);
        }
        for (int g = 0; g < q.groups; g++) {
            q.mantissa[std::size_t(i) * q.groups + g] =
                i == 1 ? 65535 : std::uint16_t(32768 + rng.below(32768));
        }
        q.shift[i] = i == 3 ? 0 : std::uint8_t(10 + rng.below(30));
    }
    return q;
}

std::vector<std::int32_t> golden_matvec(const QMatrix& w, const std::vector<std::int16_t>& a,
                                        int a_shift, std::uint64_t* saturations) {
    // IntModel::matvec reads only its arguments; the model around it is any small one.
    static const Model model =
        make_synthetic_model(parse_synthetic_spec("dim=16,hidden=16,layers=1,heads=2,vocab=8,seq_len=2"));
    static const QModel q = quantize_model(model, WeightFormat{});
    static const Tables t = make_tables(model.config);
    IntModel m(q, t);
    std::vector<std::int32_t> out(w.rows);
    m.matvec(out.data(), w, a.data(), a_shift);
    *saturations = m.saturations();
    return out;
}

}  // namespace hw::test
