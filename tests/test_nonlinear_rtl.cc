// SPDX-License-Identifier: MIT
// hw_nonlinear against the golden table functions (golden/nonlinear.cc), reading the same
// generated tables through a model of the ROM bank's registered read ports, with idle
// cycles and backpressure.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <deque>
#include <memory>

#include "Vnonlinear.h"
#include "nonlinear.h"
#include "port_bits.h"
#include "rom_image.h"
#include "synthetic.h"

namespace {

enum Func { kRsqrt = 0, kRecip = 1, kExp2Neg = 2, kSigmoid = 3 };

struct Request {
    Func func;
    std::uint64_t arg;
};

// Golden (value, shift) of a request.
std::pair<std::int64_t, int> golden(const hw::Tables& t, const Request& r) {
    int sh = 0;
    switch (r.func) {
        case kRsqrt:
            return {hw::rsqrt_u64(t, r.arg, &sh), sh};
        case kRecip:
            return {hw::recip_u64(t, r.arg, &sh), sh};
        case kExp2Neg:
            return {hw::exp2neg_q16(t, std::int64_t(r.arg)), 0};
        default:
            return {hw::sigmoid_q16(t, std::int32_t(r.arg)), 0};
    }
}

// Word k = {e[k+1], e[k]} of a table, as the generated ROM holds it.
std::uint64_t table_word(const hw::PwlTable& t, std::uint32_t k, int entry_bits) {
    const std::uint64_t mask = (std::uint64_t(1) << entry_bits) - 1;
    return (std::uint64_t(t.entries[k]) & mask) |
           ((std::uint64_t(t.entries[k + 1]) & mask) << entry_bits);
}

// Streams `reqs` through the unit and checks every result in order.
void run(const std::vector<Request>& reqs, int stall_percent, std::uint64_t seed) {
    hw::Config c;
    c.dim = 64;
    c.n_heads = 8;
    c.seq_len = 8;
    const hw::Tables t = hw::make_tables(c);
    hw::SplitMix64 rng(seed);
    auto ctx = std::make_unique<VerilatedContext>();
    auto m = std::make_unique<Vnonlinear>(ctx.get());
    // Not SimControl::tick(): the table ROMs are modelled here, at the rising edge itself.
    auto edge = [&] {
        // The ROMs: registered reads on the rising edge, held while not enabled.
        const bool rs = m->rsqrt_en_o, rc = m->recip_en_o, ex = m->exp2neg_en_o,
                   sg = m->sigmoid_en_o;
        const std::uint32_t ars = m->rsqrt_addr_o, arc = m->recip_addr_o, aex = m->exp2neg_addr_o,
                            asg = m->sigmoid_addr_o;
        m->clk_i = 1;
        m->eval();
        if (rs) m->rsqrt_data_i = table_word(t.rsqrt, ars, hw::kTableEntryBits);
        if (rc) m->recip_data_i = table_word(t.recip, arc, hw::kTableEntryBits);
        if (ex) m->exp2neg_data_i = table_word(t.exp2neg, aex, hw::kExp2EntryBits);
        if (sg) m->sigmoid_data_i = table_word(t.sigmoid, asg, hw::kTableEntryBits);
        m->eval();
        m->clk_i = 0;
        m->eval();
    };
    // Verilator sees no edge on the first eval(): settle with the clock low, then reset.
    m->clk_i = 0;
    m->rst_ni = 1;
    m->eval();
    m->rst_ni = 0;
    m->eval();
    edge();
    m->rst_ni = 1;
    std::size_t sent = 0, checked = 0;
    std::deque<Request> in_flight;
    bool holding = false;  // a request offered and not yet taken stays offered (valid/ready)
    for (long cycle = 0; checked < reqs.size(); cycle++) {
        REQUIRE(cycle < long(reqs.size()) * 4 + 100);
        m->req_valid_i = sent < reqs.size() && (holding || int(rng.below(100)) >= stall_percent);
        if (sent < reqs.size()) {
            m->req_func_i = reqs[sent].func;
            m->req_arg_i = reqs[sent].arg;
        }
        m->res_ready_i = int(rng.below(100)) >= stall_percent;
        m->eval();
        if (m->res_valid_o && m->res_ready_i) {
            REQUIRE(!in_flight.empty());
            const Request r = in_flight.front();
            in_flight.pop_front();
            const auto want = golden(t, r);
            INFO("func " << r.func << " arg " << std::int64_t(r.arg));
            REQUIRE(std::int64_t(m->res_data_o) == want.first);
            REQUIRE(int(m->res_shift_o) == want.second);
            checked++;
        }
        holding = m->req_valid_i && !m->req_ready_o;
        if (m->req_valid_i && m->req_ready_o) in_flight.push_back(reqs[sent++]);
        edge();
    }
    m->final();
}

}  // namespace

TEST_CASE("hw_nonlinear 2^-z: every 16-bit fraction then integer parts to underflow",
          "[fast][rtl][nonlinear]") {
    std::vector<Request> reqs;
    for (std::uint64_t z = 0; z < (1u << 16); z++) reqs.push_back({kExp2Neg, z});
    for (std::uint64_t z = 1 << 16; z < (std::uint64_t(40) << 16); z += 97)
        reqs.push_back({kExp2Neg, z});
    reqs.push_back({kExp2Neg, std::uint64_t(1) << 40});
    run(reqs, 0, 1);
    run(std::vector<Request>(reqs.begin(), reqs.begin() + 5000), 30, 2);
}

TEST_CASE("hw_nonlinear sigmoid: every Q16 input in [-17 17] and the int32 edges",
          "[fast][rtl][nonlinear]") {
    std::vector<Request> reqs;
    for (std::int64_t x = -(17 << 16); x <= (17 << 16); x++)
        reqs.push_back({kSigmoid, std::uint64_t(x)});
    reqs.push_back({kSigmoid, std::uint64_t(std::int64_t(INT32_MIN))});
    reqs.push_back({kSigmoid, std::uint64_t(std::int64_t(INT32_MAX))});
    run(reqs, 0, 3);
}

TEST_CASE("hw_nonlinear 1/sqrt and 1/x: all v below 2^16 powers of two a 64-bit sweep",
          "[fast][rtl][nonlinear]") {
    std::vector<Request> reqs;
    for (Func f : {kRsqrt, kRecip}) {
        for (std::uint64_t v = 0; v < (1u << 16); v++) reqs.push_back({f, v});
        for (int b = 1; b < 64; b++) {
            for (int d = -2; d <= 2; d++)
                reqs.push_back({f, (std::uint64_t(1) << b) + std::uint64_t(std::int64_t(d))});
        }
        hw::SplitMix64 rng(7);
        for (int i = 0; i < 100000; i++) {
            const std::uint64_t r = rng.next();
            reqs.push_back({f, r >> (r & 63)});
        }
        reqs.push_back({f, ~std::uint64_t(0)});
    }
    run(reqs, 0, 4);
    run(std::vector<Request>(reqs.begin(), reqs.begin() + 20000), 40, 5);
}
