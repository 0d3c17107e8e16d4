// SPDX-License-Identifier: MIT
// hw_nonlinear: the vector unit's table functions (golden/nonlinear.cc): 1/sqrt and 1/x of a
// 64-bit integer, 2^-z of a Q16 z >= 0, and the sigmoid of a Q16 x. Stage 1 normalises the
// argument and reads the generated table ROM (word k = {e[k+1], e[k]}); stage 2 interpolates.

module hw_nonlinear #(
  /// log2 segments of each table (the generated package's *_INDEX_BITS).
  parameter int unsigned RsqrtIndexBits   = 9,
  parameter int unsigned RecipIndexBits   = 9,
  parameter int unsigned Exp2IndexBits    = 8,
  parameter int unsigned SigmoidIndexBits = 10,
  /// sigmoid is 0 below -SigmoidRange and 1.0 from +SigmoidRange (a power of two).
  parameter int unsigned SigmoidRange     = 16,
  /// Entry widths (TABLE_ENTRY_BITS, EXP2_ENTRY_BITS).
  parameter int unsigned EntryBits        = 17,
  parameter int unsigned Exp2EntryBits    = 31
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Requests: func_i selects the function; arg_i is v (rsqrt, recip: unsigned, 0 read as 1),
  // z (exp2neg: Q16, >= 0) or x (sigmoid: Q16, sign-extended).
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  hw_pkg::nl_func_e req_func_i,
  input  logic [63:0] req_arg_i,

  // Table ROM ports of the generated ROM bank (data one cycle after en).
  output logic                       rsqrt_en_o,
  output logic [RsqrtIndexBits-1:0]  rsqrt_addr_o,
  input  logic [2*EntryBits-1:0]     rsqrt_data_i,
  output logic                       recip_en_o,
  output logic [RecipIndexBits-1:0]  recip_addr_o,
  input  logic [2*EntryBits-1:0]     recip_data_i,
  output logic                       exp2neg_en_o,
  output logic [Exp2IndexBits-1:0]   exp2neg_addr_o,
  input  logic [2*Exp2EntryBits-1:0] exp2neg_data_i,
  output logic                       sigmoid_en_o,
  output logic [SigmoidIndexBits-1:0] sigmoid_addr_o,
  input  logic [2*EntryBits-1:0]     sigmoid_data_i,

  // Results: rsqrt/recip give a Q16 mantissa and a shift (f(v) ~= data * 2^-(16 + shift));
  // exp2neg gives Q30; sigmoid gives Q16 (shift 0).
  output logic        res_valid_o,
  input  logic        res_ready_i,
  output logic [63:0] res_data_o,
  output logic [6:0]  res_shift_o
);

  localparam int unsigned RsqrtFracBits   = 32 - RsqrtIndexBits;
  localparam int unsigned RecipFracBits   = 30 - RecipIndexBits;
  localparam int unsigned Exp2FracBits    = 16 - Exp2IndexBits;
  localparam int unsigned SigmoidFracBits = 16 + $clog2(2 * SigmoidRange) - SigmoidIndexBits;

  // ---- stage 1: normalise, read the table ----------------------------------------------------
  // (The function is kept outside the struct: Yosys 0.23 cannot resolve a package type
  // inside a struct.)
  typedef struct packed {
    logic [31:0]      frac;    // position inside the segment
    logic [6:0]       shift;   // result shift (rsqrt, recip) or right shift (exp2neg)
    logic [1:0]       clamp;   // sigmoid: 1 = below range (0), 2 = above (1.0); exp2neg: 1 = underflow
  } s1_t;

  logic s1_valid_q, s1_valid_d;
  s1_t  s1_q, s1_d;
  hw_pkg::nl_func_e s1_func_q, s1_func_d;
  wire  advance = !s1_valid_q || res_ready_i;  // stage 2 has no register: it follows stage 1
  assign req_ready_o = advance;

  // Leading-one position of a 64-bit value (a leading-zero counter).
  function automatic integer msb64(input logic [63:0] v);
    msb64 = 0;
    for (integer i = 0; i < 64; i++) if (v[i]) msb64 = i;
  endfunction

  always_comb begin
    logic [63:0] v;
    logic [31:0] mq;  // normalised mantissa: 2 integer bits (rsqrt) or 1 (recip) and 30 fraction
    int unsigned e;
    logic [SigmoidFracBits+SigmoidIndexBits-1:0] u;  // x + SigmoidRange in Q16
    s1_d       = s1_q;
    s1_func_d  = s1_func_q;
    s1_valid_d = s1_valid_q && !res_ready_i;
    rsqrt_en_o = 1'b0;  rsqrt_addr_o = '0;
    recip_en_o = 1'b0;  recip_addr_o = '0;
    exp2neg_en_o = 1'b0; exp2neg_addr_o = '0;
    sigmoid_en_o = 1'b0; sigmoid_addr_o = '0;
    v = '0; mq = '0; e = 0; u = '0;
    if (req_valid_i && advance) begin
      s1_valid_d    = 1'b1;
      s1_d          = '0;
      s1_func_d     = req_func_i;
      unique case (req_func_i)
        hw_pkg::NlRsqrt: begin
          // v = m * 2^e with e even, m in [1, 4) as Q30 in 32 bits
          v  = (req_arg_i == '0) ? 64'd1 : req_arg_i;
          e  = msb64(v) & ~32'd1;
          mq = 32'((e >= 30) ? (v >> (e - 30)) : (v << (30 - e)));
          rsqrt_en_o   = 1'b1;
          rsqrt_addr_o = mq[31 -: RsqrtIndexBits];
          s1_d.frac    = 32'(mq[RsqrtFracBits-1:0]);
          s1_d.shift   = 7'(e / 2);
        end
        hw_pkg::NlRecip: begin
          // v = m * 2^e, m in [1, 2); m - 1 as 30 fraction bits
          v  = (req_arg_i == '0) ? 64'd1 : req_arg_i;
          e  = msb64(v);
          mq = 32'((e >= 30) ? (v >> (e - 30)) : (v << (30 - e)));
          recip_en_o   = 1'b1;
          recip_addr_o = mq[29 -: RecipIndexBits];
          s1_d.frac    = 32'(mq[RecipFracBits-1:0]);
          s1_d.shift   = 7'(e);
        end
        hw_pkg::NlExp2Neg: begin
          // z = n . f (Q16): 2^-f from the table, shifted right by n; 0 from n >= 31
          if (req_arg_i[63:16] >= 48'd31) begin
            s1_d.clamp = 2'd1;
          end else begin
            exp2neg_en_o   = 1'b1;
            exp2neg_addr_o = req_arg_i[15 -: Exp2IndexBits];
            s1_d.frac      = 32'(req_arg_i[Exp2FracBits-1:0]);
            s1_d.shift     = 7'(req_arg_i[22:16]);
          end
        end
        hw_pkg::NlSigmoid: begin
          // x in Q16: clamp outside [-R, R), else the offset x + R selects the segment
          if ($signed(req_arg_i) < -$signed(64'(SigmoidRange) << 16)) begin
            s1_d.clamp = 2'd1;
          end else if ($signed(req_arg_i) >= $signed(64'(SigmoidRange) << 16)) begin
            s1_d.clamp = 2'd2;
          end else begin
            u = $bits(u)'(req_arg_i + (64'(SigmoidRange) << 16));
            sigmoid_en_o   = 1'b1;
            sigmoid_addr_o = u[SigmoidFracBits +: SigmoidIndexBits];
            s1_d.frac      = 32'(u[SigmoidFracBits-1:0]);
          end
        end
        default: ;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;
      s1_q       <= '0;
      s1_func_q  <= hw_pkg::NlRsqrt;
    end else begin
      s1_valid_q <= s1_valid_d;
      s1_q       <= s1_d;
      s1_func_q  <= s1_func_d;
    end
  end

  // ---- stage 2: interpolate ---------------------------------------------------------------
  // y = e0 + round_shift((e1 - e0) * frac, frac_bits)
  function automatic logic signed [63:0] interp(input logic [63:0] e0, input logic [63:0] e1,
                                                input logic [31:0] frac, input int frac_bits);
    logic signed [63:0] d;
    d = ($signed(e1) - $signed(e0)) * $signed({32'd0, frac});
    interp = $signed(e0) + hw_pkg::round_shift(d, frac_bits);
  endfunction

  always_comb begin
    res_data_o  = '0;
    res_shift_o = '0;
    unique case (s1_func_q)
      hw_pkg::NlRsqrt: begin
        res_data_o  = interp(64'(rsqrt_data_i[EntryBits-1:0]), 64'(rsqrt_data_i[2*EntryBits-1:EntryBits]),
                             s1_q.frac, RsqrtFracBits);
        res_shift_o = s1_q.shift;
      end
      hw_pkg::NlRecip: begin
        res_data_o  = interp(64'(recip_data_i[EntryBits-1:0]), 64'(recip_data_i[2*EntryBits-1:EntryBits]),
                             s1_q.frac, RecipFracBits);
        res_shift_o = s1_q.shift;
      end
      hw_pkg::NlExp2Neg: begin
        res_data_o = (s1_q.clamp == 2'd1) ? '0 :
            hw_pkg::round_shift(interp(64'(exp2neg_data_i[Exp2EntryBits-1:0]),
                                       64'(exp2neg_data_i[2*Exp2EntryBits-1:Exp2EntryBits]),
                                       s1_q.frac, Exp2FracBits), 32'(s1_q.shift));
      end
      hw_pkg::NlSigmoid: begin
        res_data_o = (s1_q.clamp == 2'd1) ? '0 : (s1_q.clamp == 2'd2) ? 64'd65536 :
            interp(64'(sigmoid_data_i[EntryBits-1:0]), 64'(sigmoid_data_i[2*EntryBits-1:EntryBits]),
                   s1_q.frac, SigmoidFracBits);
      end
      default: ;
    endcase
  end
  assign res_valid_o = s1_valid_q;

`ifndef SYNTHESIS
  // The ROM word is read in the request cycle, so a held result must not be advanced past.
  assert property (@(posedge clk_i) disable iff (!rst_ni) res_valid_o && !res_ready_i |=> res_valid_o && $stable(res_data_o))
    else $error("hw_nonlinear: result changed while not taken");
  // A request is held while it is not taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   req_valid_i && !req_ready_o |=> req_valid_i && $stable(req_func_i) &&
                                                   $stable(req_arg_i))
    else $error("hw_nonlinear: request changed before it was taken");
`endif

endmodule
