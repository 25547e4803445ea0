// Compiled FHIRPath evaluation throughput: the 23 expressions of the peer benchmark
// (../shared/peer-bench/fhirpath-bench.mjs) over the same resources (the Patient,
// RelatedPerson, CareTeam, EpisodeOfCare and Coverage examples of the R4 package).
// BM_AllExpressions reports items_per_second = evaluations per second over whole passes, the
// figure the peer benchmark prints for fhirpath.js (~150 000/s on the reference machine).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "context/context.h"
#include "fhirpath/fhirpath.h"
#include "support/corpus.h"

namespace silta::bench {
namespace {

constexpr const char* kExpressions[] = {
    "Patient.name.given",
    "name.family",
    "telecom.value",
    "address.where(use = 'home').line.first()",
    "Patient.identifier.where(system='urn:oid:1.2.246.21').value",
    "name.where(use='official').family",
    "telecom.where(system='phone' and use='home').value",
    "identifier.where(type.coding.where(system='http://terminology.hl7.org/CodeSystem/v2-0203' "
    "and code='MR').exists()).value",
    "hasValue() or (children().count() > id.count())",
    "contained.contained.empty()",
    "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",
    "contained.meta.security.empty()",
    "text.`div`.exists()",
    "contained.where((('#'+id in (%resource.descendants().reference | "
    "%resource.descendants().as(canonical) | %resource.descendants().as(uri) | "
    "%resource.descendants().as(url))) or descendants().where(reference = '#').exists() or "
    "descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = "
    "'#').exists()).not()).trace('unmatched', id).empty()",
    "contained.where((('#'+id in (%resource.descendants().reference | "
    "%resource.descendants().ofType(canonical) | %resource.descendants().ofType(uri) | "
    "%resource.descendants().ofType(url))) or descendants().where(reference = '#').exists() or "
    "descendants().where(ofType(canonical) = '#').exists() or "
    "descendants().where(ofType(canonical) = '#').exists()).not()).trace('unmatched', "
    "id).empty()",
    "extension.all(extension.exists() != value.exists())",
    "contact.all(name.exists() or telecom.exists() or address.exists() or "
    "organization.exists())",
    "period.all(start.empty() or end.empty() or (start <= end))",
    "identifier.count()",
    "descendants().count()",
    "name.select(given.first() + ' ' + family)",
    "birthDate.exists() implies birthDate < today()",
    "status in ('active' | 'proposed' | 'planned') or active = true",
};

const std::vector<const model::Element*>& Resources() {
  static const std::vector<const model::Element*> resources = [] {
    static const std::set<std::string> kTypes = {"Patient", "RelatedPerson", "CareTeam",
                                                 "EpisodeOfCare", "Coverage"};
    std::vector<const model::Element*> out;
    for (const CorpusFile& f : ExampleCorpus()) {
      if (kTypes.count(f.doc->root()->type()->name) > 0) out.push_back(f.doc->root());
    }
    return out;
  }();
  return resources;
}

std::vector<std::shared_ptr<const fhirpath::CompiledExpression>> CompileAll() {
  fhirpath::CompileOptions options;
  options.model = *context::CoreTypeModel();
  std::vector<std::shared_ptr<const fhirpath::CompiledExpression>> out;
  for (const char* e : kExpressions) {
    auto compiled = fhirpath::CompiledExpression::Compile(e, options);
    if (!compiled.ok()) {
      std::fprintf(stderr, "%s: %s\n", e, compiled.status().message().c_str());
      std::exit(2);
    }
    out.push_back(*compiled);
  }
  return out;
}

void BM_AllExpressions(benchmark::State& state) {
  auto compiled = CompileAll();
  const auto& resources = Resources();
  fhirpath::EvaluationContext context;
  int64_t evaluations = 0, errors = 0;
  for (auto _ : state) {
    for (const auto& expr : compiled) {
      for (const model::Element* r : resources) {
        auto result = fhirpath::Evaluate(*expr, r, context);
        if (!result.ok()) ++errors;
        benchmark::DoNotOptimize(result);
        ++evaluations;
      }
    }
  }
  state.SetItemsProcessed(evaluations);
  state.counters["resources"] = static_cast<double>(resources.size());
  state.counters["errors"] = static_cast<double>(errors);
}

void BM_Expression(benchmark::State& state) {
  auto compiled = CompileAll();
  const auto& expr = compiled[static_cast<size_t>(state.range(0))];
  const auto& resources = Resources();
  fhirpath::EvaluationContext context;
  int64_t evaluations = 0;
  for (auto _ : state) {
    for (const model::Element* r : resources) {
      auto result = fhirpath::Evaluate(*expr, r, context);
      benchmark::DoNotOptimize(result);
      ++evaluations;
    }
  }
  state.SetItemsProcessed(evaluations);
  state.SetLabel(std::string(kExpressions[state.range(0)]).substr(0, 60));
}

void BM_Compile(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(CompileAll());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(std::size(kExpressions)));
}

BENCHMARK(BM_AllExpressions)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Expression)->DenseRange(0, static_cast<int>(std::size(kExpressions)) - 1);
BENCHMARK(BM_Compile)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace silta::bench

BENCHMARK_MAIN();
