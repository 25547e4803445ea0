// Facade of the context module: what a run of Silta works with, in one home for the CLI, the
// service, the benchmarks and library users: the R4 core package and type model (here), the
// validators over R4 core, implementation guides or Silta's own profiles and the mapping modules
// a run may use (definitions.h, ig_sources.h), the check every mapped resource passes
// (resource_check.h), and the journal and target connections a routing policy names
// (targets.h).
#pragma once

#include <filesystem>
#include <memory>

#include "base/status.h"
#include "model/type_model.h"
#include "packages/packages.h"

namespace silta::context {

inline constexpr std::string_view kCorePackageName = "hl7.fhir.r4.core";
inline constexpr std::string_view kCorePackageVersion = "4.0.1";

// The R4 core package from the default cache, loaded once per process; NotFound with a hint to
// run setup when it is not installed.
StatusOr<std::shared_ptr<const packages::Package>> CorePackage();

// The folder holding the R4 core package's files.
StatusOr<std::filesystem::path> CorePackageDir();

// The type model of `package`: read from its compact cache (Package::DerivedCachePath) when
// present and current, otherwise built from the package's base StructureDefinitions and cached
// (atomically) for the next run.
StatusOr<std::shared_ptr<const model::TypeModel>> LoadTypeModel(const packages::Package& package);

// The R4 core type model, loaded once per process and shared.
StatusOr<std::shared_ptr<const model::TypeModel>> CoreTypeModel();

}  // namespace silta::context

// The parts of the facade (they use the declarations above).
#include "context/definitions.h"     // IWYU pragma: export
#include "context/ig_sources.h"      // IWYU pragma: export
#include "context/resource_check.h"  // IWYU pragma: export
#include "context/targets.h"         // IWYU pragma: export
