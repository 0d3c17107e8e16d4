// SPDX-License-Identifier: MIT
// Reading a whole JSON file, one way for every input file of the project (constants, synthesis
// points, SLURM settings, adapter configurations): the errors name the file and what it is.
// Header-only, so that only the libraries that read JSON link nlohmann_json.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "error.h"

namespace hw {

// The file's JSON. hw::Error "PATH: cannot open the WHAT for reading" or "PATH: the WHAT is
// not valid JSON: ...".
inline nlohmann::json read_json_file(const std::string& path, const std::string& what) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open the " + what + " for reading");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(path + ": the " + what + " is not valid JSON: " + e.what());
    }
}

}  // namespace hw
