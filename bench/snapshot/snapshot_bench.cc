// Snapshot generation of R4 core profiles from their differentials, definitions pre-read into
// memory so the figures are the generator's (parsing, tree building, merging, writing).
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "context/context.h"
#include "snapshot/snapshot.h"

namespace {

using silta::snapshot::DefinitionLookup;

struct Corpus {
  std::map<std::string, std::string> by_url;  // every StructureDefinition of R4 core
};

const Corpus& R4() {
  static const Corpus corpus = [] {
    Corpus c;
    auto package = silta::context::CorePackage();
    if (!package.ok()) {
      std::cerr << package.status().ToString() << "\n";
      std::abort();
    }
    for (const auto& entry : (*package)->entries()) {
      if (!entry.IsStructureDefinition()) continue;
      auto text = (*package)->ReadResource(entry);
      if (text.ok()) c.by_url[entry.url] = std::move(*text);
    }
    return c;
  }();
  return corpus;
}

std::string WithoutSnapshot(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  doc.RemoveMember("snapshot");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

void BM_GenerateSnapshot(benchmark::State& state, const std::string& url) {
  const Corpus& corpus = R4();
  const std::string input = WithoutSnapshot(corpus.by_url.at(url));
  DefinitionLookup lookup = [&corpus](std::string_view canonical) -> std::optional<std::string> {
    auto it = corpus.by_url.find(std::string(canonical.substr(0, canonical.find('|'))));
    if (it == corpus.by_url.end()) return std::nullopt;
    return it->second;
  };
  for (auto _ : state) {
    auto out = silta::snapshot::GenerateSnapshot(input, lookup);
    if (!out.ok()) state.SkipWithError(out.status().message().c_str());
    benchmark::DoNotOptimize(out);
  }
}

BENCHMARK_CAPTURE(BM_GenerateSnapshot, bodyweight,
                  std::string("http://hl7.org/fhir/StructureDefinition/bodyweight"));
BENCHMARK_CAPTURE(BM_GenerateSnapshot, bp,
                  std::string("http://hl7.org/fhir/StructureDefinition/bp"));
BENCHMARK_CAPTURE(BM_GenerateSnapshot, lipidprofile,
                  std::string("http://hl7.org/fhir/StructureDefinition/lipidprofile"));
BENCHMARK_CAPTURE(BM_GenerateSnapshot, patient_birthPlace,
                  std::string("http://hl7.org/fhir/StructureDefinition/patient-birthPlace"));

}  // namespace

BENCHMARK_MAIN();
