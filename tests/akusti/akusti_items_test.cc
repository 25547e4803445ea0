// The AKUSTI item table (issue #13 item 7). docs/akusti-items.json is the single source of the 29
// items and their levels; docs/akusti-data-set.md says why. These tests hold it to the domain
// brief through a table typed by hand, and hold every other copy to it: the routing table
// compiled into src/sync, the akusti-item CodeSystem and the akusti-governance extensions in
// profiles/generated (which scripts/profiles.sh --check keeps equal to the FSH), and the
// "akusti" and "governance" members of the mapping modules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/files.h"
#include "json/json.h"
#include "mapping/mapping.h"
#include "sync/routing.h"

namespace silta {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = SILTA_SOURCE_DIR;
constexpr std::string_view kGovernanceUrl =
    "https://silta.example.fi/fhir/StructureDefinition/akusti-governance";
// How a mapping file names a Silta profile: Silta's canonical base is the placeholder there
// (mappings/README.md), and the generated profiles' ids follow.
const std::string kProfileBase =
    std::string(mapping::kCanonicalPlaceholder) + "/StructureDefinition/";

// Typed by hand from ../shared/domain/akusti-data-set.md, "The 29 data items", column "level";
// "none" where the brief leaves it blank. Deliberately not read from any file of the repository:
// it is the independent reading the single source must match.
const std::map<int, std::string> kBriefLevels = {
    {1, "national"},
    {2, "national"},
    {3, "joint-county"},
    {4, "national"},
    {5, "national"},
    {6, "national"},
    {7, "shared-definition"},
    {8, "national"},
    {9, "national"},
    {10, "county"},
    {11, "national"},
    {12, "national"},
    {13, "shared-definition"},
    {14, "shared-definition"},
    {15, "none"},
    {16, "none"},
    {17, "joint-county"},
    {18, "joint-county"},
    {19, "joint-county"},
    {20, "national"},
    {21, "joint-county"},
    {22, "shared-definition"},
    {23, "shared-definition"},
    {24, "shared-definition"},
    {25, "county"},
    {26, "national"},
    {27, "national"},
    {28, "shared-definition"},
    {29, "none"},
};

// The order a module whose items span levels is labelled by (the first wins): from the county's
// own system outwards, so the label never claims a wider circle than any of its data has.
const std::vector<std::string> kLevelsNarrowFirst = {"county", "shared-definition", "joint-county",
                                                     "national"};

json::Value ParseFile(const fs::path& file) {
  auto text = ReadFile(file);
  if (!text.ok()) {
    ADD_FAILURE() << text.status().message();
    return {};
  }
  auto json = json::Value::Parse(*text, file.string());
  if (!json.ok()) {
    ADD_FAILURE() << json.status().message();
    return {};
  }
  return *std::move(json);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Text(const json::Value& object, std::string_view member) {
  const json::Value* v = object.is_object() ? object.Find(member) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

struct SourceItem {
  std::string english;
  std::optional<std::string> level;  // nullopt: the workshop left it open
};

struct Source {
  std::string open_item_level;
  std::map<int, SourceItem> items;

  // The level Silta routes an item at when a deployment overrides nothing.
  std::string RoutedLevel(int number) const {
    auto it = items.find(number);
    if (it == items.end()) return "no such item";
    return it->second.level.value_or(open_item_level);
  }
};

Source LoadSource() {
  json::Value json = ParseFile(kSourceDir / "docs/akusti-items.json");
  Source source;
  source.open_item_level = Text(json, "openItemLevel");
  const json::Value* items = json.is_object() ? json.Find("items") : nullptr;
  if (items == nullptr || !items->is_array()) {
    ADD_FAILURE() << "docs/akusti-items.json: no items";
    return source;
  }
  for (const json::Value& item : items->items()) {
    const json::Value* level = item.Find("level");
    int number = std::stoi(Text(item, "number"));
    EXPECT_FALSE(source.items.contains(number)) << "item " << number << " twice";
    source.items[number] = {Text(item, "english"), level == nullptr || level->is_null()
                                                       ? std::nullopt
                                                       : std::optional<std::string>(level->text())};
  }
  return source;
}

std::vector<fs::path> Files(const fs::path& dir, std::string_view prefix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.starts_with(prefix) && name.ends_with(".json")) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One akusti-governance extension of a generated StructureDefinition.
struct Governance {
  int item = 0;
  std::string level, basis;
};

// StructureDefinition id → the items it states governance for.
std::map<std::string, std::vector<Governance>> GeneratedGovernance() {
  std::map<std::string, std::vector<Governance>> out;
  for (const fs::path& file : Files(kSourceDir / "profiles/generated", "StructureDefinition-")) {
    json::Value sd = ParseFile(file);
    std::vector<Governance>& found = out[Text(sd, "id")];
    const json::Value* extensions = sd.Find("extension");
    if (extensions == nullptr) continue;
    for (const json::Value& ext : extensions->items()) {
      if (Text(ext, "url") != kGovernanceUrl) continue;
      Governance g;
      for (const json::Value& part : ext.Find("extension")->items()) {
        std::string url = Text(part, "url");
        if (url == "item") g.item = std::stoi(Text(*part.Find("valueCoding"), "code"));
        if (url == "level") g.level = Text(part, "valueCode");
        if (url == "basis") g.basis = Text(part, "valueCode");
      }
      found.push_back(g);
    }
  }
  return out;
}

TEST(AkustiItemTable, SourceAndRoutingTableMatchTheDomainBrief) {
  Source source = LoadSource();
  ASSERT_EQ(source.items.size(), 29u);
  for (const auto& [number, brief] : kBriefLevels) {
    ASSERT_TRUE(source.items.contains(number)) << "item " << number;
    EXPECT_EQ(source.items[number].level.value_or("none"), brief)
        << "docs/akusti-items.json, item " << number;
  }
  // The compiled table too, directly: a wrong level there misroutes data whatever the source says.
  ASSERT_EQ(sync::AkustiItems().size(), 29u);
  for (const sync::AkustiItem& item : sync::AkustiItems()) {
    std::string level = item.level ? std::string(sync::LevelName(*item.level)) : "none";
    EXPECT_EQ(level, kBriefLevels.at(item.number)) << "src/sync/routing.cc, item " << item.number;
  }
  // The brief leaves three items open; Silta routes them at the most restrictive level.
  EXPECT_EQ(source.open_item_level, "county");
}

TEST(AkustiItemTable, RoutingTableIsTheSource) {
  Source source = LoadSource();
  std::set<int> seen;
  for (const sync::AkustiItem& item : sync::AkustiItems()) {
    ASSERT_TRUE(source.items.contains(item.number)) << item.number;
    EXPECT_TRUE(seen.insert(item.number).second) << "item " << item.number << " twice";
    const SourceItem& expected = source.items[item.number];
    // Routing keeps a short English label; it must name the same item, not a neighbour.
    EXPECT_TRUE(expected.english.starts_with(item.english))
        << "item " << item.number << ": \"" << item.english << "\" vs \"" << expected.english
        << "\"";
    EXPECT_EQ(item.level ? std::optional<std::string>(sync::LevelName(*item.level)) : std::nullopt,
              expected.level)
        << "item " << item.number;
  }
  EXPECT_EQ(seen.size(), 29u);

  // A policy that overrides nothing routes every item at the source's level, the open ones at
  // its openItemLevel.
  auto policy = sync::RoutingPolicy::FromJson(
      *json::Value::Parse(R"({"targets":[{"name":"t","levels":["county"]}]})", "policy"), "policy");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  for (int n = 1; n <= 29; ++n) {
    EXPECT_EQ(sync::LevelName(policy->LevelOf(n)), source.RoutedLevel(n)) << "item " << n;
  }
}

TEST(AkustiItemTable, GeneratedCodeSystemIsTheSource) {
  Source source = LoadSource();
  json::Value cs = ParseFile(kSourceDir / "profiles/generated/CodeSystem-akusti-item.json");
  const json::Value* concepts = cs.Find("concept");
  ASSERT_NE(concepts, nullptr);
  std::set<int> seen;
  for (const json::Value& c : concepts->items()) {
    int number = std::stoi(Text(c, "code"));
    ASSERT_TRUE(source.items.contains(number)) << "concept " << number;
    seen.insert(number);
    const SourceItem& expected = source.items[number];
    EXPECT_TRUE(Lower(expected.english).starts_with(Lower(Text(c, "display"))))
        << "concept " << number << ": \"" << Text(c, "display") << "\"";
    std::map<std::string, std::string> properties;
    if (const json::Value* ps = c.Find("property")) {
      for (const json::Value& p : ps->items()) properties[Text(p, "code")] = Text(p, "valueCode");
    }
    EXPECT_EQ(properties["governance-level"], source.RoutedLevel(number)) << "concept " << number;
    EXPECT_EQ(properties["basis"], expected.level ? "workshop" : "silta-default")
        << "concept " << number;
  }
  EXPECT_EQ(seen.size(), 29u);
}

TEST(AkustiItemTable, GovernanceExtensionsOfProfilesAreTheSource) {
  Source source = LoadSource();
  int stated = 0;
  for (const auto& [id, governance] : GeneratedGovernance()) {
    for (const Governance& g : governance) {
      ++stated;
      ASSERT_TRUE(source.items.contains(g.item)) << id << ": item " << g.item;
      EXPECT_EQ(g.level, source.RoutedLevel(g.item)) << id << ": item " << g.item;
      EXPECT_EQ(g.basis, source.items[g.item].level ? "workshop" : "silta-default")
          << id << ": item " << g.item;
    }
  }
  // Fails if the extension's URL or shape changed and nothing was read at all.
  EXPECT_GT(stated, 29);
}

TEST(AkustiItemTable, MappingModulesAgreeWithTheSourceAndTheirProfiles) {
  Source source = LoadSource();
  auto governance = GeneratedGovernance();
  int modules = 0;
  for (const auto& entry : fs::directory_iterator(kSourceDir / "mappings")) {
    if (!fs::exists(entry.path() / "mapping.json")) continue;
    ++modules;
    json::Value m = ParseFile(entry.path() / "mapping.json");
    std::string name = Text(m, "module");
    std::set<int> items;
    for (const json::Value& n : m.Find("akusti")->items()) items.insert(std::stoi(n.text()));
    ASSERT_FALSE(items.empty()) << name;

    // governance: the level of the items, or the narrowest of them when they span levels.
    std::string narrowest;
    for (const std::string& level : kLevelsNarrowFirst) {
      bool has = std::any_of(items.begin(), items.end(),
                             [&](int n) { return source.RoutedLevel(n) == level; });
      if (has && narrowest.empty()) narrowest = level;
    }
    for (int n : items) EXPECT_TRUE(source.items.contains(n)) << name << ": item " << n;
    EXPECT_EQ(Text(m, "governance"), narrowest) << name;

    // The profiles the module writes state exactly the items the module routes by.
    std::vector<std::string> profiles = {Text(m, "profile")};
    if (const json::Value* by = m.Find("profileBy")) {
      for (const auto& [kind, url] : by->Find("profiles")->members())
        profiles.push_back(url.text());
    }
    std::set<int> stated;
    for (const std::string& url : profiles) {
      ASSERT_TRUE(url.starts_with(kProfileBase)) << name << ": " << url;
      std::string id = url.substr(kProfileBase.size());
      ASSERT_TRUE(governance.contains(id)) << name << ": no generated profile " << id;
      for (const Governance& g : governance[id]) stated.insert(g.item);
    }
    EXPECT_EQ(stated, items) << name;
  }
  EXPECT_EQ(modules, 12);
}

}  // namespace
}  // namespace silta
