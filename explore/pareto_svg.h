// SPDX-License-Identifier: MIT
// The Pareto plot of hardwire explore: tokens/s per user against die area (both logarithmic),
// each configuration a point coloured by its power, the Pareto front joined, and reference
// chips (HC1) drawn as labelled marks.
#pragma once

#include <string>
#include <vector>

namespace hw {

struct PlotPoint {
    std::string label;  // "R4 L256 P8"
    double area_mm2 = 0, tokens_per_s = 0, watts = 0;
};

// Writes the plot to `path` (SVG); hw::Error when it cannot be written. `title` heads it,
// `area_label` names what the area axis adds up ("logic + ROM + SRAM").
void write_pareto_svg(const std::string& path, const std::string& title, const std::string& area_label,
                      const std::vector<PlotPoint>& configs, const std::vector<PlotPoint>& references);

// The indices of the configurations no other beats on both axes (more tokens/s, less area),
// by increasing area.
std::vector<std::size_t> pareto_front(const std::vector<PlotPoint>& configs);

}  // namespace hw
