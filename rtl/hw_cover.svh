// SPDX-License-Identifier: MIT
// HW_COVER(name, expr): a named user cover point, sampled at clk_i's rising edge and off
// while rst_ni is low. The one spelling of the chip's cover points (hardwire regress --cov
// reports them by name; README.md, "Coverage"). Include it inside `ifndef SYNTHESIS, in a
// module with clk_i and rst_ni. rtl/ is on Verilator's include path (the chip build's
// INCLUDE_DIRS, scripts/lint's -Irtl); Yosys reads with SYNTHESIS defined and never opens it.
`ifndef HW_COVER_SVH
`define HW_COVER_SVH
`define HW_COVER(name, expr) name: cover property (@(posedge clk_i) disable iff (!rst_ni) expr);
`endif
