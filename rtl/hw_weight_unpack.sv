// SPDX-License-Identifier: MIT
// hw_weight_unpack: a weight ROM word, Rows x Lanes weights packed densely at the width of
// the matrix it belongs to (3, 4, 6 or 8 bits each, docs/weightgen.md), to the same weights
// each sign-extended to WeightBits: the one layout the MAC cluster and the embedding path
// read. A chip whose matrices all have one width passes the word through; a mixed chip
// unpacks at each width it uses (Widths), chosen per word by the width that came with it.

module hw_weight_unpack #(
  parameter int unsigned Rows       = 1,
  parameter int unsigned Lanes      = 64,
  /// The widest matrix's width: bits per weight out (and of the packed word's slots).
  parameter int unsigned WeightBits = 8,
  /// Bit w set: some matrix is w bits wide (w in 3, 4, 6, 8).
  parameter int unsigned Widths     = 1 << 8
) (
  input  logic [3:0]                       bits_i,    // the word's width
  input  logic [Rows*Lanes*WeightBits-1:0] word_i,    // packed at bits_i, zeros above
  output logic [Rows*Lanes*WeightBits-1:0] weights_o  // weight k at [k*WeightBits +: WeightBits]
);

  localparam int unsigned N = Rows * Lanes;

  if (Widths == (1 << WeightBits)) begin : gen_one_width
    // Every matrix is WeightBits wide: the packing is already the output's.
    assign weights_o = word_i;
    logic unused_bits;
    assign unused_bits = ^bits_i;
  end else begin : gen_mixed
    // Read at the widest slot any width needs, so every select below is in range.
    logic [N*8-1:0] word;
    logic [3:0]     bits;
    assign word = (N*8)'(word_i);
`ifdef HW_FAULT_WIDTH_IGNORED
    // planted fault: every word read at the widest width, whatever its matrix's
    assign bits = 4'(WeightBits);
    logic unused_bits;
    assign unused_bits = ^bits_i;
`else
    assign bits = bits_i;
`endif
    always_comb begin
      weights_o = '0;
      unique case (bits)
        4'd3: if (Widths[3]) for (int k = 0; k < N; k++)
                weights_o[k*WeightBits +: WeightBits] = WeightBits'($signed(word[k*3 +: 3]));
        4'd4: if (Widths[4]) for (int k = 0; k < N; k++)
                weights_o[k*WeightBits +: WeightBits] = WeightBits'($signed(word[k*4 +: 4]));
        4'd6: if (Widths[6]) for (int k = 0; k < N; k++)
                weights_o[k*WeightBits +: WeightBits] = WeightBits'($signed(word[k*6 +: 6]));
        4'd8: if (Widths[8]) for (int k = 0; k < N; k++)
                weights_o[k*WeightBits +: WeightBits] = WeightBits'($signed(word[k*8 +: 8]));
        default: ;
      endcase
    end
  end

  // ---- checks ------------------------------------------------------------------------------
  if ((Widths & ~32'h158) != 0 || Widths == 0) begin : gen_bad_widths
    $fatal(1, "hw_weight_unpack: Widths may hold only 3, 4, 6 and 8");
  end
  if (!Widths[WeightBits] || (Widths >> (WeightBits + 1)) != 0) begin : gen_bad_bits
    $fatal(1, "hw_weight_unpack: WeightBits must be the widest of Widths");
  end

endmodule
