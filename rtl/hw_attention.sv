// SPDX-License-Identifier: MIT
// hw_attention: the attention unit. It quantizes k and v into KV-cache rows, keeps the cache
// in AttnPar banks of SRAM (position t in bank t % AttnPar, so a block of AttnPar positions
// is one word of each bank), and runs attention over all heads side by side in two passes
// of the context, AttnPar positions a cycle:
//   scores   K rows read, q.k of every head (scores SRAM), 2^-z of each score's distance to
//            its head's running maximum, the sum computed online (a new maximum rescales it);
//   1/sum    every head's reciprocal at once;
//   values   the stored scores read again, 2^-z from the final maximum, p = 2^-z / sum, and
//            p * v accumulated into every head's output;
// then the outputs, VecLanes elements a cycle. Bit-exact with IntModel::attention and
// softmax_sum (golden/int_model.cc), whose online sum is sequential: the AttnPar positions
// of a block are folded into a head's sum one after another within the cycle.

module hw_attention #(
  parameter int unsigned Dim          = 64,
  parameter int unsigned NHeads       = 8,
  parameter int unsigned NKvHeads     = 4,
  parameter int unsigned NLayers      = 5,
  parameter int unsigned SeqLen       = 512,
  /// Elements a cycle of the KV quantizer and the outputs; context positions a cycle;
  /// table units (NHeads x AttnPar).
  parameter int unsigned VecLanes     = 64,
  parameter int unsigned AttnPar      = 1,
  parameter int unsigned NlUnits      = 8,
  /// 1/sqrt(head_size) mantissa and fraction bits, log2(e) in Q24.
  parameter int unsigned AttScale     = 46341,
  parameter int unsigned AttScaleFrac = 17,
  parameter int unsigned Log2eQ24     = 24204406
) (
  input  logic clk_i,
  input  logic rst_ni,

  // The step's layer and the token's position; the exponent of q's MAC words; q (Q16).
  input  logic [31:0]                  layer_i,
  input  logic [31:0]                  pos_i,
  input  logic signed [7:0]            act_shift_i,
  input  logic [Dim*32-1:0]            q_i,

  // KV rows: chunk kv_base_i (kv_count_i entries) of k or v (kv_value_i) from the scratch,
  // quantized with the shift of the vector's largest magnitude (gathered by the scratch);
  // kv_store_i writes the assembled row and its shift to its bank.
  input  logic                         kv_en_i,
  input  logic                         kv_value_i,
  input  logic [31:0]                  kv_base_i,
  input  logic [31:0]                  kv_count_i,
  input  logic [VecLanes*32-1:0]       kv_data_i,
  input  logic [32:0]                  kmax_i,
  input  logic [32:0]                  vmax_i,
  input  logic                         kv_store_i,

  // Scores pass: block sc_block_i (positions sc_block_i * AttnPar + p, p < sc_count_i);
  // sc_first_i marks block 0, which starts every head's maximum and sum.
  input  logic                         sc_issue_i,
  input  logic                         sc_first_i,
  input  logic [31:0]                  sc_block_i,
  input  logic [31:0]                  sc_count_i,
  // Every head's 1/sum; the answers are taken a cycle later (and the outputs cleared).
  input  logic                         rc_issue_i,
  // Weighted values pass: block pv_block_i.
  input  logic                         pv_issue_i,
  input  logic [31:0]                  pv_block_i,
  input  logic [31:0]                  pv_count_i,
  // Outputs: out_count_i elements from out_base_i, requantized to Q16.
  input  logic                         out_en_i,
  input  logic [31:0]                  out_base_i,
  input  logic [31:0]                  out_count_i,
  output logic [VecLanes*32-1:0]       out_data_o,

  // Table units: 2^-z of (position, head) on unit p * NHeads + h; 1/sum of head h on unit h.
  output logic [NlUnits-1:0]           nl_valid_o,
  output hw_pkg::nl_func_e             nl_func_o,
  output logic [NlUnits*64-1:0]        nl_arg_o,
  input  logic [NlUnits*64-1:0]        nl_res_i,
  input  logic [NlUnits*7-1:0]         nl_shift_i,

  // Monitor: the KV rows' entries (with their shift), the scores and the probabilities (per
  // head: element k is head k % NHeads of position mon_index_o + k / NHeads).
  output logic                         mon_valid_o,
  output hw_pkg::tap_e                 mon_stage_o,
  output logic [31:0]                  mon_index_o,
  output logic [15:0]                  mon_count_o,
  output logic                         mon_heads_o,
  output logic [((NlUnits > VecLanes) ? NlUnits : VecLanes)*32-1:0] mon_data_o,
  output logic signed [7:0]            mon_shift_o,

  // Values saturated this cycle (scores, outputs).
  output logic [31:0]                  sats_o
);

  // ---- geometry ------------------------------------------------------------------------------
  localparam int unsigned HeadSize  = Dim / NHeads;
  localparam int unsigned KvDim     = HeadSize * NKvHeads;
  localparam int unsigned KvMul     = NHeads / NKvHeads;
  localparam int unsigned KvRowBits = KvDim * 16 + 8;                 // entries, then the shift
  localparam int unsigned BankRows  = (SeqLen + AttnPar - 1) / AttnPar;  // per layer and bank
  localparam int unsigned KvWords   = NLayers * BankRows;
  localparam int unsigned KvDepth   = (KvWords < 2) ? 2 : KvWords;   // SRAM macros: >= 2 words
  localparam int unsigned KvAw      = $clog2(KvDepth);
  localparam int unsigned ScDepth   = (BankRows < 2) ? 2 : BankRows;
  localparam int unsigned ScAw      = $clog2(ScDepth);
  // Softmax sum: <= 2^30 * SeqLen (docs/numerics.md).
  localparam int unsigned SumBits   = 31 + $clog2(SeqLen + 1);

  // ---- KV rows: quantized VecLanes entries a cycle, assembled, stored with the last chunk ----
  logic signed [7:0]  kv_shift;
  logic [VecLanes*16-1:0] kv_words;
  logic [KvDim*16-1:0] row_q, row_d;
  logic [VecLanes*32-1:0] kv_in;  // the chunk's entries; 0 past them (k is read from xb2, which
                                  // is dim long: its other elements are not k's)
  always_comb begin
    kv_in = '0;
    for (int k = 0; k < VecLanes; k++) begin
      if (kv_en_i && 32'(k) < kv_count_i) kv_in[k*32 +: 32] = kv_data_i[k*32 +: 32];
    end
  end

  hw_act_quant #(.Lanes(VecLanes)) u_kvq (
    .clk_i, .rst_ni, .valid_i(kv_en_i),
    .maxabs_i(kv_value_i ? vmax_i : kmax_i), .min_shift_i(8'sd0), .shift_o(kv_shift),
    .data_i(kv_in), .word_o(kv_words)
  );

  always_comb begin
    row_d = row_q;
    if (kv_en_i) begin
      for (int k = 0; k < VecLanes; k++) begin
        if (32'(k) < kv_count_i) row_d[(kv_base_i + 32'(k)) * 16 +: 16] = kv_words[k*16 +: 16];
      end
    end
  end
  always_ff @(posedge clk_i) if (kv_en_i) row_q <= row_d;

  // ---- pipeline of the passes ---------------------------------------------------------------------
  // Scores: issue (K read) -> s1 (q.k, scores stored) -> s2 (2^-z asked) -> s3 (sums).
  // Values: issue (scores read) -> p1 (2^-z asked, V read) -> p2 (p, p * v).
  logic        s1_valid_q, s1_first_q, s2_valid_q, s2_first_q, s3_valid_q, s3_first_q;
  logic [31:0] s1_block_q, s1_count_q, s2_count_q, s3_count_q;
  logic        p1_valid_q, p2_valid_q, rc1_q;
  logic [31:0] p1_block_q, p1_count_q, p2_block_q, p2_count_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;  s2_valid_q <= 1'b0;  s3_valid_q <= 1'b0;
      s1_first_q <= 1'b0;  s2_first_q <= 1'b0;  s3_first_q <= 1'b0;
      s1_block_q <= '0;  s1_count_q <= '0;  s2_count_q <= '0;  s3_count_q <= '0;
      p1_valid_q <= 1'b0;  p2_valid_q <= 1'b0;  rc1_q <= 1'b0;
      p1_block_q <= '0;  p1_count_q <= '0;  p2_block_q <= '0;  p2_count_q <= '0;
    end else begin
      s1_valid_q <= sc_issue_i;  s1_first_q <= sc_first_i;
      s1_block_q <= sc_block_i;  s1_count_q <= sc_count_i;
      s2_valid_q <= s1_valid_q;  s2_first_q <= s1_first_q;  s2_count_q <= s1_count_q;
      s3_valid_q <= s2_valid_q;  s3_first_q <= s2_first_q;  s3_count_q <= s2_count_q;
      p1_valid_q <= pv_issue_i;  p1_block_q <= pv_block_i;  p1_count_q <= pv_count_i;
      p2_valid_q <= p1_valid_q;  p2_block_q <= p1_block_q;  p2_count_q <= p1_count_q;
      rc1_q <= rc_issue_i;
    end
  end

  // ---- the KV cache: AttnPar banks of K rows and of V rows ----------------------------------------
  logic [31:0]            wr_bank;
  logic [KvAw-1:0]        wr_addr;
  logic [AttnPar*KvRowBits-1:0] k_rows, v_rows;   // the block read last cycle, bank b at field b
  assign wr_bank = pos_i % AttnPar;
  assign wr_addr = KvAw'(layer_i * BankRows + pos_i / AttnPar);

  for (genvar b = 0; b < AttnPar; b++) begin : gen_bank
    logic                 k_req, k_we, v_req, v_we;
    logic [KvAw-1:0]      k_addr, v_addr;
    logic [KvRowBits-1:0] k_rdata, v_rdata;
    assign k_we   = kv_store_i && !kv_value_i && wr_bank == b;
    assign k_req  = k_we || (sc_issue_i && b < sc_count_i);
    assign k_addr = k_we ? wr_addr : KvAw'(layer_i * BankRows + sc_block_i);
`ifdef HW_FAULT_KV_ADDR
    logic [KvAw-1:0] k_addr_fault;  // planted fault (tests only): the key row a row off
    assign k_addr_fault = k_we ? wr_addr + 1'b1 : k_addr;
`endif
    assign v_we   = kv_store_i && kv_value_i && wr_bank == b;
    assign v_req  = v_we || (p1_valid_q && b < p1_count_q);
    assign v_addr = v_we ? wr_addr : KvAw'(layer_i * BankRows + p1_block_q);
    hw_sram #(.Depth(KvDepth), .Width(KvRowBits)) u_kcache (
      .clk_i, .req_i(k_req), .we_i(k_we),
`ifdef HW_FAULT_KV_ADDR
      .addr_i(k_addr_fault),
`else
      .addr_i(k_addr),
`endif
      .wdata_i({kv_shift, row_d}), .rdata_o(k_rdata));
    hw_sram #(.Depth(KvDepth), .Width(KvRowBits)) u_vcache (
      .clk_i, .req_i(v_req), .we_i(v_we), .addr_i(v_addr),
`ifdef HW_FAULT_KV_SHIFT
      .wdata_i({kv_shift + 8'sd1, row_d}),  // planted fault: the value row's shift stored one off
`else
      .wdata_i({kv_shift, row_d}),
`endif
      .rdata_o(v_rdata));
    assign k_rows[b*KvRowBits +: KvRowBits] = k_rdata;
    assign v_rows[b*KvRowBits +: KvRowBits] = v_rdata;
  end

  // ---- s1: scores of the block read last cycle -----------------------------------------------------
  // q.k of every head, times the 1/sqrt(head_size) mantissa, requantized to Q16 with the
  // exponents of q's words and of the key row.
  logic [Dim*16-1:0]     qw;          // q's MAC words, shared by every position
  logic [NlUnits*32-1:0] score;       // (position b, head h) at field b * NHeads + h
  logic [31:0]           score_sats;
  always_comb begin
    qw = '0;
    if (s1_valid_q) begin
      for (int e = 0; e < Dim; e++) qw[e*16 +: 16] = hw_pkg::act_word($signed(q_i[e*32 +: 32]), act_shift_i);
    end
  end
  always_comb begin
    logic signed [63:0] dot, scaled;
    int                 sh;
    int unsigned        kvh;
    score = '0;
    score_sats = '0;
    dot = '0;  scaled = '0;  sh = 0;  kvh = 0;
    if (s1_valid_q) begin
      for (int b = 0; b < AttnPar; b++) begin
        if (32'(b) < s1_count_q) begin
          sh = 32'(AttScaleFrac) + 16 - 32'(act_shift_i) -
               32'($signed(k_rows[b*KvRowBits + KvDim*16 +: 8]));
          for (int h = 0; h < NHeads; h++) begin
            kvh = h / KvMul;
            dot = '0;
            for (int e = 0; e < HeadSize; e++) begin
              dot = dot + 64'($signed(qw[(h * HeadSize + e) * 16 +: 16])) *
                          64'($signed(k_rows[b*KvRowBits + (kvh * HeadSize + e) * 16 +: 16]));
            end
            scaled = dot * 64'(AttScale);
            score[(b * NHeads + h) * 32 +: 32] = hw_pkg::requant32(scaled, sh);
            score_sats = score_sats + 32'(hw_pkg::requant32_sat(scaled, sh));
          end
        end
      end
    end
  end

  // The scores store: a word per block (every position's score of every head), written in
  // s1, read back when the values' pass issues the block.
  logic                  sc_req, sc_we;
  logic [ScAw-1:0]       sc_addr;
  logic [NlUnits*32-1:0] sc_rdata;
  assign sc_we   = s1_valid_q;
  assign sc_req  = s1_valid_q || pv_issue_i;
  assign sc_addr = s1_valid_q ? ScAw'(s1_block_q) : ScAw'(pv_block_i);
  hw_sram #(.Depth(ScDepth), .Width(NlUnits * 32)) u_scores (
    .clk_i, .req_i(sc_req), .we_i(sc_we), .addr_i(sc_addr), .wdata_i(score), .rdata_o(sc_rdata));

  // ---- per-head softmax state ----------------------------------------------------------------------
  logic [NlUnits*32-1:0] sc_q;            // s2: the block's scores
  logic [NlUnits-1:0] new_q, new_d;       // s3: the score was a new maximum (its 2^-z rescales)
  logic signed [31:0] mx_q [NHeads], mx_d [NHeads];    // running maxima
  logic signed [63:0] sum_q [NHeads], sum_d [NHeads];  // online sums (Q30)
  logic [63:0]        r_q [NHeads];                    // 1/sum: mantissa and shift
  logic [6:0]         rsh_q [NHeads];

  // z of 2^-z for scores hi >= lo (golden/int_model.h: softmax_arg).
  function automatic logic [63:0] softmax_arg(input logic signed [31:0] hi,
                                              input logic signed [31:0] lo);
    softmax_arg = 64'(hw_pkg::round_shift((64'(hi) - 64'(lo)) * 64'(Log2eQ24), 24));
  endfunction

  // s2: the maximum so far, folded over the block's positions in order; each score asks for
  // 2^-z of its distance below the maximum, or, as a new maximum (or position 0), of the old
  // maximum's distance below it (which rescales the sum). p1: 2^-z of each stored score's
  // distance below the final maximum. Reciprocals: every head's sum.
  always_comb begin
    logic signed [31:0] m;
    logic               first, is_new;
    int unsigned        u;
    m = '0;  first = 1'b0;  is_new = 1'b0;  u = 0;
    nl_valid_o = '0;
    nl_arg_o = '0;
    nl_func_o = rc_issue_i ? hw_pkg::NlRecip : hw_pkg::NlExp2Neg;
    new_d = '0;
    for (int h = 0; h < NHeads; h++) mx_d[h] = mx_q[h];
    if (s2_valid_q) begin
      for (int h = 0; h < NHeads; h++) begin
        m = mx_q[h];
        for (int b = 0; b < AttnPar; b++) begin
          u = b * NHeads + h;
          if (32'(b) < s2_count_q) begin
            first = s2_first_q && b == 0;
            is_new = first || $signed(sc_q[u*32 +: 32]) > m;
            nl_valid_o[u] = 1'b1;
            if (first)       nl_arg_o[u*64 +: 64] = '0;
            else if (is_new) nl_arg_o[u*64 +: 64] = softmax_arg($signed(sc_q[u*32 +: 32]), m);
            else             nl_arg_o[u*64 +: 64] = softmax_arg(m, $signed(sc_q[u*32 +: 32]));
            new_d[u] = is_new;
            if (is_new) m = $signed(sc_q[u*32 +: 32]);
`ifdef HW_FAULT_SOFTMAX_MAX
            if (!first) m = mx_q[h];  // planted fault: the running maximum is not updated
`endif
          end
        end
        mx_d[h] = m;
      end
    end else if (p1_valid_q) begin
      for (int h = 0; h < NHeads; h++) begin
        for (int b = 0; b < AttnPar; b++) begin
          u = b * NHeads + h;
          if (32'(b) < p1_count_q) begin
            nl_valid_o[u] = 1'b1;
            nl_arg_o[u*64 +: 64] = softmax_arg(mx_q[h], $signed(sc_rdata[u*32 +: 32]));
          end
        end
      end
    end else if (rc_issue_i) begin
      for (int h = 0; h < NHeads; h++) begin
        nl_valid_o[h] = 1'b1;
        nl_arg_o[h*64 +: 64] = 64'(sum_q[h]);
      end
    end
  end

  // s3: each head's sum takes the block's 2^-z results in position order: added, or, for a
  // new maximum, the sum rescaled by it and 1.0 (Q30) added. The rescale rounds the sum to
  // 2^12 first (golden rescale_sum): SumBits - 11 bits times the 31-bit Q30 factor.
  always_comb begin
    logic [SumBits-12:0] rs_sum;  // the sum rounded to 2^12: SumBits - 11 bits, >= 0
    logic signed [63:0]  s;
    int unsigned         u;
    rs_sum = '0;  s = '0;  u = 0;
    for (int h = 0; h < NHeads; h++) sum_d[h] = sum_q[h];
    if (s3_valid_q) begin
      for (int h = 0; h < NHeads; h++) begin
        s = s3_first_q ? 64'sd0 : sum_q[h];
        for (int b = 0; b < AttnPar; b++) begin
          u = b * NHeads + h;
          if (32'(b) < s3_count_q) begin
            if (new_q[u]) begin
              rs_sum = (SumBits - 11)'(hw_pkg::round_shift(s, 12));
              s = hw_pkg::round_shift(64'($signed({1'b0, rs_sum})) *
                                      64'($signed({1'b0, nl_res_i[u*64 +: 31]})), 18) +
                  (64'sd1 <<< 30);
            end else begin
              s = s + $signed(nl_res_i[u*64 +: 64]);
            end
          end
        end
        sum_d[h] = s;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (s1_valid_q) sc_q <= score;
    new_q <= new_d;
    for (int h = 0; h < NHeads; h++) begin
      mx_q[h] <= mx_d[h];
      sum_q[h] <= sum_d[h];
      if (rc1_q) begin
        r_q[h] <= nl_res_i[h*64 +: 64];  rsh_q[h] <= nl_shift_i[h*7 +: 7];
`ifdef HW_FAULT_RECIP_HEAD
        // planted fault: each head takes the next head's reciprocal
        r_q[h] <= nl_res_i[((h + 1) % NHeads)*64 +: 64];  rsh_q[h] <= nl_shift_i[((h + 1) % NHeads)*7 +: 7];
`endif
      end
    end
  end

  // ---- p2: probabilities and the weighted values -----------------------------------------------------
  // p = rs(2^-z * r, sh) (Q16) of every (position, head); p * v * 2^shift (shift >= 0: the KV
  // quantizer's minimum is 0) accumulated into the head's outputs, which are cleared when
  // the reciprocals arrive.
  logic [NlUnits*32-1:0] prob;
  // Packed (element e at [64e +: 64]), so that an update is one variable's, not Dim delayed
  // element writes.
  logic [Dim*64-1:0]     vacc_q, vacc_d;
  logic                  vacc_en;
  assign vacc_en = rc1_q || p2_valid_q;
  always_comb begin
    int unsigned       kvh, u;
    logic [7:0]        vsh;
    logic signed [31:0] p;
    kvh = 0;  u = 0;  vsh = '0;  p = '0;
    prob = '0;
    vacc_d = rc1_q ? '0 : vacc_q;
    if (p2_valid_q) begin
      for (int b = 0; b < AttnPar; b++) begin
        if (32'(b) < p2_count_q) begin
          vsh = v_rows[b*KvRowBits + KvDim*16 +: 8];
`ifdef HW_FAULT_PV_SHIFT
          vsh = '0;  // planted fault: the value rows' shifts are ignored
`endif
          for (int h = 0; h < NHeads; h++) begin
            u = b * NHeads + h;
            kvh = h / KvMul;
            p = 32'(hw_pkg::round_shift(64'($unsigned(nl_res_i[u*64 +: 31])) *
                                        $signed({1'b0, r_q[h][62:0]}), 32'({25'b0, rsh_q[h]})));
            prob[u*32 +: 32] = p;
            for (int e = 0; e < HeadSize; e++) begin
              vacc_d[(h * HeadSize + e)*64 +: 64] = $signed(vacc_d[(h * HeadSize + e)*64 +: 64]) +
                  ((64'(p) * 64'($signed(v_rows[b*KvRowBits + (kvh * HeadSize + e) * 16 +: 16]))) <<< vsh);
            end
          end
        end
      end
    end
  end
  always_ff @(posedge clk_i) if (vacc_en) vacc_q <= vacc_d;

  // ---- outputs -------------------------------------------------------------------------------------
  logic [31:0] out_sats;
  always_comb begin
    logic [31:0] e;
    e = '0;
    out_data_o = '0;
    out_sats = '0;
    if (out_en_i) begin
      for (int k = 0; k < VecLanes; k++) begin
        if (32'(k) < out_count_i) begin
          e = out_base_i + 32'(k);
`ifdef HW_FAULT_HEADS_SWAP
          // planted fault: heads 0 and 1's outputs are swapped
          if (NHeads > 1 && e < 2 * HeadSize) e = (e < HeadSize) ? e + HeadSize : e - HeadSize;
`endif
          out_data_o[k*32 +: 32] = hw_pkg::requant32($signed(vacc_q[e*64 +: 64]), 16);
          out_sats = out_sats + 32'(hw_pkg::requant32_sat($signed(vacc_q[e*64 +: 64]), 16));
        end
      end
    end
  end
  assign sats_o = score_sats + out_sats;

  // ---- monitor ---------------------------------------------------------------------------------------
  always_comb begin
    mon_valid_o = 1'b0;  mon_stage_o = hw_pkg::TapNone;  mon_index_o = '0;  mon_count_o = '0;
    mon_heads_o = 1'b0;  mon_data_o = '0;  mon_shift_o = '0;
    if (kv_en_i) begin
      mon_valid_o = 1'b1;  mon_stage_o = kv_value_i ? hw_pkg::TapValue : hw_pkg::TapKey;
      mon_index_o = kv_base_i;  mon_count_o = 16'(kv_count_i);  mon_shift_o = kv_shift;
      for (int k = 0; k < VecLanes; k++) mon_data_o[k*32 +: 32] = 32'($signed(kv_words[k*16 +: 16]));
    end else if (s1_valid_q) begin
      mon_valid_o = 1'b1;  mon_stage_o = hw_pkg::TapScores;  mon_heads_o = 1'b1;
      mon_index_o = s1_block_q * AttnPar;  mon_count_o = 16'(s1_count_q * NHeads);
      mon_data_o[NlUnits*32-1:0] = score;
    end else if (p2_valid_q) begin
      mon_valid_o = 1'b1;  mon_stage_o = hw_pkg::TapProbs;  mon_heads_o = 1'b1;
      mon_index_o = p2_block_q * AttnPar;  mon_count_o = 16'(p2_count_q * NHeads);
      mon_data_o[NlUnits*32-1:0] = prob;
    end
  end

  // ---- checks ---------------------------------------------------------------------------------------
  if (NlUnits != NHeads * AttnPar) begin : gen_bad_units
    $fatal(1, "hw_attention: NlUnits must be NHeads * AttnPar");
  end

`ifndef SYNTHESIS
  // The online softmax sums stay below 2^(SumBits-1) (at most 2^30 * SeqLen), so the
  // rescale's operand, narrowed to SumBits - 11 bits, loses nothing.
  logic sum_over;
  always_comb begin
    sum_over = 1'b0;
    for (int h = 0; h < NHeads; h++) begin
      if (sum_d[h] < 0 || sum_d[h] >= (64'sd1 <<< (SumBits - 1))) sum_over = 1'b1;
    end
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni) s3_valid_q |-> !sum_over)
    else $error("hw_attention: a softmax sum outside [0, 2^%0d)", SumBits - 1);
  // Blocks hold 1..AttnPar positions.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   sc_issue_i |-> sc_count_i >= 1 && sc_count_i <= AttnPar)
    else $error("hw_attention: a scores block of %0d positions (AttnPar %0d)", sc_count_i, AttnPar);
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   pv_issue_i |-> pv_count_i >= 1 && pv_count_i <= AttnPar)
    else $error("hw_attention: a values block of %0d positions (AttnPar %0d)", pv_count_i, AttnPar);

`include "hw_cover.svh"
  `HW_COVER(c_attn_new_max,      s3_valid_q && !s3_first_q && new_q != '0)
  `HW_COVER(c_attn_no_new_max,   s3_valid_q && !s3_first_q && new_q == '0)
  `HW_COVER(c_kvw_shift_zero,    kv_en_i && kv_shift == 8'sd0)
  `HW_COVER(c_kv_first_row,      kv_store_i && pos_i == 0)
  `HW_COVER(c_kv_last_row,       kv_store_i && pos_i == SeqLen - 1)
  `HW_COVER(c_attn_full_context, p2_valid_q && p2_block_q * AttnPar + p2_count_q == SeqLen)
`endif

endmodule
