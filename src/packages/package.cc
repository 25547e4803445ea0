#include <algorithm>
#include <atomic>
#include <thread>

#include "base/files.h"
#include "packages/internal.h"

namespace silta::packages {

namespace {

using internal::FolderListing;

// Runs work(i) for i in [0, n) on a few threads; reading a large package is I/O and parse bound.
template <typename Work>
void ParallelFor(size_t n, Work work) {
  size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  threads = std::min(threads, (n + 63) / 64);
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

StatusOr<std::vector<ResourceEntry>> ScanFiles(const std::filesystem::path& package_dir,
                                               const std::vector<std::string>& files) {
  std::vector<std::optional<ResourceEntry>> found(files.size());
  std::vector<Status> errors(files.size());
  ParallelFor(files.size(), [&](size_t i) {
    StatusOr<std::string> text = ReadFile(package_dir / files[i]);
    if (!text.ok()) {
      errors[i] = text.status();
      return;
    }
    // Files that are not resources (data files some packages carry) are simply not indexed.
    found[i] = internal::ScanResource(*text);
    if (found[i]) found[i]->filename = files[i];
  });
  std::vector<ResourceEntry> entries;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!errors[i].ok()) return errors[i];
    if (found[i]) entries.push_back(std::move(*found[i]));
  }
  return entries;
}

// .index.json lacks derivation and baseDefinition: take them from the StructureDefinitions.
Status CompleteFromStructureDefinitions(const std::filesystem::path& package_dir,
                                        std::vector<ResourceEntry>& entries) {
  std::vector<ResourceEntry*> sds;
  std::vector<std::string> files;
  for (ResourceEntry& e : entries) {
    if (e.IsStructureDefinition()) {
      sds.push_back(&e);
      files.push_back(e.filename);
    }
  }
  SILTA_ASSIGN_OR_RETURN(std::vector<ResourceEntry> scanned, ScanFiles(package_dir, files));
  if (scanned.size() != sds.size()) {
    return DataLossError(package_dir.string() +
                         "/.index.json lists a StructureDefinition file that is not a resource");
  }
  for (size_t i = 0; i < sds.size(); ++i) *sds[i] = std::move(scanned[i]);
  return Status::Ok();
}

std::pair<std::string_view, std::string_view> SplitCanonical(std::string_view canonical) {
  size_t bar = canonical.rfind('|');
  if (bar == std::string_view::npos) return {canonical, {}};
  return {canonical.substr(0, bar), canonical.substr(bar + 1)};
}

}  // namespace

StatusOr<std::shared_ptr<const Package>> Package::Load(const std::filesystem::path& folder) {
  std::filesystem::path package_dir = folder / "package";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(package_dir / "package.json", ec)) {
    if (!std::filesystem::is_regular_file(folder / "package.json", ec)) {
      return NotFoundError("no FHIR package in " + folder.string() +
                           ": package/package.json not found");
    }
    package_dir = folder;
  }
  SILTA_ASSIGN_OR_RETURN(std::string manifest_text, ReadFile(package_dir / "package.json"));
  std::shared_ptr<Package> package(new Package());
  SILTA_ASSIGN_OR_RETURN(package->manifest_,
                         ParseManifest(manifest_text, (package_dir / "package.json").string()));
  package->package_dir_ = package_dir;
  const PackageId id = package->id();
  std::optional<std::vector<ResourceEntry>> cached;
  if (internal::FolderUnchangedSinceIndex(package_dir)) {
    cached = internal::ReadSiltaIndex(package_dir, id, nullptr);
  }
  FolderListing listing;
  if (!cached) {
    std::error_code time_error;
    auto folder_time = std::filesystem::last_write_time(package_dir, time_error);
    auto listing_started = std::filesystem::file_time_type::clock::now();
    SILTA_ASSIGN_OR_RETURN(listing, internal::ListPackageFolder(package_dir));
    cached = internal::ReadSiltaIndex(package_dir, id, &listing);
    if (cached && !time_error) {
      internal::MarkIndexCurrent(package_dir, folder_time, listing_started);
    }
  }
  if (cached) {
    package->entries_ = std::move(*cached);
    package->index_source_ = IndexSource::kSiltaIndex;
  } else {
    std::optional<std::vector<ResourceEntry>> fhir_index =
        internal::ReadFhirIndex(package_dir, listing);
    // An .index.json that disagrees with the files is ignored in favour of reading them all.
    if (fhir_index && CompleteFromStructureDefinitions(package_dir, *fhir_index).ok()) {
      package->entries_ = std::move(*fhir_index);
      package->index_source_ = IndexSource::kFhirIndex;
    } else {
      SILTA_ASSIGN_OR_RETURN(package->entries_, ScanFiles(package_dir, listing.json_files));
      package->index_source_ = IndexSource::kScan;
    }
    std::sort(
        package->entries_.begin(), package->entries_.end(),
        [](const ResourceEntry& a, const ResourceEntry& b) { return a.filename < b.filename; });
    // The index only saves time next run: a read-only cache still loads, just more slowly.
    (void)internal::WriteSiltaIndex(package_dir, id, listing, package->entries_);
  }
  package->BuildLookups();
  return std::shared_ptr<const Package>(std::move(package));
}

std::shared_ptr<const Package> Package::FromResources(PackageId id,
                                                      std::vector<std::string> json_texts) {
  std::vector<std::string> names;
  names.reserve(json_texts.size());
  for (size_t i = 0; i < json_texts.size(); ++i) names.push_back(std::to_string(i) + ".json");
  return FromNamedTexts(std::move(id), std::move(names), std::move(json_texts));
}

StatusOr<std::shared_ptr<const Package>> Package::FromFiles(
    PackageId id, const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> names;
  std::vector<std::string> texts;
  for (const std::filesystem::path& file : files) {
    SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
    names.push_back(file.filename().string());
    texts.push_back(std::move(text));
  }
  return std::shared_ptr<const Package>(
      FromNamedTexts(std::move(id), std::move(names), std::move(texts)));
}

std::shared_ptr<const Package> Package::FromNamedResources(PackageId id,
                                                           std::vector<std::string> names,
                                                           std::vector<std::string> json_texts) {
  names.resize(json_texts.size());
  return FromNamedTexts(std::move(id), std::move(names), std::move(json_texts));
}

StatusOr<std::shared_ptr<const Package>> Package::FromTarball(const std::filesystem::path& tgz,
                                                              ExtractionLimits limits) {
  SILTA_ASSIGN_OR_RETURN(internal::TarballContents contents,
                         internal::ReadTarballContents(tgz, limits));
  SILTA_ASSIGN_OR_RETURN(PackageManifest manifest,
                         ParseManifest(contents.manifest, tgz.string() + ":package/package.json"));
  std::shared_ptr<Package> package =
      FromNamedTexts(manifest.id(), std::move(contents.names), std::move(contents.texts));
  package->manifest_ = std::move(manifest);
  return std::shared_ptr<const Package>(std::move(package));
}

std::shared_ptr<Package> Package::FromNamedTexts(PackageId id, std::vector<std::string> names,
                                                 std::vector<std::string> texts) {
  std::shared_ptr<Package> package(new Package());
  package->in_memory_ = true;
  package->manifest_.name = std::move(id.name);
  package->manifest_.version = std::move(id.version);
  package->manifest_.type = "fhir.loose";
  for (size_t i = 0; i < texts.size(); ++i) {
    std::optional<ResourceEntry> entry = internal::ScanResource(texts[i]);
    if (!entry) continue;
    entry->filename = names[i];
    package->entries_.push_back(std::move(*entry));
    package->texts_.push_back(std::move(texts[i]));
  }
  package->BuildLookups();
  return package;
}

void Package::BuildLookups() {
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    const ResourceEntry& e = entries_[i];
    if (!e.url.empty()) by_url_[e.url].push_back(i);
    if (!e.id.empty()) by_type_and_id_.try_emplace(e.resource_type + "/" + e.id, i);
    if (e.IsSpecialization()) specializations_.push_back(&e);
  }
  for (auto& [url, indexes] : by_url_) {
    std::stable_sort(indexes.begin(), indexes.end(), [this](uint32_t a, uint32_t b) {
      return CompareVersions(entries_[a].version, entries_[b].version) > 0;
    });
  }
}

StatusOr<std::string> Package::ReadResource(const ResourceEntry& entry) const {
  if (in_memory()) {
    if (&entry < entries_.data() || &entry >= entries_.data() + entries_.size()) {
      return InvalidArgumentError("not a resource of package " + id().ToString() + ": " +
                                  entry.filename);
    }
    return texts_[static_cast<size_t>(&entry - entries_.data())];
  }
  if (!internal::IsPlainFileName(entry.filename)) {
    return InvalidArgumentError("not a file of package " + id().ToString() + ": " + entry.filename);
  }
  return ReadFile(package_dir_ / entry.filename);
}

StatusOr<std::string> Package::ReadWithoutNarrative(const ResourceEntry& entry) const {
  if (in_memory()) return ReadResource(entry);
  if (!internal::IsPlainFileName(entry.filename)) {
    return InvalidArgumentError("not a file of package " + id().ToString() + ": " + entry.filename);
  }
  const std::filesystem::path original = package_dir_ / entry.filename;
  const std::filesystem::path lean = DerivedCachePath("lean") / entry.filename;
  std::error_code original_error;
  auto original_time = std::filesystem::last_write_time(original, original_error);
  std::error_code lean_error;
  auto lean_time = std::filesystem::last_write_time(lean, lean_error);
  if (!original_error && !lean_error && lean_time == original_time) {
    // Written without waiting for the disk: after a crash the copy may be empty or cut short,
    // which its last character shows (the writer ends the object there, nothing after it).
    StatusOr<std::string> text = ReadFile(lean);
    if (text.ok() && !text->empty() && text->back() == '}') return text;
  }
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(original));
  std::optional<std::string> stripped = internal::WithoutNarrative(text);
  if (!stripped) return text;
  if (!original_error) {
    // Only saves time next run: a read-only cache just keeps reading the whole file.
    std::error_code ec;
    std::filesystem::create_directories(lean.parent_path(), ec);
    if (!ec && WriteFileAtomically(lean, *stripped, Durability::kCacheOnly).ok()) {
      std::filesystem::last_write_time(lean, original_time, ec);
    }
  }
  return std::move(*stripped);
}

const ResourceEntry* Package::FindByUrl(std::string_view canonical) const {
  auto [url, version] = SplitCanonical(canonical);
  return FindByUrl(url, version);
}

const ResourceEntry* Package::FindByUrl(std::string_view url, std::string_view version) const {
  auto it = by_url_.find(url);
  if (it == by_url_.end()) return nullptr;
  if (version.empty()) return &entries_[it->second.front()];
  for (uint32_t i : it->second) {
    if (entries_[i].version == version) return &entries_[i];
  }
  return nullptr;
}

const ResourceEntry* Package::FindById(std::string_view resource_type, std::string_view id) const {
  std::string key;
  key.reserve(resource_type.size() + 1 + id.size());
  key.append(resource_type).append("/").append(id);
  auto it = by_type_and_id_.find(key);
  return it == by_type_and_id_.end() ? nullptr : &entries_[it->second];
}

std::vector<const ResourceEntry*> Package::OfType(std::string_view resource_type) const {
  std::vector<const ResourceEntry*> result;
  for (const ResourceEntry& e : entries_) {
    if (e.resource_type == resource_type) result.push_back(&e);
  }
  return result;
}

std::filesystem::path Package::DerivedCachePath(std::string_view name) const {
  return package_dir_ / ".silta" / std::filesystem::path(name);
}

}  // namespace silta::packages
