// Data-driven: every R4 core profile (derivation = constraint) regenerated from its differential
// matches its published snapshot, except the cases in r4_core_known_differences.txt.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "context/context.h"
#include "suite.h"

namespace silta::snapshot {
namespace {

void RunCoreSuite(bool generate_bases, const std::string& derivation = "constraint") {
  auto package = context::CorePackage();
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  const packages::Package& core = **package;
  std::vector<testing::SuiteCase> cases;
  for (const packages::ResourceEntry& entry : core.entries()) {
    if (!entry.IsStructureDefinition() || entry.derivation != derivation) continue;
    auto text = core.ReadResource(entry);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    rapidjson::Document doc;
    doc.Parse(text->data(), text->size());
    if (!doc.IsObject() || !doc.HasMember("differential") || !doc.HasMember("snapshot")) continue;
    cases.push_back({entry.id, std::move(*text)});
  }
  ASSERT_GT(cases.size(), 100u);
  DefinitionLookup lookup = testing::PackageLookup(core);
  if (generate_bases) lookup = testing::WithoutCaseSnapshots(cases, lookup);
  const bool types = derivation == "specialization";
  testing::RunSuite(
      types            ? "R4 core types"
      : generate_bases ? "R4 core (bases generated)"
                       : "R4 core",
      cases, lookup,
      std::filesystem::path(SILTA_SNAPSHOT_TEST_DIR) /
          (types ? "r4_core_types_known_differences.txt" : "r4_core_known_differences.txt"),
      types);
}

TEST(R4CoreSnapshots, RegeneratedSnapshotsMatchPublished) { RunCoreSuite(false); }

// Profiles on profiles (bodyweight on vitalsigns...) with the base profile's snapshot hidden too.
TEST(R4CoreSnapshots, MatchWhenProfileBasesAreGeneratedToo) { RunCoreSuite(true); }

// The resources and datatypes themselves (derivation = specialization), each regenerated from its
// base's published snapshot and its differential.
TEST(R4CoreSnapshots, TypeDefinitionsMatchPublished) { RunCoreSuite(false, "specialization"); }

}  // namespace
}  // namespace silta::snapshot
