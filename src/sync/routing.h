// The routing policy: which targets receive which data. Each AKUSTI data item has a governance
// level (the table in docs/akusti-items.json, shown in docs/akusti-data-set.md; overridable per
// deployment); each target declares the levels it serves, optionally the only items it takes,
// and what it must never receive (a pseudonymous PHR-style target gets no HETU).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "json/json.h"

namespace silta::sync {

enum class Level : uint8_t { kCounty, kSharedDefinition, kJointCounty, kNational };

std::string_view LevelName(Level level);  // "county", "shared-definition"...
std::optional<Level> ParseLevel(std::string_view name);

struct AkustiItem {
  int number;
  std::string_view english;
  // The level the AKUSTI workshop points to; nullopt where it left the item open.
  std::optional<Level> level;
};

// The 29 items of the AKUSTI common customer-management data set.
std::span<const AkustiItem> AkustiItems();

// What a target may be denied, element by element, wherever it occurs in a resource.
enum class Withheld : uint8_t { kHetu, kName, kAddress, kTelecom, kBirthDate };
std::optional<Withheld> ParseWithheld(std::string_view name);

struct Target {
  std::string name;
  std::set<Level> levels;
  std::set<int> only_items;  // empty: every item of its levels
  std::set<Withheld> withheld;
  // Whether the target may receive the address, telecom and home municipality of a client under
  // non-disclosure (turvakielto); only a policy that says so explicitly ("nonDisclosed":
  // "receive") gives it them.
  bool receives_non_disclosed = false;
  // Profiles the target requires, by resource type: what it receives claims them in
  // meta.profile and must conform to them.
  std::map<std::string, std::vector<std::string>, std::less<>> profiles;
  std::filesystem::path adapter;  // the adapter config file (relative to the policy file)
};

class RoutingPolicy {
 public:
  // Policy file format (JSON):
  //   {"targets": [{"name": "...", "levels": ["county", ...], "items": [1, 3],
  //                 "withhold": ["hetu"], "nonDisclosed": "receive",
  //                 "profiles": {"Patient": ["http://.../StructureDefinition/x"]},
  //                 "adapter": "generic-r4.json"}],
  //    "levels": {"15": "county"},            // overrides of the item table
  //    "defaultLevel": "county"}              // for items the table leaves open
  static StatusOr<RoutingPolicy> Load(const std::filesystem::path& file);
  static StatusOr<RoutingPolicy> FromJson(const json::Value& json, std::string_view source);

  Level LevelOf(int item) const;
  const std::vector<Target>& targets() const { return targets_; }
  const Target* FindTarget(std::string_view name) const;

  // Removes from `resource` everything `target` must never receive.
  static void Withhold(const Target& target, json::Value& resource);

 private:
  std::vector<Target> targets_;
  std::map<int, Level> overrides_;
  Level default_level_ = Level::kCounty;
};

}  // namespace silta::sync
