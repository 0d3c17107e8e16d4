// SPDX-License-Identifier: MIT
// hw_vector_unit: the element-wise steps, VecLanes elements a cycle (SwiGLU SgLanes, the
// embedding Lanes): the embedding row's dequantization, RMSNorm's gain pass (and its rsqrt
// request), RoPE, SwiGLU (and its sigmoid requests) and the residual adds. Combinational
// from the scratch's chunk reads and the ROM words, bit-exact with golden/int_model.cc; the
// sequencer writes its results through the scratch's write port.

module hw_vector_unit #(
  parameter int unsigned Dim         = 64,
  parameter int unsigned NHeads      = 8,
  /// Elements a cycle (the scratch's chunk ports), weights per ROM row beat (the embedding),
  /// rows per ROM word, SwiGLU elements a cycle, table units.
  parameter int unsigned VecLanes    = 64,
  parameter int unsigned Lanes       = 64,
  parameter int unsigned Rows        = 1,
  parameter int unsigned SgLanes     = 8,
  parameter int unsigned NlUnits     = 8,
  /// Weight format: bits per weight, weights per scale mantissa (0: one per row), mantissas
  /// per row of the scale word.
  parameter int unsigned WeightBits  = 8,
  parameter int unsigned GroupSize   = 32,
  parameter int unsigned MaxGroups   = 6,
  /// RMSNorm gain word, eps; RoPE pairs per head.
  parameter int unsigned GainBits    = 24,
  parameter longint unsigned RmsEps  = 42,
  parameter int unsigned RopePairs   = 4
) (
  input  logic clk_i,
  input  logic rst_ni,

  // The operation of this cycle on count_i lanes, lane k being element base_i + k.
  input  hw_pkg::vu_op_e                         op_i,
  input  logic [31:0]                            base_i,
  input  logic [31:0]                            count_i,
  // Operands: the scratch's chunk reads (a: x, q, k or hb; b: the residual's source or hb2).
  input  logic [VecLanes*32-1:0]                 a_i,
  input  logic [VecLanes*32-1:0]                 b_i,

  // Embedding: the ROM word of the token's row group and the token's row in it (emb_slot_i),
  // with the row group's scale word (Rows x (MaxGroups mantissas, exponent)).
  input  logic [Rows*Lanes*WeightBits-1:0]       emb_w_i,
  input  logic [Rows*(MaxGroups*16+8)-1:0]       emb_scale_i,
  input  logic [31:0]                            emb_slot_i,

  // RMSNorm: rsqrt_req_i asks table unit 0 for 1/sqrt(ssq_i + eps); rsqrt_take_i keeps its
  // answer and the norm's exponent (frac_i); the gains of the chunk (VecLanes a word).
  input  logic                                   rsqrt_req_i,
  input  logic signed [63:0]                     ssq_i,
  input  logic                                   rsqrt_take_i,
  input  logic [7:0]                             frac_i,
  input  logic [VecLanes*GainBits-1:0]           gain_i,

  // RoPE: the position's ROM word, pair p's {sin, cos} at [34p +: 34].
  input  logic [RopePairs*34-1:0]                rope_i,

  // SwiGLU: sig_req_i asks the sigmoids of a_i's first sig_count_i lanes (the gate) and keeps
  // the gate for the product of the next cycle.
  input  logic                                   sig_req_i,
  input  logic [31:0]                            sig_count_i,

  // Table units: requests (rsqrt on unit 0, sigmoids on units 0..SgLanes-1) and results.
  output logic [NlUnits-1:0]                     nl_valid_o,
  output hw_pkg::nl_func_e                       nl_func_o,
  output logic [NlUnits*64-1:0]                  nl_arg_o,
  input  logic [NlUnits*64-1:0]                  nl_res_i,
  input  logic [NlUnits*7-1:0]                   nl_shift_i,

  // Results, and how many of them saturated.
  output logic [VecLanes*32-1:0]                 data_o,
  output logic [31:0]                            sats_o
);

  localparam int unsigned HeadSize     = Dim / NHeads;
  localparam int unsigned RowScaleBits = MaxGroups * 16 + 8;

  // ---- table requests --------------------------------------------------------------------------
  always_comb begin
    nl_valid_o = '0;
    nl_arg_o   = '0;
    nl_func_o  = rsqrt_req_i ? hw_pkg::NlRsqrt : hw_pkg::NlSigmoid;
    if (rsqrt_req_i) begin
      nl_valid_o[0] = 1'b1;
      nl_arg_o[63:0] = 64'(ssq_i) + 64'(RmsEps);
    end else if (sig_req_i) begin
      for (int u = 0; u < SgLanes; u++) begin
        if (32'(u) < sig_count_i) begin
          nl_valid_o[u] = 1'b1;
          nl_arg_o[u*64 +: 64] = 64'($signed(a_i[u*32 +: 32]));
        end
      end
    end
  end

  // RMSNorm's 1/sqrt (a Q16 mantissa in (2^15, 2^16] and a shift) and the norm's exponent;
  // SwiGLU's gate, kept for the product a cycle after its sigmoid was asked.
  logic [63:0]        r_q;
  logic [6:0]         rsh_q;
  logic signed [7:0]  frac_q;
  logic signed [31:0] gate_q [SgLanes];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_q <= '0;  rsh_q <= '0;  frac_q <= '0;
    end else if (rsqrt_take_i) begin
      r_q <= nl_res_i[63:0];  rsh_q <= nl_shift_i[6:0];  frac_q <= $signed(frac_i);
    end
  end
  for (genvar u = 0; u < SgLanes; u++) begin : gen_gate
    always_ff @(posedge clk_i) if (sig_req_i) gate_q[u] <= $signed(a_i[u*32 +: 32]);
  end

  // ---- the element-wise operations -------------------------------------------------------------
  always_comb begin
    logic signed [63:0] v64, prod, rot, silu, cos_v, sin_v;
    logic signed [31:0] self, partner, xr;
    logic [RowScaleBits-1:0] scale;
    logic [31:0]        e, g, rms_shift, emb_shift;
    int unsigned        p;
    data_o = '0;
    sats_o = '0;
    v64 = '0;  prod = '0;  rot = '0;  silu = '0;  cos_v = '0;  sin_v = '0;
    self = '0;  partner = '0;  xr = '0;  scale = '0;  e = '0;  g = '0;  p = 0;
    rms_shift = 32'(frac_q) - 8 + 32'({25'b0, rsh_q});
    emb_shift = '0;
    unique case (op_i)
      // x = w * mantissa of the weight's group, requantized by the row's exponent
      hw_pkg::VuEmbed: begin
        scale = emb_scale_i[emb_slot_i * RowScaleBits +: RowScaleBits];
`ifdef HW_FAULT_EMBED_SLOT
        // planted fault: the scales of the next row of the row group
        scale = emb_scale_i[((emb_slot_i + 1) % Rows) * RowScaleBits +: RowScaleBits];
`endif
        emb_shift = 32'({24'b0, scale[MaxGroups*16 +: 8]}) - 16;
        for (int k = 0; k < Lanes; k++) begin
          if (32'(k) < count_i) begin
            e = base_i + 32'(k);
            g = (GroupSize == 0) ? '0 : e / GroupSize;
            v64 = 64'($signed(emb_w_i[(emb_slot_i * Lanes + 32'(k)) * WeightBits +: WeightBits])) *
                  64'(scale[g * 16 +: 16]);
            data_o[k*32 +: 32] = hw_pkg::requant32(v64, emb_shift);
            sats_o = sats_o + 32'(hw_pkg::requant32_sat(v64, emb_shift));
          end
        end
      end
      // xb = requant(rs(x * r, 16) * gain, frac - 8 + rsh). Operand widths from
      // docs/numerics.md: r in (2^15, 2^16] (17 bits, asserted below), |rs(x * r, 16)| <= |x|
      // (32 bits), so the products are 32 x 18 and 32 x 24 bits.
      hw_pkg::VuRmsGain: begin
        for (int k = 0; k < VecLanes; k++) begin
          if (32'(k) < count_i) begin
            xr = 32'(hw_pkg::round_shift(64'($signed(a_i[k*32 +: 32])) *
                                         64'($signed({1'b0, r_q[16:0]})), 16));
`ifdef HW_FAULT_ROUNDING
            xr = 32'((64'($signed(a_i[k*32 +: 32])) * 64'($signed({1'b0, r_q[16:0]}))) >>> 16);  // planted fault: truncation
`endif
            prod = 64'(xr) * 64'($signed(gain_i[k*GainBits +: GainBits]));
            data_o[k*32 +: 32] = hw_pkg::requant32(prod, rms_shift);
            sats_o = sats_o + 32'(hw_pkg::requant32_sat(prod, rms_shift));
          end
        end
      end
      // RoPE of pair (2i, 2i+1): even e gives x0*cos - x1*sin, odd e x0*sin + x1*cos, requantized
      // to Q16 from 15 fraction bits. Chunks start at multiples of VecLanes (even), so both
      // elements of a pair are in one chunk.
      hw_pkg::VuRope: begin
        for (int k = 0; k < VecLanes; k++) begin
          if (32'(k) < count_i) begin
            e = base_i + 32'(k);
            // the pair's frequency; a constant per lane when chunks start at head boundaries
            p = (VecLanes % HeadSize == 0) ? (k % HeadSize) / 2 : (e % HeadSize) / 2;
            cos_v = 64'($signed(rope_i[p * 34 +: 17]));
            sin_v = 64'($signed(rope_i[p * 34 + 17 +: 17]));
            self = $signed(a_i[k*32 +: 32]);
            partner = $signed(a_i[(k ^ 1)*32 +: 32]);
            if (k % 2 == 0) rot = 64'(self) * cos_v - 64'(partner) * sin_v;
            else            rot = 64'(partner) * sin_v + 64'(self) * cos_v;
`ifdef HW_FAULT_ROPE_SIGN
            if (k % 2 == 1) rot = 64'(self) * cos_v - 64'(partner) * sin_v;  // planted fault: a sign
`endif
            data_o[k*32 +: 32] = hw_pkg::requant32(rot, 15);
            sats_o = sats_o + 32'(hw_pkg::requant32_sat(rot, 15));
          end
        end
      end
      // hb = requant(rs(g * sigmoid(g), 16) * up, 16); sigmoid is Q16 in [0, 1.0], 17 bits
      hw_pkg::VuSwiglu: begin
        for (int k = 0; k < SgLanes; k++) begin
          if (32'(k) < count_i) begin
            silu = hw_pkg::round_shift(64'(gate_q[k]) * 64'($signed({1'b0, nl_res_i[k*64 +: 17]})), 16);
            prod = silu * 64'($signed(b_i[k*32 +: 32]));
`ifdef HW_FAULT_SWIGLU_UP
            prod = silu * 64'(gate_q[k]);  // planted fault: the gate in place of the up projection
`endif
            data_o[k*32 +: 32] = hw_pkg::requant32(prod, 16);
            sats_o = sats_o + 32'(hw_pkg::requant32_sat(prod, 16));
          end
        end
      end
      // x += src, saturating
      hw_pkg::VuResid: begin
        for (int k = 0; k < VecLanes; k++) begin
          if (32'(k) < count_i) begin
            v64 = 64'($signed(a_i[k*32 +: 32])) + 64'($signed(b_i[k*32 +: 32]));
            data_o[k*32 +: 32] = hw_pkg::sat32(v64);
`ifdef HW_FAULT_SAT_SKIP
            data_o[k*32 +: 32] = v64[31:0];  // planted fault: the sum wraps instead of saturating
`endif
            sats_o = sats_o + 32'(hw_pkg::outside32(v64));
          end
        end
      end
      default: ;
    endcase
  end

  // ---- checks --------------------------------------------------------------------------------
  if (Lanes > VecLanes || SgLanes > VecLanes || SgLanes > NlUnits || VecLanes % 2 != 0) begin : gen_bad_widths
    $fatal(1, "hw_vector_unit: needs Lanes <= VecLanes, SgLanes <= min(VecLanes, NlUnits), even VecLanes");
  end

`ifndef SYNTHESIS
  // RMSNorm's gain pass multiplies by r's low 17 bits and by rs(x * r, 16)'s low 32 bits:
  // both are all there is (docs/numerics.md, RMSNorm steps 3 and 4).
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   op_i == hw_pkg::VuRmsGain |-> r_q > 64'd32768 && r_q <= 64'd65536)
    else $error("hw_vector_unit: RMSNorm's r = %0d outside (2^15, 2^16]", r_q);
  // SwiGLU multiplies by the sigmoids' low 17 bits: the table's range is [0, 1.0] in Q16.
  logic sigmoid_over;
  always_comb begin
    sigmoid_over = 1'b0;
    if (op_i == hw_pkg::VuSwiglu) begin
      for (int k = 0; k < SgLanes; k++) begin
        if (32'(k) < count_i && nl_res_i[k*64 +: 64] > 64'd65536) sigmoid_over = 1'b1;
      end
    end
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni) !sigmoid_over)
    else $error("hw_vector_unit: a SwiGLU sigmoid above 1.0 (Q16)");
  // Embedding chunks are one ROM beat (Lanes), the others at most the port.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   op_i != hw_pkg::VuNone |-> count_i >= 1 &&
                   count_i <= ((op_i == hw_pkg::VuEmbed) ? Lanes :
                               (op_i == hw_pkg::VuSwiglu) ? SgLanes : VecLanes))
    else $error("hw_vector_unit: op %0d on %0d lanes", op_i, count_i);
`endif

endmodule
