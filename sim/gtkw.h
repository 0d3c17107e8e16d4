// SPDX-License-Identifier: MIT
// GTKWave save files for the chip's FST windows: the signals a reader of one token's decode
// needs, grouped by block (host link, sequencer, MAC array, vector unit, KV cache). The
// names and widths come from the FST itself (read with fst2vcd), so the file matches what
// Verilator wrote.
#pragma once

#include <string>
#include <vector>

namespace hw {

// Positions to trace (--trace-tokens A[:B]), both included.
struct TraceWindow {
    int first = 0;
    int last = 0;
};

// Parses "A" or "A:B" with 0 <= A <= B. Throws hw::Error naming the option and the text.
TraceWindow parse_trace_window(const std::string& text);

// FILE.fst -> FILE.gtkw (any other name gets .gtkw appended).
std::string gtkw_path(const std::string& fst_path);

// A named marker of a wave layout: a time and what happens there (a token's start, a layer).
struct WaveMarker {
    double time_ps = 0;
    std::string name;
};
// GTKWave 3.3 keeps 26 named markers (A..Z).
inline constexpr std::size_t kMaxWaveMarkers = 26;

// Writes the save file for `fst_path` (chip top module `top_module`), zoomed to show the
// window from start_ps to end_ps, with `markers` as named markers (the first 26) and the
// encoded signals (sequencer op, monitor stage, vector-unit op, endpoint and link states,
// TLP type) shown by name through translate filter files written beside it
// (GTKW_BASE.filters/<type>.txt, from rtl_enums.h); returns the number of signals placed.
// Throws hw::Error when the FST cannot be read or a group finds none of its signals.
int write_gtkw(const std::string& gtkw, const std::string& fst_path, const std::string& top_module,
               double start_ps, double end_ps, const std::vector<WaveMarker>& markers = {});

}  // namespace hw
