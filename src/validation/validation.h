// Facade of the validation module: validates FHIR R4 instances (element trees from src/model)
// against their base type definition and against profiles, fully offline.
//
//   auto validator = validation::Validator::Create(context, model);
//   IssueCollector issues;
//   (*validator)->Validate(*document, {}, issues);
//
// Profiles are compiled lazily into immutable validation plans, once per canonical URL, and
// shared by every thread that validates. Parse errors are the formats module's job; everything
// else (cardinality, types, primitive formats, fixed/pattern values, bindings, invariants,
// slicing, extensions, references and Bundle rules) is reported here.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "model/element.h"
#include "model/type_model.h"
#include "packages/packages.h"
#include "terminology/terminology.h"

namespace silta::validation {

struct ValidatorOptions {
  // An extension whose URL has no StructureDefinition in the context: an error unless this is
  // true (then a warning).
  bool allow_unknown_extensions = false;
  // Evaluate the FHIRPath invariants (constraints) of the definitions.
  bool check_invariants = true;
  // Check codes against the value sets of required and extensible bindings.
  bool check_bindings = true;
  // Report best-practice invariants (dom-6 and the like, severity warning) as warnings.
  bool report_best_practice = true;
  // Nesting deeper than this (elements, contained resources, Bundle entries) is an error and is
  // not descended into.
  uint32_t max_depth = 128;
  // More issues than this for one document are cut off with a final "too many issues" note.
  uint32_t max_issues = 1000;
  // Asked about codes the packages cannot check (terminology::MakeTxClient: `--tx`); null: the
  // validator stays offline. The validator sees only the answers, never the transport.
  std::shared_ptr<const terminology::RemoteTerminology> terminology_server;
  // R4 ImplementationGuide.global: "A set of profiles that all resources covered by this
  // implementation guide must conform to". The profiles of the guides the user validates under
  // (`--ig`), by resource type; a resource of that type (or one derived from it) is also held
  // to the profile.
  struct GlobalProfile {
    std::string type;     // "Patient"
    std::string profile;  // canonical URL
    std::string guide;    // the ImplementationGuide's url, for messages
  };
  std::vector<GlobalProfile> global_profiles;
};

// Generates the snapshot of a StructureDefinition that has only a differential. `lookup` finds
// other StructureDefinitions (the base) by canonical URL as JSON text. Installed by whoever links
// the snapshot generator; without one, profiles lacking a snapshot fail with a clear message.
using SnapshotLookup = std::function<StatusOr<std::string>(std::string_view canonical)>;
using SnapshotGenerator = std::function<StatusOr<std::string>(
    std::string_view structure_definition_json, const SnapshotLookup& lookup, IssueSink* issues)>;

// The snapshot module's generator (src/snapshot), the default of Validator::Create.
SnapshotGenerator DefaultSnapshotGenerator();

class Validator {
 public:
  // `context`: the packages (R4 core + any IGs + ad-hoc resources); `model`: the R4 type model.
  // StructureDefinitions without a snapshot get one from DefaultSnapshotGenerator().
  static StatusOr<std::shared_ptr<const Validator>> Create(
      std::shared_ptr<const packages::ConformanceContext> context,
      std::shared_ptr<const model::TypeModel> model, ValidatorOptions options = {});

  // As above, with another snapshot generator (null: profiles without a snapshot are refused).
  static StatusOr<std::shared_ptr<const Validator>> Create(
      std::shared_ptr<const packages::ConformanceContext> context,
      std::shared_ptr<const model::TypeModel> model, ValidatorOptions options,
      SnapshotGenerator snapshot_generator);

  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Thread-safe. Validates the document's root resource against its base type definition, every
  // meta.profile it declares, and `profiles` (canonical URLs, optionally |version). Issues carry
  // a FHIRPath `expression` like "Patient.identifier[0].value" and line/column from the element.
  void Validate(const model::Document& document, std::span<const std::string> profiles,
                IssueSink& sink) const;

  // Compiles a profile eagerly: NotFound / InvalidArgument when it cannot be used.
  Status CheckProfile(std::string_view canonical) const;

  const ValidatorOptions& options() const;

  class Impl;

 private:
  explicit Validator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace silta::validation
