// File helpers. Output files are always written atomically: a reader sees the old file or the
// complete new one, never a half-written file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"

namespace silta {

StatusOr<std::string> ReadFile(const std::filesystem::path& path);

// Reads all of standard input.
StatusOr<std::string> ReadStdin();

// Whether a write waits until the data is on disk. A cache whose loss costs only time need not:
// flushing hundreds of small cache files took seconds, and after a crash its reader finds an
// empty or cut file (and must check for one) rather than a stale one.
enum class Durability { kFlushedToDisk, kCacheOnly };

// Writes to a temporary file in the same folder, flushes it to disk (unless kCacheOnly) and
// renames it over `path`: readers see the old file or the whole new one.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data,
                           Durability durability = Durability::kFlushedToDisk);

// Maps byte offsets in a text to 1-based line/column (columns count bytes). Built once per
// document; lookups are a binary search, so parsers can record offsets cheaply and convert only
// when an issue is reported.
class LineIndex {
 public:
  LineIndex() = default;
  explicit LineIndex(std::string_view text);
  SourceLocation Locate(size_t offset) const;

 private:
  std::vector<size_t> line_starts_;
};

}  // namespace silta
