#include "cli/record_inputs.h"

#include <algorithm>

namespace silta::cli {

namespace fs = std::filesystem;

StatusOr<std::vector<fs::path>> ExpandInputs(const std::vector<std::string>& args,
                                             std::initializer_list<std::string_view> extensions) {
  std::vector<fs::path> out;
  for (const auto& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() &&
            std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
          found.push_back(entry.path());
        }
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (arg == "-" || fs::exists(arg, ec)) {
      out.emplace_back(arg);
    } else {
      return NotFoundError(arg + ": no such file or folder");
    }
  }
  return out;
}

std::vector<RecordInput> ReadRecords(const fs::path& path, const std::string& text,
                                     IssueCollector& issues) {
  std::vector<RecordInput> out;
  records::ReadOptions options;
  options.source_name = path.string();
  std::string stem = path == "-" ? "stdin" : path.stem().string();
  std::string ext = path.extension().string();
  if (ext == ".ndjson" || ext == ".jsonl") {
    for (auto& entry : records::ReadNdjson(text, issues, options)) {
      out.push_back({stem + "." + std::to_string(entry.line), std::move(entry.record)});
    }
    return out;
  }
  size_t start = text.find_first_not_of(" \t\r\n");
  records::Format format = start != std::string::npos && text[start] == '<'
                               ? records::Format::kXml
                               : records::Format::kJson;
  out.push_back({stem, records::Read(text, format, issues, options)});
  return out;
}

}  // namespace silta::cli
