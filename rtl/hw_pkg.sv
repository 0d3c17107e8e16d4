// SPDX-License-Identifier: MIT
// hw_pkg: the datapath's shared constants and its one rounding/saturation rule
// (docs/numerics.md; golden/fixed.h is the executable form).

package hw_pkg;

  // ---- formats -------------------------------------------------------------------------
  /// Fraction bits of the vector unit's int32 values (Q15.16).
  localparam int unsigned Frac = 16;
  /// MAC activation word: signed, one power-of-two exponent per vector.
  localparam int unsigned ActBits = 16;
  /// Scale mantissa width; a row's mantissas share one 8-bit exponent.
  localparam int unsigned MantBits = 16;

  // ---- vector-unit functions --------------------------------------------------------------
  /// Table functions of hw_nonlinear.
  typedef enum logic [1:0] {
    NlRsqrt   = 2'd0,  // 1/sqrt(v), v unsigned 64-bit
    NlRecip   = 2'd1,  // 1/v
    NlExp2Neg = 2'd2,  // 2^-z, z Q16 >= 0
    NlSigmoid = 2'd3   // sigmoid(x), x Q16
  } nl_func_e;

  // ---- taps: the stages the write monitor announces (golden: hw::Stage, same order) ----------
  typedef enum logic [4:0] {
    TapEmbedding   = 5'd0,
    TapAttNorm     = 5'd1,
    TapQuery       = 5'd2,
    TapKey         = 5'd3,
    TapValue       = 5'd4,
    TapScores      = 5'd5,
    TapProbs       = 5'd6,
    TapAttention   = 5'd7,
    TapAttProj     = 5'd8,
    TapAttResidual = 5'd9,
    TapFfnNorm     = 5'd10,
    TapGate        = 5'd11,
    TapUp          = 5'd12,
    TapSwiGlu      = 5'd13,
    TapDown        = 5'd14,
    TapFfnResidual = 5'd15,
    TapFinalNorm   = 5'd16,
    TapLogits      = 5'd17,
    TapNone        = 5'd31
  } tap_e;

  // ---- the sequencer (hw_sequencer; golden/cycle_model.h: SeqOp, same order) -------------------
  /// Ops of the per-token program.
  typedef enum logic [3:0] {
    OpIdle = 4'd0, OpEmbed = 4'd1, OpRms = 4'd2, OpActQ = 4'd3, OpMv = 4'd4, OpRope = 4'd5,
    OpKvw = 4'd6, OpAttn = 4'd7, OpResid = 4'd8, OpSwiglu = 4'd9, OpDone = 4'd10,
    OpSample = 4'd11
  } op_e;

  /// Vectors of the activation scratch (hw_scratch); logits are its SRAM; VLr is an
  /// adapter's A x (the low-rank path, LoraRank elements).
  typedef enum logic [3:0] {
    VX = 4'd0, VXB = 4'd1, VXB2 = 4'd2, VQ = 4'd3, VK = 4'd4, VV = 4'd5, VHB = 4'd6, VHB2 = 4'd7,
    VLogits = 4'd8, VLr = 4'd9
  } vec_e;

  /// Operations of the vector unit (hw_vector_unit).
  typedef enum logic [2:0] {
    VuNone = 3'd0, VuEmbed = 3'd1, VuRmsGain = 3'd2, VuRope = 3'd3, VuSwiglu = 3'd4, VuResid = 3'd5
  } vu_op_e;

  /// Sources of the scratch's write port; WbMacAdd adds the MAC results to the elements
  /// there, saturating (the low-rank path's y += s B u).
  typedef enum logic [1:0] {
    WbVector = 2'd0, WbAttention = 2'd1, WbMac = 2'd2, WbMacAdd = 2'd3
  } wb_src_e;

  /// Weight ROM classes of the matrix read port.
  typedef enum logic [3:0] {
    WEmb = 4'd0, WCls = 4'd1, WQ = 4'd2, WK = 4'd3, WV = 4'd4, WO = 4'd5, W1 = 4'd6, W2 = 4'd7, W3 = 4'd8
  } wclass_e;

  // ---- rounding and saturation -----------------------------------------------------------

  // v / 2^sh rounded half up (arithmetic shift after adding half an LSB); sh <= 0 shifts
  // left exactly; sh >= 63 gives 0. Callers keep |v| < 2^62. (Functions assign their name
  // and have no output arguments: the subset Yosys 0.23 reads.)
  function automatic logic signed [63:0] round_shift(input logic signed [63:0] v,
                                                     input integer sh);
    if (sh <= 0)       round_shift = v <<< (-sh);
    else if (sh >= 63) round_shift = 64'sd0;
    else               round_shift = (v + (64'sd1 <<< (sh - 1))) >>> sh;
  endfunction

  // 1 when a 64-bit value lies outside int32.
  function automatic logic outside32(input logic signed [63:0] v);
    outside32 = (v > 64'sd2147483647) || (v < -64'sd2147483648);
  endfunction

  // Saturation of a 64-bit value to int32.
  function automatic logic signed [31:0] sat32(input logic signed [63:0] v);
    if (v > 64'sd2147483647)       sat32 = 32'sh7fffffff;
    else if (v < -64'sd2147483648) sat32 = 32'sh80000000;
    else                           sat32 = v[31:0];
  endfunction

  // requant32 of golden/fixed.h: round_shift, then saturate to int32, for any shift; a left
  // shift that would leave int32 saturates (zero never does).
  function automatic logic signed [31:0] requant32(input logic signed [63:0] v, input integer sh);
    logic signed [63:0] lim;
    lim = (-sh > 31) ? 64'sd0 : (64'sd1 <<< (31 + sh));
    if (sh < 0) begin
      if (v == 64'sd0)                requant32 = 32'sd0;
      else if (v >= lim || v < -lim)  requant32 = (v > 0) ? 32'sh7fffffff : 32'sh80000000;
      else                            requant32 = v[31:0] <<< (-sh);
    end else begin
      requant32 = sat32(round_shift(v, sh));
    end
  endfunction

  // 1 when requant32(v, sh) clamps (the saturation counters).
  function automatic logic requant32_sat(input logic signed [63:0] v, input integer sh);
    logic signed [63:0] lim;
    lim = (-sh > 31) ? 64'sd0 : (64'sd1 <<< (31 + sh));
    if (sh < 0) requant32_sat = (v != 64'sd0) && (v >= lim || v < -lim);
    else        requant32_sat = outside32(round_shift(v, sh));
  endfunction

  // ---- activation words (golden: IntModel::quantize_activations) --------------------------

  // Exponent of a vector's 16-bit MAC words from its largest magnitude: the smallest shift
  // that fits maxabs into 16 signed bits after rounding (one more if rounding carries it
  // over), at least min_shift; a zero vector gets max(0, min_shift).
  function automatic logic signed [7:0] act_shift(input logic [32:0] maxabs,
                                                  input logic signed [7:0] min_shift);
    integer len, s;
    len = 0;
    for (integer i = 0; i < 33; i++) if (maxabs[i]) len = i + 1;
    s = (maxabs == '0) ? 0 : len - 15;
    if (s < 32'(min_shift)) s = 32'(min_shift);
    if (round_shift(64'(maxabs), s) > 64'sd32767) s = s + 1;
    act_shift = s[7:0];
  endfunction

  // |v| of an int32, as 33 bits (|INT32_MIN| = 2^31).
  function automatic logic [32:0] abs33(input logic signed [31:0] v);
    abs33 = (v < 0) ? 33'd0 - {v[31], v} : {1'b0, v};
  endfunction

  // One MAC word: v / 2^shift rounded; fits 16 bits when shift came from act_shift.
  function automatic logic signed [15:0] act_word(input logic signed [31:0] v,
                                                  input logic signed [7:0] shift);
    act_word = 16'(round_shift(64'(v), 32'(shift)));
  endfunction

  // ---- host link --------------------------------------------------------------------------

  // CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of one 32-bit word, its bytes in
  // little-endian order, continuing from crc. A packet's CRC starts at 32'hffffffff and is
  // sent inverted (host/crc32.cc is the reference).
  function automatic logic [31:0] crc32_word(input logic [31:0] crc, input logic [31:0] word);
    logic [31:0] c;
    c = crc;
    for (integer b = 0; b < 32; b++) begin
      if (c[0] ^ word[b]) c = (c >> 1) ^ 32'hedb88320;
      else                c = c >> 1;
    end
    crc32_word = c;
  endfunction

endpackage
