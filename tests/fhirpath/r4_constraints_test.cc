// Every constraint.expression of every R4 core StructureDefinition compiles (with the type of
// the element it sits on as context), and the resource-level ones evaluate without execution
// errors over the examples of the package.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/files.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::fhirpath {
namespace {

struct Constraint {
  std::string key;
  std::string path;
  std::string expression;
  std::shared_ptr<const CompiledExpression> compiled;  // null if it did not compile
  std::string error;
};

std::string_view ChildValue(const model::Element* e, std::string_view name) {
  const model::Element* c = e == nullptr ? nullptr : e->Child(name);
  return c != nullptr && c->has_value() ? c->value() : std::string_view();
}

// The type at an element path ("Patient.contact.name" → HumanName), or "" if not unique.
std::string TypeAtPath(const model::TypeModel& m, std::string_view path) {
  size_t dot = path.find('.');
  const model::TypeDef* t = m.Find(path.substr(0, dot));
  while (t != nullptr && dot != std::string_view::npos) {
    size_t next = path.find('.', dot + 1);
    std::string_view segment = path.substr(
        dot + 1, next == std::string_view::npos ? std::string_view::npos : next - dot - 1);
    const model::ElementDef* e = t->FindElement(segment);
    if (e == nullptr || e->types.size() != 1) return "";
    t = e->types[0];
    dot = next;
  }
  return t == nullptr ? "" : t->name;
}

class R4Constraints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto& model = testing::R4Model();
    for (const auto& entry : std::filesystem::directory_iterator(testing::R4PackageDir())) {
      std::string name = entry.path().filename().string();
      if (name.rfind("StructureDefinition-", 0) != 0 || entry.path().extension() != ".json") {
        continue;
      }
      auto text = ReadFile(entry.path());
      if (!text.ok()) continue;
      IssueCollector issues;
      auto doc = formats::ParseJson(*text, model, issues);
      if (doc == nullptr) continue;
      const model::Element* snapshot = doc->root()->Child("snapshot");
      if (snapshot == nullptr) continue;
      for (const model::Element* element : snapshot->Children("element")) {
        std::string path(ChildValue(element, "path"));
        for (const model::Element* constraint : element->Children("constraint")) {
          std::string expression(ChildValue(constraint, "expression"));
          if (expression.empty()) continue;
          Constraint c{std::string(ChildValue(constraint, "key")), path, expression, nullptr, ""};
          CompileOptions options;
          options.model = model;
          options.context_type = TypeAtPath(*model, path);
          auto compiled = CompiledExpression::Compile(expression, options);
          if (compiled.ok()) {
            c.compiled = *compiled;
          } else {
            c.error = compiled.status().message();
          }
          constraints_->push_back(std::move(c));
        }
      }
      ++definitions_;
    }
  }

  static inline std::vector<Constraint>* constraints_ = new std::vector<Constraint>();
  static inline int definitions_ = 0;
};

TEST_F(R4Constraints, AllCompile) {
  ASSERT_GT(definitions_, 600);
  ASSERT_GT(constraints_->size(), 1000u);
  int failures = 0;
  for (const Constraint& c : *constraints_) {
    if (c.compiled == nullptr) {
      ++failures;
      ADD_FAILURE() << c.key << " on " << c.path << ": " << c.error << "\n  " << c.expression;
    }
  }
  std::printf("R4 constraints: %zu compiled, %d failed\n", constraints_->size(), failures);
}

TEST_F(R4Constraints, ResourceLevelOnesEvaluateOverExamples) {
  const auto& model = testing::R4Model();
  ASSERT_GT(constraints_->size(), 1000u);
  std::map<std::string, std::vector<const Constraint*>> by_type;
  for (const Constraint& c : *constraints_) {
    if (c.compiled != nullptr && c.path.find('.') == std::string::npos) {
      by_type[c.path].push_back(&c);
    }
  }
  int evaluations = 0, errors = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::R4PackageDir())) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "package.json" || name[0] == '.' ||
        name.rfind("StructureDefinition-", 0) == 0 || name.rfind("ValueSet-", 0) == 0 ||
        name.rfind("CodeSystem-", 0) == 0 || name.rfind("SearchParameter-", 0) == 0) {
      continue;
    }
    auto text = ReadFile(entry.path());
    if (!text.ok()) continue;
    IssueCollector issues;
    auto doc = formats::ParseJson(*text, model, issues);
    if (doc == nullptr) continue;
    auto it = by_type.find(doc->root()->type()->name);
    if (it == by_type.end()) continue;
    for (const Constraint* c : it->second) {
      ++evaluations;
      auto result = Evaluate(*c->compiled, doc->root());
      if (!result.ok()) {
        ++errors;
        ADD_FAILURE() << name << " " << c->key << ": " << result.status().message();
      }
    }
  }
  std::printf("R4 constraints: %d evaluations over the package examples, %d errors\n", evaluations,
              errors);
  EXPECT_GT(evaluations, 1000);
}

}  // namespace
}  // namespace silta::fhirpath
