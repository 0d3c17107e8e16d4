// SPDX-License-Identifier: MIT
// vp_example: a user's own sc_main on the virtual platform (docs/architecture.md, "A host
// program on the virtual platform"). The card (the transaction-level model behind its TLM
// target socket) and the driver's initiator port are instantiated and bound here, and the
// host software, written against the same driver API as on the RTL, runs in an SC_THREAD.
//
// usage: vp_example GEN_DIR [--model FILE]    (a hardwire gen folder; --model for a checkpoint
//                                              whose path the manifest does not hold)
#include <cstdio>
#include <string>
#include <systemc>
#include <tlm>

#include "card_target.h"      // hw::vp::CardTarget: the card's target socket
#include "driver.h"           // hw::link::Card: the driver
#include "fast_chip.h"        // hw::vp::FastChip: the transaction-level model
#include "generated_model.h"  // hw::load_generated_model
#include "host_thread.h"      // hw::vp::HostThread: the host program's SC_THREAD
#include "tlm_port.h"         // hw::vp::TlmPort: the driver's initiator socket

int sc_main(int argc, char** argv) {
    if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--model")) {
        std::fprintf(stderr, "usage: vp_example GEN_DIR [--model FILE]\n");
        return 2;
    }
    try {
        const hw::GeneratedModel g = hw::load_generated_model(argv[1], argc == 4 ? argv[3] : "");
        const std::string hash = g.manifest["model_hash"].get<std::string>();
        hw::vp::FastChip chip(g.data, g.datapath, hash);
        hw::vp::CardTarget card("card", chip, 1e9);  // a 1 GHz chip clock
        hw::vp::TlmPort port("driver", 1e9);
        port.socket.bind(card.socket);
        tlm::tlm_global_quantum::instance().set(sc_core::sc_time(100, sc_core::SC_US));
        hw::link::Card driver(port, hw::link::CardOptions{});
        hw::vp::HostThread host("host", [&] {
            // The host software: identify the card, then 16 tokens from BOS.
            driver.check_model(hash);
            const hw::link::Identity id = driver.identify();
            std::printf("card: dim %u, %u layers, vocabulary %u, datapath %u x %u x %u\n", id.dim,
                        id.n_layers, id.vocab_size, id.rows, id.lanes, id.attn_par);
            driver.reset();
            const hw::link::GenerateResult r =
                driver.generate({1}, 16, false, [](const hw::link::TokenEvent& e) {
                    std::printf("position %u: token %u at cycle %llu\n", e.pos, e.token,
                                static_cast<unsigned long long>(e.cycle));
                });
            std::printf("%u tokens generated (%s) in %llu chip cycles, %.1f us over the link\n",
                        r.generated, hw::link::name(r.end),
                        static_cast<unsigned long long>(r.cycles), r.time_s * 1e6);
            return r.generated == 16 ? 0 : 1;
        });
        sc_core::sc_start();
        return host.result();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vp_example: error: %s\n", e.what());
        return 2;
    }
}
