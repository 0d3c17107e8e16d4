// SPDX-License-Identifier: MIT
// The model behind a hardwire gen output folder, rebuilt from its manifest the way the
// generator built it (the same make_chip_data call), for the harnesses.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "chip_data.h"
#include "datapath.h"
#include "error.h"
#include "model.h"
#include "synthetic.h"

namespace hw {

struct GeneratedModel {
    nlohmann::json manifest;  // GEN_DIR/manifest.json
    Model model;              // the float model (checkpoint or synthetic spec)
    ChipData data;            // quantized weights, tables, constants: the ROMs' contents
    Datapath datapath;        // the datapath the ROMs were laid out for
};

// Reads GEN_DIR/manifest.json and rebuilds the model and its chip data; throws hw::Error.
inline GeneratedModel load_generated_model(const std::string& gen_dir) {
    std::ifstream in(gen_dir + "/manifest.json");
    if (!in) throw Error(gen_dir + "/manifest.json: cannot open");
    GeneratedModel g;
    g.manifest = nlohmann::json::parse(in);
    const std::string source = g.manifest["model"]["source"];
    const std::string prefix = "synthetic:";
    g.model = source.rfind(prefix, 0) == 0
                  ? make_synthetic_model(parse_synthetic_spec(source.substr(prefix.size())))
                  : read_checkpoint(source);
    g.data = make_chip_data(g.model, parse_weight_format(g.manifest["format"]["weights"]));
    const nlohmann::json& dp = g.manifest.at("datapath");
    g.datapath.rows = dp.at("rows").get<int>();
    g.datapath.lanes = dp.at("lanes").get<int>();
    g.datapath.attn_par = dp.at("attn_par").get<int>();
    return g;
}

}  // namespace hw
