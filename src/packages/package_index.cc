// The two on-disk indexes of a package folder: the standard .index.json (read only) and Silta's
// own .silta-index.json, which adds what .index.json lacks (derivation, baseDefinition) and
// makes loading a large package a single small read.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/files.h"
#include "json/json.h"
#include "packages/internal.h"

namespace silta::packages::internal {

namespace {

// Bump when the layout or the meaning of a field changes: older files are then rebuilt.
constexpr int kSiltaIndexVersion = 1;
constexpr const char* kColumns[] = {"filename", "resourceType", "id",
                                    "url",      "version",      "kind",
                                    "type",     "derivation",   "baseDefinition"};
constexpr size_t kColumnCount = std::size(kColumns);

constexpr std::string ResourceEntry::*kFields[] = {
    &ResourceEntry::filename, &ResourceEntry::resource_type, &ResourceEntry::id,
    &ResourceEntry::url,      &ResourceEntry::version,       &ResourceEntry::kind,
    &ResourceEntry::type,     &ResourceEntry::derivation,    &ResourceEntry::base_definition};
static_assert(std::size(kFields) == kColumnCount);

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

bool Listed(const FolderListing& listing, std::string_view name) {
  return std::binary_search(listing.json_files.begin(), listing.json_files.end(), name,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

}  // namespace

bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

StatusOr<FolderListing> ListPackageFolder(const std::filesystem::path& package_dir) {
  FolderListing listing;
  std::error_code ec;
  std::filesystem::directory_iterator it(package_dir, ec);
  if (ec) return IoError("cannot list " + package_dir.string() + ": " + ec.message());
  uint64_t sum = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name == "package.json" || name.size() < 6 ||
        name.compare(name.size() - 5, 5, ".json") != 0) {
      continue;
    }
    // Links are never followed, so a package cannot make Silta read files outside its folder.
    // The type is the one the directory listing gave (no stat per file, thousands in R4 core);
    // symlink_status() would stat each.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    sum += Mix(Fnv1a(name));
    listing.json_files.push_back(std::move(name));
  }
  if (ec) return IoError("cannot list " + package_dir.string() + ": " + ec.message());
  std::sort(listing.json_files.begin(), listing.json_files.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%zu:%016llx", listing.json_files.size(),
                static_cast<unsigned long long>(sum));
  listing.fingerprint = buf;
  return listing;
}

std::optional<std::vector<ResourceEntry>> ReadSiltaIndex(const std::filesystem::path& package_dir,
                                                         const PackageId& id,
                                                         const FolderListing* listing) {
  StatusOr<std::string> text = ReadFile(package_dir / kSiltaIndexName);
  if (!text.ok()) return std::nullopt;
  rapidjson::Document doc;
  doc.ParseInsitu(text->data());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto member = [&doc](const char* key) { return json::Member(std::as_const(doc), key); };
  const rapidjson::Value* version = member("silta-index-version");
  const rapidjson::Value* package = member("package");
  const rapidjson::Value* fingerprint = member("fingerprint");
  const rapidjson::Value* columns = member("columns");
  const rapidjson::Value* files = member("files");
  if (!version || !version->IsInt() || version->GetInt() != kSiltaIndexVersion || !package ||
      json::AsString(*package) != id.ToString() || !fingerprint ||
      (listing != nullptr && json::AsString(*fingerprint) != listing->fingerprint) || !columns ||
      !columns->IsArray() || columns->Size() != kColumnCount || !files || !files->IsArray()) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (json::AsString((*columns)[static_cast<rapidjson::SizeType>(i)]) != kColumns[i]) {
      return std::nullopt;
    }
  }
  std::vector<ResourceEntry> entries;
  entries.reserve(files->Size());
  for (const auto& row : files->GetArray()) {
    if (!row.IsArray() || row.Size() != kColumnCount) return std::nullopt;
    ResourceEntry& e = entries.emplace_back();
    for (size_t i = 0; i < kColumnCount; ++i) {
      const auto& cell = row[static_cast<rapidjson::SizeType>(i)];
      if (!cell.IsString()) return std::nullopt;
      (e.*kFields[i]).assign(cell.GetString(), cell.GetStringLength());
    }
    if (!IsPlainFileName(e.filename) || e.resource_type.empty()) return std::nullopt;
  }
  return entries;
}

Status WriteSiltaIndex(const std::filesystem::path& package_dir, const PackageId& id,
                       const FolderListing& listing, const std::vector<ResourceEntry>& entries) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  // One row per line keeps the file readable and diffable without a pretty printer's bulk.
  std::string out = "{\"silta-index-version\":" + std::to_string(kSiltaIndexVersion) + ",\n";
  auto append_member = [&](std::string_view key, auto&& write_value) {
    buffer.Clear();
    w.Reset(buffer);
    write_value();
    out += "\"" + std::string(key) + "\":" + buffer.GetString() + ",\n";
  };
  append_member("package", [&] { text(id.ToString()); });
  append_member("fingerprint", [&] { text(listing.fingerprint); });
  append_member("columns", [&] {
    w.StartArray();
    for (const char* c : kColumns) text(c);
    w.EndArray();
  });
  out += "\"files\":[";
  for (size_t r = 0; r < entries.size(); ++r) {
    buffer.Clear();
    w.Reset(buffer);
    w.StartArray();
    for (size_t i = 0; i < kColumnCount; ++i) text(entries[r].*kFields[i]);
    w.EndArray();
    out += r == 0 ? "\n" : ",\n";
    out += buffer.GetString();
  }
  out += "\n]}\n";
  const std::filesystem::path index = package_dir / kSiltaIndexName;
  SILTA_RETURN_IF_ERROR(WriteFileAtomically(index, out));
  // Written in the same clock tick as the folder's last change, the index would often carry the
  // folder's time already, and so vouch for a folder not yet listed after that change: it gets
  // a time no folder has until a listing marks it current.
  std::error_code ec;
  std::filesystem::last_write_time(
      index,
      std::filesystem::file_time_type::clock::from_sys(std::chrono::system_clock::time_point()),
      ec);
  return Status::Ok();
}

bool FolderUnchangedSinceIndex(const std::filesystem::path& package_dir) {
  std::error_code ec;
  auto folder_time = std::filesystem::last_write_time(package_dir, ec);
  if (ec) return false;
  auto index_time = std::filesystem::last_write_time(package_dir / kSiltaIndexName, ec);
  return !ec && index_time == folder_time;
}

void MarkIndexCurrent(const std::filesystem::path& package_dir,
                      std::filesystem::file_time_type folder_time_before_listing,
                      std::filesystem::file_time_type listing_started) {
  // File times come from a coarse clock (a tick of a few milliseconds; seconds on some file
  // systems): a change in the same tick as the one before it leaves the folder's time as it
  // was. A listing that began well after the folder's last change, with the folder's time the
  // same after it, saw everything up to that time; any later change moves the time on.
  constexpr auto kSettled = std::chrono::seconds(3);
  if (listing_started - folder_time_before_listing < kSettled) return;
  std::error_code ec;
  if (std::filesystem::last_write_time(package_dir, ec) != folder_time_before_listing || ec) {
    return;
  }
  // A read-only cache keeps listing on every run: slower, still right.
  std::filesystem::last_write_time(package_dir / kSiltaIndexName, folder_time_before_listing, ec);
}

std::optional<std::vector<ResourceEntry>> ReadFhirIndex(const std::filesystem::path& package_dir,
                                                        const FolderListing& listing) {
  StatusOr<std::string> text = ReadFile(package_dir / kFhirIndexName);
  if (!text.ok()) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text->data(), text->size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const rapidjson::Value* version = json::Member(std::as_const(doc), "index-version");
  const rapidjson::Value* files = json::Member(std::as_const(doc), "files");
  if (version == nullptr || files == nullptr || !files->IsArray()) return std::nullopt;
  std::string_view v = json::AsString(*version);  // numbers arrive as text with the flag above
  if (v != "1" && v != "2") return std::nullopt;
  std::vector<ResourceEntry> entries;
  entries.reserve(files->Size());
  for (const auto& f : files->GetArray()) {
    if (!f.IsObject()) return std::nullopt;
    auto get = [&f](const char* key) { return json::StringMember(f, key); };
    ResourceEntry e;
    e.filename = get("filename");
    e.resource_type = get("resourceType");
    // A stale index naming files that are gone is not trusted at all.
    if (!IsPlainFileName(e.filename) || e.resource_type.empty() || !Listed(listing, e.filename)) {
      return std::nullopt;
    }
    e.id = get("id");
    e.url = get("url");
    e.version = get("version");
    if (e.resource_type == "StructureDefinition") {
      e.kind = get("kind");
      e.type = get("type");
      e.derivation = get("derivation");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace silta::packages::internal
