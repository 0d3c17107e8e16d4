// SPDX-License-Identifier: MIT
// Quantizer: float weights to the chip's integer formats (offline; floats allowed here).
#include "quant.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "error.h"

namespace hw {

const char* const kWeightTensors[9] = {"token_embedding", "wcls", "wq", "wk", "wv",
                                        "wo",              "w1",   "w2", "w3"};

namespace {

// q3q6 (docs/weightgen.md): the embedding, the attention projections and the classifier at 6
// bits, the FFN's three matrices at 3.
const TensorBits kQ3Q6[] = {{-1, "w1", 3}, {-1, "w2", 3}, {-1, "w3", 3}};

bool same(const TensorBits& a, const TensorBits& b) {
    return a.layer == b.layer && a.tensor == b.tensor && a.bits == b.bits;
}

bool is_q3q6(const WeightFormat& f) {
    if (f.bits != 6 || f.overrides.size() != std::size(kQ3Q6)) return false;
    for (std::size_t i = 0; i < f.overrides.size(); i++)
        if (!same(f.overrides[i], kQ3Q6[i])) return false;
    return true;
}

// "int8" -> 8 (and the bare numbers a format map may give); 0 when not a width.
int parse_width(const std::string& text) {
    const std::string n = text.rfind("int", 0) == 0 ? text.substr(3) : text;
    for (int w : kWeightWidths)
        if (n == std::to_string(w)) return w;
    return 0;
}

// "w1" or "3.w1": an override's key, checked.
TensorBits parse_override_key(const std::string& key, const std::string& where) {
    TensorBits t;
    const auto dot = key.find('.');
    t.tensor = key;
    if (dot != std::string::npos) {
        const std::string layer = key.substr(0, dot);
        t.tensor = key.substr(dot + 1);
        if (layer.empty() || layer.size() > 4 || layer.find_first_not_of("0123456789") != std::string::npos)
            throw make_error(where, "layer of '" + key + "'", "a layer number (e.g. 0.w2)", layer);
        t.layer = std::stoi(layer);
    }
    bool known = false;
    for (const char* name : kWeightTensors) known = known || t.tensor == name;
    if (!known)
        throw make_error(where, "tensor of '" + key + "'",
                         "token_embedding, wcls, wq, wk, wv, wo, w1, w2 or w3", t.tensor);
    if (t.layer >= 0 && (t.tensor == "token_embedding" || t.tensor == "wcls"))
        throw make_error(where, "'" + key + "'", "no layer for " + t.tensor + " (one per model)",
                         "layer " + std::to_string(t.layer));
    return t;
}

}  // namespace

int WeightFormat::bits_of(const std::string& tensor, int layer) const {
    int b = bits;
    for (const TensorBits& t : overrides)
        if (t.tensor == tensor && (t.layer < 0 || t.layer == layer)) b = t.bits;
    return b;
}

WeightFormat WeightFormat::of(const std::string& tensor, int layer) const {
    WeightFormat f;
    f.bits = bits_of(tensor, layer);
    f.group = group;
    return f;
}

std::string WeightFormat::name() const {
    const std::string g = group ? "/g" + std::to_string(group) : "/row";
    if (is_q3q6(*this)) return "q3q6" + g;
    std::string s = "int" + std::to_string(bits) + g;
    for (const TensorBits& t : overrides)
        s += "," + t.key() + "=" +
             std::to_string(t.bits);
    return s;
}

WeightFormat parse_weight_format(const std::string& text) {
    const std::string where = "weight format '" + text + "'";
    const auto comma = text.find(',');
    const std::string head = text.substr(0, comma);
    WeightFormat f;
    const auto slash = head.find('/');
    const std::string base = head.substr(0, slash);
    if (base == "q3q6") {
        f.bits = 6;
        f.overrides.assign(std::begin(kQ3Q6), std::end(kQ3Q6));
    } else if (base.rfind("int", 0) == 0 && parse_width(base)) {
        f.bits = parse_width(base);
    } else {
        throw make_error(where, "type", "int8, int6, int4, int3 or the recipe q3q6", base);
    }
    if (slash != std::string::npos) {
        const std::string g = head.substr(slash + 1);
        std::size_t used = 0;
        int n = 0;
        try {
            n = g.size() > 1 && g[0] == 'g' ? std::stoi(g.substr(1), &used) : 0;
        } catch (const std::exception&) {
        }
        if (g == "row") {
            f.group = 0;
        } else if (n < 1 || used + 1 != g.size()) {
            throw make_error(where, "group", "gN with N >= 1 (e.g. g32) or row", g);
        } else {
            f.group = n;
        }
    }
    // Overrides: ",TENSOR=BITS" or ",L.TENSOR=BITS".
    for (std::size_t at = comma; at != std::string::npos;) {
        const auto next = text.find(',', at + 1);
        const std::string item = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw make_error(where, "override '" + item + "'", "TENSOR=BITS or LAYER.TENSOR=BITS (e.g. w1=3)", item);
        TensorBits t = parse_override_key(item.substr(0, eq), where);
        t.bits = parse_width(item.substr(eq + 1));
        if (!t.bits) throw make_error(where, "width of '" + item + "'", "3, 4, 6 or 8", item.substr(eq + 1));
        f.overrides.push_back(t);
        at = next;
    }
    return f;
}

WeightFormat read_format_map(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open format map for reading");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not valid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("format") || !j["format"].is_string())
        throw make_error(path, "\"format\"", "the base format as a string (e.g. \"int6/g32\")",
                         j.is_object() && j.contains("format") ? j["format"].dump() : "none");
    for (const auto& [key, value] : j.items())
        if (key != "format" && key != "tensors" && key != "about")
            throw make_error(path, "key \"" + key + "\"", "format, tensors or about", key);
    WeightFormat f;
    try {
        f = parse_weight_format(j["format"].get<std::string>());
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
    if (j.contains("tensors")) {
        if (!j["tensors"].is_object())
            throw make_error(path, "\"tensors\"", "an object of TENSOR or LAYER.TENSOR to a width",
                             j["tensors"].dump());
        for (const auto& [key, value] : j["tensors"].items()) {
            TensorBits t = parse_override_key(key, path + ": tensors");
            const std::string v = value.is_string() ? value.get<std::string>()
                                                    : value.is_number_integer() ? std::to_string(value.get<int>()) : "";
            t.bits = parse_width(v);
            if (!t.bits)
                throw make_error(path, "tensors \"" + key + "\"", "a width: int3, int4, int6 or int8 (or 3, 4, 6, 8)",
                                 value.dump());
            f.overrides.push_back(t);
        }
    }
    // The per-layer entries after the every-layer ones, so that a layer's own entry wins
    // whatever the file's key order.
    std::stable_partition(f.overrides.begin(), f.overrides.end(),
                          [](const TensorBits& t) { return t.layer < 0; });
    return f;
}

WeightFormat format_from_options(const std::string& text, const std::string& map_path) {
    if (map_path.empty()) return parse_weight_format(text.empty() ? "int8" : text);
    if (!text.empty())
        throw Error("--format " + text + " and --format-map " + map_path +
                    ": give one (the map names its own base format)");
    return read_format_map(map_path);
}

void check_format(const Config& c, const WeightFormat& f) {
    for (const TensorBits& t : f.overrides) {
        const std::string key = t.key();
        if (t.layer >= c.n_layers)
            throw make_error("weight format '" + f.name() + "'", "'" + key + "'",
                             "a layer below the model's " + std::to_string(c.n_layers), "layer " + std::to_string(t.layer));
        if (t.tensor == "wcls" && c.shared_classifier)
            throw make_error("weight format '" + f.name() + "'", "'" + key + "'",
                             "no wcls: the model's classifier is its token embedding (name token_embedding)", "wcls");
    }
}

std::vector<TensorBits> tensor_widths(const Config& c, const WeightFormat& f) {
    std::vector<TensorBits> out;
    auto add = [&](const char* tensor, int layer) { out.push_back({layer, tensor, f.bits_of(tensor, layer)}); };
    add("token_embedding", -1);
    if (!c.shared_classifier) add("wcls", -1);
    for (int l = 0; l < c.n_layers; l++)
        for (const char* t : {"wq", "wk", "wv", "wo", "w1", "w2", "w3"}) add(t, l);
    return out;
}

std::vector<int> used_widths(const Config& c, const WeightFormat& f) {
    std::vector<int> w;
    for (const TensorBits& t : tensor_widths(c, f))
        if (std::find(w.begin(), w.end(), t.bits) == w.end()) w.push_back(t.bits);
    std::sort(w.begin(), w.end());
    return w;
}

double round_half_even(double x) { return std::nearbyint(x); }  // default mode: to even

double QMatrix::value(int i, int j) const {
    const int g = j / group_size;
    return w[std::size_t(i) * cols + j] * double(mantissa[std::size_t(i) * groups + g]) *
           std::ldexp(1.0, -shift[i]);
}

namespace {

// Upper Cholesky factor U of H^-1 (H^-1 = U^T U), as GPTQ uses it, with damping
// 1% of the mean diagonal added to H (keeps H invertible when some inputs never vary).
std::vector<double> inverse_cholesky_upper(const InputMoments& m) {
    const int n = m.n;
    std::vector<double> a = m.h;
    double mean_diag = 0;
    for (int i = 0; i < n; i++) mean_diag += a[i * n + i];
    mean_diag = mean_diag > 0 ? mean_diag / n : 1.0;
    for (int i = 0; i < n; i++) a[i * n + i] += 0.01 * mean_diag;
    // H = L L^T (lower), in place.
    for (int j = 0; j < n; j++) {
        for (int k = 0; k < j; k++) a[j * n + j] -= a[j * n + k] * a[j * n + k];
        a[j * n + j] = std::sqrt(a[j * n + j]);
        for (int i = j + 1; i < n; i++) {
            for (int k = 0; k < j; k++) a[i * n + j] -= a[i * n + k] * a[j * n + k];
            a[i * n + j] /= a[j * n + j];
        }
    }
    // L^-1 (lower), then H^-1 = L^-T L^-1.
    std::vector<double> li(std::size_t(n) * n, 0.0);
    for (int j = 0; j < n; j++) {
        li[j * n + j] = 1.0 / a[j * n + j];
        for (int i = j + 1; i < n; i++) {
            double sum = 0;
            for (int k = j; k < i; k++) sum += a[i * n + k] * li[k * n + j];
            li[i * n + j] = -sum / a[i * n + i];
        }
    }
    std::vector<double> hinv(std::size_t(n) * n, 0.0);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
            double sum = 0;
            for (int k = i; k < n; k++) sum += li[k * n + i] * li[k * n + j];
            hinv[i * n + j] = hinv[j * n + i] = sum;
        }
    }
    // H^-1 = U^T U with U upper: U^T is the lower Cholesky factor of H^-1.
    std::vector<double> u(std::size_t(n) * n, 0.0);
    for (int j = 0; j < n; j++) {
        double d = hinv[j * n + j];
        for (int k = 0; k < j; k++) d -= u[k * n + j] * u[k * n + j];
        u[j * n + j] = std::sqrt(std::max(d, 1e-300));
        for (int i = j + 1; i < n; i++) {
            double sum = hinv[j * n + i];
            for (int k = 0; k < j; k++) sum -= u[k * n + j] * u[k * n + i];
            u[j * n + i] = sum / u[j * n + j];
        }
    }
    return u;
}

}  // namespace

int scale_group_size(int cols, const WeightFormat& f) {
    return f.group > 0 ? std::min(f.group, cols) : cols;
}

int scale_groups(int cols, const WeightFormat& f) {
    const int g = scale_group_size(cols, f);
    return (cols + g - 1) / g;
}

QMatrix quantize_matrix(const float* w, int rows, int cols, const WeightFormat& f,
                        const InputMoments* moments) {
    QMatrix q;
    q.rows = rows;
    q.cols = cols;
    if (f.mixed()) throw Error("quantize_matrix: a mixed format (" + f.name() + "): quantize each matrix in its own (WeightFormat::of)");
    q.bits = f.bits;
    q.group_size = scale_group_size(cols, f);
    q.groups = scale_groups(cols, f);
    q.w.resize(std::size_t(rows) * cols);
    q.mantissa.resize(std::size_t(rows) * q.groups);
    q.shift.resize(rows);
    const bool compensate = moments && moments->n == cols && moments->samples > 0;
    if (moments && moments->n != cols && moments->n != 0) {
        throw make_error("quantizer", "calibration input size", std::to_string(cols),
                         std::to_string(moments->n));
    }
    const std::vector<double> u =
        compensate ? inverse_cholesky_upper(*moments) : std::vector<double>();

    std::vector<double> scale(q.groups), applied(q.groups), row(cols);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) row[j] = w[std::size_t(i) * cols + j];
        // Scales from the original weights: per group max|w| / qmax.
        double largest = 0;
        for (int g = 0; g < q.groups; g++) {
            double maxabs = 0;
            for (int j = g * q.group_size; j < std::min(cols, (g + 1) * q.group_size); j++) {
                maxabs = std::max(maxabs, std::fabs(row[j]));
            }
            scale[g] = maxabs / f.qmax();
            largest = std::max(largest, scale[g]);
        }
        // Row exponent: the largest scale's mantissa lands in [2^15, 2^16).
        int shift = 0;
        if (largest > 0) {
            int e;
            std::frexp(largest, &e);  // largest = fr * 2^e, fr in [0.5, 1)
            shift = kScaleMantissaBits - e;
        }
        if (shift < 0 || shift > 255) {
            throw make_error("quantizer", "row " + std::to_string(i) + " scale",
                             "within 2^-255..2^16", std::to_string(largest));
        }
        q.shift[i] = static_cast<std::uint8_t>(shift);
        for (int g = 0; g < q.groups; g++) {
            double m = round_half_even(std::ldexp(scale[g], shift));
            m = std::min(m, 65535.0);  // fr * 2^16 rounds up to 2^16 only for fr -> 1
            q.mantissa[std::size_t(i) * q.groups + g] = static_cast<std::uint16_t>(m);
            applied[g] = m * std::ldexp(1.0, -shift);  // the scale the chip applies
        }
        // Round each weight; with moments, spread its error over the later columns.
        for (int j = 0; j < cols; j++) {
            const double s = applied[j / q.group_size];
            double v = s > 0 ? round_half_even(row[j] / s) : 0.0;
            v = std::clamp(v, double(-f.qmax()), double(f.qmax()));
            q.w[std::size_t(i) * cols + j] = static_cast<std::int8_t>(v);
            if (compensate) {
                const double err = (row[j] - v * s) / u[std::size_t(j) * cols + j];
                for (int k = j + 1; k < cols; k++) row[k] -= err * u[std::size_t(j) * cols + k];
            }
        }
    }
    return q;
}

QGain quantize_gain(const float* g, int n, double premultiply) {
    QGain q;
    double maxabs = 0;
    for (int i = 0; i < n; i++) maxabs = std::max(maxabs, std::fabs(g[i] * premultiply));
    int e = 0;
    if (maxabs > 0) std::frexp(maxabs, &e);
    q.frac = (kGainBits - 1) - e;  // largest magnitude in [2^22, 2^23)
    const double lim = double((1 << (kGainBits - 1)) - 1);
    for (int i = 0; i < n; i++) {
        const double v = round_half_even(std::ldexp(g[i] * premultiply, q.frac));
        q.g.push_back(static_cast<std::int32_t>(std::clamp(v, -lim, lim)));
    }
    return q;
}

QModel quantize_model(const Model& m, const WeightFormat& f, const Calibration* cal) {
    const Config& c = m.config;
    const Weights& w = m.weights;
    check_format(c, f);
    QModel q;
    q.config = c;
    q.format = f;
    const int d = c.dim, h = c.hidden_dim, kv = c.kv_dim();
    const double sqrt_dim = std::sqrt(double(d));
    // Moments of a matrix's input, or nullptr without calibration.
    auto mom = [cal](std::vector<InputMoments> Calibration::*field, int l) -> const InputMoments* {
        return cal ? &(cal->*field)[l] : nullptr;
    };
    const InputMoments* cls = cal ? &cal->classifier : nullptr;
    q.token_embedding = quantize_matrix(w.token_embedding.data(), c.vocab_size, d, f.of("token_embedding", -1),
                                        c.shared_classifier ? cls : nullptr);
    for (int l = 0; l < c.n_layers; l++) {
        QLayer L;
        L.rms_att = quantize_gain(w.rms_att.data() + std::size_t(l) * d, d, sqrt_dim);
        L.rms_ffn = quantize_gain(w.rms_ffn.data() + std::size_t(l) * d, d, sqrt_dim);
        L.wq = quantize_matrix(w.wq.data() + std::size_t(l) * d * d, d, d, f.of("wq", l),
                               mom(&Calibration::wq, l));
        L.wk = quantize_matrix(w.wk.data() + std::size_t(l) * kv * d, kv, d, f.of("wk", l),
                               mom(&Calibration::wq, l));
        L.wv = quantize_matrix(w.wv.data() + std::size_t(l) * kv * d, kv, d, f.of("wv", l),
                               mom(&Calibration::wq, l));
        L.wo = quantize_matrix(w.wo.data() + std::size_t(l) * d * d, d, d, f.of("wo", l),
                               mom(&Calibration::wo, l));
        L.w1 = quantize_matrix(w.w1.data() + std::size_t(l) * h * d, h, d, f.of("w1", l),
                               mom(&Calibration::w1, l));
        L.w2 = quantize_matrix(w.w2.data() + std::size_t(l) * d * h, d, h, f.of("w2", l),
                               mom(&Calibration::w2, l));
        L.w3 = quantize_matrix(w.w3.data() + std::size_t(l) * h * d, h, d, f.of("w3", l),
                               mom(&Calibration::w1, l));
        q.layers.push_back(std::move(L));
    }
    q.rms_final = quantize_gain(w.rms_final.data(), d, sqrt_dim);
    if (!c.shared_classifier) q.wcls = quantize_matrix(w.wcls.data(), c.vocab_size, d, f.of("wcls", -1), cls);
    return q;
}

QAdapter quantize_adapter(const Adapter& a) {
    QAdapter q;
    q.rank = a.rank;
    q.source = a.source;
    q.layers.resize(a.layers.size());
    const WeightFormat f;  // int8/g32
    const double s = a.scale();
    for (std::size_t l = 0; l < a.layers.size(); l++) {
        for (const auto& [name, p] : a.layers[l]) {
            std::vector<float> sb(p.b.size());
            for (std::size_t i = 0; i < sb.size(); i++) sb[i] = static_cast<float>(s * p.b[i]);
            q.layers[l][name] = {quantize_matrix(p.a.data(), a.rank, p.in, f),
                                 quantize_matrix(sb.data(), p.out, a.rank, f)};
        }
    }
    return q;
}

}  // namespace hw
