// Shared test fixtures: the R4 core definitions from the FHIR package cache that setup fills.
#pragma once

#include <filesystem>
#include <memory>

#include "model/type_model.h"

namespace silta::testing {

// The R4 core type model; fails the calling test (ASSERT-style) if the package is missing.
const std::shared_ptr<const model::TypeModel>& R4Model();

// The folder of the installed R4 core package (…/hl7.fhir.r4.core#4.0.1/package).
std::filesystem::path R4PackageDir();

}  // namespace silta::testing
