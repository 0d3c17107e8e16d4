// SPDX-License-Identifier: MIT
// Quantizer: float weights to the chip's integer formats (offline; floats allowed here).
#include "quant.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace hw {

std::string WeightFormat::name() const {
    return "int" + std::to_string(bits) + (group ? "/g" + std::to_string(group) : "/row");
}

WeightFormat parse_weight_format(const std::string& text) {
    WeightFormat f;
    const auto slash = text.find('/');
    const std::string base = text.substr(0, slash);
    if (base == "int8")
        f.bits = 8;
    else if (base == "int4")
        f.bits = 4;
    else
        throw make_error("weight format '" + text + "'", "type", "int8 or int4", base);
    if (slash != std::string::npos) {
        const std::string g = text.substr(slash + 1);
        if (g == "row") {
            f.group = 0;
            return f;
        }
        std::size_t used = 0;
        int n = 0;
        try {
            n = g.size() > 1 && g[0] == 'g' ? std::stoi(g.substr(1), &used) : 0;
        } catch (const std::exception&) {
        }
        if (n < 1 || used + 1 != g.size()) {
            throw make_error("weight format '" + text + "'", "group",
                             "gN with N >= 1 (e.g. g32) or row", g);
        }
        f.group = n;
    }
    return f;
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
    q.token_embedding = quantize_matrix(w.token_embedding.data(), c.vocab_size, d, f,
                                        c.shared_classifier ? cls : nullptr);
    for (int l = 0; l < c.n_layers; l++) {
        QLayer L;
        L.rms_att = quantize_gain(w.rms_att.data() + std::size_t(l) * d, d, sqrt_dim);
        L.rms_ffn = quantize_gain(w.rms_ffn.data() + std::size_t(l) * d, d, sqrt_dim);
        L.wq = quantize_matrix(w.wq.data() + std::size_t(l) * d * d, d, d, f,
                               mom(&Calibration::wq, l));
        L.wk = quantize_matrix(w.wk.data() + std::size_t(l) * kv * d, kv, d, f,
                               mom(&Calibration::wq, l));
        L.wv = quantize_matrix(w.wv.data() + std::size_t(l) * kv * d, kv, d, f,
                               mom(&Calibration::wq, l));
        L.wo = quantize_matrix(w.wo.data() + std::size_t(l) * d * d, d, d, f,
                               mom(&Calibration::wo, l));
        L.w1 = quantize_matrix(w.w1.data() + std::size_t(l) * h * d, h, d, f,
                               mom(&Calibration::w1, l));
        L.w2 = quantize_matrix(w.w2.data() + std::size_t(l) * d * h, d, h, f,
                               mom(&Calibration::w2, l));
        L.w3 = quantize_matrix(w.w3.data() + std::size_t(l) * h * d, h, d, f,
                               mom(&Calibration::w1, l));
        q.layers.push_back(std::move(L));
    }
    q.rms_final = quantize_gain(w.rms_final.data(), d, sqrt_dim);
    if (!c.shared_classifier) q.wcls = quantize_matrix(w.wcls.data(), c.vocab_size, d, f, cls);
    return q;
}

}  // namespace hw
