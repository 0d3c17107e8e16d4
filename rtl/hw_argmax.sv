// SPDX-License-Identifier: MIT
// hw_argmax: the index of the largest logit, first on ties (golden: argmax_int), folded over
// the classifier's results as they are written, a row group (up to Rows values) a cycle.

module hw_argmax #(
  /// Values a cycle.
  parameter int unsigned Rows = 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // clear_i starts a new vector; valid_i brings count_i values, value r being element
  // base_i + r (elements arrive in increasing order).
  input  logic                clear_i,
  input  logic                valid_i,
  input  logic [31:0]         base_i,
  input  logic [31:0]         count_i,
  input  logic [Rows*32-1:0]  data_i,

  // The largest element's index and value so far.
  output logic [31:0]         best_o,
  output logic signed [31:0]  best_val_o
);

  logic               first_q, first_d;  // no element seen yet
  logic [31:0]        idx_q, idx_d;
  logic signed [31:0] best_q, best_d;

  always_comb begin
    first_d = first_q;  idx_d = idx_q;  best_d = best_q;
    if (clear_i) begin
      first_d = 1'b1;  idx_d = '0;  best_d = '0;
    end else if (valid_i) begin
      for (int r = 0; r < Rows; r++) begin
`ifdef HW_FAULT_ARGMAX_UNSIGNED
        // planted fault: the logits compared as unsigned numbers
        if (32'(r) < count_i && (first_d || data_i[r*32 +: 32] > 32'(best_d))) begin
`else
        if (32'(r) < count_i && (first_d || $signed(data_i[r*32 +: 32]) > best_d)) begin
`endif
          first_d = 1'b0;  best_d = $signed(data_i[r*32 +: 32]);  idx_d = base_i + 32'(r);
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      first_q <= 1'b1;  idx_q <= '0;  best_q <= '0;
    end else begin
      first_q <= first_d;  idx_q <= idx_d;  best_q <= best_d;
    end
  end
  assign best_o     = idx_q;
  assign best_val_o = best_q;

endmodule
