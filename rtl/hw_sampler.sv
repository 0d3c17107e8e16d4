// SPDX-License-Identifier: MIT
// hw_sampler: the next token drawn from the logits SRAM with a temperature, top-k and top-p
// (golden/sampler.cc, docs/numerics.md section 10), run by the sequencer's OpSample step when
// 1/T is not 0 (greedy tokens are the argmax's and never come here).
//
// Passes over the candidates, one element issued a cycle, each through the same weight
// pipeline (read, z = rs(min(rs((max - l) x 1/T, 16), 2^26) x log2 e, 24), 2^-z on table unit
// 0), so a pass of N elements takes N + 3 cycles:
//   without top-k and top-p (every token, token order):  weigh V, draw V
//   with either (the buffer of the K largest, sorted):    sort V (V + 1 cycles), weigh K,
//                                                          top-p prefix K, draw K
// Every pass is as long whatever the logits are, so golden/cycle_model.cc knows the cycles.

module hw_sampler #(
  parameter int unsigned VocabSize = 512,
  /// Entries of the sorted candidate buffer (golden kMaxTopK).
  parameter int unsigned MaxTopK   = 64,
  /// round(log2(e) x 2^24) (the package's LOG2E_Q24).
  parameter logic [31:0] Log2eQ24  = 32'd24204406
) (
  input  logic clk_i,
  input  logic rst_ni,

  // Settings (registers of the endpoint, held while a generation runs): 1/T in Q16
  // (<= 2^24), top-k (0: none, <= MaxTopK), top-p in Q16 (1..65536), the seed.
  input  logic [31:0]        inv_temp_i,
  input  logic [31:0]        top_k_i,
  input  logic [31:0]        top_p_i,
  input  logic [63:0]        seed_i,

  // start_i: the logits are in the SRAM, max_i is the largest (the argmax's), pos_i the
  // position drawn for. done_o (one cycle) with token_o, held until the next start.
  input  logic               start_i,
  input  logic [31:0]        pos_i,
  input  logic signed [31:0] max_i,
  output logic               done_o,
  output logic [31:0]        token_o,

  // The logits SRAM's read port (data the cycle after).
  output logic               logit_rd_o,
  output logic [31:0]        logit_addr_o,
  input  logic signed [31:0] logit_data_i,

  // Table unit 0's 2^-z (z Q16 in, Q30 out the cycle after).
  output logic               exp_valid_o,
  output logic [63:0]        exp_arg_o,
  input  logic [63:0]        exp_res_i
);

  localparam int unsigned IdxBits = $clog2(VocabSize + 1);
  localparam int unsigned BufN    = (MaxTopK < VocabSize) ? MaxTopK : VocabSize;

  typedef enum logic [2:0] { SIdle, SSort, SWeigh, SPrefix, SDraw, SDone } st_e;
  st_e st_q, st_d;

  // ---- the settings (the endpoint holds them for the whole generation) -----------------------
  logic        buffered;      // top-k or top-p: the sorted buffer
  logic [31:0] n_buf;         // its entries (K)
  assign buffered = top_k_i != '0 || top_p_i < 32'd65536;
  assign n_buf    = (top_k_i != '0 && top_k_i < BufN) ? top_k_i : BufN;

  // The generator (sampler_random): SplitMix64's output of seed + (pos + 1) x gamma; the
  // draw uses its top 32 bits.
  function automatic logic [31:0] random_top(input logic [63:0] seed, input logic [31:0] pos);
    logic [63:0] z;
    z = seed + (64'(pos) + 64'd1) * 64'h9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 64'hbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 64'h94d049bb133111eb;
    z = z ^ (z >> 31);
    random_top = z[63:32];
  endfunction

  // top-p's cut: floor(all x p / 2^16).
  function automatic logic [63:0] top_p_threshold(input logic [63:0] all, input logic [31:0] p);
`ifdef HW_FAULT_SAMPLER_TOP_P
    top_p_threshold = all;  // planted fault: top-p keeps every candidate
`else
    top_p_threshold = 64'((128'(all) * 128'(p)) >> 16);
`endif
  endfunction

  // Idle cycles cost the simulation nothing: the wide arithmetic (the generator, top-p's
  // threshold, the draw's r) sits in the branches that use it, and the buffer's registers
  // change only while the sort runs.

  logic [31:0]        n_q, n_d;        // elements of the current pass
  logic [31:0]        i_q, i_d;        // next element to issue
  logic [31:0]        u_q, u_d;        // the position's top 32 random bits
  logic signed [31:0] max_q, max_d;    // the largest logit (the argmax's)
  logic [63:0]        all_q, all_d;    // sum of the candidates' weights
  logic [63:0]        total_q, total_d;  // ... of those top-p keeps
  logic [31:0]        keep_q, keep_d;  // candidates top-p keeps
  logic [63:0]        cum_q, cum_d;    // running sum of the draw
  logic               found_q, found_d;
  logic [31:0]        token_q, token_d;

  // ---- the sorted buffer: value and token, descending, lower token first on ties ------------
  logic signed [31:0]   bval_q [BufN];
  logic [IdxBits-1:0]   bidx_q [BufN];
  logic [BufN-1:0]      bvld_q;

  // ---- the weight pipeline: issue (s0), z (s1), 2^-z asked (s2), weight back ----------------
  logic               s0_q, s1_q, s2_q;          // valid
  logic [31:0]        s0_j_q, s1_j_q, s2_j_q;    // element index in the pass
  logic signed [31:0] s0_val_q;                  // a buffered element's value
  logic [63:0]        s1_z_q;
  logic               issue;                     // an element issued this cycle
  logic signed [31:0] s0_value;                  // the element's logit
  logic [63:0]        z_of_s0;
  logic [63:0]        w;                         // the weight of element s2_j_q (Q30)

  assign issue    = (st_q == SSort || st_q == SWeigh || st_q == SPrefix || st_q == SDraw) && i_q < n_q;
  assign s0_value = (st_q != SSort && buffered) ? s0_val_q : logit_data_i;
  assign w        = exp_res_i;

  always_comb begin
    logic [63:0] d, scaled;
    d = '0;  scaled = '0;  z_of_s0 = '0;
    if (s0_q) begin
      d       = 64'($signed(max_q)) - 64'($signed(s0_value));          // 0 .. 2^32
      scaled  = 64'(hw_pkg::round_shift($signed(d * 64'(inv_temp_i)), 16));
      if (scaled > (64'd1 << 26)) scaled = 64'd1 << 26;
      z_of_s0 = 64'(hw_pkg::round_shift($signed(scaled * 64'(Log2eQ24)), 24));
    end
  end

  // The SRAM is read where an element is issued (the buffer is read into s0_val_q).
  assign logit_rd_o   = issue && !(st_q != SSort && buffered);
  assign logit_addr_o = i_q;
  assign exp_valid_o  = s1_q;
  assign exp_arg_o    = s1_z_q;

  // The pass ends the cycle its last element is used: the sort's when it arrives, the
  // others' when its weight is back.
  logic pass_end;
  assign pass_end = (st_q == SSort) ? (s0_q && s0_j_q == n_q - 32'd1) : (s2_q && s2_j_q == n_q - 32'd1);

  always_comb begin
    logic [63:0] r;  // the draw: floor(u x total / 2^32), uniform in [0, total)
    r = '0;
    st_d = st_q;  n_d = n_q;  i_d = i_q;  u_d = u_q;  max_d = max_q;
    all_d = all_q;  total_d = total_q;  keep_d = keep_q;  cum_d = cum_q;
    found_d = found_q;  token_d = token_q;
    done_o = 1'b0;
    if (issue) i_d = i_q + 32'd1;

    // A weight back: what the pass does with it.
    if (s2_q) begin
      unique case (st_q)
        SWeigh:  all_d = all_q + w;
        SPrefix: if (s2_j_q == '0 || total_q < top_p_threshold(all_q, top_p_i)) begin
          total_d = total_q + w;  keep_d = s2_j_q + 32'd1;
        end
        SDraw: if (s2_j_q < keep_q && !found_q) begin
          r = 64'((128'(u_q) * 128'(total_q)) >> 32);
          if (cum_q + w > r) begin
          found_d = 1'b1;
            token_d = buffered ? 32'(bidx_q[s2_j_q[$clog2(BufN)-1:0]]) : s2_j_q;
          end
        end
        default: ;
      endcase
      if (st_q == SDraw) cum_d = cum_q + w;
    end

    unique case (st_q)
      SIdle: if (start_i) begin
`ifdef HW_FAULT_SAMPLER_POS
        u_d = random_top(seed_i, pos_i + 32'd1);  // planted fault: the next position's number
`else
        u_d = random_top(seed_i, pos_i);
`endif
        max_d = max_i;
        all_d = '0;  total_d = '0;  keep_d = '0;  cum_d = '0;  found_d = 1'b0;
        token_d = '0;  i_d = '0;
        st_d = buffered ? SSort : SWeigh;
        n_d  = 32'(VocabSize);  // the sort, or the weighing of every token
      end
      SSort: if (pass_end) begin
        st_d = SWeigh;  n_d = n_buf;  i_d = '0;
      end
      SWeigh: if (pass_end) begin
        // Without top-p every candidate is kept: the total is their sum.
        if (buffered) begin
          st_d = SPrefix;
        end else begin
          st_d = SDraw;  total_d = all_d;  keep_d = n_q;
        end
        i_d = '0;
      end
      SPrefix: if (pass_end) begin
        st_d = SDraw;  i_d = '0;
      end
      SDraw: if (pass_end) st_d = SDone;
      default: begin  // SDone
        done_o = 1'b1;
        st_d = SIdle;
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q <= SIdle;  n_q <= '0;  i_q <= '0;  u_q <= '0;  max_q <= '0;
      all_q <= '0;  total_q <= '0;  keep_q <= '0;  cum_q <= '0;  found_q <= 1'b0;  token_q <= '0;
      s0_q <= 1'b0;  s1_q <= 1'b0;  s2_q <= 1'b0;
      s0_j_q <= '0;  s1_j_q <= '0;  s2_j_q <= '0;  s0_val_q <= '0;  s1_z_q <= '0;
    end else begin
      st_q <= st_d;  n_q <= n_d;  i_q <= i_d;  u_q <= u_d;  max_q <= max_d;
      all_q <= all_d;  total_q <= total_d;  keep_q <= keep_d;  cum_q <= cum_d;
      found_q <= found_d;  token_q <= token_d;
      s0_q <= issue;  s0_j_q <= i_q;
      s0_val_q <= bval_q[i_q[$clog2(BufN)-1:0]];
      s1_q <= s0_q && st_q != SSort;  s1_j_q <= s0_j_q;  s1_z_q <= z_of_s0;
      s2_q <= s1_q;  s2_j_q <= s1_j_q;
    end
  end
  // ---- the sort: the arriving logit (element s0_j_q) goes after every entry >= it -----------
  // The entries that stay ahead of it are a run from entry 0 (the buffer is sorted); it goes
  // into the first entry that does not, the entries after that move down one, and the last
  // of the K falls out. The buffer holds no reset (its valid bits do).
  logic sort_in;  // a logit arrives for the sort
  assign sort_in = st_q == SSort && s0_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bvld_q <= '0;
    end else if (st_q == SIdle && start_i) begin
      bvld_q <= '0;
    end else if (sort_in) begin
      if (!(bvld_q[0] && bval_q[0] >= s0_value)) bvld_q[0] <= 1'b1;
      for (int e = 1; e < BufN; e++) begin
        if (32'(e) < n_buf && !(bvld_q[e-1] && bval_q[e-1] >= s0_value)) bvld_q[e] <= bvld_q[e-1];
        else if (32'(e) < n_buf && !(bvld_q[e] && bval_q[e] >= s0_value)) bvld_q[e] <= 1'b1;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (sort_in) begin
      if (!(bvld_q[0] && bval_q[0] >= s0_value)) begin
        bval_q[0] <= s0_value;  bidx_q[0] <= IdxBits'(s0_j_q);
      end
      for (int e = 1; e < BufN; e++) begin
        if (32'(e) < n_buf && !(bvld_q[e-1] && bval_q[e-1] >= s0_value)) begin
          bval_q[e] <= bval_q[e-1];  bidx_q[e] <= bidx_q[e-1];   // moves down
        end else if (32'(e) < n_buf && !(bvld_q[e] && bval_q[e] >= s0_value)) begin
          bval_q[e] <= s0_value;  bidx_q[e] <= IdxBits'(s0_j_q);  // the arriving logit
        end
      end
    end
  end

  assign token_o = token_q;

`ifndef SYNTHESIS
  // The settings are in range (the endpoint refuses others).
  assert property (@(posedge clk_i) disable iff (!rst_ni)
                   start_i |-> inv_temp_i != '0 && inv_temp_i <= 32'h0100_0000 &&
                               top_k_i <= MaxTopK && top_p_i != '0 && top_p_i <= 32'd65536)
    else $error("hw_sampler: settings out of range: 1/T %0d top-k %0d top-p %0d",
                inv_temp_i, top_k_i, top_p_i);
  // A draw always finds its token (r < total).
  assert property (@(posedge clk_i) disable iff (!rst_ni) st_q == SDone |-> found_q)
    else $error("hw_sampler: no candidate reached the draw");
  assert property (@(posedge clk_i) disable iff (!rst_ni) start_i |-> st_q == SIdle)
    else $error("hw_sampler: started while drawing");

`include "hw_cover.svh"
  `HW_COVER(c_sample_all,      st_q == SWeigh && !buffered)
  `HW_COVER(c_sample_buffered, st_q == SSort)
  `HW_COVER(c_top_p_cut,       st_q == SDraw && keep_q < n_q)
`endif

endmodule
