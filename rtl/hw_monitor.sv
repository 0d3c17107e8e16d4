// SPDX-License-Identifier: MIT
// hw_monitor: the write monitor, the scoreboard's view of the datapath. Two sources, never
// at once: the scratch's tapped writes, announced by the sequencer and shown a cycle later
// with the elements read back from storage (what was stored, not what drove the write), and
// the attention unit's own results (KV rows, scores, probabilities), whose SRAMs the harness
// compares at every token's end. Element k
// belongs to (stage, layer or 255, index mon_index_o + k), or with mon_heads_o to head
// k % NHeads of position mon_index_o + k / NHeads; its value is mon_data_o[32k +: 32].

module hw_monitor #(
  /// Lanes of the monitor: max(VecLanes, the attention unit's NHeads x AttnPar).
  parameter int unsigned VecLanes = 64,
  parameter int unsigned MonLanes = 64
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  // Scratch writes: the sequencer's announcement in the write's cycle; the stored elements
  // the cycle after (hw_scratch's read-back).
  input  logic                      wr_valid_i,
  input  hw_pkg::tap_e              wr_stage_i,
  input  logic [7:0]                wr_layer_i,
  input  logic [31:0]               wr_base_i,
  input  logic [31:0]               wr_count_i,
  input  logic [VecLanes*32-1:0]    st_data_i,
  // The attention unit's stores (its layer is the sequencer's).
  input  logic                      at_valid_i,
  input  hw_pkg::tap_e              at_stage_i,
  input  logic [31:0]               at_index_i,
  input  logic [15:0]               at_count_i,
  input  logic                      at_heads_i,
  input  logic [MonLanes*32-1:0]    at_data_i,
  input  logic signed [7:0]         at_shift_i,

  output logic                      mon_valid_o,
  output hw_pkg::tap_e              mon_stage_o,
  output logic [7:0]                mon_layer_o,
  output logic [31:0]               mon_index_o,
  output logic [15:0]               mon_count_o,
  output logic                      mon_heads_o,
  output logic [MonLanes*32-1:0]    mon_data_o,
  output logic signed [7:0]         mon_shift_o
);

  // The announcement, held for the cycle the stored elements are read back.
  logic         wq_valid;
  hw_pkg::tap_e wq_stage;
  logic [7:0]   wq_layer;
  logic [31:0]  wq_base;
  logic [15:0]  wq_count;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wq_valid <= 1'b0;  wq_stage <= hw_pkg::TapNone;  wq_layer <= '0;  wq_base <= '0;
      wq_count <= '0;
    end else begin
      wq_valid <= wr_valid_i;
      if (wr_valid_i) begin
        wq_stage <= wr_stage_i;  wq_layer <= wr_layer_i;  wq_base <= wr_base_i;
        wq_count <= 16'(wr_count_i);
      end
    end
  end

  always_comb begin
    mon_valid_o = wq_valid || at_valid_i;
    if (at_valid_i) begin
      mon_stage_o = at_stage_i;  mon_layer_o = wr_layer_i;  mon_index_o = at_index_i;
      mon_count_o = at_count_i;  mon_heads_o = at_heads_i;  mon_data_o = at_data_i;
      mon_shift_o = at_shift_i;
    end else begin
      mon_stage_o = wq_stage;  mon_layer_o = wq_layer;  mon_index_o = wq_base;
      mon_count_o = wq_count;  mon_heads_o = 1'b0;  mon_data_o = (MonLanes*32)'(st_data_i);
      mon_shift_o = '0;
    end
  end

  logic unused_count;  // a write has at most VecLanes elements
  assign unused_count = ^wr_count_i[31:16];

`ifndef SYNTHESIS
  assert property (@(posedge clk_i) disable iff (!rst_ni) !(wq_valid && at_valid_i))
    else $error("hw_monitor: a stored write and an attention result announced at once");
`endif

endmodule
