// SPDX-License-Identifier: MIT
// A picture of where a token's cycles go, as the simulation ran it: time in cycles across,
// one lane per block (the sequencer's op, the MAC cluster busy, the vector unit, the
// attention unit, the host link each way), token starts and layer boundaries marked. It is
// recorded cycle by cycle from the chip's debug ports and performance counters (not from
// the cycle model) over the positions of a window (hardwire run --timeline FILE.svg
// --trace-tokens A[:B]) and written as an SVG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rtl_enums.h"

namespace hw {

class Timeline {
  public:
    // What the chip did in one cycle.
    struct Sample {
        int op = 0;              // the sequencer's op (hw_pkg::op_e)
        bool mac_busy = false;   // the MAC cluster took a beat (PERF MAC_BUSY counted)
        bool vector = false;     // a vector step ran (PERF vector class counted)
        bool attention = false;  // the attention unit ran (PERF attention class counted)
        bool link_in = false;    // a symbol arrived from the host
        bool link_out = false;   // the chip sent a symbol
    };

    // `n_layers`: the model's layers (the sequencer's layer n_layers is the final steps).
    explicit Timeline(int n_layers) : n_layers_(n_layers) {}

    // A marker at `cycle`: a token's start or a layer boundary (also the wave layout's
    // named markers).
    struct Mark {
        std::uint64_t cycle;
        std::string name;
    };
    // Position `pos` (input `token`) starts at `cycle`.
    void start_token(std::uint64_t cycle, int pos, int token);
    // The cycle `cycle`, at sequencer layer `layer` (a change marks a layer boundary).
    void sample(std::uint64_t cycle, int layer, const Sample& s);
    // The window closed at `cycle`.
    void finish(std::uint64_t cycle) { end_ = cycle; }

    bool empty() const { return ops_.empty(); }
    const std::vector<Mark>& marks() const { return marks_; }
    std::uint64_t begin_cycle() const { return begin_; }
    std::uint64_t end_cycle() const { return end_; }

    // Writes the SVG; `op_names` names the sequencer's ops. Throws hw::Error when the file
    // cannot be written or nothing was recorded.
    void write_svg(const std::string& path, const ValueNames& op_names) const;

  private:
    // A run of cycles [begin, end) with one value.
    struct Segment {
        std::uint64_t begin, end;
        int value;
        int layer;  // the sequencer's layer at the run's start
    };
    static void extend(std::vector<Segment>& lane, std::uint64_t cycle, int value, int layer,
                       bool keep_zero);

    int n_layers_;
    std::vector<Segment> ops_, mac_, vector_, attention_, link_in_, link_out_;
    std::vector<Mark> marks_;
    std::vector<std::pair<std::uint64_t, std::string>> tokens_;  // start cycle, label
    int layer_ = -1;
    std::uint64_t begin_ = 0, end_ = 0;
};

}  // namespace hw
