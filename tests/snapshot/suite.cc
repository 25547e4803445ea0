#include "suite.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "compare.h"

namespace silta::snapshot::testing {
namespace {

std::map<std::string, std::string> ReadKnown(const std::filesystem::path& file) {
  std::map<std::string, std::string> known;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string id;
    fields >> id;
    std::string reason;
    std::getline(fields, reason);
    known[id] = reason;
  }
  return known;
}

}  // namespace

void RunSuite(const std::string& suite, const std::vector<SuiteCase>& cases,
              const DefinitionLookup& lookup, const std::filesystem::path& known_differences_file) {
  const std::map<std::string, std::string> known = ReadKnown(known_differences_file);
  // SILTA_SNAPSHOT_VERBOSE=1 prints every difference, for working on the generator.
  const bool verbose = std::getenv("SILTA_SNAPSHOT_VERBOSE") != nullptr;
  size_t passed = 0;
  size_t failed_known = 0;
  for (const SuiteCase& c : cases) {
    std::vector<std::string> differences;
    StatusOr<std::string> generated = GenerateSnapshot(StripSnapshot(c.json), lookup);
    if (!generated.ok()) {
      differences.push_back("generation failed: " + generated.status().ToString());
    } else {
      differences = CompareSnapshots(c.json, *generated);
    }
    const bool is_known = known.count(c.name) > 0;
    if (differences.empty()) {
      ++passed;
      EXPECT_FALSE(is_known) << suite << ": " << c.name
                             << " now matches; remove it from the known differences";
      continue;
    }
    if (is_known) ++failed_known;
    if (verbose || !is_known) {
      std::string joined;
      for (const auto& d : differences) joined += "\n    " + d;
      if (is_known) {
        std::cout << "[known] " << c.name << joined << "\n";
      } else {
        ADD_FAILURE() << suite << ": " << c.name << " differs:" << joined;
      }
    }
  }
  std::cout << suite << ": " << passed << "/" << cases.size() << " snapshots match ("
            << failed_known << " known differences)\n";
  for (const auto& [name, reason] : known) {
    bool present = false;
    for (const SuiteCase& c : cases) present = present || c.name == name;
    EXPECT_TRUE(present) << suite << ": known difference " << name << " is not a case";
  }
}

DefinitionLookup WithoutCaseSnapshots(const std::vector<SuiteCase>& cases,
                                      DefinitionLookup lookup) {
  auto stripped = std::make_shared<std::map<std::string, std::string>>();
  for (const SuiteCase& c : cases) {
    rapidjson::Document doc;
    doc.Parse(c.json.data(), c.json.size());
    if (doc.IsObject() && doc.HasMember("url") && doc["url"].IsString()) {
      (*stripped)[doc["url"].GetString()] = StripSnapshot(c.json);
    }
  }
  return [stripped,
          lookup = std::move(lookup)](std::string_view canonical) -> std::optional<std::string> {
    auto it = stripped->find(std::string(canonical.substr(0, canonical.find('|'))));
    if (it != stripped->end()) return it->second;
    return lookup(canonical);
  };
}

}  // namespace silta::snapshot::testing
