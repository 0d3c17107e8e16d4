// SPDX-License-Identifier: MIT
// hw_core: the decode datapath, wired from its blocks (docs/architecture.md has the diagram):
//   hw_sequencer      the per-token program and its schedule
//   hw_scratch        the activation vectors, their ports, the logits SRAM
//   hw_vector_unit    embedding, RMSNorm, RoPE, SwiGLU, residual adds
//   hw_attention      KV rows and cache, scores, softmax, weighted values
//   hw_mac_cluster    Rows x Lanes multiply-accumulate
//   hw_table_units    the non-linear table units (rsqrt, 1/x, 2^-x, sigmoid)
//   hw_argmax         the greedy next token
//   hw_sampler        the sampled next token (temperature, top-k, top-p)
//   hw_monitor        the write monitor for the scoreboard
//   hw_perf_counters  performance counters
// Every stage is bit-exact with the integer golden model (IntModel::forward).

module hw_core #(
  /// Model shape (the generated <name>_cfg_pkg).
  parameter int unsigned Dim          = 64,
  parameter int unsigned HiddenDim    = 172,
  parameter int unsigned NLayers      = 5,
  parameter int unsigned NHeads       = 8,
  parameter int unsigned NKvHeads     = 4,
  parameter int unsigned VocabSize    = 512,
  parameter int unsigned SeqLen       = 512,
  /// Datapath: MAC rows x lanes, context positions per cycle of attention; the derived
  /// widths (golden/datapath.h): VecLanes = max(Lanes, Rows), NlUnits = NHeads x AttnPar,
  /// SgLanes = min(NlUnits, VecLanes). Weight format: WeightBits the widest matrix's width,
  /// WeightWidths the widths the matrices use (bit w set: some matrix is w bits wide).
  parameter int unsigned Rows         = 1,
  parameter int unsigned Lanes        = 64,
  parameter int unsigned AttnPar      = 1,
  parameter int unsigned VecLanes     = 64,
  parameter int unsigned NlUnits      = 8,
  parameter int unsigned SgLanes      = 8,
  parameter int unsigned WeightBits   = 8,
  parameter int unsigned WeightWidths = 1 << 8,
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
  parameter int unsigned GainBits         = 24,
  /// Monitor lanes: max(VecLanes, NlUnits).
  parameter int unsigned MonLanes         = 64,
  /// The adapter SRAM: slots (0: none), the largest rank (golden/adapter_layout.h).
  parameter int unsigned LoraSlots        = 0,
  parameter int unsigned LoraRank         = 8,
  parameter int unsigned LoraSlotBeats    = 1
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Token interface: a token and its position in; the next token out (greedy, or drawn with
  // the sampler's settings: 1/T in Q16, 0 greedy; top-k; top-p in Q16; seed; held while a
  // generation runs).
  input  logic        tok_valid_i,
  output logic        tok_ready_o,
  input  logic [31:0] tok_token_i,
  input  logic [31:0] tok_pos_i,
  output logic        out_valid_o,
  input  logic        out_ready_i,
  output logic [31:0] out_token_o,
  input  logic [31:0] smp_inv_temp_i,
  input  logic [31:0] smp_top_k_i,
  input  logic [31:0] smp_top_p_i,
  input  logic [63:0] smp_seed_i,
  // LoRA (hw_endpoint's ADAPTER_* registers): the adapter SRAM's write port (32-bit word
  // ad_lane_i of beat ad_beat_i; only while no token runs) and the selected slot.
  input  logic        ad_we_i,
  input  logic [31:0] ad_beat_i,
  input  logic [31:0] ad_lane_i,
  input  logic [31:0] ad_data_i,
  input  logic        lora_on_i,
  input  logic [7:0]  lora_slot_i,
  input  logic [6:0]  lora_targets_i,
  // The last token's logits, readable while the core is idle (Q16): the logits SRAM is read
  // at logit_addr_i, its data the next cycle.
  input  logic [31:0] logit_addr_i,
  output logic signed [31:0] logit_data_o,

  // Matrix ROMs (through the generated bank): the word of a row group's beat (Rows rows of
  // Lanes weights, packed at the matrix's width wrom_bits_i) and the group's scales (per row:
  // MaxGroups mantissas, the exponent above), valid the cycle after wrom_en_o.
  output logic                                    wrom_en_o,
  output hw_pkg::wclass_e                         wrom_class_o,
  output logic [7:0]                              wrom_sel_o,
  output logic [31:0]                             wrom_addr_o,
  output logic [31:0]                             wrom_row_o,
  input  logic [Rows*Lanes*WeightBits-1:0]        wrom_data_i,
  input  logic [3:0]                              wrom_bits_i,
  input  logic [Rows*(MaxGroups*16+8)-1:0]        srom_data_i,
  // Norm gains (VecLanes a word) and their exponents.
  output logic                                    ng_en_o,
  output logic [7:0]                              ng_sel_o,
  output logic [31:0]                             ng_addr_o,
  input  logic [VecLanes*GainBits-1:0]            ng_data_i,
  output logic                                    nf_en_o,
  output logic [7:0]                              nf_addr_o,
  input  logic [7:0]                              nf_data_i,
  // Table ROMs: rsqrt (one), 1/x (one per head), 2^-x (one per table unit), sigmoid (one
  // per SwiGLU lane); RoPE (a position's pairs a word, pair p at [34p +: 34]).
  output logic                                    rsqrt_en_o,
  output logic [RsqrtIndexBits-1:0]               rsqrt_addr_o,
  input  logic [2*EntryBits-1:0]                  rsqrt_data_i,
  output logic [NHeads-1:0]                       recip_en_o,
  output logic [NHeads*RecipIndexBits-1:0]        recip_addr_o,
  input  logic [NHeads*2*EntryBits-1:0]           recip_data_i,
  output logic [NlUnits-1:0]                      exp2neg_en_o,
  output logic [NlUnits*Exp2IndexBits-1:0]        exp2neg_addr_o,
  input  logic [NlUnits*2*Exp2EntryBits-1:0]      exp2neg_data_i,
  output logic [SgLanes-1:0]                      sigmoid_en_o,
  output logic [SgLanes*SigmoidIndexBits-1:0]     sigmoid_addr_o,
  input  logic [SgLanes*2*EntryBits-1:0]          sigmoid_data_i,
  output logic                                    rope_en_o,
  output logic [31:0]                             rope_addr_o,
  input  logic [RopePairs*34-1:0]                 rope_data_i,

  // Write monitor (hw_monitor).
  output logic                                    mon_valid_o,
  output hw_pkg::tap_e                            mon_stage_o,
  output logic [7:0]                              mon_layer_o,
  output logic [31:0]                             mon_index_o,
  output logic [15:0]                             mon_count_o,
  output logic                                    mon_heads_o,
  output logic [MonLanes*32-1:0]                  mon_data_o,
  output logic signed [7:0]                       mon_shift_o,

  // The sequencer's state (debug: the harness times every step against the cycle model).
  output hw_pkg::op_e                             dbg_op_o,
  output logic [31:0]                             dbg_layer_o,
  output logic [31:0]                             dbg_step_o,

  // Performance counters since reset.
  output logic [63:0]                             perf_cycles_o,
  output logic [63:0]                             perf_mac_busy_o,
  output logic [63:0]                             perf_matvec_cycles_o,
  output logic [63:0]                             perf_attention_cycles_o,
  output logic [63:0]                             perf_vector_cycles_o,
  output logic [31:0]                             perf_tokens_o,
  output logic [31:0]                             perf_saturations_o
);

  localparam int unsigned HeadSize = Dim / NHeads;
  localparam int unsigned KvDim    = HeadSize * NKvHeads;
  localparam int unsigned MaxBeats = (BeatsDim > BeatsHidden) ? BeatsDim : BeatsHidden;

  // ---- sequencer <-> blocks ------------------------------------------------------------------
  hw_pkg::op_e        op;
  logic [31:0]        layer, step, pos;
  logic               idle;
  logic               mac_valid, mac_ready, mac_last, mac_hb, mac_lr, mac_res_valid, mac_busy;
  logic               ad_en;
  logic [31:0]        ad_addr;
  logic signed [7:0]  act_shift;
  logic [31:0]        mac_base;
  logic               wr_en, st_amax, st_kmax, st_vmax, ssq_clear, amax_clear, kvmax_clear;
  hw_pkg::vec_e       wr_vec, rda_vec, rdb_vec;
  hw_pkg::wb_src_e    wr_src;
  logic [31:0]        wr_base, wr_count, rda_base, rdb_base;
  logic               rda_en, rdb_en;
  hw_pkg::vu_op_e     vu_op;
  logic [31:0]        vu_base, vu_count, emb_slot, sig_count;
  logic               rsqrt_req, rsqrt_take, sig_req;
  logic               kv_en, kv_value, kv_store, sc_issue, sc_first, rc_issue, pv_issue, out_en;
  logic [31:0]        kv_base, kv_count, sc_block, sc_count, pv_block, pv_count, out_base, out_count;
  logic               am_clear, am_valid;
  logic               smp_start, smp_done, smp_rd, smp_exp_valid;
  logic [31:0]        am_token, smp_token, smp_addr;
  logic signed [31:0] am_max;
  logic [63:0]        smp_exp_arg;
  logic               seq_mon_valid;
  hw_pkg::tap_e       seq_mon_stage;
  logic [7:0]         seq_mon_layer;

  // ---- datapath wires ------------------------------------------------------------------------
  logic [VecLanes*32-1:0]   vu_data, at_data, st_data, rda_data, rdb_data;
  logic [Rows*32-1:0]       mac_res;
  logic [Lanes*32-1:0]      mac_x;
  logic [Dim*32-1:0]        q_vec;
  logic signed [63:0]       ssq;
  logic [32:0]              amax, kmax, vmax;
  logic [31:0]              vu_sats, at_sats, mac_sats, add_sats;
  logic [NlUnits-1:0]       vu_nl_valid, at_nl_valid, nl_res_valid;
  hw_pkg::nl_func_e         vu_nl_func, at_nl_func;
  logic [NlUnits*64-1:0]    vu_nl_arg, at_nl_arg, nl_res;
  logic [NlUnits*7-1:0]     nl_shift;
  logic                     at_mon_valid, at_mon_heads;
  hw_pkg::tap_e             at_mon_stage;
  logic [31:0]              at_mon_index;
  logic [15:0]              at_mon_count;
  logic [MonLanes*32-1:0]   at_mon_data;
  logic signed [7:0]        at_mon_shift;

  hw_sequencer #(
    .Dim(Dim), .HiddenDim(HiddenDim), .NLayers(NLayers), .NHeads(NHeads), .NKvHeads(NKvHeads),
    .VocabSize(VocabSize), .SeqLen(SeqLen), .Rows(Rows), .Lanes(Lanes), .AttnPar(AttnPar),
    .VecLanes(VecLanes), .SgLanes(SgLanes), .BeatsDim(BeatsDim), .BeatsHidden(BeatsHidden),
    .LoraSlots(LoraSlots), .LoraRank(LoraRank)
  ) u_seq (
    .clk_i, .rst_ni,
    .tok_valid_i, .tok_ready_o, .tok_token_i, .tok_pos_i, .out_valid_o, .out_ready_i,
    .op_o(op), .layer_o(layer), .step_o(step), .pos_o(pos), .idle_o(idle),
    .wrom_en_o, .wrom_class_o, .wrom_sel_o, .wrom_addr_o, .wrom_row_o,
    .ng_en_o, .ng_sel_o, .ng_addr_o, .nf_en_o, .nf_addr_o, .rope_en_o, .rope_addr_o,
    .mac_valid_o(mac_valid), .mac_last_o(mac_last), .act_shift_o(act_shift), .mac_hb_o(mac_hb),
    .mac_lr_o(mac_lr), .mac_base_o(mac_base), .mac_res_valid_i(mac_res_valid),
    .lora_on_i, .lora_slot_i, .lora_targets_i, .ad_en_o(ad_en), .ad_addr_o(ad_addr),
    .wr_en_o(wr_en), .wr_vec_o(wr_vec), .wr_src_o(wr_src), .wr_base_o(wr_base),
    .wr_count_o(wr_count), .st_amax_o(st_amax), .st_kmax_o(st_kmax), .st_vmax_o(st_vmax),
    .ssq_clear_o(ssq_clear), .amax_clear_o(amax_clear), .kvmax_clear_o(kvmax_clear),
    .amax_i(amax),
    .rda_en_o(rda_en), .rda_vec_o(rda_vec), .rda_base_o(rda_base),
    .rdb_en_o(rdb_en), .rdb_vec_o(rdb_vec), .rdb_base_o(rdb_base),
    .vu_op_o(vu_op), .vu_base_o(vu_base), .vu_count_o(vu_count), .emb_slot_o(emb_slot),
    .rsqrt_req_o(rsqrt_req), .rsqrt_take_o(rsqrt_take), .rsqrt_valid_i(nl_res_valid[0]),
    .sig_req_o(sig_req), .sig_count_o(sig_count),
    .kv_en_o(kv_en), .kv_value_o(kv_value), .kv_base_o(kv_base), .kv_count_o(kv_count),
    .kv_store_o(kv_store), .sc_issue_o(sc_issue), .sc_first_o(sc_first), .sc_block_o(sc_block),
    .sc_count_o(sc_count), .rc_issue_o(rc_issue), .pv_issue_o(pv_issue), .pv_block_o(pv_block),
    .pv_count_o(pv_count), .out_en_o(out_en), .out_base_o(out_base), .out_count_o(out_count),
    .am_clear_o(am_clear), .am_valid_o(am_valid),
    .sample_i(smp_inv_temp_i != '0), .smp_start_o(smp_start), .smp_done_i(smp_done),
    .mon_valid_o(seq_mon_valid), .mon_stage_o(seq_mon_stage), .mon_layer_o(seq_mon_layer)
  );

  hw_scratch #(
    .Dim(Dim), .HiddenDim(HiddenDim), .KvDim(KvDim), .VocabSize(VocabSize), .VecLanes(VecLanes),
    .Lanes(Lanes), .Rows(Rows), .LoraRank(LoraRank)
  ) u_scratch (
    .clk_i, .rst_ni,
    .wr_en_i(wr_en), .wr_vec_i(wr_vec), .wr_src_i(wr_src), .wr_base_i(wr_base),
    .wr_count_i(wr_count), .vu_data_i(vu_data), .at_data_i(at_data), .mac_data_i(mac_res),
    .add_sats_o(add_sats),
    .st_data_o(st_data),
    .st_amax_i(st_amax), .st_kmax_i(st_kmax), .st_vmax_i(st_vmax), .ssq_clear_i(ssq_clear),
    .amax_clear_i(amax_clear), .kvmax_clear_i(kvmax_clear),
    .ssq_o(ssq), .amax_o(amax), .kmax_o(kmax), .vmax_o(vmax),
    .rda_en_i(rda_en), .rda_vec_i(rda_vec), .rda_base_i(rda_base), .rda_data_o(rda_data),
    .rdb_en_i(rdb_en), .rdb_vec_i(rdb_vec), .rdb_base_i(rdb_base), .rdb_data_o(rdb_data),
    .mac_en_i(mac_valid), .mac_lr_i(mac_lr), .mac_hb_i(mac_hb), .mac_base_i(mac_base),
    .mac_data_o(mac_x),
    .q_o(q_vec),
    .logit_rd_i(idle || smp_rd), .logit_addr_i(smp_rd ? smp_addr : logit_addr_i), .logit_data_o
  );

  // The ROM word's weights at one width (each sign-extended to WeightBits) for the MAC
  // cluster and the embedding path.
  logic [Rows*Lanes*WeightBits-1:0] weights;
  hw_weight_unpack #(
    .Rows(Rows), .Lanes(Lanes), .WeightBits(WeightBits), .Widths(WeightWidths)
  ) u_unpack (
    .bits_i(wrom_bits_i), .word_i(wrom_data_i), .weights_o(weights)
  );

  hw_vector_unit #(
    .Dim(Dim), .NHeads(NHeads), .VecLanes(VecLanes), .Lanes(Lanes), .Rows(Rows),
    .SgLanes(SgLanes), .NlUnits(NlUnits), .WeightBits(WeightBits), .GroupSize(GroupSize),
    .MaxGroups(MaxGroups), .GainBits(GainBits), .RmsEps(RmsEps), .RopePairs(RopePairs)
  ) u_vec (
    .clk_i, .rst_ni,
    .op_i(vu_op), .base_i(vu_base), .count_i(vu_count), .a_i(rda_data), .b_i(rdb_data),
    .emb_w_i(weights), .emb_scale_i(srom_data_i), .emb_slot_i(emb_slot),
    .rsqrt_req_i(rsqrt_req), .ssq_i(ssq), .rsqrt_take_i(rsqrt_take), .frac_i(nf_data_i),
    .gain_i(ng_data_i), .rope_i(rope_data_i), .sig_req_i(sig_req), .sig_count_i(sig_count),
    .nl_valid_o(vu_nl_valid), .nl_func_o(vu_nl_func), .nl_arg_o(vu_nl_arg),
    .nl_res_i(nl_res), .nl_shift_i(nl_shift),
    .data_o(vu_data), .sats_o(vu_sats)
  );

  hw_attention #(
    .Dim(Dim), .NHeads(NHeads), .NKvHeads(NKvHeads), .NLayers(NLayers), .SeqLen(SeqLen),
    .VecLanes(VecLanes), .AttnPar(AttnPar), .NlUnits(NlUnits), .AttScale(AttScale),
    .AttScaleFrac(AttScaleFrac), .Log2eQ24(Log2eQ24)
  ) u_attn (
    .clk_i, .rst_ni,
    .layer_i(layer), .pos_i(pos), .act_shift_i(act_shift), .q_i(q_vec),
    .kv_en_i(kv_en), .kv_value_i(kv_value), .kv_base_i(kv_base), .kv_count_i(kv_count),
    .kv_data_i(rda_data), .kmax_i(kmax), .vmax_i(vmax), .kv_store_i(kv_store),
    .sc_issue_i(sc_issue), .sc_first_i(sc_first), .sc_block_i(sc_block), .sc_count_i(sc_count),
    .rc_issue_i(rc_issue), .pv_issue_i(pv_issue), .pv_block_i(pv_block), .pv_count_i(pv_count),
    .out_en_i(out_en), .out_base_i(out_base), .out_count_i(out_count), .out_data_o(at_data),
    .nl_valid_o(at_nl_valid), .nl_func_o(at_nl_func), .nl_arg_o(at_nl_arg),
    .nl_res_i(nl_res), .nl_shift_i(nl_shift),
    .mon_valid_o(at_mon_valid), .mon_stage_o(at_mon_stage), .mon_index_o(at_mon_index),
    .mon_count_o(at_mon_count), .mon_heads_o(at_mon_heads), .mon_data_o(at_mon_data),
    .mon_shift_o(at_mon_shift), .sats_o(at_sats)
  );

  // ---- the adapter SRAM: the MAC cluster's beats of the low-rank path -------------------------
  // A read's word replaces the ROM's the cycle after (the sequencer reads one or the other).
  localparam int unsigned BeatBits = Rows * Lanes * 8 + Rows * (MaxGroups * 16 + 8);
  localparam int unsigned LrLaneBits = $clog2((BeatBits + 31) / 32);
  logic [Rows*Lanes*WeightBits-1:0] mac_w;
  logic [Rows*(MaxGroups*16+8)-1:0] mac_scale;
  if (LoraSlots != 0) begin : gen_lora
    localparam int unsigned GroupsA   = (LoraRank + Rows - 1) / Rows;
    localparam int unsigned LayerBeats = GroupsA * (6 * BeatsDim + BeatsHidden) +
        2 * ((Dim + Rows - 1) / Rows) + 2 * ((KvDim + Rows - 1) / Rows) +
        2 * ((HiddenDim + Rows - 1) / Rows) + (Dim + Rows - 1) / Rows;
    logic [BeatBits-1:0] ad_rdata;
    logic                ad_sel_q;  // the beat presented now is the adapter SRAM's
    if (LoraSlotBeats != NLayers * LayerBeats) begin : gen_bad_layout
      $fatal(1, "hw_core: LoraSlotBeats disagrees with golden/adapter_layout.cc");
    end
    hw_adapter_sram #(.Depth(LoraSlots * LoraSlotBeats), .Width(BeatBits), .LaneBits(LrLaneBits)) u_adapters (
      .clk_i, .we_i(ad_we_i), .waddr_i(ad_beat_i), .wlane_i(ad_lane_i), .wdata_i(ad_data_i),
      .re_i(ad_en), .raddr_i(ad_addr), .rdata_o(ad_rdata)
    );
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) ad_sel_q <= 1'b0;
      else         ad_sel_q <= ad_en;
    end
    // The adapters' weights are int8: the MAC cluster is 8 bits wide (weightgen refuses
    // slots on a narrower format).
    assign mac_w     = ad_sel_q ? (Rows*Lanes*WeightBits)'(ad_rdata[Rows*Lanes*8-1:0]) : weights;
    assign mac_scale = ad_sel_q ? ad_rdata[BeatBits-1:Rows*Lanes*8] : srom_data_i;
    if (WeightBits != 8) begin : gen_bad_lora_bits
      $fatal(1, "hw_core: adapter slots need 8-bit MAC weights");
    end
  end else begin : gen_no_lora
    assign mac_w     = weights;
    assign mac_scale = srom_data_i;
    logic unused_lora;
    assign unused_lora = ^{ad_we_i, ad_beat_i, ad_lane_i, ad_data_i, ad_en, ad_addr};
  end

  hw_mac_cluster #(
    .Rows(Rows), .Lanes(Lanes), .WeightBits(WeightBits), .GroupSize(GroupSize),
    .MaxGroups(MaxGroups), .MaxBeats(MaxBeats)
  ) u_mac (
    .clk_i, .rst_ni,
    .beat_valid_i(mac_valid), .beat_ready_o(mac_ready), .beat_last_i(mac_last), .beat_w_i(mac_w),
    .beat_x_i(mac_x), .beat_scale_i(mac_scale), .act_shift_i(act_shift),
    .res_valid_o(mac_res_valid), .res_ready_i(1'b1), .res_data_o(mac_res), .res_sats_o(mac_sats),
    .mac_busy_o(mac_busy)
  );

  // Table units' second requester: the attention unit, or (in OpSample, when attention is
  // idle) the sampler's 2^-z on unit 0.
  logic [NlUnits-1:0]    b_nl_valid;
  hw_pkg::nl_func_e      b_nl_func;
  logic [NlUnits*64-1:0] b_nl_arg;
  always_comb begin
    b_nl_valid = at_nl_valid;  b_nl_func = at_nl_func;  b_nl_arg = at_nl_arg;
    if (smp_exp_valid) begin
      b_nl_valid[0] = 1'b1;  b_nl_func = hw_pkg::NlExp2Neg;  b_nl_arg[63:0] = smp_exp_arg;
    end
  end

  hw_table_units #(
    .NlUnits(NlUnits), .RecipUnits(NHeads), .SigmoidUnits(SgLanes),
    .RsqrtIndexBits(RsqrtIndexBits), .RecipIndexBits(RecipIndexBits),
    .Exp2IndexBits(Exp2IndexBits), .SigmoidIndexBits(SigmoidIndexBits),
    .SigmoidRange(SigmoidRange), .EntryBits(EntryBits), .Exp2EntryBits(Exp2EntryBits)
  ) u_tables (
    .clk_i, .rst_ni,
    .a_valid_i(vu_nl_valid), .a_func_i(vu_nl_func), .a_arg_i(vu_nl_arg),
    .b_valid_i(b_nl_valid), .b_func_i(b_nl_func), .b_arg_i(b_nl_arg),
    .res_valid_o(nl_res_valid), .res_data_o(nl_res), .res_shift_o(nl_shift),
    .rsqrt_en_o, .rsqrt_addr_o, .rsqrt_data_i, .recip_en_o, .recip_addr_o, .recip_data_i,
    .exp2neg_en_o, .exp2neg_addr_o, .exp2neg_data_i, .sigmoid_en_o, .sigmoid_addr_o,
    .sigmoid_data_i
  );

  hw_argmax #(.Rows(Rows)) u_argmax (
    .clk_i, .rst_ni, .clear_i(am_clear), .valid_i(am_valid), .base_i(wr_base),
    .count_i(wr_count), .data_i(mac_res), .best_o(am_token), .best_val_o(am_max)
  );

  hw_sampler #(.VocabSize(VocabSize), .Log2eQ24(Log2eQ24)) u_sampler (
    .clk_i, .rst_ni,
    .inv_temp_i(smp_inv_temp_i), .top_k_i(smp_top_k_i), .top_p_i(smp_top_p_i), .seed_i(smp_seed_i),
    .start_i(smp_start), .pos_i(pos), .max_i(am_max), .done_o(smp_done), .token_o(smp_token),
    .logit_rd_o(smp_rd), .logit_addr_o(smp_addr), .logit_data_i(logit_data_o),
    .exp_valid_o(smp_exp_valid), .exp_arg_o(smp_exp_arg), .exp_res_i(nl_res[63:0])
  );
  assign out_token_o = (smp_inv_temp_i != '0) ? smp_token : am_token;

  hw_monitor #(.VecLanes(VecLanes), .MonLanes(MonLanes)) u_monitor (
    .clk_i, .rst_ni,
    .wr_valid_i(seq_mon_valid), .wr_stage_i(seq_mon_stage), .wr_layer_i(seq_mon_layer),
    .wr_base_i(wr_base), .wr_count_i(wr_count), .st_data_i(st_data),
    .at_valid_i(at_mon_valid), .at_stage_i(at_mon_stage), .at_index_i(at_mon_index),
    .at_count_i(at_mon_count), .at_heads_i(at_mon_heads), .at_data_i(at_mon_data),
    .at_shift_i(at_mon_shift),
    .mon_valid_o, .mon_stage_o, .mon_layer_o, .mon_index_o, .mon_count_o, .mon_heads_o,
    .mon_data_o, .mon_shift_o
  );

  hw_perf_counters u_perf (
    .clk_i, .rst_ni, .op_i(op), .mac_busy_i(mac_busy), .vu_sats_i(vu_sats), .at_sats_i(at_sats),
    .mac_sats_i(mac_sats + add_sats),
    .cycles_o(perf_cycles_o), .mac_busy_o(perf_mac_busy_o), .matvec_cycles_o(perf_matvec_cycles_o),
    .attention_cycles_o(perf_attention_cycles_o), .vector_cycles_o(perf_vector_cycles_o),
    .tokens_o(perf_tokens_o), .saturations_o(perf_saturations_o)
  );

  assign dbg_op_o    = op;
  assign dbg_layer_o = layer;
  assign dbg_step_o  = step;

  // ---- parameter checks ----------------------------------------------------------------------
  if (VecLanes != ((Lanes > Rows) ? Lanes : Rows) || NlUnits != NHeads * AttnPar ||
      SgLanes != ((NlUnits < VecLanes) ? NlUnits : VecLanes) ||
      MonLanes != ((VecLanes > NlUnits) ? VecLanes : NlUnits)) begin : gen_bad_derived
    $fatal(1, "hw_core: VecLanes, NlUnits, SgLanes or MonLanes disagree with golden/datapath.h");
  end
  if (Rows < 1 || Rows > 64 || AttnPar < 1 || AttnPar > 64) begin : gen_bad_par
    $fatal(1, "hw_core: Rows and AttnPar must be 1..64");
  end

`ifndef SYNTHESIS
  // The sampler and the attention unit never ask the table units in the same cycle.
  assert property (@(posedge clk_i) disable iff (!rst_ni) smp_exp_valid |-> at_nl_valid == '0 && vu_nl_valid == '0)
    else $error("hw_core: the sampler and another unit asked the table units at once");
  // Results are always taken, so the MAC cluster never stalls a beat.
  assert property (@(posedge clk_i) disable iff (!rst_ni) mac_valid |-> mac_ready)
    else $error("hw_core: MAC cluster stalled");
`else
  logic unused_ready;
  assign unused_ready = mac_ready;
`endif

endmodule
