// Facade of the packages module: FHIR packages (npm tarball or folder form), the local package
// cache (~/.fhir/packages layout) and an index of the conformance resources across packages.
//
// Everything here returns Status/StatusOr; data problems worth telling the user about but not
// fatal (a dependency resolved to another version) go to an IssueSink as warnings.
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "base/string_map.h"

namespace silta::packages {

// ---------------------------------------------------------------------------------------------
// Identity and versions

struct PackageId {
  std::string name;
  std::string version;

  std::string ToString() const { return name + "#" + version; }  // the cache folder name
  friend bool operator==(const PackageId&, const PackageId&) = default;
  friend auto operator<=>(const PackageId&, const PackageId&) = default;
};

// Orders FHIR package and resource versions: semantic versions numerically (a pre-release sorts
// before its release), anything that is not a semantic version as plain text after them.
int CompareVersions(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------------------------
// package/package.json

struct PackageManifest {
  std::string name;
  std::string version;
  std::string type;       // "Core", "IG", "fhir.examples"...
  std::string canonical;  // the package's canonical base URL
  std::vector<std::string> fhir_versions;
  std::map<std::string, std::string> dependencies;  // name -> version, sorted by name
  std::string installed_from;  // "name#version" when installed under an alias, else empty

  PackageId id() const { return {name, version}; }
};

// Parses the text of a package.json. `source` names the file in error messages.
StatusOr<PackageManifest> ParseManifest(std::string_view json, std::string_view source);

// ---------------------------------------------------------------------------------------------
// One resource of a package, as recorded in its index

struct ResourceEntry {
  std::string filename;  // relative to the package's package/ folder
  std::string resource_type;
  std::string id;
  std::string url;
  std::string version;
  std::string kind;             // StructureDefinition.kind
  std::string type;             // StructureDefinition.type
  std::string derivation;       // StructureDefinition.derivation
  std::string base_definition;  // StructureDefinition.baseDefinition

  bool IsStructureDefinition() const { return resource_type == "StructureDefinition"; }
  // The definition of a type itself (Patient, HumanName, string), not a profile of one.
  bool IsSpecialization() const {
    return IsStructureDefinition() && derivation == "specialization";
  }
  // The logical, primitive or resource definitions that have no base (Element, Resource, Base).
  bool IsRootDefinition() const { return IsStructureDefinition() && base_definition.empty(); }
};

// Where a Package's index came from, so callers and tests can tell the fast path was taken.
enum class IndexSource : uint8_t {
  kSiltaIndex,  // package/.silta-index.json, current
  kFhirIndex,   // package/.index.json plus a read of each StructureDefinition
  kScan,        // every *.json file of package/ read
};

// Bounds on what one tarball may unpack to; a hostile archive fails with a clear error.
struct ExtractionLimits {
  uint64_t max_total_bytes = uint64_t{2} << 30;  // R4 examples unpack to ~191 MB
  uint64_t max_entry_bytes = uint64_t{512} << 20;
  uint32_t max_entries = 200'000;
};

// ---------------------------------------------------------------------------------------------
// A loaded package: immutable after Load, safe to read from many threads.

class Package {
 public:
  // Loads the package in `folder`: either a cache entry (`<name>#<version>`, which holds
  // package/package.json) or the package/ folder itself. Uses package/.silta-index.json when it
  // is current; otherwise builds the index (from .index.json or by reading the files) and writes
  // .silta-index.json for next time (a read-only cache is not an error).
  static StatusOr<std::shared_ptr<const Package>> Load(const std::filesystem::path& folder);

  // A package of loose resource files (the supporting files of a test case, a folder of
  // profiles without package.json), read into memory. Files that are not JSON resources are
  // skipped; unreadable files are an error.
  static StatusOr<std::shared_ptr<const Package>> FromFiles(
      PackageId id, const std::vector<std::filesystem::path>& files);
  // A package held in memory: each text is one JSON resource; texts that are not resources are
  // skipped. Entry filenames are "<n>.json" or, from FromFiles, the file names.
  static std::shared_ptr<const Package> FromResources(PackageId id,
                                                      std::vector<std::string> json_texts);
  // As FromResources, with a name for each text (shown in messages as the resource's file).
  static std::shared_ptr<const Package> FromNamedResources(PackageId id,
                                                           std::vector<std::string> names,
                                                           std::vector<std::string> json_texts);
  // A package read from an npm tarball without installing it (`silta validate --ig x.tgz`):
  // its package.json and the top-level resources of package/ are held in memory.
  static StatusOr<std::shared_ptr<const Package>> FromTarball(const std::filesystem::path& tgz,
                                                              ExtractionLimits limits = {});

  Package(const Package&) = delete;
  Package& operator=(const Package&) = delete;

  const PackageManifest& manifest() const { return manifest_; }
  // True for FromFiles/FromResources/FromTarball packages: package_dir() is empty, resources
  // are in memory.
  bool in_memory() const { return in_memory_; }
  PackageId id() const { return manifest_.id(); }
  // The package/ folder: entry filenames are relative to it.
  const std::filesystem::path& package_dir() const { return package_dir_; }
  IndexSource index_source() const { return index_source_; }

  std::span<const ResourceEntry> entries() const { return entries_; }
  StatusOr<std::string> ReadResource(const ResourceEntry& entry) const;
  // The resource's JSON without its narrative (the top-level `text`), for those who compile
  // definitions and never read it: R4 core's narratives are half of its definitions' bytes, and
  // the most expensive half to parse. Kept under .silta/lean/ (with the file's modification
  // time) so that later runs read the short form; a text that is not well-formed JSON comes as
  // it is, for its reader to report.
  StatusOr<std::string> ReadWithoutNarrative(const ResourceEntry& entry) const;

  // `canonical` may carry a version ("url|version"). Without one, the highest version wins.
  const ResourceEntry* FindByUrl(std::string_view canonical) const;
  const ResourceEntry* FindByUrl(std::string_view url, std::string_view version) const;
  const ResourceEntry* FindById(std::string_view resource_type, std::string_view id) const;
  std::vector<const ResourceEntry*> OfType(std::string_view resource_type) const;
  // All StructureDefinitions with derivation = specialization (the type definitions).
  std::span<const ResourceEntry* const> Specializations() const { return specializations_; }

  // A file path for a cache derived from this package by another module (the type model...):
  // <package_dir>/.silta/<name>. The caller creates the folder and writes atomically.
  std::filesystem::path DerivedCachePath(std::string_view name) const;

 private:
  Package() = default;
  static std::shared_ptr<Package> FromNamedTexts(PackageId id, std::vector<std::string> names,
                                                 std::vector<std::string> texts);
  void BuildLookups();

  PackageManifest manifest_;
  std::filesystem::path package_dir_;
  IndexSource index_source_ = IndexSource::kScan;
  std::vector<ResourceEntry> entries_;
  StringMap<std::vector<uint32_t>> by_url_;  // entry indexes, highest version first
  StringMap<uint32_t> by_type_and_id_;       // key "Type/id"
  std::vector<const ResourceEntry*> specializations_;
  std::vector<std::string> texts_;  // in-memory packages: the text of entries_[i]
  bool in_memory_ = false;
};

// ---------------------------------------------------------------------------------------------
// Where packages that are not in the cache come from.

class PackageSource {
 public:
  virtual ~PackageSource() = default;
  // Fetches NAME@VERSION as an npm tarball into `destination_dir` and returns its path.
  virtual StatusOr<std::filesystem::path> Fetch(std::string_view name, std::string_view version,
                                                const std::filesystem::path& destination_dir) = 0;
};

// Runs the ordinary npm client: `npm pack NAME@VERSION --pack-destination DIR --silent`.
// The registry is whatever npm is configured with; nothing here names one.
class NpmPackageSource : public PackageSource {
 public:
  explicit NpmPackageSource(std::string npm_executable = "npm", int timeout_seconds = 600)
      : npm_(std::move(npm_executable)), timeout_seconds_(timeout_seconds) {}
  StatusOr<std::filesystem::path> Fetch(std::string_view name, std::string_view version,
                                        const std::filesystem::path& destination_dir) override;

 private:
  std::string npm_;
  int timeout_seconds_;
};

// ---------------------------------------------------------------------------------------------
// The local package cache: <root>/<name>#<version>/package/...

struct InstallResult {
  PackageId id;
  std::filesystem::path folder;  // <root>/<name>#<version>
  bool already_installed = false;
};

struct ResolvedVersion {
  PackageId id;
  bool exact = true;  // false: another version of the package stood in (and a warning was made)
};

class PackageCache {
 public:
  // $SILTA_PACKAGE_CACHE when set, else ~/.fhir/packages.
  static std::filesystem::path DefaultRoot();

  explicit PackageCache(std::filesystem::path root = DefaultRoot(), ExtractionLimits limits = {});

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path FolderOf(const PackageId& id) const;
  bool IsInstalled(const PackageId& id) const;

  // Installed packages, sorted by name then version (semantic order). A missing root is empty.
  StatusOr<std::vector<PackageId>> List() const;

  // The installed version to use for a request: the exact one, else (with a warning to
  // `warnings`) the highest of the same major.minor, else the highest. "latest", "current",
  // "dev" and patterns like "4.0.x" pick the highest match without a warning.
  StatusOr<ResolvedVersion> Resolve(std::string_view name, std::string_view version,
                                    IssueSink* warnings = nullptr) const;

  // Loads an installed package (exact version); later calls share the same object.
  StatusOr<std::shared_ptr<const Package>> Load(std::string_view name, std::string_view version);

  // Unpacks an npm tarball into the cache. `install_as` installs it under another name#version
  // (package.json is rewritten, recording the original). Already installed: a no-op.
  StatusOr<InstallResult> InstallTarball(const std::filesystem::path& tgz,
                                         std::optional<PackageId> install_as = std::nullopt);

  // Copies a package in folder form: a folder holding package/package.json, or a flat folder of
  // resources with package.json (or, lacking it, an ImplementationGuide naming packageId and
  // version). `install_as` is required when the folder has neither.
  StatusOr<InstallResult> InstallFolder(const std::filesystem::path& folder,
                                        std::optional<PackageId> install_as = std::nullopt);

  // Installs NAME#VERSION from `source` unless already present. Aliased names (see README) are
  // fetched as the package that serves them.
  StatusOr<InstallResult> Install(std::string_view name, std::string_view version,
                                  PackageSource& source);

 private:
  StatusOr<InstallResult> MoveIntoPlace(const std::filesystem::path& staging, const PackageId& id);

  std::filesystem::path root_;
  ExtractionLimits limits_;
  mutable std::mutex mu_;
  std::map<PackageId, std::shared_ptr<const Package>> loaded_;
};

// The package that serves an aliased package id, e.g. hl7.fhir.r4.core#4.0.1 is installed from
// hl7.fhir.r4.examples#4.0.1. nullopt when `id` is not aliased.
struct PackageAlias {
  PackageId served_by;
  std::string type;  // package.json "type" of the installed alias
};
std::optional<PackageAlias> FindAlias(const PackageId& id);

// ---------------------------------------------------------------------------------------------
// A set of packages with their dependencies: one place to look up conformance resources.

struct ResourceRef {
  const Package* package = nullptr;
  const ResourceEntry* entry = nullptr;
  explicit operator bool() const { return entry != nullptr; }
};

struct ContextOptions {
  // Report a dependency missing from the cache as a warning instead of failing.
  bool allow_missing_dependencies = false;
  // Packages this process has loaded already (R4 core, for the type model): a request that
  // resolves to one of their ids takes it as it is instead of reading its index again.
  std::vector<std::shared_ptr<const Package>> loaded;
};

class ConformanceContext {
 public:
  // Loads `roots` and, transitively, the dependencies in their package.json from `cache`.
  // One version per package name: the first one reached (roots first, then breadth-first)
  // serves every request for that name; other requested versions are reported as warnings.
  static StatusOr<std::shared_ptr<const ConformanceContext>> Build(
      PackageCache& cache, const std::vector<PackageId>& roots, IssueSink* warnings = nullptr,
      ContextOptions options = {});
  // A context over already loaded packages, dependencies not followed.
  static std::shared_ptr<const ConformanceContext> FromPackages(
      std::vector<std::shared_ptr<const Package>> packages);

  std::span<const std::shared_ptr<const Package>> packages() const { return packages_; }

  // `canonical` may be "url|version". Unversioned: the highest version across packages wins.
  ResourceRef FindByUrl(std::string_view canonical) const;
  ResourceRef FindByUrl(std::string_view url, std::string_view version) const;
  ResourceRef FindById(std::string_view resource_type, std::string_view id) const;
  std::vector<ResourceRef> AllOfType(std::string_view resource_type) const;
  std::span<const ResourceRef> Specializations() const { return specializations_; }
  StatusOr<std::string> ReadResource(const ResourceRef& ref) const;
  // Package::ReadWithoutNarrative for the package that holds it.
  StatusOr<std::string> ReadWithoutNarrative(const ResourceRef& ref) const;

 private:
  ConformanceContext() = default;
  void BuildLookups();

  std::vector<std::shared_ptr<const Package>> packages_;
  StringMap<std::vector<ResourceRef>> by_url_;  // highest version first
  StringMap<std::vector<ResourceRef>> by_type_;
  StringMap<ResourceRef> by_type_and_id_;  // key "Type/id"; earlier packages win
  std::vector<ResourceRef> specializations_;
};

}  // namespace silta::packages
