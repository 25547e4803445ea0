// Parse and serialise throughput of FHIR JSON and XML over the R4 example resources.
// Reports bytes_per_second (input or output size) and items_per_second (resources).
#include <benchmark/benchmark.h>

#include "context/context.h"
#include "formats/formats.h"
#include "support/corpus.h"

namespace silta::bench {
namespace {

struct XmlCorpus {
  std::vector<std::string> texts;
  size_t bytes = 0;
};

const XmlCorpus& Xml() {
  static const XmlCorpus xml = [] {
    XmlCorpus c;
    for (const CorpusFile& f : ExampleCorpus()) {
      c.texts.push_back(formats::WriteXml(*f.doc->root()));
      c.bytes += c.texts.back().size();
    }
    return c;
  }();
  return xml;
}

size_t JsonBytes() {
  size_t n = 0;
  for (const CorpusFile& f : ExampleCorpus()) n += f.json.size();
  return n;
}

void BM_ParseJson(benchmark::State& state) {
  const auto& corpus = ExampleCorpus();
  auto model = *context::CoreTypeModel();
  for (auto _ : state) {
    for (const CorpusFile& f : corpus) {
      IssueCollector sink;
      benchmark::DoNotOptimize(formats::ParseJson(f.json, model, sink));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * JsonBytes()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.size()));
}

void BM_WriteJson(benchmark::State& state) {
  const auto& corpus = ExampleCorpus();
  size_t bytes = 0;
  for (auto _ : state) {
    for (const CorpusFile& f : corpus) {
      std::string out = formats::WriteJson(*f.doc->root());
      bytes += out.size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.size()));
}

void BM_ParseXml(benchmark::State& state) {
  const XmlCorpus& xml = Xml();
  auto model = *context::CoreTypeModel();
  for (auto _ : state) {
    for (const std::string& text : xml.texts) {
      IssueCollector sink;
      benchmark::DoNotOptimize(formats::ParseXml(text, model, sink));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * xml.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xml.texts.size()));
}

void BM_WriteXml(benchmark::State& state) {
  const auto& corpus = ExampleCorpus();
  size_t bytes = 0;
  for (auto _ : state) {
    for (const CorpusFile& f : corpus) {
      std::string out = formats::WriteXml(*f.doc->root());
      bytes += out.size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.size()));
}

// Start-up cost of a run: open the cache, load the R4 package index and its type model.
void BM_LoadCorePackageAndTypeModel(benchmark::State& state) {
  for (auto _ : state) {
    packages::PackageCache cache;
    auto core = cache.Load(context::kCorePackageName, context::kCorePackageVersion);
    if (!core.ok()) {
      state.SkipWithError(core.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(context::LoadTypeModel(**core));
  }
}

BENCHMARK(BM_ParseJson)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteJson)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseXml)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteXml)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadCorePackageAndTypeModel)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace silta::bench

BENCHMARK_MAIN();
