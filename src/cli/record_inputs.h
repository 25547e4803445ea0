// Finding and reading client record inputs, shared by silta map and silta sync.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "records/records.h"

namespace silta::cli {

// The inputs: files, or every file with one of `extensions` in a folder (sorted).
StatusOr<std::vector<std::filesystem::path>> ExpandInputs(
    const std::vector<std::string>& args, std::initializer_list<std::string_view> extensions);

struct RecordInput {
  std::string name;  // for output file names and messages
  std::optional<records::ClientRecord> record;
};

// Reads one record file (JSON, XML) or many (NDJSON); problems go to `issues`.
std::vector<RecordInput> ReadRecords(const std::filesystem::path& path, const std::string& text,
                                     IssueCollector& issues);

}  // namespace silta::cli
