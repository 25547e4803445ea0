// Reading npm tarballs with libarchive. Silta writes every file itself (no archive_write_disk)
// so that nothing but plain files and folders inside the destination can ever be created.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include "packages/internal.h"

namespace silta::packages::internal {

namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

std::string ArchiveError(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown error";
}

StatusOr<ArchivePtr> OpenTarball(const std::filesystem::path& tgz) {
  ArchivePtr a(archive_read_new());
  if (!a) return InternalError("libarchive: out of memory");
  // npm tarballs are gzip'd tar. Only gzip: some other libarchive filters run an external
  // program, which a downloaded file should never get to choose. Uncompressed tar also reads.
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), tgz.c_str(), 64 * 1024) != ARCHIVE_OK) {
    std::error_code ec;
    if (!std::filesystem::exists(tgz, ec)) return NotFoundError("no such file: " + tgz.string());
    return DataLossError("cannot read " + tgz.string() + " as a tarball: " + ArchiveError(a.get()));
  }
  return a;
}

Status Corrupt(const std::filesystem::path& tgz, archive* a) {
  return DataLossError(tgz.string() + " is not a valid package tarball: " + ArchiveError(a));
}

Status Hostile(const std::filesystem::path& tgz, std::string_view what) {
  return DataLossError("refusing to install " + tgz.string() + ": " + std::string(what));
}

// Moves to the next entry of the archive: false at its end. The entries are counted against the
// limits as they come, so a tarball of a million empty files is refused early.
StatusOr<bool> NextEntry(archive* a, const std::filesystem::path& tgz,
                         const ExtractionLimits& limits, uint32_t& entries, archive_entry** entry) {
  int r = archive_read_next_header(a, entry);
  if (r == ARCHIVE_EOF) return false;
  if (r < ARCHIVE_WARN) return Corrupt(tgz, a);
  if (++entries > limits.max_entries) {
    return Hostile(tgz, "it has more than " + std::to_string(limits.max_entries) + " entries");
  }
  return true;
}

// Reads the entries of `tgz` in order, counted against `limits`, and gives each to `visit`
// (with the archive, to read its data) until `visit` fails or answers false: enough read.
Status ForEachEntry(const std::filesystem::path& tgz, const ExtractionLimits& limits,
                    const std::function<StatusOr<bool>(archive*, archive_entry*)>& visit) {
  SILTA_ASSIGN_OR_RETURN(ArchivePtr a, OpenTarball(tgz));
  uint32_t entries = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    SILTA_ASSIGN_OR_RETURN(bool more, NextEntry(a.get(), tgz, limits, entries, &entry));
    if (!more) return Status::Ok();
    SILTA_ASSIGN_OR_RETURN(bool go_on, visit(a.get(), entry));
    if (!go_on) return Status::Ok();
  }
}

// Does a symbolic link at `link` (relative to the destination) with `target` stay inside?
bool LinkStaysInside(const std::filesystem::path& link, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  std::vector<std::string> parts;
  for (const auto& p : link.parent_path()) parts.push_back(p.string());
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    std::string_view part = target.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

Status WriteEntryData(archive* a, const std::filesystem::path& tgz,
                      const std::filesystem::path& target, const ExtractionLimits& limits,
                      uint64_t& total_bytes) {
  // O_NOFOLLOW: the destination holds no links (none are ever created), but be certain.
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create " + target.string() + ": " + std::strerror(errno));
  uint64_t entry_bytes = 0;
  Status status;
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      status = Corrupt(tgz, a);
      break;
    }
    // Sizes are counted from the data actually produced, not from headers that may lie.
    entry_bytes += size;
    total_bytes += size;
    if (entry_bytes > limits.max_entry_bytes || total_bytes > limits.max_total_bytes) {
      status = Hostile(
          tgz, "it unpacks to more than the allowed size (" +
                   std::to_string(entry_bytes > limits.max_entry_bytes ? limits.max_entry_bytes
                                                                       : limits.max_total_bytes) +
                   " bytes)");
      break;
    }
    if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
      status = IoError("cannot write " + target.string() + ": " + std::strerror(errno));
      break;
    }
    const char* p = static_cast<const char*>(block);
    while (size > 0) {
      ssize_t n = ::write(fd, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = IoError("cannot write " + target.string() + ": " + std::strerror(errno));
        break;
      }
      p += n;
      size -= static_cast<size_t>(n);
    }
    if (!status.ok()) break;
  }
  if (::close(fd) != 0 && status.ok()) {
    status = IoError("cannot write " + target.string() + ": " + std::strerror(errno));
  }
  return status;
}

}  // namespace

StatusOr<std::filesystem::path> SafeRelativePath(std::string_view archive_path) {
  if (archive_path.empty()) return DataLossError("an archive entry has an empty name");
  if (archive_path.front() == '/' || archive_path.find('\\') != std::string_view::npos ||
      archive_path.find('\0') != std::string_view::npos ||
      (archive_path.size() >= 2 && archive_path[1] == ':')) {
    return DataLossError("archive entry '" + std::string(archive_path) + "' has an absolute path");
  }
  std::filesystem::path result;
  size_t start = 0;
  while (start <= archive_path.size()) {
    size_t slash = archive_path.find('/', start);
    std::string_view part = archive_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      return DataLossError("archive entry '" + std::string(archive_path) +
                           "' points outside the package ('..')");
    }
    if (!part.empty() && part != ".") result /= std::string(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return result;
}

Status ExtractTarball(const std::filesystem::path& tgz, const std::filesystem::path& destination,
                      const ExtractionLimits& limits) {
  uint64_t total_bytes = 0;
  return ForEachEntry(tgz, limits, [&](archive* a, archive_entry* entry) -> StatusOr<bool> {
    const char* raw_name = archive_entry_pathname(entry);
    if (raw_name == nullptr) return Corrupt(tgz, a);
    StatusOr<std::filesystem::path> relative = SafeRelativePath(raw_name);
    if (!relative.ok()) return Hostile(tgz, relative.status().message());
    if (relative->empty()) return true;  // "./"
    std::filesystem::path target = destination / *relative;

    if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
      StatusOr<std::filesystem::path> source = SafeRelativePath(hardlink);
      if (!source.ok()) {
        return Hostile(tgz, "hard link '" + std::string(raw_name) + "' points outside the package");
      }
      // A link inside the package is materialized as a copy of the file it names.
      std::error_code ec;
      std::filesystem::create_directories(target.parent_path(), ec);
      std::filesystem::copy_file(destination / *source, target,
                                 std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) return Hostile(tgz, "hard link '" + std::string(raw_name) + "' is dangling");
      return true;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR: {
        std::error_code ec;
        std::filesystem::create_directories(target, ec);
        if (ec) return IoError("cannot create " + target.string() + ": " + ec.message());
        break;
      }
      case AE_IFREG: {
        std::error_code ec;
        std::filesystem::create_directories(target.parent_path(), ec);
        if (ec) {
          return IoError("cannot create " + target.parent_path().string() + ": " + ec.message());
        }
        SILTA_RETURN_IF_ERROR(WriteEntryData(a, tgz, target, limits, total_bytes));
        break;
      }
      case AE_IFLNK: {
        const char* link_target = archive_entry_symlink(entry);
        if (link_target == nullptr || !LinkStaysInside(*relative, link_target)) {
          return Hostile(tgz, "symbolic link '" + std::string(raw_name) + "' points outside the " +
                                  "package (to '" + (link_target ? link_target : "") + "')");
        }
        break;  // FHIR packages have no use for links; harmless ones are left out
      }
      default:
        break;  // devices, fifos: never part of a package, never created
    }
    return true;
  });
}

namespace {

// The data of the current entry, counted against the limits as it is produced.
StatusOr<std::string> ReadEntryText(archive* a, const std::filesystem::path& tgz,
                                    const ExtractionLimits& limits, uint64_t& total_bytes) {
  std::string text;
  char buf[16384];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0) return Corrupt(tgz, a);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    total_bytes += static_cast<uint64_t>(n);
    if (text.size() > limits.max_entry_bytes || total_bytes > limits.max_total_bytes) {
      return Hostile(tgz, "it unpacks to more than the allowed size");
    }
  }
  return text;
}

}  // namespace

StatusOr<TarballContents> ReadTarballContents(const std::filesystem::path& tgz,
                                              const ExtractionLimits& limits) {
  TarballContents contents;
  bool has_manifest = false;
  uint64_t total_bytes = 0;
  SILTA_RETURN_IF_ERROR(
      ForEachEntry(tgz, limits, [&](archive* a, archive_entry* entry) -> StatusOr<bool> {
        const char* raw_name = archive_entry_pathname(entry);
        if (raw_name == nullptr || archive_entry_filetype(entry) != AE_IFREG) return true;
        StatusOr<std::filesystem::path> relative = SafeRelativePath(raw_name);
        if (!relative.ok()) return Hostile(tgz, relative.status().message());
        // Only package/<file>.json: examples and other folders are not indexed in a package
        // either.
        auto part = relative->begin();
        if (part == relative->end() || *part != "package" || ++part == relative->end()) {
          return true;
        }
        std::string name = part->string();
        if (++part != relative->end()) return true;
        if (name == "package.json") {
          SILTA_ASSIGN_OR_RETURN(contents.manifest, ReadEntryText(a, tgz, limits, total_bytes));
          has_manifest = true;
          return true;
        }
        if (name.front() == '.' || name.size() < 6 || name.substr(name.size() - 5) != ".json") {
          return true;
        }
        SILTA_ASSIGN_OR_RETURN(std::string text, ReadEntryText(a, tgz, limits, total_bytes));
        contents.names.push_back(std::move(name));
        contents.texts.push_back(std::move(text));
        return true;
      }));
  if (!has_manifest) {
    return DataLossError(tgz.string() + " is not a FHIR package: it has no package/package.json");
  }
  return contents;
}

StatusOr<std::string> ReadManifestFromTarball(const std::filesystem::path& tgz,
                                              const ExtractionLimits& limits) {
  constexpr size_t kMaxManifestBytes = 1 << 20;
  std::optional<StatusOr<std::string>> manifest;
  SILTA_RETURN_IF_ERROR(
      ForEachEntry(tgz, limits, [&](archive* a, archive_entry* entry) -> StatusOr<bool> {
        const char* raw_name = archive_entry_pathname(entry);
        if (raw_name == nullptr || archive_entry_filetype(entry) != AE_IFREG) return true;
        StatusOr<std::filesystem::path> relative = SafeRelativePath(raw_name);
        if (!relative.ok() || *relative != std::filesystem::path("package/package.json")) {
          return true;
        }
        ExtractionLimits manifest_limits = limits;
        manifest_limits.max_entry_bytes =
            std::min<uint64_t>(limits.max_entry_bytes, kMaxManifestBytes);
        uint64_t total_bytes = 0;
        manifest = ReadEntryText(a, tgz, manifest_limits, total_bytes);
        return false;
      }));
  if (!manifest) {
    return DataLossError(tgz.string() + " is not a FHIR package: it has no package/package.json");
  }
  return std::move(*manifest);
}

}  // namespace silta::packages::internal
