// The example client records (examples/records) as contract JSON, for the sync tests, and an
// edited second version of them for update runs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/files.h"
#include "json/json.h"
#include "mapping/mapping.h"
#include "records/records.h"

namespace silta::testing {

// (name, record) for every record of every example file, in file name order.
inline std::vector<std::pair<std::string, json::Value>> ExampleRecords() {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, json::Value>> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(SILTA_SOURCE_DIR "/examples/records")) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::string text = *ReadFile(path);
    IssueCollector issues;
    std::vector<std::optional<records::ClientRecord>> parsed;
    if (path.extension() == ".ndjson") {
      for (auto& e : records::ReadNdjson(text, issues)) parsed.push_back(std::move(e.record));
    } else {
      parsed.push_back(records::Read(
          text, path.extension() == ".xml" ? records::Format::kXml : records::Format::kJson,
          issues));
    }
    for (size_t i = 0; i < parsed.size(); ++i) {
      EXPECT_TRUE(parsed[i].has_value()) << path;
      if (!parsed[i]) continue;
      out.emplace_back(path.filename().string() + "#" + std::to_string(i),
                       mapping::RecordJson(*parsed[i]));
    }
  }
  return out;
}

// A later version of a record: the client's birth date and, when it has related persons, the
// first one's relationship text changed, so that a push updates resources the server knows.
inline json::Value EditedRecord(const json::Value& record) {
  json::Value edited = record;
  edited["birthDate"] = json::Value::String("1999-09-09");
  json::Value* related = edited.Find("relatedPersons");
  if (related != nullptr && !related->items().empty()) {
    if (json::Value* relationship = related->items()[0].Find("relationship")) {
      (*relationship)["display"] = json::Value::String("changed display");
    }
  }
  return edited;
}

}  // namespace silta::testing
