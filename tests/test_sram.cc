// SPDX-License-Identifier: MIT
// hw_sram as the KV cache: a layer x position x kv_dim image written in a random order with
// idle cycles, read back in another order; the read latency is one cycle and a write leaves
// the read data alone.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <memory>

#include "Vsram_kv.h"
#include "sim_control.h"
#include "synthetic.h"

TEST_CASE("KV cache SRAM: random-order writes read back exactly", "[fast][rtl][sram]") {
    constexpr int kDepth = 320;  // 5 layers x 64 positions: not a power of two
    hw::SplitMix64 rng(11);
    hw::SimControl<Vsram_kv> sim;
    Vsram_kv* m = &sim.top();
    auto tick = [&] { sim.tick(); };
    m->req_i = 0;
    sim.settle();  // a macro has no reset
    std::vector<std::uint32_t> image(kDepth);
    std::vector<int> order(kDepth);
    for (int i = 0; i < kDepth; i++) order[i] = i;
    for (int i = kDepth - 1; i > 0; i--) std::swap(order[i], order[rng.below(i + 1)]);
    for (int a : order) {
        while (rng.below(4) == 0) {  // idle cycles
            m->req_i = 0;
            tick();
        }
        image[a] = std::uint32_t(rng.next());
        m->req_i = 1;
        m->we_i = 1;
        m->addr_i = a;
        m->wdata_i = image[a];
        tick();
    }
    for (int i = 0; i < kDepth; i++) {
        const int a = (i * 37) % kDepth;  // another order
        m->req_i = 1;
        m->we_i = 0;
        m->addr_i = a;
        tick();
        INFO("read " << i << " address " << a);
        REQUIRE(m->rdata_o == image[a]);
        // A write in the next cycle must not disturb the data just read.
        m->we_i = 1;
        m->addr_i = (a + 1) % kDepth;
        m->wdata_i = image[(a + 1) % kDepth];
        tick();
        REQUIRE(m->rdata_o == image[a]);
    }
}
