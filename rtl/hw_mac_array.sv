// SPDX-License-Identifier: MIT
// hw_mac_array: one output row at a time; each beat multiplies Lanes weights of the row by
// Lanes activation words, applies the group scale mantissas and accumulates; the row's
// last beat produces the requantized Q16 result (golden: IntModel::matvec).

module hw_mac_array #(
  /// Weights per beat (a power of two).
  parameter int unsigned Lanes = 64,
  /// Bits per weight: 8 or 4 (two's complement).
  parameter int unsigned WeightBits = 8,
  /// Weights per scale mantissa (a power of two); 0 = one mantissa per row.
  parameter int unsigned GroupSize = 32,
  /// Mantissas per row carried on row_mant_i (groups of the widest matrix).
  parameter int unsigned MaxGroups = 8,
  /// Beats of the longest row (sizes the beat counter).
  parameter int unsigned MaxBeats = 16
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Beat stream: a row's beats in order, beat_last_i on its final beat. The row's scale
  // (mantissas, exponent) and the activation exponent are held for the whole row.
  input  logic                               beat_valid_i,
  output logic                               beat_ready_o,
  input  logic [Lanes*WeightBits-1:0]        beat_w_i,
  input  logic [Lanes*hw_pkg::ActBits-1:0]   beat_a_i,
  input  logic                               beat_last_i,
  input  logic [MaxGroups*hw_pkg::MantBits-1:0] row_mant_i,
  input  logic [7:0]                         row_exp_i,
  input  logic signed [7:0]                  act_shift_i,

  // Row results: requant32(acc, exp - act_shift), Q16; res_sat_o marks a clamp.
  output logic                               res_valid_o,
  input  logic                               res_ready_i,
  output logic signed [31:0]                 res_data_o,
  output logic                               res_sat_o,

  // Busy cycles (a beat accepted), for the performance counters.
  output logic                               mac_busy_o
);

  // ---- geometry --------------------------------------------------------------------------
  // Sub-sums per beat: one per group when a beat holds whole groups, else one.
  localparam int unsigned SubSums  = (GroupSize == 0 || Lanes <= GroupSize) ? 1 : Lanes / GroupSize;
  localparam int unsigned SubLanes = Lanes / SubSums;
  // Widths (docs/numerics.md section 4): product 23 bits, a sub-sum adds clog2(SubLanes),
  // a group partial spans up to GroupSize (or a whole row) lanes.
  localparam int unsigned ProdW = WeightBits + hw_pkg::ActBits - 1;
  localparam int unsigned PartW = ProdW + $clog2(MaxBeats * Lanes) + 1;
  localparam int unsigned AccW  = 64;  // holds PartW + 16 + clog2(MaxGroups) with margin
  localparam int unsigned BeatW = (MaxBeats > 1) ? $clog2(MaxBeats) : 1;

  // ---- products and sub-sums ---------------------------------------------------------------
  logic signed [PartW-1:0] sub_sum [SubSums];
  always_comb begin
    for (int s = 0; s < SubSums; s++) begin
      sub_sum[s] = '0;
      for (int k = s * SubLanes; k < (s + 1) * SubLanes; k++) begin
        sub_sum[s] += PartW'($signed(beat_w_i[k*WeightBits +: WeightBits]) *
                              $signed(beat_a_i[k*hw_pkg::ActBits +: hw_pkg::ActBits]));
      end
    end
  end

  // ---- accumulate ----------------------------------------------------------------------------
  logic [BeatW-1:0]        beat_q, beat_d;   // beat index within the row
  logic signed [PartW-1:0] part_q, part_d;   // open group's partial (groups spanning beats)
  logic signed [AccW-1:0]  acc_q, acc_d;     // row accumulator
  logic                    res_valid_q, res_valid_d;
  logic signed [31:0]      res_q, res_d;
  logic                    res_sat_q, res_sat_d;

  // Mantissa of group g (0 beyond the row's groups: those lanes hold zero weights).
  function automatic logic signed [AccW-1:0] mant(input integer g);
    if (g >= MaxGroups) mant = '0;
    else                mant = AccW'(row_mant_i[g*hw_pkg::MantBits +: hw_pkg::MantBits]);
  endfunction

  wire accept = beat_valid_i && beat_ready_o;
  assign beat_ready_o = !res_valid_q || res_ready_i;

  always_comb begin
    logic signed [AccW-1:0] acc_next;
    logic signed [PartW-1:0] psum;
    logic group_end;
    int unsigned first_lane;
    beat_d      = beat_q;
    part_d      = part_q;
    acc_d       = acc_q;
    res_valid_d = res_valid_q && !res_ready_i;
    res_d       = res_q;
    res_sat_d   = res_sat_q;
    acc_next    = acc_q;
    psum        = '0;
    group_end   = 1'b0;
    first_lane  = 32'(beat_q) * Lanes;
    if (accept) begin
      if (SubSums > 1) begin
        // Whole groups in this beat: scale each sub-sum by its own mantissa.
        for (int s = 0; s < SubSums; s++) begin
`ifdef HW_FAULT_MAC_GROUP
          acc_next += AccW'(sub_sum[s]) * mant(32'(beat_q) * SubSums + s + 1);  // planted fault
`else
          acc_next += AccW'(sub_sum[s]) * mant(32'(beat_q) * SubSums + s);
`endif
        end
      end else begin
        // One group open across beats: scale it when it ends.
        psum = part_q + sub_sum[0];
        group_end = beat_last_i ||
                    (GroupSize != 0 && ((first_lane + Lanes) % (GroupSize == 0 ? 1 : GroupSize)) == 0);
        if (group_end) begin
`ifdef HW_FAULT_MAC_GROUP
          acc_next += AccW'(psum) * mant(GroupSize == 0 ? 1 : first_lane / (GroupSize == 0 ? 1 : GroupSize) + 1);  // planted fault
`else
          acc_next += AccW'(psum) * mant(GroupSize == 0 ? 0 : first_lane / (GroupSize == 0 ? 1 : GroupSize));
`endif
          part_d = '0;
        end else begin
          part_d = psum;
        end
      end
      if (beat_last_i) begin
        res_d       = hw_pkg::requant32(acc_next, 32'($signed({1'b0, row_exp_i})) - 32'(act_shift_i));
        res_sat_d   = hw_pkg::requant32_sat(acc_next, 32'($signed({1'b0, row_exp_i})) - 32'(act_shift_i));
        res_valid_d = 1'b1;
        acc_d       = '0;
        beat_d      = '0;
        part_d      = '0;
      end else begin
        acc_d  = acc_next;
        beat_d = beat_q + 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q      <= '0;
      part_q      <= '0;
      acc_q       <= '0;
      res_valid_q <= 1'b0;
      res_q       <= '0;
      res_sat_q   <= 1'b0;
    end else begin
      beat_q      <= beat_d;
      part_q      <= part_d;
      acc_q       <= acc_d;
      res_valid_q <= res_valid_d;
      res_q       <= res_d;
      res_sat_q   <= res_sat_d;
    end
  end

  assign res_valid_o = res_valid_q;
  assign res_data_o  = res_q;
  assign res_sat_o   = res_sat_q;
  assign mac_busy_o  = accept;

  // ---- checks ------------------------------------------------------------------------------
  if (Lanes < 8 || (Lanes & (Lanes - 1)) != 0) begin : gen_bad_lanes
    $fatal(1, "hw_mac_array: Lanes must be a power of two >= 8");
  end
  if (WeightBits != 8 && WeightBits != 6 && WeightBits != 4 && WeightBits != 3) begin : gen_bad_bits
    $fatal(1, "hw_mac_array: WeightBits must be 3, 4, 6 or 8");
  end
  if (GroupSize != 0 && (GroupSize & (GroupSize - 1)) != 0) begin : gen_bad_group
    $fatal(1, "hw_mac_array: GroupSize must be 0 or a power of two");
  end

`ifndef SYNTHESIS
  // A result is held stable until taken.
  property p_res_stable;
    @(posedge clk_i) disable iff (!rst_ni) res_valid_o && !res_ready_i |=> res_valid_o && $stable(res_data_o);
  endproperty
  assert property (p_res_stable) else $error("hw_mac_array: result changed while not taken");
`endif

endmodule
