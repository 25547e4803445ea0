// Client records mapped to validated FHIR Bundles per second, one thread: the whole path of
// `silta map to-fhir` after the file is read — strict record reading (contract JSON text),
// mapping, building the Bundle's element tree and validating it against the Silta profiles (and
// through them FI Base and R4 core). The second benchmark stops after mapping; BM_PhaseSplit
// gives each step's share of the first, and the BM_Step ones time each step alone.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "base/files.h"
#include "context/context.h"
#include "formats/formats.h"
#include "mapping/mapping.h"
#include "packages/packages.h"
#include "records/records.h"
#include "validation/validation.h"

namespace silta::bench {
namespace {

struct Setup {
  std::shared_ptr<const model::TypeModel> model;
  std::shared_ptr<const mapping::Mapper> mapper;
  std::shared_ptr<const validation::Validator> validator;
  std::vector<std::string> records;  // contract JSON texts
};

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "mapping_bench: " << what << "\n";
  std::exit(2);
}

const Setup& GetSetup() {
  static const Setup setup = [] {
    Setup s;
    auto model = context::CoreTypeModel();
    if (!model.ok()) Fail(model.status().message());
    s.model = *model;
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", s.model);
    if (!mapper.ok()) Fail(mapper.status().message());
    s.mapper = *mapper;
    auto silta = packages::Package::Load(SILTA_SOURCE_DIR "/profiles/generated");
    if (!silta.ok()) Fail(silta.status().message());
    packages::PackageCache cache;
    std::vector<std::shared_ptr<const packages::Package>> all = {*silta};
    for (const auto& [name, version] : (*silta)->manifest().dependencies) {
      auto dependency = cache.Load(name, version);
      if (!dependency.ok()) Fail(dependency.status().message());
      all.push_back(*dependency);
    }
    auto validator = validation::Validator::Create(
        packages::ConformanceContext::FromPackages(std::move(all)), s.model);
    if (!validator.ok()) Fail(validator.status().message());
    s.validator = *validator;
    for (const auto& entry :
         std::filesystem::directory_iterator(SILTA_SOURCE_DIR "/examples/records")) {
      auto text = ReadFile(entry.path());
      if (!text.ok()) Fail(text.status().message());
      IssueCollector issues;
      std::vector<std::optional<records::ClientRecord>> parsed;
      if (entry.path().extension() == ".ndjson") {
        for (auto& line : records::ReadNdjson(*text, issues))
          parsed.push_back(std::move(line.record));
      } else {
        parsed.push_back(records::Read(
            *text,
            entry.path().extension() == ".xml" ? records::Format::kXml : records::Format::kJson,
            issues));
      }
      for (const auto& record : parsed) {
        if (record) s.records.push_back(records::WriteJson(*record, {.pretty = false}));
      }
    }
    return s;
  }();
  return setup;
}

void BM_RecordToValidatedBundle(benchmark::State& state) {
  const Setup& s = GetSetup();
  size_t i = 0;
  int64_t resources = 0;
  for (auto _ : state) {
    const std::string& text = s.records[i++ % s.records.size()];
    IssueCollector issues;
    auto record = records::ReadJson(text, issues);
    auto bundle = s.mapper->ToFhir(*record, issues);
    auto document = formats::ToDocument(*bundle, s.model, issues);
    s.validator->Validate(*document, {}, issues);
    if (issues.HasErrors()) state.SkipWithError("a record did not map to a valid Bundle");
    resources += static_cast<int64_t>(bundle->Find("entry")->items().size());
    benchmark::DoNotOptimize(issues);
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["resources/s"] =
      benchmark::Counter(static_cast<double>(resources), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordToValidatedBundle)->Unit(benchmark::kMicrosecond);

void BM_RecordToBundleWithoutValidation(benchmark::State& state) {
  const Setup& s = GetSetup();
  size_t i = 0;
  for (auto _ : state) {
    IssueCollector issues;
    auto record = records::ReadJson(s.records[i++ % s.records.size()], issues);
    auto bundle = s.mapper->ToFhir(*record, issues);
    benchmark::DoNotOptimize(bundle);
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecordToBundleWithoutValidation)->Unit(benchmark::kMicrosecond);

// The first benchmark with each step's share of its time, measured inside the same loop, to see
// which step pays when they run together.
void BM_PhaseSplit(benchmark::State& state) {
  const Setup& s = GetSetup();
  size_t i = 0;
  using Clock = std::chrono::steady_clock;
  Clock::duration read{}, map{}, tree{}, validate{}, destroy{};
  for (auto _ : state) {
    const std::string& text = s.records[i++ % s.records.size()];
    auto t0 = Clock::now();
    {
      IssueCollector issues;
      auto record = records::ReadJson(text, issues);
      auto t1 = Clock::now();
      auto bundle = s.mapper->ToFhir(*record, issues);
      auto t2 = Clock::now();
      auto document = formats::ToDocument(*bundle, s.model, issues);
      auto t3 = Clock::now();
      s.validator->Validate(*document, {}, issues);
      auto t4 = Clock::now();
      read += t1 - t0;
      map += t2 - t1;
      tree += t3 - t2;
      validate += t4 - t3;
      t0 = t4;
    }
    destroy += Clock::now() - t0;
  }
  auto per = [&](Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count() /
           static_cast<double>(state.iterations());
  };
  state.counters["read_us"] = per(read);
  state.counters["map_us"] = per(map);
  state.counters["tree_us"] = per(tree);
  state.counters["validate_us"] = per(validate);
  state.counters["destroy_us"] = per(destroy);
}
BENCHMARK(BM_PhaseSplit)->Unit(benchmark::kMicrosecond);

// The steps of the first benchmark one at a time, to see where its time goes.
struct Steps {
  std::vector<records::ClientRecord> records;
  std::vector<json::Value> bundles;
  std::vector<std::unique_ptr<model::Document>> documents;
};

const Steps& GetSteps() {
  static const Steps steps = [] {
    const Setup& s = GetSetup();
    Steps out;
    for (const std::string& text : s.records) {
      IssueCollector issues;
      auto record = records::ReadJson(text, issues);
      if (!record) Fail("an example record does not read");
      auto bundle = s.mapper->ToFhir(*record, issues);
      if (!bundle) Fail("an example record does not map");
      out.documents.push_back(formats::ToDocument(*bundle, s.model, issues));
      out.records.push_back(std::move(*record));
      out.bundles.push_back(std::move(*bundle));
    }
    return out;
  }();
  return steps;
}

void BM_StepReadRecord(benchmark::State& state) {
  const Setup& s = GetSetup();
  size_t i = 0;
  for (auto _ : state) {
    IssueCollector issues;
    auto record = records::ReadJson(s.records[i++ % s.records.size()], issues);
    benchmark::DoNotOptimize(record);
  }
}
BENCHMARK(BM_StepReadRecord)->Unit(benchmark::kMicrosecond);

void BM_StepMap(benchmark::State& state) {
  const Setup& s = GetSetup();
  const Steps& steps = GetSteps();
  size_t i = 0;
  for (auto _ : state) {
    IssueCollector issues;
    auto bundle = s.mapper->ToFhir(steps.records[i++ % steps.records.size()], issues);
    benchmark::DoNotOptimize(bundle);
  }
}
BENCHMARK(BM_StepMap)->Unit(benchmark::kMicrosecond);

void BM_StepElementTree(benchmark::State& state) {
  const Setup& s = GetSetup();
  const Steps& steps = GetSteps();
  size_t i = 0;
  for (auto _ : state) {
    IssueCollector issues;
    auto document = formats::ToDocument(steps.bundles[i++ % steps.bundles.size()], s.model, issues);
    benchmark::DoNotOptimize(document);
  }
}
BENCHMARK(BM_StepElementTree)->Unit(benchmark::kMicrosecond);

void BM_StepValidate(benchmark::State& state) {
  const Setup& s = GetSetup();
  const Steps& steps = GetSteps();
  size_t i = 0;
  for (auto _ : state) {
    IssueCollector issues;
    s.validator->Validate(*steps.documents[i++ % steps.documents.size()], {}, issues);
    benchmark::DoNotOptimize(issues);
  }
}
BENCHMARK(BM_StepValidate)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace silta::bench

BENCHMARK_MAIN();
