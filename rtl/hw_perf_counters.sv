// SPDX-License-Identifier: MIT
// hw_perf_counters: the core's performance counters since reset: cycles, cycles with the MAC
// cluster busy, cycles per class of step (matrix products, attention, the other vector
// steps: the classes of golden/cycle_model.h), tokens decoded and values saturated.

module hw_perf_counters (
  input  logic        clk_i,
  input  logic        rst_ni,

  // What the core does this cycle: the sequencer's op, a MAC beat accepted, and the values
  // each datapath saturated.
  input  hw_pkg::op_e op_i,
  input  logic        mac_busy_i,
  input  logic [31:0] vu_sats_i,
  input  logic [31:0] at_sats_i,
  input  logic [31:0] mac_sats_i,

  output logic [63:0] cycles_o,
  output logic [63:0] mac_busy_o,
  output logic [63:0] matvec_cycles_o,
  output logic [63:0] attention_cycles_o,
  output logic [63:0] vector_cycles_o,
  output logic [31:0] tokens_o,
  output logic [31:0] saturations_o
);

  logic [63:0] cyc_q, busy_q, mvc_q, attc_q, vecc_q;
  logic [31:0] tok_q, sat_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cyc_q <= '0;  busy_q <= '0;  mvc_q <= '0;  attc_q <= '0;  vecc_q <= '0;  tok_q <= '0;
      sat_q <= '0;
    end else begin
      cyc_q <= cyc_q + 1;
      if (mac_busy_i) busy_q <= busy_q + 1;
      if (op_i == hw_pkg::OpMv)         mvc_q <= mvc_q + 1;
      else if (op_i == hw_pkg::OpAttn)  attc_q <= attc_q + 1;
      else if (op_i != hw_pkg::OpIdle)  vecc_q <= vecc_q + 1;
      if (op_i == hw_pkg::OpDone) tok_q <= tok_q + 1;
      sat_q <= sat_q + vu_sats_i + at_sats_i + mac_sats_i;
    end
  end
  assign cycles_o           = cyc_q;
  assign mac_busy_o         = busy_q;
  assign matvec_cycles_o    = mvc_q;
  assign attention_cycles_o = attc_q;
  assign vector_cycles_o    = vecc_q;
  assign tokens_o           = tok_q;
  assign saturations_o      = sat_q;

`ifndef SYNTHESIS
`include "hw_cover.svh"
  `HW_COVER(c_saturation, vu_sats_i != '0 || at_sats_i != '0 || mac_sats_i != '0)
`endif

endmodule
