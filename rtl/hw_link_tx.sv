// SPDX-License-Identifier: MIT
// hw_link_tx: the host link's transmit side (docs/host-interface.md). TLPs from the
// transaction layer are framed (sequence number, CRC-32) into a replay buffer and sent from
// it; they stay there until the host acknowledges them, and a NAK or the replay timer sends
// every unacknowledged one again. DLLPs (ACK, NAK, flow-control updates) go out between
// TLPs. A new TLP needs a credit from the host.

module hw_link_tx #(
  /// Replay buffer words (a power of two); a 2-port SRAM macro in silicon.
  parameter int unsigned BufWords      = 256,
  /// Payload words of the longest TLP the transaction layer sends (header word included).
  parameter int unsigned MaxPayload    = 35,
  /// Cycles without an acknowledgement before the unacknowledged TLPs are sent again.
  parameter int unsigned ReplayTimeout = 4096,
  /// Cycles between flow-control updates sent unprompted (a lost update is repaired).
  parameter int unsigned FcPeriod      = 1024
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Symbol stream to the host.
  output logic        tx_valid_o,
  output logic        tx_k_o,
  output logic [31:0] tx_data_o,

  // TLPs to send, word by word: app_len_i (payload words) holds with the first word.
  input  logic        app_valid_i,
  output logic        app_ready_o,
  input  logic [15:0] app_len_i,
  input  logic [31:0] app_data_i,
  input  logic        app_last_i,

  // From the receive side (hw_link_rx).
  input  logic [11:0] fc_limit_i,
  input  logic        ack_req_i,
  input  logic        nak_req_i,
  input  logic [11:0] ack_seq_i,
  input  logic        dllp_valid_i,
  input  logic [3:0]  dllp_kind_i,
  input  logic [11:0] dllp_value_i,

  // Counters (registers TX_TLPS, NAKS_RECEIVED, REPLAYS, REPLAY_TIMEOUTS).
  output logic [31:0] cnt_tx_tlps_o,
  output logic [31:0] cnt_naks_o,
  output logic [31:0] cnt_replays_o,
  output logic [31:0] cnt_timeouts_o
);

  localparam int unsigned Aw = $clog2(BufWords);
  localparam int unsigned SeqSlots = 32;  // TLPs outstanding at most

  // ---- replay buffer: {last word of a TLP, word} ------------------------------------------
  logic [32:0]   buf_q [BufWords];
  logic          buf_we;
  logic [Aw-1:0] buf_waddr;
  logic [32:0]   buf_wdata;
  logic [Aw:0]   end_q [SeqSlots];  // where each outstanding TLP ends, by sequence number

  // Pointers carry one wrap bit: ack_q (oldest unacknowledged word) <= send_q (next word to
  // send) <= wr_q (end of the committed TLPs) <= ap_q (end of the TLP being written).
  logic [Aw:0]   ack_q, ack_d, send_q, send_d, wr_q, wr_d, ap_q, ap_d;
  logic [11:0]   seq_q, seq_d;        // sequence number of the next new TLP
  logic [11:0]   acked_q, acked_d;    // last sequence number acknowledged
  logic [11:0]   limit_q, limit_d;    // the host's credit limit
  logic [11:0]   used_q, used_d;      // credits consumed
  logic [31:0]   crc_q, crc_d;        // CRC of the TLP being written
  logic          send_behind;         // an ACK passed the sender (during a replay)
  logic [Aw:0]   tail;                // oldest word still needed
  logic [Aw:0]   in_use;              // words between tail and the append point
  logic          can_start;

  // ---- append: the transaction layer's TLP into the buffer ---------------------------------
  typedef enum logic [1:0] { ApIdle, ApPay, ApCrc } ap_e;
  ap_e ap_state_q, ap_state_d;

  // ---- sender ----------------------------------------------------------------------------------
  typedef enum logic [2:0] { SdIdle, SdTlp, SdDllpHdr, SdDllpCrc, SdEop } sd_e;
  sd_e          sd_q, sd_d;
  logic [31:0]  dllp_q, dllp_d;       // header of the DLLP being sent
  logic         ack_pend_q, ack_pend_d, nak_pend_q, nak_pend_d, fc_pend_q, fc_pend_d;
  logic         replay_q, replay_d;   // a replay is due at the next packet boundary
  logic [11:0]  fc_sent_q, fc_sent_d;
  logic [$clog2(FcPeriod+1)-1:0]      fc_timer_q, fc_timer_d;
  logic [$clog2(ReplayTimeout+1)-1:0] timer_q, timer_d;
  logic [31:0]  c_tx_d, c_naks_d, c_replays_d, c_timeouts_d;
  logic [11:0]  outstanding, ack_dist;

  assign outstanding = seq_q - acked_q - 12'd1;
  assign ack_dist    = dllp_value_i - acked_q;
  assign send_behind = (wr_q - send_q) > (wr_q - ack_q);
  assign tail        = send_behind ? send_q : ack_q;
  // Room for the longest TLP, a free sequence slot and a credit.
  assign in_use      = ap_q - tail;
  assign can_start = (32'(in_use) + MaxPayload + 2 <= BufWords) &&
                     (outstanding < 12'(SeqSlots - 1)) &&
                     (12'(limit_q - used_q) != 12'd0) && (12'(limit_q - used_q) < 12'd2048);

  always_comb begin
    ack_d = ack_q;  send_d = send_q;  wr_d = wr_q;  ap_d = ap_q;  seq_d = seq_q;
    acked_d = acked_q;  limit_d = limit_q;  used_d = used_q;  crc_d = crc_q;
    ap_state_d = ap_state_q;  sd_d = sd_q;  dllp_d = dllp_q;
    ack_pend_d = ack_pend_q || ack_req_i;  nak_pend_d = nak_pend_q || nak_req_i;
    fc_pend_d = fc_pend_q || (fc_limit_i != fc_sent_q) || 32'(fc_timer_q) == FcPeriod;
    fc_sent_d = fc_sent_q;
    fc_timer_d = (32'(fc_timer_q) == FcPeriod) ? '0 : fc_timer_q + 1'b1;
    replay_d = replay_q;
    timer_d = timer_q;
    c_tx_d = cnt_tx_tlps_o;  c_naks_d = cnt_naks_o;  c_replays_d = cnt_replays_o;
    c_timeouts_d = cnt_timeouts_o;
    buf_we = 1'b0;  buf_waddr = ap_q[Aw-1:0];  buf_wdata = '0;
    app_ready_o = 1'b0;
    tx_valid_o = 1'b0;  tx_k_o = 1'b0;  tx_data_o = '0;

    // ---- acknowledgements and credits from the host ----
    if (dllp_valid_i) begin
      if (dllp_kind_i == hw_link_pkg::KIND_FC) begin
        limit_d = dllp_value_i;
      end else begin
        // ACK or NAK of n: TLPs up to n arrived; free them (a stale one changes nothing).
        if (ack_dist != 12'd0 && ack_dist <= outstanding) begin
          acked_d = dllp_value_i;
          ack_d = end_q[dllp_value_i[4:0]];
`ifdef HW_FAULT_REPLAY_STUCK
          ack_d = ack_q;  // planted fault: an acknowledgement does not free the replay buffer
`endif
          timer_d = '0;
        end
        if (dllp_kind_i == hw_link_pkg::KIND_NAK) begin
          c_naks_d = cnt_naks_o + 32'd1;
          if (dllp_value_i != seq_q - 12'd1) replay_d = 1'b1;  // something left to resend
        end
      end
    end

    // ---- replay timer: runs while TLPs are unacknowledged ----
    if (outstanding != 12'd0 && !dllp_valid_i) begin
      if (32'(timer_q) == ReplayTimeout) begin
        timer_d = '0;  replay_d = 1'b1;  c_timeouts_d = cnt_timeouts_o + 32'd1;
      end else begin
        timer_d = timer_q + 1'b1;
      end
    end

    // ---- append ----
    unique case (ap_state_q)
      ApIdle: begin
        if (app_valid_i && can_start) begin
          buf_we = 1'b1;  buf_wdata = {1'b0, hw_link_pkg::KIND_TLP, seq_q, app_len_i};
          crc_d = hw_pkg::crc32_word(32'hffffffff, buf_wdata[31:0]);
          ap_d = ap_q + 1'b1;  ap_state_d = ApPay;
        end
      end
      ApPay: begin
        app_ready_o = 1'b1;
        if (app_valid_i) begin
          buf_we = 1'b1;  buf_wdata = {1'b0, app_data_i};
          crc_d = hw_pkg::crc32_word(crc_q, app_data_i);
          ap_d = ap_q + 1'b1;
          if (app_last_i) ap_state_d = ApCrc;
        end
      end
      default: begin  // the CRC word ends the TLP; it is committed for sending
        buf_we = 1'b1;  buf_wdata = {1'b1, ~crc_q};
        ap_d = ap_q + 1'b1;  wr_d = ap_q + 1'b1;
        seq_d = seq_q + 12'd1;  used_d = used_q + 12'd1;
        c_tx_d = cnt_tx_tlps_o + 32'd1;
        ap_state_d = ApIdle;
      end
    endcase

    // ---- sender: one symbol per cycle ----
    unique case (sd_q)
      SdIdle: begin
        if (nak_pend_q || ack_pend_q || fc_pend_q) begin
          tx_valid_o = 1'b1;  tx_k_o = 1'b1;  tx_data_o = hw_link_pkg::SYM_SOP;
          sd_d = SdDllpHdr;
          if (nak_pend_q || ack_pend_q) begin
            dllp_d = {nak_pend_q ? hw_link_pkg::KIND_NAK : hw_link_pkg::KIND_ACK, ack_seq_i, 16'd0};
            ack_pend_d = ack_req_i;  nak_pend_d = nak_req_i;
          end else begin
            dllp_d = {hw_link_pkg::KIND_FC, fc_limit_i, 16'd0};
            fc_pend_d = 1'b0;  fc_sent_d = fc_limit_i;  fc_timer_d = '0;
          end
        end else if (replay_q) begin
          send_d = ack_d;  replay_d = 1'b0;  timer_d = '0;
          c_replays_d = cnt_replays_o + 32'd1;
        end else if (send_behind) begin
          send_d = ack_q;  // the TLPs being replayed were acknowledged meanwhile
        end else if (send_q != wr_q) begin
          tx_valid_o = 1'b1;  tx_k_o = 1'b1;  tx_data_o = hw_link_pkg::SYM_SOP;
          sd_d = SdTlp;
        end
      end
      SdTlp: begin
        tx_valid_o = 1'b1;  tx_data_o = buf_q[send_q[Aw-1:0]][31:0];
        send_d = send_q + 1'b1;
        if (buf_q[send_q[Aw-1:0]][32]) sd_d = SdEop;
      end
      SdDllpHdr: begin
        tx_valid_o = 1'b1;  tx_data_o = dllp_q;  sd_d = SdDllpCrc;
      end
      SdDllpCrc: begin
        tx_valid_o = 1'b1;  tx_data_o = ~hw_pkg::crc32_word(32'hffffffff, dllp_q);  sd_d = SdEop;
      end
      default: begin
        tx_valid_o = 1'b1;  tx_k_o = 1'b1;  tx_data_o = hw_link_pkg::SYM_EOP;  sd_d = SdIdle;
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ack_q <= '0;  send_q <= '0;  wr_q <= '0;  ap_q <= '0;  seq_q <= '0;
      acked_q <= 12'hfff;  limit_q <= '0;  used_q <= '0;  crc_q <= '0;
      ap_state_q <= ApIdle;  sd_q <= SdIdle;  dllp_q <= '0;
      ack_pend_q <= 1'b0;  nak_pend_q <= 1'b0;  fc_pend_q <= 1'b1;  replay_q <= 1'b0;
      fc_sent_q <= '0;  fc_timer_q <= '0;  timer_q <= '0;
      cnt_tx_tlps_o <= '0;  cnt_naks_o <= '0;  cnt_replays_o <= '0;  cnt_timeouts_o <= '0;
    end else begin
      ack_q <= ack_d;  send_q <= send_d;  wr_q <= wr_d;  ap_q <= ap_d;  seq_q <= seq_d;
      acked_q <= acked_d;  limit_q <= limit_d;  used_q <= used_d;  crc_q <= crc_d;
      ap_state_q <= ap_state_d;  sd_q <= sd_d;  dllp_q <= dllp_d;
      ack_pend_q <= ack_pend_d;  nak_pend_q <= nak_pend_d;  fc_pend_q <= fc_pend_d;
      replay_q <= replay_d;  fc_sent_q <= fc_sent_d;  fc_timer_q <= fc_timer_d;
      timer_q <= timer_d;
      cnt_tx_tlps_o <= c_tx_d;  cnt_naks_o <= c_naks_d;  cnt_replays_o <= c_replays_d;
      cnt_timeouts_o <= c_timeouts_d;
    end
  end

  // Buffer words and TLP ends (no reset: datapath storage).
  always_ff @(posedge clk_i) begin
    if (buf_we) buf_q[buf_waddr] <= buf_wdata;
    if (ap_state_q == ApCrc) end_q[seq_q[4:0]] <= ap_q + 1'b1;
  end

  if (BufWords < 2 * (MaxPayload + 2) || (BufWords & (BufWords - 1)) != 0) begin : gen_bad_buf
    $fatal(1, "hw_link_tx: BufWords must be a power of two holding two of the longest TLPs");
  end

`ifndef SYNTHESIS
  // The transaction layer keeps a TLP's length while it is written.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   ap_state_q == ApPay && app_valid_i && !app_last_i |=> app_valid_i)
    else $error("hw_link_tx: TLP abandoned before its last word");
  // Pointer order: nothing is sent that was not committed.
  assert property (@(posedge clk_i) disable iff (!rst_ni) (wr_q - send_q) <= (ap_q - tail))
    else $error("hw_link_tx: sender passed the committed TLPs");
  // Legal states; the replay buffer never holds more than it has room for.
  assert property (@(posedge clk_i) disable iff (!rst_ni) ap_state_q <= ApCrc && sd_q <= SdEop)
    else $error("hw_link_tx: illegal state %0d / %0d", ap_state_q, sd_q);
  assert property (@(posedge clk_i) disable iff (!rst_ni) 32'(in_use) <= BufWords)
    else $error("hw_link_tx: replay buffer overflow (%0d words in use)", in_use);

  // ---- coverage (hardwire regress --cov): acknowledgement, replay and credit paths ----------
`include "hw_cover.svh"
  `HW_COVER(c_nak_received, dllp_valid_i && dllp_kind_i == hw_link_pkg::KIND_NAK)
  `HW_COVER(c_stale_ack,    dllp_valid_i &&
                            dllp_kind_i != hw_link_pkg::KIND_FC &&
                            (ack_dist == 12'd0 || ack_dist > outstanding))
  `HW_COVER(c_replay,       c_replays_d != cnt_replays_o)
  `HW_COVER(c_timeout,      c_timeouts_d != cnt_timeouts_o)
  `HW_COVER(c_no_credit,    ap_state_q == ApIdle && app_valid_i && limit_q == used_q)
  `HW_COVER(c_blocked,      ap_state_q == ApIdle && app_valid_i && !can_start)
`endif

endmodule
