// A mapping module: the declarative definition of how one part of a client record becomes FHIR
// resources and back (mappings/<module>/mapping.json; the format is documented in
// mappings/README.md). Compiled once against the FHIR type model, then immutable.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/issues.h"
#include "base/status.h"
#include "json/json.h"
#include "mapping/narrative.h"
#include "mapping/path.h"
#include "model/type_model.h"

namespace silta::mapping {

class Transform;

// A ConceptMap-like table between the record's codes and FHIR codes, used in both directions.
struct CodeMap {
  std::string name;
  std::vector<std::pair<std::string, std::string>> pairs;  // record code → FHIR code
  std::optional<std::string> ToFhir(std::string_view record_code) const;
  std::optional<std::string> FromFhir(std::string_view fhir_code) const;
};

enum class ValueKind : uint8_t { kString, kNumber, kBoolean };

// The "item" of an element that belongs to no AKUSTI item but to the identity core: what every
// receiver of the resource needs to match and link it (business identifiers, name, the
// organising county, the non-disclosure label...). It goes wherever the resource goes.
inline constexpr int kIdentityCore = 0;

struct Rule {
  std::string location;  // "mappings/client/mapping.json: rules[3].rules[0]" for messages
  Path record;           // relative to the record context; empty = the context itself
  Path fhir;             // relative to the FHIR context
  // Leaf rules: how the value changes on the way.
  const Transform* transform = nullptr;
  std::string transform_argument;
  const CodeMap* codes = nullptr;
  // FHIR-only values: written on the way to FHIR, ignored on the way back.
  std::optional<json::Value> constant;
  // A reference to the resource another module makes of the same record ("client" → Patient).
  std::string link_module;
  // On the way to FHIR the rule applies only when this record path (relative to the rule's
  // context) selects a value other than false: a FHIR element that exists only for some records
  // (the TURVAKIELTO label when nonDisclosure is true). Empty: always.
  Path when;
  // The primitive the FHIR path ends in (kNone for complex values): numbers and booleans are
  // written as JSON numbers and booleans.
  model::Primitive fhir_primitive = model::Primitive::kNone;
  ValueKind record_kind = ValueKind::kString;
  // Top-level rules of a module whose resources mix items (the client's Patient): the AKUSTI
  // item of the elements the rule writes, or kIdentityCore. Elements keep the item of the rule
  // whose first FHIR path segment (name and filters) selects them.
  std::optional<int> item;
  // Group rules: each selected record object ↔ one FHIR element, with nested rules inside.
  std::vector<Rule> rules;
  bool is_group() const { return !rules.empty(); }
};

// The profile a resource claims, chosen by a record value (a coverage's kind): the value at
// `record` looked up in `profiles`; a value not listed falls back to Module::profile.
struct ProfileChoice {
  Path record;
  std::map<std::string, std::string, std::less<>> profiles;
};

// The AKUSTI item of a whole resource, chosen by one of its FHIR values: a Coverage's kind, a
// RelatedPerson's information source.
struct ItemChoice {
  Path fhir;  // relative to the resource
  std::map<std::string, int, std::less<>> items;
  std::optional<int> otherwise;  // for values not listed; none: such a resource has no item
};

struct Module {
  std::string name;  // folder name, also used in resource ids and business identifiers
  std::string title;
  std::string resource_type;
  std::string profile;  // canonical URL of the Silta profile the output must conform to
  std::optional<ProfileChoice> profile_by;
  Path source;  // the record part; empty = the record root (one resource)
  // For modules other than the client that map the record root (a CareTeam of all the
  // client's professionals): the resource is made only when this path selects something.
  Path only_if;
  std::vector<int> akusti;  // AKUSTI data items (akusti-data-set.md)
  std::optional<ItemChoice> akusti_by;
  std::string governance;  // county | shared-definition | joint-county | national
  std::vector<Rule> rules;
  std::map<std::string, CodeMap> code_maps;
  // Contract fields (record paths relative to `source`) the module deliberately leaves out, each
  // with its reason; `silta mappings check` holds every other field to a rule of some module.
  struct Unmapped {
    std::string record;
    std::string reason;
  };
  std::vector<Unmapped> unmapped;
  // The generated narrative of its resources: on unless the file turns it off; labels and title
  // may be replaced ("narrative" in mappings/README.md).
  NarrativeSettings narrative;
  std::filesystem::path folder;
  bool is_root() const { return source.empty(); }
  // The module of the client itself: the one root module without only_if.
  bool is_client() const { return source.empty() && only_if.empty(); }
  // The profile of a resource made of `part` (the record part).
  const std::string& ProfileFor(const json::Value& part) const;

  // Whether each resource of this module is one item as a whole (one item, or `akustiBy`), as
  // opposed to carrying items element by element (rules with "akusti").
  bool has_resource_items() const { return akusti_by.has_value() || akusti.size() == 1; }
  // The item of a whole resource made by this module; nullopt when its items are per element
  // or its `akustiBy` value names none.
  std::optional<int> ResourceItem(const json::Value& resource) const;
  // The item of one top-level element of a resource (`member` is its name, `element` the value
  // or one entry of an array): the item of the first top-level rule whose first FHIR segment
  // selects it, kIdentityCore for the identity core, nullopt when no rule writes it.
  std::optional<int> ElementItem(std::string_view member, const json::Value& element) const;
};

// What a mapping file writes for Silta's canonical base (MapperOptions::canonical_base), so that
// profiles, extension URLs and identifier systems follow the deployment's base:
// "{canonical}/StructureDefinition/silta-patient", "extension('{canonical}/StructureDefinition/
// in-plan')". Every string value of the file may hold it (member names do not).
inline constexpr std::string_view kCanonicalPlaceholder = "{canonical}";

// Reads and compiles mappings/<module>/mapping.json, with each kCanonicalPlaceholder in its string
// values replaced by `canonical_base`. Every problem found is listed in the error, each as
// "file:line:column: member: what"; with `problems`, each is also reported there (source the
// file, the location of the member, message "member: what", id MAPPING_INVALID).
StatusOr<std::shared_ptr<const Module>> LoadModule(const std::filesystem::path& folder,
                                                   const model::TypeModel& model,
                                                   std::string_view canonical_base,
                                                   IssueSink* problems = nullptr);

// Line and column of the members of a mapping file, found by the member paths that messages use
// ("rules[3].rules[0].record", "codeMaps.telecomUse[2][1]"). A path that goes past what the file
// holds gives the location of the deepest part that exists.
class MappingFileIndex {
 public:
  // False when `text` is not JSON; Locate then knows nothing.
  bool Parse(std::string_view text);
  SourceLocation Locate(std::string_view member_path) const;

 private:
  json::Value root_;  // its values know where they start
  bool parsed_ = false;
};

}  // namespace silta::mapping
