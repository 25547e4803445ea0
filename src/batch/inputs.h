// Input discovery for batch validation: command-line arguments (files, folders, glob patterns)
// become an ordered list of inputs with their format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silta::batch {

enum class InputFormat : uint8_t {
  kJson,    // one resource (a Bundle counts as one resource)
  kXml,     // one resource
  kNdjson,  // one resource per line
};

std::string_view InputFormatName(InputFormat format);  // "json", "xml", "ndjson"

struct InputFile {
  std::filesystem::path path;
  std::string
      name;  // how reports name it: the path as the user wrote it or the folder walk found it
  InputFormat format = InputFormat::kJson;
  uint64_t size_bytes = 0;
};

// By extension: .json, .xml, .ndjson, .jsonl (case-insensitive); nullopt for anything else.
std::optional<InputFormat> InputFormatFromPath(const std::filesystem::path& path);

// Expands arguments in order: an existing file is taken as it is (an unknown extension is
// sniffed from its first bytes), a folder is walked recursively (files with a known extension;
// hidden files and folders skipped), anything else with *, ? or [ is a glob pattern where `**`
// matches any number of folders. Each file appears once, at its first occurrence; folder and
// glob results are sorted so runs are repeatable. An argument that matches nothing is a usage
// error (InvalidArgument / NotFound), like a pattern the shell could not expand.
StatusOr<std::vector<InputFile>> DiscoverInputs(std::span<const std::string> arguments);

// True when `name` matches the glob `pattern` with `**` spanning folders ("a/**/*.json").
bool GlobMatches(std::string_view pattern, std::string_view name);

}  // namespace silta::batch
