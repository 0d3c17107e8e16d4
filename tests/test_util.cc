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

}  // namespace hw::test
