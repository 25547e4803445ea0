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
// `lenient_extension_slicing`: an extension element's standard url slicing counts as equal to
// none (the 2019 publisher kept it on datatypes and dropped it on resources; it is implied).
std::vector<std::string> CompareSnapshots(std::string_view expected_sd, std::string_view actual_sd,
                                          size_t limit = 10,
                                          bool lenient_extension_slicing = false);

// Removes the snapshot of a StructureDefinition JSON text.
std::string StripSnapshot(std::string_view sd);

}  // namespace silta::snapshot::testing
