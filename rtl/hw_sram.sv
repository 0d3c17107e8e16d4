// SPDX-License-Identifier: MIT
// hw_sram: single-port synchronous SRAM, behavioural. The one place a foundry SRAM macro is
// swapped in (KV cache, activation scratch): read data appears the cycle after a read, a
// write does not change rdata_o (no write-through), contents are undefined after reset.

module hw_sram #(
  /// Words.
  parameter int unsigned Depth = 256,
  /// Bits per word.
  parameter int unsigned Width = 32
) (
  // No reset: a macro's array and output latch have none.
  input  logic                     clk_i,

  // One access per cycle: req_i with we_i writes wdata_i to addr_i, without we_i reads it.
  input  logic                     req_i,
  input  logic                     we_i,
  input  logic [$clog2(Depth)-1:0] addr_i,
  input  logic [Width-1:0]         wdata_i,
  output logic [Width-1:0]         rdata_o
);

  // Public to the simulator: the harness compares the KV cache's and the logits' contents
  // with the golden model at the end of every token, and fast-forward loads the KV cache of
  // the positions the transaction-level model decoded (sim/backdoor.h). Simulation only: no
  // path on the chip reads or writes it.
  logic [Width-1:0] mem_q [Depth] /*verilator public_flat_rw*/;

  always_ff @(posedge clk_i) begin
    if (req_i) begin
      if (we_i) mem_q[addr_i] <= wdata_i;
      else      rdata_o <= mem_q[addr_i];
    end
  end

  if (Depth < 2) begin : gen_bad_depth
    $fatal(1, "hw_sram: Depth must be at least 2");
  end

`ifndef SYNTHESIS
  // An access beyond Depth (when Depth is not a power of two) is a sequencer bug.
  assert property (@(posedge clk_i) req_i |-> 32'(addr_i) < Depth)
    else $error("hw_sram: address %0d beyond depth %0d", addr_i, Depth);
`endif

endmodule
