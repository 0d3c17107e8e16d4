// SPDX-License-Identifier: MIT
// weightgen: orchestrates quantization, ROM images, emitters and the output directory.
#include "generate.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "adapter_layout.h"
#include "chip_data.h"
#include "emit_sv.h"
#include "error.h"
#include "model.h"
#include "rom_image.h"
#include "sha256.h"
#include "synthetic.h"

namespace fs = std::filesystem;

namespace hw {
namespace {

// The generator's name in banners and manifests.
constexpr const char* kGenerator = "hardwire gen (weightgen)";

// Module prefix from a model file name: lower case, [a-z0-9_], starting with a letter.
std::string derive_name(const GenOptions& o) {
    if (!o.name.empty()) return o.name;
    if (o.model.empty()) return "synth";
    std::string stem = fs::path(o.model).stem().string(), n;
    for (char ch : stem)
        n += std::isalnum(static_cast<unsigned char>(ch)) ? char(std::tolower(ch)) : '_';
    if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) n = "m_" + n;
    return n;
}

// The facts shared by the SystemVerilog package and the C++ header.
// log2 of a power of two.
std::uint64_t lane_bits(int words) {
    std::uint64_t b = 0;
    while ((1 << b) < words) b++;
    return b;
}

std::vector<CfgFact> cfg_facts(const ChipData& d, const Datapath& dp, std::uint64_t rom_bits) {
    const Config& c = d.q.config;
    const int lanes = dp.lanes;
    const WeightFormat& f = d.q.format;
    const int gs = f.group > 0 ? f.group : 0;
    auto groups = [&](int cols) { return gs ? (cols + gs - 1) / gs : 1; };
    const std::vector<int> widths = used_widths(c, f);
    std::uint64_t width_mask = 0;
    for (int w : widths) width_mask |= std::uint64_t(1) << w;
    return {
        {"DIM", std::uint64_t(c.dim), "residual stream width"},
        {"HIDDEN_DIM", std::uint64_t(c.hidden_dim), "FFN inner width"},
        {"N_LAYERS", std::uint64_t(c.n_layers), "transformer blocks"},
        {"N_HEADS", std::uint64_t(c.n_heads), "query heads"},
        {"N_KV_HEADS", std::uint64_t(c.n_kv_heads), "key/value heads"},
        {"HEAD_SIZE", std::uint64_t(c.head_size()), "dim / n_heads"},
        {"KV_DIM", std::uint64_t(c.kv_dim()), "width of k and v"},
        {"VOCAB_SIZE", std::uint64_t(c.vocab_size), "tokens"},
        {"SEQ_LEN", std::uint64_t(c.seq_len), "context length (KV cache rows per layer)"},
        {"SHARED_CLASSIFIER", c.shared_classifier ? 1u : 0u,
         "1: the classifier reads the embedding ROM"},
        {"ROWS", std::uint64_t(dp.rows), "MAC cluster rows: output rows per cycle, rows per ROM word"},
        {"LANES", std::uint64_t(lanes), "MAC lanes: weights of a row per cycle"},
        {"ATTN_PAR", std::uint64_t(dp.attn_par), "attention: context positions per cycle in each pass"},
        {"VEC_LANES", std::uint64_t(dp.vec_lanes()), "vector unit: elements per cycle, max(LANES, ROWS)"},
        {"NL_UNITS", std::uint64_t(dp.nl_units(c)), "table units: N_HEADS x ATTN_PAR"},
        {"SG_LANES", std::uint64_t(dp.sg_lanes(c)), "SwiGLU elements per cycle: min(NL_UNITS, VEC_LANES)"},
        {"MON_LANES", std::uint64_t(dp.mon_lanes(c)), "write monitor lanes: max(VEC_LANES, NL_UNITS)"},
        {"WEIGHT_BITS", std::uint64_t(widths.back()), "bits per weight of the widest matrix (two's complement)"},
        {"WEIGHT_WIDTHS", width_mask, "bit w set: some matrix has w-bit weights"},
        {"GROUP_SIZE", std::uint64_t(gs), "weights per scale mantissa; 0: one per row"},
        {"BEATS_DIM", std::uint64_t(weight_beats(c.dim, lanes)),
         "ROM words per row group of a dim-input matrix"},
        {"BEATS_HIDDEN", std::uint64_t(weight_beats(c.hidden_dim, lanes)),
         "ROM words per row group of w2"},
        {"GROUPS_DIM", std::uint64_t(groups(c.dim)),
         "scale mantissas per row of a dim-input matrix"},
        {"GROUPS_HIDDEN", std::uint64_t(groups(c.hidden_dim)), "scale mantissas per row of w2"},
        {"ACT_BITS", std::uint64_t(kActBits), "MAC activation word (signed), per-vector exponent"},
        {"FRAC", 16u, "fraction bits of the vector unit's int32 values (Q15.16)"},
        {"GAIN_BITS", std::uint64_t(kGainBits), "RMSNorm gain word (signed)"},
        {"RSQRT_INDEX_BITS", std::uint64_t(kRsqrtIndexBits), "1/sqrt table: log2 segments"},
        {"RECIP_INDEX_BITS", std::uint64_t(kRecipIndexBits), "1/x table: log2 segments"},
        {"EXP2_INDEX_BITS", std::uint64_t(kExp2IndexBits), "2^-f table: log2 segments"},
        {"SIGMOID_INDEX_BITS", std::uint64_t(kSigmoidIndexBits), "sigmoid table: log2 segments"},
        {"SIGMOID_RANGE", std::uint64_t(kSigmoidRange), "sigmoid clamps beyond +-this"},
        {"TABLE_ENTRY_BITS", std::uint64_t(kTableEntryBits), "rsqrt, recip, sigmoid entry width"},
        {"EXP2_ENTRY_BITS", std::uint64_t(kExp2EntryBits), "2^-f entry width (Q30)"},
        {"ROPE_FRAC", std::uint64_t(kRopeFrac), "RoPE cos/sin fraction bits"},
        {"ROPE_PAIRS", std::uint64_t(d.tables.rope_pairs), "RoPE frequencies per head"},
        {"RMS_EPS", std::uint64_t(d.constants.rms_eps), "eps in the RMSNorm sum-of-squares domain"},
        {"ATT_SCALE", std::uint64_t(d.constants.att_scale), "1/sqrt(head_size) mantissa"},
        {"ATT_SCALE_FRAC", std::uint64_t(d.constants.att_scale_frac), "its fraction bits"},
        {"LOG2E_Q24", std::uint64_t(kLog2eQ24), "log2(e) in Q24 (softmax)"},
        {"LORA_SLOTS", std::uint64_t(dp.lora_slots), "adapter SRAM slots (0: none)"},
        {"LORA_RANK", std::uint64_t(dp.lora_rank), "the largest adapter rank a slot holds"},
        {"LORA_SLOT_BEATS", std::uint64_t(dp.lora_slots > 0 ? AdapterLayout(c, dp).slot_beats : 1),
         "adapter SRAM words (MAC beats) of one slot (golden/adapter_layout.h)"},
        {"LORA_LANE_BITS", std::uint64_t(dp.lora_slots > 0 ? lane_bits(AdapterLayout(c, dp).beat_words) : 0),
         "log2 of the 32-bit words a beat takes in the host's adapter addresses"},
        {"ROM_BITS", rom_bits, "total ROM bits"},
    };
}

// Writes `text` to `path`, throwing hw::Error on failure.
void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw Error(path.string() + ": cannot write");
}

// Refuses an output directory that holds another model's files or foreign files.
void check_out_dir(const GenOptions& o, const std::string& source_sha256) {
    std::error_code ec;
    if (!fs::exists(o.out, ec)) return;
    if (!fs::is_directory(o.out, ec)) {
        throw make_error(o.out, "output directory", "a directory or a new path", "a file");
    }
    const fs::path manifest = fs::path(o.out) / "manifest.json";
    if (fs::exists(manifest, ec)) {
        std::string other = "unreadable manifest";
        try {
            std::ifstream in(manifest);
            const auto j = nlohmann::json::parse(in);
            other = j.at("model").at("source_sha256").get<std::string>();
        } catch (const std::exception&) {
        }
        if (other != source_sha256 && !o.force) {
            throw make_error(
                o.out,
                "output directory holds files of another model (use --force to replace them)",
                "model sha256 " + source_sha256.substr(0, 16), other.substr(0, 16));
        }
        return;
    }
    if (fs::directory_iterator(o.out, ec) != fs::directory_iterator() && !o.force) {
        throw make_error(o.out,
                         "output directory holds files not written by hardwire gen (use --force to "
                         "replace them)",
                         "an empty directory or a previous hardwire gen output", "other files");
    }
}

}  // namespace

const char* generator_version() { return HW_VERSION; }

void check_gen_options(const GenOptions& o) {
    check_datapath(o.datapath);
    if (o.model.empty() == o.synthetic.empty()) {
        throw Error("hardwire gen: give exactly one of --model or --synthetic");
    }
    if (o.out.empty()) throw Error("hardwire gen: --out is required");
    if (!o.name.empty()) {
        bool ok = std::isalpha(static_cast<unsigned char>(o.name[0])) &&
                  std::islower(static_cast<unsigned char>(o.name[0]));
        for (char ch : o.name)
            ok = ok && (std::islower(static_cast<unsigned char>(ch)) ||
                        std::isdigit(static_cast<unsigned char>(ch)) || ch == '_');
        if (!ok)
            throw make_error("option --name", "module prefix", "[a-z][a-z0-9_]*",
                             "'" + o.name + "'");
    }
}

GenResult generate(const GenOptions& o, const std::function<void(const std::string&)>& progress) {
    check_gen_options(o);
    GenResult res;
    res.name = derive_name(o);

    // ---- inputs ---------------------------------------------------------------------------
    progress("reading " + (o.model.empty() ? "synthetic model " + o.synthetic : o.model));
    const Model model = o.model.empty() ? make_synthetic_model(parse_synthetic_spec(o.synthetic))
                                        : read_checkpoint(o.model);
    const std::string source_sha =
        o.model.empty() ? sha256_hex(model.source) : sha256_file(o.model);
    const std::string tok_sha = o.tokenizer.empty() ? "" : sha256_file(o.tokenizer);
    check_out_dir(o, source_sha);
    // The adapter slots' default depends on the format (golden/datapath.h: resolve_lora).
    Datapath dp = o.datapath;
    resolve_lora(dp, used_widths(model.config, o.format).back(), o.format.group);

    // Everything is written into a temporary sibling of the output directory (made now, so
    // an unwritable destination fails before the slow work) and swapped in when complete.
    const fs::path out = fs::absolute(o.out).lexically_normal();
    const fs::path tmp =
        out.parent_path() / (out.filename().string() + ".tmp-" + std::to_string(getpid()));
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (!fs::create_directories(tmp, ec) || ec) {
        throw make_error(out.parent_path().string(), "cannot create the output directory",
                         "a writable directory", ec ? ec.message() : "creation failed");
    }
    try {
        progress("quantizing to " + o.format.name() + " (GPTQ calibration on sampled text)");
        const ChipData d = make_chip_data(model, o.format);
        const std::vector<RomImage> roms = chip_roms(d, dp);
        Sha256 model_hash;
        std::vector<std::string> rom_hashes;  // per ROM, in manifest order
        for (const RomImage& r : roms) {
            res.rom_bits += r.bits();
            rom_hashes.push_back(r.sha256());
            model_hash.update(rom_hashes.back().data(), rom_hashes.back().size());
        }
        res.model_hash = model_hash.hex();
        if (o.rom_budget > 0 && res.rom_bits > o.rom_budget) {
            throw make_error("option --rom-budget", "ROM bits of " + res.name,
                             "at most " + std::to_string(o.rom_budget),
                             std::to_string(res.rom_bits));
        }

        // ---- banner ---------------------------------------------------------------------------
        std::ostringstream b;
        b << "Generated by " << kGenerator << " " << HW_VERSION << ". Do not edit: regenerate.\n"
          << "Command: " << o.command_line << "\n"
          << "Model: " << model.source << " (sha256 " << source_sha << ")\n";
        if (!tok_sha.empty()) b << "Tokenizer: " << o.tokenizer << " (sha256 " << tok_sha << ")\n";
        b << "Weights: " << o.format.name() << ", " << d.rounding << "; datapath "
          << dp.name();
        const std::string banner = b.str();

        nlohmann::json rom_map = nlohmann::json::array();
        std::vector<std::string> files;
        int written = 0;
        for (std::size_t i = 0; i < roms.size(); i++) {
            const RomImage& r = roms[i];
            const std::string module = rom_module_name(res.name, r);
            const std::string file = module + ".sv";
            write_text(tmp / file, emit_rom_module(module, r, rom_hashes[i], banner));
            files.push_back(file);
            rom_map.push_back({{"module", module},
                               {"file", file},
                               {"port", r.port},
                               {"tensor", r.tensor},
                               {"kind", r.kind},
                               {"layer", r.layer},
                               {"depth", r.depth},
                               {"width", r.width},
                               {"bits", r.bits()},
                               {"weight_bits", r.kind == "weights" ? nlohmann::json(o.format.bits_of(r.tensor, r.layer)) : nlohmann::json()},
                               {"sha256", rom_hashes[i]}});
            if (++written % 16 == 0)
                progress("wrote " + std::to_string(written) + "/" + std::to_string(roms.size()) +
                         " ROM modules");
        }
        const std::vector<CfgFact> facts = cfg_facts(d, dp, res.rom_bits);
        const std::string pkg = res.name + "_cfg_pkg.sv", hdr = res.name + "_cfg.h",
                          bank = res.name + "_rom_bank.sv", chip = res.name + "_chip.sv";
        write_text(tmp / pkg, emit_cfg_pkg(res.name, facts, res.model_hash, banner));
        write_text(tmp / hdr, emit_cfg_header(res.name, facts, tensor_widths(model.config, o.format), res.model_hash, banner));
        write_text(tmp / bank, emit_rom_bank(res.name, model.config, roms, banner));
        write_text(tmp / chip, emit_chip_top(res.name, model.config, o.format, dp, banner));
        files.insert(files.begin(), pkg);
        files.push_back(bank);

        // The ROM library in compile order (package first, bank last), for Verilator and
        // Yosys. The chip top (<name>_chip.sv) is not in it: it needs the datapath in rtl/.
        std::string list;
        for (const std::string& f : files) list += f + "\n";
        write_text(tmp / "files.f", list);

        const Config& c = model.config;
        nlohmann::json m;
        m["generator"] = {
            {"name", kGenerator}, {"version", HW_VERSION}, {"command", o.command_line}};
        m["model"] = {{"name", res.name},
                      {"source", model.source},
                      {"source_sha256", source_sha},
                      {"tokenizer", o.tokenizer},
                      {"tokenizer_sha256", tok_sha}};
        m["config"] = {{"dim", c.dim},
                       {"hidden_dim", c.hidden_dim},
                       {"n_layers", c.n_layers},
                       {"n_heads", c.n_heads},
                       {"n_kv_heads", c.n_kv_heads},
                       {"vocab_size", c.vocab_size},
                       {"seq_len", c.seq_len},
                       {"shared_classifier", c.shared_classifier}};
        nlohmann::json tensor_formats = nlohmann::json::array();
        for (const TensorBits& t : tensor_widths(c, o.format))
            tensor_formats.push_back({{"tensor", t.tensor}, {"layer", t.layer}, {"bits", t.bits},
                                      {"format", o.format.of(t.tensor, t.layer).name()}});
        m["format"] = {{"weights", o.format.name()},   {"weight_bits", used_widths(c, o.format).back()},
                       {"tensors", tensor_formats},
                       {"group_size", o.format.group}, {"rounding", d.rounding},
                       {"activation_bits", kActBits},  {"frac_bits", 16},
                       {"gain_bits", kGainBits}};
        m["datapath"] = {{"rows", dp.rows},
                         {"lanes", dp.lanes},
                         {"attn_par", dp.attn_par},
                         {"lora_slots", dp.lora_slots},
                         {"lora_rank", dp.lora_rank},
                         {"vec_lanes", dp.vec_lanes()},
                         {"nl_units", dp.nl_units(c)},
                         {"sg_lanes", dp.sg_lanes(c)}};
        nlohmann::json f;
        for (const CfgFact& fact : facts) f[fact.name] = fact.value;
        m["parameters"] = f;
        m["roms"] = rom_map;
        m["rom_bits_total"] = res.rom_bits;
        m["rom_content_hash"] = "sha256 over each word as ceil(width/8) little-endian bytes";
        m["model_hash"] = res.model_hash;
        m["tables"] = {
            {"rsqrt", {{"segments", 1 << kRsqrtIndexBits}, {"entry_bits", kTableEntryBits}}},
            {"recip", {{"segments", 1 << kRecipIndexBits}, {"entry_bits", kTableEntryBits}}},
            {"exp2neg", {{"segments", 1 << kExp2IndexBits}, {"entry_bits", kExp2EntryBits}}},
            {"sigmoid", {{"segments", 1 << kSigmoidIndexBits}, {"entry_bits", kTableEntryBits}}},
            {"rope",
             {{"entries", c.seq_len * d.tables.rope_pairs}, {"entry_bits", 2 * kRopeEntryBits}}}};
        m["files"] = files;
        m["cpp_header"] = hdr;
        m["chip_top"] = chip;
        // The quantized weights as the generator made them: the simulators' golden models start
        // from these bytes (their sha256 checked) instead of calibrating again.
        const std::string chip_data = chip_data_bytes(d);
        write_text(tmp / "chip_data.bin", chip_data);
        Sha256 chip_data_sha;
        chip_data_sha.update(chip_data.data(), chip_data.size());
        m["chip_data"] = {{"file", "chip_data.bin"}, {"sha256", chip_data_sha.hex()}};
        write_text(tmp / "manifest.json", m.dump(2) + "\n");
        res.files =
            static_cast<int>(files.size()) + 5;  // + chip top, header, files.f, chip data, manifest

        // Swap: the old directory (if any) is removed only after the new one is in place.
        const fs::path old =
            out.parent_path() / (out.filename().string() + ".old-" + std::to_string(getpid()));
        const bool had_old = fs::exists(out);
        if (had_old) fs::rename(out, old);
        fs::rename(tmp, out);
        if (had_old) fs::remove_all(old);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(tmp, ec);
        throw Error(out.string() + ": " + e.what());
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    res.out = out.string();
    progress("wrote " + std::to_string(res.files) + " files to " + res.out);
    return res;
}

}  // namespace hw
