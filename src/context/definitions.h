// Building a validator for the commands: R4 core plus implementation guides (`silta validate
// --ig`), or Silta's own profiles (what `silta map`, `silta sync` and `silta serve` check their
// output against).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "mapping/mapping.h"
#include "maptools/maptools.h"
#include "packages/packages.h"
#include "validation/validation.h"

namespace silta::context {

// The mapping modules' folder: $SILTA_MAPPINGS, else the one installed with silta.
std::string DefaultMappingsDir();

struct LoadedValidator {
  std::shared_ptr<const packages::ConformanceContext> context;
  std::shared_ptr<const validation::Validator> validator;
};

// R4 core and `igs` (see ReadIgSources: installed packages, package folders and tarballs,
// conformance resource files and folders of them). Version substitutions and the problems
// found in --ig files (with file, line and column) go to `warnings`. `options` carries the
// terminology server of `--tx`, if any.
StatusOr<LoadedValidator> LoadValidator(const std::vector<std::string>& igs, IssueSink* warnings,
                                        validation::ValidatorOptions options = {});

// Silta's profiles (profiles/generated, or $SILTA_PROFILES) with what they depend on
// (FI Base 2.0.0-rc2 and R4 core, from the package cache).
StatusOr<LoadedValidator> LoadSiltaValidator();
StatusOr<std::shared_ptr<const packages::ConformanceContext>> LoadSiltaContext();

// What `silta mappings check` holds mapping modules to: the R4 type model and Silta's profiles.
StatusOr<maptools::Definitions> LoadMappingDefinitions();

// The mapping modules of `dir` for a command that runs them (map, sync, serve): refused, with
// every problem, unless they pass `silta mappings check` (maptools::LoadCheckedMapper).
StatusOr<std::shared_ptr<const mapping::Mapper>> LoadMappingsToRun(
    const std::string& dir, mapping::MapperOptions options = {});

}  // namespace silta::context
