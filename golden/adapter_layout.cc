// SPDX-License-Identifier: MIT
#include "adapter_layout.h"

#include <algorithm>

#include "error.h"

namespace hw {

const char* const kLoraTargets[kLoraTargetCount] = {"wq", "wk", "wv", "wo", "w1", "w3", "w2"};

int lora_target_index(const std::string& matrix) {
    for (int m = 0; m < kLoraTargetCount; m++)
        if (matrix == kLoraTargets[m]) return m;
    return -1;
}

namespace {
long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }
}  // namespace

AdapterLayout::AdapterLayout(const Config& c, const Datapath& d)
    : rows(d.rows), lanes(d.lanes), rank(d.lora_rank) {
    if (d.lora_slots <= 0)
        throw make_error("adapter layout", "adapter slots of this chip", "at least 1 (--lora-slots)",
                         std::to_string(d.lora_slots));
    // The core's scale field per row: the widest matrix's groups of 32 (weightgen/emit_sv.cc).
    max_groups = static_cast<int>(ceil_div(c.dim > c.hidden_dim ? c.dim : c.hidden_dim, 32));
    beat_bits = rows * lanes * 8 + rows * (max_groups * 16 + 8);
    beat_words = 1;
    while (beat_words * 32 < beat_bits) beat_words *= 2;
    const int dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
    const int ins[kLoraTargetCount] = {dim, dim, dim, dim, dim, dim, hidden};
    const int outs[kLoraTargetCount] = {dim, kv, kv, dim, hidden, hidden, dim};
    long long at = 0;
    for (int m = 0; m < kLoraTargetCount; m++) {
        in_[m] = ins[m];
        out_[m] = outs[m];
        a_off_[m] = at;
        at += a_beats(m) + s_beats(m);
    }
    layer_beats = at;
    slot_beats = layer_beats * c.n_layers;
}

long long AdapterLayout::a_beats(int m) const { return ceil_div(rank, rows) * ceil_div(in_[m], lanes); }
long long AdapterLayout::s_beats(int m) const { return ceil_div(out_[m], rows); }

namespace {

// Sets `bits` bits of the slot image at bit offset `at` of beat `beat`.
void put(std::vector<std::uint32_t>& w, const AdapterLayout& L, long long beat, long long at,
         std::uint32_t value, int bits) {
    for (int b = 0; b < bits; b++) {
        if (!((value >> b) & 1u)) continue;
        const long long bit = at + b;
        w[std::size_t(beat * L.beat_words + bit / 32)] |= 1u << (bit % 32);
    }
}

// Writes matrix q (rows x cols) as `groups` row groups of `beats` beats from `first`:
// row group g's beat t holds rows g*Rows.., columns t*Lanes.., then every row's scales.
void put_matrix(std::vector<std::uint32_t>& w, const AdapterLayout& L, long long first,
                const QMatrix& q, long long groups, long long beats) {
    const long long scales = static_cast<long long>(L.rows) * L.lanes * 8;
    const int field = L.max_groups * 16 + 8;
    for (long long g = 0; g < groups; g++) {
        for (long long t = 0; t < beats; t++) {
            const long long beat = first + g * beats + t;
            for (int r = 0; r < L.rows; r++) {
                const long long row = g * L.rows + r;
                if (row >= q.rows) continue;  // padding: zero weights and scales
                for (int k = 0; k < L.lanes; k++) {
                    const long long col = t * L.lanes + k;
                    if (col >= q.cols) break;
                    const std::int8_t v = q.w[std::size_t(row * q.cols + col)];
                    put(w, L, beat, (static_cast<long long>(r) * L.lanes + k) * 8,
                        static_cast<std::uint8_t>(v), 8);
                }
                for (int gi = 0; gi < q.groups; gi++)
                    put(w, L, beat, scales + r * field + gi * 16,
                        q.mantissa[std::size_t(row * q.groups + gi)], 16);
                put(w, L, beat, scales + r * field + L.max_groups * 16, q.shift[std::size_t(row)], 8);
            }
        }
    }
}

// `bits` bits of the slot image at bit offset `at` of beat `beat` (put's inverse).
std::uint32_t get(const std::vector<std::uint32_t>& w, const AdapterLayout& L, long long beat,
                  long long at, int bits) {
    std::uint32_t v = 0;
    for (int b = 0; b < bits; b++) {
        const long long bit = at + b;
        v |= ((w[std::size_t(beat * L.beat_words + bit / 32)] >> (bit % 32)) & 1u) << b;
    }
    return v;
}

// Reads a (rows x cols) int8 matrix in groups of 32 laid out as put_matrix writes it.
QMatrix get_matrix(const std::vector<std::uint32_t>& w, const AdapterLayout& L, long long first,
                   int rows, int cols, long long beats) {
    QMatrix q;
    q.rows = rows;
    q.cols = cols;
    q.bits = 8;
    q.group_size = std::min(32, cols);
    q.groups = (cols + q.group_size - 1) / q.group_size;
    q.w.assign(std::size_t(rows) * cols, 0);
    q.mantissa.assign(std::size_t(rows) * q.groups, 0);
    q.shift.assign(std::size_t(rows), 0);
    const long long scales = static_cast<long long>(L.rows) * L.lanes * 8;
    const int field = L.max_groups * 16 + 8;
    for (int row = 0; row < rows; row++) {
        const long long g = row / L.rows;
        const int r = row % L.rows;
        for (int col = 0; col < cols; col++) {
            const long long beat = first + g * beats + col / L.lanes;
            q.w[std::size_t(row) * cols + col] = static_cast<std::int8_t>(
                get(w, L, beat, (static_cast<long long>(r) * L.lanes + col % L.lanes) * 8, 8));
        }
        // Every beat of a row group carries the row's scales; the first is read.
        const long long beat = first + g * beats;
        for (int gi = 0; gi < q.groups; gi++)
            q.mantissa[std::size_t(row) * q.groups + gi] =
                static_cast<std::uint16_t>(get(w, L, beat, scales + r * field + gi * 16, 16));
        q.shift[std::size_t(row)] =
            static_cast<std::uint8_t>(get(w, L, beat, scales + r * field + L.max_groups * 16, 8));
    }
    return q;
}

}  // namespace

QAdapter adapter_from_image(const std::vector<std::uint32_t>& words, unsigned targets,
                            const AdapterLayout& L, const std::string& source) {
    if (static_cast<long long>(words.size()) != L.slot_words())
        throw make_error("adapter slot image " + source, "words", std::to_string(L.slot_words()),
                         std::to_string(words.size()));
    QAdapter a;
    a.rank = L.rank;
    a.source = source;
    const long long layers = L.slot_beats / L.layer_beats;
    a.layers.resize(std::size_t(layers));
    for (long long l = 0; l < layers; l++) {
        const long long first = l * L.layer_beats;
        for (int m = 0; m < kLoraTargetCount; m++) {
            if (!((targets >> m) & 1u)) continue;
            QLowRank& p = a.layers[std::size_t(l)][kLoraTargets[m]];
            p.a = get_matrix(words, L, first + L.a_offset(m), L.rank, L.in(m),
                             (L.in(m) + L.lanes - 1) / L.lanes);
            p.sb = get_matrix(words, L, first + L.s_offset(m), L.out(m), L.rank, 1);
        }
    }
    return a;
}

AdapterImage adapter_image(const QAdapter& a, const AdapterLayout& L) {
    auto bad = [&](const std::string& what, const std::string& want, const std::string& got) {
        return make_error("adapter " + a.source, what, want, got);
    };
    if (a.rank < 1 || a.rank > L.rank)
        throw bad("rank", "1 to " + std::to_string(L.rank) + " (the chip's --lora-rank)",
                  std::to_string(a.rank));
    if (L.slot_beats % L.layer_beats != 0 ||
        static_cast<long long>(a.layers.size()) != L.slot_beats / L.layer_beats)
        throw bad("layers", std::to_string(L.slot_beats / L.layer_beats), std::to_string(a.layers.size()));
    AdapterImage img;
    img.words.assign(std::size_t(L.slot_words()), 0u);
    for (std::size_t l = 0; l < a.layers.size(); l++) {
        for (const auto& [name, p] : a.layers[l]) {
            const int m = lora_target_index(name);
            const std::string where = "layer " + std::to_string(l) + " " + name;
            if (m < 0) throw bad(where, "one of wq wk wv wo w1 w3 w2", name);
            if (p.a.rows != a.rank || p.a.cols != L.in(m) || p.sb.rows != L.out(m) || p.sb.cols != a.rank)
                throw bad(where + " shape", "A " + std::to_string(a.rank) + "x" + std::to_string(L.in(m)) +
                                                ", s B " + std::to_string(L.out(m)) + "x" + std::to_string(a.rank),
                          "A " + std::to_string(p.a.rows) + "x" + std::to_string(p.a.cols) + ", s B " +
                              std::to_string(p.sb.rows) + "x" + std::to_string(p.sb.cols));
            for (const QMatrix* q : {&p.a, &p.sb})
                if (q->bits != 8 || q->group_size != std::min(32, q->cols) || q->groups > L.max_groups)
                    throw bad(where + " format", "int8 in groups of 32",
                              "int" + std::to_string(q->bits) + " in groups of " + std::to_string(q->group_size));
            img.targets |= 1u << m;
            const long long first = static_cast<long long>(l) * L.layer_beats;
            put_matrix(img.words, L, first + L.a_offset(m), p.a, (L.rank + L.rows - 1) / L.rows,
                       (L.in(m) + L.lanes - 1) / L.lanes);
            put_matrix(img.words, L, first + L.s_offset(m), p.sb, L.s_beats(m), 1);
        }
    }
    return img;
}

}  // namespace hw
