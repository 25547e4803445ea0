// Facade of the context module: the FHIR definitions a run works with (the R4 core type model
// today; profiles and terminology join later), loaded from the FHIR package cache.
#pragma once

#include <filesystem>
#include <memory>

#include "base/status.h"
#include "model/type_model.h"

namespace silta::context {

inline constexpr std::string_view kCorePackageName = "hl7.fhir.r4.core";
inline constexpr std::string_view kCorePackageVersion = "4.0.1";

// $SILTA_PACKAGE_CACHE, else ~/.fhir/packages.
std::filesystem::path PackageCacheRoot();

// The folder holding the R4 core package's files, or NotFound with a hint to run setup.
StatusOr<std::filesystem::path> CorePackageDir();

// The type model of the package in `package_dir`: read from the compact cache in
// `package_dir/.silta/` when present and current, otherwise built from the package's
// StructureDefinitions and cached (atomically) for the next run.
StatusOr<std::shared_ptr<const model::TypeModel>> LoadTypeModel(
    const std::filesystem::path& package_dir);

// The R4 core type model, loaded once per process and shared.
StatusOr<std::shared_ptr<const model::TypeModel>> CoreTypeModel();

}  // namespace silta::context
