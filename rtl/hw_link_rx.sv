// SPDX-License-Identifier: MIT
// hw_link_rx: the host link's receive side (docs/host-interface.md). Deframes the symbol
// stream, checks each packet's CRC-32 and length, applies the data link layer's rules
// (an in-order TLP is queued and acknowledged, a duplicate is acknowledged again, a gap or a
// bad packet is answered with one NAK) and queues accepted TLPs for the transaction layer,
// advertising its free slots as flow-control credits.

module hw_link_rx #(
  /// Payload words kept of a TLP (header word included): a longer TLP is acknowledged and
  /// queued with its true length, its words cut short, for the transaction layer to refuse.
  parameter int unsigned MaxPayload = 4,
  /// TLPs buffered for the transaction layer: the credits advertised.
  parameter int unsigned Slots      = 4
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Symbol stream from the host: one 32-bit symbol per valid cycle, k marks a control symbol.
  input  logic                      rx_valid_i,
  input  logic                      rx_k_i,
  input  logic [31:0]               rx_data_i,

  // Accepted TLPs in sequence order: payload length in words and the words (word 0 lowest).
  output logic                      tlp_valid_o,
  input  logic                      tlp_ready_i,
  output logic [15:0]               tlp_len_o,
  output logic [MaxPayload*32-1:0]  tlp_data_o,

  // To the transmit side: the credit limit to advertise (TLPs taken + Slots, mod 4096),
  // requests for an ACK or a NAK of ack_seq_o (the last TLP received in order), and the
  // DLLPs received (ACK, NAK, FC) with their 12-bit value.
  output logic [11:0]               fc_limit_o,
  output logic                      ack_req_o,
  output logic                      nak_req_o,
  output logic [11:0]               ack_seq_o,
  output logic                      dllp_valid_o,
  output logic [3:0]                dllp_kind_o,
  output logic [11:0]               dllp_value_o,

  // Error and traffic counters (registers RX_*, NAKS_SENT).
  output logic [31:0]               cnt_tlps_o,
  output logic [31:0]               cnt_bad_crc_o,
  output logic [31:0]               cnt_framing_o,
  output logic [31:0]               cnt_seq_o,
  output logic [31:0]               cnt_dup_o,
  output logic [31:0]               cnt_naks_o
);

  localparam int unsigned SlotAw = (Slots > 1) ? $clog2(Slots) : 1;
  localparam int unsigned PayAw  = (MaxPayload > 1) ? $clog2(MaxPayload) : 1;

  // ---- packet assembly ----------------------------------------------------------------------
  logic              in_pkt_q, in_pkt_d;
  logic [15:0]       words_q, words_d;        // data words since SOP
  logic [31:0]       crc_q, crc_d;            // CRC of the words before prev_q
  logic [31:0]       prev_q, prev_d;          // the latest word (the CRC once EOP comes)
  logic [31:0]       hdr_q, hdr_d;            // word 0: the DLL header
  logic [31:0]       pay_q [MaxPayload];      // words 1..MaxPayload
  logic [11:0]       next_seq_q, next_seq_d;  // sequence number expected next
  logic              nak_sched_q, nak_sched_d;  // a NAK is out; no other until a good TLP
  logic              ack_req_d, nak_req_d;
  logic              push;                    // queue the assembled TLP
  logic [31:0]       c_tlps_d, c_crc_d, c_framing_d, c_seq_d, c_dup_d, c_naks_d;

  // The packet ending now, by its header.
  logic [3:0]  kind;
  logic [11:0] seq;
  logic [15:0] len;
  assign kind = hdr_q[31:28];
  assign seq  = hdr_q[27:16];
  assign len  = hdr_q[15:0];

  // ---- the TLP queue --------------------------------------------------------------------------
  logic [15:0]              q_len_q  [Slots];
  logic [MaxPayload*32-1:0] q_data_q [Slots];
  logic [SlotAw:0]          q_wr_q, q_rd_q;   // one extra bit tells full from empty
  logic                     q_full, q_empty, pop;
  logic [11:0]              fc_limit_q;

  assign q_empty = q_wr_q == q_rd_q;
  assign q_full  = (q_wr_q[SlotAw-1:0] == q_rd_q[SlotAw-1:0]) && (q_wr_q[SlotAw] != q_rd_q[SlotAw]);
  assign pop     = tlp_valid_o && tlp_ready_i;

  always_comb begin
    in_pkt_d = in_pkt_q;  words_d = words_q;  crc_d = crc_q;  prev_d = prev_q;  hdr_d = hdr_q;
    next_seq_d = next_seq_q;  nak_sched_d = nak_sched_q;
    ack_req_d = 1'b0;  nak_req_d = 1'b0;  push = 1'b0;
    dllp_valid_o = 1'b0;  dllp_kind_o = kind;  dllp_value_o = seq;
    c_tlps_d = cnt_tlps_o;  c_crc_d = cnt_bad_crc_o;  c_framing_d = cnt_framing_o;
    c_seq_d = cnt_seq_o;  c_dup_d = cnt_dup_o;  c_naks_d = cnt_naks_o;

    if (rx_valid_i) begin
      if (!rx_k_i) begin
        // A data word: inside a packet it is stored and the CRC catches up by one word;
        // outside one it is line noise (a framing error).
        if (in_pkt_q) begin
          if (words_q != 16'd0) crc_d = hw_pkg::crc32_word(crc_q, prev_q);
          if (words_q == 16'd0) hdr_d = rx_data_i;
          prev_d = rx_data_i;
          if (words_q != 16'hffff) words_d = words_q + 16'd1;
        end else begin
          c_framing_d = cnt_framing_o + 32'd1;
        end
      end else if (rx_data_i == hw_link_pkg::SYM_EOP && in_pkt_q) begin
        // ---- end of packet: check it, then apply the data link layer's rules ----
        in_pkt_d = 1'b0;
`ifdef HW_FAULT_CRC_OFF
        if (words_q < 16'd2) begin  // planted fault: the CRC is not checked
`else
        if (words_q < 16'd2 || prev_q != ~crc_q) begin
`endif
          c_crc_d = cnt_bad_crc_o + 32'd1;
          nak_req_d = !nak_sched_q;
        end else if ((kind == hw_link_pkg::KIND_TLP && len == 16'd0) ||
                     (kind != hw_link_pkg::KIND_TLP && (len != 16'd0 ||
                      !(kind == hw_link_pkg::KIND_ACK || kind == hw_link_pkg::KIND_NAK ||
                        kind == hw_link_pkg::KIND_FC))) ||
                     len != words_q - 16'd2) begin
          c_framing_d = cnt_framing_o + 32'd1;
          nak_req_d = !nak_sched_q;
        end else if (kind != hw_link_pkg::KIND_TLP) begin
          dllp_valid_o = 1'b1;
`ifdef HW_FAULT_SEQ_UNCHECKED
        end else if (1'b1) begin  // planted fault: any sequence number is taken as the next
`else
        end else if (seq == next_seq_q) begin
`endif
          // In order: queue it. The host never sends without a credit, so a full queue
          // means a broken transmitter: the TLP is dropped unacknowledged (it will replay).
          if (!q_full) begin
            push = 1'b1;
            next_seq_d = next_seq_q + 12'd1;
            nak_sched_d = 1'b0;
            ack_req_d = 1'b1;
            c_tlps_d = cnt_tlps_o + 32'd1;
          end
        end else if (12'(next_seq_q - 12'd1 - seq) < 12'd2048) begin
          // Already received (the host replayed it): acknowledge again.
          c_dup_d = cnt_dup_o + 32'd1;
          ack_req_d = 1'b1;
        end else begin
          // Ahead of the expected one: a TLP was lost.
          c_seq_d = cnt_seq_o + 32'd1;
          nak_req_d = !nak_sched_q;
        end
        if (nak_req_d) begin
          nak_sched_d = 1'b1;
          c_naks_d = cnt_naks_o + 32'd1;
        end
      end else if (rx_data_i == hw_link_pkg::SYM_SOP) begin
        // Start of packet; one already open was cut short (its EOP was lost).
        if (in_pkt_q) begin
          c_framing_d = cnt_framing_o + 32'd1;
          if (!nak_sched_q) begin
            nak_req_d = 1'b1;  nak_sched_d = 1'b1;  c_naks_d = cnt_naks_o + 32'd1;
          end
        end
        in_pkt_d = 1'b1;  words_d = '0;  crc_d = 32'hffffffff;
      end else begin
        // An unknown control symbol, or EOP outside a packet: drop whatever was open.
        c_framing_d = cnt_framing_o + 32'd1;
        if (in_pkt_q && !nak_sched_q) begin
          nak_req_d = 1'b1;  nak_sched_d = 1'b1;  c_naks_d = cnt_naks_o + 32'd1;
        end
        in_pkt_d = 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_pkt_q <= 1'b0;  words_q <= '0;  crc_q <= '0;  prev_q <= '0;  hdr_q <= '0;
      next_seq_q <= '0;  nak_sched_q <= 1'b0;  ack_req_o <= 1'b0;  nak_req_o <= 1'b0;
      cnt_tlps_o <= '0;  cnt_bad_crc_o <= '0;  cnt_framing_o <= '0;  cnt_seq_o <= '0;
      cnt_dup_o <= '0;  cnt_naks_o <= '0;
      q_wr_q <= '0;  q_rd_q <= '0;  fc_limit_q <= 12'(Slots);
    end else begin
      in_pkt_q <= in_pkt_d;  words_q <= words_d;  crc_q <= crc_d;  prev_q <= prev_d;
      hdr_q <= hdr_d;  next_seq_q <= next_seq_d;  nak_sched_q <= nak_sched_d;
      ack_req_o <= ack_req_d;  nak_req_o <= nak_req_d;
      cnt_tlps_o <= c_tlps_d;  cnt_bad_crc_o <= c_crc_d;  cnt_framing_o <= c_framing_d;
      cnt_seq_o <= c_seq_d;  cnt_dup_o <= c_dup_d;  cnt_naks_o <= c_naks_d;
      if (push) q_wr_q <= q_wr_q + 1'b1;
      if (pop) begin
        q_rd_q <= q_rd_q + 1'b1;
        fc_limit_q <= fc_limit_q + 12'd1;
`ifdef HW_FAULT_CREDIT_LEAK
        if (q_rd_q[0]) fc_limit_q <= fc_limit_q;  // planted fault: every second credit is lost
`endif
      end
    end
  end

  // Payload words and queue entries (no reset: datapath storage).
  always_ff @(posedge clk_i) begin
    if (rx_valid_i && !rx_k_i && in_pkt_q && words_q != 16'd0 && 32'(words_q) <= MaxPayload)
      pay_q[PayAw'(words_q - 16'd1)] <= rx_data_i;
    if (push) begin
      q_len_q[q_wr_q[SlotAw-1:0]] <= len;
      for (int k = 0; k < MaxPayload; k++) q_data_q[q_wr_q[SlotAw-1:0]][k*32 +: 32] <= pay_q[k];
    end
  end

  assign tlp_valid_o = !q_empty;
  assign tlp_len_o   = q_len_q[q_rd_q[SlotAw-1:0]];
  assign tlp_data_o  = q_data_q[q_rd_q[SlotAw-1:0]];
  assign fc_limit_o  = fc_limit_q;
  assign ack_seq_o   = next_seq_q - 12'd1;

  if (Slots < 2 || (Slots & (Slots - 1)) != 0) begin : gen_bad_slots
    $fatal(1, "hw_link_rx: Slots must be a power of two >= 2");
  end

`ifndef SYNTHESIS
  // Credits keep the queue from overflowing; a push into a full queue never happens.
  assert property (@(posedge clk_i) disable iff (!rst_ni) push |-> !q_full)
    else $error("hw_link_rx: TLP queue overflow");
  // A queued TLP stays put until taken.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   tlp_valid_o && !tlp_ready_i |=> tlp_valid_o && $stable(tlp_len_o))
    else $error("hw_link_rx: queued TLP changed before it was taken");

  // ---- coverage (hardwire regress --cov): every error path of the data link layer ----------
`include "hw_cover.svh"
  logic eop_in_pkt, eop_bad_crc;
  assign eop_in_pkt  = rx_valid_i && rx_k_i && rx_data_i == hw_link_pkg::SYM_EOP && in_pkt_q;
  assign eop_bad_crc = eop_in_pkt && (words_q < 16'd2 || prev_q != ~crc_q);
  `HW_COVER(c_noise_word,   rx_valid_i && !rx_k_i && !in_pkt_q)
  `HW_COVER(c_bad_crc,      eop_bad_crc)
  `HW_COVER(c_bad_framing,  eop_in_pkt && !eop_bad_crc && c_framing_d != cnt_framing_o)
  `HW_COVER(c_cut_short,    rx_valid_i && rx_k_i && rx_data_i == hw_link_pkg::SYM_SOP && in_pkt_q)
  `HW_COVER(c_bad_symbol,   rx_valid_i && rx_k_i &&
                            rx_data_i != hw_link_pkg::SYM_SOP && !eop_in_pkt)
  `HW_COVER(c_duplicate,    c_dup_d != cnt_dup_o)
  `HW_COVER(c_out_of_order, c_seq_d != cnt_seq_o)
  `HW_COVER(c_nak_sent,     nak_req_d)
  `HW_COVER(c_nak_held,     nak_sched_q &&
                            (c_crc_d != cnt_bad_crc_o || c_seq_d != cnt_seq_o))
  `HW_COVER(c_queue_full,   q_full)
  `HW_COVER(c_tlp_held,     tlp_valid_o && !tlp_ready_i)
  `HW_COVER(c_dllp_ack,     dllp_valid_o && dllp_kind_o == hw_link_pkg::KIND_ACK)
  `HW_COVER(c_dllp_nak,     dllp_valid_o && dllp_kind_o == hw_link_pkg::KIND_NAK)
  `HW_COVER(c_dllp_fc,      dllp_valid_o && dllp_kind_o == hw_link_pkg::KIND_FC)
`endif

endmodule
