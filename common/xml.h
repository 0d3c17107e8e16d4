// SPDX-License-Identifier: MIT
// Text for XML and SVG (the JUnit report, the timeline and the projection's plot).
#pragma once

#include <string>

namespace hw {

// `s` escaped for XML text and attribute values: & < > " as entities, control characters
// other than newline and tab (which XML 1.0 forbids) as '?'.
std::string xml_escape(const std::string& s);

}  // namespace hw
