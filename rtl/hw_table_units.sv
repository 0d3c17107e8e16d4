// SPDX-License-Identifier: MIT
// hw_table_units: NlUnits table units (hw_nonlinear) shared by the vector unit (RMSNorm's
// rsqrt on unit 0, SwiGLU's sigmoids on units 0..SgLanes-1) and the attention unit (2^-x on
// every unit: AttnPar positions of every head a cycle; 1/x on units 0..NHeads-1, one per
// head). Each unit reads its own copy of the table ROMs it uses; the two requesters are never
// active in the same cycle, and the units run in lockstep (one function a cycle).

module hw_table_units #(
  /// Units; those with a reciprocal table (one per head), with a sigmoid table.
  parameter int unsigned NlUnits          = 8,
  parameter int unsigned RecipUnits       = 8,
  parameter int unsigned SigmoidUnits     = 8,
  /// Tables (the package's *_INDEX_BITS, SIGMOID_RANGE, entry widths).
  parameter int unsigned RsqrtIndexBits   = 9,
  parameter int unsigned RecipIndexBits   = 9,
  parameter int unsigned Exp2IndexBits    = 8,
  parameter int unsigned SigmoidIndexBits = 10,
  parameter int unsigned SigmoidRange     = 16,
  parameter int unsigned EntryBits        = 17,
  parameter int unsigned Exp2EntryBits    = 31
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Requests of the vector unit (a) and the attention unit (b): a function for all units,
  // a 64-bit argument per unit.
  input  logic [NlUnits-1:0]                        a_valid_i,
  input  hw_pkg::nl_func_e                          a_func_i,
  input  logic [NlUnits*64-1:0]                     a_arg_i,
  input  logic [NlUnits-1:0]                        b_valid_i,
  input  hw_pkg::nl_func_e                          b_func_i,
  input  logic [NlUnits*64-1:0]                     b_arg_i,

  // Results, the cycle after the request (hw_nonlinear): value and shift per unit.
  output logic [NlUnits-1:0]                        res_valid_o,
  output logic [NlUnits*64-1:0]                     res_data_o,
  output logic [NlUnits*7-1:0]                      res_shift_o,

  // Table ROM ports (data the cycle after en): rsqrt of unit 0, a reciprocal table per
  // recip unit, a 2^-x table per unit, a sigmoid table per sigmoid unit.
  output logic                                      rsqrt_en_o,
  output logic [RsqrtIndexBits-1:0]                 rsqrt_addr_o,
  input  logic [2*EntryBits-1:0]                    rsqrt_data_i,
  output logic [RecipUnits-1:0]                     recip_en_o,
  output logic [RecipUnits*RecipIndexBits-1:0]      recip_addr_o,
  input  logic [RecipUnits*2*EntryBits-1:0]         recip_data_i,
  output logic [NlUnits-1:0]                        exp2neg_en_o,
  output logic [NlUnits*Exp2IndexBits-1:0]          exp2neg_addr_o,
  input  logic [NlUnits*2*Exp2EntryBits-1:0]        exp2neg_data_i,
  output logic [SigmoidUnits-1:0]                   sigmoid_en_o,
  output logic [SigmoidUnits*SigmoidIndexBits-1:0]  sigmoid_addr_o,
  input  logic [SigmoidUnits*2*EntryBits-1:0]       sigmoid_data_i
);

  // The requester of this cycle.
  logic                  a_active;
  hw_pkg::nl_func_e      func;
  assign a_active = a_valid_i != '0;
  assign func     = a_active ? a_func_i : b_func_i;

  for (genvar u = 0; u < NlUnits; u++) begin : gen_unit
    logic                        rsqrt_en, recip_en, sigmoid_en, ready;
    logic [RsqrtIndexBits-1:0]   rsqrt_addr;
    logic [RecipIndexBits-1:0]   recip_addr;
    logic [SigmoidIndexBits-1:0] sigmoid_addr;
    logic [2*EntryBits-1:0]      rsqrt_data, recip_data, sigmoid_data;
    logic [63:0]                 res;
    logic [6:0]                  shift;

    hw_nonlinear #(
      .RsqrtIndexBits(RsqrtIndexBits), .RecipIndexBits(RecipIndexBits),
      .Exp2IndexBits(Exp2IndexBits), .SigmoidIndexBits(SigmoidIndexBits),
      .SigmoidRange(SigmoidRange), .EntryBits(EntryBits), .Exp2EntryBits(Exp2EntryBits)
    ) u_nl (
      .clk_i, .rst_ni,
      .req_valid_i(a_valid_i[u] || b_valid_i[u]), .req_ready_o(ready), .req_func_i(func),
      .req_arg_i(a_active ? a_arg_i[u*64 +: 64] : b_arg_i[u*64 +: 64]),
      .rsqrt_en_o(rsqrt_en), .rsqrt_addr_o(rsqrt_addr), .rsqrt_data_i(rsqrt_data),
      .recip_en_o(recip_en), .recip_addr_o(recip_addr), .recip_data_i(recip_data),
      .exp2neg_en_o(exp2neg_en_o[u]),
      .exp2neg_addr_o(exp2neg_addr_o[u*Exp2IndexBits +: Exp2IndexBits]),
      .exp2neg_data_i(exp2neg_data_i[u*2*Exp2EntryBits +: 2*Exp2EntryBits]),
      .sigmoid_en_o(sigmoid_en), .sigmoid_addr_o(sigmoid_addr), .sigmoid_data_i(sigmoid_data),
      .res_valid_o(res_valid_o[u]), .res_ready_i(1'b1), .res_data_o(res), .res_shift_o(shift)
    );
    assign res_data_o[u*64 +: 64] = res;
    assign res_shift_o[u*7 +: 7]  = shift;

    // Only the units with a table's copy are ever asked for its function.
    if (u == 0) begin : gen_rsqrt
      assign rsqrt_en_o = rsqrt_en;  assign rsqrt_addr_o = rsqrt_addr;  assign rsqrt_data = rsqrt_data_i;
    end else begin : gen_no_rsqrt
      logic unused_rsqrt;
      assign unused_rsqrt = ^{rsqrt_en, rsqrt_addr};
      assign rsqrt_data = '0;
    end
    if (u < RecipUnits) begin : gen_recip
      assign recip_en_o[u] = recip_en;
      assign recip_addr_o[u*RecipIndexBits +: RecipIndexBits] = recip_addr;
      assign recip_data = recip_data_i[u*2*EntryBits +: 2*EntryBits];
    end else begin : gen_no_recip
      logic unused_recip;
      assign unused_recip = ^{recip_en, recip_addr};
      assign recip_data = '0;
    end
    if (u < SigmoidUnits) begin : gen_sigmoid
      assign sigmoid_en_o[u] = sigmoid_en;
      assign sigmoid_addr_o[u*SigmoidIndexBits +: SigmoidIndexBits] = sigmoid_addr;
      assign sigmoid_data = sigmoid_data_i[u*2*EntryBits +: 2*EntryBits];
    end else begin : gen_no_sigmoid
      logic unused_sigmoid;
      assign unused_sigmoid = ^{sigmoid_en, sigmoid_addr};
      assign sigmoid_data = '0;
    end
`ifndef SYNTHESIS
    // Results are always taken, so a unit is always ready.
    assert property (@(posedge clk_i) disable iff (!rst_ni) ready)
      else $error("hw_table_units: unit %0d not ready", u);
    // A unit is asked only for the functions whose tables it has.
    assert property (@(posedge clk_i) disable iff (!rst_ni)
                     (a_valid_i[u] || b_valid_i[u]) |->
                     (func != hw_pkg::NlRsqrt || u == 0) &&
                     (func != hw_pkg::NlRecip || u < RecipUnits) &&
                     (func != hw_pkg::NlSigmoid || u < SigmoidUnits))
      else $error("hw_table_units: unit %0d asked for function %0d without its table", u, func);
`else
    logic unused_ready;
    assign unused_ready = ready;
`endif
  end

  if (RecipUnits > NlUnits || SigmoidUnits > NlUnits) begin : gen_bad_units
    $fatal(1, "hw_table_units: RecipUnits and SigmoidUnits must be at most NlUnits");
  end

`ifndef SYNTHESIS
  // The vector unit and the attention unit take turns.
  assert property (@(posedge clk_i) disable iff (!rst_ni) a_valid_i == '0 || b_valid_i == '0)
    else $error("hw_table_units: both requesters at once (%b, %b)", a_valid_i, b_valid_i);
`endif

endmodule
