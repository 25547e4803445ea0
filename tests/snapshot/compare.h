// Test helper: compares two snapshots on what validation depends on (element ids and paths in
// order, cardinality, types with profiles, fixed/pattern values, bindings, slicing, constraint
// keys), ignoring narrative (short, definition, comments, mappings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace silta::snapshot::testing {

// Differences between the snapshots of two StructureDefinition JSON texts, each a short line
// naming the element id; at most `limit` of them.
std::vector<std::string> CompareSnapshots(std::string_view expected_sd, std::string_view actual_sd,
                                          size_t limit = 10);

// Removes the snapshot of a StructureDefinition JSON text.
std::string StripSnapshot(std::string_view sd);

}  // namespace silta::snapshot::testing
