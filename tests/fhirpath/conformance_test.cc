// The official FHIRPath test suite (R4 copy, tests-fhir-r4.xml) run as data: one test per
// suite case. Cases listed in known-failures.txt are skipped with their reason; a listed case
// that passes fails, so the list stays honest.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "base/files.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::fhirpath {
namespace {

std::filesystem::path SuiteDir() {
  if (const char* env = std::getenv("SILTA_FHIRPATH_SUITE")) return env;
  return SILTA_FHIRPATH_SUITE_DIR;
}

struct Output {
  std::string type;  // "" when the suite gives none
  std::string value;
};

struct SuiteCase {
  std::string name;  // unique gtest-safe name
  std::string group;
  std::string input_file;
  std::string expression;
  std::string invalid;  // "", "syntax", "semantic", "execution"...
  bool strict = false;
  bool ordered = true;
  bool predicate = false;  // the result is read as a Boolean (exists)
  std::vector<Output> outputs;
};

// gtest prints parameters of failing tests: show the expression, not bytes.
void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name << ": " << c.expression; }

std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

std::vector<SuiteCase> LoadCases() {
  std::vector<SuiteCase> cases;
  pugi::xml_document doc;
  std::filesystem::path file = SuiteDir() / "tests-fhir-r4.xml";
  if (!doc.load_file(file.c_str())) return cases;
  std::set<std::string> used;
  for (pugi::xml_node group : doc.child("tests").children("group")) {
    for (pugi::xml_node test : group.children("test")) {
      SuiteCase c;
      c.group = group.attribute("name").value();
      std::string name = test.attribute("name").value();
      if (name.empty()) name = c.group + "_unnamed";
      std::string unique = Sanitize(name);
      for (int i = 2; used.count(unique) != 0; ++i)
        unique = Sanitize(name) + "_" + std::to_string(i);
      used.insert(unique);
      c.name = unique;
      c.input_file = test.attribute("inputfile").value();
      pugi::xml_node expr = test.child("expression");
      c.expression = expr.text().get();
      c.invalid = expr.attribute("invalid").value();
      c.strict = std::string_view(test.attribute("mode").value()) == "strict" ||
                 std::string_view(expr.attribute("mode").value()) == "strict";
      c.ordered = std::string_view(test.attribute("ordered").value()) != "false";
      c.predicate = std::string_view(test.attribute("predicate").value()) == "true";
      for (pugi::xml_node out : test.children("output")) {
        c.outputs.push_back({out.attribute("type").value(), out.text().get()});
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

const std::vector<SuiteCase>& Cases() {
  static const std::vector<SuiteCase> cases = LoadCases();
  return cases;
}

// testName → reason
const std::map<std::string, std::string>& KnownFailures() {
  static const std::map<std::string, std::string> known = [] {
    std::map<std::string, std::string> m;
    std::ifstream in(SILTA_FHIRPATH_KNOWN_FAILURES);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      m[line.substr(0, colon)] = line.substr(colon + 1);
    }
    return m;
  }();
  return known;
}

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

bool Matches(const Value& v, const Output& expected) {
  DescribedValue d = Describe(v);
  if (expected.type.empty()) {
    return LiteralForm(v) == expected.value || d.value == expected.value;
  }
  if (d.type != expected.type) return false;
  std::string value = expected.value;
  // Typed date/time outputs are written as literals too.
  if ((expected.type == "date" || expected.type == "dateTime") && !value.empty() &&
      value[0] == '@') {
    value.erase(0, 1);
  }
  if (expected.type == "time" && value.rfind("@T", 0) == 0) value.erase(0, 2);
  return d.value == value;
}

std::string Render(const Collection& result) {
  std::string s = "[";
  for (const Value& v : result) {
    DescribedValue d = Describe(v);
    if (s.size() > 1) s += ", ";
    s += d.type + " " + d.value;
  }
  return s + "]";
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
  if (!c.invalid.empty()) return "expected a " + c.invalid + " error, got " + Render(*result);
  if (c.predicate) {
    ValueList exists;
    exists.push_back(Value::Boolean(!result->empty()));
    result = Collection(std::move(exists), nullptr);
  }
  if (result->size() != c.outputs.size()) {
    return "expected " + std::to_string(c.outputs.size()) + " items, got " + Render(*result);
  }
  if (c.ordered) {
    for (size_t i = 0; i < c.outputs.size(); ++i) {
      if (!Matches((*result)[i], c.outputs[i])) {
        return "item " + std::to_string(i) + " differs: expected " + c.outputs[i].type + " " +
               c.outputs[i].value + ", got " + Render(*result);
      }
    }
  } else {
    std::vector<bool> used(c.outputs.size());
    for (const Value& v : *result) {
      bool found = false;
      for (size_t i = 0; i < c.outputs.size() && !found; ++i) {
        if (!used[i] && Matches(v, c.outputs[i])) used[i] = found = true;
      }
      if (!found) return "unexpected item in " + Render(*result);
    }
  }
  return "";
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
  auto known = KnownFailures().find(c.name);
  if (known != KnownFailures().end()) {
    if (failure.empty()) {
      FAIL() << c.name << " passes but is listed in known-failures.txt; remove it";
    }
    GTEST_SKIP() << "known failure:" << known->second << " (" << failure << ")";
  }
  EXPECT_EQ(failure, "") << c.expression;
}

TEST(FhirPathSuiteFile, HasAllCases) {
  EXPECT_GE(Cases().size(), 935u) << "suite not found in " << SuiteDir();
}

INSTANTIATE_TEST_SUITE_P(R4, FhirPathSuite, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace silta::fhirpath
