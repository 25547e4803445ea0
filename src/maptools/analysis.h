// The walk that check and coverage share: every rule of every module resolved against the
// contract's field list. Internal to the maptools module.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/issues.h"
#include "mapping/mapping.h"
#include "records/records.h"

namespace silta::maptools::internal {

// One rule that maps a contract field.
struct FieldUse {
  std::string field;  // contract path, "relatedPersons[].name.family"
  const mapping::Module* module = nullptr;
  const mapping::Rule* rule = nullptr;
  std::string fhir;                   // absolute: "RelatedPerson.name.family"
  std::optional<int> top_level_item;  // "akusti" of the top-level rule it is in
  const records::FieldInfo* info = nullptr;
};

struct UnmappedField {
  std::string field;  // contract path
  const mapping::Module* module = nullptr;
  std::string reason;
};

struct Analysis {
  std::vector<FieldUse> uses;
  std::vector<UnmappedField> unmapped;
  // Contract paths a rule maps, filters on, or copies whole as part of an enclosing field.
  std::set<std::string> accounted;
  std::vector<std::string> all_fields;  // every contract path, in contract order
};

// Problems (unknown record fields with their location) go to `sink` when it is not null.
Analysis Analyze(const mapping::Mapper& mapper, IssueSink* sink);

// Contract fields that no rule accounts for and no "unmapped" entry lists; a field inside one
// that is already in the list is not repeated.
std::vector<std::string> Unaccounted(const Analysis& analysis);
// `field` is `ancestor` or inside it.
bool Within(const std::string& field, const std::string& ancestor);

// A mapping file's member path of a rule ("rules[3].rules[0]"), from Rule::location.
std::string MemberPathOf(const mapping::Rule& rule);
std::string MappingFile(const mapping::Module& module);
// The text of a file already read once by the loader; empty when it went away since.
std::string FileText(const std::string& file);

// Reports an error about a member of a module's file, located by `index` when given.
void ReportAt(IssueSink& sink, const std::string& file, const mapping::MappingFileIndex* index,
              const std::string& member, const char* id, IssueType type, std::string message,
              Severity severity = Severity::kError);

// Canonical URLs shortened to their last segment, for tables and messages.
std::string ShortenUrls(std::string_view text);

}  // namespace silta::maptools::internal
