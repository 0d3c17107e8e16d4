// SPDX-License-Identifier: MIT
// hw_act_quant: activation quantization (golden: IntModel::quantize_activations), Lanes
// elements per cycle. The vector's shift s (value = word * 2^(s-16)) comes from its largest
// magnitude, which the sequencer gathers while the vector is written, so no pass over the
// vector is needed; each element rounds to a 16-bit word with that shift.

module hw_act_quant #(
  parameter int unsigned Lanes = 16
) (
  // Clock and reset for the range assertion only; valid_i marks cycles with data.
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      valid_i,

  // The vector's largest |v| (33 bits: |INT32_MIN| = 2^31) and the floor of its shift:
  // 0 for KV-cache rows, -128 for MAC inputs.
  input  logic [32:0]               maxabs_i,
  input  logic signed [7:0]         min_shift_i,
  output logic signed [7:0]         shift_o,

  // Lanes elements (Q16, 32 bits each) and their words (16 bits each).
  input  logic [Lanes*32-1:0]       data_i,
  output logic [Lanes*16-1:0]       word_o
);

  assign shift_o = hw_pkg::act_shift(maxabs_i, min_shift_i);

  // Words are 0 while valid_i is low (operand isolation: idle lanes do not toggle, and a
  // simulator skips them).
  logic [Lanes-1:0] fits;  // the word fits 16 bits (the spec has no clamp)
  always_comb begin
    logic signed [63:0] w;
    w = '0;
    word_o = '0;
    fits = '1;
    if (valid_i) begin
      for (int k = 0; k < Lanes; k++) begin
        w = hw_pkg::round_shift(64'($signed(data_i[k*32 +: 32])), 32'(shift_o));
        word_o[k*16 +: 16] = w[15:0];
        fits[k] = w >= -64'sd32768 && w <= 64'sd32767;
      end
    end
  end

`ifdef SYNTHESIS
  logic unused_check;
  assign unused_check = ^{clk_i, rst_ni, fits};
`else
  // With the shift of the vector's own maximum, every element of it fits 16 bits.
  assert property (@(posedge clk_i) disable iff (!rst_ni) valid_i |-> &fits)
    else $error("hw_act_quant: words %b of %0d do not fit 16 bits (shift %0d)", ~fits, Lanes,
                shift_o);
`endif

endmodule
