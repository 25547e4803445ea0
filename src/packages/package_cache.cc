#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/files.h"
#include "json/json.h"
#include "packages/internal.h"

namespace silta::packages {

namespace {

namespace fs = std::filesystem;

// The packages the npm registry does not serve under their own name. Keep this the only place.
struct AliasRow {
  std::string_view name, version, served_by_name, served_by_version, type;
};
constexpr AliasRow kAliases[] = {
    // The examples package carries every R4 core conformance resource plus the examples.
    {"hl7.fhir.r4.core", "4.0.1", "hl7.fhir.r4.examples", "4.0.1", "Core"},
};

constexpr std::string_view kStagingPrefix = ".silta-staging-";

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// Package ids become folder names: they must not be able to name anything outside the cache.
Status ValidateId(const PackageId& id) {
  auto ok = [](std::string_view s, bool allow_plus) {
    if (s.empty() || s.front() == '.' || s.front() == '-' || s.size() > 200) return false;
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return IsNameChar(c) || (allow_plus && c == '+'); });
  };
  if (!ok(id.name, false) || !ok(id.version, true)) {
    return InvalidArgumentError("not a valid FHIR package name and version: '" + id.name + "#" +
                                id.version + "'");
  }
  return Status::Ok();
}

// Removes a staging folder unless the install succeeded in moving it into place.
class StagingFolder {
 public:
  static StatusOr<StagingFolder> Create(const fs::path& root) {
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
      return IoError("cannot create the package cache " + root.string() + ": " + ec.message());
    std::string pattern = (root / (std::string(kStagingPrefix) + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return IoError("cannot create a folder in the package cache " + root.string() + ": " +
                     std::strerror(errno));
    }
    // mkdtemp makes it private; the installed package should be as readable as the cache.
    fs::permissions(pattern, fs::perms(0755), ec);
    return StagingFolder(pattern);
  }
  StagingFolder(StagingFolder&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  StagingFolder& operator=(StagingFolder&&) = delete;
  ~StagingFolder() {
    if (path_.empty()) return;
    // Installed files may be read-only (copied from a read-only folder); the folders are ours.
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit StagingFolder(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

std::string ToJson(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void SetString(rapidjson::Document& doc, const char* key, std::string_view value) {
  rapidjson::Value v(value.data(), static_cast<rapidjson::SizeType>(value.size()),
                     doc.GetAllocator());
  if (rapidjson::Value* existing = json::MutableMember(doc, key); existing != nullptr) {
    *existing = std::move(v);
  } else {
    doc.AddMember(rapidjson::Value(key, doc.GetAllocator()), std::move(v), doc.GetAllocator());
  }
}

// Makes package/package.json say it is `install_as`, remembering what it was.
Status RewriteManifest(const fs::path& manifest_path, const PackageId& install_as) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(manifest_path));
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return DataLossError(manifest_path.string() + " is not a JSON object");
  }
  SILTA_ASSIGN_OR_RETURN(PackageManifest original, ParseManifest(text, manifest_path.string()));
  if (original.id() == install_as) return Status::Ok();
  SetString(doc, "name", install_as.name);
  SetString(doc, "version", install_as.version);
  if (std::optional<PackageAlias> alias = FindAlias(install_as)) {
    SetString(doc, "type", alias->type);
  }
  SetString(doc, "silta-installed-from", original.id().ToString());
  // The file may be a read-only copy; replace it rather than write into it.
  return WriteFileAtomically(manifest_path, ToJson(doc));
}

// A package.json for a folder that has only an ImplementationGuide resource.
StatusOr<std::string> ManifestFromImplementationGuide(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("ImplementationGuide-", 0) != 0 || entry.path().extension() != ".json") {
      continue;
    }
    SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path()));
    rapidjson::Document ig;
    ig.Parse(text.data(), text.size());
    if (ig.HasParseError() || !ig.IsObject()) continue;
    auto str = [](const rapidjson::Value& object, std::string_view key) {
      return std::string(json::StringMember(object, key));
    };
    if (str(ig, "resourceType") != "ImplementationGuide") continue;
    std::string package_id = str(ig, "packageId"), version = str(ig, "version");
    if (package_id.empty() || version.empty()) continue;
    rapidjson::Document m(rapidjson::kObjectType);
    auto& alloc = m.GetAllocator();
    SetString(m, "name", package_id);
    SetString(m, "version", version);
    SetString(m, "type", "IG");
    std::string url = str(ig, "url");
    if (size_t cut = url.find("/ImplementationGuide/"); cut != std::string::npos) url.resize(cut);
    SetString(m, "canonical", url);
    rapidjson::Value fhir_versions(rapidjson::kArrayType);
    if (const rapidjson::Value* versions = json::Member(ig, "fhirVersion");
        versions != nullptr && versions->IsArray()) {
      for (const auto& v : versions->GetArray()) {
        if (v.IsString()) fhir_versions.PushBack(rapidjson::Value(v.GetString(), alloc), alloc);
      }
    }
    m.AddMember("fhirVersions", fhir_versions, alloc);
    rapidjson::Value dependencies(rapidjson::kObjectType);
    if (const rapidjson::Value* depends_on = json::Member(ig, "dependsOn");
        depends_on != nullptr && depends_on->IsArray()) {
      for (const auto& dep : depends_on->GetArray()) {
        if (!dep.IsObject()) continue;
        std::string dep_id = str(dep, "packageId"), dep_version = str(dep, "version");
        if (dep_id.empty() || dep_version.empty()) continue;
        dependencies.AddMember(rapidjson::Value(dep_id.c_str(), alloc),
                               rapidjson::Value(dep_version.c_str(), alloc), alloc);
      }
    }
    m.AddMember("dependencies", dependencies, alloc);
    SetString(m, "silta-generated-from", name);
    return ToJson(m);
  }
  if (ec) return IoError("cannot list " + folder.string() + ": " + ec.message());
  return NotFoundError("no ImplementationGuide with packageId and version in " + folder.string());
}

// Copies plain files and folders (never links), leaving out Silta's own derived files which
// are rebuilt for the copy.
Status CopyPackageFiles(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create " + to.string() + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    std::string name = entry.path().filename().string();
    if (name == internal::kSiltaIndexName || name == ".silta") continue;
    fs::file_type type = entry.symlink_status(ec).type();
    if (type == fs::file_type::directory) {
      SILTA_RETURN_IF_ERROR(CopyPackageFiles(entry.path(), to / name));
    } else if (type == fs::file_type::regular) {
      // The whole staging folder is flushed once before it is moved into place.
      fs::copy_file(entry.path(), to / name, fs::copy_options::overwrite_existing, ec);
      if (!ec) fs::permissions(to / name, fs::perms(0644), ec);
      if (ec) return IoError("cannot copy " + entry.path().string() + ": " + ec.message());
    }
  }
  if (ec) return IoError("cannot copy " + from.string() + ": " + ec.message());
  return Status::Ok();
}

Status SyncFileSystem(const fs::path& folder) {
  // One syncfs instead of an fsync per file: the rename into place must not become visible
  // before the files' contents are on disk.
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open " + folder.string() + ": " + std::strerror(errno));
  int r = ::syncfs(fd);
  int saved = errno;
  ::close(fd);
  if (r != 0) return IoError("cannot flush " + folder.string() + ": " + std::strerror(saved));
  return Status::Ok();
}

std::vector<std::string> VersionsOf(const std::vector<PackageId>& installed,
                                    std::string_view name) {
  std::vector<std::string> versions;
  for (const PackageId& id : installed) {
    if (id.name == name) versions.push_back(id.version);
  }
  return versions;  // already in version order
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string MajorMinor(std::string_view version) {
  size_t first = version.find('.');
  if (first == std::string_view::npos) return std::string(version);
  size_t second = version.find_first_of(".-+", first + 1);
  return std::string(version.substr(0, second));
}

}  // namespace

std::optional<PackageAlias> FindAlias(const PackageId& id) {
  for (const AliasRow& row : kAliases) {
    if (row.name == id.name && row.version == id.version) {
      return PackageAlias{{std::string(row.served_by_name), std::string(row.served_by_version)},
                          std::string(row.type)};
    }
  }
  return std::nullopt;
}

fs::path PackageCache::DefaultRoot() {
  if (const char* env = std::getenv("SILTA_PACKAGE_CACHE"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : ".") / ".fhir" / "packages";
}

PackageCache::PackageCache(fs::path root, ExtractionLimits limits)
    : root_(std::move(root)), limits_(limits) {}

fs::path PackageCache::FolderOf(const PackageId& id) const { return root_ / id.ToString(); }

bool PackageCache::IsInstalled(const PackageId& id) const {
  if (!ValidateId(id).ok()) return false;
  std::error_code ec;
  return fs::is_regular_file(FolderOf(id) / "package" / "package.json", ec);
}

StatusOr<std::vector<PackageId>> PackageCache::List() const {
  std::vector<PackageId> ids;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return ids;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    std::string folder = entry.path().filename().string();
    size_t hash = folder.find('#');
    if (folder.empty() || folder[0] == '.' || hash == std::string::npos) continue;
    PackageId id{folder.substr(0, hash), folder.substr(hash + 1)};
    if (IsInstalled(id)) ids.push_back(std::move(id));
  }
  if (ec) return IoError("cannot list the package cache " + root_.string() + ": " + ec.message());
  std::sort(ids.begin(), ids.end(), [](const PackageId& a, const PackageId& b) {
    if (a.name != b.name) return a.name < b.name;
    return CompareVersions(a.version, b.version) < 0;
  });
  return ids;
}

StatusOr<ResolvedVersion> PackageCache::Resolve(std::string_view name, std::string_view version,
                                                IssueSink* warnings) const {
  PackageId wanted{std::string(name), std::string(version)};
  if (IsInstalled(wanted)) return ResolvedVersion{wanted, true};
  SILTA_ASSIGN_OR_RETURN(std::vector<PackageId> installed, List());
  std::vector<std::string> versions = VersionsOf(installed, name);
  if (versions.empty()) {
    return NotFoundError("package " + wanted.ToString() + " is not in the package cache (" +
                         root_.string() + ")");
  }
  // Requests that mean "whichever is newest", or a patch wildcard like "4.0.x".
  if (version.empty() || version == "latest" || version == "current" || version == "dev") {
    return ResolvedVersion{{wanted.name, versions.back()}, true};
  }
  if (version.size() > 2 && (version.ends_with(".x") || version.ends_with(".*"))) {
    std::string_view prefix = version.substr(0, version.size() - 1);  // "4.0."
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (std::string_view(*it).starts_with(prefix))
        return ResolvedVersion{{wanted.name, *it}, true};
    }
  }
  std::string chosen = versions.back();
  std::string major_minor = MajorMinor(version);
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (MajorMinor(*it) == major_minor) {
      chosen = *it;
      break;
    }
  }
  if (warnings != nullptr) {
    warnings->Report(Issue{
        .severity = Severity::kWarning,
        .type = IssueType::kNotFound,
        .message_id = "PACKAGE_VERSION_SUBSTITUTED",
        .message = "package " + wanted.ToString() + " is not in the package cache; using " +
                   wanted.name + "#" + chosen + " instead (installed: " + Join(versions) + ")",
        .expression = {},
        .location = {},
        .source = root_.string(),
        .profile = {},
    });
  }
  return ResolvedVersion{{wanted.name, chosen}, false};
}

StatusOr<std::shared_ptr<const Package>> PackageCache::Load(std::string_view name,
                                                            std::string_view version) {
  PackageId id{std::string(name), std::string(version)};
  {
    std::lock_guard lock(mu_);
    if (auto it = loaded_.find(id); it != loaded_.end()) return it->second;
  }
  if (!IsInstalled(id)) {
    std::string hint;
    if (StatusOr<std::vector<PackageId>> all = List(); all.ok()) {
      std::vector<std::string> versions = VersionsOf(*all, name);
      if (!versions.empty()) hint = " (installed versions: " + Join(versions) + ")";
    }
    return NotFoundError("package " + id.ToString() + " is not in the package cache (" +
                         root_.string() + ")" + hint);
  }
  // Loading happens outside the lock so that different packages load in parallel; if two
  // threads race on the same one, the first stored wins and both get it.
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Package> package, Package::Load(FolderOf(id)));
  std::lock_guard lock(mu_);
  return loaded_.try_emplace(id, std::move(package)).first->second;
}

StatusOr<InstallResult> PackageCache::MoveIntoPlace(const fs::path& staging, const PackageId& id) {
  SILTA_RETURN_IF_ERROR(ValidateId(id));
  // Building the index now makes the first Load fast; a broken package fails here, not later.
  SILTA_ASSIGN_OR_RETURN(std::shared_ptr<const Package> package, Package::Load(staging));
  if (package->id() != id) {
    return InternalError("staged package is " + package->id().ToString() + ", expected " +
                         id.ToString());
  }
  SILTA_RETURN_IF_ERROR(SyncFileSystem(staging));
  fs::path target = FolderOf(id);
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    int saved = errno;
    // Another process installed it meanwhile: fine, theirs is as good as ours.
    if (IsInstalled(id)) return InstallResult{id, target, true};
    return IoError("cannot move the package into " + target.string() + ": " + std::strerror(saved) +
                   (saved == EEXIST || saved == ENOTEMPTY
                        ? " (the folder exists without package/package.json; remove it)"
                        : ""));
  }
  return InstallResult{id, target, false};
}

StatusOr<InstallResult> PackageCache::InstallTarball(const fs::path& tgz,
                                                     std::optional<PackageId> install_as) {
  PackageId id;
  if (install_as) {
    id = *install_as;
  } else {
    SILTA_ASSIGN_OR_RETURN(std::string manifest_text,
                           internal::ReadManifestFromTarball(tgz, limits_));
    SILTA_ASSIGN_OR_RETURN(PackageManifest manifest,
                           ParseManifest(manifest_text, tgz.string() + ":package/package.json"));
    id = manifest.id();
  }
  SILTA_RETURN_IF_ERROR(ValidateId(id));
  if (IsInstalled(id)) return InstallResult{id, FolderOf(id), true};

  SILTA_ASSIGN_OR_RETURN(StagingFolder staging, StagingFolder::Create(root_));
  SILTA_RETURN_IF_ERROR(internal::ExtractTarball(tgz, staging.path(), limits_));
  fs::path manifest_path = staging.path() / "package" / "package.json";
  std::error_code ec;
  if (!fs::is_regular_file(manifest_path, ec)) {
    return DataLossError(tgz.string() + " is not a FHIR package: it has no package/package.json");
  }
  if (install_as) SILTA_RETURN_IF_ERROR(RewriteManifest(manifest_path, id));
  return MoveIntoPlace(staging.path(), id);
}

StatusOr<InstallResult> PackageCache::InstallFolder(const fs::path& folder,
                                                    std::optional<PackageId> install_as) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return NotFoundError("no such folder: " + folder.string());
  // Either the npm layout (folder/package/package.json) or a flat folder of resources.
  fs::path files = folder / "package";
  if (!fs::is_regular_file(files / "package.json", ec)) files = folder;
  std::optional<std::string> generated_manifest;
  PackageId id;
  if (fs::is_regular_file(files / "package.json", ec)) {
    SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(files / "package.json"));
    SILTA_ASSIGN_OR_RETURN(PackageManifest manifest,
                           ParseManifest(text, (files / "package.json").string()));
    id = manifest.id();
  } else {
    StatusOr<std::string> from_ig = ManifestFromImplementationGuide(files);
    if (from_ig.ok()) {
      SILTA_ASSIGN_OR_RETURN(PackageManifest manifest, ParseManifest(*from_ig, folder.string()));
      id = manifest.id();
      generated_manifest = std::move(from_ig).value();
    } else if (from_ig.status().code() != StatusCode::kNotFound) {
      return from_ig.status();
    } else if (install_as) {
      generated_manifest = "{\n  \"name\": \"" + install_as->name + "\",\n  \"version\": \"" +
                           install_as->version + "\",\n  \"type\": \"IG\"\n}\n";
      id = *install_as;
    } else {
      return FailedPreconditionError(
          folder.string() +
          " is not a FHIR package: it has no package.json, package/package.json or "
          "ImplementationGuide resource; give a name and version to install it as (silta packages "
          "install FOLDER --as NAME@VERSION)");
    }
  }
  if (install_as) id = *install_as;
  SILTA_RETURN_IF_ERROR(ValidateId(id));
  if (IsInstalled(id)) return InstallResult{id, FolderOf(id), true};

  SILTA_ASSIGN_OR_RETURN(StagingFolder staging, StagingFolder::Create(root_));
  fs::path package_dir = staging.path() / "package";
  SILTA_RETURN_IF_ERROR(CopyPackageFiles(files, package_dir));
  if (generated_manifest) {
    SILTA_RETURN_IF_ERROR(WriteFileAtomically(package_dir / "package.json", *generated_manifest));
  }
  SILTA_RETURN_IF_ERROR(RewriteManifest(package_dir / "package.json", id));
  return MoveIntoPlace(staging.path(), id);
}

StatusOr<InstallResult> PackageCache::Install(std::string_view name, std::string_view version,
                                              PackageSource& source) {
  PackageId id{std::string(name), std::string(version)};
  SILTA_RETURN_IF_ERROR(ValidateId(id));
  if (IsInstalled(id)) return InstallResult{id, FolderOf(id), true};
  std::optional<PackageAlias> alias = FindAlias(id);
  const PackageId fetch = alias ? alias->served_by : id;

  SILTA_ASSIGN_OR_RETURN(StagingFolder download, StagingFolder::Create(root_));
  SILTA_ASSIGN_OR_RETURN(fs::path tgz, source.Fetch(fetch.name, fetch.version, download.path()));
  // A source that hands back some other package must not get it installed under this name.
  SILTA_ASSIGN_OR_RETURN(std::string manifest_text,
                         internal::ReadManifestFromTarball(tgz, limits_));
  SILTA_ASSIGN_OR_RETURN(PackageManifest manifest,
                         ParseManifest(manifest_text, tgz.string() + ":package/package.json"));
  if (manifest.id() != fetch) {
    return DataLossError("asked for " + fetch.ToString() + " but the tarball " + tgz.string() +
                         " holds " + manifest.id().ToString());
  }
  return InstallTarball(tgz, id);
}

}  // namespace silta::packages
