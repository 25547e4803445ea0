// Data-driven: every R4 core profile (derivation = constraint) regenerated from its differential
// matches its published snapshot, except the cases in r4_core_known_differences.txt.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "context/context.h"
#include "suite.h"

namespace silta::snapshot {
namespace {

void RunCoreSuite(bool generate_bases) {
  auto package = context::CorePackage();
  ASSERT_TRUE(package.ok()) << package.status().ToString();
  const packages::Package& core = **package;
  std::vector<testing::SuiteCase> cases;
  for (const packages::ResourceEntry& entry : core.entries()) {
    if (!entry.IsStructureDefinition() || entry.derivation != "constraint") continue;
    auto text = core.ReadResource(entry);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    rapidjson::Document doc;
    doc.Parse(text->data(), text->size());
    if (!doc.IsObject() || !doc.HasMember("differential") || !doc.HasMember("snapshot")) continue;
    cases.push_back({entry.id, std::move(*text)});
  }
  ASSERT_GT(cases.size(), 100u);
  DefinitionLookup lookup = [&core](std::string_view canonical) -> std::optional<std::string> {
    const packages::ResourceEntry* entry = core.FindByUrl(canonical);
    if (entry == nullptr) return std::nullopt;
    auto text = core.ReadResource(*entry);
    if (!text.ok()) return std::nullopt;
    return std::move(*text);
  };
  if (generate_bases) lookup = testing::WithoutCaseSnapshots(cases, lookup);
  testing::RunSuite(
      generate_bases ? "R4 core (bases generated)" : "R4 core", cases, lookup,
      std::filesystem::path(SILTA_SNAPSHOT_TEST_DIR) / "r4_core_known_differences.txt");
}

TEST(R4CoreSnapshots, RegeneratedSnapshotsMatchPublished) { RunCoreSuite(false); }

// Profiles on profiles (bodyweight on vitalsigns...) with the base profile's snapshot hidden too.
TEST(R4CoreSnapshots, MatchWhenProfileBasesAreGeneratedToo) { RunCoreSuite(true); }

}  // namespace
}  // namespace silta::snapshot
