#include "sync/routing.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "base/files.h"
#include "base/numbers.h"

namespace silta::sync {
namespace {

constexpr std::string_view kHetuSystem = "urn:oid:1.2.246.21";

constexpr std::array<std::pair<Level, std::string_view>, 4> kLevelNames = {{
    {Level::kCounty, "county"},
    {Level::kSharedDefinition, "shared-definition"},
    {Level::kJointCounty, "joint-county"},
    {Level::kNational, "national"},
}};

constexpr std::array<std::pair<Withheld, std::string_view>, 5> kWithheldNames = {{
    {Withheld::kHetu, "hetu"},
    {Withheld::kName, "name"},
    {Withheld::kAddress, "address"},
    {Withheld::kTelecom, "telecom"},
    {Withheld::kBirthDate, "birthDate"},
}};

constexpr auto kNational = Level::kNational;
constexpr auto kShared = Level::kSharedDefinition;
constexpr auto kJoint = Level::kJointCounty;
constexpr auto kCounty = Level::kCounty;
constexpr std::optional<Level> kOpen = std::nullopt;

// A compiled copy of docs/akusti-items.json, the single source of the item table: the binary must
// route without the repository beside it. tests/akusti/akusti_items_test.cc fails when they differ.
constexpr std::array<AkustiItem, 29> kItems = {{
    {1, "self-reported contact details", kNational},
    {2, "education", kNational},
    {3, "related persons and roles", kJoint},
    {4, "family relations", kNational},
    {5, "payment contact details", kNational},
    {6, "occupation and employment status", kNational},
    {7, "temporary personal identifiers", kShared},
    {8, "asylum, residence permit", kNational},
    {9, "private insurance", kNational},
    {10, "occupational health care", kCounty},
    {11, "biobank consents", kNational},
    {12, "consent to service-need assessment", kNational},
    {13, "functional ability", kShared},
    {14, "extent of service use", kShared},
    {15, "guidance and counselling", kOpen},
    {16, "client communication", kOpen},
    {17, "professionals", kJoint},
    {18, "open customerships", kJoint},
    {19, "service history", kJoint},
    {20, "producer choice", kNational},
    {21, "service implementation plan", kJoint},
    {22, "client fees", kShared},
    {23, "service voucher", kShared},
    {24, "personal budget", kShared},
    {25, "payer of urgent care", kCounty},
    {26, "medicine reimbursement ceiling", kNational},
    {27, "service fee ceiling", kNational},
    {28, "payment commitments", kShared},
    {29, "payer of a service", kOpen},
}};

// Removes the members named `name` in every object of the tree, and HETU identifiers.
void Strip(json::Value& node, std::string_view name, bool hetu) {
  if (node.is_array()) {
    for (auto& item : node.items()) Strip(item, name, hetu);
    return;
  }
  if (!node.is_object()) return;
  if (!name.empty()) node.Remove(name);
  if (hetu) {
    if (json::Value* ids = node.Find("identifier")) {
      auto is_hetu = [](const json::Value& id) {
        const json::Value* system = id.is_object() ? id.Find("system") : nullptr;
        return system != nullptr && system->text() == kHetuSystem;
      };
      if (ids->is_array()) {
        std::erase_if(ids->items(), is_hetu);
        if (ids->items().empty()) node.Remove("identifier");
      } else if (is_hetu(*ids)) {
        node.Remove("identifier");
      }
    }
  }
  for (auto& [key, value] : node.members()) Strip(value, name, hetu);
}

// An AKUSTI item number as a policy writes it ("10"): 1-29, nothing else.
std::optional<int> ItemNumber(std::string_view text) {
  return ParseInteger<int>(text, 1, static_cast<int>(kItems.size()));
}

}  // namespace

std::string_view LevelName(Level level) {
  for (const auto& [l, name] : kLevelNames) {
    if (l == level) return name;
  }
  return "county";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (const auto& [l, n] : kLevelNames) {
    if (n == name) return l;
  }
  return std::nullopt;
}

std::optional<Withheld> ParseWithheld(std::string_view name) {
  for (const auto& [w, n] : kWithheldNames) {
    if (n == name) return w;
  }
  return std::nullopt;
}

std::span<const AkustiItem> AkustiItems() { return kItems; }

StatusOr<RoutingPolicy> RoutingPolicy::Load(const std::filesystem::path& file) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  SILTA_ASSIGN_OR_RETURN(json::Value json, json::Value::Parse(text, file.string()));
  SILTA_ASSIGN_OR_RETURN(RoutingPolicy policy, FromJson(json, file.string()));
  for (auto& target : policy.targets_) {
    if (!target.adapter.empty() && target.adapter.is_relative()) {
      target.adapter = file.parent_path() / target.adapter;
    }
  }
  return policy;
}

StatusOr<RoutingPolicy> RoutingPolicy::FromJson(const json::Value& json, std::string_view source) {
  std::vector<std::string> problems;
  auto problem = [&](const std::string& where, const std::string& what) {
    problems.push_back(std::string(source) + ": " + where + ": " + what);
  };
  RoutingPolicy policy;
  if (!json.is_object()) return InvalidArgumentError(std::string(source) + ": expected an object");
  for (const auto& [key, value] : json.members()) {
    if (key != "targets" && key != "levels" && key != "defaultLevel" && key != "comment") {
      problem("$", "unknown member \"" + key + "\"");
    }
  }
  if (const json::Value* level = json.Find("defaultLevel")) {
    auto parsed = ParseLevel(level->text());
    if (!parsed) problem("defaultLevel", "unknown level \"" + level->text() + "\"");
    if (parsed) policy.default_level_ = *parsed;
  }
  if (const json::Value* levels = json.Find("levels")) {
    for (const auto& [item, level] : levels->members()) {
      std::optional<int> number = ItemNumber(item);
      auto parsed = ParseLevel(level.text());
      if (!number) {
        problem("levels", "no AKUSTI item \"" + item + "\" (1-29)");
      } else if (!parsed) {
        problem("levels." + item, "unknown level \"" + level.text() + "\"");
      } else {
        policy.overrides_[*number] = *parsed;
      }
    }
  }
  const json::Value* targets = json.Find("targets");
  if (targets == nullptr || !targets->is_array() || targets->items().empty()) {
    problem("targets", "at least one target is required");
  } else {
    for (size_t i = 0; i < targets->items().size(); ++i) {
      const json::Value& t = targets->items()[i];
      std::string where = "targets[" + std::to_string(i) + "]";
      Target target;
      for (const auto& [key, value] : t.members()) {
        if (key == "name") {
          target.name = value.text();
        } else if (key == "levels") {
          for (const auto& l : value.items()) {
            auto parsed = ParseLevel(l.text());
            if (!parsed) problem(where, "unknown level \"" + l.text() + "\"");
            if (parsed) target.levels.insert(*parsed);
          }
        } else if (key == "items") {
          for (const auto& n : value.items()) {
            std::optional<int> number = ItemNumber(n.text());
            if (!number) problem(where + ".items", "no AKUSTI item \"" + n.text() + "\" (1-29)");
            if (number) target.only_items.insert(*number);
          }
        } else if (key == "withhold") {
          for (const auto& w : value.items()) {
            auto parsed = ParseWithheld(w.text());
            if (!parsed) problem(where, "cannot withhold \"" + w.text() + "\"");
            if (parsed) target.withheld.insert(*parsed);
          }
        } else if (key == "profiles") {
          if (!value.is_object()) problem(where, "profiles must be {\"Type\": [profile URL]}");
          for (const auto& [type, urls] : value.members()) {
            for (const auto& url : urls.items()) {
              if (url.kind() != json::Value::Kind::kString || url.text().empty()) {
                problem(where + ".profiles." + type, "a profile URL (string) is expected");
              } else {
                target.profiles[type].push_back(url.text());
              }
            }
          }
        } else if (key == "nonDisclosed") {
          if (value.text() == "receive") {
            target.receives_non_disclosed = true;
          } else if (value.text() != "withhold") {
            problem(where, "nonDisclosed must be \"withhold\" (the default) or \"receive\"");
          }
        } else if (key == "adapter") {
          target.adapter = value.text();
        } else if (key != "comment") {
          problem(where, "unknown member \"" + key + "\"");
        }
      }
      if (target.name.empty()) problem(where, "a target needs a name");
      if (target.levels.empty()) problem(where, "a target needs at least one level");
      if (policy.FindTarget(target.name) != nullptr) {
        problem(where, "a second target named \"" + target.name + "\"");
      }
      policy.targets_.push_back(std::move(target));
    }
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    return InvalidArgumentError(message);
  }
  return policy;
}

Level RoutingPolicy::LevelOf(int item) const {
  if (auto it = overrides_.find(item); it != overrides_.end()) return it->second;
  if (item >= 1 && item <= static_cast<int>(kItems.size()) && kItems[item - 1].level) {
    return *kItems[item - 1].level;
  }
  return default_level_;
}

const Target* RoutingPolicy::FindTarget(std::string_view name) const {
  for (const auto& t : targets_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void RoutingPolicy::Withhold(const Target& target, json::Value& resource) {
  for (Withheld w : target.withheld) {
    switch (w) {
      case Withheld::kHetu:
        Strip(resource, {}, true);
        break;
      case Withheld::kName:
        Strip(resource, "name", false);
        break;
      case Withheld::kAddress:
        Strip(resource, "address", false);
        break;
      case Withheld::kTelecom:
        Strip(resource, "telecom", false);
        break;
      case Withheld::kBirthDate:
        Strip(resource, "birthDate", false);
        break;
    }
  }
}

}  // namespace silta::sync
