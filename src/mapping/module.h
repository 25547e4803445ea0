// A mapping module: the declarative definition of how one part of a client record becomes FHIR
// resources and back (mappings/<module>/mapping.json; the format is documented in
// mappings/README.md). Compiled once against the FHIR type model, then immutable.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "mapping/json_value.h"
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

struct Rule {
  std::string location;  // "mappings/client/mapping.json: rules[3].rules[0]" for messages
  Path record;           // relative to the record context; empty = the context itself
  Path fhir;             // relative to the FHIR context
  // Leaf rules: how the value changes on the way.
  const Transform* transform = nullptr;
  std::string transform_argument;
  const CodeMap* codes = nullptr;
  // FHIR-only values: written on the way to FHIR, ignored on the way back.
  std::optional<JsonValue> constant;
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
  std::string governance;   // county | shared-definition | joint-county | national
  std::vector<Rule> rules;
  std::map<std::string, CodeMap> code_maps;
  std::filesystem::path folder;
  bool is_root() const { return source.empty(); }
  // The module of the client itself: the one root module without only_if.
  bool is_client() const { return source.empty() && only_if.empty(); }
  // The profile of a resource made of `part` (the record part).
  const std::string& ProfileFor(const JsonValue& part) const;
};

// Reads and compiles mappings/<module>/mapping.json. Every problem found is listed in the error.
StatusOr<std::shared_ptr<const Module>> LoadModule(const std::filesystem::path& folder,
                                                   const model::TypeModel& model);

}  // namespace silta::mapping
