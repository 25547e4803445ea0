#include "context/context.h"

#include <mutex>

#include "base/files.h"

namespace silta::context {

namespace {
constexpr std::string_view kTypeModelCacheName = "typemodel-v1.json";
}  // namespace

StatusOr<std::shared_ptr<const packages::Package>> CorePackage() {
  static std::mutex mu;
  static std::shared_ptr<const packages::Package> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (loaded) return loaded;
  packages::PackageCache cache;
  packages::PackageId id{std::string(kCorePackageName), std::string(kCorePackageVersion)};
  if (!cache.IsInstalled(id)) {
    return NotFoundError("the FHIR R4 core package is not installed in " + cache.root().string() +
                         "; run the setup command from the README, or "
                         "'silta packages install hl7.fhir.r4.core@4.0.1'");
  }
  SILTA_ASSIGN_OR_RETURN(loaded, cache.Load(id.name, id.version));
  return loaded;
}

StatusOr<std::filesystem::path> CorePackageDir() {
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const packages::Package> core, CorePackage());
  return core->package_dir();
}

StatusOr<std::shared_ptr<const model::TypeModel>> LoadTypeModel(const packages::Package& package) {
  std::filesystem::path cache = package.DerivedCachePath(kTypeModelCacheName);
  if (StatusOr<std::string> cached = ReadFile(cache); cached.ok()) {
    auto model = model::TypeModel::Deserialize(*cached);
    if (model.ok()) return model;
    // A stale or damaged cache is rebuilt below.
  }
  std::vector<std::string> definitions;
  for (const packages::ResourceEntry& entry : package.entries()) {
    if (!entry.IsSpecialization() && !entry.IsRootDefinition()) continue;
    if (entry.kind == "logical") continue;
    SILTA_ASSIGN_OR_RETURN(std::string text, package.ReadResource(entry));
    definitions.push_back(std::move(text));
  }
  if (definitions.empty()) {
    return NotFoundError("package " + package.id().ToString() +
                         " defines no base types (no specialization StructureDefinitions)");
  }
  auto model = model::TypeModel::FromStructureDefinitions(definitions);
  if (!model.ok()) return model.status().Annotate(package.id().ToString());
  // The cache only saves time: failing to write it (a read-only cache) is not an error.
  std::error_code ec;
  std::filesystem::create_directories(cache.parent_path(), ec);
  if (!ec) (void)WriteFileAtomically(cache, (*model)->Serialize());
  return model;
}

StatusOr<std::shared_ptr<const model::TypeModel>> CoreTypeModel() {
  static std::mutex mu;
  static std::shared_ptr<const model::TypeModel> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (loaded) return loaded;
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const packages::Package> core, CorePackage());
  SILTA_ASSIGN_OR_RETURN(loaded, LoadTypeModel(*core));
  return loaded;
}

}  // namespace silta::context
