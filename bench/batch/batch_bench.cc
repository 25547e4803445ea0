// The batch runner's own overhead: reading, splitting, parsing and dispatching a synthetic
// NDJSON data set with a validator that does nothing. Resources/s and bytes/s, one thread and
// several.
//
// SILTA_BATCH_BENCH_FILE=path uses an existing file (NDJSON from make_ndjson, or a JSON Bundle);
// otherwise an NDJSON file
// of SILTA_BATCH_BENCH_RESOURCES (default 50 000) resources is generated in the temp folder.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "batch/batch.h"
#include "context/context.h"
#include "support/synthetic_ndjson.h"

namespace silta::bench {
namespace {

struct Dataset {
  std::filesystem::path path;
  uint64_t bytes = 0;
  bool generated = false;
};

const Dataset& BenchDataset() {
  static const Dataset dataset = [] {
    Dataset d;
    if (const char* file = std::getenv("SILTA_BATCH_BENCH_FILE")) {
      d.path = file;
    } else {
      const char* count_text = std::getenv("SILTA_BATCH_BENCH_RESOURCES");
      uint64_t count = count_text != nullptr ? std::strtoull(count_text, nullptr, 10) : 50000;
      d.path = std::filesystem::temp_directory_path() /
               ("silta_batch_bench_" + std::to_string(::getpid()) + ".ndjson");
      std::ofstream out(d.path, std::ios::binary);
      WriteSyntheticNdjson(out, count);
      d.generated = true;
    }
    d.bytes = std::filesystem::file_size(d.path);
    return d;
  }();
  return dataset;
}

const std::shared_ptr<const model::TypeModel>& Model() {
  static const std::shared_ptr<const model::TypeModel> model = [] {
    auto loaded = context::CoreTypeModel();
    if (!loaded.ok()) {
      std::cerr << loaded.status().message() << "\n";
      std::exit(2);
    }
    return *loaded;
  }();
  return model;
}

void BM_RunnerNoOpValidator(benchmark::State& state) {
  const Dataset& data = BenchDataset();
  // A JSON file (a big Bundle, say) measures the single-document path instead.
  batch::InputFormat format =
      batch::InputFormatFromPath(data.path).value_or(batch::InputFormat::kNdjson);
  std::vector<batch::InputFile> inputs = {
      {data.path, data.path.filename().string(), format, data.bytes}};
  batch::RunOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  batch::BatchRunner runner(
      Model(), [](const model::Document&, IssueSink&) {}, options);
  uint64_t resources = 0;
  uint64_t issues = 0;
  for (auto _ : state) {
    batch::RunStats stats = runner.Run(
        inputs, [&](const batch::InputFile&, batch::UnitResult&& r) { issues += r.issues.size(); });
    resources += stats.resources;
  }
  state.SetItemsProcessed(static_cast<int64_t>(resources));
  state.SetBytesProcessed(static_cast<int64_t>(data.bytes * state.iterations()));
  state.counters["issues"] = static_cast<double>(issues) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RunnerNoOpValidator)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// Reading and splitting lines only: the floor under the runner.
void BM_LineReaderOnly(benchmark::State& state) {
  const Dataset& data = BenchDataset();
  uint64_t lines = 0;
  for (auto _ : state) {
    auto reader = batch::LineReader::Open(data.path);
    if (!reader.ok()) {
      state.SkipWithError(reader.status().message().c_str());
      return;
    }
    batch::Line line;
    while (true) {
      auto more = (*reader)->Next(line);
      if (!more.ok() || !*more) break;
      ++lines;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines));
  state.SetBytesProcessed(static_cast<int64_t>(data.bytes * state.iterations()));
}
BENCHMARK(BM_LineReaderOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace silta::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const auto& data = silta::bench::BenchDataset();
  if (data.generated) std::filesystem::remove(data.path);
  return 0;
}
