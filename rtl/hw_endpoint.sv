// SPDX-License-Identifier: MIT
// hw_endpoint: the chip's host-link endpoint (docs/host-interface.md). The link's receive
// and transmit sides (hw_link_rx, hw_link_tx) carry TLPs; here is the transaction layer:
// register reads and writes with completions, the register file, and the generation
// controller that feeds prompt tokens (then its own outputs) to the core and streams the
// results back (TOKEN_OUT, LOGITS on request, READY when a generation ends).

module hw_endpoint #(
  /// The model (the generated <name>_cfg_pkg).
  parameter int unsigned Dim        = 64,
  parameter int unsigned HiddenDim  = 172,
  parameter int unsigned NLayers    = 5,
  parameter int unsigned NHeads     = 8,
  parameter int unsigned NKvHeads   = 4,
  parameter int unsigned VocabSize  = 512,
  parameter int unsigned SeqLen     = 512,
  parameter int unsigned Rows       = 1,
  parameter int unsigned Lanes      = 64,
  parameter int unsigned AttnPar    = 1,
  parameter logic [255:0] ModelHash = '0,
  /// The adapter SRAM (golden/adapter_layout.h): slots (0: none), the largest rank, a slot's
  /// beats, log2 of the 32-bit words a beat takes in the address space.
  parameter int unsigned LoraSlots    = 0,
  parameter int unsigned LoraRank     = 8,
  parameter int unsigned LoraSlotBeats = 1,
  parameter int unsigned LoraLaneBits = 5,
  /// Logits per LOGITS message.
  parameter int unsigned LogitsPerTlp = 32,
  /// Replay timer of the transmit side, in cycles.
  parameter int unsigned ReplayTimeout = 4096
) (
  input  logic clk_i,
  input  logic rst_ni,

  // The link's symbol streams (32 bits per cycle, k marks a control symbol).
  input  logic        rx_valid_i,
  input  logic        rx_k_i,
  input  logic [31:0] rx_data_i,
  output logic        tx_valid_o,
  output logic        tx_k_o,
  output logic [31:0] tx_data_o,

  // The core's token interface (hw_core).
  output logic        tok_valid_o,
  input  logic        tok_ready_i,
  output logic [31:0] tok_token_o,
  output logic [31:0] tok_pos_o,
  input  logic        out_valid_i,
  output logic        out_ready_o,
  input  logic [31:0] out_token_i,
  output logic [31:0] logit_addr_o,       // read the cycle before its word goes out:
  input  logic signed [31:0] logit_data_i,  // the core's logits are an SRAM (data a cycle later)
  // The sampler's settings (SAMPLE_* registers; hw_sampler).
  output logic [31:0] smp_inv_temp_o,
  output logic [31:0] smp_top_k_o,
  output logic [31:0] smp_top_p_o,
  output logic [63:0] smp_seed_o,
  // LoRA (ADAPTER_* registers, ADAPTER_WRITE): the adapter SRAM's write port in the core
  // (32-bit word ad_lane_o of beat ad_beat_o) and the selected slot.
  output logic        ad_we_o,
  output logic [31:0] ad_beat_o,
  output logic [31:0] ad_lane_o,
  output logic [31:0] ad_data_o,
  output logic        lora_on_o,
  output logic [7:0]  lora_slot_o,
  output logic [6:0]  lora_targets_o,

  // The core's performance counters (the per-class cycle counts' low words).
  input  logic [63:0] perf_cycles_i,
  input  logic [63:0] perf_mac_busy_i,
  input  logic [31:0] perf_matvec_cycles_i,
  input  logic [31:0] perf_attention_cycles_i,
  input  logic [31:0] perf_vector_cycles_i,
  input  logic [31:0] perf_tokens_i,
  input  logic [31:0] perf_saturations_i
);

  localparam int unsigned AdMaxWords = 16;                 // data words of an ADAPTER_WRITE
  localparam int unsigned RxPayload = 2 + AdMaxWords;     // longest request: ADAPTER_WRITE
  localparam int unsigned SlotWords = LoraSlotBeats << LoraLaneBits;  // ADAPTER_SLOT_WORDS
  localparam int unsigned NSlots    = (LoraSlots > 0) ? LoraSlots : 1;  // the arrays' size
  localparam int unsigned TxPayload = 3 + LogitsPerTlp;   // longest message: LOGITS

  // ---- link ----------------------------------------------------------------------------------
  logic                     rq_valid, rq_ready;
  logic [15:0]              rq_len;
  logic [RxPayload*32-1:0]  rq_data;
  logic [11:0]              fc_limit, ack_seq, dllp_value;
  logic                     ack_req, nak_req, dllp_valid;
  logic [3:0]               dllp_kind;
  logic                     app_valid, app_ready, app_last;
  logic [15:0]              app_len;
  logic [31:0]              app_data;
  logic [31:0]              c_rx_tlps, c_bad_crc, c_framing, c_seq, c_dup, c_naks_sent;
  logic [31:0]              c_tx_tlps, c_naks_rcvd, c_replays, c_timeouts;

  hw_link_rx #(.MaxPayload(RxPayload), .Slots(4)) u_rx (
    .clk_i, .rst_ni,
    .rx_valid_i, .rx_k_i, .rx_data_i,
    .tlp_valid_o(rq_valid), .tlp_ready_i(rq_ready), .tlp_len_o(rq_len), .tlp_data_o(rq_data),
    .fc_limit_o(fc_limit), .ack_req_o(ack_req), .nak_req_o(nak_req), .ack_seq_o(ack_seq),
    .dllp_valid_o(dllp_valid), .dllp_kind_o(dllp_kind), .dllp_value_o(dllp_value),
    .cnt_tlps_o(c_rx_tlps), .cnt_bad_crc_o(c_bad_crc), .cnt_framing_o(c_framing),
    .cnt_seq_o(c_seq), .cnt_dup_o(c_dup), .cnt_naks_o(c_naks_sent)
  );

  hw_link_tx #(.BufWords(256), .MaxPayload(TxPayload), .ReplayTimeout(ReplayTimeout)) u_tx (
    .clk_i, .rst_ni,
    .tx_valid_o, .tx_k_o, .tx_data_o,
    .app_valid_i(app_valid), .app_ready_o(app_ready), .app_len_i(app_len),
    .app_data_i(app_data), .app_last_i(app_last),
    .fc_limit_i(fc_limit), .ack_req_i(ack_req), .nak_req_i(nak_req), .ack_seq_i(ack_seq),
    .dllp_valid_i(dllp_valid), .dllp_kind_i(dllp_kind), .dllp_value_i(dllp_value),
    .cnt_tx_tlps_o(c_tx_tlps), .cnt_naks_o(c_naks_rcvd), .cnt_replays_o(c_replays),
    .cnt_timeouts_o(c_timeouts)
  );

  // The request at the head of the queue.
  logic [7:0]  rq_type, rq_tag;
  logic        rq_last;   // TOKEN_IN: the prompt's last token
  logic [31:0] rq_w1, rq_w2;
  assign rq_type = rq_data[31:24];
  assign rq_tag  = rq_data[23:16];
  assign rq_last = rq_data[0];
  assign rq_w1   = rq_data[63:32];
  assign rq_w2   = rq_data[95:64];

  // ---- registers and the generation controller ----------------------------------------------
  typedef enum logic [2:0] { StIdle, StMsg, StLogits, StTokenDone, StAdapter } st_e;
  typedef enum logic [1:0] { AfterNone, AfterToken, AfterLogits } after_e;

  st_e          st_q, st_d;
  after_e       after_q, after_d;
  logic [31:0]  msg_q [3], msg_d [3];   // header words of the message being sent
  logic [15:0]  msg_len_q, msg_len_d;   // its payload words
  logic [15:0]  msg_k_q, msg_k_d;       // words sent
  logic [31:0]  log_off_q, log_off_d;   // first logit of the LOGITS message being sent

  logic         running_q, running_d;   // a generation is running
  logic         end_req_q, end_req_d;   // it ends once the token in flight is out
  logic [7:0]   end_code_q, end_code_d; // why (END_*); STATUS bits 15:8
  logic         end_pend_q, end_pend_d; // READY is due
  logic         error_q, error_d;       // STATUS.error
  logic         logits_q, logits_d;     // CONTROL.LOGITS
  logic [31:0]  steps_q, steps_d, generated_q, generated_d, pos_q, pos_d;
  logic         prompt_valid_q, prompt_valid_d, prompt_last_q, prompt_last_d;
  logic [31:0]  prompt_q, prompt_d;
  logic         prompt_done_q, prompt_done_d;  // the prompt's last token was taken
  logic         busy_q, busy_d;               // a token is in the core
  logic         cur_prompt_q, cur_prompt_d;   // ... and it is a prompt token
  logic         cur_last_q, cur_last_d;       // ... the prompt's last
  logic [31:0]  cur_pos_q, cur_pos_d;
  logic [31:0]  last_out_q, last_out_d;       // the latest generated token (fed back)
  logic [31:0]  tl_errors_q, tl_errors_d;
  logic [31:0]  inv_temp_q, inv_temp_d, top_k_q, top_k_d, top_p_q, top_p_d;
  logic [63:0]  seed_q, seed_d;
  // LoRA: the slot the ADAPTER_* registers address, each slot's targets and hash (CRC
  // register, sent inverted), the selected slot (1 + index; 0 none), the word being written.
  logic [7:0]   ad_slot_q, ad_slot_d;
  logic [6:0]   ad_targets_q [NSlots], ad_targets_d [NSlots];
  logic [31:0]  ad_crc_q [NSlots], ad_crc_d [NSlots];
  logic [7:0]   ad_select_q, ad_select_d;
  logic [4:0]   ad_k_q, ad_k_d;
  localparam int unsigned MaxSlot = NSlots - 1;
  localparam int unsigned SlotW = (NSlots > 1) ? $clog2(NSlots) : 1;
  logic [SlotW-1:0] ad_idx, sel_idx;  // ADAPTER_SLOT's and the selected slot's array index
  assign ad_idx  = SlotW'(32'(ad_slot_q) % NSlots);
  assign sel_idx = SlotW'(32'(lora_slot_o) % NSlots);

  // Register read: value, and whether the address is in the map.
  logic [31:0] rd_data;
  logic        rd_hit;
  always_comb begin
    rd_hit = 1'b1;
    unique case (rq_w1)
      hw_link_pkg::REG_ID:           rd_data = hw_link_pkg::LINK_ID;
      hw_link_pkg::REG_VERSION:      rd_data = hw_link_pkg::LINK_VERSION;
      hw_link_pkg::REG_MODEL_HASH0:  rd_data = ModelHash[255:224];
      hw_link_pkg::REG_MODEL_HASH1:  rd_data = ModelHash[223:192];
      hw_link_pkg::REG_MODEL_HASH2:  rd_data = ModelHash[191:160];
      hw_link_pkg::REG_MODEL_HASH3:  rd_data = ModelHash[159:128];
      hw_link_pkg::REG_MODEL_HASH4:  rd_data = ModelHash[127:96];
      hw_link_pkg::REG_MODEL_HASH5:  rd_data = ModelHash[95:64];
      hw_link_pkg::REG_MODEL_HASH6:  rd_data = ModelHash[63:32];
      hw_link_pkg::REG_MODEL_HASH7:  rd_data = ModelHash[31:0];
      hw_link_pkg::REG_DIM:          rd_data = Dim;
      hw_link_pkg::REG_HIDDEN_DIM:   rd_data = HiddenDim;
      hw_link_pkg::REG_N_LAYERS:     rd_data = NLayers;
      hw_link_pkg::REG_N_HEADS:      rd_data = NHeads;
      hw_link_pkg::REG_N_KV_HEADS:   rd_data = NKvHeads;
      hw_link_pkg::REG_VOCAB_SIZE:   rd_data = VocabSize;
      hw_link_pkg::REG_SEQ_LEN:      rd_data = SeqLen;
      hw_link_pkg::REG_LANES:        rd_data = Lanes;
      hw_link_pkg::REG_ROWS:         rd_data = Rows;
      hw_link_pkg::REG_ATTN_PAR:     rd_data = AttnPar;
      hw_link_pkg::REG_ADAPTER_SLOTS: rd_data = LoraSlots;
      hw_link_pkg::REG_ADAPTER_RANK: rd_data = (LoraSlots > 0) ? LoraRank : 0;
      hw_link_pkg::REG_ADAPTER_SLOT_WORDS: rd_data = (LoraSlots > 0) ? SlotWords : 0;
      hw_link_pkg::REG_ADAPTER_SLOT: rd_data = 32'(ad_slot_q);
      hw_link_pkg::REG_ADAPTER_TARGETS: rd_data = 32'(ad_targets_q[ad_idx]);
      hw_link_pkg::REG_ADAPTER_HASH: rd_data = ~ad_crc_q[ad_idx];
      hw_link_pkg::REG_ADAPTER_SELECT: rd_data = 32'(ad_select_q);
      hw_link_pkg::REG_STATUS:       rd_data = {16'd0, end_code_q, 6'd0, error_q, running_q};
      hw_link_pkg::REG_CONTROL:      rd_data = {28'd0, logits_q, 3'd0};
      hw_link_pkg::REG_STEPS:        rd_data = steps_q;
      hw_link_pkg::REG_POSITION:     rd_data = pos_q;
      hw_link_pkg::REG_GENERATED:    rd_data = generated_q;
      hw_link_pkg::REG_SAMPLE_INV_TEMP: rd_data = inv_temp_q;
      hw_link_pkg::REG_SAMPLE_TOP_K:  rd_data = top_k_q;
      hw_link_pkg::REG_SAMPLE_TOP_P:  rd_data = top_p_q;
      hw_link_pkg::REG_SAMPLE_SEED_LO: rd_data = seed_q[31:0];
      hw_link_pkg::REG_SAMPLE_SEED_HI: rd_data = seed_q[63:32];
      hw_link_pkg::REG_CYCLES_LO:    rd_data = perf_cycles_i[31:0];
      hw_link_pkg::REG_CYCLES_HI:    rd_data = perf_cycles_i[63:32];
      hw_link_pkg::REG_MAC_BUSY_LO:  rd_data = perf_mac_busy_i[31:0];
      hw_link_pkg::REG_MAC_BUSY_HI:  rd_data = perf_mac_busy_i[63:32];
      hw_link_pkg::REG_MATVEC_LO:    rd_data = perf_matvec_cycles_i;
      hw_link_pkg::REG_ATTENTION_LO: rd_data = perf_attention_cycles_i;
      hw_link_pkg::REG_VECTOR_LO:    rd_data = perf_vector_cycles_i;
      hw_link_pkg::REG_TOKENS:       rd_data = perf_tokens_i;
      hw_link_pkg::REG_SATURATIONS:  rd_data = perf_saturations_i;
      hw_link_pkg::REG_RX_TLPS:      rd_data = c_rx_tlps;
      hw_link_pkg::REG_RX_BAD_CRC:   rd_data = c_bad_crc;
      hw_link_pkg::REG_RX_FRAMING:   rd_data = c_framing;
      hw_link_pkg::REG_RX_SEQ:       rd_data = c_seq;
      hw_link_pkg::REG_RX_DUPLICATE: rd_data = c_dup;
      hw_link_pkg::REG_NAKS_SENT:    rd_data = c_naks_sent;
      hw_link_pkg::REG_NAKS_RECEIVED: rd_data = c_naks_rcvd;
      hw_link_pkg::REG_REPLAYS:      rd_data = c_replays;
      hw_link_pkg::REG_REPLAY_TIMEOUTS: rd_data = c_timeouts;
      hw_link_pkg::REG_TX_TLPS:      rd_data = c_tx_tlps;
      hw_link_pkg::REG_TL_ERRORS:    rd_data = tl_errors_q;
      default: begin
        rd_data = '0;  rd_hit = 1'b0;
      end
    endcase
  end

  // The sampler's registers and their ranges.
  function automatic logic is_sample_reg(input logic [31:0] addr);
    is_sample_reg = addr == hw_link_pkg::REG_SAMPLE_INV_TEMP || addr == hw_link_pkg::REG_SAMPLE_TOP_K ||
                    addr == hw_link_pkg::REG_SAMPLE_TOP_P || addr == hw_link_pkg::REG_SAMPLE_SEED_LO ||
                    addr == hw_link_pkg::REG_SAMPLE_SEED_HI;
  endfunction
  function automatic logic sample_value_ok(input logic [31:0] addr, input logic [31:0] v);
    unique case (addr)
      hw_link_pkg::REG_SAMPLE_INV_TEMP: sample_value_ok = v <= 32'h0100_0000;
      hw_link_pkg::REG_SAMPLE_TOP_K:    sample_value_ok = v <= 32'd64;
      hw_link_pkg::REG_SAMPLE_TOP_P:    sample_value_ok = v >= 32'd1 && v <= 32'd65536;
      default:                          sample_value_ok = 1'b1;
    endcase
  endfunction

  // The adapter registers the host writes, and their ranges.
  function automatic logic is_adapter_reg(input logic [31:0] addr);
    is_adapter_reg = addr == hw_link_pkg::REG_ADAPTER_SLOT || addr == hw_link_pkg::REG_ADAPTER_TARGETS ||
                     addr == hw_link_pkg::REG_ADAPTER_SELECT;
  endfunction
  function automatic logic adapter_value_ok(input logic [31:0] addr, input logic [31:0] v);
    unique case (addr)
      hw_link_pkg::REG_ADAPTER_SLOT:    adapter_value_ok = LoraSlots > 0 && v <= MaxSlot;
      hw_link_pkg::REG_ADAPTER_TARGETS: adapter_value_ok = v < 32'd128 && LoraSlots > 0;
      default:                          adapter_value_ok = v <= LoraSlots;  // ADAPTER_SELECT
    endcase
  endfunction
  // ADAPTER_WRITE: its data words (header bits 15:0), its first word address, word k.
  logic [31:0] ad_count;
  assign ad_count = 32'(rq_data[15:0]);
  function automatic logic [31:0] rq_word(input int unsigned k);
    rq_word = rq_data[k*32 +: 32];
  endfunction

  // A message: three header words, then (LOGITS) the logits themselves.
  function automatic logic [31:0] tl_header(input logic [7:0] typ, input logic [7:0] tag,
                                            input logic [15:0] arg);
    tl_header = {typ, tag, arg};
  endfunction

  // Logits in the LOGITS message that starts at logit off.
  function automatic logic [31:0] logits_at(input logic [31:0] off);
    logits_at = (VocabSize - off < LogitsPerTlp) ? VocabSize - off : LogitsPerTlp;
  endfunction

  logic [31:0] wr_val, next_off;
  logic [15:0] n_logits;
  logic [7:0]  status;
  assign wr_val = rq_w2;

  always_comb begin
    for (int k = 0; k < 3; k++) msg_d[k] = msg_q[k];
    st_d = st_q;  after_d = after_q;  msg_len_d = msg_len_q;  msg_k_d = msg_k_q;
    log_off_d = log_off_q;
    running_d = running_q;  end_req_d = end_req_q;  end_code_d = end_code_q;
    end_pend_d = end_pend_q;  error_d = error_q;  logits_d = logits_q;
    steps_d = steps_q;  generated_d = generated_q;  pos_d = pos_q;
    prompt_valid_d = prompt_valid_q;  prompt_last_d = prompt_last_q;  prompt_d = prompt_q;
    prompt_done_d = prompt_done_q;  busy_d = busy_q;  cur_prompt_d = cur_prompt_q;
    cur_last_d = cur_last_q;  cur_pos_d = cur_pos_q;  last_out_d = last_out_q;
    tl_errors_d = tl_errors_q;
    inv_temp_d = inv_temp_q;  top_k_d = top_k_q;  top_p_d = top_p_q;  seed_d = seed_q;
    ad_slot_d = ad_slot_q;  ad_select_d = ad_select_q;  ad_k_d = ad_k_q;
    for (int k = 0; k < NSlots; k++) begin ad_targets_d[k] = ad_targets_q[k];  ad_crc_d[k] = ad_crc_q[k]; end
    ad_we_o = 1'b0;  ad_beat_o = '0;  ad_lane_o = '0;  ad_data_o = '0;
    rq_ready = 1'b0;  status = hw_link_pkg::STATUS_OK;  next_off = '0;  n_logits = '0;
    app_valid = 1'b0;  app_len = msg_len_q;  app_data = '0;  app_last = 1'b0;
    out_ready_o = 1'b0;
    tok_valid_o = 1'b0;  tok_token_o = prompt_q;  tok_pos_o = pos_q;

    unique case (st_q)
      // ---- pick the next thing to do: a token out, a READY, or the next request ----
      StIdle: begin
        if (out_valid_i) begin
          msg_d[0] = tl_header(hw_link_pkg::TYPE_TOKEN_OUT, 8'd0, 16'(!(cur_prompt_q && !cur_last_q) &&
                                                     generated_q < steps_q));
          msg_d[1] = cur_pos_q;  msg_d[2] = out_token_i;
          msg_len_d = 16'(hw_link_pkg::TYPE_TOKEN_OUT_WORDS);  msg_k_d = '0;
          after_d = logits_q ? AfterLogits : AfterToken;  log_off_d = '0;
          st_d = StMsg;
        end else if (end_pend_q) begin
          msg_d[0] = tl_header(hw_link_pkg::TYPE_READY, 8'd0, {8'd0, end_code_q});
          msg_d[1] = pos_q;  msg_d[2] = generated_q;
          msg_len_d = 16'(hw_link_pkg::TYPE_READY_WORDS);  msg_k_d = '0;  after_d = AfterNone;
          end_pend_d = 1'b0;
          st_d = StMsg;
        end else if (rq_valid) begin
          msg_d[0] = '0;  msg_d[1] = '0;  msg_d[2] = '0;
          unique case (rq_type)
            hw_link_pkg::TYPE_REG_READ: begin
              if (32'(rq_len) != hw_link_pkg::TYPE_REG_READ_WORDS) status = hw_link_pkg::STATUS_MALFORMED;
              else if (!rd_hit) status = hw_link_pkg::STATUS_UNSUPPORTED;
              else msg_d[1] = rd_data;
            end
            hw_link_pkg::TYPE_REG_WRITE: begin
              if (32'(rq_len) != hw_link_pkg::TYPE_REG_WRITE_WORDS) begin
                status = hw_link_pkg::STATUS_MALFORMED;
              end else if (rq_w1 == hw_link_pkg::REG_CONTROL) begin
                if (running_q && (wr_val[0] || wr_val[1])) begin
                  status = hw_link_pkg::STATUS_BUSY;
                end else begin
                  logits_d = wr_val[3];
                  if (wr_val[0]) begin
                    pos_d = '0;  error_d = 1'b0;  end_code_d = hw_link_pkg::END_DONE;  generated_d = '0;
                  end
                  if (wr_val[1]) begin
                    running_d = 1'b1;  generated_d = '0;  prompt_done_d = 1'b0;
                    error_d = 1'b0;  end_code_d = hw_link_pkg::END_DONE;
                  end
                  if (wr_val[2] && running_q && !end_req_q) begin
                    end_req_d = 1'b1;  end_code_d = hw_link_pkg::END_STOPPED;
                  end
                end
              end else if (rq_w1 == hw_link_pkg::REG_STEPS || rq_w1 == hw_link_pkg::REG_POSITION) begin
                if (running_q) status = hw_link_pkg::STATUS_BUSY;
                else if (rq_w1 == hw_link_pkg::REG_STEPS) steps_d = wr_val;
                else pos_d = wr_val;
              end else if (is_sample_reg(rq_w1)) begin
                // The sampler's settings hold for a whole generation; out-of-range values
                // are refused (hw_sampler assumes them in range).
                if (running_q) status = hw_link_pkg::STATUS_BUSY;
                else if (!sample_value_ok(rq_w1, wr_val)) status = hw_link_pkg::STATUS_RANGE;
                else unique case (rq_w1)
                  hw_link_pkg::REG_SAMPLE_INV_TEMP: inv_temp_d = wr_val;
                  hw_link_pkg::REG_SAMPLE_TOP_K:    top_k_d = wr_val;
                  hw_link_pkg::REG_SAMPLE_TOP_P:    top_p_d = wr_val;
                  hw_link_pkg::REG_SAMPLE_SEED_LO:  seed_d[31:0] = wr_val;
                  default:                          seed_d[63:32] = wr_val;
                endcase
              end else if (is_adapter_reg(rq_w1)) begin
                // A slot changes only between generations (the sequencer reads the selected one).
                if (running_q) status = hw_link_pkg::STATUS_BUSY;
                else if (!adapter_value_ok(rq_w1, wr_val)) status = hw_link_pkg::STATUS_RANGE;
                else unique case (rq_w1)
                  hw_link_pkg::REG_ADAPTER_SLOT: ad_slot_d = wr_val[7:0];
                  hw_link_pkg::REG_ADAPTER_TARGETS: begin
                    ad_targets_d[ad_idx] = wr_val[6:0];
                    ad_crc_d[ad_idx] = 32'hffffffff;
                  end
                  default: ad_select_d = wr_val[7:0];
                endcase
              end else if (rd_hit) begin
                status = hw_link_pkg::STATUS_READ_ONLY;
              end else begin
                status = hw_link_pkg::STATUS_UNSUPPORTED;
              end
            end
            hw_link_pkg::TYPE_TOKEN_IN: begin
              // Posted: errors end the generation (READY carries the code) or set STATUS.
              if (32'(rq_len) != hw_link_pkg::TYPE_TOKEN_IN_WORDS || !running_q || end_req_q) begin
                tl_errors_d = tl_errors_q + 32'd1;
                if (!running_q) begin
                  error_d = 1'b1;
                  if (!error_q) end_code_d = hw_link_pkg::END_NOT_RUNNING;
                end
              end else if (rq_w1 >= VocabSize) begin
                tl_errors_d = tl_errors_q + 32'd1;
                end_req_d = 1'b1;  end_code_d = hw_link_pkg::END_BAD_TOKEN;
              end
            end
            hw_link_pkg::TYPE_ADAPTER_WRITE: begin
              // Written a word a cycle (StAdapter), then completed.
              if (LoraSlots == 0) status = hw_link_pkg::STATUS_UNSUPPORTED;
              else if (ad_count < 32'd1 || ad_count > AdMaxWords ||
                       32'(rq_len) != hw_link_pkg::TYPE_ADAPTER_WRITE_WORDS + ad_count)
                status = hw_link_pkg::STATUS_MALFORMED;
              else if (running_q) status = hw_link_pkg::STATUS_BUSY;
              else if (rq_w1 >= SlotWords || SlotWords - rq_w1 < ad_count) status = hw_link_pkg::STATUS_RANGE;
            end
            default: status = hw_link_pkg::STATUS_UNSUPPORTED;
          endcase
          if (rq_type == hw_link_pkg::TYPE_ADAPTER_WRITE && status == hw_link_pkg::STATUS_OK) begin
            ad_k_d = '0;
            st_d = StAdapter;
          end else if (rq_type == hw_link_pkg::TYPE_TOKEN_IN) begin
            // A good prompt token waits for the slot to free; everything else is taken now.
            if (!(32'(rq_len) == hw_link_pkg::TYPE_TOKEN_IN_WORDS && running_q && !end_req_q &&
                  rq_w1 < VocabSize)) begin
              rq_ready = 1'b1;
            end else if (!prompt_valid_q) begin
              rq_ready = 1'b1;
              prompt_valid_d = 1'b1;  prompt_d = rq_w1;  prompt_last_d = rq_last;
`ifdef HW_FAULT_PROMPT_DROP
              // planted fault: a prompt token other than the first and the last is dropped
              if (pos_q == 32'd1 && !rq_last) prompt_valid_d = 1'b0;
`endif
            end
          end else begin
            rq_ready = 1'b1;
            if (status != hw_link_pkg::STATUS_OK) tl_errors_d = tl_errors_q + 32'd1;
            msg_d[0] = tl_header(hw_link_pkg::TYPE_COMPLETION, rq_tag, {8'd0, status});
            msg_len_d = 16'(hw_link_pkg::TYPE_COMPLETION_WORDS);  msg_k_d = '0;  after_d = AfterNone;
            st_d = StMsg;
          end
        end
      end

      // ---- stream a message to the transmit side ----
      StMsg, StLogits: begin
        app_valid = 1'b1;
        app_data = (msg_k_q < 16'd3) ? msg_q[msg_k_q[1:0]] : logit_data_i;
`ifdef HW_FAULT_UNSTABLE_MSG
        // Planted fault (tests only): the offered word changes while the link is not ready,
        // breaking the valid/ready contract; the assertion below must fire.
        if (!app_ready) app_data = app_data ^ 32'(perf_cycles_i[0]);
`endif
        app_last = msg_k_q == msg_len_q - 16'd1;
        if (app_ready) begin
          msg_k_d = msg_k_q + 16'd1;
          if (app_last) begin
            // After TOKEN_OUT (logits requested) or a LOGITS message with more to come: the
            // next LOGITS message; after the last, the token is done.
            next_off = (st_q == StLogits) ? log_off_q + logits_at(log_off_q) : 32'd0;
            n_logits = 16'(logits_at(next_off));
            if ((st_q == StMsg && after_q == AfterLogits) ||
                (st_q == StLogits && next_off < VocabSize)) begin
              msg_d[0] = tl_header(hw_link_pkg::TYPE_LOGITS, 8'd0, n_logits);
              msg_d[1] = cur_pos_q;  msg_d[2] = next_off;
              msg_len_d = 16'(hw_link_pkg::TYPE_LOGITS_WORDS) + n_logits;  msg_k_d = '0;
              log_off_d = next_off;
              st_d = StLogits;
            end else if (st_q == StLogits || after_q == AfterToken) begin
              st_d = StTokenDone;
            end else begin
              st_d = StIdle;
            end
          end
        end
      end

      // ---- ADAPTER_WRITE: data word k into the slot, hashed; then the completion ----
      StAdapter: begin
        ad_we_o = 1'b1;
        ad_beat_o = 32'(ad_slot_q) * LoraSlotBeats + ((rq_w1 + 32'(ad_k_q)) >> LoraLaneBits);
        ad_lane_o = (rq_w1 + 32'(ad_k_q)) & ((32'd1 << LoraLaneBits) - 32'd1);
        ad_data_o = rq_word(2 + int'(ad_k_q));
`ifdef HW_FAULT_ADAPTER_LAST
        if (32'(ad_k_q) == ad_count - 32'd1 && ad_count > 32'd1) ad_we_o = 1'b0;  // planted fault: a burst's last word is lost
`endif
        ad_crc_d[ad_idx] = hw_pkg::crc32_word(ad_crc_q[ad_idx], ad_data_o);
        ad_k_d = ad_k_q + 5'd1;
        if (32'(ad_k_q) == ad_count - 32'd1) begin
          rq_ready = 1'b1;
          msg_d[0] = tl_header(hw_link_pkg::TYPE_COMPLETION, rq_tag, {8'd0, hw_link_pkg::STATUS_OK});
          msg_d[1] = '0;  msg_d[2] = '0;
          msg_len_d = 16'(hw_link_pkg::TYPE_COMPLETION_WORDS);  msg_k_d = '0;  after_d = AfterNone;
          st_d = StMsg;
        end
      end

      // ---- a token's messages are out: take it from the core, decide what comes next ----
      default: begin
        out_ready_o = 1'b1;
        busy_d = 1'b0;
        if (!(cur_prompt_q && !cur_last_q) && generated_q < steps_q) begin
          generated_d = generated_q + 32'd1;
          last_out_d = out_token_i;
`ifdef HW_FAULT_TOKEN_FEEDBACK
          last_out_d = out_token_i ^ 32'd1;  // planted fault: the token fed back is not the output
`endif
        end
        if (prompt_done_q && generated_d == steps_q && !end_req_q) begin
          end_req_d = 1'b1;  end_code_d = hw_link_pkg::END_DONE;
        end
        st_d = StIdle;
      end
    endcase

    // ---- feed the core: the next prompt token, else the latest output, else end ----
    if (running_q && !busy_q && !out_valid_i && st_q == StIdle) begin
      if (end_req_q) begin
        running_d = 1'b0;  end_req_d = 1'b0;  end_pend_d = 1'b1;  prompt_valid_d = 1'b0;
        if (prompt_valid_q) tl_errors_d = tl_errors_d + 32'd1;  // a prompt token left undecoded
        error_d = end_code_q == hw_link_pkg::END_BAD_TOKEN || end_code_q == hw_link_pkg::END_CONTEXT_FULL;
      end else if (prompt_valid_q || (prompt_done_q && generated_q < steps_q)) begin
        if (pos_q >= SeqLen) begin
          end_req_d = 1'b1;  end_code_d = hw_link_pkg::END_CONTEXT_FULL;
        end else begin
          tok_valid_o = 1'b1;
          tok_token_o = prompt_valid_q ? prompt_q : last_out_q;
          if (tok_ready_i) begin
            busy_d = 1'b1;  cur_prompt_d = prompt_valid_q;  cur_last_d = prompt_last_q;
            cur_pos_d = pos_q;  pos_d = pos_q + 32'd1;
`ifdef HW_FAULT_POS_STUCK
            if (pos_q == 32'd2) pos_d = pos_q;  // planted fault: position 2 is not incremented
`endif
            if (prompt_valid_q) begin
              prompt_valid_d = 1'b0;
              if (prompt_last_q) prompt_done_d = 1'b1;
            end
          end
        end
      end
    end
    // The logit of the next word offered (words 3.. of a LOGITS message), read now: the
    // logits SRAM answers the cycle after the address. While the link stalls, the same
    // address is read again.
    logit_addr_o = log_off_d + 32'(msg_k_d) - 32'd3;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q <= StIdle;  after_q <= AfterNone;  msg_len_q <= '0;
      for (int k = 0; k < 3; k++) msg_q[k] <= '0;
      msg_k_q <= '0;  log_off_q <= '0;
      running_q <= 1'b0;  end_req_q <= 1'b0;  end_code_q <= hw_link_pkg::END_DONE;  end_pend_q <= 1'b0;
      error_q <= 1'b0;  logits_q <= 1'b0;  steps_q <= '0;  generated_q <= '0;  pos_q <= '0;
      prompt_valid_q <= 1'b0;  prompt_last_q <= 1'b0;  prompt_q <= '0;  prompt_done_q <= 1'b0;
      busy_q <= 1'b0;  cur_prompt_q <= 1'b0;  cur_last_q <= 1'b0;  cur_pos_q <= '0;
      last_out_q <= '0;  tl_errors_q <= '0;
      inv_temp_q <= '0;  top_k_q <= '0;  top_p_q <= 32'd65536;  seed_q <= '0;
      ad_slot_q <= '0;  ad_select_q <= '0;  ad_k_q <= '0;
      for (int k = 0; k < NSlots; k++) begin ad_targets_q[k] <= '0;  ad_crc_q[k] <= 32'hffffffff; end
    end else begin
      st_q <= st_d;  after_q <= after_d;  msg_len_q <= msg_len_d;
      for (int k = 0; k < 3; k++) msg_q[k] <= msg_d[k];
      msg_k_q <= msg_k_d;  log_off_q <= log_off_d;
      running_q <= running_d;  end_req_q <= end_req_d;  end_code_q <= end_code_d;
      end_pend_q <= end_pend_d;  error_q <= error_d;  logits_q <= logits_d;
      steps_q <= steps_d;  generated_q <= generated_d;  pos_q <= pos_d;
      prompt_valid_q <= prompt_valid_d;  prompt_last_q <= prompt_last_d;  prompt_q <= prompt_d;
      prompt_done_q <= prompt_done_d;  busy_q <= busy_d;  cur_prompt_q <= cur_prompt_d;
      cur_last_q <= cur_last_d;  cur_pos_q <= cur_pos_d;  last_out_q <= last_out_d;
      tl_errors_q <= tl_errors_d;
      inv_temp_q <= inv_temp_d;  top_k_q <= top_k_d;  top_p_q <= top_p_d;  seed_q <= seed_d;
      ad_slot_q <= ad_slot_d;  ad_select_q <= ad_select_d;  ad_k_q <= ad_k_d;
      for (int k = 0; k < NSlots; k++) begin ad_targets_q[k] <= ad_targets_d[k];  ad_crc_q[k] <= ad_crc_d[k]; end
    end
  end

  assign smp_inv_temp_o = inv_temp_q;
  assign smp_top_k_o    = top_k_q;
  assign smp_top_p_o    = top_p_q;
  assign smp_seed_o     = seed_q;
  // The selected slot, if it adapts anything (a slot that adapts nothing costs no cycles).
  assign lora_slot_o    = (ad_select_q == 8'd0) ? 8'd0 : ad_select_q - 8'd1;
  assign lora_targets_o = (ad_select_q == 8'd0 || LoraSlots == 0) ? 7'd0 : ad_targets_q[sel_idx];
  assign lora_on_o      = lora_targets_o != 7'd0;

`ifndef SYNTHESIS
  // Only one token is in the core at a time.
  assert property (@(posedge clk_i) disable iff (!rst_ni) tok_valid_o |-> !busy_q)
    else $error("hw_endpoint: a token was offered with one in flight");
  // Legal states.
  assert property (@(posedge clk_i) disable iff (!rst_ni) st_q <= StAdapter && after_q <= AfterLogits)
    else $error("hw_endpoint: illegal state %0d / %0d", st_q, after_q);
  // A token offered to the core is held until taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tok_valid_o && !tok_ready_i |=> tok_valid_o && $stable(tok_token_o) &&
                                                   $stable(tok_pos_o))
    else $error("hw_endpoint: token offer withdrawn or changed before it was taken");
  // A message word is offered until taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   app_valid && !app_ready |=> app_valid && $stable(app_data))
    else $error("hw_endpoint: message word changed before it was taken");

  // ---- coverage (hardwire regress --cov): every completion status and every end code -------
`include "hw_cover.svh"
  logic completing;
  assign completing = st_q == StIdle && !end_pend_q && rq_valid && rq_ready &&
                      rq_type != hw_link_pkg::TYPE_TOKEN_IN;
  `HW_COVER(c_status_ok,          completing && status == hw_link_pkg::STATUS_OK)
  `HW_COVER(c_status_unsupported, completing && status == hw_link_pkg::STATUS_UNSUPPORTED)
  `HW_COVER(c_status_read_only,   completing && status == hw_link_pkg::STATUS_READ_ONLY)
  `HW_COVER(c_status_malformed,   completing && status == hw_link_pkg::STATUS_MALFORMED)
  `HW_COVER(c_status_busy,        completing && status == hw_link_pkg::STATUS_BUSY)
  `HW_COVER(c_status_range,       completing && status == hw_link_pkg::STATUS_RANGE)
  `HW_COVER(c_end_done,           running_q && !running_d &&
                                  end_code_q == hw_link_pkg::END_DONE)
  `HW_COVER(c_end_stopped,        running_q && !running_d &&
                                  end_code_q == hw_link_pkg::END_STOPPED)
  `HW_COVER(c_end_bad_token,      running_q && !running_d &&
                                  end_code_q == hw_link_pkg::END_BAD_TOKEN)
  `HW_COVER(c_end_context_full,   running_q && !running_d &&
                                  end_code_q == hw_link_pkg::END_CONTEXT_FULL)
  `HW_COVER(c_token_not_running,  rq_valid && rq_ready &&
                                  rq_type == hw_link_pkg::TYPE_TOKEN_IN && !running_q)
  `HW_COVER(c_prompt_waits,       rq_valid && !rq_ready &&
                                  rq_type == hw_link_pkg::TYPE_TOKEN_IN)
  `HW_COVER(c_logits_sent,        st_q == StLogits)
  `HW_COVER(c_adapter_write,      st_q == StAdapter)
`endif

endmodule
