#include "mapping/mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "mapping/path.h"
#include "support/r4.h"

namespace silta::mapping {
namespace {

using ::testing::HasSubstr;

json::Value Json(std::string_view text) {
  auto parsed = json::Value::Parse(text, "test");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : json::Value();
}

Path CompiledRecordPath(std::string_view text) {
  auto path = ParsePath(text);
  EXPECT_TRUE(path.ok()) << path.status().message();
  for (auto& s : path->segments) s.is_array = s.array_marker;
  return *path;
}

TEST(PathTest, ParsesFiltersIndexesAndMarkers) {
  auto path = ParsePath("identifiers[].where(type='hetu' and issuer.oid='1.2').value");
  ASSERT_TRUE(path.ok()) << path.status().message();
  ASSERT_EQ(path->segments.size(), 2u);
  EXPECT_TRUE(path->segments[0].array_marker);
  ASSERT_EQ(path->segments[0].filters.size(), 2u);
  EXPECT_EQ(path->segments[0].filters[1].path, (std::vector<std::string>{"issuer", "oid"}));
  EXPECT_EQ(path->segments[0].filters[1].value.text(), "1.2");

  auto ext = ParsePath("extension('http://x/y').valueCode");
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->segments[0].name, "extension");
  EXPECT_EQ(ext->segments[0].filters[0].value.text(), "http://x/y");

  auto indexed = ParsePath("name[0].given[+]");
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(indexed->segments[0].index, 0u);
  EXPECT_TRUE(indexed->segments[1].append);
}

TEST(PathTest, RejectsMalformedPathsWithPosition) {
  for (std::string_view bad : {"a..b", "a.where(b)", "a[x]", "a.where(b='c'", "a.where(b=c)"}) {
    auto path = ParsePath(bad);
    EXPECT_FALSE(path.ok()) << bad;
    if (!path.ok()) {
      EXPECT_THAT(path.status().message(), HasSubstr("position")) << bad;
    }
  }
}

// An index past uint32_t once threw std::out_of_range out of the mapping module.
TEST(PathTest, RejectsIndexesThatDoNotFit) {
  for (std::string_view bad :
       {"name[99999999999999999999999]", "name[4294967296].given", "name[1000001]"}) {
    auto path = ParsePath(bad);
    ASSERT_FALSE(path.ok()) << bad;
    EXPECT_THAT(path.status().message(), HasSubstr("an index of at most 1000000")) << bad;
  }
  auto largest = ParsePath("name[1000000]");
  ASSERT_TRUE(largest.ok()) << largest.status().message();
  EXPECT_EQ(largest->segments[0].index, 1000000u);
}

// Part identifiers come from FHIR resources a server returns: a '%' that does not start an
// escape once threw std::invalid_argument.
TEST(PartIdentifierTest, KeepsAPercentThatStartsNoEscape) {
  auto good = Mapper::ParsePartIdentifierValue("09/C%2F1/payment/p%41");
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->county_code, "09");
  EXPECT_EQ(good->client_id, "C/1");
  EXPECT_EQ(good->module, "payment");
  EXPECT_EQ(good->part_id, "pA");
  for (std::string_view odd : {"09/C%zz/payment/p1", "09/C1/payment/%", "09/b%4/c",
                               "09/%-1/payment/x", "09/%+f/payment/x"}) {
    auto parsed = Mapper::ParsePartIdentifierValue(odd);
    ASSERT_TRUE(parsed.has_value()) << odd;
  }
  auto kept = Mapper::ParsePartIdentifierValue("09/C%zz/payment/p%4");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->client_id, "C%zz");
  EXPECT_EQ(kept->part_id, "p%4");
}

TEST(PathTest, SelectsThroughArraysWithFilters) {
  json::Value record = Json(R"({"identifiers":[{"type":"local","value":"1"},
                                             {"type":"hetu","value":"2"}]})");
  auto hits = Select(record, CompiledRecordPath("identifiers[].where(type='hetu').value"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]->text(), "2");
}

TEST(PathTest, CreateReusesMatchesAndAppendsWhenFresh) {
  json::Value record = json::Value::Object();
  Path path = CompiledRecordPath("identifiers[].where(type='hetu').value");
  *Create(record, path, false) = json::Value::String("a");
  *Create(record, path, false) = json::Value::String("b");
  EXPECT_EQ(record.ToString(), R"({"identifiers":[{"type":"hetu","value":"b"}]})");
  *Create(record, path, true) = json::Value::String("c");
  EXPECT_EQ(record.ToString(),
            R"({"identifiers":[{"type":"hetu","value":"b"},{"type":"hetu","value":"c"}]})");
}

class MapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapper = Mapper::Load(SILTA_MAPPING_TESTDATA "/modules", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
  }
  std::shared_ptr<const Mapper> mapper_;
};

constexpr std::string_view kRecord = R"({
  "recordVersion": "1",
  "clientId": "A/17",
  "county": {"system": "urn:oid:1.2.246.537.6.21", "code": "09"},
  "identifiers": [{"type": "hetu", "value": "010190-999W"}],
  "name": {"family": "Virtanen", "given": ["Aino", "Maria"]},
  "gender": "female",
  "nonDisclosure": false,
  "relatedPersons": [
    {"id": "rp1", "relationship": {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"},
     "roles": ["contact-person", "guardian"],
     "contact": [{"id": "c1", "kind": "phone", "value": "+358401234567"},
                 {"id": "c2", "kind": "address", "address": {"lines": ["Kotikatu 1", "B 2"], "city": "Oulu"}}]}
  ],
  "assessments": [
    {"id": "as1", "code": {"system": "urn:oid:1.2.246.537.6.48", "code": "d450"}, "qualifier": 2,
     "assessor": "rp1", "fee": {"amount": "12.50", "currency": "EUR"}}
  ]
})";

TEST_F(MapperTest, MapsARecordToATransactionBundleAndBack) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kRecord), issues);
  ASSERT_TRUE(bundle.has_value()) << (issues.issues().empty() ? "" : issues.issues()[0].message);
  std::string text = bundle->ToString();
  EXPECT_THAT(text, HasSubstr(R"("type":"transaction")"));
  EXPECT_THAT(text, HasSubstr(R"("valueInteger":2)"));
  EXPECT_THAT(text, HasSubstr(R"("value":12.50)"));
  EXPECT_THAT(text, HasSubstr(R"("given":["Aino","Maria"])"));
  EXPECT_THAT(text, HasSubstr(R"("active":true)"));
  EXPECT_THAT(text, HasSubstr(R"("valueBoolean":false)"));
  ASSERT_EQ(bundle->Find("entry")->items().size(), 3u);

  auto back = mapper_->FromFhir(*bundle, issues);
  ASSERT_TRUE(back.has_value()) << (issues.issues().empty() ? "" : issues.issues()[0].message);
  EXPECT_TRUE(json::Value::EqualUnordered(*back, Json(kRecord), {"given", "lines"}))
      << back->ToString(true);
}

TEST_F(MapperTest, IdsAreDeterministicAndReferencesResolveInsideTheBundle) {
  IssueCollector issues;
  auto first = mapper_->ToFhir(Json(kRecord), issues);
  auto second = mapper_->ToFhir(Json(kRecord), issues);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->ToString(), second->ToString());
  const auto& entries = first->Find("entry")->items();
  std::string patient_url = entries[0].Find("fullUrl")->text();
  EXPECT_THAT(patient_url, ::testing::StartsWith("urn:uuid:"));
  EXPECT_EQ(patient_url.size(), 9u + 36u);
  EXPECT_THAT(entries[1].ToString(), HasSubstr(patient_url));
  EXPECT_THAT(entries[1].Find("request")->ToString(),
              HasSubstr(R"("method":"PUT","url":"RelatedPerson?identifier=)"));
  // '/' in a client id must not break the identifier's structure.
  EXPECT_THAT(entries[0].ToString(), HasSubstr("09/A%2F17/client"));
}

TEST_F(MapperTest, ReportsUnmappedCodesAndBadValues) {
  json::Value record = Json(kRecord);
  record["gender"] = json::Value::String("robot");
  record.Find("assessments")->items()[0]["qualifier"] = json::Value::String("two");
  IssueCollector issues;
  EXPECT_FALSE(mapper_->ToFhir(record, issues).has_value());
  ASSERT_EQ(issues.issues().size(), 2u);
  EXPECT_EQ(issues.issues()[0].message_id, "MAP_CODE_UNMAPPED");
  EXPECT_EQ(issues.issues()[1].message_id, "MAP_VALUE");
  EXPECT_THAT(issues.issues()[1].message, HasSubstr("mapping.json: rules[3]"));
}

TEST(MapperLoadTest, ListsEveryProblemOfAModule) {
  auto dir = std::filesystem::temp_directory_path() / "silta-mapping-bad";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "client");
  std::ofstream(dir / "client" / "mapping.json") << R"({
    "module": "client", "resource": "Patient", "profile": "x", "governance": "nowhere",
    "extra": 1,
    "rules": [{"record": "a", "fhir": "nosuch"}, {"record": "b", "fhir": "gender", "codes": "none"},
              {"record": "c", "fhir": "name", "transform": "nosuch"}]})";
  auto mapper = Mapper::Load(dir, testing::R4Model());
  ASSERT_FALSE(mapper.ok());
  const std::string& m = mapper.status().message();
  EXPECT_THAT(m, HasSubstr("governance must be"));
  EXPECT_THAT(m, HasSubstr("unknown member \"extra\""));
  EXPECT_THAT(m, HasSubstr("Patient has no element nosuch"));
  EXPECT_THAT(m, HasSubstr("unknown code map \"none\""));
  EXPECT_THAT(m, HasSubstr("unknown transform \"nosuch\""));
  std::filesystem::remove_all(dir);
}

// An item number that does not fit an int once threw std::out_of_range; one that is not a
// number was skipped without a word.
TEST(MapperLoadTest, RejectsAkustiNumbersOutOfRange) {
  auto dir = std::filesystem::temp_directory_path() / "silta-mapping-akusti";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "client");
  std::ofstream(dir / "client" / "mapping.json") << R"({
    "module": "client", "resource": "Patient", "profile": "x", "governance": "county",
    "akusti": [1, 99999999999999999999, 0, 1.5, "2"], "rules": []})";
  auto mapper = Mapper::Load(dir, testing::R4Model());
  ASSERT_FALSE(mapper.ok());
  const std::string& m = mapper.status().message();
  EXPECT_THAT(m, HasSubstr("\"99999999999999999999\" is not an AKUSTI item number"));
  EXPECT_THAT(m, HasSubstr("\"0\" is not an AKUSTI item number"));
  EXPECT_THAT(m, HasSubstr("\"1.5\" is not an AKUSTI item number"));
  EXPECT_THAT(m, HasSubstr("\"2\" is not an AKUSTI item number"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace silta::mapping

namespace silta::mapping {
namespace {

class MapperFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapper = Mapper::Load(SILTA_MAPPING_TESTDATA "/features", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
  }
  // The resource of `type` in the Bundle (the first one).
  static const json::Value* ResourceOf(const json::Value& bundle, std::string_view type,
                                       size_t nth = 0) {
    for (const auto& entry : bundle.Find("entry")->items()) {
      const json::Value* resource = entry.Find("resource");
      if (resource->Find("resourceType")->text() == type && nth-- == 0) return resource;
    }
    return nullptr;
  }
  std::shared_ptr<const Mapper> mapper_;
};

constexpr std::string_view kFeatureRecord = R"({
  "recordVersion": "1",
  "clientId": "C1",
  "county": {"system": "urn:oid:1.2.246.537.6.21", "code": "09"},
  "flag": true,
  "producer": {"businessId": "2797321-6", "name": "Kaari Oy"},
  "members": [
    {"id": "m1", "family": "Laine",
     "organisation": {"oid": "1.2.246.10.32004516.10", "businessId": "3200451-6", "name": "HVA"}},
    {"id": "m2", "family": "Heikkinen"}
  ],
  "payments": [
    {"id": "p1", "kind": "voucher", "payer": "client",
     "transferableTo": [{"businessId": "3101238-9"}, {"businessId": "3101238-9", "name": "Helmi"},
                        {"businessId": "3101238-9"}]},
    {"id": "p2", "kind": "other",
     "payer": {"oid": "1.2.246.10.32004516.10", "businessId": "3200451-6", "name": "HVA"}}
  ]
})";

TEST_F(MapperFeaturesTest, RoundTripsAndMergesRecordElementsById) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle) << (issues.issues().empty() ? "" : issues.issues()[0].message);
  // The members' names come from the Practitioners, their organisations from the CareTeam: each
  // member comes back once, whole.
  auto back = mapper_->FromFhir(*bundle, issues);
  ASSERT_TRUE(back) << (issues.issues().empty() ? "" : issues.issues()[0].message);
  EXPECT_TRUE(json::Value::EqualUnordered(*back, Json(kFeatureRecord))) << back->ToString(true);
}

TEST_F(MapperFeaturesTest, ChoosesTheProfileByARecordValue) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle);
  EXPECT_EQ(
      ResourceOf(*bundle, "Coverage", 0)->Find("meta")->ToString(),
      R"({"profile":["https://silta.example.fi/fhir/StructureDefinition/test-coverage-voucher"]})");
  // A value the map does not list falls back to the module's profile.
  EXPECT_EQ(ResourceOf(*bundle, "Coverage", 1)->Find("meta")->ToString(),
            R"({"profile":["https://silta.example.fi/fhir/StructureDefinition/test-coverage"]})");
}

TEST_F(MapperFeaturesTest, OnlyIfAndWhenDecideWhatIsMade) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle);
  EXPECT_NE(ResourceOf(*bundle, "CareTeam"), nullptr);
  EXPECT_THAT(ResourceOf(*bundle, "Patient")->Find("meta")->ToString(),
              HasSubstr(R"("security":[{"system":"https://example.org/labels","code":"SECRET"}])"));

  json::Value record = Json(kFeatureRecord);
  record["flag"] = json::Value::Bool(false);
  record.Remove("members");
  auto without = mapper_->ToFhir(record, issues);
  ASSERT_TRUE(without);
  EXPECT_EQ(ResourceOf(*without, "CareTeam"), nullptr);
  EXPECT_EQ(ResourceOf(*without, "Patient")->Find("meta")->Find("security"), nullptr);
  auto back = mapper_->FromFhir(*without, issues);
  ASSERT_TRUE(back);
  EXPECT_TRUE(json::Value::EqualUnordered(*back, record)) << back->ToString(true);
}

TEST_F(MapperFeaturesTest, OrganisationRefsAreContainedSiltaOrganizations) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle);
  const json::Value* team = ResourceOf(*bundle, "CareTeam");
  ASSERT_NE(team, nullptr);
  std::string text = team->ToString();
  EXPECT_THAT(text, HasSubstr(R"("resourceType":"CareTeam","id":)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"("contained":[{"resourceType":"Organization","id":"org1","meta":{"profile":["https://silta.example.fi/fhir/StructureDefinition/silta-organization"]},)"
          R"("identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:oid:1.2.246.10.32004516.10"},)"
          R"({"system":"https://silta.example.fi/fhir/sid/y-tunnus","value":"3200451-6"}],"name":"HVA"}])"));
  EXPECT_THAT(text, HasSubstr(R"("onBehalfOf":{"reference":"#org1","display":"HVA"})"));

  // "client" pays: a reference to the Patient. The same organisation twice is contained once;
  // a different one (here: with a name) gets its own.
  const json::Value* voucher = ResourceOf(*bundle, "Coverage", 0);
  std::string patient_url = bundle->Find("entry")->items()[0].Find("fullUrl")->text();
  EXPECT_EQ(voucher->Find("payor")->ToString(), R"([{"reference":")" + patient_url + R"("}])");
  EXPECT_EQ(voucher->Find("contained")->items().size(), 2u);
  EXPECT_THAT(voucher->ToString(),
              HasSubstr(R"("valueReference":{"reference":"#org2","display":"Helmi"})"));
}

TEST_F(MapperFeaturesTest, RejectsAnOrganisationRefThatResolvesNowhere) {
  IssueCollector issues;
  auto bundle = mapper_->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle);
  json::Value broken = *bundle;
  for (auto& entry : broken.Find("entry")->items()) {
    if (entry.Find("resource")->Find("resourceType")->text() == "CareTeam") {
      entry.Find("resource")->Remove("contained");
    }
  }
  IssueCollector back_issues;
  EXPECT_FALSE(mapper_->FromFhir(broken, back_issues));
  ASSERT_FALSE(back_issues.issues().empty());
  EXPECT_EQ(back_issues.issues()[0].message_id, "MAP_VALUE");
}

TEST(MapperLoadTest, RejectsOnlyIfOnAPartModuleAndABadProfileBy) {
  auto dir = std::filesystem::temp_directory_path() / "silta-mapping-bad-features";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "client");
  std::ofstream(dir / "client" / "mapping.json") << R"({
    "module": "client", "resource": "Patient", "profile": "x", "governance": "county",
    "source": "$", "profileBy": {"record": "kind"}, "rules": []})";
  std::filesystem::create_directories(dir / "parts");
  std::ofstream(dir / "parts" / "mapping.json") << R"({
    "module": "parts", "resource": "Basic", "profile": "x", "governance": "county",
    "source": "parts[]", "onlyIf": "parts[]", "rules": [{"when": "", "fhir": "id", "const": "x"}]})";
  auto mapper = Mapper::Load(dir, testing::R4Model());
  ASSERT_FALSE(mapper.ok());
  const std::string& m = mapper.status().message();
  EXPECT_THAT(m, HasSubstr("profileBy"));
  EXPECT_THAT(m, HasSubstr("only a module whose source is the record root"));
  EXPECT_THAT(m, HasSubstr("\"when\" must be a record path"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace silta::mapping
