// SPDX-License-Identifier: MIT
// hw_adapter_sram: the LoRA adapters' SRAM (golden/adapter_layout.h has its layout). Each
// word is one MAC beat (a row group's int8 weights, then its scales); the host link writes
// it 32 bits at a time, so the macro has a write mask per 32-bit lane. Single port: the
// endpoint writes only while no generation runs, the sequencer reads only while one does.
// Behavioural, like hw_sram: read data the cycle after a read, contents undefined after
// reset.

module hw_adapter_sram #(
  /// Beat words (slots x a slot's beats) and their width.
  parameter int unsigned Depth     = 2,
  parameter int unsigned Width     = 616,
  /// log2 of the 32-bit words a beat takes in the host's address space (its padded width).
  parameter int unsigned LaneBits  = 5
) (
  input  logic                     clk_i,

  // Write: 32-bit word wlane_i of beat waddr_i (the host's address, split).
  input  logic                     we_i,
  input  logic [31:0]              waddr_i,
  input  logic [31:0]              wlane_i,
  input  logic [31:0]              wdata_i,
  // Read: beat raddr_i, its data the next cycle.
  input  logic                     re_i,
  input  logic [31:0]              raddr_i,
  output logic [Width-1:0]         rdata_o
);

  localparam int unsigned Lanes  = 1 << LaneBits;
  localparam int unsigned Padded = Lanes * 32;
  localparam int unsigned Aw     = (Depth > 1) ? $clog2(Depth) : 1;

  logic [Padded-1:0] mem_q [Depth];
  logic [Padded-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (we_i)      mem_q[Aw'(waddr_i)][(wlane_i % Lanes) * 32 +: 32] <= wdata_i;
    else if (re_i) rdata_q <= mem_q[Aw'(raddr_i)];
  end
  assign rdata_o = rdata_q[Width-1:0];

  if (Padded < Width) begin : gen_bad_width
    $fatal(1, "hw_adapter_sram: 2^LaneBits 32-bit words must hold Width bits");
  end

`ifndef SYNTHESIS
  logic unused_pad;
  assign unused_pad = ^rdata_q;
  // The endpoint checks addresses against the slots' size; the sequencer's come from the layout.
  assert property (@(posedge clk_i) !((we_i && (waddr_i >= Depth || wlane_i >= Lanes)) || (re_i && raddr_i >= Depth)))
    else $error("hw_adapter_sram: access beyond %0d beats (write %0d.%0d, read %0d)", Depth,
                waddr_i, wlane_i, raddr_i);
  assert property (@(posedge clk_i) !(we_i && re_i))
    else $error("hw_adapter_sram: a write and a read in the same cycle");
`endif

endmodule
