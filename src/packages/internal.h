// Internal pieces of the packages module shared between its .cc files. Not part of the API.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "packages/packages.h"

namespace silta::packages::internal {

inline constexpr std::string_view kSiltaIndexName = ".silta-index.json";
inline constexpr std::string_view kFhirIndexName = ".index.json";

// The top-level fields of one resource file. nullopt when the text is not a JSON object with a
// resourceType (package.json, other data files): such files are not resources to index.
std::optional<ResourceEntry> ScanResource(std::string_view json);

// The names of package/'s top-level *.json files that may be resources (not package.json, not
// dot files), sorted, plus a fingerprint of that list that changes when a file is added,
// removed or renamed.
struct FolderListing {
  std::vector<std::string> json_files;
  std::string fingerprint;
};
StatusOr<FolderListing> ListPackageFolder(const std::filesystem::path& package_dir);

// package/.silta-index.json when it was written by this format version for `id` and the folder
// still has the files it describes (per `listing`'s fingerprint; not compared when `listing` is
// null, for an index FolderUnchangedSinceIndex vouches for); nullopt otherwise (then the index
// is rebuilt).
std::optional<std::vector<ResourceEntry>> ReadSiltaIndex(const std::filesystem::path& package_dir,
                                                         const PackageId& id,
                                                         const FolderListing* listing);
// True when no file was added to, removed from or renamed in package_dir since a listing
// confirmed its index: MarkIndexCurrent gives the index the folder's modification time, which
// any such change moves on. Listing R4 core's 5 000 files took a sixth of a short run's
// start-up.
bool FolderUnchangedSinceIndex(const std::filesystem::path& package_dir);
// After a listing that matched the index: marks the index current when the listing is known to
// have seen every change up to the folder's modification time (read before listing).
void MarkIndexCurrent(const std::filesystem::path& package_dir,
                      std::filesystem::file_time_type folder_time_before_listing,
                      std::filesystem::file_time_type listing_started);
Status WriteSiltaIndex(const std::filesystem::path& package_dir, const PackageId& id,
                       const FolderListing& listing, const std::vector<ResourceEntry>& entries);

// package/.index.json when it is present, well-formed and names only existing files.
std::optional<std::vector<ResourceEntry>> ReadFhirIndex(const std::filesystem::path& package_dir,
                                                        const FolderListing& listing);

// The JSON text without the top-level member "text" (a resource's narrative), otherwise as it
// was (numbers keep their spelling); nullopt when it is not well-formed JSON.
std::optional<std::string> WithoutNarrative(std::string_view json);

// A file name inside a package folder that stays inside it: no separators, no "..".
bool IsPlainFileName(std::string_view name);

// Archive member path -> a relative path without "." or ".." parts; error when it is absolute
// or climbs out.
StatusOr<std::filesystem::path> SafeRelativePath(std::string_view archive_path);

// Unpacks an npm tarball into `destination` (an existing, empty folder). Only regular files and
// folders are created; links pointing outside are an error, other links are ignored.
Status ExtractTarball(const std::filesystem::path& tgz, const std::filesystem::path& destination,
                      const ExtractionLimits& limits);

// package/package.json and the top-level package/*.json files of a tarball, read into memory
// (nothing is written): what a package index would cover, for loading a package without
// installing it.
struct TarballContents {
  std::string manifest;
  std::vector<std::string> names;  // "Patient-x.json", relative to package/
  std::vector<std::string> texts;
};
StatusOr<TarballContents> ReadTarballContents(const std::filesystem::path& tgz,
                                              const ExtractionLimits& limits);

// The text of package/package.json inside the tarball, without unpacking anything else.
StatusOr<std::string> ReadManifestFromTarball(const std::filesystem::path& tgz,
                                              const ExtractionLimits& limits);

}  // namespace silta::packages::internal
