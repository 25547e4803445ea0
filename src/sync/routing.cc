#include "sync/routing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <string_view>

#include "base/files.h"
#include "base/numbers.h"

namespace silta::sync {
namespace {

constexpr std::array<std::pair<Level, std::string_view>, 4> kLevelNames = {{
    {Level::kCounty, "county"},
    {Level::kSharedDefinition, "shared-definition"},
    {Level::kJointCounty, "joint-county"},
    {Level::kNational, "national"},
}};

constexpr std::array<std::pair<Withheld, std::string_view>, 5> kWithheldNames = {{
    {Withheld::kName, "name"},
    {Withheld::kAddress, "address"},
    {Withheld::kTelecom, "telecom"},
    {Withheld::kBirthDate, "birthDate"},
}};

constexpr std::array<std::pair<Register, std::string_view>, 2> kRegisterNames = {{
    {Register::kSocialWelfare, "social-welfare"},
    {Register::kHealthCare, "health-care"},
}};

// The items whose entry in the data set (docs/akusti-data-set.md) is about a health care service,
// so that their data is patient register data: occupational health care [10], the payer of
// urgent (emergency) care [25] and the medicine reimbursement ceiling [26]. Every other item is
// customer management of the county's social and health care alike (consents [11] are "all sote
// consents to Kanta"), kept in the custodian's default register: docs/sync.md says why that is
// the social welfare client register unless a policy says otherwise.
constexpr std::array<int, 3> kHealthCareItems = {10, 25, 26};

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
void Strip(json::Value& node, std::string_view name) {
  if (node.is_array()) {
    for (auto& item : node.items()) Strip(item, name);
    return;
  }
  if (!node.is_object()) return;
  node.Remove(name);
  for (auto& [key, value] : node.members()) Strip(value, name);
}

// Removes every identifier whose system is in `systems`, at any depth.
void StripIdentifiers(json::Value& node, const std::set<std::string, std::less<>>& systems) {
  if (node.is_array()) {
    for (auto& item : node.items()) StripIdentifiers(item, systems);
    return;
  }
  if (!node.is_object()) return;
  if (json::Value* ids = node.Find("identifier")) {
    auto withheld = [&](const json::Value& id) {
      const json::Value* system = id.is_object() ? id.Find("system") : nullptr;
      return system != nullptr && systems.contains(system->text());
    };
    if (ids->is_array()) {
      std::erase_if(ids->items(), withheld);
      if (ids->items().empty()) node.Remove("identifier");
    } else if (withheld(*ids)) {
      node.Remove("identifier");
    }
  }
  for (auto& [key, value] : node.members()) StripIdentifiers(value, systems);
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

std::string_view RegisterName(Register kind) {
  for (const auto& [r, name] : kRegisterNames) {
    if (r == kind) return name;
  }
  return "social-welfare";
}

std::optional<Register> ParseRegister(std::string_view name) {
  for (const auto& [r, n] : kRegisterNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

namespace {

// An OID as FHIR writes it without its urn:oid: prefix: digits separated by single dots.
bool IsOid(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' ? text[i - 1] == '.' : !std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Custodian ParseCustodian(
    const json::Value& json,
    const std::function<void(const std::string&, const std::string&)>& problem) {
  Custodian custodian;
  if (!json.is_object()) {
    problem("custodian", "expected an object");
    return custodian;
  }
  for (const auto& [key, value] : json.members()) {
    if (key == "oid") {
      custodian.oid = value.text();
      if (!IsOid(custodian.oid)) problem("custodian.oid", "an OID (digits and dots) is expected");
    } else if (key == "name") {
      custodian.name = value.text();
    } else if (key == "kind") {
      if (value.text() != "public" && value.text() != "private") {
        problem("custodian.kind", "\"public\" (the default) or \"private\" is expected");
      }
      custodian.is_public = value.text() != "private";
    } else if (key == "register") {
      auto parsed = ParseRegister(value.text());
      if (!parsed) problem("custodian.register", "unknown register \"" + value.text() + "\"");
      if (parsed) custodian.default_register = *parsed;
    } else if (key == "registers") {
      for (const auto& [item, name] : value.members()) {
        std::optional<int> number = ItemNumber(item);
        auto parsed = ParseRegister(name.text());
        if (!number) {
          problem("custodian.registers", "no AKUSTI item \"" + item + "\" (1-29)");
        } else if (!parsed) {
          problem("custodian.registers." + item, "unknown register \"" + name.text() + "\"");
        } else {
          custodian.item_registers[*number] = *parsed;
        }
      }
    } else if (key == "registerCodes") {
      for (const auto& [name, code] : value.members()) {
        auto parsed = ParseRegister(name);
        if (!parsed) problem("custodian.registerCodes", "unknown register \"" + name + "\"");
        if (code.kind() != json::Value::Kind::kString || code.text().empty()) {
          problem("custodian.registerCodes." + name, "a code (string) is expected");
        } else if (parsed) {
          custodian.register_codes[*parsed] = code.text();
        }
      }
    } else if (key != "comment") {
      problem("custodian", "unknown member \"" + key + "\"");
    }
  }
  if (custodian.oid.empty()) problem("custodian", "the register keeper's \"oid\" is required");
  if (custodian.name.empty()) problem("custodian", "the register keeper's \"name\" is required");
  return custodian;
}

}  // namespace

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
    if (key != "targets" && key != "levels" && key != "defaultLevel" && key != "custodian" &&
        key != "comment") {
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
  if (const json::Value* custodian = json.Find("custodian")) {
    policy.custodian_ = ParseCustodian(*custodian, problem);
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
            std::string_view entry = w.text();
            if (entry == "hetu") {
              target.withheld_systems.insert(std::string(kHetuSystem));
            } else if (entry == "national-identifiers") {
              target.withheld_systems.insert(std::string(kHetuSystem));
              target.withheld_systems.insert(std::string(kTerhikkiSystem));
            } else if (entry.starts_with("system:")) {
              std::string_view system = entry.substr(7);
              if (system.empty()) {
                problem(where + ".withhold", "\"system:\" needs an identifier system URI");
              } else if (system.ends_with("/sid/client-record-part")) {
                // The engine finds what it sent by this identifier: without it, every push
                // would create the resources again.
                problem(where + ".withhold",
                        "the client-record part identifier cannot be withheld");
              } else {
                target.withheld_systems.insert(std::string(system));
              }
            } else if (entry.starts_with("item:")) {
              std::optional<int> number = ItemNumber(entry.substr(5));
              if (!number) {
                problem(where + ".withhold",
                        "no AKUSTI item \"" + std::string(entry.substr(5)) + "\" (1-29)");
              } else {
                target.withheld_items.insert(*number);
              }
            } else if (auto parsed = ParseWithheld(entry)) {
              target.withheld.insert(*parsed);
            } else {
              problem(where, "cannot withhold \"" + w.text() +
                                 "\" (name, address, telecom, birthDate, hetu, "
                                 "national-identifiers, system:<uri> or item:<n>)");
            }
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
        } else if (key == "custodianProvenance") {
          if (value.kind() != json::Value::Kind::kBool) {
            problem(where, "custodianProvenance must be true (the default) or false");
          }
          target.receives_custodian = value.text() != "false";
        } else if (key == "adapter") {
          target.adapter = value.text();
        } else if (key != "comment") {
          problem(where, "unknown member \"" + key + "\"");
        }
      }
      if (target.profiles.count("Provenance") != 0 && !policy.custodian_) {
        problem(where + ".profiles.Provenance",
                "the policy names no custodian, so no Provenance is sent that could conform");
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

Register RoutingPolicy::RegisterOf(int item) const {
  Register fallback = custodian_ ? custodian_->default_register : Register::kSocialWelfare;
  if (custodian_) {
    if (auto it = custodian_->item_registers.find(item); it != custodian_->item_registers.end()) {
      return it->second;
    }
  }
  bool health_care =
      std::find(kHealthCareItems.begin(), kHealthCareItems.end(), item) != kHealthCareItems.end();
  return health_care ? Register::kHealthCare : fallback;
}

const Target* RoutingPolicy::FindTarget(std::string_view name) const {
  for (const auto& t : targets_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void RoutingPolicy::Withhold(const Target& target, json::Value& resource) {
  if (!target.withheld_systems.empty()) StripIdentifiers(resource, target.withheld_systems);
  for (Withheld w : target.withheld) {
    switch (w) {
      case Withheld::kName:
        Strip(resource, "name");
        break;
      case Withheld::kAddress:
        Strip(resource, "address");
        break;
      case Withheld::kTelecom:
        Strip(resource, "telecom");
        break;
      case Withheld::kBirthDate:
        Strip(resource, "birthDate");
        break;
    }
  }
}

}  // namespace silta::sync
