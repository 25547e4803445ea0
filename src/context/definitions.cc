#include "context/definitions.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "context/context.h"
#include "context/ig_sources.h"

namespace silta::context {

std::string DefaultMappingsDir() {
  if (const char* env = std::getenv("SILTA_MAPPINGS")) return env;
  return SILTA_DEFAULT_MAPPINGS_DIR;
}

namespace {

// The `global` profiles of the ImplementationGuides among what the --ig options name (files,
// folders, tarballs): the guides the resources are validated under.
std::vector<validation::ValidatorOptions::GlobalProfile> GlobalProfiles(
    const std::vector<std::shared_ptr<const packages::Package>>& named) {
  std::vector<validation::ValidatorOptions::GlobalProfile> out;
  for (const auto& package : named) {
    for (const packages::ResourceEntry* entry : package->OfType("ImplementationGuide")) {
      auto text = package->ReadResource(*entry);
      if (!text.ok()) continue;
      rapidjson::Document ig;
      ig.Parse(text->data(), text->size());
      if (ig.HasParseError() || !ig.IsObject() || !ig.HasMember("global") ||
          !ig["global"].IsArray()) {
        continue;
      }
      std::string guide = ig.HasMember("url") && ig["url"].IsString() ? ig["url"].GetString() : "";
      for (const auto& g : ig["global"].GetArray()) {
        if (!g.IsObject() || !g.HasMember("type") || !g["type"].IsString() ||
            !g.HasMember("profile") || !g["profile"].IsString()) {
          continue;
        }
        out.push_back({g["type"].GetString(), g["profile"].GetString(), guide});
      }
    }
  }
  return out;
}

}  // namespace

StatusOr<LoadedValidator> LoadValidator(const std::vector<std::string>& igs, IssueSink* warnings,
                                        validation::ValidatorOptions options) {
  SILTA_ASSIGN_OR_RETURN(auto model, CoreTypeModel());
  IssueCollector ignored;
  SILTA_ASSIGN_OR_RETURN(IgSources sources,
                         ReadIgSources(igs, model, warnings != nullptr ? *warnings : ignored));
  packages::PackageCache cache;
  std::vector<packages::PackageId> roots = {
      {std::string(kCorePackageName), std::string(kCorePackageVersion)}};
  roots.insert(roots.end(), sources.from_cache.begin(), sources.from_cache.end());
  // A dependency missing offline (FI Base names terminology packages) is a warning: what it
  // would define is reported where it is used.
  packages::ContextOptions context_options;
  context_options.allow_missing_dependencies = true;
  SILTA_ASSIGN_OR_RETURN(auto core, CorePackage());
  context_options.loaded.push_back(std::move(core));
  SILTA_ASSIGN_OR_RETURN(auto from_cache, packages::ConformanceContext::Build(
                                              cache, roots, warnings, context_options));
  // What the --ig options name comes first: its definitions win over the packages'.
  std::vector<std::shared_ptr<const packages::Package>> all = sources.local;
  all.insert(all.end(), from_cache->packages().begin(), from_cache->packages().end());
  std::vector<validation::ValidatorOptions::GlobalProfile> globals = GlobalProfiles(sources.local);
  options.global_profiles.insert(options.global_profiles.end(), globals.begin(), globals.end());
  LoadedValidator loaded;
  loaded.context = sources.local.empty()
                       ? from_cache
                       : packages::ConformanceContext::FromPackages(std::move(all));
  SILTA_ASSIGN_OR_RETURN(loaded.validator,
                         validation::Validator::Create(loaded.context, model, std::move(options)));
  return loaded;
}

StatusOr<std::shared_ptr<const packages::ConformanceContext>> LoadSiltaContext() {
  const char* env = std::getenv("SILTA_PROFILES");
  std::string folder = env != nullptr ? env : SILTA_DEFAULT_PROFILES_DIR;
  SILTA_ASSIGN_OR_RETURN(auto silta, packages::Package::Load(folder));
  packages::PackageCache cache;
  std::vector<std::shared_ptr<const packages::Package>> all = {silta};
  for (const auto& [name, version] : silta->manifest().dependencies) {
    auto dependency = name == kCorePackageName && version == kCorePackageVersion
                          ? CorePackage()
                          : cache.Load(name, version);
    if (!dependency.ok()) {
      return Status(dependency.status().code(),
                    "Silta's profiles need " + name + "#" + version +
                        " in the FHIR package cache (scripts/setup.sh installs it): " +
                        dependency.status().message());
    }
    all.push_back(*dependency);
  }
  return packages::ConformanceContext::FromPackages(std::move(all));
}

StatusOr<LoadedValidator> LoadSiltaValidator() {
  SILTA_ASSIGN_OR_RETURN(auto model, CoreTypeModel());
  LoadedValidator loaded;
  SILTA_ASSIGN_OR_RETURN(loaded.context, LoadSiltaContext());
  SILTA_ASSIGN_OR_RETURN(loaded.validator, validation::Validator::Create(loaded.context, model));
  return loaded;
}

StatusOr<maptools::Definitions> LoadMappingDefinitions() {
  maptools::Definitions definitions;
  SILTA_ASSIGN_OR_RETURN(definitions.model, CoreTypeModel());
  SILTA_ASSIGN_OR_RETURN(definitions.context, LoadSiltaContext());
  return definitions;
}

StatusOr<std::shared_ptr<const mapping::Mapper>> LoadMappingsToRun(const std::string& dir,
                                                                   mapping::MapperOptions options) {
  SILTA_ASSIGN_OR_RETURN(maptools::Definitions definitions, LoadMappingDefinitions());
  return maptools::LoadCheckedMapper(dir, definitions, std::move(options));
}

}  // namespace silta::context
