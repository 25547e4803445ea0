// The official FHIRPath test suite (R4 copy, tests-fhir-r4.xml) run as data: one test per
// suite case, evaluated in process. Cases listed in known-failures.txt are skipped with their
// reason; a listed case that passes fails, so the list stays honest. cli_conformance_test runs
// the same cases through `silta fhirpath`.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/files.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "suite.h"
#include "support/r4.h"

namespace silta::fhirpath::suite {
namespace {

const model::Document* Input(const std::string& file) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<model::Document>> docs;
  std::lock_guard<std::mutex> lock(mu);
  auto it = docs.find(file);
  if (it != docs.end()) return it->second.get();
  std::unique_ptr<model::Document> doc;
  StatusOr<std::string> text = ReadFile(SuiteDir() / file);
  if (text.ok()) {
    IssueCollector issues;
    formats::ParseOptions options;
    options.source_name = file;
    auto format = formats::FormatFromPath(file);
    if (format) doc = formats::Parse(*text, *format, testing::R4Model(), issues, options);
  }
  return (docs[file] = std::move(doc)).get();
}

// The form the suite writes untyped outputs in: literals ("@2014-01", "1.5 'cm'").
std::string LiteralForm(const Value& v) {
  std::string s = ToStringForm(v);
  switch (v.type()) {
    case ValueType::kDate:
    case ValueType::kDateTime:
      return "@" + s;
    case ValueType::kTime:
      return "@T" + s;
    default:
      return s;
  }
}

std::vector<Item> Items(const Collection& result) {
  std::vector<Item> items;
  for (const Value& v : result) {
    DescribedValue d = Describe(v);
    items.push_back({d.type, d.value, LiteralForm(v)});
  }
  return items;
}

// Runs one case; returns "" on success, else why it failed.
std::string RunCase(const SuiteCase& c) {
  const model::Document* doc = nullptr;
  CompileOptions options;
  options.model = testing::R4Model();
  options.strict = c.strict;
  if (!c.input_file.empty()) {
    doc = Input(c.input_file);
    if (doc == nullptr || doc->root() == nullptr) return "cannot load " + c.input_file;
    options.context_type = doc->root()->type()->name;
  }
  auto compiled = CompiledExpression::Compile(c.expression, options);
  if (!compiled.ok()) {
    if (!c.invalid.empty()) return "";
    return "compile error: " + compiled.status().message();
  }
  EvaluationContext context;
  auto result = Evaluate(**compiled, doc != nullptr ? doc->root() : nullptr, context);
  if (!result.ok()) {
    if (!c.invalid.empty()) return "";
    return "evaluation error: " + result.status().message();
  }
  std::vector<Item> items = Items(*result);
  if (!c.invalid.empty()) return "expected a " + c.invalid + " error, got " + Render(items);
  if (c.predicate) items = {{"boolean", items.empty() ? "false" : "true", ""}};
  return CompareOutputs(c, items);
}

struct Tally {
  int passed = 0;
  int total = 0;
  ~Tally() {
    if (total > 0) {
      std::printf("FHIRPath suite: %d/%d passed\n", passed, total);
    }
  }
};
Tally& Counts() {
  static Tally tally;
  return tally;
}

class FhirPathSuite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(FhirPathSuite, Case) {
  const SuiteCase& c = GetParam();
  std::string failure = RunCase(c);
  ++Counts().total;
  if (failure.empty()) ++Counts().passed;
  ExpectOutcome(c, failure);
}

TEST(FhirPathSuiteFile, HasAllCases) {
  EXPECT_GE(Cases().size(), 935u) << "suite not found in " << SuiteDir();
}

INSTANTIATE_TEST_SUITE_P(R4, FhirPathSuite, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace silta::fhirpath::suite
