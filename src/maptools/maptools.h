// Facade of the maptools module: the tools of developers who extend the mapping modules
// (mappings/README.md). The `silta mappings check|coverage|test` commands are thin front ends
// to these functions, and everything that runs a mapping (silta map, sync, serve) loads it
// through LoadCheckedMapper.
//
//   Definitions defs{model, silta_context};          // R4 type model; Silta's profiles + deps
//   IssueCollector issues;
//   auto mapper = CheckMappings("mappings", defs, issues);   // issues: file:line:column each
//   Coverage coverage = BuildCoverage(**mapper);
//   std::string table = RenderCoverage(coverage, CoverageFormat::kMarkdown);
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "mapping/mapping.h"
#include "model/type_model.h"
#include "packages/packages.h"

namespace silta::maptools {

// What the checks hold the mapping files to besides the contract (records::ContractFields).
struct Definitions {
  std::shared_ptr<const model::TypeModel> model;  // R4 core
  // Silta's profiles with what they depend on (FI Base, R4 core): StructureDefinitions and the
  // CodeSystems and ValueSets the code maps feed.
  std::shared_ptr<const packages::ConformanceContext> context;
};

// Loads every module of `mappings_dir` and reports to `sink`, each with the file and the line
// and column of the member at fault:
//  - every problem of loading (unknown members, FHIR paths the resource type does not define...);
//  - every record path that is not a contract field (MAPPING_UNKNOWN_RECORD_FIELD, with the
//    nearest field name as "did you mean");
//  - every FHIR path its profile does not define: an unknown profile, an extension that is no
//    StructureDefinition, a sub-extension its extension does not name, an element the profile
//    prohibits (MAPPING_UNKNOWN_PROFILE, MAPPING_UNKNOWN_EXTENSION, MAPPING_PROHIBITED_ELEMENT);
//  - every code map entry whose FHIR code is outside the value set bound where the rule writes
//    it, or whose record code is not a code of the contract field (MAPPING_CODE_OUTSIDE);
//  - every string that spells out the canonical base (the options' or the default one) instead
//    of writing mapping::kCanonicalPlaceholder (MAPPING_HARDCODED_CANONICAL);
//  - every contract field that no module maps and no module lists under "unmapped"
//    (MAPPING_FIELD_UNACCOUNTED), and every "unmapped" entry that is no contract field or is
//    mapped after all.
// Returns the loaded mapper (null when the files do not load); a Status only when the check
// cannot run (no such folder).
StatusOr<std::shared_ptr<const mapping::Mapper>> CheckMappings(
    const std::filesystem::path& mappings_dir, const Definitions& definitions, IssueSink& sink,
    mapping::MapperOptions options = {});

// The one gate in front of everything that runs a mapping: the mapper when `mappings_dir`
// passes CheckMappings with no error, otherwise FailedPrecondition whose message lists each
// problem as "file:line:column: error: message".
StatusOr<std::shared_ptr<const mapping::Mapper>> LoadCheckedMapper(
    const std::filesystem::path& mappings_dir, const Definitions& definitions,
    mapping::MapperOptions options = {});

// ---- Coverage: contract field → module → FHIR element → AKUSTI item → governance level ----

struct CoverageRow {
  std::string field;         // the contract path, "relatedPersons[].name.family"
  std::string module;        // empty when unmapped
  std::string fhir;          // "RelatedPerson.name.family"; extension URLs by their last segment
  std::string items;         // "17", "3, 4 (by the resource's extension(information-source)…)"
  std::string levels;        // "joint-county", "identity core: every receiver"
  std::string unmapped_why;  // the module's reason, for a field listed as unmapped
};

struct Coverage {
  std::vector<CoverageRow> rows;  // in contract order
  // Contract fields that no row names, not even through an enclosing field mapped whole: what
  // CheckMappings reports as unaccounted. Empty for a mapping that passes the check.
  std::vector<std::string> unaccounted;
  const mapping::Mapper* mapper = nullptr;  // what it was built from (the "modules" table)
};

Coverage BuildCoverage(const mapping::Mapper& mapper);

enum class CoverageFormat { kText, kMarkdown, kHtml };
std::string RenderCoverage(const Coverage& coverage, CoverageFormat format);

// The generated parts of a Markdown page: the text between the markers (each at the start of a
// line)
//   <!-- BEGIN silta mappings coverage: KIND -->  and  <!-- END silta mappings coverage -->
// is the table KIND ("fields": the whole coverage table; "modules": each module with its record
// part, resource and profiles, items and levels, and the contract fields it maps) made from
// `coverage`, whose mapper must still be alive. Returns the page with every
// such block regenerated; InvalidArgument naming the line of a block that is not closed or has
// an unknown KIND.
StatusOr<std::string> RegenerateDocBlocks(std::string_view page, const Coverage& coverage);

// ---- Test: each module's testdata cases through the whole path ----

// Checks a Bundle against the Silta profiles (what silta map checks before writing).
using BundleCheck =
    std::function<void(const json::Value& bundle, const std::string& source, IssueSink& sink)>;

struct TestOptions {
  // The example records the golden files are named after: mappings/<module>/testdata/<stem>.json
  // (<stem>.<line> for an NDJSON line) holds that module's resources for the record <stem>.
  // A module may also bring its own cases: testdata/<name>.record.json (or .xml) is a record
  // whose resources of this module are testdata/<name>.json.
  std::filesystem::path records_dir;
  bool update = false;  // rewrite the golden files instead of comparing
};

struct TestReport {
  int cases = 0;
  int passed = 0;
  bool ok() const { return cases > 0 && passed == cases; }
};

// For each case: the record maps to FHIR with no error, the Bundle passes `check` with no error,
// mapping again gives the same Bundle, each module's resources equal its golden file (the path
// of the first difference otherwise), no golden file is left without a case, and the Bundle
// maps back to an equal record. One line per case and per failure goes to `log`. A Status only
// when the runner cannot run (unreadable folder, a golden file that cannot be written).
StatusOr<TestReport> RunMappingTests(const mapping::Mapper& mapper, const TestOptions& options,
                                     const BundleCheck& check, std::ostream& log);

}  // namespace silta::maptools
