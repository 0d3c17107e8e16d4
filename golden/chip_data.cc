// SPDX-License-Identifier: MIT
#include "chip_data.h"

#include <cstring>

#include "calibrate.h"
#include "error.h"

namespace hw {

ChipData make_chip_data(const Model& model, const WeightFormat& format) {
    const Calibration cal = calibrate(model);
    ChipData d{quantize_model(model, format, &cal), make_tables(model.config),
               make_constants(model.config), "gptq, " + cal.description};
    return d;
}

namespace {

constexpr char kMagic[4] = {'H', 'W', 'Q', 'D'};
constexpr std::uint32_t kVersion = 1;

class Writer {
  public:
    template <typename T>
    void put(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, as the build)
        out.append(b, sizeof(T));
    }
    template <typename T>
    void vec(const std::vector<T>& v) {
        put<std::uint64_t>(v.size());
        out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }
    void matrix(const QMatrix& m) {
        for (int x : {m.rows, m.cols, m.group_size, m.groups, m.bits}) put<std::int32_t>(x);
        vec(m.w);
        vec(m.mantissa);
        vec(m.shift);
    }
    void gain(const QGain& g) {
        put<std::int32_t>(g.frac);
        vec(g.g);
    }
    std::string out;
};

class Reader {
  public:
    Reader(const std::string& b, const std::string& what) : b_(b), what_(what) {}
    template <typename T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, b_.data() + at_, sizeof(T));
        at_ += sizeof(T);
        return v;
    }
    template <typename T>
    std::vector<T> vec(std::size_t want) {
        const auto n = get<std::uint64_t>();
        if (n != want) fail("a vector of " + std::to_string(want) + " entries", std::to_string(n));
        need(n * sizeof(T));
        std::vector<T> v(n);
        std::memcpy(v.data(), b_.data() + at_, n * sizeof(T));
        at_ += n * sizeof(T);
        return v;
    }
    QMatrix matrix(int rows, int cols) {
        QMatrix m;
        m.rows = get<std::int32_t>();
        m.cols = get<std::int32_t>();
        m.group_size = get<std::int32_t>();
        m.groups = get<std::int32_t>();
        m.bits = get<std::int32_t>();
        if (m.rows != rows || m.cols != cols || m.groups < 1 || m.group_size < 1)
            fail("a " + std::to_string(rows) + "x" + std::to_string(cols) + " matrix",
                 std::to_string(m.rows) + "x" + std::to_string(m.cols));
        m.w = vec<std::int8_t>(std::size_t(rows) * cols);
        m.mantissa = vec<std::uint16_t>(std::size_t(rows) * m.groups);
        m.shift = vec<std::uint8_t>(std::size_t(rows));
        return m;
    }
    QGain gain(int n) {
        QGain g;
        g.frac = get<std::int32_t>();
        g.g = vec<std::int32_t>(std::size_t(n));
        return g;
    }
    [[noreturn]] void fail(const std::string& want, const std::string& got) const {
        throw make_error(what_, "chip data at byte " + std::to_string(at_), want, got);
    }
    bool done() const { return at_ == b_.size(); }

  private:
    void need(std::size_t n) const {
        if (b_.size() - at_ < n) fail(std::to_string(n) + " more bytes", "the end of the file");
    }
    const std::string& b_;
    const std::string what_;
    std::size_t at_ = 0;
};

}  // namespace

std::string chip_data_bytes(const ChipData& d) {
    Writer w;
    w.out.append(kMagic, 4);
    w.put<std::uint32_t>(kVersion);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(d.rounding.size()));
    w.out += d.rounding;
    w.matrix(d.q.token_embedding);
    for (const QLayer& L : d.q.layers) {
        w.gain(L.rms_att);
        w.gain(L.rms_ffn);
        for (const QMatrix* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w1, &L.w2, &L.w3}) w.matrix(*m);
    }
    w.gain(d.q.rms_final);
    if (!d.q.config.shared_classifier) w.matrix(d.q.wcls);
    return w.out;
}

ChipData chip_data_from_bytes(const std::string& bytes, const Model& model,
                              const WeightFormat& format, const std::string& what) {
    Reader r(bytes, what);
    if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 4) != 0)
        r.fail("a chip data file (HWQD)", "other bytes");
    r.get<std::uint32_t>();
    if (const auto v = r.get<std::uint32_t>(); v != kVersion)
        r.fail("version " + std::to_string(kVersion), std::to_string(v));
    const Config& c = model.config;
    ChipData d;
    const auto n = r.get<std::uint32_t>();
    for (std::uint32_t k = 0; k < n; k++) d.rounding += r.get<char>();
    d.q.config = c;
    d.q.format = format;
    d.q.token_embedding = r.matrix(c.vocab_size, c.dim);
    d.q.layers.resize(std::size_t(c.n_layers));
    for (QLayer& L : d.q.layers) {
        L.rms_att = r.gain(c.dim);
        L.rms_ffn = r.gain(c.dim);
        L.wq = r.matrix(c.dim, c.dim);
        L.wk = r.matrix(c.kv_dim(), c.dim);
        L.wv = r.matrix(c.kv_dim(), c.dim);
        L.wo = r.matrix(c.dim, c.dim);
        L.w1 = r.matrix(c.hidden_dim, c.dim);
        L.w2 = r.matrix(c.dim, c.hidden_dim);
        L.w3 = r.matrix(c.hidden_dim, c.dim);
    }
    d.q.rms_final = r.gain(c.dim);
    if (!c.shared_classifier) d.q.wcls = r.matrix(c.vocab_size, c.dim);
    if (!r.done()) r.fail("the end of the file", "more bytes");
    d.tables = make_tables(c);
    d.constants = make_constants(c);
    return d;
}

}  // namespace hw
