// SPDX-License-Identifier: MIT
// hw_mac_cluster: Rows x Lanes multiply-accumulate. Each beat, Rows output rows (a row group)
// take Lanes weights each from one ROM word, against the same Lanes activations; a row's
// last beat gives Rows requantized Q16 results at once (golden: IntModel::matvec). The
// activations arrive as the scratch's Q16 values and are rounded to 16-bit words here, with
// the vector's exponent (hw_pkg::act_word), once for every row.

module hw_mac_cluster #(
  /// Output rows per beat, weights per row per beat (a power of two).
  parameter int unsigned Rows       = 1,
  parameter int unsigned Lanes      = 64,
  /// Bits per weight (two's complement); weights per scale mantissa (0: one per row);
  /// mantissas per row of the scale word; beats of the longest row.
  parameter int unsigned WeightBits = 8,
  parameter int unsigned GroupSize  = 32,
  parameter int unsigned MaxGroups  = 8,
  parameter int unsigned MaxBeats   = 16
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Beats: a row group's beats in order, beat_last_i on its final one. Row r of the group
  // takes lanes [r*Lanes, (r+1)*Lanes) of the ROM word; its scale (MaxGroups mantissas, then
  // the exponent) is field r of beat_scale_i, held for the whole row.
  input  logic                                   beat_valid_i,
  output logic                                   beat_ready_o,
  input  logic                                   beat_last_i,
  input  logic [Rows*Lanes*WeightBits-1:0]       beat_w_i,
  input  logic [Lanes*32-1:0]                    beat_x_i,     // activations, Q16
  input  logic [Rows*(MaxGroups*16+8)-1:0]       beat_scale_i,
  input  logic signed [7:0]                      act_shift_i,

  // Results of a row group: Rows requantized Q16 values; res_sats_o of them clamped.
  output logic                                   res_valid_o,
  input  logic                                   res_ready_i,
  output logic [Rows*32-1:0]                     res_data_o,
  output logic [31:0]                            res_sats_o,

  // Busy cycles (a beat accepted), for the performance counters.
  output logic                                   mac_busy_o
);

  localparam int unsigned RowScaleBits = MaxGroups * 16 + 8;

  // ---- activation words, shared by every row ----------------------------------------------------
  // 0 while no beat is offered (operand isolation: idle lanes do not toggle).
  logic [Lanes*hw_pkg::ActBits-1:0] words;
  always_comb begin
    words = '0;
    if (beat_valid_i) begin
      for (int k = 0; k < Lanes; k++) begin
        words[k*hw_pkg::ActBits +: hw_pkg::ActBits] =
            hw_pkg::act_word($signed(beat_x_i[k*32 +: 32]), act_shift_i);
      end
    end
  end

  // ---- the rows ----------------------------------------------------------------------------------
  logic [Rows-1:0] ready, valid, sat, busy;
  for (genvar r = 0; r < Rows; r++) begin : gen_row
    logic signed [31:0] res;
    hw_mac_array #(
      .Lanes(Lanes), .WeightBits(WeightBits), .GroupSize(GroupSize), .MaxGroups(MaxGroups),
      .MaxBeats(MaxBeats)
    ) u_row (
      .clk_i, .rst_ni,
      .beat_valid_i, .beat_ready_o(ready[r]),
      .beat_w_i(beat_w_i[r*Lanes*WeightBits +: Lanes*WeightBits]), .beat_a_i(words),
      .beat_last_i,
      .row_mant_i(beat_scale_i[r*RowScaleBits +: MaxGroups*16]),
      .row_exp_i(beat_scale_i[r*RowScaleBits + MaxGroups*16 +: 8]),
      .act_shift_i,
      .res_valid_o(valid[r]), .res_ready_i, .res_data_o(res), .res_sat_o(sat[r]),
      .mac_busy_o(busy[r])
    );
    assign res_data_o[r*32 +: 32] = res;
  end

  // The rows run in lockstep: row 0's handshake stands for all of them.
  assign beat_ready_o = ready[0];
  assign res_valid_o  = valid[0];
  assign mac_busy_o   = busy[0];
  always_comb begin
    res_sats_o = '0;
    for (int r = 0; r < Rows; r++) res_sats_o = res_sats_o + 32'(valid[r] && sat[r]);
  end

  if (Rows < 1) begin : gen_bad_rows
    $fatal(1, "hw_mac_cluster: Rows must be at least 1");
  end

`ifndef SYNTHESIS
  // Lockstep: every row accepts and answers in the same cycles.
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   (ready == '0 || ready == '1) && (valid == '0 || valid == '1))
    else $error("hw_mac_cluster: rows out of step (ready %b, valid %b)", ready, valid);
`endif

endmodule
