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
// Elements a target may be denied by name (identifiers are withheld by system, items by number).
enum class Withheld : uint8_t { kName, kAddress, kTelecom, kBirthDate };
std::optional<Withheld> ParseWithheld(std::string_view name);

// The national identifier systems the mappings write ("national-identifiers" in a policy's
// withhold): the personal identity code (HETU) and Valvira's professional register (Terhikki).
inline constexpr std::string_view kHetuSystem = "urn:oid:1.2.246.21";
inline constexpr std::string_view kTerhikkiSystem = "urn:oid:1.2.246.537.26";

// The two registers a county keeps as the register keeper (rekisterinpitäjä) of the social and
// health care it organises: the social welfare client register (sosiaalihuollon asiakasrekisteri)
// and the health care patient register (potilasrekisteri).
enum class Register : uint8_t { kSocialWelfare, kHealthCare };
std::string_view RegisterName(Register kind);  // "social-welfare", "health-care"
std::optional<Register> ParseRegister(std::string_view name);

// Who keeps the register the pushed data belongs to: every transaction carries a FI Base
// information-custodian Provenance that names it (docs/sync.md).
struct Custodian {
  // The keeper's id: for a public organisation (a county) in the register keeper register
  // (eArkisto - Rekisterinpitäjärekisteri, urn:oid:1.2.246.537.6.40174), for a private one in
  // the SOTE organisation register (urn:oid:1.2.246.537.6.202). An OID, "1.2.246.10...".
  std::string oid;
  std::string name;
  bool is_public = true;  // fi-base-information-custodian-public, else -private
  // The register of the items the table in routing.cc does not place (RegisterOf).
  Register default_register = Register::kSocialWelfare;
  std::map<int, Register> item_registers;  // the policy's overrides, by AKUSTI item
  // The register's code in its classification, when the deployment gives it.
  std::map<Register, std::string> register_codes;
};

struct Target {
  std::string name;
  std::set<Level> levels;
  std::set<int> only_items;  // empty: every item of its levels
  std::set<Withheld> withheld;
  // Identifier systems the target must not receive: every identifier of such a system goes,
  // wherever it is in a resource (references' identifiers too).
  std::set<std::string, std::less<>> withheld_systems;
  // AKUSTI items the target must not receive although its levels govern them.
  std::set<int> withheld_items;
  // Whether the target may receive the address, telecom and home municipality of a client under
  // non-disclosure (turvakielto); only a policy that says so explicitly ("nonDisclosed":
  // "receive") gives it them.
  bool receives_non_disclosed = false;
  // Whether its transactions carry the custodian Provenance when the policy names a custodian
  // ("custodianProvenance": false turns it off: a citizen's own record, such as a PHR, has no
  // county as its register keeper, and its store may take no Provenance).
  bool receives_custodian = true;
  // Profiles the target requires, by resource type: what it receives claims them in
  // meta.profile and must conform to them.
  std::map<std::string, std::vector<std::string>, std::less<>> profiles;
  std::filesystem::path adapter;  // the adapter config file (relative to the policy file)
};

class RoutingPolicy {
 public:
  // Policy file format (JSON):
  //   {"targets": [{"name": "...", "levels": ["county", ...], "items": [1, 3],
  //                 "withhold": ["hetu", "national-identifiers", "system:<uri>", "item:6",
  //                              "name", "address", "telecom", "birthDate"],
  //                 "nonDisclosed": "receive",
  //                 "custodianProvenance": false,
  //                 "profiles": {"Patient": ["http://.../StructureDefinition/x"]},
  //                 "adapter": "generic-r4.json"}],
  //    "levels": {"15": "county"},            // overrides of the item table
  //    "defaultLevel": "county",              // for items the table leaves open
  //    "custodian": {"oid": "1.2.246.10...", "name": "...", "kind": "public",
  //                  "register": "social-welfare", "registers": {"13": "health-care"},
  //                  "registerCodes": {"health-care": "..."}}}
  static StatusOr<RoutingPolicy> Load(const std::filesystem::path& file);
  static StatusOr<RoutingPolicy> FromJson(const json::Value& json, std::string_view source);

  Level LevelOf(int item) const;
  // The register keeper; nullopt when the policy names none (then no Provenance is sent).
  const std::optional<Custodian>& custodian() const { return custodian_; }
  // The register `item` belongs to: the policy's override, else the built-in table (the items
  // whose data set entry names a health care service), else the custodian's default register.
  Register RegisterOf(int item) const;
  const std::vector<Target>& targets() const { return targets_; }
  const Target* FindTarget(std::string_view name) const;

  // Removes from `resource` everything `target` must never receive.
  static void Withhold(const Target& target, json::Value& resource);

 private:
  std::vector<Target> targets_;
  std::map<int, Level> overrides_;
  Level default_level_ = Level::kCounty;
  std::optional<Custodian> custodian_;
};

}  // namespace silta::sync
