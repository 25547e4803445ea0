// Validation throughput over the R4 example corpus against the base definitions (R4 core),
// single-threaded. Reports resources/s (items_per_second) and MB/s (bytes_per_second of the
// JSON the documents came from). BM_Startup measures Validator::Create plus the first
// compilation of the plans one Patient needs.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>

#include "context/context.h"
#include "support/corpus.h"
#include "validation/validation.h"

namespace silta::bench {
namespace {

class NullSink : public IssueSink {
 public:
  void Report(Issue) override { ++count; }
  size_t count = 0;
};

std::shared_ptr<const packages::ConformanceContext> CoreContext() {
  static auto context = [] {
    auto package = context::CorePackage();
    if (!package.ok()) {
      std::fprintf(stderr, "%s\n", package.status().ToString().c_str());
      std::exit(1);
    }
    return packages::ConformanceContext::FromPackages({*package});
  }();
  return context;
}

std::shared_ptr<const validation::Validator> NewValidator() {
  auto model = context::CoreTypeModel();
  auto validator = validation::Validator::Create(CoreContext(), *model);
  if (!validator.ok()) {
    std::fprintf(stderr, "%s\n", validator.status().ToString().c_str());
    std::exit(1);
  }
  return *validator;
}

void BM_Startup(benchmark::State& state) {
  const auto& corpus = ExampleCorpus();
  const model::Document* patient = nullptr;
  for (const auto& f : corpus) {
    if (f.doc != nullptr && f.doc->root()->type()->name == "Patient") {
      patient = f.doc.get();
      break;
    }
  }
  for (auto _ : state) {
    auto validator = NewValidator();
    NullSink sink;
    validator->Validate(*patient, {}, sink);
    benchmark::DoNotOptimize(sink.count);
  }
}
BENCHMARK(BM_Startup)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ValidateCorpus(benchmark::State& state) {
  const auto& corpus = ExampleCorpus();
  auto validator = NewValidator();
  NullSink warm;
  for (const auto& f : corpus) {
    if (f.doc != nullptr) validator->Validate(*f.doc, {}, warm);  // compile every plan first
  }
  size_t resources = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    NullSink sink;
    for (const auto& f : corpus) {
      if (f.doc == nullptr) continue;
      validator->Validate(*f.doc, {}, sink);
      ++resources;
      bytes += f.json.size();
    }
    benchmark::DoNotOptimize(sink.count);
  }
  state.SetItemsProcessed(static_cast<int64_t>(resources));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ValidateCorpus)->Unit(benchmark::kMillisecond)->MinTime(3.0);

}  // namespace
}  // namespace silta::bench

BENCHMARK_MAIN();
