#include "support/corpus.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "base/files.h"
#include "context/context.h"
#include "formats/formats.h"

namespace silta::bench {

namespace {

bool IsConformanceType(std::string_view type) {
  static const std::set<std::string_view> kTypes = {"StructureDefinition",
                                                    "ValueSet",
                                                    "CodeSystem",
                                                    "SearchParameter",
                                                    "ConceptMap",
                                                    "OperationDefinition",
                                                    "CapabilityStatement",
                                                    "CompartmentDefinition",
                                                    "ImplementationGuide",
                                                    "NamingSystem",
                                                    "StructureMap",
                                                    "GraphDefinition",
                                                    "MessageDefinition",
                                                    "ExampleScenario",
                                                    "TerminologyCapabilities"};
  return kTypes.count(type) > 0;
}

// A definition Bundle holds only conformance resources (profiles-resources.json and friends).
bool IsConformance(const model::Element& root) {
  if (IsConformanceType(root.type()->name)) return true;
  if (root.type()->name != "Bundle") return false;
  auto entries = root.Children("entry");
  if (entries.empty()) return false;
  return std::all_of(entries.begin(), entries.end(), [](const model::Element* e) {
    const model::Element* r = e->Child("resource");
    return r != nullptr && IsConformanceType(r->type()->name);
  });
}

}  // namespace

const std::vector<CorpusFile>& ExampleCorpus() {
  static const std::vector<CorpusFile> corpus = [] {
    auto model = context::CoreTypeModel();
    auto dir = context::CorePackageDir();
    if (!model.ok() || !dir.ok()) {
      std::cerr << "benchmark corpus: " << (model.ok() ? dir.status() : model.status()).message()
                << "\n";
      std::exit(2);
    }
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(*dir)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".json" && name != "package.json" && name[0] != '.') {
        paths.push_back(entry.path());
      }
    }
    std::sort(paths.begin(), paths.end());
    std::vector<CorpusFile> files;
    for (const auto& path : paths) {
      auto text = ReadFile(path);
      if (!text.ok()) continue;
      IssueCollector sink;
      auto doc = formats::ParseJson(*text, *model, sink);
      if (doc == nullptr || IsConformance(*doc->root())) continue;
      files.push_back({path.filename().string(), std::move(text).value(), std::move(doc)});
    }
    return files;
  }();
  return corpus;
}

}  // namespace silta::bench
