// SPDX-License-Identifier: MIT
// Test top: the weight path of hw_core, hw_weight_unpack then hw_mac_cluster, so one block
// test drives the cluster with words packed at every width a mixed chip uses.
module hw_unpack_cluster #(
  parameter int unsigned Rows       = 2,
  parameter int unsigned Lanes      = 16,
  parameter int unsigned WeightBits = 8,
  parameter int unsigned Widths     = 32'h158,
  parameter int unsigned GroupSize  = 16,
  parameter int unsigned MaxGroups  = 8,
  parameter int unsigned MaxBeats   = 16
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  input  logic [3:0]                            bits_i,
  input  logic                                  beat_valid_i,
  output logic                                  beat_ready_o,
  input  logic                                  beat_last_i,
  input  logic [Rows*Lanes*WeightBits-1:0]      beat_w_i,
  input  logic [Lanes*32-1:0]                   beat_x_i,
  input  logic [Rows*(MaxGroups*16+8)-1:0]      beat_scale_i,
  input  logic signed [7:0]                     act_shift_i,
  output logic                                  res_valid_o,
  input  logic                                  res_ready_i,
  output logic [Rows*32-1:0]                    res_data_o,
  output logic [31:0]                           res_sats_o,
  output logic                                  mac_busy_o
);
  logic [Rows*Lanes*WeightBits-1:0] weights;
  hw_weight_unpack #(.Rows(Rows), .Lanes(Lanes), .WeightBits(WeightBits), .Widths(Widths)) u_unpack (
    .bits_i, .word_i(beat_w_i), .weights_o(weights)
  );
  hw_mac_cluster #(
    .Rows(Rows), .Lanes(Lanes), .WeightBits(WeightBits), .GroupSize(GroupSize),
    .MaxGroups(MaxGroups), .MaxBeats(MaxBeats)
  ) u_cluster (
    .clk_i, .rst_ni, .beat_valid_i, .beat_ready_o, .beat_last_i, .beat_w_i(weights), .beat_x_i,
    .beat_scale_i, .act_shift_i, .res_valid_o, .res_ready_i, .res_data_o, .res_sats_o, .mac_busy_o
  );
endmodule
