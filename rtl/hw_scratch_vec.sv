// SPDX-License-Identifier: MIT
// hw_scratch_vec: one vector of the activation scratch, Len Q16 int32 words held packed
// (element i at [32i +: 32]). A write replaces count_i elements from element base_i with
// the first count_i lanes of data_i (count_i <= Lanes, base_i + count_i <= Len); the rest
// keep their values.
//
// The write is one masked update of the whole vector: the lanes aligned to the base by a
// shift, so that the simulator settles one variable per write (Verilator kept a delayed-write
// flag, index and value for every lane of every vector when each lane wrote its own element:
// 1.7x slower) and synthesis builds one aligner per vector (Yosys 0.23 reads no
// multi-dimensional packed array, and a dynamic part-select per lane did not finish).

module hw_scratch_vec #(
  parameter int unsigned Len   = 64,
  /// Elements a write can replace.
  parameter int unsigned Lanes = 64
) (
  input  logic                clk_i,
  input  logic                we_i,
  input  logic [31:0]         base_i,
  input  logic [31:0]         count_i,
  input  logic [Lanes*32-1:0] data_i,
  output logic [Len*32-1:0]   q_o
);

  localparam int unsigned Bits = Len * 32;
  // The shifts' amounts as wide as their ranges (base_i < Len, count_i <= Lanes hold: the
  // assertion below), so synthesis builds log2 stages of the vector's width, not 32.
  localparam int unsigned BaseW  = (Len > 1) ? $clog2(Len) : 1;
  localparam int unsigned CountW = $clog2(Lanes + 1);
  logic [BaseW+4:0]  base_bits;   // 32 x base_i
  logic [CountW+4:0] count_bits;  // 32 x count_i
  assign base_bits  = {base_i[BaseW-1:0], 5'b0};

  logic [Lanes*32-1:0] lanes_mask;  // the written lanes: count_i elements of ones
`ifdef HW_FAULT_SCRATCH_LANE
  // planted fault: a write of more than one element leaves its last element unwritten
  assign count_bits = {CountW'(count_i > 1 ? count_i - 1 : count_i), 5'b0};
`else
  assign count_bits = {count_i[CountW-1:0], 5'b0};
`endif
  assign lanes_mask = ~({(Lanes*32){1'b1}} << count_bits);

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      q_o <= (q_o & ~(Bits'(lanes_mask) << base_bits)) |
             ((Bits'(data_i) & Bits'(lanes_mask)) << base_bits);
    end
  end

`ifndef SYNTHESIS
  assert property (@(posedge clk_i) we_i |-> count_i <= Lanes && base_i + count_i <= Len)
    else $error("hw_scratch_vec: write of %0d elements at %0d (vector of %0d, %0d lanes)",
                count_i, base_i, Len, Lanes);
`endif

endmodule
