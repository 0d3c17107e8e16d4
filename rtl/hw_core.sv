// SPDX-License-Identifier: MIT
// hw_core: the decode datapath. A micro-programmed sequencer runs the per-token schedule of
// docs/architecture.md over the MAC array, the table unit, the activation quantizer and the
// KV-cache SRAMs; every stage is bit-exact with the integer golden model (IntModel::forward)
// and announced on the write monitor for the scoreboard.

module hw_core #(
  /// Model shape (the generated <name>_cfg_pkg).
  parameter int unsigned Dim          = 64,
  parameter int unsigned HiddenDim    = 172,
  parameter int unsigned NLayers      = 5,
  parameter int unsigned NHeads       = 8,
  parameter int unsigned NKvHeads     = 4,
  parameter int unsigned VocabSize    = 512,
  parameter int unsigned SeqLen       = 512,
  /// MAC array and weight format.
  parameter int unsigned Lanes        = 64,
  parameter int unsigned WeightBits   = 8,
  parameter int unsigned GroupSize    = 32,
  parameter int unsigned MaxGroups    = 6,
  parameter int unsigned BeatsDim     = 1,
  parameter int unsigned BeatsHidden  = 3,
  /// Constants (RMS_EPS, ATT_SCALE, ATT_SCALE_FRAC, LOG2E_Q24, ROPE_PAIRS).
  parameter longint unsigned RmsEps   = 42,
  parameter int unsigned AttScale     = 46341,
  parameter int unsigned AttScaleFrac = 17,
  parameter int unsigned Log2eQ24     = 24204406,
  parameter int unsigned RopePairs    = 4,
  /// Tables (the package's *_INDEX_BITS, SIGMOID_RANGE, entry widths).
  parameter int unsigned RsqrtIndexBits   = 9,
  parameter int unsigned RecipIndexBits   = 9,
  parameter int unsigned Exp2IndexBits    = 8,
  parameter int unsigned SigmoidIndexBits = 10,
  parameter int unsigned SigmoidRange     = 16,
  parameter int unsigned EntryBits        = 17,
  parameter int unsigned Exp2EntryBits    = 31,
  parameter int unsigned GainBits         = 24
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Token interface: a token and its position in; the greedy next token out.
  input  logic        tok_valid_i,
  output logic        tok_ready_o,
  input  logic [31:0] tok_token_i,
  input  logic [31:0] tok_pos_i,
  output logic        out_valid_o,
  input  logic        out_ready_i,
  output logic [31:0] out_token_o,
  // The last token's logits, readable until the next token starts (Q16): the logits SRAM
  // is read at logit_addr_i while the core is idle, its data the next cycle.
  input  logic [31:0] logit_addr_i,
  output logic signed [31:0] logit_data_o,

  // Matrix ROMs (through the generated bank): weights of one beat and the row's scale,
  // valid the cycle after wrom_en_o.
  output logic                           wrom_en_o,
  output hw_pkg::wclass_e                wrom_class_o,
  output logic [7:0]                     wrom_sel_o,
  output logic [31:0]                    wrom_addr_o,
  output logic [31:0]                    wrom_row_o,
  input  logic [Lanes*WeightBits-1:0]    wrom_data_i,
  input  logic [MaxGroups*16-1:0]        srom_mant_i,
  input  logic [7:0]                     srom_exp_i,
  // Norm gains and their exponents.
  output logic                           ng_en_o,
  output logic [7:0]                     ng_sel_o,
  output logic [31:0]                    ng_addr_o,
  input  logic [Lanes*GainBits-1:0]      ng_data_i,  // Lanes gains per word
  output logic                           nf_en_o,
  output logic [7:0]                     nf_addr_o,
  input  logic [7:0]                     nf_data_i,
  // Table ROMs.
  output logic                           rsqrt_en_o,
  output logic [RsqrtIndexBits-1:0]      rsqrt_addr_o,
  input  logic [2*EntryBits-1:0]         rsqrt_data_i,
  output logic                           recip_en_o,
  output logic [RecipIndexBits-1:0]      recip_addr_o,
  input  logic [2*EntryBits-1:0]         recip_data_i,
  // 2^-x and sigmoid have one port per head (softmax runs the heads side by side, SwiGLU
  // as many elements).
  output logic [NHeads-1:0]              exp2neg_en_o,
  output logic [NHeads*Exp2IndexBits-1:0] exp2neg_addr_o,
  input  logic [NHeads*2*Exp2EntryBits-1:0] exp2neg_data_i,
  output logic [NHeads-1:0]              sigmoid_en_o,
  output logic [NHeads*SigmoidIndexBits-1:0] sigmoid_addr_o,
  input  logic [NHeads*2*EntryBits-1:0]  sigmoid_data_i,
  output logic                           rope_en_o,
  output logic [31:0]                    rope_addr_o,
  input  logic [RopePairs*34-1:0]        rope_data_i,  // a position: pair p at [34p +: 34]

  // Write monitor: every tapped write, mon_count_o elements per cycle. Element k belongs to
  // (stage, layer or 255, head mon_head_o + k * mon_head_step_o or 255, index mon_index_o +
  // k * mon_index_step_o) and its value is mon_data_o[32k +: 32]; KV entries carry their
  // row's shift.
  output logic                           mon_valid_o,
  output hw_pkg::tap_e                   mon_stage_o,
  output logic [7:0]                     mon_layer_o,
  output logic [7:0]                     mon_head_o,
  output logic [31:0]                    mon_index_o,
  output logic [15:0]                    mon_count_o,
  output logic                           mon_head_step_o,
  output logic                           mon_index_step_o,
  output logic [((Lanes > NHeads) ? Lanes : NHeads)*32-1:0] mon_data_o,
  output logic signed [7:0]              mon_shift_o,

  // Performance counters since reset.
  output logic [63:0]                    perf_cycles_o,
  output logic [63:0]                    perf_mac_busy_o,
  output logic [63:0]                    perf_matvec_cycles_o,
  output logic [63:0]                    perf_attention_cycles_o,
  output logic [63:0]                    perf_vector_cycles_o,
  output logic [31:0]                    perf_tokens_o,
  output logic [31:0]                    perf_saturations_o
);


  // ---- geometry ----------------------------------------------------------------------------
  localparam int unsigned HeadSize = Dim / NHeads;
  localparam int unsigned KvDim    = HeadSize * NKvHeads;
  localparam int unsigned KvMul    = NHeads / NKvHeads;
  localparam int unsigned MaxN     = (Dim > HiddenDim) ? Dim : HiddenDim;
  localparam int unsigned MaxBeats = (BeatsDim > BeatsHidden) ? BeatsDim : BeatsHidden;
  localparam int unsigned KvRows   = NLayers * SeqLen;
  localparam int unsigned KvWidth  = KvDim * 16;            // one word per (layer, pos)
  localparam int unsigned KvDepth  = KvRows;
  localparam int unsigned MonLanes = (Lanes > NHeads) ? Lanes : NHeads;
  localparam int unsigned DimChunks = (Dim + Lanes - 1) / Lanes;   // wide writes of a Dim vector
  localparam int unsigned KvChunks  = (KvDim + Lanes - 1) / Lanes; // KV row entries, Lanes a cycle
  // SwiGLU: one element per table unit (one per head), at most Lanes (the wide write port).
  localparam int unsigned SgLanes   = (NHeads < Lanes) ? NHeads : Lanes;
  localparam int unsigned SgChunks  = (HiddenDim + SgLanes - 1) / SgLanes;
  localparam int unsigned KvAw     = $clog2(KvDepth);
  // Scores store: a word per context position (every head's score); SRAM macros need 2 words.
  localparam int unsigned ScDepth  = (SeqLen < 2) ? 2 : SeqLen;
  localparam int unsigned ScAw     = $clog2(ScDepth);
  // Softmax sum: <= 2^30 * SeqLen (docs/numerics.md).
  localparam int unsigned SumBits  = 31 + $clog2(SeqLen + 1);

  // ---- the micro-program ---------------------------------------------------------------------
  typedef enum logic [3:0] {
    OpIdle, OpEmbed, OpRms, OpActQ, OpMv, OpRope, OpKvw, OpAttn, OpResid, OpSwiglu, OpDone
  } op_e;
  typedef enum logic [3:0] { VX, VXB, VXB2, VQ, VK, VV, VHB, VHB2, VLogits } vec_e;

  typedef struct packed {
    op_e     op;
    vec_e    src;    // input vector
    vec_e    dst;    // output vector
    logic [3:0] w;           // matrix (OpMv), an hw_pkg::wclass_e
    logic [4:0] tap;         // stage announced for dst writes, an hw_pkg::tap_e
    logic    amax;   // dst is the next MAC input: track its largest magnitude while writing
    logic    last;   // last step of its layer (or of the final steps)
  } step_t;

  // Steps of one layer (s = 0..19) and of the final part (layer == NLayers, s = 0..3).
  function automatic step_t program_step(input int unsigned layer, input int unsigned s);
    program_step = {OpDone, VX, VX, hw_pkg::WEmb, hw_pkg::TapNone, 1'b0, 1'b1};
    if (layer < NLayers) begin
      unique case (s)        //  op         src   dst   w     tap             amax  last
        0:  program_step = {OpRms,    VX,   VXB,  hw_pkg::WEmb, hw_pkg::TapAttNorm,     1'b1, 1'b0};
        1:  program_step = {OpActQ,   VXB,  VXB,  hw_pkg::WEmb, hw_pkg::TapNone,        1'b0, 1'b0};
        2:  program_step = {OpMv,     VXB,  VQ,   hw_pkg::WQ,   hw_pkg::TapNone,        1'b0, 1'b0};
        3:  program_step = {OpMv,     VXB,  VK,   hw_pkg::WK,   hw_pkg::TapNone,        1'b0, 1'b0};
        4:  program_step = {OpMv,     VXB,  VV,   hw_pkg::WV,   hw_pkg::TapNone,        1'b0, 1'b0};
        5:  program_step = {OpRope,   VQ,   VXB,  hw_pkg::WEmb, hw_pkg::TapQuery,       1'b1, 1'b0};  // q -> xb, k -> xb2
        6:  program_step = {OpKvw,    VXB2, VV,   hw_pkg::WEmb, hw_pkg::TapKey,         1'b0, 1'b0};
        7:  program_step = {OpActQ,   VXB,  VXB,  hw_pkg::WEmb, hw_pkg::TapNone,        1'b0, 1'b0};  // q words for the scores
        8:  program_step = {OpAttn,   VXB,  VXB,  hw_pkg::WEmb, hw_pkg::TapAttention,   1'b1, 1'b0};
        9:  program_step = {OpActQ,   VXB,  VXB,  hw_pkg::WEmb, hw_pkg::TapNone,        1'b0, 1'b0};
        10: program_step = {OpMv,     VXB,  VXB2, hw_pkg::WO,   hw_pkg::TapAttProj,     1'b0, 1'b0};
        11: program_step = {OpResid,  VXB2, VX,   hw_pkg::WEmb, hw_pkg::TapAttResidual, 1'b0, 1'b0};
        12: program_step = {OpRms,    VX,   VXB,  hw_pkg::WEmb, hw_pkg::TapFfnNorm,     1'b1, 1'b0};
        13: program_step = {OpActQ,   VXB,  VXB,  hw_pkg::WEmb, hw_pkg::TapNone,        1'b0, 1'b0};
        14: program_step = {OpMv,     VXB,  VHB,  hw_pkg::W1,   hw_pkg::TapGate,        1'b0, 1'b0};
        15: program_step = {OpMv,     VXB,  VHB2, hw_pkg::W3,   hw_pkg::TapUp,          1'b0, 1'b0};
        16: program_step = {OpSwiglu, VHB,  VHB,  hw_pkg::WEmb, hw_pkg::TapSwiGlu,      1'b1, 1'b0};
        17: program_step = {OpActQ,   VHB,  VHB,  hw_pkg::WEmb, hw_pkg::TapNone,        1'b0, 1'b0};
        18: program_step = {OpMv,     VHB,  VXB,  hw_pkg::W2,   hw_pkg::TapDown,        1'b0, 1'b0};
        default: program_step = {OpResid, VXB, VX, hw_pkg::WEmb, hw_pkg::TapFfnResidual, 1'b0, 1'b1};
      endcase
    end else begin
      unique case (s)
        0: program_step = {OpRms,  VX,  VXB,     hw_pkg::WEmb, hw_pkg::TapFinalNorm, 1'b1, 1'b0};
        1: program_step = {OpActQ, VXB, VXB,     hw_pkg::WEmb, hw_pkg::TapNone,      1'b0, 1'b0};
        2: program_step = {OpMv,   VXB, VLogits, hw_pkg::WCls, hw_pkg::TapLogits,    1'b0, 1'b0};
        default: program_step = {OpDone, VX, VX, hw_pkg::WEmb, hw_pkg::TapNone,      1'b0, 1'b1};
      endcase
    end
  endfunction

  // Length of a vector.
  function automatic int unsigned vec_len(input vec_e v);
    unique case (v)
      VK, VV:     vec_len = KvDim;
      VHB, VHB2:  vec_len = HiddenDim;
      VLogits:    vec_len = VocabSize;
      default:    vec_len = Dim;
    endcase
  endfunction

  // Rows and beats of a matrix class.
  function automatic int unsigned mv_rows(input logic [3:0] w);
    unique case (w)
      hw_pkg::WK, hw_pkg::WV:   mv_rows = KvDim;
      hw_pkg::W1, hw_pkg::W3:   mv_rows = HiddenDim;
      hw_pkg::WCls:     mv_rows = VocabSize;
      default:  mv_rows = Dim;
    endcase
  endfunction
  function automatic int unsigned mv_beats(input logic [3:0] w);
    mv_beats = (w == hw_pkg::W2) ? BeatsHidden : BeatsDim;
  endfunction

  // ---- vector storage (Q16 words; the activation scratch) -----------------------------------
  logic signed [31:0] x_q [Dim];
  logic signed [31:0] xb_q [MaxN];
  logic signed [31:0] xb2_q [Dim];
  logic signed [31:0] q_q [Dim];
  logic signed [31:0] k_q [KvDim];
  logic signed [31:0] v_q [KvDim];
  logic signed [31:0] hb_q [HiddenDim];
  logic signed [31:0] hb2_q [HiddenDim];
  logic signed [7:0]  kshift_q [KvRows];
  logic signed [7:0]  vshift_q [KvRows];

  function automatic logic signed [31:0] vread(input vec_e v, input int unsigned i);
    unique case (v)
      VX:      vread = x_q[i];
      VXB:     vread = xb_q[i];
      VXB2:    vread = xb2_q[i];
      VQ:      vread = q_q[i];
      VK:      vread = k_q[i];
      VV:      vread = v_q[i];
      VHB:     vread = hb_q[i];
      VHB2:    vread = hb2_q[i];
      default: vread = '0;  // logits are only written (the logits SRAM)
    endcase
  endfunction

  // Vector write ports: any vector, one element; and Lanes elements of x (residual adds), xb
  // (RMSNorm, RoPE of q, attention outputs), xb2 (RoPE of k) or hb (SwiGLU).
  logic               wa_en, ww_en;
  vec_e               wa_vec, ww_vec;
  logic [31:0]        wa_idx, ww_base, ww_count;
  logic signed [31:0] wa_data;
  logic signed [31:0] ww_data [Lanes];

  always_ff @(posedge clk_i) begin
    if (wa_en) begin
      unique case (wa_vec)
        VX:      x_q[wa_idx]      <= wa_data;
        VXB:     xb_q[wa_idx]     <= wa_data;
        VXB2:    xb2_q[wa_idx]    <= wa_data;
        VQ:      q_q[wa_idx]      <= wa_data;
        VK:      k_q[wa_idx]      <= wa_data;
        VV:      v_q[wa_idx]      <= wa_data;
        VHB:     hb_q[wa_idx]     <= wa_data;
        VHB2:    hb2_q[wa_idx]    <= wa_data;
        default: ;  // logits: the logits SRAM (below)
      endcase
    end
  end
  // The wide port, a process per lane: Verilator unrolls a procedural loop of non-blocking
  // writes only up to 64 iterations (BLKLOOPINIT), and Lanes goes to 256.
  for (genvar k = 0; k < Lanes; k++) begin : gen_ww
    always_ff @(posedge clk_i) begin
      if (ww_en && 32'(k) < ww_count) begin
        if (ww_vec == VX)        x_q[ww_base + 32'(k)]   <= ww_data[k];
        else if (ww_vec == VHB)  hb_q[ww_base + 32'(k)]  <= ww_data[k];
        else if (ww_vec == VXB2) xb2_q[ww_base + 32'(k)] <= ww_data[k];
        else                     xb_q[ww_base + 32'(k)]  <= ww_data[k];
      end
    end
  end

  // ---- blocks ---------------------------------------------------------------------------------
  // MAC array
  logic                          mac_valid, mac_ready, mac_last, mac_res_valid, mac_res_sat, mac_busy;
  logic [Lanes*hw_pkg::ActBits-1:0]      mac_a;
  logic signed [31:0]            mac_res;
  logic signed [7:0]             act_shift_q, act_shift_d;  // exponent of the MAC input words

  hw_mac_array #(
    .Lanes(Lanes), .WeightBits(WeightBits), .GroupSize(GroupSize), .MaxGroups(MaxGroups),
    .MaxBeats(MaxBeats)
  ) u_mac (
    .clk_i, .rst_ni,
    .beat_valid_i(mac_valid), .beat_ready_o(mac_ready),
    .beat_w_i(wrom_data_i), .beat_a_i(mac_a), .beat_last_i(mac_last),
    .row_mant_i(srom_mant_i), .row_exp_i(srom_exp_i), .act_shift_i(act_shift_q),
    .res_valid_o(mac_res_valid), .res_ready_i(1'b1), .res_data_o(mac_res), .res_sat_o(mac_res_sat),
    .mac_busy_o(mac_busy)
  );

  // Table units: unit 0 serves every function; units 1..NHeads-1 only 2^-x and sigmoid, so
  // softmax takes one position of all heads per cycle and SwiGLU NHeads elements.
  logic [NHeads-1:0]  nl_valid, nl_ready, nl_res_valid;
  hw_pkg::nl_func_e           nl_func;
  logic [63:0]        nl_arg [NHeads];
  logic [63:0]        nl_res [NHeads];
  logic [6:0]         nl_res_shift [NHeads];

  for (genvar u = 0; u < NHeads; u++) begin : gen_nl
    logic                        rsqrt_en, recip_en;
    logic [RsqrtIndexBits-1:0]   rsqrt_addr;
    logic [RecipIndexBits-1:0]   recip_addr;

    hw_nonlinear #(
      .RsqrtIndexBits(RsqrtIndexBits), .RecipIndexBits(RecipIndexBits), .Exp2IndexBits(Exp2IndexBits),
      .SigmoidIndexBits(SigmoidIndexBits), .SigmoidRange(SigmoidRange), .EntryBits(EntryBits),
      .Exp2EntryBits(Exp2EntryBits)
    ) u_nl (
      .clk_i, .rst_ni,
      .req_valid_i(nl_valid[u]), .req_ready_o(nl_ready[u]), .req_func_i(nl_func),
      .req_arg_i(nl_arg[u]),
      .rsqrt_en_o(rsqrt_en), .rsqrt_addr_o(rsqrt_addr), .rsqrt_data_i(u == 0 ? rsqrt_data_i : '0),
      .recip_en_o(recip_en), .recip_addr_o(recip_addr), .recip_data_i(u == 0 ? recip_data_i : '0),
      .exp2neg_en_o(exp2neg_en_o[u]),
      .exp2neg_addr_o(exp2neg_addr_o[u*Exp2IndexBits +: Exp2IndexBits]),
      .exp2neg_data_i(exp2neg_data_i[u*2*Exp2EntryBits +: 2*Exp2EntryBits]),
      .sigmoid_en_o(sigmoid_en_o[u]),
      .sigmoid_addr_o(sigmoid_addr_o[u*SigmoidIndexBits +: SigmoidIndexBits]),
      .sigmoid_data_i(sigmoid_data_i[u*2*EntryBits +: 2*EntryBits]),
      .res_valid_o(nl_res_valid[u]), .res_ready_i(1'b1), .res_data_o(nl_res[u]),
      .res_shift_o(nl_res_shift[u])
    );

    if (u == 0) begin : gen_tables
      assign rsqrt_en_o = rsqrt_en;  assign rsqrt_addr_o = rsqrt_addr;
      assign recip_en_o = recip_en;  assign recip_addr_o = recip_addr;
    end else begin : gen_exp2_sigmoid_only
      logic unused_tables;  // never asked for these functions
      assign unused_tables = ^{rsqrt_en, rsqrt_addr, recip_en, recip_addr};
    end
  end

  // Activation quantizer of the KV rows (OpKvw): chunk i of k (phase 0) or v (phase 1), with
  // the shift of the maximum gathered as the vector was written (kmax, vmax).
  logic               kv_en;
  logic [32:0]        kv_max;
  logic signed [7:0]  kv_shift;
  logic [31:0]        kv_base, kv_count;
  logic [Lanes*32-1:0] kv_data;
  logic [Lanes*16-1:0] kv_words;

  hw_act_quant #(.Lanes(Lanes)) u_aq (
    .clk_i, .rst_ni, .valid_i(kv_en),
    .maxabs_i(kv_max), .min_shift_i(8'sd0), .shift_o(kv_shift),
    .data_i(kv_data), .word_o(kv_words)
  );

  // KV cache: one SRAM for keys, one for values; a word is a whole (layer, position) row
  // (KvDim int16 entries), so attention reads every head's key or value vector per cycle.
  logic                kc_req, kc_we, vc_req, vc_we;
  logic [KvAw-1:0]     kc_addr, vc_addr;
  logic [KvWidth-1:0]  kc_wdata, vc_wdata, kc_rdata, vc_rdata;

  hw_sram #(.Depth(KvDepth), .Width(KvWidth)) u_kcache (
    .clk_i, .req_i(kc_req), .we_i(kc_we), .addr_i(kc_addr), .wdata_i(kc_wdata), .rdata_o(kc_rdata));
  hw_sram #(.Depth(KvDepth), .Width(KvWidth)) u_vcache (
    .clk_i, .req_i(vc_req), .we_i(vc_we), .addr_i(vc_addr), .wdata_i(vc_wdata), .rdata_o(vc_rdata));

  // Attention scores: every head's score (Q16) of a context position in one word, written in
  // the scores' pass and read back in the weighted values' pass (ports set beside score_h).
  logic                sc_req, sc_we;
  logic [ScAw-1:0]     sc_addr;
  logic [NHeads*32-1:0] sc_wdata, sc_rdata;

  hw_sram #(.Depth(ScDepth), .Width(NHeads * 32)) u_scores (
    .clk_i, .req_i(sc_req), .we_i(sc_we), .addr_i(sc_addr), .wdata_i(sc_wdata), .rdata_o(sc_rdata));

  // ---- sequencer state -------------------------------------------------------------------------
  logic [31:0]        layer_q, layer_d;      // 0..NLayers-1, NLayers = final steps
  logic [31:0]        step_q, step_d;
  op_e                op_q, op_d;            // OpIdle between tokens
  logic [3:0]         phase_q, phase_d;
  logic [31:0]        i_q, i_d;              // element / issue counter
  logic [31:0]        j_q, j_d;              // second counter (rows out, positions, results)
  logic [31:0]        token_q, pos_q;        // the token being decoded (token interface)
  logic               start_q;               // a token was taken: leave OpIdle
  logic signed [63:0] ssq_q, ssq_d;          // sum of squares of x (RMSNorm), gathered on writes
  logic [32:0]        amax_q, amax_d;        // max |v| of the next MAC input, gathered on writes
  logic [32:0]        kmax_q, kmax_d;        // max |k| and |v| of the KV rows, gathered on writes
  logic [32:0]        vmax_q, vmax_d;
  logic [63:0]        r_q, r_d;              // table result mantissa (rsqrt, recip)
  logic [6:0]         rsh_q, rsh_d;          // its shift
  logic signed [7:0]  frac_q, frac_d;        // norm gain exponent
  logic               pend_q, pend_d;        // a matrix beat is in flight (ROM read issued)
  logic               pend_last_q, pend_last_d;
  logic [31:0]        pend_beat_q, pend_beat_d;
  logic [31:0]        best_idx_q, best_idx_d;
  logic signed [31:0] best_q, best_d;
  logic               out_valid_q;
  logic [KvWidth-1:0] kvword_q, kvword_d;        // KV row word being assembled
  logic signed [63:0] vacc_q [Dim];              // weighted value sums of every head
  logic signed [63:0] vacc_d [Dim];
  logic signed [31:0] mx_h_q [NHeads], mx_h_d [NHeads];     // score maxima
  logic signed [63:0] sum_h_q [NHeads], sum_h_d [NHeads];   // softmax denominators (online)
  logic [63:0]        r_h_q [NHeads], r_h_d [NHeads];       // their reciprocals
  logic [6:0]         rsh_h_q [NHeads], rsh_h_d [NHeads];
  logic signed [31:0] sc_q [NHeads];                        // scores of position t, registered
  logic               sc_valid_q, sc_first_q;               // ... for some t; t = 0
  logic [NHeads-1:0]  newmx_q;                              // 2^-z in flight rescales the sum
  logic signed [31:0] mon_val [MonLanes];            // monitor lanes
  logic signed [31:0] mon_val0;                      // lane 0 of single-element writes
  logic [31:0]        sat_q, sat_d;

  // The current step, and where an op goes when it finishes: the next step of its layer,
  // or step 0 of the next layer after a layer's last step.
  step_t       st, next_st;
  logic [31:0] next_step, next_layer;
  assign st         = program_step(layer_q, step_q);
  assign next_step  = st.last ? '0 : step_q + 1;
  assign next_layer = st.last ? layer_q + 1 : layer_q;
  assign next_st    = program_step(next_layer, next_step);

  // RoPE of one element e (before requantization to Q16 with 15 fraction bits): the pair is
  // (x[2p], x[2p+1]); even e gives x0*cos - x1*sin, odd e gives x0*sin + x1*cos.
  function automatic logic signed [63:0] rope_rotate(input logic signed [31:0] self,
                                                     input logic signed [31:0] partner,
                                                     input logic even, input logic signed [63:0] cos_v,
                                                     input logic signed [63:0] sin_v);
    if (even) rope_rotate = 64'(self) * cos_v - 64'(partner) * sin_v;
    else      rope_rotate = 64'(partner) * sin_v + 64'(self) * cos_v;
  endfunction

  // ---- statistics gathered as vectors are written ---------------------------------------------
  // RMSNorm's sum of squares of round(x / 2^8) as x is written (each element once per
  // residual), consumed by the rsqrt request; the largest magnitude of a step's output
  // that feeds the MAC array next (steps with .amax), consumed by OpActQ.
  always_comb begin
    logic signed [63:0] r;
    ssq_d  = ssq_q;
    amax_d = amax_q;
    r = '0;
    if (wa_en && wa_vec == VX) begin
      r = hw_pkg::round_shift(64'(wa_data), 8);
      ssq_d = ssq_q + r * r;
    end
    if (ww_en && ww_vec == VX) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < ww_count) begin
          r = hw_pkg::round_shift(64'(ww_data[k]), 8);
          ssq_d = ssq_d + r * r;
        end
      end
    end
    if (op_q == OpRms && phase_q == 4'd0 && nl_ready[0]) ssq_d = '0;
    if (st.amax && wa_en && wa_vec == st.dst && hw_pkg::abs33(wa_data) > amax_d) amax_d = hw_pkg::abs33(wa_data);
    if (st.amax && ww_en && ww_vec == st.dst) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < ww_count && hw_pkg::abs33(ww_data[k]) > amax_d) amax_d = hw_pkg::abs33(ww_data[k]);
      end
    end
    if (op_q == OpActQ) amax_d = '0;
    // KV rows: k is written by RoPE (to xb2, wide), v by its matrix product.
    kmax_d = kmax_q;
    vmax_d = vmax_q;
    if (ww_en && ww_vec == VXB2) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < ww_count && hw_pkg::abs33(ww_data[k]) > kmax_d) kmax_d = hw_pkg::abs33(ww_data[k]);
      end
    end
    if (wa_en && wa_vec == VV && hw_pkg::abs33(wa_data) > vmax_q) vmax_d = hw_pkg::abs33(wa_data);
    if (op_q == OpKvw && phase_q == 4'd1 && i_q == KvChunks - 1) begin kmax_d = '0;  vmax_d = '0; end
  end


  // ---- datapaths beside the schedule ------------------------------------------------------
  // The wide arithmetic of the vector ops lives in these processes; the schedule below
  // sequences them and routes their results. Each computes only while its op and phase run.

  // MAC input (OpMv): activation words of the beat in flight, rounded from the source vector
  // (xb or hb) with the exponent of OpActQ; 0 past its end, where the weights are 0 too.
  always_comb begin
    int unsigned n, lane;
    mac_a = '0;
    n = vec_len(st.src);  lane = 0;
    if (op_q == OpMv) begin
      for (int k = 0; k < Lanes; k++) begin
        lane = pend_beat_q * Lanes + k;
        if (lane < n) begin
          mac_a[k*hw_pkg::ActBits +: hw_pkg::ActBits] =
              hw_pkg::act_word((st.src == VHB) ? hb_q[lane] : xb_q[lane], act_shift_q);
        end
      end
    end
  end

  // RoPE (OpRope): chunk i-1 of q (i <= DimChunks), then chunk i-1-DimChunks of k, Lanes
  // elements, rotated with their pairs' cos and sin from the position's ROM word (read at
  // i = 0: pair p's cos in bits [34p +: 17], its sin above), requantized to Q16. Lanes is even
  // and a chunk starts at a multiple of it, so both elements of a pair are in one chunk.
  logic               rope_en, rope_k_chunk;
  logic [31:0]        rope_base, rope_len, rope_sats;
  logic signed [31:0] rope_w [Lanes];
  assign rope_en      = op_q == OpRope && i_q > 0;
  assign rope_k_chunk = i_q > DimChunks;
  assign rope_base    = !rope_en ? '0 : rope_k_chunk ? (i_q - 1 - DimChunks) * Lanes : (i_q - 1) * Lanes;
  assign rope_len     = rope_k_chunk ? KvDim : Dim;
  always_comb begin
    logic signed [63:0] cos_v, sin_v, r;
    logic signed [31:0] self, partner;
    int unsigned        e, p;
    rope_sats = '0;
    cos_v = '0;  sin_v = '0;  r = '0;  self = '0;  partner = '0;  e = 0;  p = 0;
    for (int k = 0; k < Lanes; k++) rope_w[k] = '0;
    if (rope_en) begin
      for (int k = 0; k < Lanes; k++) begin
        e = rope_base + 32'(k);
        if (e < rope_len) begin
          // the pair's frequency; a constant per lane when chunks start at head boundaries
          p = (Lanes % HeadSize == 0) ? (k % HeadSize) / 2 : (e % HeadSize) / 2;
          cos_v = 64'($signed(rope_data_i[p * 34 +: 17]));
          sin_v = 64'($signed(rope_data_i[p * 34 + 17 +: 17]));
          if (rope_k_chunk) begin
            self = k_q[e];  partner = (k % 2 == 0) ? k_q[e + 1] : k_q[e - 1];
          end else begin
            self = q_q[e];  partner = (k % 2 == 0) ? q_q[e + 1] : q_q[e - 1];
          end
          r = rope_rotate(self, partner, k % 2 == 0, cos_v, sin_v);
          rope_w[k] = hw_pkg::requant32(r, 15);
          rope_sats = rope_sats + 32'(hw_pkg::requant32_sat(r, 15));
        end
      end
    end
  end

  // KV rows (OpKvw): chunk i of k (xb2, phase 0) or v (phase 1) through the quantizer, into
  // the row word being assembled.
  always_comb begin
    kv_en    = op_q == OpKvw;
    kv_max   = (phase_q == 4'd0) ? kmax_q : vmax_q;
    kv_base  = kv_en ? i_q * Lanes : '0;
    kv_count = !kv_en ? '0 : (KvDim - kv_base < Lanes) ? KvDim - kv_base : Lanes;
    kv_data  = '0;
    if (kv_en) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < kv_count) begin
          kv_data[k*32 +: 32] = (phase_q == 4'd0) ? xb2_q[kv_base + 32'(k)] : v_q[kv_base + 32'(k)];
        end
      end
    end
  end
  always_comb begin
    kvword_d = kvword_q;
    if (kv_en) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < kv_count) kvword_d[(kv_base + 32'(k)) * 16 +: 16] = kv_words[k*16 +: 16];
      end
    end
  end

  // Attention scores (OpAttn phase 0): q.k of every head for position t = i-1 (the K row read
  // last cycle), times the 1/sqrt(head_size) mantissa, requantized to Q16.
  logic signed [31:0] score_h [NHeads];
  logic [31:0]        score_sats;
  logic               score_en;
  assign score_en = op_q == OpAttn && phase_q == 4'd0 && i_q > 0 && i_q <= pos_q + 1;
  always_comb begin
    logic signed [63:0] dot, scaled;
    int                 sh;
    int unsigned        kvh;
    score_sats = '0;
    dot = '0;  scaled = '0;  sh = 0;  kvh = 0;
    for (int h = 0; h < NHeads; h++) score_h[h] = '0;
    if (score_en) begin
      sh = 32'(AttScaleFrac) + 16 - 32'(act_shift_q) - 32'(kshift_q[layer_q * SeqLen + i_q - 1]);
      for (int h = 0; h < NHeads; h++) begin
        kvh = h / KvMul;
        dot = '0;
        for (int e = 0; e < HeadSize; e++) begin
          dot = dot + 64'(hw_pkg::act_word(xb_q[h * HeadSize + e], act_shift_q)) *
                      64'($signed(kc_rdata[(kvh * HeadSize + e) * 16 +: 16]));
        end
        scaled = dot * 64'(AttScale);
        score_h[h] = hw_pkg::requant32(scaled, sh);
        score_sats = score_sats + 32'(hw_pkg::requant32_sat(scaled, sh));
      end
    end
  end

  // The scores store: written as score_h is computed (t = i-1), read for t = i in the
  // weighted values' pass (OpAttn phase 2).
  always_comb begin
    sc_req = 1'b0;  sc_we = 1'b0;  sc_addr = '0;  sc_wdata = '0;
    if (score_en) begin
      sc_req = 1'b1;  sc_we = 1'b1;  sc_addr = ScAw'(i_q - 1);
      for (int h = 0; h < NHeads; h++) sc_wdata[h * 32 +: 32] = score_h[h];
    end else if (op_q == OpAttn && phase_q == 4'd2 && i_q <= pos_q) begin
      sc_req = 1'b1;  sc_addr = ScAw'(i_q);
    end
  end

  // Softmax arguments z of 2^-z, every head (golden/int_model.h: softmax_arg). Phase 0, for
  // the score registered last cycle (sc_q, position t): below the running maximum, its
  // distance from it; a new maximum (or t = 0), the old maximum's distance below it, which
  // rescales the sum. Phase 2, for the stored score of t = i-1: its distance below the final
  // maximum.
  function automatic logic [63:0] softmax_arg(input logic signed [31:0] hi,
                                              input logic signed [31:0] lo);
    softmax_arg = 64'(hw_pkg::round_shift((64'(hi) - 64'(lo)) * 64'(Log2eQ24), 24));
  endfunction
  logic [63:0]       exp_arg_h [NHeads];
  logic [NHeads-1:0] sc_new;
  always_comb begin
    sc_new = '0;
    for (int h = 0; h < NHeads; h++) exp_arg_h[h] = '0;
    if (op_q == OpAttn && phase_q == 4'd0 && sc_valid_q) begin
      for (int h = 0; h < NHeads; h++) begin
        sc_new[h] = sc_first_q || sc_q[h] > mx_h_q[h];
        if (sc_first_q)     exp_arg_h[h] = '0;
        else if (sc_new[h]) exp_arg_h[h] = softmax_arg(sc_q[h], mx_h_q[h]);
        else                exp_arg_h[h] = softmax_arg(mx_h_q[h], sc_q[h]);
      end
    end else if (op_q == OpAttn && phase_q == 4'd2 && i_q > 0 && i_q <= pos_q + 1) begin
      for (int h = 0; h < NHeads; h++) exp_arg_h[h] = softmax_arg(mx_h_q[h], sc_rdata[h * 32 +: 32]);
    end
  end

  // Per-head softmax state: the running maxima and sums (phase 0; a 2^-z result is added to
  // the sum, or rescales it when its score was a new maximum, which then adds 1.0 in Q30);
  // the sums' reciprocals (phase 1, one head per result). The rescale rounds the sum to
  // 2^12 first (golden rescale_sum): SumBits - 11 bits times the 31-bit Q30 factor.
  always_comb begin
    logic [SumBits-12:0] rs_sum;  // the sum rounded to 2^12: SumBits - 11 bits, >= 0
    rs_sum = '0;
    for (int h = 0; h < NHeads; h++) begin
      mx_h_d[h] = mx_h_q[h];  sum_h_d[h] = sum_h_q[h];  r_h_d[h] = r_h_q[h];  rsh_h_d[h] = rsh_h_q[h];
    end
    if (op_q == OpAttn) begin
      unique case (phase_q)
        4'd0: begin
          for (int h = 0; h < NHeads; h++) begin
            if (sc_new[h]) mx_h_d[h] = sc_q[h];
            if (i_q == 0) begin
              sum_h_d[h] = '0;
            end else if (nl_res_valid[0]) begin
              if (newmx_q[h]) begin
                rs_sum = (SumBits - 11)'(hw_pkg::round_shift(sum_h_q[h], 12));
                sum_h_d[h] = hw_pkg::round_shift(
                                 64'($signed({1'b0, rs_sum})) *
                                 64'($signed({1'b0, nl_res[h][30:0]})), 18) + (64'sd1 <<< 30);
              end else begin
                sum_h_d[h] = sum_h_q[h] + $signed(nl_res[h]);
              end
            end
          end
        end
        4'd1: begin
          if (nl_res_valid[0]) begin
            for (int h = 0; h < NHeads; h++) begin
              if (32'(h) == j_q) begin r_h_d[h] = nl_res[0];  rsh_h_d[h] = nl_res_shift[0]; end
            end
          end
        end
        default: ;
      endcase
    end
  end

  // Weighted values (OpAttn phase 2): probability p_t (Q16) of every head for t = i-2 (its
  // 2^-z and V row were asked for last cycle), accumulated as p_t * v into every head's
  // output; cleared when the last reciprocal arrives (phase 1).
  logic signed [31:0] prob_h [NHeads];
  logic               prob_en;
  assign prob_en = op_q == OpAttn && phase_q == 4'd2 && i_q > 1;
  always_comb begin
    int unsigned kvh;
    kvh = 0;
    for (int e = 0; e < Dim; e++) vacc_d[e] = vacc_q[e];
    for (int h = 0; h < NHeads; h++) prob_h[h] = '0;
    if (op_q == OpAttn && phase_q == 4'd1 && nl_res_valid[0] && j_q == NHeads - 1) begin
      for (int e = 0; e < Dim; e++) vacc_d[e] = '0;
    end
    if (prob_en) begin
      for (int h = 0; h < NHeads; h++) begin
        kvh = h / KvMul;
        prob_h[h] = 32'(hw_pkg::round_shift(64'($unsigned(nl_res[h][30:0])) *
                                            $signed({1'b0, r_h_q[h][62:0]}),
                                            32'({25'b0, rsh_h_q[h]})));
        for (int e = 0; e < HeadSize; e++) begin
          // p * v * 2^shift as a shift (shift >= 0: the KV quantizer's minimum is 0)
          vacc_d[h * HeadSize + e] = vacc_q[h * HeadSize + e] +
              ((64'(prob_h[h]) * 64'($signed(vc_rdata[(kvh * HeadSize + e) * 16 +: 16]))) <<<
               vshift_q[layer_q * SeqLen + i_q - 2]);
        end
      end
    end
  end

  // Wide writes, several elements per cycle: the attention outputs to xb (OpAttn phase 3)
  // and the residual adds x += src (OpResid), Lanes elements of a Dim vector (chunk i); the
  // RMSNorm outputs x * r * gain to xb, Lanes elements (chunk i-1, its gains were read in
  // i-1); the SwiGLU products to hb, SgLanes elements (chunk i-1, likewise its sigmoids);
  // RoPE's rotated q to xb and k to xb2 (rope_w, above).
  logic [31:0] ww_sats;
  logic        rms_ww;
  assign rms_ww = op_q == OpRms && phase_q == 4'd2 && i_q > 0;
  always_comb begin
    logic signed [63:0] sum, silu, prod;
    logic signed [31:0] xr;
    logic [31:0]        rms_shift;
    ww_en = (op_q == OpAttn && phase_q == 4'd3) || op_q == OpResid || rms_ww ||
            (op_q == OpSwiglu && i_q > 0) || rope_en;
    ww_vec = (op_q == OpResid) ? VX : (op_q == OpSwiglu) ? VHB : (rope_en && rope_k_chunk) ? VXB2 : VXB;
    ww_base = !ww_en ? '0 : (op_q == OpSwiglu) ? (i_q - 1) * SgLanes : rope_en ? rope_base :
              rms_ww ? (i_q - 1) * Lanes : i_q * Lanes;
    ww_count = '0;
    if (ww_en && op_q == OpSwiglu)
      ww_count = (HiddenDim - ww_base < SgLanes) ? HiddenDim - ww_base : SgLanes;
    else if (rope_en)
      ww_count = (rope_len - ww_base < Lanes) ? rope_len - ww_base : Lanes;
    else if (ww_en)
      ww_count = (Dim - ww_base < Lanes) ? Dim - ww_base : Lanes;
    ww_sats = '0;
    sum = '0;  silu = '0;  prod = '0;  xr = '0;
    rms_shift = 32'(frac_q) - 8 + 32'({25'b0, rsh_q});
    for (int k = 0; k < Lanes; k++) ww_data[k] = '0;
    if (rope_en) begin
      for (int k = 0; k < Lanes; k++) ww_data[k] = rope_w[k];
      ww_sats = rope_sats;
    end else if (rms_ww) begin
      // xb = requant(rs(x * r, 16) * gain, frac - 8 + rsh). Operand widths from
      // docs/numerics.md: r in (2^15, 2^16] (17 bits, asserted below), |rs(x * r, 16)| <= |x|
      // (32 bits), so the products are 32 x 18 and 32 x 24 bits.
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < ww_count) begin
          xr = 32'(hw_pkg::round_shift(64'(x_q[ww_base + 32'(k)]) * 64'($signed({1'b0, r_q[16:0]})), 16));
`ifdef HW_FAULT_ROUNDING
          xr = 32'((64'(x_q[ww_base + 32'(k)]) * 64'($signed({1'b0, r_q[16:0]}))) >>> 16);  // planted fault: truncation
`endif
          prod = 64'(xr) * 64'($signed(ng_data_i[k*GainBits +: GainBits]));
          ww_data[k] = hw_pkg::requant32(prod, rms_shift);
          ww_sats = ww_sats + 32'(hw_pkg::requant32_sat(prod, rms_shift));
        end
      end
    end else if (ww_en && op_q == OpSwiglu) begin
      // hb = requant(rs(g * sigmoid(g), 16) * up, 16); sigmoid is Q16 in [0, 1.0], 17 bits
      for (int k = 0; k < SgLanes; k++) begin
        if (32'(k) < ww_count) begin
          silu = hw_pkg::round_shift(64'(hb_q[ww_base + 32'(k)]) * 64'($signed({1'b0, nl_res[k][16:0]})), 16);
          prod = silu * 64'(hb2_q[ww_base + 32'(k)]);
          ww_data[k] = hw_pkg::requant32(prod, 16);
          ww_sats = ww_sats + 32'(hw_pkg::requant32_sat(prod, 16));
        end
      end
    end else if (ww_en) begin
      for (int k = 0; k < Lanes; k++) begin
        if (32'(k) < ww_count) begin
          if (op_q == OpResid) begin
            sum = 64'(x_q[ww_base + 32'(k)]) + 64'(vread(st.src, ww_base + 32'(k)));
            ww_data[k] = hw_pkg::sat32(sum);
            ww_sats = ww_sats + 32'(hw_pkg::outside32(sum));
          end else begin
            ww_data[k] = hw_pkg::requant32(vacc_q[ww_base + 32'(k)], 16);
            ww_sats = ww_sats + 32'(hw_pkg::requant32_sat(vacc_q[ww_base + 32'(k)], 16));
          end
        end
      end
    end
  end

  // Monitor lanes: a head per lane for scores and probabilities, Lanes elements of a wide
  // write, otherwise the schedule's single element.
  always_comb begin
    for (int k = 0; k < MonLanes; k++) mon_val[k] = '0;
    if (score_en) begin
      for (int h = 0; h < NHeads; h++) mon_val[h] = score_h[h];
    end else if (prob_en) begin
      for (int h = 0; h < NHeads; h++) mon_val[h] = prob_h[h];
    end else if (ww_en) begin
      for (int k = 0; k < Lanes; k++) mon_val[k] = ww_data[k];
    end else if (kv_en) begin
      for (int k = 0; k < Lanes; k++) mon_val[k] = 32'($signed(kv_words[k*16 +: 16]));
    end else begin
      mon_val[0] = mon_val0;
    end
  end

  // ---- the schedule ---------------------------------------------------------------------------
  always_comb begin
    logic signed [63:0] v64;
    logic               sat;
    int unsigned        rows, beats, lane, row_base, kvrow;

    // defaults: hold
    layer_d = layer_q;  step_d = step_q;  op_d = op_q;  phase_d = phase_q;
    i_d = i_q;  j_d = j_q;
    r_d = r_q;  rsh_d = rsh_q;  frac_d = frac_q;
    pend_d = 1'b0;  pend_last_d = 1'b0;  pend_beat_d = pend_beat_q;
    best_idx_d = best_idx_q;  best_d = best_q;  sat_d = sat_q;
    act_shift_d = act_shift_q;

    wa_en = 1'b0;  wa_vec = VX;  wa_idx = '0;  wa_data = '0;
    wrom_en_o = 1'b0;  wrom_class_o = st.w;  wrom_sel_o = 8'(layer_q);  wrom_addr_o = '0;  wrom_row_o = '0;
    ng_en_o = 1'b0;  ng_sel_o = '0;  ng_addr_o = '0;  nf_en_o = 1'b0;  nf_addr_o = '0;
    rope_en_o = 1'b0;  rope_addr_o = '0;
    mac_valid = pend_q;  mac_last = pend_last_q;
    nl_valid = '0;  nl_func = hw_pkg::NlRsqrt;
    for (int u = 0; u < NHeads; u++) nl_arg[u] = '0;
    kc_req = 1'b0;  kc_we = 1'b0;  kc_addr = '0;  kc_wdata = '0;
    vc_req = 1'b0;  vc_we = 1'b0;  vc_addr = '0;  vc_wdata = '0;
    mon_valid_o = 1'b0;  mon_stage_o = st.tap;  mon_layer_o = (layer_q < NLayers) ? 8'(layer_q) : 8'hff;
    mon_head_o = 8'hff;  mon_index_o = '0;  mon_shift_o = '0;
    mon_count_o = 16'd1;  mon_head_step_o = 1'b0;  mon_index_step_o = 1'b1;
    mon_val0 = '0;
    v64 = '0;  sat = 1'b0;
    rows = mv_rows(st.w);  beats = mv_beats(st.w);
    lane = 0;  row_base = 0;  kvrow = 0;

    unique case (op_q)
      // ---------------------------------------------------------------------------------------
      OpIdle: begin
        if (start_q) begin
          layer_d = '0;  step_d = '0;  op_d = OpEmbed;  i_d = '0;
          best_d = '0;  best_idx_d = '0;
        end
      end

      // ---- x = embedding row (ROM read for element i, use for i-1) ---------------------------
      OpEmbed: begin
        mon_stage_o = hw_pkg::TapEmbedding;  mon_layer_o = 8'hff;
        if (i_q < Dim) begin
          wrom_en_o = 1'b1;  wrom_class_o = hw_pkg::WEmb;
          wrom_addr_o = token_q * BeatsDim + i_q / Lanes;  wrom_row_o = token_q;
        end
        if (i_q > 0) begin
          lane = (i_q - 1) % Lanes;
          v64 = 64'($signed(wrom_data_i[lane*WeightBits +: WeightBits])) *
                64'(srom_mant_i[((GroupSize == 0) ? 0 : (i_q - 1) / (GroupSize == 0 ? 1 : GroupSize)) * 16 +: 16]);
          wa_en = 1'b1;  wa_vec = VX;  wa_idx = i_q - 1;
          wa_data = hw_pkg::requant32(v64, 32'({24'b0, srom_exp_i}) - 16);
          sat = hw_pkg::requant32_sat(v64, 32'({24'b0, srom_exp_i}) - 16);
          sat_d = sat_q + 32'(sat);
          mon_valid_o = 1'b1;  mon_index_o = i_q - 1;  mon_val0 = wa_data;
        end
        i_d = i_q + 1;
        if (i_q == Dim) begin
          op_d = OpRms;  layer_d = '0;  step_d = '0;  i_d = '0;  phase_d = '0;  // step 0 of layer 0
        end
      end

      // ---- RMSNorm: 1/sqrt of the sum of squares, then gain (ROM read for i, use for i-1) --------
      OpRms: begin
        unique case (phase_q)
          4'd0: begin  // the sum of squares was gathered as x was written (ssq_q)
            nl_valid[0] = 1'b1;  nl_func = hw_pkg::NlRsqrt;  nl_arg[0] = 64'(ssq_q) + 64'(RmsEps);
            nf_en_o = 1'b1;  nf_addr_o = 8'((layer_q < NLayers) ? 2 * layer_q + ((step_q == 12) ? 1 : 0) : 2 * NLayers);
            if (nl_ready[0]) phase_d = 4'd1;
          end
          4'd1: begin
            if (nl_res_valid[0]) begin
              r_d = nl_res[0];  rsh_d = nl_res_shift[0];  frac_d = $signed(nf_data_i);
              phase_d = 4'd2;  i_d = '0;
            end
          end
          default: begin  // gains of chunk i read; chunk i-1 written, Lanes elements (ww_*)
            ng_sel_o = 8'((layer_q < NLayers) ? 2 * layer_q + ((step_q == 12) ? 1 : 0) : 2 * NLayers);
            if (i_q < DimChunks) begin ng_en_o = 1'b1;  ng_addr_o = i_q; end
            if (i_q > 0) begin
              mon_valid_o = 1'b1;  mon_index_o = ww_base;  mon_count_o = 16'(ww_count);
              sat_d = sat_q + ww_sats;
            end
            i_d = i_q + 1;
            if (i_q == DimChunks) begin
              step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;  phase_d = '0;
            end
          end
        endcase
      end

      // ---- activation exponent of the next MAC input, from the max tracked while it was written;
      // the MAC array and the scores round words from it on the fly --------------------------------
      OpActQ: begin
        act_shift_d = hw_pkg::act_shift(amax_q, -8'sd128);
        step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;  phase_d = '0;
      end

      // ---- matrix x vector: issue beat reads (i: row*beats+beat), take results (j: row) --------
      OpMv: begin  // the beat's activation words: mac_a (below)
        if (i_q < rows * beats) begin
          wrom_en_o = 1'b1;  wrom_addr_o = i_q;  wrom_row_o = i_q / beats;
          pend_d = 1'b1;  pend_last_d = ((i_q % beats) == beats - 1);  pend_beat_d = i_q % beats;
          i_d = i_q + 1;
        end
        if (mac_res_valid) begin
          wa_en = 1'b1;  wa_vec = st.dst;  wa_idx = j_q;  wa_data = mac_res;
          sat_d = sat_q + 32'(mac_res_sat);
          mon_valid_o = (st.tap != hw_pkg::TapNone);  mon_index_o = j_q;  mon_val0 = mac_res;
          if (st.w == hw_pkg::WCls && (j_q == 0 || mac_res > best_q)) begin best_d = mac_res;  best_idx_d = j_q; end
          j_d = j_q + 1;
          if (j_q == rows - 1) begin
            step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;  j_d = '0;  phase_d = '0;
          end
        end
      end

      // ---- RoPE: q -> xb (tapped), k -> xb2, Lanes elements per cycle (rope_*, ww_*) -------------
      OpRope: begin  // the position's RoPE word at i = 0; then chunk i-1 of q, then of k
        if (i_q == 0) begin
          rope_en_o = 1'b1;  rope_addr_o = pos_q;
        end
        if (rope_en) sat_d = sat_q + ww_sats;
        if (rope_en && !rope_k_chunk) begin  // q is tapped here; k as the cache's rows (OpKvw)
          mon_valid_o = 1'b1;  mon_index_o = ww_base;  mon_count_o = 16'(ww_count);
        end
        i_d = i_q + 1;
        if (i_q == DimChunks + KvChunks) begin
          step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;  phase_d = '0;
        end
      end

      // ---- KV write: the rows of k (xb2) and v, Lanes entries per cycle (kv_*), each row
      // written to its SRAM with its last chunk --------------------------------------------------
      OpKvw: begin
        kvrow = layer_q * SeqLen + pos_q;
        mon_valid_o = 1'b1;  mon_stage_o = (phase_q == 4'd0) ? hw_pkg::TapKey : hw_pkg::TapValue;
        mon_index_o = kv_base;  mon_count_o = 16'(kv_count);  mon_shift_o = kv_shift;
        i_d = i_q + 1;
        if (i_q == KvChunks - 1) begin
          i_d = '0;
          if (phase_q == 4'd0) begin
            kc_req = 1'b1;  kc_we = 1'b1;  kc_addr = KvAw'(kvrow);
`ifdef HW_FAULT_KV_ADDR
            kc_addr = KvAw'(kvrow + 1);  // planted fault (tests only): off-by-one key address
`endif
            kc_wdata = kvword_d;
            phase_d = 4'd1;
          end else begin
            vc_req = 1'b1;  vc_we = 1'b1;  vc_addr = KvAw'(kvrow);  vc_wdata = kvword_d;
            step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  phase_d = '0;
          end
        end
      end

      // ---- attention: all heads side by side, one position per cycle in each pass -------------
      OpAttn: begin
        row_base = layer_q * SeqLen;
        unique case (phase_q)
          4'd0: begin  // scores: K row read for t = i, q.k (score_h) for t = i-1, 2^-z for
                       // t = i-2 (sc_q), the sum for t = i-3 (below); the pipeline drains at P+3
            if (i_q <= pos_q) begin
              kc_req = 1'b1;  kc_addr = KvAw'(row_base + i_q);
            end
            if (score_en) begin
              mon_valid_o = 1'b1;  mon_stage_o = hw_pkg::TapScores;  mon_index_o = i_q - 1;
              mon_count_o = 16'(NHeads);  mon_head_o = '0;  mon_head_step_o = 1'b1;  mon_index_step_o = 1'b0;
              sat_d = sat_q + score_sats;
            end
            if (sc_valid_q) begin
              nl_func = hw_pkg::NlExp2Neg;  nl_valid = '1;
              for (int h = 0; h < NHeads; h++) nl_arg[h] = exp_arg_h[h];
            end
            i_d = i_q + 1;
            if (i_q == pos_q + 3) begin
              i_d = '0;  j_d = '0;  phase_d = 4'd1;
            end
          end
          4'd1: begin  // 1/sum of each head on unit 0: issue head i, result for head j
            nl_func = hw_pkg::NlRecip;
            if (i_q < NHeads) begin
              nl_valid[0] = 1'b1;  nl_arg[0] = 64'(sum_h_q[i_q]);
              i_d = i_q + 1;
            end
            if (nl_res_valid[0]) begin  // r_h (below)
              j_d = j_q + 1;
              if (j_q == NHeads - 1) begin phase_d = 4'd2;  i_d = '0;  j_d = '0; end
            end
          end
          4'd2: begin  // scores read for t = i; 2^-z and V row for t = i-1; p_t * v for t = i-2
            if (i_q > 0 && i_q <= pos_q + 1) begin
              nl_func = hw_pkg::NlExp2Neg;  nl_valid = '1;
              for (int h = 0; h < NHeads; h++) nl_arg[h] = exp_arg_h[h];
              vc_req = 1'b1;  vc_addr = KvAw'(row_base + i_q - 1);
            end
            if (prob_en) begin  // prob_h and vacc (below)
              mon_valid_o = 1'b1;  mon_stage_o = hw_pkg::TapProbs;  mon_index_o = i_q - 2;
              mon_count_o = 16'(NHeads);  mon_head_o = '0;  mon_head_step_o = 1'b1;  mon_index_step_o = 1'b0;
            end
            i_d = i_q + 1;
            if (i_q == pos_q + 2) begin i_d = '0;  phase_d = 4'd3; end
          end
          default: begin  // write the outputs to xb, Lanes elements per cycle (ww_*, below)
            mon_valid_o = 1'b1;  mon_stage_o = hw_pkg::TapAttention;  mon_index_o = ww_base;
            mon_count_o = 16'(ww_count);
            sat_d = sat_q + ww_sats;
            i_d = i_q + 1;
            if (i_q == DimChunks - 1) begin
              i_d = '0;  phase_d = 4'd0;
              step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;
            end
          end
        endcase
      end

      // ---- residual: x += src, Lanes elements per cycle (ww_*) --------------------------------
      OpResid: begin
        mon_valid_o = 1'b1;  mon_index_o = ww_base;  mon_count_o = 16'(ww_count);
        sat_d = sat_q + ww_sats;
        i_d = i_q + 1;
        if (i_q == DimChunks - 1) begin
          step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;
        end
      end

      // ---- SwiGLU, SgLanes elements per cycle: sigmoids asked for chunk i, chunk i-1 written
      // (ww_*, above) --------------------------------------------------------------------------------
      OpSwiglu: begin
        if (i_q < SgChunks) begin
          nl_func = hw_pkg::NlSigmoid;
          for (int u = 0; u < SgLanes; u++) begin
            if (i_q * SgLanes + 32'(u) < HiddenDim) begin
              nl_valid[u] = 1'b1;  nl_arg[u] = 64'(hb_q[i_q * SgLanes + 32'(u)]);
            end
          end
        end
        if (i_q > 0) begin
          mon_valid_o = 1'b1;  mon_index_o = ww_base;  mon_count_o = 16'(ww_count);
          sat_d = sat_q + ww_sats;
        end
        i_d = i_q + 1;
        if (i_q == SgChunks) begin
          step_d = next_step;  layer_d = next_layer;  op_d = next_st.op;  i_d = '0;
        end
      end

      // ---- token done: the argmax goes out ---------------------------------------------------------
      OpDone: op_d = OpIdle;  // out_valid_q rises (token interface below)
      default: op_d = OpIdle;
    endcase
  end

  // The scores' pipeline registers, the per-head softmax state, the weighted value sums and
  // the KV shifts are written here (their values come from the processes above).
  always_ff @(posedge clk_i) begin
    sc_valid_q <= score_en;
    sc_first_q <= score_en && i_q == 1;
    for (int h = 0; h < NHeads; h++) sc_q[h] <= score_h[h];
    newmx_q <= sc_new;
    for (int h = 0; h < NHeads; h++) begin
      mx_h_q[h] <= mx_h_d[h];  sum_h_q[h] <= sum_h_d[h];  r_h_q[h] <= r_h_d[h];  rsh_h_q[h] <= rsh_h_d[h];
    end
    kvword_q <= kvword_d;
    if (op_q == OpKvw && i_q == KvChunks - 1) begin
      if (phase_q == 4'd0) kshift_q[layer_q * SeqLen + pos_q] <= kv_shift;
      else                 vshift_q[layer_q * SeqLen + pos_q] <= kv_shift;
    end
  end

  // vacc changes only in attention; a process per element, as the wide write port (Yosys 0.23
  // reads no whole unpacked-array copy, and Verilator unrolls a loop of them only to 64).
  for (genvar e = 0; e < Dim; e++) begin : gen_vacc
    always_ff @(posedge clk_i) if (op_q == OpAttn) vacc_q[e] <= vacc_d[e];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      layer_q <= '0;  step_q <= '0;  op_q <= OpIdle;  phase_q <= '0;
      i_q <= '0;  j_q <= '0;
      ssq_q <= '0;  amax_q <= '0;  kmax_q <= '0;  vmax_q <= '0;  r_q <= '0;  rsh_q <= '0;  frac_q <= '0;
      pend_q <= 1'b0;  pend_last_q <= 1'b0;  pend_beat_q <= '0;
      best_idx_q <= '0;  best_q <= '0;  sat_q <= '0;  act_shift_q <= '0;
    end else begin
      layer_q <= layer_d;  step_q <= step_d;  op_q <= op_d;  phase_q <= phase_d;
      i_q <= i_d;  j_q <= j_d;
      ssq_q <= ssq_d;  amax_q <= amax_d;  kmax_q <= kmax_d;  vmax_q <= vmax_d;  r_q <= r_d;  rsh_q <= rsh_d;  frac_q <= frac_d;
      pend_q <= pend_d;  pend_last_q <= pend_last_d;  pend_beat_q <= pend_beat_d;
      best_idx_q <= best_idx_d;  best_q <= best_d;  sat_q <= sat_d;
      act_shift_q <= act_shift_d;
    end
  end

  for (genvar k = 0; k < MonLanes; k++) begin : gen_mon
    assign mon_data_o[k * 32 +: 32] = mon_val[k];
  end

  // ---- token interface -------------------------------------------------------------------------
  // A token is taken while the core is idle with no result pending; the sequencer starts the
  // cycle after. Kept out of the sequencer's logic so that changing inputs never
  // re-evaluates it (in silicon: a registered boundary; in Verilator: a small input region).
  assign tok_ready_o = op_q == OpIdle && !start_q && !out_valid_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      start_q <= 1'b0;  token_q <= '0;  pos_q <= '0;  out_valid_q <= 1'b0;
    end else begin
      start_q <= tok_valid_i && tok_ready_o;
      if (tok_valid_i && tok_ready_o) begin
        token_q <= tok_token_i;  pos_q <= tok_pos_i;
      end
      if (op_q == OpDone)                out_valid_q <= 1'b1;
      else if (out_valid_q && out_ready_i) out_valid_q <= 1'b0;
    end
  end

  assign out_valid_o  = out_valid_q;
  assign out_token_o  = best_idx_q;
  // Logits: the largest vector (VocabSize words), an SRAM macro. The classifier writes one
  // a cycle (port a); while the core is idle the host link reads them.
  localparam int unsigned LgDepth = (VocabSize < 2) ? 2 : VocabSize;
  logic                       lg_req, lg_we;
  logic [$clog2(LgDepth)-1:0] lg_addr;
  assign lg_we   = wa_en && wa_vec == VLogits;
  assign lg_req  = lg_we || op_q == OpIdle;
  assign lg_addr = lg_we ? $clog2(LgDepth)'(wa_idx) :
                   $clog2(LgDepth)'((logit_addr_i < VocabSize) ? logit_addr_i : 32'd0);
  hw_sram #(.Depth(LgDepth), .Width(32)) u_logits (
    .clk_i, .req_i(lg_req), .we_i(lg_we), .addr_i(lg_addr), .wdata_i(wa_data), .rdata_o(logit_data_o));

  // ---- performance counters --------------------------------------------------------------------
  logic [63:0] cyc_q, busy_q, mvc_q, attc_q, vecc_q;
  logic [31:0] tok_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cyc_q <= '0;  busy_q <= '0;  mvc_q <= '0;  attc_q <= '0;  vecc_q <= '0;  tok_q <= '0;
    end else begin
      cyc_q <= cyc_q + 1;
      if (mac_busy) busy_q <= busy_q + 1;
      if (op_q == OpMv) mvc_q <= mvc_q + 1;
      else if (op_q == OpAttn) attc_q <= attc_q + 1;
      else if (op_q != OpIdle) vecc_q <= vecc_q + 1;
      if (op_q == OpDone) tok_q <= tok_q + 1;
    end
  end
  assign perf_cycles_o           = cyc_q;
  assign perf_mac_busy_o         = busy_q;
  assign perf_matvec_cycles_o    = mvc_q;
  assign perf_attention_cycles_o = attc_q;
  assign perf_vector_cycles_o    = vecc_q;
  assign perf_tokens_o           = tok_q;
  assign perf_saturations_o      = sat_q;

`ifndef SYNTHESIS
  // The running op is the program's current step (outside the embedding and idle).
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   op_q inside {OpIdle, OpEmbed} || op_q == st.op)
    else $error("hw_core: op %0d is not step %0d of layer %0d", op_q, step_q, layer_q);
  // Results are always taken, so the MAC array never stalls a beat.
  assert property (@(posedge clk_i) disable iff (!rst_ni) mac_valid |-> mac_ready)
    else $error("hw_core: MAC array stalled");
  // The host link (issue 6) rejects bad tokens; the core assumes them in range.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tok_valid_i && tok_ready_o |-> tok_token_i < VocabSize && tok_pos_i < SeqLen)
    else $error("hw_core: token %0d / position %0d out of range", tok_token_i, tok_pos_i);
  // A result is held until taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   out_valid_o && !out_ready_i |=> out_valid_o && $stable(out_token_o))
    else $error("hw_core: output token changed while not taken");
  // Legal sequencer states: a known op, a phase its op uses, a layer and step of the program.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   op_q <= OpDone && layer_q <= NLayers &&
                   step_q < ((layer_q < NLayers) ? 32'd20 : 32'd4) &&
                   phase_q <= ((op_q == OpKvw) ? 4'd1 : (op_q == OpAttn) ? 4'd3 :
                               (op_q == OpRms) ? 4'd2 : 4'd0))
    else $error("hw_core: illegal state: op %0d phase %0d layer %0d step %0d",
                op_q, phase_q, layer_q, step_q);
  // The token interface's driver (the endpoint) holds a token until it is taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tok_valid_i && !tok_ready_o |=> tok_valid_i && $stable(tok_token_i) &&
                                                   $stable(tok_pos_i))
    else $error("hw_core: input token changed before it was taken");
  // RMSNorm's gain pass multiplies by r's low 17 bits and by rs(x * r, 16)'s low 32 bits:
  // both are all there is (docs/numerics.md, RMSNorm steps 3 and 4).
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   rms_ww |-> r_q > 64'd32768 && r_q <= 64'd65536)
    else $error("hw_core: RMSNorm's r = %0d outside (2^15, 2^16]", r_q);
  // SwiGLU multiplies by the sigmoids' low 17 bits: the table's range is [0, 1.0] in Q16.
  logic sigmoid_over;
  always_comb begin
    sigmoid_over = 1'b0;
    if (op_q == OpSwiglu && i_q > 0) begin
      for (int k = 0; k < SgLanes; k++) begin
        if (32'(k) < ww_count && nl_res[k] > 64'd65536) sigmoid_over = 1'b1;
      end
    end
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni) !sigmoid_over)
    else $error("hw_core: a SwiGLU sigmoid above 1.0 (Q16)");
  // The online softmax sums stay below 2^(SumBits-1) (at most 2^30 * SeqLen), so the
  // rescale's operand, narrowed to SumBits - 11 bits, loses nothing.
  logic sum_over;
  always_comb begin
    sum_over = 1'b0;
    if (op_q == OpAttn && phase_q == 4'd0 && i_q > 0) begin
      for (int h = 0; h < NHeads; h++) begin
        if (sum_h_q[h] < 0 || sum_h_q[h] >= (64'sd1 <<< (SumBits - 1))) sum_over = 1'b1;
      end
    end
  end
  assert property (@(posedge clk_i) disable iff (!rst_ni) !sum_over)
    else $error("hw_core: a softmax sum outside [0, 2^%0d)", SumBits - 1);
  // Only RMSNorm's rsqrt request waits for its table unit; every other table request is
  // issued once, so it must be taken at once.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   op_q != OpRms |-> (nl_valid & ~nl_ready) == '0)
    else $error("hw_core: table request %b not taken (ready %b) in op %0d", nl_valid, nl_ready, op_q);

  // ---- coverage (hardwire regress --cov) -------------------------------------------------------
  // Every op, every program step of a layer and of the final part, every phase of the
  // multi-phase ops, every transition the program makes between ops, and the KV cache
  // filled to its last row (positions never wrap: the endpoint refuses position SeqLen).
  // One cover point per line: Verilator merges the points of a generate loop into one.
`include "hw_cover.svh"
  logic in_layer, in_final;
  assign in_layer = op_q != OpIdle && op_q != OpEmbed && layer_q < NLayers;
  assign in_final = op_q != OpIdle && layer_q == NLayers;

  `HW_COVER(c_op_idle,   op_q == OpIdle)
  `HW_COVER(c_op_embed,  op_q == OpEmbed)
  `HW_COVER(c_op_rms,    op_q == OpRms)
  `HW_COVER(c_op_actq,   op_q == OpActQ)
  `HW_COVER(c_op_mv,     op_q == OpMv)
  `HW_COVER(c_op_rope,   op_q == OpRope)
  `HW_COVER(c_op_kvw,    op_q == OpKvw)
  `HW_COVER(c_op_attn,   op_q == OpAttn)
  `HW_COVER(c_op_resid,  op_q == OpResid)
  `HW_COVER(c_op_swiglu, op_q == OpSwiglu)
  `HW_COVER(c_op_done,   op_q == OpDone)

  `HW_COVER(c_step_att_norm,     in_layer && step_q == 0)
  `HW_COVER(c_step_att_actq,     in_layer && step_q == 1)
  `HW_COVER(c_step_wq,           in_layer && step_q == 2)
  `HW_COVER(c_step_wk,           in_layer && step_q == 3)
  `HW_COVER(c_step_wv,           in_layer && step_q == 4)
  `HW_COVER(c_step_rope,         in_layer && step_q == 5)
  `HW_COVER(c_step_kv_write,     in_layer && step_q == 6)
  `HW_COVER(c_step_q_actq,       in_layer && step_q == 7)
  `HW_COVER(c_step_attention,    in_layer && step_q == 8)
  `HW_COVER(c_step_att_out_actq, in_layer && step_q == 9)
  `HW_COVER(c_step_wo,           in_layer && step_q == 10)
  `HW_COVER(c_step_att_residual, in_layer && step_q == 11)
  `HW_COVER(c_step_ffn_norm,     in_layer && step_q == 12)
  `HW_COVER(c_step_ffn_actq,     in_layer && step_q == 13)
  `HW_COVER(c_step_w1,           in_layer && step_q == 14)
  `HW_COVER(c_step_w3,           in_layer && step_q == 15)
  `HW_COVER(c_step_swiglu,       in_layer && step_q == 16)
  `HW_COVER(c_step_swiglu_actq,  in_layer && step_q == 17)
  `HW_COVER(c_step_w2,           in_layer && step_q == 18)
  `HW_COVER(c_step_ffn_residual, in_layer && step_q == 19)
  `HW_COVER(c_step_final_norm,   in_final && step_q == 0)
  `HW_COVER(c_step_final_actq,   in_final && step_q == 1)
  `HW_COVER(c_step_classifier,   in_final && step_q == 2)
  `HW_COVER(c_step_final_done,   in_final && step_q == 3)

  `HW_COVER(c_rms_sum,           op_q == OpRms  && phase_q == 4'd0)
  `HW_COVER(c_rms_rsqrt,         op_q == OpRms  && phase_q == 4'd1)
  `HW_COVER(c_rms_gain,          op_q == OpRms  && phase_q == 4'd2)
  `HW_COVER(c_kvw_key_row,       op_q == OpKvw  && phase_q == 4'd0)
  `HW_COVER(c_kvw_value_row,     op_q == OpKvw  && phase_q == 4'd1)
  `HW_COVER(c_kvw_shift_zero,    op_q == OpKvw  && kv_shift == 8'sd0)
  `HW_COVER(c_attn_scores,       op_q == OpAttn && phase_q == 4'd0)
  `HW_COVER(c_attn_new_max,      op_q == OpAttn && phase_q == 4'd0 && sc_valid_q && !sc_first_q &&
                                 sc_new != '0)
  `HW_COVER(c_attn_no_new_max,   op_q == OpAttn && phase_q == 4'd0 && sc_valid_q && !sc_first_q &&
                                 sc_new == '0)
  `HW_COVER(c_attn_recip,        op_q == OpAttn && phase_q == 4'd1)
  `HW_COVER(c_attn_weighted_v,   op_q == OpAttn && phase_q == 4'd2)
  `HW_COVER(c_attn_drain,        op_q == OpAttn && phase_q == 4'd3)

  `HW_COVER(c_idle_to_embed,     op_q == OpIdle   && op_d == OpEmbed)
  `HW_COVER(c_embed_to_rms,      op_q == OpEmbed  && op_d == OpRms)
  `HW_COVER(c_rms_to_actq,       op_q == OpRms    && op_d == OpActQ)
  `HW_COVER(c_actq_to_mv,        op_q == OpActQ   && op_d == OpMv)
  `HW_COVER(c_actq_to_attn,      op_q == OpActQ   && op_d == OpAttn)
  `HW_COVER(c_mv_to_mv,          op_q == OpMv     && op_d == OpMv && step_d != step_q)
  `HW_COVER(c_mv_to_rope,        op_q == OpMv     && op_d == OpRope)
  `HW_COVER(c_mv_to_resid,       op_q == OpMv     && op_d == OpResid)
  `HW_COVER(c_mv_to_swiglu,      op_q == OpMv     && op_d == OpSwiglu)
  `HW_COVER(c_mv_to_done,        op_q == OpMv     && op_d == OpDone)
  `HW_COVER(c_rope_to_kvw,       op_q == OpRope   && op_d == OpKvw)
  `HW_COVER(c_kvw_to_actq,       op_q == OpKvw    && op_d == OpActQ)
  `HW_COVER(c_attn_to_actq,      op_q == OpAttn   && op_d == OpActQ)
  `HW_COVER(c_resid_to_rms,      op_q == OpResid  && op_d == OpRms)
  `HW_COVER(c_swiglu_to_actq,    op_q == OpSwiglu && op_d == OpActQ)
  `HW_COVER(c_done_to_idle,      op_q == OpDone   && op_d == OpIdle)
  `HW_COVER(c_layer_to_final,    layer_q == NLayers - 1 && layer_d == NLayers)

  `HW_COVER(c_kv_first_row,      kc_we && pos_q == 0)
  `HW_COVER(c_kv_last_row,       kc_we && pos_q == SeqLen - 1)
  `HW_COVER(c_attn_full_context, prob_en && i_q - 2 == SeqLen - 1)
  `HW_COVER(c_saturation,        sat_d != sat_q)
  // No cover point for a token offered while the core is busy: hw_endpoint offers one only
  // when the core is idle (its own assertion), so in this chip that path cannot be reached.
  // The core's hold assertion above still guards the contract for another wrapper.
  `HW_COVER(c_output_held,       out_valid_o && !out_ready_i)
`endif

endmodule
