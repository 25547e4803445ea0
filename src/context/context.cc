#include "context/context.h"

#include <cstdlib>
#include <mutex>

#include "base/files.h"

namespace silta::context {

namespace {
constexpr std::string_view kTypeModelCacheName = "typemodel-v1.json";
}  // namespace

std::filesystem::path PackageCacheRoot() {
  if (const char* env = std::getenv("SILTA_PACKAGE_CACHE"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".fhir" / "packages";
}

StatusOr<std::filesystem::path> CorePackageDir() {
  std::filesystem::path dir =
      PackageCacheRoot() /
      (std::string(kCorePackageName) + "#" + std::string(kCorePackageVersion)) / "package";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return NotFoundError("the FHIR R4 core package is not installed (looked in " + dir.string() +
                         "); run the setup command from the README, or "
                         "'silta packages install hl7.fhir.r4.core@4.0.1'");
  }
  return dir;
}

StatusOr<std::shared_ptr<const model::TypeModel>> LoadTypeModel(
    const std::filesystem::path& package_dir) {
  std::filesystem::path cache = package_dir / ".silta" / kTypeModelCacheName;
  if (StatusOr<std::string> cached = ReadFile(cache); cached.ok()) {
    auto model = model::TypeModel::Deserialize(*cached);
    if (model.ok()) return model;
    // A stale or damaged cache is rebuilt below.
  }
  std::vector<std::string> definitions;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(package_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("StructureDefinition-", 0) != 0 || entry.path().extension() != ".json") {
      continue;
    }
    StatusOr<std::string> text = ReadFile(entry.path());
    if (!text.ok()) return text.status();
    definitions.push_back(std::move(text).value());
  }
  if (ec) return IoError("cannot list " + package_dir.string() + ": " + ec.message());
  if (definitions.empty()) {
    return NotFoundError("no StructureDefinitions in " + package_dir.string());
  }
  auto model = model::TypeModel::FromStructureDefinitions(definitions);
  if (!model.ok()) return model.status().Annotate(package_dir.string());
  // The cache only saves time: failing to write it (read-only cache) is not an error.
  std::filesystem::create_directories(cache.parent_path(), ec);
  if (!ec) (void)WriteFileAtomically(cache, (*model)->Serialize());
  return model;
}

StatusOr<std::shared_ptr<const model::TypeModel>> CoreTypeModel() {
  static std::mutex mu;
  static std::shared_ptr<const model::TypeModel> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (loaded) return loaded;
  SILTA_ASSIGN_OR_RETURN(std::filesystem::path dir, CorePackageDir());
  SILTA_ASSIGN_OR_RETURN(loaded, LoadTypeModel(dir));
  return loaded;
}

}  // namespace silta::context
