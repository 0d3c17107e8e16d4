// SPDX-License-Identifier: MIT
// The transaction-level model (vp/fast_chip.h) through the driver: the endpoint's transaction
// layer as docs/host-interface.md defines it and chip_sim's linktest cases check it on the
// RTL (statuses, TL_ERRORS, end codes, the sampler's and the adapter SRAM's registers), and
// its tokens and cycles the golden model's and the cycle model's. Without SystemC: a small
// synchronous port stands in for the sockets (the TLM-level runs are tests/test_vp.cc).
#include <catch2/catch.hpp>

#include "adapter_layout.h"
#include "chip_data.h"
#include "crc32.h"
#include "cycle_model.h"
#include "direct_port.h"
#include "driver.h"
#include "fast_chip.h"
#include "link_protocol.h"
#include "lora.h"
#include "synthetic.h"

using Catch::Contains;
using hw::link::End;
using hw::link::Status;
using hw::link::Type;
namespace reg = hw::link::reg;

namespace {

using hw::vp::DirectPort;

const char* const kHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A grouped-query one-layer model on rows of 3, 32 lanes, 2 positions a cycle, 2 adapter slots.
struct Bench {
    hw::Model model = hw::make_synthetic_model(hw::parse_synthetic_spec(
        "dim=48,hidden=100,layers=1,heads=6,kv_heads=2,vocab=300,seq_len=32,seed=2"));
    hw::ChipData data = hw::make_chip_data(model, hw::WeightFormat{});
    hw::Datapath dp = [] {
        hw::Datapath d{3, 32, 2};
        d.lora_slots = 2;
        d.lora_rank = 8;
        return d;
    }();
    hw::vp::FastChip chip{data, dp, kHash};
    DirectPort port{chip};
    hw::link::Card card{port, hw::link::CardOptions{}};
};

}  // namespace

TEST_CASE("fast chip: tokens and cycles are the golden model's and the cycle model's",
          "[fast][vp]") {
    Bench b;
    b.card.check_model(kHash);
    const hw::link::Identity id = b.card.identify();
    CHECK(id.dim == 48);
    CHECK(id.rows == 3);
    CHECK(id.attn_par == 2);
    b.card.reset();
    const auto r = b.card.generate({1, 7, 9}, 12, true, {});
    REQUIRE(r.end == End::Done);
    REQUIRE(r.tokens.size() == 14);  // 2 prompt positions, then 12 generated
    hw::IntModel golden(b.data.q, b.data.tables);
    int input = 1;
    for (const auto& e : r.tokens) {
        const int pos = static_cast<int>(e.pos);
        const auto& logits = golden.forward(input, pos);
        CHECK(std::vector<std::int32_t>(e.logits) == logits);
        CHECK(static_cast<int>(e.token) == hw::argmax_int(logits));
        CHECK(b.chip.timings()[std::size_t(pos)].cycles ==
              static_cast<std::uint64_t>(
                  hw::token_cycles(b.model.config, hw::WeightFormat{}, b.dp, pos).total));
        input = pos == 0 ? 7 : pos == 1 ? 9 : static_cast<int>(e.token);
    }
    CHECK(b.card.read(reg::POSITION) == 14);
    CHECK(b.card.read(reg::GENERATED) == 12);
    CHECK(b.card.read(reg::TOKENS) == 14);
    CHECK(b.card.read(reg::TL_ERRORS) == 0);
    // A later generation continues the context (the positions after 13).
    const auto more = b.card.generate({static_cast<int>(r.tokens.back().token)}, 3, false, {});
    CHECK(more.tokens.front().pos == 14);
}

TEST_CASE("fast chip: requests get the RTL's statuses and TL_ERRORS counts them", "[fast][vp]") {
    Bench b;
    CHECK(b.card.request(Type::RegRead, {0x1000}).status == Status::Unsupported);
    CHECK(b.card.request(Type::RegWrite, {reg::DIM, 5}).status == Status::ReadOnly);
    CHECK(b.card.read(reg::DIM) == 48);
    CHECK(b.card.request(Type::RegRead, {reg::ID, 7, 7}).status == Status::Malformed);
    CHECK(b.card.request(static_cast<Type>(0x7e), {0}).status == Status::Unsupported);
    // The sampler's registers refuse values out of range and keep their own.
    b.card.write(reg::SAMPLE_TOP_K, 64);
    CHECK(b.card.request(Type::RegWrite, {reg::SAMPLE_TOP_K, 65}).status == Status::Range);
    CHECK(b.card.read(reg::SAMPLE_TOP_K) == 64);
    CHECK(b.card.request(Type::RegWrite, {reg::SAMPLE_TOP_P, 0}).status == Status::Range);
    CHECK(b.card.request(Type::RegWrite, {reg::SAMPLE_INV_TEMP, 0x1000001u}).status ==
          Status::Range);
    CHECK(b.card.read(reg::TL_ERRORS) == 7);
    CHECK_THROWS_WITH(b.card.write(reg::ID, 0), Contains("READ_ONLY"));
    // While a generation runs: BUSY for what must not change, then STOP ends it.
    b.card.write(reg::STEPS, 200);
    b.card.write(reg::CONTROL, 2u);
    CHECK(b.card.request(Type::RegWrite, {reg::POSITION, 3}).status == Status::Busy);
    CHECK(b.card.request(Type::RegWrite, {reg::ADAPTER_SELECT, 1}).status == Status::Busy);
    CHECK(b.card.request(Type::AdapterWrite, {0u, 5u}, 1).status == Status::Busy);
    CHECK((b.card.read(reg::STATUS) & 1u) == 1u);
    b.card.write(reg::CONTROL, 4u);
    const auto m = b.card.next_message(1000000);
    CHECK(static_cast<Type>(m[0] >> 24) == Type::Ready);
    CHECK(static_cast<End>(m[0] & 0xff) == End::Stopped);
}

TEST_CASE("fast chip: the end codes of bad prompts", "[fast][vp]") {
    {
        Bench b;
        b.card.reset();
        CHECK_THROWS_WITH(b.card.generate({1, 300}, 4, false, {}), Contains("BAD_TOKEN"));
        CHECK(b.card.read(reg::STATUS) == ((2u << 8) | 2u));  // not running, error, BAD_TOKEN
        CHECK(b.card.read(reg::TL_ERRORS) == 1);
    }
    {
        Bench b;
        b.card.reset();
        CHECK_THROWS_WITH(b.card.generate(std::vector<int>(33, 1), 1, false, {}),
                          Contains("CONTEXT_FULL"));
        CHECK(b.card.read(reg::TL_ERRORS) == 1);  // the prompt token beyond the context
        CHECK(b.card.read(reg::POSITION) == 32);
    }
    {
        Bench b;
        b.card.post({hw::link::tl_header(Type::TokenIn, 0, 1), 5});
        b.card.run(10);
        CHECK(((b.card.read(reg::STATUS) >> 8) & 0xff) ==
              static_cast<std::uint32_t>(End::NotRunning));
        CHECK(b.card.read(reg::TL_ERRORS) == 1);
    }
}

TEST_CASE("fast chip: adapters written over the driver serve bit-exactly and hash as the RTL's",
          "[fast][vp]") {
    Bench b;
    const hw::Config& c = b.model.config;
    const hw::QAdapter q =
        hw::quantize_adapter(hw::make_synthetic_adapter(c, "r=4,targets=q,v,down,seed=6"));
    const hw::AdapterLayout layout(c, b.dp);
    const hw::AdapterImage img = hw::adapter_image(q, layout);
    const std::uint32_t hash = b.card.load_adapter(
        1, img.words, img.targets, static_cast<std::uint32_t>(layout.beat_words),
        static_cast<std::uint32_t>((layout.beat_bits + 31) / 32));
    CHECK(b.card.adapter_hash(1) == hash);
    CHECK(b.card.read(reg::ADAPTER_TARGETS) == img.targets);
    // Refusals: a count of 0, words past the slot, slots and targets out of range.
    CHECK(b.card.request(Type::AdapterWrite, {0u}, 0).status == Status::Malformed);
    CHECK(
        b.card.request(Type::AdapterWrite, {static_cast<std::uint32_t>(layout.slot_words()), 1u}, 1)
            .status == Status::Range);
    CHECK(b.card.request(Type::RegWrite, {reg::ADAPTER_SLOT, 2}).status == Status::Range);
    CHECK(b.card.request(Type::RegWrite, {reg::ADAPTER_TARGETS, 128}).status == Status::Range);
    CHECK(b.card.request(Type::RegWrite, {reg::ADAPTER_SELECT, 3}).status == Status::Range);
    CHECK(b.card.adapter_hash(1) == hash);
    // Served from slot 1: the golden model with the same adapter gives the same tokens.
    b.card.select_adapter(1);
    b.card.reset();
    const auto r = b.card.generate({1}, 10, false, {});
    hw::IntModel golden(b.data.q, b.data.tables);
    golden.set_adapter(&q);
    int input = 1;
    const hw::SamplerPasses greedy;
    for (const auto& e : r.tokens) {
        const int pos = static_cast<int>(e.pos);
        CHECK(static_cast<int>(e.token) == hw::argmax_int(golden.forward(input, pos)));
        CHECK(b.chip.timings()[std::size_t(pos)].cycles ==
              static_cast<std::uint64_t>(
                  hw::token_cycles(c, hw::WeightFormat{}, b.dp, pos, greedy, img.targets).total));
        input = static_cast<int>(e.token);
    }
    // Unloaded, the slot adapts nothing: the etched model's tokens again.
    b.card.unload_adapter(1);
    CHECK(b.card.read(reg::ADAPTER_HASH) == 0u);
    b.card.reset();
    const auto plain = b.card.generate({1}, 10, false, {});
    hw::IntModel etched(b.data.q, b.data.tables);
    input = 1;
    for (const auto& e : plain.tokens) {
        CHECK(static_cast<int>(e.token) ==
              hw::argmax_int(etched.forward(input, static_cast<int>(e.pos))));
        input = static_cast<int>(e.token);
    }
}
