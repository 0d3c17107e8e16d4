// SPDX-License-Identifier: MIT
// hw_pkg_funcs: test-only wrapper (tests/test_pkg_funcs.cc) that exposes the vector unit's
// rounding, saturation and activation-word functions of hw_pkg as ports, so the block test
// can compare each with golden/fixed.h over its input range.

module hw_pkg_funcs (
  input  logic signed [63:0] v_i,
  input  logic signed [31:0] sh_i,
  output logic signed [63:0] round_shift_o,
  output logic signed [31:0] sat32_o,
  output logic               outside32_o,
  output logic signed [31:0] requant32_o,
  output logic               requant32_sat_o,

  input  logic [32:0]        maxabs_i,
  input  logic signed [7:0]  min_shift_i,
  output logic signed [7:0]  act_shift_o,
  input  logic signed [31:0] x_i,
  input  logic signed [7:0]  x_shift_i,
  output logic signed [15:0] act_word_o,
  output logic [32:0]        abs33_o
);
  assign round_shift_o   = hw_pkg::round_shift(v_i, sh_i);
  assign sat32_o         = hw_pkg::sat32(v_i);
  assign outside32_o     = hw_pkg::outside32(v_i);
  assign requant32_o     = hw_pkg::requant32(v_i, sh_i);
  assign requant32_sat_o = hw_pkg::requant32_sat(v_i, sh_i);
  assign act_shift_o     = hw_pkg::act_shift(maxabs_i, min_shift_i);
  assign act_word_o      = hw_pkg::act_word(x_i, x_shift_i);
  assign abs33_o         = hw_pkg::abs33(x_i);
endmodule
