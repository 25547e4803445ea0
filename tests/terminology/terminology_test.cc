// Terminology service over a tiny package written by the test: every compose feature, the
// certainty rules (complete / fragment / unknown systems) and the query API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "packages/packages.h"
#include "terminology/terminology.h"

namespace silta::terminology {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAnimals = "http://example.org/cs/animals";
constexpr std::string_view kCaseless = "http://example.org/cs/caseless";
constexpr std::string_view kFragment = "http://example.org/cs/fragment";
constexpr std::string_view kLinked = "http://example.org/cs/linked";
constexpr std::string_view kVs = "http://example.org/vs/";

// animal > mammal > {dog, cat}, animal > bird > parrot; properties legs/color/status.
constexpr std::string_view kAnimalsJson = R"({
  "resourceType": "CodeSystem", "url": "http://example.org/cs/animals", "version": "2.0.0",
  "status": "active", "content": "complete", "caseSensitive": true, "hierarchyMeaning": "is-a",
  "property": [{"code": "legs", "type": "integer"}, {"code": "color", "type": "code"},
               {"code": "status", "type": "code"}],
  "concept": [{"code": "animal", "display": "Animal",
               "property": [{"code": "notSelectable", "valueBoolean": true}], "concept": [
    {"code": "mammal", "display": "Mammal", "concept": [
      {"code": "dog", "display": "Dog",
       "designation": [{"language": "de", "value": "Hund"}],
       "property": [{"code": "legs", "valueInteger": 4}, {"code": "color", "valueCode": "brown"}]},
      {"code": "cat", "display": "Cat",
       "property": [{"code": "legs", "valueInteger": 4}, {"code": "color", "valueCode": "black"}]},
      {"code": "whale", "display": "Whale",
       "property": [{"code": "legs", "valueInteger": 0}, {"code": "status", "valueCode": "retired"}]}
    ]},
    {"code": "bird", "display": "Bird", "concept": [
      {"code": "parrot", "display": "Parrot",
       "property": [{"code": "legs", "valueInteger": 2}, {"code": "color", "valueCode": "green"}]},
      {"code": "penguin", "display": "Penguin", "property": [{"code": "legs", "valueInteger": 2}]}
    ]}
  ]}]
})";

// An older version, so version pins can be told apart.
constexpr std::string_view kAnimalsV1Json = R"({
  "resourceType": "CodeSystem", "url": "http://example.org/cs/animals", "version": "1.0.0",
  "status": "active", "content": "complete",
  "concept": [{"code": "animal"}, {"code": "unicorn", "display": "Unicorn"}]
})";

constexpr std::string_view kCaselessJson = R"({
  "resourceType": "CodeSystem", "url": "http://example.org/cs/caseless", "status": "active",
  "content": "complete", "caseSensitive": false,
  "concept": [{"code": "Alpha", "display": "Alpha"}, {"code": "Beta", "display": "Beta"}]
})";

constexpr std::string_view kFragmentJson = R"({
  "resourceType": "CodeSystem", "url": "http://example.org/cs/fragment", "status": "active",
  "content": "fragment", "concept": [{"code": "x", "display": "X"}, {"code": "y"}]
})";

// Hierarchy by parent/child properties instead of nesting, with two parents for "leaf".
constexpr std::string_view kLinkedJson = R"({
  "resourceType": "CodeSystem", "url": "http://example.org/cs/linked", "status": "active",
  "content": "complete",
  "concept": [
    {"code": "root", "property": [{"code": "child", "valueCode": "left"}]},
    {"code": "left"},
    {"code": "right", "property": [{"code": "parent", "valueCode": "root"}]},
    {"code": "leaf", "property": [{"code": "parent", "valueCode": "left"},
                                  {"code": "parent", "valueCode": "right"}]}
  ]
})";

std::string ValueSet(std::string_view id, std::string_view compose, std::string_view extra = {}) {
  std::string json = R"({"resourceType": "ValueSet", "id": ")" + std::string(id) +
                     R"(", "url": "http://example.org/vs/)" + std::string(id) +
                     R"(", "status": "active")";
  if (!compose.empty()) json += R"(, "compose": )" + std::string(compose);
  if (!extra.empty()) json += ", " + std::string(extra);
  return json + "}";
}

struct Resource {
  std::string file;
  std::string json;
};

// A chain c0 > c1 > ... nested `depth` levels deep, deeper than recursion would survive.
std::string DeepCodeSystem(int depth) {
  std::string json = R"({"resourceType": "CodeSystem", "url": "http://example.org/cs/deep",
      "status": "active", "content": "complete", "concept": [)";
  for (int i = 0; i < depth; ++i) {
    json += R"({"code": "c)" + std::to_string(i) + R"(", "concept": [)";
  }
  for (int i = 0; i < depth; ++i) json += "]}";
  return json + "]}";
}

std::vector<Resource> TestResources() {
  std::string animals = R"("system": "http://example.org/cs/animals")";
  auto include = [](std::string body) { return R"({"include": [)" + body + "]}"; };
  return {
      {"CodeSystem-animals.json", std::string(kAnimalsJson)},
      {"CodeSystem-animals-v1.json", std::string(kAnimalsV1Json)},
      {"CodeSystem-caseless.json", std::string(kCaselessJson)},
      {"CodeSystem-fragment.json", std::string(kFragmentJson)},
      {"CodeSystem-linked.json", std::string(kLinkedJson)},
      {"CodeSystem-deep.json", DeepCodeSystem(20'000)},
      {"vs-all.json", ValueSet("all", include("{" + animals + "}"))},
      {"vs-mammals.json",
       ValueSet(
           "mammals",
           include("{" + animals +
                   R"(, "filter": [{"property": "concept", "op": "is-a", "value": "mammal"}]})"))},
      {"vs-below-mammal.json",
       ValueSet("below-mammal", include("{" + animals + R"(, "filter": [{"property": "concept",
                "op": "descendent-of", "value": "mammal"}]})"))},
      {"vs-not-mammal.json",
       ValueSet("not-mammal", include("{" + animals + R"(, "filter": [{"property": "concept",
                "op": "is-not-a", "value": "mammal"}]})"))},
      {"vs-four-legs.json",
       ValueSet("four-legs", include("{" + animals + R"(, "filter": [{"property": "legs",
                "op": "=", "value": "4"}]})"))},
      {"vs-dark.json", ValueSet("dark", include("{" + animals + R"(, "filter": [{"property":
                "color", "op": "in", "value": "brown, black"}]})"))},
      {"vs-colored.json", ValueSet("colored", include("{" + animals + R"(, "filter": [{"property":
                "color", "op": "exists", "value": "true"}]})"))},
      {"vs-p-codes.json", ValueSet("p-codes", include("{" + animals + R"(, "filter": [{"property":
                "code", "op": "regex", "value": "p[a-z]+"}]})"))},
      {"vs-odd-filter.json", ValueSet("odd-filter", include("{" + animals + R"(, "filter": [{
                "property": "color", "op": "is-a", "value": "brown"}]})"))},
      {"vs-typo.json", ValueSet("typo", include("{" + animals + R"(, "filter": [{"property":
                "concept", "op": "is-a", "value": "mamal"}]})"))},
      {"vs-list-and-filter.json",
       ValueSet("list-and-filter", include("{" + animals + R"(, "concept": [{"code": "dog"},
                {"code": "parrot"}], "filter": [{"property": "legs", "op": "=", "value": "2"}]})"))},
      {"vs-list.json",
       ValueSet("list", include("{" + animals +
                                R"(, "concept": [{"code": "dog", "display": "Doggy"},
                                   {"code": "cat"}, {"code": "dragon"}]})"))},
      {"vs-no-birds.json",
       ValueSet("no-birds", "{\"include\": [{" + animals + R"(}], "exclude": [{)" + animals +
                                R"(, "filter": [{"property": "concept", "op": "is-a",
                                    "value": "bird"}]}]})")},
      {"vs-union.json",
       ValueSet("union", include(R"({"valueSet": ["http://example.org/vs/mammals"]},
                {"system": "http://example.org/cs/caseless", "concept": [{"code": "Alpha"}]})"))},
      {"vs-intersect.json",
       ValueSet("intersect", include(R"({"valueSet": ["http://example.org/vs/mammals",
                "http://example.org/vs/colored"]})"))},
      {"vs-system-and-vs.json",
       ValueSet("system-and-vs", include("{" + animals + R"(, "concept": [{"code": "dog"},
                {"code": "parrot"}], "valueSet": ["http://example.org/vs/four-legs"]})"))},
      {"vs-cycle-a.json",
       ValueSet("cycle-a", include(R"({"valueSet": ["http://example.org/vs/cycle-b"]})"))},
      {"vs-cycle-b.json",
       ValueSet("cycle-b", include(R"({"valueSet": ["http://example.org/vs/cycle-a"]})"))},
      {"vs-missing-import.json",
       ValueSet("missing-import", include(R"({"valueSet": ["http://example.org/vs/nowhere"]},
                {"system": "http://example.org/cs/caseless", "concept": [{"code": "Alpha"}]},
                {"system": "http://example.org/cs/animals",
                 "valueSet": ["http://example.org/vs/nowhere"]})"))},
      {"vs-snomed.json", ValueSet("snomed", include(R"({"system": "http://snomed.info/sct",
                "filter": [{"property": "concept", "op": "is-a", "value": "404684003"}]})"))},
      {"vs-snomed-shipped.json",
       ValueSet("snomed-shipped",
                include(R"({"system": "http://snomed.info/sct", "filter": [{"property":
                "concept", "op": "is-a", "value": "404684003"}]})"),
                R"("expansion": {"timestamp": "2020-01-01", "contains": [
                  {"system": "http://snomed.info/sct", "code": "22298006", "display": "MI",
                   "contains": [{"system": "http://snomed.info/sct", "code": "1755008"}]}]})")},
      {"vs-languages.json", ValueSet("languages", include(R"({"system": "urn:ietf:bcp:47",
                "concept": [{"code": "en", "display": "English"}, {"code": "fi"}]})"))},
      {"vs-all-languages.json",
       ValueSet("all-languages", include(R"({"system": "urn:ietf:bcp:47"})"))},
      {"vs-fragment.json",
       ValueSet("fragment", include(R"({"system": "http://example.org/cs/fragment"})"))},
      {"vs-caseless.json",
       ValueSet("caseless", include(R"({"system": "http://example.org/cs/caseless"})"))},
      {"vs-pinned.json", ValueSet("pinned", include("{" + animals + R"(, "version": "1.0.0"})"))},
      {"vs-linked.json", ValueSet("linked", include(R"({"system": "http://example.org/cs/linked",
                "filter": [{"property": "concept", "op": "is-a", "value": "right"}]})"))},
      {"vs-versioned-1.json",
       R"({"resourceType": "ValueSet", "url": "http://example.org/vs/versioned", "version": "1",
           "status": "active", "compose": {"include": [{"system":
           "http://example.org/cs/animals", "concept": [{"code": "dog"}]}]}})"},
      {"vs-versioned-2.json",
       R"({"resourceType": "ValueSet", "url": "http://example.org/vs/versioned", "version": "2",
           "status": "active", "compose": {"include": [{"system":
           "http://example.org/cs/animals", "concept": [{"code": "cat"}]}]}})"},
      {"vs-broken.json", ValueSet("broken", include("{" + animals + "}"))},
  };
}

class TerminologyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("silta-terminology-test-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "package");
    std::ofstream(*dir_ / "package" / "package.json")
        << R"({"name": "test.terminology", "version": "1.0.0", "fhirVersions": ["4.0.1"]})";
    for (const Resource& r : TestResources()) std::ofstream(*dir_ / "package" / r.file) << r.json;
    auto package = packages::Package::Load(*dir_);
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    // The index is built; now the file turns bad, as a damaged cache would.
    std::ofstream(*dir_ / "package" / "vs-broken.json") << R"({"resourceType": "ValueSet", )";
    context_ = new std::shared_ptr<const packages::ConformanceContext>(
        packages::ConformanceContext::FromPackages({*package}));
  }
  static void TearDownTestSuite() {
    delete context_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static TerminologyService::Options DefaultOptions() { return {}; }
  TerminologyService service_{*context_, DefaultOptions()};

  Validity Check(std::string_view vs, std::string_view system, std::string_view code) {
    auto result = service_.ValidateCode(std::string(kVs) + std::string(vs), system, code);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->validity : Validity::kCannotTell;
  }

  static fs::path* dir_;
  static std::shared_ptr<const packages::ConformanceContext>* context_;
};

fs::path* TerminologyTest::dir_ = nullptr;
std::shared_ptr<const packages::ConformanceContext>* TerminologyTest::context_ = nullptr;

TEST_F(TerminologyTest, WholeSystemIncludeUsesLatestVersion) {
  EXPECT_EQ(Check("all", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("all", kAnimals, "animal"), Validity::kValid);
  EXPECT_EQ(Check("all", kAnimals, "unicorn"), Validity::kInvalid);  // only in 1.0.0
  EXPECT_EQ(Check("all", kAnimals, "Dog"), Validity::kInvalid);      // case-sensitive
  EXPECT_EQ(Check("all", kCaseless, "Alpha"), Validity::kInvalid);   // system not in the set
}

TEST_F(TerminologyTest, IncludePinnedToVersion) {
  EXPECT_EQ(Check("pinned", kAnimals, "unicorn"), Validity::kValid);
  EXPECT_EQ(Check("pinned", kAnimals, "dog"), Validity::kInvalid);
}

TEST_F(TerminologyTest, ConceptHierarchyFilters) {
  EXPECT_EQ(Check("mammals", kAnimals, "mammal"), Validity::kValid);
  EXPECT_EQ(Check("mammals", kAnimals, "cat"), Validity::kValid);
  EXPECT_EQ(Check("mammals", kAnimals, "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("below-mammal", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("below-mammal", kAnimals, "mammal"), Validity::kInvalid);
  EXPECT_EQ(Check("not-mammal", kAnimals, "penguin"), Validity::kValid);
  EXPECT_EQ(Check("not-mammal", kAnimals, "animal"), Validity::kValid);
  EXPECT_EQ(Check("not-mammal", kAnimals, "whale"), Validity::kInvalid);
}

TEST_F(TerminologyTest, HierarchyFromParentAndChildProperties) {
  EXPECT_EQ(Check("linked", kLinked, "right"), Validity::kValid);
  EXPECT_EQ(Check("linked", kLinked, "leaf"), Validity::kValid);
  EXPECT_EQ(Check("linked", kLinked, "left"), Validity::kInvalid);
  auto subsumes = service_.Subsumes(kLinked, "root", "leaf");
  ASSERT_TRUE(subsumes.ok());
  EXPECT_EQ(*subsumes, Subsumption::kSubsumes);
  EXPECT_EQ(*service_.Subsumes(kLinked, "leaf", "left"), Subsumption::kSubsumedBy);
  EXPECT_EQ(*service_.Subsumes(kLinked, "left", "right"), Subsumption::kNotSubsumed);
}

TEST_F(TerminologyTest, DeeplyNestedConcepts) {
  auto subsumes = service_.Subsumes("http://example.org/cs/deep", "c0", "c19999");
  ASSERT_TRUE(subsumes.ok()) << subsumes.status().ToString();
  EXPECT_EQ(*subsumes, Subsumption::kSubsumes);
}

TEST_F(TerminologyTest, PropertyFilters) {
  EXPECT_EQ(Check("four-legs", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("four-legs", kAnimals, "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("dark", kAnimals, "cat"), Validity::kValid);
  EXPECT_EQ(Check("dark", kAnimals, "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("colored", kAnimals, "parrot"), Validity::kValid);
  EXPECT_EQ(Check("colored", kAnimals, "penguin"), Validity::kInvalid);
}

TEST_F(TerminologyTest, RegexMatchesWholeCode) {
  EXPECT_EQ(Check("p-codes", kAnimals, "parrot"), Validity::kValid);
  EXPECT_EQ(Check("p-codes", kAnimals, "penguin"), Validity::kValid);
  EXPECT_EQ(Check("p-codes", kAnimals, "mammal"), Validity::kInvalid);  // no partial match
}

TEST_F(TerminologyTest, UnsupportedFilterCannotTell) {
  EXPECT_EQ(Check("odd-filter", kAnimals, "dog"), Validity::kCannotTell);
  auto info = service_.DescribeExpansion("http://example.org/vs/odd-filter");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->outcome, ExpansionOutcome::kPartial);
  EXPECT_THAT(info->incomplete_systems, ::testing::ElementsAre(std::string(kAnimals)));
}

TEST_F(TerminologyTest, ConceptListSkipsCodesNotInCompleteSystem) {
  EXPECT_EQ(Check("list", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("list", kAnimals, "mammal"), Validity::kInvalid);
  EXPECT_EQ(Check("list", kAnimals, "dragon"), Validity::kInvalid);
  auto info = service_.DescribeExpansion("http://example.org/vs/list");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->code_count, 2u);
  EXPECT_THAT(info->notes, ::testing::Contains(::testing::HasSubstr("dragon")));
}

TEST_F(TerminologyTest, FilterNamingUnknownCodeSelectsNothingWithANote) {
  EXPECT_EQ(Check("typo", kAnimals, "dog"), Validity::kInvalid);
  auto info = service_.DescribeExpansion("http://example.org/vs/typo");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->code_count, 0u);
  EXPECT_THAT(info->notes, ::testing::Contains(::testing::HasSubstr("mamal")));
}

TEST_F(TerminologyTest, ConceptListAndFilterTogetherIntersect) {
  EXPECT_EQ(Check("list-and-filter", kAnimals, "parrot"), Validity::kValid);
  EXPECT_EQ(Check("list-and-filter", kAnimals, "dog"), Validity::kInvalid);
  EXPECT_EQ(Check("list-and-filter", kAnimals, "penguin"), Validity::kInvalid);
}

TEST_F(TerminologyTest, Exclude) {
  EXPECT_EQ(Check("no-birds", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("no-birds", kAnimals, "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("no-birds", kAnimals, "bird"), Validity::kInvalid);
}

TEST_F(TerminologyTest, ImportsUnionAndIntersection) {
  EXPECT_EQ(Check("union", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("union", kCaseless, "alpha"), Validity::kValid);
  EXPECT_EQ(Check("union", kCaseless, "Beta"), Validity::kInvalid);
  // mammals ∩ colored: dog and cat, not the colourless whale, not the colored parrot.
  EXPECT_EQ(Check("intersect", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("intersect", kAnimals, "whale"), Validity::kInvalid);
  EXPECT_EQ(Check("intersect", kAnimals, "parrot"), Validity::kInvalid);
  // {dog, parrot} ∩ four-legs.
  EXPECT_EQ(Check("system-and-vs", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("system-and-vs", kAnimals, "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("system-and-vs", kAnimals, "cat"), Validity::kInvalid);
}

TEST_F(TerminologyTest, ImportCycleIsAReasonedFailure) {
  auto result = service_.ValidateCode("http://example.org/vs/cycle-a", kAnimals, "dog");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kCannotTell);
  EXPECT_THAT(result->message, ::testing::HasSubstr("cycle"));
  auto info = service_.DescribeExpansion("http://example.org/vs/cycle-b");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->outcome, ExpansionOutcome::kFailed);
}

TEST_F(TerminologyTest, MissingImportKeepsWhatIsKnown) {
  EXPECT_EQ(Check("missing-import", kCaseless, "alpha"), Validity::kValid);
  // Not listed, but the missing value set might hold it.
  EXPECT_EQ(Check("missing-import", kCaseless, "Beta"), Validity::kUnknownValueSet);
  // animals ∩ (missing value set): whether dog survives the intersection is unknown.
  EXPECT_EQ(Check("missing-import", kAnimals, "dog"), Validity::kCannotTell);
  auto info = service_.DescribeExpansion("http://example.org/vs/missing-import");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->outcome, ExpansionOutcome::kUnknownValueSet);
  EXPECT_EQ(Check("nowhere", kAnimals, "dog"), Validity::kUnknownValueSet);
}

TEST_F(TerminologyTest, UnknownSystems) {
  EXPECT_EQ(Check("snomed", "http://snomed.info/sct", "22298006"), Validity::kUnknownSystem);
  // A code from another system still cannot be in a value set of SNOMED CT codes only.
  EXPECT_EQ(Check("snomed", kAnimals, "dog"), Validity::kInvalid);
  EXPECT_EQ(Check("all-languages", "urn:ietf:bcp:47", "fi-FI"), Validity::kUnknownSystem);
  // An explicit list is checkable even though BCP-47 is not in the packages.
  EXPECT_EQ(Check("languages", "urn:ietf:bcp:47", "fi"), Validity::kValid);
  EXPECT_EQ(Check("languages", "urn:ietf:bcp:47", "sv"), Validity::kInvalid);
  auto info = service_.DescribeExpansion("http://example.org/vs/all-languages");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->outcome, ExpansionOutcome::kPartial);
  EXPECT_THAT(info->unknown_systems, ::testing::ElementsAre("urn:ietf:bcp:47"));
}

TEST_F(TerminologyTest, StoredExpansionStandsInForUnevaluableCompose) {
  EXPECT_EQ(Check("snomed-shipped", "http://snomed.info/sct", "22298006"), Validity::kValid);
  EXPECT_EQ(Check("snomed-shipped", "http://snomed.info/sct", "1755008"), Validity::kValid);
  EXPECT_EQ(Check("snomed-shipped", "http://snomed.info/sct", "404684003"), Validity::kInvalid);
  auto info = service_.DescribeExpansion("http://example.org/vs/snomed-shipped");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->from_stored_expansion);
}

TEST_F(TerminologyTest, FragmentCodeSystemCannotTell) {
  EXPECT_EQ(Check("fragment", kFragment, "x"), Validity::kValid);
  EXPECT_EQ(Check("fragment", kFragment, "z"), Validity::kCannotTell);
  auto in_system = service_.ValidateCodeInSystem(kFragment, "z");
  ASSERT_TRUE(in_system.ok());
  EXPECT_EQ(in_system->validity, Validity::kCannotTell);
}

TEST_F(TerminologyTest, CaseInsensitiveSystem) {
  auto result = service_.ValidateCode("http://example.org/vs/caseless", kCaseless, "BETA");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kValid);
  EXPECT_EQ(result->code, "Beta");  // the code system's spelling
}

TEST_F(TerminologyTest, CodeWithoutSystemMatchesAnySystemOfTheValueSet) {
  EXPECT_EQ(Check("union", "", "cat"), Validity::kValid);
  EXPECT_EQ(Check("union", "", "Alpha"), Validity::kValid);
  EXPECT_EQ(Check("union", "", "parrot"), Validity::kInvalid);
  EXPECT_EQ(Check("all-languages", "", "fi"), Validity::kUnknownSystem);
}

TEST_F(TerminologyTest, VersionedValueSetCanonical) {
  EXPECT_EQ(Check("versioned|1", kAnimals, "dog"), Validity::kValid);
  EXPECT_EQ(Check("versioned|1", kAnimals, "cat"), Validity::kInvalid);
  EXPECT_EQ(Check("versioned|2", kAnimals, "cat"), Validity::kValid);
  EXPECT_EQ(Check("versioned", kAnimals, "cat"), Validity::kValid);  // latest
  EXPECT_EQ(Check("versioned|3", kAnimals, "cat"), Validity::kUnknownValueSet);
}

TEST_F(TerminologyTest, DisplayChecks) {
  auto ok = service_.ValidateCode("http://example.org/vs/all", kAnimals, "dog", "  dog ");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->valid());
  EXPECT_FALSE(ok->display_mismatch);
  auto designation = service_.ValidateCode("http://example.org/vs/all", kAnimals, "dog", "Hund");
  EXPECT_FALSE(designation->display_mismatch);
  // The value set's own display for a listed code is also acceptable.
  auto from_vs = service_.ValidateCode("http://example.org/vs/list", kAnimals, "dog", "Doggy");
  EXPECT_FALSE(from_vs->display_mismatch);
  auto wrong = service_.ValidateCode("http://example.org/vs/all", kAnimals, "dog", "Cat");
  ASSERT_TRUE(wrong.ok());
  EXPECT_TRUE(wrong->valid());
  EXPECT_TRUE(wrong->display_mismatch);
  EXPECT_EQ(wrong->expected_display, "Dog");
  auto inactive = service_.ValidateCode("http://example.org/vs/all", kAnimals, "whale");
  EXPECT_TRUE(inactive->inactive);
  EXPECT_FALSE(inactive->abstract);
  auto abstract = service_.ValidateCode("http://example.org/vs/all", kAnimals, "animal");
  EXPECT_TRUE(abstract->valid());
  EXPECT_TRUE(abstract->abstract);
}

TEST_F(TerminologyTest, CodeableConceptPrefersValidThenUncheckable) {
  std::vector<Coding> codings = {{std::string(kAnimals), "", "parrot", ""},
                                 {std::string(kAnimals), "", "dog", "Dog"}};
  auto valid = service_.ValidateCodeableConcept("http://example.org/vs/mammals", codings);
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(valid->validity, Validity::kValid);
  EXPECT_EQ(valid->code, "dog");

  std::vector<Coding> mixed = {{std::string(kAnimals), "", "parrot", ""},
                               {"http://snomed.info/sct", "", "22298006", ""}};
  auto uncheckable = service_.ValidateCodeableConcept("http://example.org/vs/snomed", mixed);
  ASSERT_TRUE(uncheckable.ok());
  EXPECT_EQ(uncheckable->validity, Validity::kUnknownSystem);

  auto none = service_.ValidateCodeableConcept("http://example.org/vs/mammals", {});
  EXPECT_EQ(none->validity, Validity::kInvalid);
}

TEST_F(TerminologyTest, LookupAndSubsumption) {
  EXPECT_EQ(service_.LookupDisplay(kAnimals, "parrot"), "Parrot");
  EXPECT_EQ(service_.LookupDisplay(kAnimals, "griffin"), std::nullopt);
  EXPECT_EQ(service_.LookupDisplay("http://loinc.org", "1234-5"), std::nullopt);
  auto lookup = service_.Lookup(kAnimals, "dog");
  ASSERT_TRUE(lookup.ok());
  ASSERT_EQ(lookup->designations.size(), 1u);
  EXPECT_EQ(lookup->designations[0].value, "Hund");
  EXPECT_EQ(service_.Lookup("http://loinc.org", "1234-5")->validity, Validity::kUnknownSystem);

  EXPECT_EQ(*service_.Subsumes(kAnimals, "animal", "dog"), Subsumption::kSubsumes);
  EXPECT_EQ(*service_.Subsumes(kAnimals, "dog", "mammal"), Subsumption::kSubsumedBy);
  EXPECT_EQ(*service_.Subsumes(kAnimals, "dog", "dog"), Subsumption::kEquivalent);
  EXPECT_EQ(*service_.Subsumes(kAnimals, "dog", "parrot"), Subsumption::kNotSubsumed);
  EXPECT_EQ(*service_.Subsumes(kAnimals, "dog", "griffin"), Subsumption::kUnknownCode);
  EXPECT_EQ(*service_.Subsumes("http://snomed.info/sct", "1", "2"), Subsumption::kUnknownSystem);
}

TEST_F(TerminologyTest, MalformedValueSetIsAStatus) {
  auto result = service_.ValidateCode("http://example.org/vs/broken", kAnimals, "dog");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(result.status().message(), ::testing::HasSubstr("vs-broken.json"));
}

TEST_F(TerminologyTest, ExpansionCapGivesTooCostly) {
  TerminologyService::Options options;
  options.max_expansion_size = 3;
  TerminologyService small(*context_, options);
  auto result = small.ValidateCode("http://example.org/vs/all", kAnimals, "dog");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kTooCostly);
  // An importer of a too-costly value set is too costly as well.
  EXPECT_EQ(small.ValidateCode("http://example.org/vs/union", kAnimals, "dog")->validity,
            Validity::kTooCostly);
  EXPECT_EQ(small.ValidateCode("http://example.org/vs/dark", kAnimals, "cat")->validity,
            Validity::kValid);
}

TEST_F(TerminologyTest, ListCodes) {
  auto codes = service_.ListCodes("http://example.org/vs/dark");
  ASSERT_TRUE(codes.ok());
  ASSERT_EQ(codes->size(), 2u);
  EXPECT_EQ((*codes)[0].code, "cat");
  EXPECT_EQ((*codes)[1].code, "dog");
  EXPECT_EQ((*codes)[1].display, "Dog");
}

TEST_F(TerminologyTest, ConcurrentFirstUse) {
  // Every thread races to trigger the same lazy expansions, including the import cycle.
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (std::string_view vs : {"union", "intersect", "cycle-a", "cycle-b", "no-birds"}) {
        auto result = service_.ValidateCode(std::string(kVs) + std::string(vs), kAnimals, "dog");
        if (result.ok() && result->valid()) ++valid;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(valid.load(), 8 * 3);
}

}  // namespace
}  // namespace silta::terminology
