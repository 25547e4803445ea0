// Unit tests of the FHIRPath engine's API and the semantics the official suite covers thinly.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "fhirpath/decimal.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/ucum.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::fhirpath {
namespace {

constexpr std::string_view kPatient = R"({
  "resourceType": "Patient", "id": "p1",
  "contained": [{"resourceType": "Organization", "id": "org", "name": "Acme"}],
  "managingOrganization": {"reference": "#org"},
  "name": [{"use": "official", "family": "Virtanen", "given": ["Aino", "Maria"]},
           {"use": "nickname", "given": ["Ainoliini"]}],
  "birthDate": "1980-05-12",
  "_gender": {"extension": [{"url": "http://example.org/x", "valueString": "secret"}]},
  "extension": [{"url": "http://example.org/height",
                 "valueQuantity": {"value": 1.80, "system": "http://unitsofmeasure.org",
                                   "code": "m"}}]
})";

class FhirPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IssueCollector issues;
    doc_ = formats::ParseJson(kPatient, testing::R4Model(), issues);
    ASSERT_NE(doc_, nullptr);
    ASSERT_FALSE(issues.HasErrors());
  }

  // The result rendered as "type value" items joined by "; ", or "error: ...".
  std::string Eval(std::string_view expr, const EvaluationContext& ctx = {}) {
    CompileOptions options;
    options.model = testing::R4Model();
    options.context_type = "Patient";
    auto compiled = CompiledExpression::Compile(expr, options);
    if (!compiled.ok()) return "error: " + compiled.status().message();
    auto result = Evaluate(**compiled, doc_->root(), ctx);
    if (!result.ok()) return "error: " + result.status().message();
    std::string out;
    for (const Value& v : *result) {
      DescribedValue d = Describe(v);
      if (!out.empty()) out += "; ";
      out += d.type + " " + d.value;
    }
    return out;
  }

  std::unique_ptr<model::Document> doc_;
};

TEST_F(FhirPathTest, Navigation) {
  EXPECT_EQ(Eval("Patient.name.given"), "string Aino; string Maria; string Ainoliini");
  EXPECT_EQ(Eval("name.where(use = 'official').family"), "string Virtanen");
  EXPECT_EQ(Eval("name[1].given"), "string Ainoliini");
  EXPECT_EQ(Eval("gender.exists()"), "boolean true");
  EXPECT_EQ(Eval("gender.hasValue()"), "boolean false");
  EXPECT_EQ(Eval("birthDate"), "date 1980-05-12");
}

TEST_F(FhirPathTest, ExtensionsAndResolve) {
  EXPECT_EQ(Eval("extension('http://example.org/height').value"), "Quantity 1.80 'm'");
  EXPECT_EQ(Eval("extension('http://example.org/height').value = 180 'cm'"), "boolean true");
  EXPECT_EQ(Eval("gender.extension('http://example.org/x').value"), "string secret");
  EXPECT_EQ(Eval("managingOrganization.resolve().name"), "string Acme");
  EXPECT_EQ(Eval("%resource.id"), "string p1");  // Resource.id is a System.String
}

// An explicit input is $this for iif's arguments even when it is empty (R4's ctm-1 relies on
// `member.resolve().iif(empty(), true, ...)` for references that do not resolve).
TEST_F(FhirPathTest, IifSeesItsInputAsThis) {
  EXPECT_EQ(Eval("{}.iif(empty(), 'none', 'some')"), "string none");
  EXPECT_EQ(Eval("generalPractitioner.resolve().iif(empty(), true, false)"), "boolean true");
  EXPECT_EQ(Eval("name[1].iif(use = 'nickname', given, family)"), "string Ainoliini");
  EXPECT_EQ(Eval("iif(gender.exists(), 'yes', 'no')"), "string yes");
}

TEST_F(FhirPathTest, Arithmetic) {
  EXPECT_EQ(Eval("0.1 + 0.2 = 0.3"), "boolean true");
  EXPECT_EQ(Eval("7 / 2"), "decimal 3.5");
  EXPECT_EQ(Eval("7 div 2"), "integer 3");
  EXPECT_EQ(Eval("1.50 * 2"), "decimal 3.00");
  EXPECT_EQ(Eval("'a' + 'b'"), "string ab");
  EXPECT_EQ(Eval("@2020-01-31 + 1 month"), "date 2020-02-29");
  EXPECT_EQ(Eval("birthDate < @1990-01-01"), "boolean true");
  EXPECT_EQ(Eval("@2012-04-15 = @2012-04-15T10:00"), "");
}

TEST_F(FhirPathTest, Errors) {
  EXPECT_EQ(Eval("name.given.substring("),
            "error: syntax error at 1:22: unexpected end of expression");
  EXPECT_EQ(Eval("name.foo(1)"), "error: semantic error at 1:6: unknown function 'foo'");
  EXPECT_EQ(Eval("valueQuantity"), "");  // Patient has no value[x]: just empty
  EXPECT_EQ(Eval("name.given.single()").substr(0, 28), "error: execution error at 1:");
  EXPECT_EQ(Eval("%nope").substr(0, 7), "error: ");
  // Found by fuzz_fhirpath: a literal beyond the 128-bit mantissa was read from an empty optional.
  std::string huge(55, '9');
  EXPECT_EQ(Eval(huge + ".2"), "error: syntax error at 1:1: number literal out of range");
  EXPECT_EQ(Eval(huge + " 'mg'"), "error: syntax error at 1:1: number literal out of range");
  EXPECT_EQ(Eval(huge), "error: syntax error at 1:1: number literal out of range");
  EXPECT_EQ(Eval("99999999999999999999"),
            "error: syntax error at 1:1: integer literal out of range");
}

// Each of these doubles or multiplies text per step: without a bound they took all memory.
TEST_F(FhirPathTest, ComputedTextIsBounded) {
  auto fails = [this](std::string_view expr) {
    return Eval(expr).find("the result would exceed 16 MiB of text") != std::string::npos;
  };
  std::string replace = "'aaaaaaaaaa'";
  for (int i = 0; i < 8; ++i) replace += ".replace('a', 'aaaaaaaaaa')";
  EXPECT_TRUE(fails(replace + ".length()"));
  std::string matches = "'aaaaaaaaaa'";
  for (int i = 0; i < 8; ++i) matches += ".replaceMatches('a', 'aaaaaaaaaa')";
  EXPECT_TRUE(fails(matches + ".length()"));
  for (std::string_view op : {"+", "&"}) {
    std::string doubling = "'ab'";
    for (int i = 0; i < 26; ++i) doubling += ".select($this " + std::string(op) + " $this)";
    EXPECT_TRUE(fails(doubling + ".length()")) << op;
  }
  std::string hex = "'ab'";
  for (int i = 0; i < 26; ++i) hex += ".encode('hex')";
  EXPECT_TRUE(fails(hex + ".length()"));
  std::string join = "'ab'";
  for (int i = 0; i < 26; ++i) join += ".select($this | ($this + 'x')).join('')";
  EXPECT_TRUE(fails(join + ".length()"));
  EXPECT_EQ(Eval("'ab'.replace('', '-') + 'x'.encode('hex')"), "string -a-b-78");
}

TEST_F(FhirPathTest, StrictModeChecksPaths) {
  CompileOptions options;
  options.model = testing::R4Model();
  options.context_type = "Patient";
  options.strict = true;
  EXPECT_TRUE(CompiledExpression::Compile("name.given", options).ok());
  auto bad = CompiledExpression::Compile("name.givenn", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("HumanName has no element 'givenn'"), std::string::npos);
}

TEST_F(FhirPathTest, FixedClock) {
  EvaluationContext ctx;
  ctx.now = DateTime{2024, 3, 1, 12, 30, 0, 0, 120, true, DtPrecision::kMillisecond};
  EXPECT_EQ(Eval("today()", ctx), "date 2024-03-01");
  EXPECT_EQ(Eval("now()", ctx), "dateTime 2024-03-01T12:30:00.000+02:00");
}

TEST_F(FhirPathTest, CompiledExpressionIsSharedAcrossThreads) {
  CompileOptions options;
  options.model = testing::R4Model();
  auto compiled = CompiledExpression::Compile("name.select(given.first() + ' ' + family)", options);
  ASSERT_TRUE(compiled.ok());
  std::vector<std::thread> threads;
  std::vector<int> ok(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto r = Evaluate(**compiled, doc_->root());
        if (r.ok() && r->size() == 1 && (*r)[0].string() == "Aino Virtanen") ++ok[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : ok) EXPECT_EQ(n, 2000);
}

// A result may outlive its CompiledExpression (the CLI compiles, evaluates, then prints): every
// value that views the expression's literals must still read back the literal text. Under ASan
// a dangling view is a heap-use-after-free; without it, the freed text is overwritten first.
TEST_F(FhirPathTest, ResultOutlivesItsExpression) {
  struct Case {
    std::string_view expression;
    std::string_view expected;
  };
  const Case cases[] = {
      {"'LogicalModel-Person'.substring(0, 12)", "string LogicalModel"},
      {"'LogicalModel-Person'.substring(0, 'LogicalModel-Person'.indexOf('-'))",
       "string LogicalModel"},
      {"'a long literal that lives on the heap'", "string a long literal that lives on the heap"},
      {"'  padded literal text, longer than SSO  '.trim()",
       "string padded literal text, longer than SSO"},
      {"'first-part,second-part'.split(',')", "string first-part; string second-part"},
      {"'characters'.toChars().first()", "string c"},
      {"'no regex match here at all'.replaceMatches('', 'x')", "string no regex match here at all"},
      {"%ucum", "string http://unitsofmeasure.org"},
      {"5 'mg/dL'", "Quantity 5 'mg/dL'"},
      {"(5 'mg/dL').abs()", "Quantity 5 'mg/dL'"},
      {"1.type().namespace", "string System"},
      {"name.first().type().name", "string HumanName"},
  };
  for (const Case& c : cases) {
    CompileOptions options;
    options.model = testing::R4Model();
    options.context_type = "Patient";
    auto compiled = CompiledExpression::Compile(c.expression, options);
    ASSERT_TRUE(compiled.ok()) << c.expression << ": " << compiled.status().message();
    auto result = Evaluate(**compiled, doc_->root());
    ASSERT_TRUE(result.ok()) << c.expression << ": " << result.status().message();
    Collection kept = std::move(result).value();
    compiled->reset();
    // Fill the freed blocks so that a view into them reads something else.
    std::vector<std::string> filler;
    for (int i = 0; i < 64; ++i) filler.emplace_back(200, '#');
    std::string rendered;
    for (const Value& v : kept) {
      DescribedValue d = Describe(v);
      if (!rendered.empty()) rendered += "; ";
      rendered += d.type + " " + d.value;
    }
    EXPECT_EQ(rendered, c.expected) << c.expression;
  }
}

// Compiling is as thread-safe as evaluating: the function registry, the decimal and UCUM tables
// and the per-thread regex match data are first used from several threads at once here, and
// expressions compiled once are evaluated by all of them. Each thread gets the answers one
// thread alone gets.
TEST_F(FhirPathTest, ExpressionsCompileAndEvaluateOnManyThreadsAtOnce) {
  const std::vector<std::string_view> expressions = {
      "name.given.where(matches('^A[a-z]+$'))",
      "name.family.replaceMatches('(?<first>V)irtanen', '${first}.')",
      "extension('http://example.org/height').value > 170 'cm'",
      "(1.1 + 2.25 * 3).toString() & ' ' & (10 / 3).round(3).toString()",
      "birthDate + 1 year < @2024-01-01 and now() > @2020-01-01T00:00:00Z",
      "managingOrganization.resolve().name.upper().substring(1, 2)",
      "name.select(given.first() + ' ' + family).join(', ')",
      "descendants().ofType(string).count()",
      "name.given.aggregate($total + $this.length(), 0)",
      "iif(gender.exists(), gender.extension.value, 'none').lower().split('e')",
      "2.5 'mg' + 1 'g' = 1002.5 'mg'",
      "'ääkkönen'.encode('base64').decode('base64').toChars().distinct().count()",
  };
  std::vector<std::string> expected;
  for (std::string_view e : expressions) expected.push_back(Eval(e));
  CompileOptions options;
  options.model = testing::R4Model();
  options.context_type = "Patient";
  std::vector<std::shared_ptr<const CompiledExpression>> shared;
  for (std::string_view e : expressions) {
    auto compiled = CompiledExpression::Compile(e, options);
    ASSERT_TRUE(compiled.ok()) << e << ": " << compiled.status().ToString();
    shared.push_back(*compiled);
  }
  constexpr size_t kThreads = 4;
  std::vector<std::vector<std::string>> own(kThreads), reused(kThreads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < expressions.size(); ++k) {
        size_t i = (k + t * 3) % expressions.size();  // different first uses on each thread
        own[t].push_back(std::to_string(i) + " " + Eval(expressions[i]));
        auto r = Evaluate(*shared[i], doc_->root());
        std::string out = std::to_string(i) + " ";
        if (!r.ok()) out += "error: " + r.status().message();
        for (size_t n = 0; r.ok() && n < r->size(); ++n) {
          DescribedValue d = Describe((*r)[n]);
          out += (n > 0 ? "; " : "") + d.type + " " + d.value;
        }
        reused[t].push_back(out);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < kThreads; ++t) {
    ASSERT_EQ(own[t].size(), expressions.size());
    for (size_t k = 0; k < expressions.size(); ++k) {
      size_t i = (k + t * 3) % expressions.size();
      EXPECT_EQ(own[t][k], std::to_string(i) + " " + expected[i]) << "thread " << t;
      EXPECT_EQ(reused[t][k], std::to_string(i) + " " + expected[i]) << "thread " << t;
    }
  }
  for (size_t i = 0; i < expressions.size(); ++i) {
    EXPECT_EQ(expected[i].find("error"), std::string::npos)
        << expressions[i] << ": " << expected[i];
  }
}

TEST(DecimalTest, KeepsPrecision) {
  EXPECT_EQ(Decimal::Parse("1.50")->ToString(), "1.50");
  EXPECT_EQ(Decimal::Parse("-0.001")->ToString(), "-0.001");
  EXPECT_EQ(Decimal::Parse("1e3")->ToString(), "1000");
  EXPECT_EQ(Decimal::Parse("1")->Div(*Decimal::Parse("3"))->Round(8).ToString(), "0.33333333");
  EXPECT_FALSE(Decimal::Parse("1.").has_value());
}

TEST(UcumTest, ConvertsCommonUnits) {
  auto mg = ParseUcum("mg/dL");
  auto g = ParseUcum("g/L");
  ASSERT_TRUE(mg && g);
  EXPECT_EQ(mg->dims, g->dims);
  EXPECT_TRUE(ParseUcum("10*3/uL").has_value());
  EXPECT_TRUE(ParseUcum("kg/m2").has_value());
  EXPECT_TRUE(ParseUcum("mm[Hg]").has_value());
  EXPECT_FALSE(ParseUcum("furlongs").has_value());
}

// A unit reaches the parser from data (Quantity.code) and from expressions; an exponent that
// does not fit an int once threw std::out_of_range.
TEST(UcumTest, RejectsExponentsThatDoNotFit) {
  EXPECT_TRUE(ParseUcum("m2").has_value());
  EXPECT_TRUE(ParseUcum("m-2").has_value());
  EXPECT_TRUE(ParseUcum("m+2").has_value());
  EXPECT_EQ(ParseUcum("m+2")->dims, ParseUcum("m2")->dims);
  EXPECT_FALSE(ParseUcum("m99999999999999999999").has_value());
  EXPECT_FALSE(ParseUcum("m-99999999999999999999").has_value());
  EXPECT_FALSE(ParseUcum("g/m100").has_value());
  EXPECT_FALSE(ParseUcum("m4294967297").has_value());
}

}  // namespace
}  // namespace silta::fhirpath
