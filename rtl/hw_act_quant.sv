// SPDX-License-Identifier: MIT
// hw_act_quant: activation quantization (golden: IntModel::quantize_activations). Pass 1
// streams a Q16 vector and yields its shift s (value = word * 2^(s-16)); pass 2 rounds each
// element to a 16-bit MAC word with that shift.

module hw_act_quant (
  input  logic clk_i,
  input  logic rst_ni,

  // Pass 1: the vector's elements, in_last_i on the final one. min_shift_i (sampled with
  // the last element) floors the shift: 0 for KV-cache rows, -128 for MAC inputs.
  input  logic               in_valid_i,
  output logic               in_ready_o,
  input  logic signed [31:0] in_data_i,
  input  logic               in_last_i,
  input  logic signed [7:0]  min_shift_i,

  // The vector's shift, held until taken.
  output logic               shift_valid_o,
  input  logic               shift_ready_i,
  output logic signed [7:0]  shift_o,

  // Pass 2 (combinational): word_o = round_shift(word_data_i, word_shift_i), 16 bits;
  // word_valid_i marks real conversions (for the range assertion only).
  input  logic               word_valid_i,
  input  logic signed [31:0] word_data_i,
  input  logic signed [7:0]  word_shift_i,
  output logic signed [15:0] word_o
);

  logic [32:0]        maxabs_q, maxabs_d;  // |INT32_MIN| = 2^31 needs 33 bits unsigned
  logic               shift_valid_q, shift_valid_d;
  logic signed [7:0]  shift_q, shift_d;

  assign in_ready_o = !shift_valid_q || shift_ready_i;

  always_comb begin
    logic [32:0] m;
    maxabs_d      = maxabs_q;
    shift_valid_d = shift_valid_q && !shift_ready_i;
    shift_d       = shift_q;
    m = '0;
    if (in_valid_i && in_ready_o) begin
      m = hw_pkg::abs33(in_data_i);
      if (m < maxabs_q) m = maxabs_q;
      if (in_last_i) begin
        shift_d       = hw_pkg::act_shift(m, min_shift_i);
        shift_valid_d = 1'b1;
        maxabs_d      = '0;
      end else begin
        maxabs_d = m;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      maxabs_q      <= '0;
      shift_valid_q <= 1'b0;
      shift_q       <= '0;
    end else begin
      maxabs_q      <= maxabs_d;
      shift_valid_q <= shift_valid_d;
      shift_q       <= shift_d;
    end
  end

  assign shift_valid_o = shift_valid_q;
  assign shift_o       = shift_q;

  logic signed [63:0] word_full;
  assign word_full = hw_pkg::round_shift(64'(word_data_i), 32'(word_shift_i));
  assign word_o    = word_full[15:0];
`ifdef SYNTHESIS
  logic unused_word_valid;
  assign unused_word_valid = word_valid_i;  // used by the assertion only
`endif

`ifndef SYNTHESIS
  // With the vector's own shift, every word fits 16 bits (no clamp exists in the spec).
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   word_valid_i |-> (word_full >= -64'sd32768 && word_full <= 64'sd32767))
    else $error("hw_act_quant: word %0d does not fit 16 bits", word_full);
`endif

endmodule
