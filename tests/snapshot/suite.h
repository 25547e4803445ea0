// Test helper: the data-driven "regenerate and compare" suite shared by the R4 core and the
// Finnish profile tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "snapshot/snapshot.h"

namespace silta::snapshot::testing {

struct SuiteCase {
  std::string name;  // the StructureDefinition id
  std::string json;  // as published, with its snapshot
};

// Regenerates every case's snapshot (published snapshot stripped) through `lookup` and compares
// it with the published one. Cases listed in `known_differences_file` ("<id> <reason>" per line,
// '#' comments) may differ; an unlisted difference fails the test, and so does a listed case that
// now matches (keep the list honest). Prints the pass rate.
void RunSuite(const std::string& suite, const std::vector<SuiteCase>& cases,
              const DefinitionLookup& lookup, const std::filesystem::path& known_differences_file);

// A lookup that hides the snapshots of `cases` from `lookup`, so bases among them are generated
// recursively instead of read.
DefinitionLookup WithoutCaseSnapshots(const std::vector<SuiteCase>& cases, DefinitionLookup lookup);

}  // namespace silta::snapshot::testing
