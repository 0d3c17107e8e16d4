// SPDX-License-Identifier: MIT
// hw_scratch: the activation scratch. The decode's vectors (x, xb, xb2, q, k, v, hb, hb2) are
// register arrays of Q16 int32 words, because several steps read a whole vector or chunks of
// two in one cycle; the logits, the largest vector, are an SRAM macro. One write port
// (VecLanes elements a cycle, from the vector unit, the attention unit or the MAC cluster),
// two chunk read ports, the MAC input read port (Lanes elements) and q whole (the scores).
// The statistics later steps need are gathered as vectors are written, so no step makes a
// pass over a vector to find them: RMSNorm's sum of squares, the largest magnitude of the
// next MAC input, and those of the KV rows.

module hw_scratch #(
  parameter int unsigned Dim       = 64,
  parameter int unsigned HiddenDim = 172,
  parameter int unsigned KvDim     = 32,
  parameter int unsigned VocabSize = 512,
  /// Elements a cycle of the write port and the chunk read ports.
  parameter int unsigned VecLanes  = 64,
  /// Elements a cycle of the MAC input read port.
  parameter int unsigned Lanes     = 64,
  /// MAC cluster rows: the matrix results of a cycle, and the logits of one SRAM word.
  parameter int unsigned Rows      = 1,
  /// Elements of VLr, the low-rank path's A x (the chip's largest adapter rank).
  parameter int unsigned LoraRank  = 8
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Write port: wr_count_i elements of vector wr_vec_i from element wr_base_i, lane k's data at
  // [32k +: 32] of the source wr_src_i. Logits are written a row group (Rows) at a time.
  input  logic                       wr_en_i,
  input  hw_pkg::vec_e               wr_vec_i,
  input  hw_pkg::wb_src_e            wr_src_i,
  input  logic [31:0]                wr_base_i,
  input  logic [31:0]                wr_count_i,
  input  logic [VecLanes*32-1:0]     vu_data_i,
  input  logic [VecLanes*32-1:0]     at_data_i,
  input  logic [Rows*32-1:0]         mac_data_i,
  // WbMacAdd writes the sums element + MAC result, saturated; add_sats_o of them clamped.
  output logic [31:0]                add_sats_o,

  // What storage holds: the elements of last cycle's write read back from their registers
  // (the write monitor shows stored values, not the wires that drive a write). Logits, in the
  // SRAM, show what its port took; the harness compares the SRAM itself at every token's end.
  output logic [VecLanes*32-1:0]     st_data_o,

  // Statistics gathered on writes, each until cleared: the sum of squares of round(x / 2^8)
  // (RMSNorm), the largest |element| of writes marked st_amax_i (the next MAC input), of k
  // (st_kmax_i) and of v (st_vmax_i) (the KV rows' quantizer).
  input  logic                       st_amax_i,
  input  logic                       st_kmax_i,
  input  logic                       st_vmax_i,
  input  logic                       ssq_clear_i,
  input  logic                       amax_clear_i,
  input  logic                       kvmax_clear_i,
  output logic signed [63:0]         ssq_o,
  output logic [32:0]                amax_o,
  output logic [32:0]                kmax_o,
  output logic [32:0]                vmax_o,

  // Chunk reads (combinational): VecLanes elements of a vector from base; 0 past its end and
  // while not enabled (operand isolation: Verilator evaluates every process every cycle).
  input  logic                       rda_en_i,
  input  hw_pkg::vec_e               rda_vec_i,
  input  logic [31:0]                rda_base_i,
  output logic [VecLanes*32-1:0]     rda_data_o,
  input  logic                       rdb_en_i,
  input  hw_pkg::vec_e               rdb_vec_i,
  input  logic [31:0]                rdb_base_i,
  output logic [VecLanes*32-1:0]     rdb_data_o,

  // MAC input (combinational): Lanes elements of VLr (mac_lr_i), hb (mac_hb_i) or xb from
  // mac_base_i, gated by mac_en_i (operand isolation: idle lanes do not toggle).
  input  logic                       mac_en_i,
  input  logic                       mac_lr_i,
  input  logic                       mac_hb_i,
  input  logic [31:0]                mac_base_i,
  output logic [Lanes*32-1:0]        mac_data_o,

  // q after RoPE (xb), whole: every head's query for the attention scores.
  output logic [Dim*32-1:0]          q_o,

  // Logits: read while the core is idle (logit_rd_i) at logit_addr_i, data the next cycle.
  input  logic                       logit_rd_i,
  input  logic [31:0]                logit_addr_i,
  output logic signed [31:0]         logit_data_o
);

  // ---- storage -------------------------------------------------------------------------------
  // Each vector packed, element i at [32i +: 32] (hw_scratch_vec: why).
  logic [Dim*32-1:0]       x_q, xb_q, xb2_q, q_q;
  logic [KvDim*32-1:0]     k_q, v_q;
  logic [HiddenDim*32-1:0] hb_q, hb2_q;
  logic [LoraRank*32-1:0]  lr_q;

  // Element i of a vector (0 past its end; logits are not read here).
  function automatic logic signed [31:0] vread(input hw_pkg::vec_e v, input logic [31:0] i);
    vread = '0;
    unique case (v)
      hw_pkg::VX:   if (i < Dim)       vread = $signed(x_q[i*32 +: 32]);
      hw_pkg::VXB:  if (i < Dim)       vread = $signed(xb_q[i*32 +: 32]);
      hw_pkg::VXB2: if (i < Dim)       vread = $signed(xb2_q[i*32 +: 32]);
      hw_pkg::VQ:   if (i < Dim)       vread = $signed(q_q[i*32 +: 32]);
      hw_pkg::VK:   if (i < KvDim)     vread = $signed(k_q[i*32 +: 32]);
      hw_pkg::VV:   if (i < KvDim)     vread = $signed(v_q[i*32 +: 32]);
      hw_pkg::VHB:  if (i < HiddenDim) vread = $signed(hb_q[i*32 +: 32]);
      hw_pkg::VHB2: if (i < HiddenDim) vread = $signed(hb2_q[i*32 +: 32]);
      hw_pkg::VLr:  if (i < LoraRank)  vread = $signed(lr_q[i*32 +: 32]);
      default: ;
    endcase
  endfunction

  // ---- windows: consecutive elements of a vector -------------------------------------------------
  // A port reads a window of consecutive elements from a base: the vector, zero-extended,
  // shifted down by the base in one shifter (zeros past its end come in from the top). A
  // mux per lane indexed by base + k built a 32-bit-indexed selector per lane and vector,
  // which Yosys could not synthesize within 8 GB even at the smallest chip.
  localparam int unsigned MaxLen = (HiddenDim > Dim) ? ((HiddenDim > KvDim) ? HiddenDim : KvDim)
                                                     : ((Dim > KvDim) ? Dim : KvDim);
  localparam int unsigned WinLen = (MaxLen > VecLanes) ? ((MaxLen > Lanes) ? MaxLen : Lanes)
                                                       : ((VecLanes > Lanes) ? VecLanes : Lanes);
  localparam int unsigned BaseW  = (MaxLen > 1) ? $clog2(MaxLen) : 1;  // bases below MaxLen; others read zeros

  // Vector v, zero-extended to WinLen elements.
  function automatic logic [WinLen*32-1:0] vec_of(input hw_pkg::vec_e v);
    vec_of = '0;
    unique case (v)
      hw_pkg::VX:   vec_of = (WinLen*32)'(x_q);
      hw_pkg::VXB:  vec_of = (WinLen*32)'(xb_q);
      hw_pkg::VXB2: vec_of = (WinLen*32)'(xb2_q);
      hw_pkg::VQ:   vec_of = (WinLen*32)'(q_q);
      hw_pkg::VK:   vec_of = (WinLen*32)'(k_q);
      hw_pkg::VV:   vec_of = (WinLen*32)'(v_q);
      hw_pkg::VHB:  vec_of = (WinLen*32)'(hb_q);
      hw_pkg::VHB2: vec_of = (WinLen*32)'(hb2_q);
      hw_pkg::VLr:  vec_of = (WinLen*32)'(lr_q);
      default: ;
    endcase
  endfunction

  // Elements base, base + 1, ... of `vec` (0 past its end) in the low words.
  function automatic logic [WinLen*32-1:0] window(input logic [WinLen*32-1:0] vec, input logic [31:0] base);
    window = (base < MaxLen) ? vec >> {base[BaseW-1:0], 5'b0} : '0;
  endfunction

  // ---- write port ------------------------------------------------------------------------------
  logic [VecLanes*32-1:0] wr_data;  // the source's elements
  logic [WinLen*32-1:0]   add_win;  // WbMacAdd: the elements the sums replace
  always_comb begin
    logic signed [63:0] sum;
    add_win = '0;
    add_sats_o = '0;
    sum = '0;
    unique case (wr_src_i)
      hw_pkg::WbAttention: wr_data = at_data_i;
      hw_pkg::WbMac:       wr_data = (VecLanes*32)'(mac_data_i);
      hw_pkg::WbMacAdd: begin
        // y += s B u: the residual's saturating add (IntModel::residual), Rows a cycle.
        wr_data = '0;
        if (wr_en_i) add_win = window(vec_of(wr_vec_i), wr_base_i);
        for (int k = 0; k < Rows; k++) begin
          if (32'(k) < wr_count_i) begin
            sum = 64'($signed(add_win[k*32 +: 32])) + 64'($signed(mac_data_i[k*32 +: 32]));
            wr_data[k*32 +: 32] = hw_pkg::sat32(sum);
            add_sats_o = add_sats_o + 32'(hw_pkg::outside32(sum));
          end
        end
      end
      default:             wr_data = vu_data_i;
    endcase
  end

  // A vector per block: the first Rows lanes take the MAC cluster's results, which reach every
  // vector; the lanes beyond them serve the vector and attention units, which write x, xb,
  // xb2 and hb.
  // The most elements a write to each vector replaces.
  localparam int unsigned DimLanes = (VecLanes < Dim) ? VecLanes : Dim;
  localparam int unsigned HidLanes = (VecLanes < HiddenDim) ? VecLanes : HiddenDim;
  localparam int unsigned DimRows  = (Rows < Dim) ? Rows : Dim;
  localparam int unsigned KvRows   = (Rows < KvDim) ? Rows : KvDim;
  localparam int unsigned HidRows  = (Rows < HiddenDim) ? Rows : HiddenDim;
  hw_scratch_vec #(.Len(Dim), .Lanes(DimLanes)) u_x (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VX), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[DimLanes*32-1:0]), .q_o(x_q));
  hw_scratch_vec #(.Len(Dim), .Lanes(DimLanes)) u_xb (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VXB), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[DimLanes*32-1:0]), .q_o(xb_q));
  hw_scratch_vec #(.Len(Dim), .Lanes(DimLanes)) u_xb2 (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VXB2), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[DimLanes*32-1:0]), .q_o(xb2_q));
  hw_scratch_vec #(.Len(HiddenDim), .Lanes(HidLanes)) u_hb (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VHB), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[HidLanes*32-1:0]), .q_o(hb_q));
  hw_scratch_vec #(.Len(Dim), .Lanes(DimRows)) u_q (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VQ), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[DimRows*32-1:0]), .q_o(q_q));
  hw_scratch_vec #(.Len(KvDim), .Lanes(KvRows)) u_k (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VK), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[KvRows*32-1:0]), .q_o(k_q));
  hw_scratch_vec #(.Len(KvDim), .Lanes(KvRows)) u_v (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VV), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[KvRows*32-1:0]), .q_o(v_q));
  hw_scratch_vec #(.Len(HiddenDim), .Lanes(HidRows)) u_hb2 (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VHB2), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[HidRows*32-1:0]), .q_o(hb2_q));
  localparam int unsigned LrRows = (Rows < LoraRank) ? Rows : LoraRank;
  hw_scratch_vec #(.Len(LoraRank), .Lanes(LrRows)) u_lr (
    .clk_i, .we_i(wr_en_i && wr_vec_i == hw_pkg::VLr), .base_i(wr_base_i), .count_i(wr_count_i),
    .data_i(wr_data[LrRows*32-1:0]), .q_o(lr_q));

  // ---- the stored elements, a cycle after their write ---------------------------------------------
  logic               wq_en;
  hw_pkg::vec_e       wq_vec;
  logic [31:0]        wq_base, wq_count;
  logic [Rows*32-1:0] wq_logits;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wq_en <= 1'b0;  wq_vec <= hw_pkg::VX;  wq_base <= '0;  wq_count <= '0;
    end else begin
      wq_en <= wr_en_i;
      if (wr_en_i) begin
        wq_vec <= wr_vec_i;  wq_base <= wr_base_i;  wq_count <= wr_count_i;
      end
    end
  end
  always_ff @(posedge clk_i) if (wr_en_i && wr_vec_i == hw_pkg::VLogits) wq_logits <= mac_data_i;
  // The read-back is the scoreboard's observation port: a debug top (the generated chip)
  // leaves it unconnected, and synthesis builds none.
`ifndef SYNTHESIS
  always_comb begin
    st_data_o = '0;
    if (wq_en) begin
      if (wq_vec == hw_pkg::VLogits) begin
        st_data_o = (VecLanes*32)'(wq_logits);
      end else begin
        for (int k = 0; k < VecLanes; k++) begin
          if (32'(k) < wq_count) st_data_o[k*32 +: 32] = vread(wq_vec, wq_base + 32'(k));
        end
      end
    end
  end
`else
  assign st_data_o = '0;
  logic unused_readback;
  assign unused_readback = ^{wq_en, wq_vec, wq_base, wq_count, wq_logits};
`endif

  // ---- statistics gathered on writes ----------------------------------------------------------
  logic signed [63:0] ssq_q, ssq_d;
  logic [32:0]        amax_q, amax_d, kmax_q, kmax_d, vmax_q, vmax_d;
  always_comb begin
    logic signed [63:0] r;
    logic [32:0]        a;
    ssq_d = ssq_q;  amax_d = amax_q;  kmax_d = kmax_q;  vmax_d = vmax_q;
    r = '0;  a = '0;
    if (wr_en_i && wr_vec_i == hw_pkg::VX) begin
      for (int k = 0; k < VecLanes; k++) begin
        if (32'(k) < wr_count_i) begin
          r = hw_pkg::round_shift(64'($signed(wr_data[k*32 +: 32])), 8);
          ssq_d = ssq_d + r * r;
        end
      end
    end
    if (wr_en_i && (st_amax_i || st_kmax_i || st_vmax_i)) begin
      for (int k = 0; k < VecLanes; k++) begin
        if (32'(k) < wr_count_i) begin
          a = hw_pkg::abs33(wr_data[k*32 +: 32]);
          if (st_amax_i && a > amax_d) amax_d = a;
          if (st_kmax_i && a > kmax_d) kmax_d = a;
          if (st_vmax_i && a > vmax_d) vmax_d = a;
        end
      end
    end
    if (ssq_clear_i)   ssq_d = '0;
`ifndef HW_FAULT_AMAX_CLEAR  // planted fault: the MAC input's maximum is never cleared
    if (amax_clear_i)  amax_d = '0;
`endif
    if (kvmax_clear_i) begin kmax_d = '0;  vmax_d = '0; end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ssq_q <= '0;  amax_q <= '0;  kmax_q <= '0;  vmax_q <= '0;
    end else begin
      ssq_q <= ssq_d;  amax_q <= amax_d;  kmax_q <= kmax_d;  vmax_q <= vmax_d;
    end
  end
  assign ssq_o  = ssq_q;
  assign amax_o = amax_q;
  assign kmax_o = kmax_q;
  assign vmax_o = vmax_q;

  // ---- read ports ----------------------------------------------------------------------------------
  // Each port's window is computed only while it reads (the simulator skips idle ports; in
  // synthesis the enables gate the outputs, as operand isolation).
  logic [WinLen*32-1:0] rda_win, rdb_win, mac_win;
  always_comb begin
    rda_win = '0;
    if (rda_en_i) rda_win = window(vec_of(rda_vec_i), rda_base_i);
  end
  always_comb begin
    rdb_win = '0;
    if (rdb_en_i) rdb_win = window(vec_of(rdb_vec_i), rdb_base_i);
  end
  always_comb begin
    mac_win = '0;
    if (mac_en_i) mac_win = window(mac_lr_i ? (WinLen*32)'(lr_q) :
                                   mac_hb_i ? (WinLen*32)'(hb_q) : (WinLen*32)'(xb_q), mac_base_i);
  end
  assign rda_data_o = rda_win[VecLanes*32-1:0];
  assign rdb_data_o = rdb_win[VecLanes*32-1:0];
  assign mac_data_o = mac_win[Lanes*32-1:0];
  logic unused_win;  // the windows' words beyond the ports' widths
  assign unused_win = ^{rda_win, rdb_win, mac_win, add_win};

  assign q_o = xb_q;

  // ---- logits: an SRAM word per row group of the classifier -----------------------------------
  localparam int unsigned LgWords = (VocabSize + Rows - 1) / Rows;
  localparam int unsigned LgDepth = (LgWords < 2) ? 2 : LgWords;
  localparam int unsigned LgAw    = $clog2(LgDepth);
  logic                  lg_req, lg_we;
  logic [LgAw-1:0]       lg_addr;
  logic [31:0]           lg_slot_q;   // the logit's slot in the word read last
  logic [Rows*32-1:0]    lg_rdata;
  assign lg_we   = wr_en_i && wr_vec_i == hw_pkg::VLogits;
  assign lg_req  = lg_we || logit_rd_i;
`ifdef HW_FAULT_LOGITS_ADDR
  // planted fault: logits stored a word off (the last one in word 0)
  assign lg_addr = lg_we ? LgAw'((wr_base_i / Rows + 1) % LgWords) :
`else
  assign lg_addr = lg_we ? LgAw'(wr_base_i / Rows) :
`endif
                   LgAw'(((logit_addr_i < VocabSize) ? logit_addr_i : 32'd0) / Rows);
  hw_sram #(.Depth(LgDepth), .Width(Rows * 32)) u_logits (
    .clk_i, .req_i(lg_req), .we_i(lg_we), .addr_i(lg_addr), .wdata_i(mac_data_i),
    .rdata_o(lg_rdata));
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lg_slot_q <= '0;
    else if (logit_rd_i && !lg_we) lg_slot_q <= ((logit_addr_i < VocabSize) ? logit_addr_i : 32'd0) % Rows;
  end
  assign logit_data_o = $signed(lg_rdata[lg_slot_q * 32 +: 32]);

`ifndef SYNTHESIS
  // Logits come from the MAC cluster a row group at a time.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   lg_we |-> wr_src_i == hw_pkg::WbMac && wr_base_i % Rows == 0)
    else $error("hw_scratch: logits written from source %0d at %0d", wr_src_i, wr_base_i);
  // Lanes beyond the MAC cluster's rows write only x, xb, xb2 and hb.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   wr_en_i && wr_count_i > Rows |-> wr_vec_i == hw_pkg::VX ||
                   wr_vec_i == hw_pkg::VXB || wr_vec_i == hw_pkg::VXB2 || wr_vec_i == hw_pkg::VHB)
    else $error("hw_scratch: %0d elements of vector %0d at once (the MAC rows: %0d)", wr_count_i,
                wr_vec_i, Rows);
  // A write stays inside its vector and its port.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   wr_en_i |-> wr_count_i >= 1 && wr_count_i <= VecLanes)
    else $error("hw_scratch: write of %0d elements (port: %0d)", wr_count_i, VecLanes);
`endif

endmodule
