// SPDX-License-Identifier: MIT
#include "fast_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

#include "error.h"
#include "fixed.h"
#include "nonlinear.h"

namespace hw {

namespace {
// What the processor has (__builtin_cpu_init first: these initializers may run before
// libgcc's own, GCC's manual).
const bool kHaveAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
const bool kHaveFma = (__builtin_cpu_init(), __builtin_cpu_supports("fma"));

// Where row r of a block of 8 is among the lanes of matvec_blocks_avx2's two sets of four
// 64-bit sums (rows 0 1 4 5, then 2 3 6 7); Layout::shift is in this order.
constexpr int kRowLane[8] = {0, 1, 4, 5, 2, 3, 6, 7};
}  // namespace

FastKernels::FastKernels(const QModel& q, bool vector) : avx2_(vector && kHaveAvx2) {
    for (const QLayer& L : q.layers)
        for (const QMatrix* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w1, &L.w2, &L.w3}) add(*m);
    add(q.classifier());
    const int n_max = q.config.seq_len;
    qa_.resize(q.config.dim);
    scratch_.att.resize(n_max + 8);   // whole groups of eight
    scratch_.term.resize(n_max + 8);  // whole groups of eight
    scratch_.run_max.resize(n_max + 8);
    scratch_.total.resize(n_max);
    scratch_.grow.resize(n_max + 8);  // eight written at a time
    scratch_.factor.resize(n_max + 8);
    scratch_.weight.resize(n_max);
    scratch_.acc.resize(q.config.head_size());
}

void FastKernels::add(const QMatrix& m) {
    Layout& L = layouts_[&m];
    L.blocks = (m.rows + 7) / 8;
    // Segments: each group cut into pieces of at most kChunk columns, each padded to a
    // multiple of 16 (one 16-lane multiply-add) with zero weights.
    for (int g = 0; g < m.groups; g++) {
        const int end = std::min(m.cols, (g + 1) * m.group_size);
        for (int col = g * m.group_size; col < end; col += kChunk) {
            const int len = std::min(kChunk, end - col);
            L.segments.push_back({col, len, (len + 15) / 16 * 16, L.padded_cols, g});
            L.padded_cols += L.segments.back().padded;
        }
    }
    const std::size_t block_words = std::size_t(8) * L.padded_cols;
    const int nseg = static_cast<int>(L.segments.size());
    L.w.assign(block_words * L.blocks, 0);
    L.m.assign(std::size_t(L.blocks) * nseg * 8, 0);
    L.shift.assign(std::size_t(L.blocks) * 8, 0);
    for (int i = 0; i < m.rows; i++) {
        const int b = i / 8, r = i % 8;
        for (int s = 0; s < nseg; s++) {
            const Segment& seg = L.segments[s];
            std::int16_t* dst = L.w.data() + b * block_words + 8 * std::size_t(seg.offset) +
                                std::size_t(r) * seg.padded;
            const std::int8_t* src = m.w.data() + std::size_t(i) * m.cols + seg.col;
            std::copy(src, src + seg.len, dst);
            L.m[(std::size_t(b) * nseg + s) * 8 + r] =
                m.mantissa[std::size_t(i) * m.groups + seg.group];
        }
        L.shift[8 * std::size_t(b) + kRowLane[r]] = m.shift[i];
    }
    a_pad_.resize(std::max(a_pad_.size(), std::size_t(L.padded_cols)));
}

namespace {

// IntModel::matvec with AVX2 over the layout, eight rows at a time: each row's segment as 16-lane
// multiply-adds into eight 32-bit partial sums, the eight rows' partial sums added across in one
// tree (eight segment sums in one register), times the eight rows' mantissas as 32 x 32 -> 64-bit
// products into each row's 64-bit sum; then the eight rows' requantizations at once (below).
template <int Padded>  // a segment's padded length, when known at compile time (0: not)
__attribute__((target("avx2"))) inline __m256i segment_sums(const std::int16_t* ws,
                                                            const std::int16_t* as, int padded) {
    if (Padded) padded = Padded;
    __m256i v[8];
    for (int r = 0; r < 8; r++) {
        const std::int16_t* row = ws + std::size_t(r) * padded;
        __m256i x = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row)),
                                      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(as)));
        for (int k = 16; k < padded; k += 16)
            x = _mm256_add_epi32(
                x, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k)),
                                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(as + k))));
        v[r] = x;
    }
    const __m256i u0 =
        _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    const __m256i u1 =
        _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
                            _mm256_permute2x128_si256(u0, u1, 0x31));
}

// fx::requant32 of four 64-bit lanes by four shifts in 1..62 (the caller checks): a rounding
// add, an arithmetic shift (a logical one of the value with its sign flipped in and out),
// and the clamp to int32 with its count.
__attribute__((target("avx2"))) inline __m256i requant4(__m256i v, __m256i shift,
                                                        std::uint64_t* clamped) {
    const __m256i one = _mm256_set1_epi64x(1), zero = _mm256_setzero_si256();
    const __m256i x = _mm256_add_epi64(v, _mm256_sllv_epi64(one, _mm256_sub_epi64(shift, one)));
    const __m256i sign = _mm256_cmpgt_epi64(zero, x);
    const __m256i y = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(x, sign), shift), sign);
    const __m256i hi = _mm256_set1_epi64x(INT32_MAX), lo = _mm256_set1_epi64x(INT32_MIN);
    const __m256i over = _mm256_cmpgt_epi64(y, hi), under = _mm256_cmpgt_epi64(lo, y);
    *clamped += __builtin_popcount(static_cast<unsigned>(
        _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_or_si256(over, under)))));
    return _mm256_blendv_epi8(_mm256_blendv_epi8(y, hi, over), lo, under);
}

// Whether every lane is a shift requant4 takes: 1..62.
__attribute__((target("avx2"))) inline bool shifts_in_range(__m256i sh) {
    const __m256i ok = _mm256_and_si256(_mm256_cmpgt_epi64(sh, _mm256_setzero_si256()),
                                        _mm256_cmpgt_epi64(_mm256_set1_epi64x(63), sh));
    return _mm256_movemask_pd(_mm256_castsi256_pd(ok)) == 0xf;
}

__attribute__((target("avx2"))) void matvec_blocks_avx2(std::int32_t* out, const QMatrix& w,
                                                        const FastKernels::Layout& L,
                                                        const std::int16_t* a, int a_shift,
                                                        std::uint64_t* sat) {
    const std::size_t block_words = std::size_t(8) * L.padded_cols;
    const int nseg = static_cast<int>(L.segments.size());
    const __m256i a_sh = _mm256_set1_epi64x(a_shift);
    const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    std::uint64_t clamped = 0;
    for (int b = 0; b < L.blocks; b++) {
        __m256i even = _mm256_setzero_si256(),
                odd = _mm256_setzero_si256();  // rows 0 2 4 6, 1 3 5 7
        for (int s = 0; s < nseg; s++) {
            const FastKernels::Segment& seg = L.segments[s];
            const std::int16_t* ws = L.w.data() + b * block_words + 8 * std::size_t(seg.offset);
            const std::int16_t* as = a + seg.offset;
            const __m256i part = seg.padded == 32   ? segment_sums<32>(ws, as, 32)
                                 : seg.padded == 16 ? segment_sums<16>(ws, as, 16)
                                                    : segment_sums<0>(ws, as, seg.padded);
            const __m256i m = _mm256_loadu_si256(
                reinterpret_cast<const __m256i*>(L.m.data() + (std::size_t(b) * nseg + s) * 8));
            even = _mm256_add_epi64(even, _mm256_mul_epi32(part, m));
            odd = _mm256_add_epi64(
                odd, _mm256_mul_epi32(_mm256_srli_epi64(part, 32), _mm256_srli_epi64(m, 32)));
        }
        // Rows 0 1 4 5 and 2 3 6 7, with their shifts (the layout keeps them in this order).
        const __m256i acc0 = _mm256_unpacklo_epi64(even, odd),
                      acc1 = _mm256_unpackhi_epi64(even, odd);
        const __m256i sh0 = _mm256_sub_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                                                 L.shift.data() + 8 * std::size_t(b))),
                                             a_sh);
        const __m256i sh1 = _mm256_sub_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                                                 L.shift.data() + 8 * std::size_t(b) + 4)),
                                             a_sh);
        const int rows = std::min(8, w.rows - 8 * b);
        if (rows == 8 && shifts_in_range(sh0) && shifts_in_range(sh1)) {
            const __m128i r0 = _mm256_castsi256_si128(
                _mm256_permutevar8x32_epi32(requant4(acc0, sh0, &clamped), pack));  // 0 1 4 5
            const __m128i r1 = _mm256_castsi256_si128(
                _mm256_permutevar8x32_epi32(requant4(acc1, sh1, &clamped), pack));  // 2 3 6 7
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8 * b), _mm_unpacklo_epi64(r0, r1));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8 * b + 4),
                             _mm_unpackhi_epi64(r0, r1));
            continue;
        }
        alignas(32) std::int64_t sums[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums), acc0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(sums + 4), acc1);
        for (int r = 0; r < rows; r++) {
            const int i = 8 * b + r;
            out[i] = fx::requant32(sums[kRowLane[r]], w.shift[i] - a_shift, &clamped);
        }
    }
    if (sat) *sat += clamped;
}
}  // namespace

void FastKernels::matvec(std::int32_t* out, const QMatrix& w, const std::int16_t* a, int a_shift,
                        std::uint64_t* sat) const {
    if (!has(w)) throw Error("fast kernels: matvec of a matrix it does not take (has() is false)");
    const Layout& L = layouts_.at(&w);
    // The activations in the segments' padded places (zeros in the padding).
    std::int16_t* ap = a_pad_.data();
    for (const Segment& seg : L.segments) {
        std::copy(a + seg.col, a + seg.col + seg.len, ap + seg.offset);
        std::fill(ap + seg.offset + seg.len, ap + seg.offset + seg.padded, 0);
    }
    matvec_blocks_avx2(out, w, L, ap, a_shift, sat);
}

namespace {

using AttentionScratch = FastKernels::AttentionScratch;
using Exp2Table = FastKernels::Exp2Table;

// One head of the attention: its q, its rows of the KV cache, and the score's constants.
struct Head {
    const std::int16_t* q;       // the head's hs activation words
    const std::int16_t* k;       // position 0's key row of the head (stride kv_dim)
    const std::int16_t* v;       // position 0's value row of the head
    const std::int8_t* k_shift;  // per position
    const std::int8_t* v_shift;
    int n, hs, stride;  // positions, head size, kv_dim
    int score_shift;    // att_scale_frac + 16 - q's shift
    std::int32_t att_scale;
};

// One position's score.
inline std::int32_t score1(const Head& h, int p, std::uint64_t* sat) {
    const std::int16_t* kt = h.k + std::size_t(p) * h.stride;
    std::int64_t dot = 0;
    for (int i = 0; i < h.hs; i++) dot += std::int32_t(h.q[i]) * std::int32_t(kt[i]);
    return fx::requant32(dot * h.att_scale, h.score_shift - h.k_shift[p], sat);
}

// One head of IntModel::attention with AVX2 and FMA, for head sizes that are multiples of 8
// up to 64 (other sizes, or without AVX2, run IntModel::attention itself). Every step is an
// exact integer operation in another form:
//  - scores, four positions a step (the last n % 4 one at a time): q . k as 16-bit
//    multiply-adds whose 32-bit pair sums are added as doubles (|dot| < 64 * 2^30 = 2^36:
//    exact), times att_scale (< 2^16: the product is below 2^52, exact), times 2^-shift
//    (exact), rounded half up by floor(y + 0.5) (exact: y + 0.5 has a numerator below 2^53
//    at y's scale) and clamped to int32, counting clamps.
//  - softmax: the running maximum and the positions where it grows, eight positions a
//    step; every position's term 2^-((running maximum - s) log2 e), eight at a time, and
//    the terms' running totals; the online sum (softmax_sum's) then needs one step a
//    growth: the terms since the last growth are a difference of two totals (integers: the
//    same sum in any order), and the sum is rescaled as softmax_sum does. Then each
//    probability, e (with the final maximum) times 1/sum, eight at a time.
//  - 2^-z eight at a time (exp2neg8): (hi - lo), clamped to 2^21 (any larger difference
//    gives 2^-31 or less, which is 0 either way), times log2 e in Q24 as two sets of 32 x 32
//    -> 64-bit products, rounded to z < 2^22; the fraction's 2^-f is one gather from the
//    table of its 2^16 values (each in [0, 2^30]: checked when the table is built, else
//    this path is not taken); the rounding shift by the integer part is a per-lane shift,
//    zero from 31 up as exp2neg_q16 gives.
//  - normalization: e (<= 2^30) times r (< 2^32: prepare checks 1/x's table) in unsigned 32 x 32 ->
//  64-bit
//    products, rounded by the sum's shift (>= 30: the sum is at least 2^30).
//  - weighted values: each probability times 2^(its row's shift) times the value, added in
//    doubles, 4 elements a lane group: every product and every partial sum is an integer
//    below 2^53 (checked: sum of probabilities * 2^(largest shift) * 2^15 < 2^53, shifts
//    >= 0; else the generic loop), so the sums are exact.
struct Exp2Lanes {  // the constants of exp2neg8
    __m256i log2e, half, clamp, fraction, one, thirty;
};

__attribute__((target("avx2"))) inline Exp2Lanes exp2_lanes() {
    return {_mm256_set1_epi64x(kLog2eQ24), _mm256_set1_epi64x(std::int64_t(1) << 23),
            _mm256_set1_epi32(1 << 21),    _mm256_set1_epi32(0xffff),
            _mm256_set1_epi32(1),          _mm256_set1_epi32(30)};
}

// exp2neg_q16(softmax_arg(hi, lo)) of eight lanes (hi >= lo), as 32-bit lanes (<= 2^30).
__attribute__((target("avx2"))) inline __m256i exp2neg8(const Exp2Lanes& c, const Exp2Table& x,
                                                        __m256i hi, __m256i lo) {
    const __m256i diff = _mm256_min_epu32(_mm256_sub_epi32(hi, lo), c.clamp);  // hi - lo, unsigned
    const __m256i z_even =
        _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epu32(diff, c.log2e), c.half), 24);
    const __m256i z_odd = _mm256_srli_epi64(
        _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(diff, 32), c.log2e), c.half), 24);
    const __m256i z = _mm256_blend_epi32(z_even, _mm256_slli_epi64(z_odd, 32), 0xaa);
    const __m256i n = _mm256_srli_epi32(z, 16);
    const __m256i m = _mm256_i32gather_epi32(x.value, _mm256_and_si256(z, c.fraction), 4);
    const __m256i rounded = _mm256_srlv_epi32(
        _mm256_add_epi32(m, _mm256_sllv_epi32(c.one, _mm256_sub_epi32(n, c.one))), n);
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(n, c.thirty), rounded);
}

// The four pair sums of eight elements of q and k, as doubles.
__attribute__((target("avx2"))) inline __m256d pair_sums(const std::int16_t* q,
                                                         const std::int16_t* k) {
    return _mm256_cvtepi32_pd(_mm_madd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)),
                                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(k))));
}

template <int HS>  // the head size, a multiple of 8 up to 64
__attribute__((target("avx2"))) void scores_avx2(const Head& h, std::int32_t* att,
                                                 std::uint64_t* sat) {
    const int n4 = h.n & ~3;
    const __m256d scale = _mm256_set1_pd(h.att_scale);
    const __m256i exp_base =
        _mm256_set1_epi64x(1023 - h.score_shift);  // 2^-shift's biased exponent
    const __m256d half = _mm256_set1_pd(0.5), hi = _mm256_set1_pd(2147483647.0),
                  lo = _mm256_set1_pd(-2147483648.0);
    std::uint64_t clamped = 0;
    for (int p = 0; p < n4; p += 4) {
        __m256d d[4];
        for (int j = 0; j < 4; j++) {
            const std::int16_t* kt = h.k + std::size_t(p + j) * h.stride;
            d[j] = pair_sums(h.q, kt);
            for (int i = 8; i < HS; i += 8) d[j] = _mm256_add_pd(d[j], pair_sums(h.q + i, kt + i));
        }
        // Four horizontal sums at once: [d0, d1, d2, d3].
        const __m256d h01 = _mm256_hadd_pd(d[0], d[1]), h23 = _mm256_hadd_pd(d[2], d[3]);
        const __m256d dot = _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20),
                                          _mm256_permute2f128_pd(h01, h23, 0x31));
        std::int32_t ks;
        std::memcpy(&ks, h.k_shift + p, 4);
        const __m256d pow2 = _mm256_castsi256_pd(_mm256_slli_epi64(
            _mm256_add_epi64(exp_base, _mm256_cvtepi8_epi64(_mm_cvtsi32_si128(ks))), 52));
        const __m256d y =
            _mm256_floor_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_mul_pd(dot, scale), pow2), half));
        clamped += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_pd(
            _mm256_or_pd(_mm256_cmp_pd(y, hi, _CMP_GT_OQ), _mm256_cmp_pd(y, lo, _CMP_LT_OQ)))));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(att + p),
                         _mm256_cvtpd_epi32(_mm256_min_pd(_mm256_max_pd(y, lo), hi)));
    }
    if (sat) *sat += clamped;
    for (int p = n4; p < h.n; p++) att[p] = score1(h, p, sat);
}

// For each 8-bit mask, the indices of its set bits in order, one a byte.
constexpr std::array<std::uint64_t, 256> make_compress() {
    std::array<std::uint64_t, 256> t{};
    for (unsigned m = 0; m < 256; m++)
        for (unsigned b = 0, k = 0; b < 8; b++)
            if (m >> b & 1) t[m] |= std::uint64_t(b) << (8 * k++);
    return t;
}
constexpr std::array<std::uint64_t, 256> kCompress = make_compress();

// softmax_head's result (see above for how). `att` is padded to whole groups of eight past n.
__attribute__((target("avx2"))) void softmax_avx2(const Tables& t, const Exp2Table& x,
                                                  std::int32_t* att, AttentionScratch& w, int n) {
    const Exp2Lanes c = exp2_lanes();
    // The positions where the running maximum grows, and the maximum, eight positions a
    // step: each step's prefix maxima (three shifted maxima, independent of the steps
    // before), the running maximum before it, the lanes above the running maximum one
    // position earlier, and those lanes' positions appended (kCompress).
    int* grow = w.grow.data();
    std::int32_t* run_max = w.run_max.data();
    std::int32_t mx = att[0];
    int grows = 0;
    const __m256i by1 = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6),
                  by2 = _mm256_setr_epi32(0, 1, 0, 1, 2, 3, 4, 5),
                  by4 = _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3);
    for (int p = 0; p < n; p += 8) {
        const __m256i sc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(att + p));
        __m256i pm = _mm256_max_epi32(sc, _mm256_permutevar8x32_epi32(sc, by1));
        pm = _mm256_max_epi32(pm, _mm256_permutevar8x32_epi32(pm, by2));
        pm = _mm256_max_epi32(pm, _mm256_permutevar8x32_epi32(pm, by4));
        const __m256i before = _mm256_set1_epi32(mx);
        const __m256i run = _mm256_max_epi32(pm, before);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(run_max + p), run);
        const __m256i prev = _mm256_blend_epi32(_mm256_permutevar8x32_epi32(run, by1), before, 1);
        unsigned up = static_cast<unsigned>(
            _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(sc, prev))));
        if (n - p < 8) up &= (1u << (n - p)) - 1;  // the padding past n
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(grow + grows),
            _mm256_add_epi32(_mm256_set1_epi32(p),
                             _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(kCompress[up]))));
        grows += __builtin_popcount(up);
        mx = std::max(
            mx, n - p < 8 ? *std::max_element(att + p, att + n) : _mm256_extract_epi32(pm, 7));
    }
    // The maximum up to growth k (exclusive): the score at the growth before it.
    const auto max_before = [&](int k) { return k == 0 ? att[0] : att[grow[k - 1]]; };
    // The rescale factor at each growth, 2^-((new - old) log2 e), eight at a time.
    std::int32_t* factor = w.factor.data();
    for (int k = 0; k < grows; k += 8) {
        alignas(32) std::int32_t hi[8], lo[8];
        for (int j = 0; j < 8; j++) {
            const int g = std::min(k + j, grows - 1);
            hi[j] = att[grow[g]], lo[j] = max_before(g);
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(factor + k),
                            exp2neg8(c, x, _mm256_load_si256(reinterpret_cast<const __m256i*>(hi)),
                                     _mm256_load_si256(reinterpret_cast<const __m256i*>(lo))));
    }
    // The online sum. Each position's term is 2^-((running maximum - s) log2 e), eight at a
    // time, and the running totals of the terms; between two growths (the new maximum's own
    // term is the 1 below, so a growth's term is left out) the sum grows by a difference of
    // two totals.
    std::int32_t* term = w.term.data();
    for (int p = 0; p < n; p += 8)
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(term + p),
            exp2neg8(c, x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(run_max + p)),
                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(att + p))));
    std::int64_t* total = w.total.data();  // total[p]: the terms of positions 0..p
    std::int64_t running = 0;
    for (int p = 0; p < n; p++) total[p] = running += term[p];
    // The sum starts with position 0's 1; each growth rescales it and adds its own 1.
    std::int64_t sum = kOneQ30;
    int last = 0;
    for (int k = 0; k < grows; k++) {
        sum = rescale_sum(sum + total[grow[k] - 1] - total[last], factor[k]) + kOneQ30;
        last = grow[k];
    }
    sum += total[n - 1] - total[last];
    int sh = 0;
    const std::int64_t r = recip_u64(t, static_cast<std::uint64_t>(sum), &sh);
    // p_t = e_t * r rounded by sh, e_t with the final maximum, eight at a time (past n too:
    // those lanes are not read).
    const __m256i top = _mm256_set1_epi32(mx);
    const __m256i rr = _mm256_set1_epi64x(r),
                  round = _mm256_set1_epi64x(std::int64_t(1) << (sh - 1));
    const __m128i count = _mm_cvtsi32_si128(sh);
    for (int p = 0; p < n; p += 8) {
        const __m256i e =
            exp2neg8(c, x, top, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(att + p)));
        const __m256i even =
            _mm256_srl_epi64(_mm256_add_epi64(_mm256_mul_epu32(e, rr), round), count);
        const __m256i odd = _mm256_srl_epi64(
            _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(e, 32), rr), round), count);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(att + p),
                            _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa));
    }
}

// lo += wt * v[0..3], hi += wt * v[4..7] (v: eight int16 values).
__attribute__((target("avx2,fma"))) inline void weigh8(__m256d wt, const std::int16_t* v,
                                                       __m256d& lo, __m256d& hi) {
    const __m256i v32 = _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
    lo = _mm256_fmadd_pd(wt, _mm256_cvtepi32_pd(_mm256_castsi256_si128(v32)), lo);
    hi = _mm256_fmadd_pd(wt, _mm256_cvtepi32_pd(_mm256_extracti128_si256(v32, 1)), hi);
}

template <int HS>
__attribute__((target("avx2,fma"))) void head_avx2(const Head& h, const Tables& t,
                                                   const Exp2Table& x, AttentionScratch& w,
                                                   std::int32_t* scores, std::int32_t* probs,
                                                   std::uint64_t* sat) {
    std::int32_t* att = w.att.data();
    scores_avx2<HS>(h, att, sat);
    if (scores) std::copy(att, att + h.n, scores);
    softmax_avx2(t, x, att, w, h.n);
    if (probs) std::copy(att, att + h.n, probs);
    // The bound that keeps the weighted sums exact in doubles (see above).
    std::int64_t p_sum = 0;
    std::int8_t shift_min = 0, shift_max = 0;
    for (int p = 0; p < h.n; p++) p_sum += att[p];
    for (int p = 0; p < h.n; p++) shift_min = std::min(shift_min, h.v_shift[p]);
    for (int p = 0; p < h.n; p++) shift_max = std::max(shift_max, h.v_shift[p]);
    if (shift_min < 0 || shift_max > 37 || p_sum >= (std::int64_t(1) << (38 - shift_max))) {
        // the specification's 64-bit sums
        std::fill(w.acc.begin(), w.acc.end(), 0);
        for (int p = 0; p < h.n; p++) {
            const std::int16_t* vt = h.v + std::size_t(p) * h.stride;
            const std::int64_t wt = std::int64_t(att[p]) << h.v_shift[p];
            for (int i = 0; i < HS; i++) w.acc[i] += wt * vt[i];
        }
        return;
    }
    // The weight of each position, p * 2^shift, as a double (exact: below 2^(17 + 37)).
    // 2^shift is built from its exponent bits, four at a time, the last n % 4 one at a time.
    double* weight = w.weight.data();
    const int n4 = h.n & ~3;
    for (int p = 0; p < n4; p += 4) {
        std::int32_t vs;
        std::memcpy(&vs, h.v_shift + p, 4);
        const __m256d pow2 = _mm256_castsi256_pd(_mm256_slli_epi64(
            _mm256_add_epi64(_mm256_set1_epi64x(1023), _mm256_cvtepi8_epi64(_mm_cvtsi32_si128(vs))),
            52));
        _mm256_storeu_pd(weight + p, _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_loadu_si128(
                                                       reinterpret_cast<const __m128i*>(att + p))),
                                                   pow2));
    }
    for (int p = n4; p < h.n; p++)
        weight[p] = static_cast<double>(std::int64_t(att[p]) << h.v_shift[p]);
    // kSets sets of sums, position p into set p % kSets, so that consecutive multiply-adds
    // do not wait for each other; added at the end (exact integers: any order).
    constexpr int kSets = HS >= 32 ? 1 : 32 / HS;
    __m256d acc[kSets][HS / 4];
    for (auto& set : acc)
        for (__m256d& a : set) a = _mm256_setzero_pd();
    int p = 0;
    for (; p + kSets <= h.n; p += kSets) {
        for (int j = 0; j < kSets; j++) {
            const std::int16_t* vt = h.v + std::size_t(p + j) * h.stride;
            const __m256d wt = _mm256_broadcast_sd(weight + p + j);
            for (int i = 0; i < HS; i += 8) weigh8(wt, vt + i, acc[j][i / 4], acc[j][i / 4 + 1]);
        }
    }
    for (; p < h.n; p++) {
        const std::int16_t* vt = h.v + std::size_t(p) * h.stride;
        const __m256d wt = _mm256_broadcast_sd(weight + p);
        for (int i = 0; i < HS; i += 8) weigh8(wt, vt + i, acc[0][i / 4], acc[0][i / 4 + 1]);
    }
    alignas(32) double sums[HS];
    for (int j = 0; j < HS / 4; j++) {
        __m256d a = acc[0][j];
        for (int set = 1; set < kSets; set++) a = _mm256_add_pd(a, acc[set][j]);
        _mm256_store_pd(sums + 4 * j, a);
    }
    for (int i = 0; i < HS; i++) w.acc[i] = static_cast<std::int64_t>(sums[i]);
}

using HeadKernel = void (*)(const Head&, const Tables&, const Exp2Table&, AttentionScratch&,
                            std::int32_t*, std::int32_t*, std::uint64_t*);
// head_avx2 for head sizes 8, 16, ..., 64.
constexpr HeadKernel kHeadAvx2[] = {head_avx2<8>,  head_avx2<16>, head_avx2<24>, head_avx2<32>,
                                    head_avx2<40>, head_avx2<48>, head_avx2<56>, head_avx2<64>};

}  // namespace

namespace {

// IntModel::quantize_activations with AVX2: the largest magnitude eight lanes at a time
// (|INT32_MIN| = 2^31 as an unsigned 32-bit word), the same shift, and v / 2^s rounded half
// up as (v >> s) + bit s - 1 of v (no add that could overflow 32 bits), packed to 16 bits
// (every result is within +-32767, so the packing never saturates).
__attribute__((target("avx2"))) int quantize_avx2(const std::int32_t* v, int n, std::int16_t* out,
                                                  int min_shift) {
    const int n8 = n & ~7;
    __m256i top = _mm256_setzero_si256();
    for (int i = 0; i < n8; i += 8)
        top = _mm256_max_epu32(
            top, _mm256_abs_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i))));
    alignas(32) std::uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), top);
    std::int64_t maxabs = 0;
    for (const std::uint32_t l : lanes) maxabs = std::max<std::int64_t>(maxabs, l);
    for (int i = n8; i < n; i++) maxabs = std::max<std::int64_t>(maxabs, std::llabs(v[i]));
    constexpr std::int64_t kMax = (1 << (kActBits - 1)) - 1;
    int s = maxabs == 0 ? 0 : fx::bit_length(static_cast<std::uint64_t>(maxabs)) - (kActBits - 1);
    s = std::max(s, min_shift);
    if (fx::round_shift(maxabs, s) > kMax) s++;
    if (s < 0 || s > 31)
        return IntModel::quantize_activations(v, n, out, min_shift);  // the specification's loop
    const __m128i count = _mm_cvtsi32_si128(s), below = _mm_cvtsi32_si128(std::max(s - 1, 0));
    const __m256i one = _mm256_set1_epi32(s > 0 ? 1 : 0);
    const int n16 = n & ~15;
    for (int i = 0; i < n16; i += 16) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i + 8));
        const __m256i ra = _mm256_add_epi32(_mm256_sra_epi32(a, count),
                                            _mm256_and_si256(_mm256_sra_epi32(a, below), one));
        const __m256i rb = _mm256_add_epi32(_mm256_sra_epi32(b, count),
                                            _mm256_and_si256(_mm256_sra_epi32(b, below), one));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                            _mm256_permute4x64_epi64(_mm256_packs_epi32(ra, rb), 0xd8));
    }
    for (int i = n16; i < n; i++) out[i] = static_cast<std::int16_t>(fx::round_shift(v[i], s));
    return s;
}

}  // namespace

// ---- the vector unit's element-wise steps ---------------------------------------------------

namespace {

// x >> 16 of four 64-bit lanes rounded half up, as the low 32 bits of each lane: right when
// the result fits 32 bits (the high bits are the logical shift's).
__attribute__((target("avx2"))) inline __m256i round16_low(__m256i x) {
    return _mm256_srli_epi64(_mm256_add_epi64(x, _mm256_set1_epi64x(1 << 15)), 16);
}

// Eight int32 lanes from two sets of four 64-bit lanes (elements 0 2 4 6 and 1 3 5 7, as
// _mm256_mul_epi32 leaves them), each its lane's low 32 bits.
__attribute__((target("avx2"))) inline __m256i interleave_low(__m256i even, __m256i odd) {
    return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
}

// IntModel::rmsnorm with AVX2: the squares of x rounded to Q8 ((x >> 8) + bit 7: no add
// that could overflow) in 32 x 32 -> 64-bit products; x * r (r <= 2^16: prepare checks
// 1/sqrt's table) rounded to Q16 fits
// 32 bits (|u| <= |x|), times the 24-bit gain in 64 bits, then requant4 by the one shift
// (in 1..62, else the specification's loop).
__attribute__((target("avx2"))) bool rmsnorm_avx2(std::int32_t* out, const std::int32_t* x, int n,
                                                  const QGain& gain, const Tables& t,
                                                  std::int64_t eps, std::uint64_t* sat) {
    const int n8 = n & ~7;
    __m256i ss8 = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi32(1);
    for (int i = 0; i < n8; i += 8) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
        const __m256i xs = _mm256_add_epi32(_mm256_srai_epi32(v, 8),
                                            _mm256_and_si256(_mm256_srai_epi32(v, 7), one));
        const __m256i hi = _mm256_srli_epi64(xs, 32);
        ss8 = _mm256_add_epi64(
            ss8, _mm256_add_epi64(_mm256_mul_epi32(xs, xs), _mm256_mul_epi32(hi, hi)));
    }
    alignas(32) std::uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), ss8);
    std::uint64_t ss = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    for (int i = n8; i < n; i++) {
        const std::int64_t xs = fx::round_shift(x[i], 8);
        ss += static_cast<std::uint64_t>(xs * xs);
    }
    int sh = 0;
    const std::int64_t r = rsqrt_u64(t, ss + static_cast<std::uint64_t>(eps), &sh);
    const int shift = gain.frac - 8 + sh;
    if (shift < 1 || shift > 62) return false;
    const __m256i rr = _mm256_set1_epi64x(r), count = _mm256_set1_epi64x(shift);
    std::uint64_t clamped = 0;
    for (int i = 0; i < n8; i += 8) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
        const __m256i g = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(gain.g.data() + i));
        const __m256i u =
            interleave_low(round16_low(_mm256_mul_epi32(v, rr)),
                           round16_low(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), rr)));
        const __m256i even = requant4(_mm256_mul_epi32(u, g), count, &clamped);
        const __m256i odd = requant4(
            _mm256_mul_epi32(_mm256_srli_epi64(u, 32), _mm256_srli_epi64(g, 32)), count, &clamped);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), interleave_low(even, odd));
    }
    if (sat) *sat += clamped;
    for (int i = n8; i < n; i++)
        out[i] = fx::requant32(fx::round_shift(x[i] * r, 16) * gain.g[i], shift, sat);
    return true;
}

// IntModel::swiglu with AVX2: the sigmoid's segment from two gathers (its start and the next
// entry: a 4 KiB table), the rise times the fraction within 32 bits (checked by prepare),
// the ends clamped as sigmoid_q16 does; SiLU = g * sigmoid (<= 2^16) rounded to Q16 fits 32
// bits (|SiLU| <= |g|); times hb2 in 64 bits and requant4 by 16.
__attribute__((target("avx2"))) void swiglu_avx2(std::int32_t* hb, const std::int32_t* hb2, int n,
                                                 const Tables& t, std::uint64_t* sat) {
    constexpr int kFracBits = 16 + 5 - kSigmoidIndexBits;  // sigmoid_q16's
    constexpr std::int32_t kLo = -(kSigmoidRange << 16);
    const std::int32_t* e = t.sigmoid.entries.data();
    const __m256i lo = _mm256_set1_epi32(kLo), top = _mm256_set1_epi32(-kLo - 1),
                  zero = _mm256_setzero_si256();
    const __m256i span = _mm256_set1_epi32(-2 * kLo - 1),
                  frac_mask = _mm256_set1_epi32((1 << kFracBits) - 1);
    const __m256i half = _mm256_set1_epi32(1 << (kFracBits - 1)), one = _mm256_set1_epi32(1 << 16);
    const __m256i sixteen = _mm256_set1_epi64x(16);
    const int n8 = n & ~7;
    std::uint64_t clamped = 0;
    for (int i = 0; i < n8; i += 8) {
        const __m256i g = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hb + i));
        const __m256i u = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(g, lo), zero), span);
        const __m256i k = _mm256_srli_epi32(u, kFracBits);
        const __m256i a = _mm256_i32gather_epi32(e, k, 4), b = _mm256_i32gather_epi32(e + 1, k, 4);
        __m256i sig = _mm256_add_epi32(
            a,
            _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(b, a),
                                                                  _mm256_and_si256(u, frac_mask)),
                                               half),
                              kFracBits));
        sig = _mm256_andnot_si256(_mm256_cmpgt_epi32(lo, g), sig);       // below the range: 0
        sig = _mm256_blendv_epi8(sig, one, _mm256_cmpgt_epi32(g, top));  // from its top: 1
        const __m256i silu = interleave_low(
            round16_low(_mm256_mul_epi32(g, sig)),
            round16_low(_mm256_mul_epi32(_mm256_srli_epi64(g, 32), _mm256_srli_epi64(sig, 32))));
        const __m256i up = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hb2 + i));
        const __m256i even = requant4(_mm256_mul_epi32(silu, up), sixteen, &clamped);
        const __m256i odd =
            requant4(_mm256_mul_epi32(_mm256_srli_epi64(silu, 32), _mm256_srli_epi64(up, 32)),
                     sixteen, &clamped);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(hb + i), interleave_low(even, odd));
    }
    if (sat) *sat += clamped;
    if (n8 < n) IntModel::swiglu(hb + n8, hb2 + n8, n - n8, t, sat);
}

}  // namespace

bool FastKernels::rmsnorm(std::int32_t* out, const std::int32_t* x, int n, const QGain& gain,
                          const Tables& t, std::int64_t eps, std::uint64_t* sat) const {
    prepare(t);
    return rmsnorm_ok_ && rmsnorm_avx2(out, x, n, gain, t, eps, sat);
}

void FastKernels::swiglu(std::int32_t* hb, const std::int32_t* hb2, int n, const Tables& t,
                         std::uint64_t* sat) const {
    prepare(t);
    if (swiglu_ok_)
        swiglu_avx2(hb, hb2, n, t, sat);
    else
        IntModel::swiglu(hb, hb2, n, t, sat);
}

int FastKernels::quantize_activations(const std::int32_t* v, int n, std::int16_t* out,
                                      int min_shift) const {
    return avx2_ ? quantize_avx2(v, n, out, min_shift)
                 : IntModel::quantize_activations(v, n, out, min_shift);
}

void FastKernels::prepare(const Tables& t) const {
    if (tables_ == &t) return;
    // 2^-f at every 16-bit fraction; the eight-lane path takes it as an unsigned 32-bit word
    // of at most 2^30.
    constexpr int kFracBits = 16 - kExp2IndexBits;
    exp2_value_.resize(std::size_t(1) << 16);
    for (std::uint32_t f = 0; f < (1u << 16); f++)
        exp2_value_[f] =
            pwl_eval(t.exp2neg, f >> kFracBits, f & ((1u << kFracBits) - 1), kFracBits);
    // 1/x's entries are the normalization's 32-bit unsigned multipliers, 1/sqrt's the
    // RMSNorm's multipliers of at most 2^16 (a table's value lies between two entries).
    const auto within = [](const PwlTable& p, std::int64_t hi) {
        return std::all_of(p.entries.begin(), p.entries.end(),
                           [&](std::int32_t v) { return v >= 0 && v <= hi; });
    };
    attention_ok_ = avx2_ && kHaveFma && within(t.recip, 0xffffffffll) &&
                    std::all_of(exp2_value_.begin(), exp2_value_.end(),
                                [](std::int32_t v) { return v >= 0 && v <= kOneQ30; });
    rmsnorm_ok_ = avx2_ && within(t.rsqrt, 1 << 16);
    // The sigmoid's segments: swiglu_avx2 takes every entry in [0, 2^16] and each rise times
    // a fraction, rounded, within 32 signed bits.
    const std::vector<std::int32_t>& e = t.sigmoid.entries;
    swiglu_ok_ = avx2_ && t.sigmoid.index_bits == kSigmoidIndexBits &&
                 e.size() == (std::size_t(1) << kSigmoidIndexBits) + 1;
    for (std::size_t j = 0; swiglu_ok_ && j < e.size(); j++) {
        swiglu_ok_ = e[j] >= 0 && e[j] <= (1 << 16);
        if (j + 1 < e.size())
            swiglu_ok_ = swiglu_ok_ && std::llabs(std::int64_t(e[j + 1]) - e[j]) < (1 << 19);
    }
    tables_ = &t;
}

void FastKernels::attention(const Config& c, const Tables& t, const IntConstants& k,
                            const std::int32_t* q, const std::int16_t* k_rows,
                            const std::int8_t* k_shift, const std::int16_t* v_rows,
                            const std::int8_t* v_shift, int pos, std::int32_t* out,
                            std::int32_t* scores, std::int32_t* probs, std::uint64_t* sat) const {
    const int hs = c.head_size(), kv_dim = c.kv_dim(), n = pos + 1;
    prepare(t);
    if (!attention_ok_ || hs % 8 != 0 || hs > 8 * int(std::size(kHeadAvx2)))
        return IntModel::attention(c, t, k, q, k_rows, k_shift, v_rows, v_shift, pos, out, scores,
                                   probs, sat);
    const int sq = quantize_activations(q, c.dim, qa_.data(), INT32_MIN);
    const Exp2Table x{exp2_value_.data()};
    for (int h = 0; h < c.n_heads; h++) {
        const int kv_off = (h / c.kv_mul()) * hs;
        const Head head{qa_.data() + h * hs,
                        k_rows + kv_off,
                        v_rows + kv_off,
                        k_shift,
                        v_shift,
                        n,
                        hs,
                        kv_dim,
                        k.att_scale_frac + 16 - sq,
                        k.att_scale};
        std::int32_t* sc = scores ? scores + std::size_t(h) * n : nullptr;
        std::int32_t* pr = probs ? probs + std::size_t(h) * n : nullptr;
        kHeadAvx2[hs / 8 - 1](head, t, x, scratch_, sc, pr, sat);
        for (int i = 0; i < hs; i++) out[h * hs + i] = fx::requant32(scratch_.acc[i], 16, sat);
    }
}

}  // namespace hw
