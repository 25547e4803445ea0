// Evaluates the HETU invariant documented in src/identifiers/README.md with Silta's FHIRPath
// engine, so the profiles can use it as it stands there.
#include <gtest/gtest.h>

#include <string>

#include "base/files.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "identifiers/identifiers.h"
#include "support/r4.h"

namespace silta::identifiers {
namespace {

std::string ReadmeExpression() {
  auto readme = ReadFile(SILTA_IDENTIFIERS_README);
  if (!readme.ok()) return "";
  const std::string& text = *readme;
  std::string_view fence = "```fhirpath\n";
  size_t start = text.find(fence);
  if (start == std::string::npos) return "";
  start += fence.size();
  size_t end = text.find("\n```", start);
  return text.substr(start, end - start);
}

class HetuInvariant : public ::testing::Test {
 protected:
  void SetUp() override {
    expression_ = ReadmeExpression();
    ASSERT_FALSE(expression_.empty()) << "no ```fhirpath block in the README";
    auto compiled = fhirpath::CompiledExpression::Compile(
        expression_, {.model = testing::R4Model(), .context_type = "Identifier", .strict = true});
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    compiled_ = *compiled;
  }

  // The invariant's result on Patient.identifier[0] with `value`; nullopt on an engine error.
  std::optional<bool> Evaluate(std::string_view value) {
    std::string json = R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.246.21",)"
                       R"("value":")" +
                       std::string(value) + "\"}]}";
    IssueCollector issues;
    auto doc = formats::ParseJson(json, testing::R4Model(), issues);
    if (doc == nullptr || issues.HasErrors()) return std::nullopt;
    auto identifier = fhirpath::CompiledExpression::Compile("identifier");
    auto element = fhirpath::Evaluate(**identifier, doc->root());
    if (!element.ok() || element->size() != 1) return std::nullopt;
    auto result = fhirpath::Evaluate(*compiled_, (*element)[0].element());
    if (!result.ok()) {
      ADD_FAILURE() << result.status().message();
      return std::nullopt;
    }
    if (result->size() != 1 || (*result)[0].type() != fhirpath::ValueType::kBoolean)
      return std::nullopt;
    return (*result)[0].boolean();
  }

  std::string expression_;
  std::shared_ptr<const fhirpath::CompiledExpression> compiled_;
};

TEST_F(HetuInvariant, AcceptsValidCodes) {
  for (const char* hetu : {"131052-308T", "010594Y9021", "010594Y9032", "010190-999W",
                           "290200A900C", "311299-999E", "010101+0021", "150615F9045"}) {
    std::string code = hetu;
    // Every century sign group and the 900 series; the check character is computed, then the
    // C++ check guards the test data itself.
    code[10] = *HetuCheckCharacter(code.substr(0, 6) + code.substr(7, 3));
    ASSERT_TRUE(CheckHetu(code).ok()) << code;
    EXPECT_EQ(Evaluate(code), true) << code;
  }
}

TEST_F(HetuInvariant, AgreesWithCheckHetuOnEveryCheckCharacter) {
  const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const char* base : {"131052-308", "010594Y902", "290200A900", "070707F999"}) {
    for (char c : alphabet) {
      std::string code = std::string(base) + c;
      EXPECT_EQ(Evaluate(code), CheckHetu(code).ok()) << code;
    }
  }
}

TEST_F(HetuInvariant, RejectsMalformedCodesWithFalseNotEmpty) {
  // An invariant that evaluates to empty counts as satisfied, so malformed codes must give an
  // explicit false.
  for (const char* bad : {"131052-308", "131052-308TT", "131052 308T", "131052G308T", "13105X-308T",
                          "131052-3O8T", "131052-308G", "131052-308t", "x"}) {
    EXPECT_EQ(Evaluate(bad), false) << bad;
  }
}

}  // namespace
}  // namespace silta::identifiers
