// SPDX-License-Identifier: MIT
// The model behind a hardwire gen output folder, rebuilt from its manifest the way the
// generator built it (the same make_chip_data call), for the harnesses.
#pragma once

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "chip_data.h"
#include "datapath.h"
#include "error.h"
#include "model.h"
#include "sha256.h"
#include "synthetic.h"

namespace hw {

struct GeneratedModel {
    nlohmann::json manifest;  // GEN_DIR/manifest.json
    Model model;              // the float model (checkpoint or synthetic spec)
    ChipData data;            // quantized weights, tables, constants: the ROMs' contents
    Datapath datapath;        // the datapath the ROMs were laid out for
};

// Reads GEN_DIR/manifest.json and rebuilds the model and its chip data; throws hw::Error.
// The checkpoint read is `checkpoint` when given (the file the user named in this run: a
// cached configuration is shared by every path to the same bytes, so the path its manifest
// recorded may be relative to another folder, or gone), else the manifest's source; either
// way its SHA-256 must be the manifest's source_sha256.
inline GeneratedModel load_generated_model(const std::string& gen_dir,
                                           const std::string& checkpoint = "") {
    std::ifstream in(gen_dir + "/manifest.json");
    if (!in) throw Error(gen_dir + "/manifest.json: cannot open");
    GeneratedModel g;
    g.manifest = nlohmann::json::parse(in);
    const std::string source = g.manifest["model"]["source"];
    const std::string prefix = "synthetic:";
    if (source.rfind(prefix, 0) == 0) {
        if (!checkpoint.empty())
            throw Error("--model " + checkpoint + ": " + gen_dir +
                        " was generated from a synthetic spec, not a checkpoint");
        g.model = make_synthetic_model(parse_synthetic_spec(source.substr(prefix.size())));
    } else {
        const std::string path = checkpoint.empty() ? source : checkpoint;
        if (!std::ifstream(path, std::ios::binary))
            throw Error(path + ": cannot open checkpoint for reading" +
                        (checkpoint.empty() ? " (the path " + gen_dir +
                                                  "/manifest.json recorded; name the model with "
                                                  "--model FILE)"
                                            : ""));
        const std::string want = g.manifest["model"]["source_sha256"].get<std::string>();
        const std::string got = sha256_file(path);
        if (got != want)
            throw make_error(path, "not the checkpoint " + gen_dir + " was generated from",
                             "sha256 " + want.substr(0, 16), "sha256 " + got.substr(0, 16));
        g.model = read_checkpoint(path);
    }
    const WeightFormat format = parse_weight_format(g.manifest["format"]["weights"]);
    if (g.manifest.contains("chip_data")) {
        // The generator's integers (hardwire gen's chip_data.bin), as long as they are the
        // bytes it recorded; the same make_chip_data call made them.
        const std::string path = gen_dir + "/" + g.manifest["chip_data"]["file"].get<std::string>();
        std::ifstream f(path, std::ios::binary);
        if (!f) throw Error(path + ": cannot open (hardwire gen writes it; generate again)");
        const std::string bytes((std::istreambuf_iterator<char>(f)),
                                std::istreambuf_iterator<char>());
        Sha256 h;
        h.update(bytes.data(), bytes.size());
        const std::string want = g.manifest["chip_data"]["sha256"].get<std::string>();
        if (h.hex() != want)
            throw make_error(path, "not the chip data " + gen_dir + "/manifest.json records",
                             "sha256 " + want.substr(0, 16), "sha256 " + h.hex().substr(0, 16));
        g.data = chip_data_from_bytes(bytes, g.model, format, path);
    } else {
        g.data = make_chip_data(g.model, format);
    }
    const nlohmann::json& dp = g.manifest.at("datapath");
    g.datapath.rows = dp.at("rows").get<int>();
    g.datapath.lanes = dp.at("lanes").get<int>();
    g.datapath.attn_par = dp.at("attn_par").get<int>();
    g.datapath.lora_slots = dp.at("lora_slots").get<int>();
    g.datapath.lora_rank = dp.at("lora_rank").get<int>();
    return g;
}

}  // namespace hw
