// The projection of mapped resources per target: which elements of the client's Patient each
// level receives, non-disclosure, contained resources that follow what refers to them, and
// elements no rule accounts for.
#include "sync/projection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/files.h"
#include "mapping/mapping.h"
#include "records/records.h"
#include "support/r4.h"

namespace silta::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPartSystem = "https://silta.example.fi/fhir/sid/client-record-part";

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
    auto policy = RoutingPolicy::FromJson(*json::Value::Parse(R"({"targets": [
        {"name": "county", "levels": ["county"]},
        {"name": "shared", "levels": ["shared-definition"]},
        {"name": "national", "levels": ["national"]},
        {"name": "register", "levels": ["national"], "nonDisclosed": "receive"},
        {"name": "national-minimal", "levels": ["national"],
         "withhold": ["item:6", "national-identifiers"]}]})",
                                                              "policy"),
                                          "policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = std::move(*policy);
  }

  // The resource of `type` mapped from an example record (the first one).
  json::Value Mapped(const std::string& example, std::string_view type) {
    IssueCollector issues;
    auto record = records::Read(*ReadFile(SILTA_SOURCE_DIR "/examples/records/" + example),
                                records::Format::kJson, issues);
    EXPECT_TRUE(record.has_value()) << example;
    auto bundle = mapper_->ToFhir(*record, issues);
    EXPECT_TRUE(bundle.has_value()) << example;
    for (const auto& entry : bundle->Find("entry")->items()) {
      const json::Value& r = *entry.Find("resource");
      if (r.Find("resourceType")->text() == type) return r;
    }
    ADD_FAILURE() << "no " << type << " in " << example;
    return json::Value::Object();
  }

  Projection For(const json::Value& resource, const std::string& target,
                 const std::string& module = "client") {
    const mapping::Module* m = nullptr;
    for (const auto& candidate : mapper_->modules()) {
      if (candidate->name == module) m = candidate.get();
    }
    return Project(*m, resource, policy_, *policy_.FindTarget(target), kPartSystem);
  }

  std::shared_ptr<const mapping::Mapper> mapper_;
  RoutingPolicy policy_;
};

TEST_F(ProjectionTest, EachLevelGetsTheElementsOfItsItemsAndTheIdentityCore) {
  json::Value patient = Mapped("aino-virtanen.json", "Patient");
  Projection national = For(patient, "national");
  ASSERT_TRUE(national.resource.has_value());
  EXPECT_THAT(national.items, ElementsAre(1, 2, 5, 6, 20));
  std::string text = national.resource->ToString();
  EXPECT_THAT(text, HasSubstr("\"telecom\""));
  EXPECT_THAT(text, HasSubstr("/occupation\""));
  EXPECT_THAT(text, HasSubstr("/patient-profession\""));  // FI Base's extension, item 6 too
  EXPECT_THAT(text, Not(HasSubstr("/service-use-level\"")));
  // The identity core: the business identifiers, name, organising county.
  EXPECT_THAT(text, HasSubstr(kPartSystem));
  EXPECT_THAT(text, HasSubstr("urn:oid:1.2.246.21"));
  EXPECT_THAT(text, HasSubstr("\"name\""));
  EXPECT_THAT(text, HasSubstr("/organising-county\""));

  Projection shared = For(patient, "shared");
  ASSERT_TRUE(shared.resource.has_value());
  EXPECT_THAT(shared.items, ElementsAre(14));
  text = shared.resource->ToString();
  EXPECT_THAT(text, HasSubstr("/service-use-level\""));
  EXPECT_THAT(text, Not(HasSubstr("/patient-profession\"")));
  EXPECT_THAT(text, Not(HasSubstr("\"telecom\"")));
  EXPECT_THAT(text, Not(HasSubstr("\"address\"")));
  EXPECT_THAT(text, Not(HasSubstr("/payment-contact\"")));

  // Nothing of the Patient is governed by the county level: the identity core alone is not sent.
  EXPECT_FALSE(For(patient, "county").resource.has_value());
}

TEST_F(ProjectionTest, ContainedResourcesFollowWhatRefersToThem) {
  json::Value patient = Mapped("aino-virtanen.json", "Patient");
  ASSERT_NE(patient.Find("contained"), nullptr) << "the producer choice names an organisation";
  Projection national = For(patient, "national");
  ASSERT_TRUE(national.resource.has_value());
  EXPECT_NE(national.resource->Find("contained"), nullptr);
  Projection shared = For(patient, "shared");
  ASSERT_TRUE(shared.resource.has_value());
  EXPECT_EQ(shared.resource->Find("contained"), nullptr);
}

TEST_F(ProjectionTest, NonDisclosureHidesWhereTheClientLivesUnlessTheTargetMayReceiveIt) {
  json::Value patient = Mapped("non-disclosure.json", "Patient");
  ASSERT_THAT(patient.ToString(), HasSubstr("TURVAKIELTO"));
  // Its only item is a phone number: hidden, nothing is left for the national target.
  EXPECT_FALSE(For(patient, "national").resource.has_value());
  Projection allowed = For(patient, "register");
  ASSERT_TRUE(allowed.resource.has_value());
  EXPECT_THAT(allowed.resource->ToString(), HasSubstr("\"telecom\""));
  EXPECT_THAT(allowed.resource->ToString(), HasSubstr("TURVAKIELTO"));

  // With an item left besides (occupation), the Patient goes, labelled, without its contacts
  // and home municipality.
  json::Value labelled = Mapped("occupational-health-and-insurance.json", "Patient");
  json::Value security = json::Value::Object();
  security["system"] = json::Value::String(std::string(kSecurityLabelSystem));
  security["code"] = json::Value::String(std::string(kNonDisclosureCode));
  labelled["meta"]["security"].Append(std::move(security));
  Projection national = For(labelled, "national");
  ASSERT_TRUE(national.resource.has_value());
  std::string text = national.resource->ToString();
  EXPECT_THAT(national.items, ElementsAre(6));
  EXPECT_THAT(text, HasSubstr("TURVAKIELTO"));
  EXPECT_THAT(text, Not(HasSubstr("\"telecom\"")));
  EXPECT_THAT(text, Not(HasSubstr("municipality-code")));
}

TEST_F(ProjectionTest, WholeResourceItemsFollowTheirValue) {
  json::Value coverage = Mapped("occupational-health-and-insurance.json", "Coverage");
  std::string kind = coverage.ToString();
  Projection county = For(coverage, "county", "coverages");
  Projection national = For(coverage, "national", "coverages");
  // The first Coverage of that record is occupational health (county) or private insurance
  // (national): exactly one of the two receives it, whole.
  ASSERT_NE(county.resource.has_value(), national.resource.has_value()) << kind;
  const Projection& sent = county.resource ? county : national;
  EXPECT_EQ(sent.resource->ToString(), coverage.ToString());
  EXPECT_THAT(sent.items, ElementsAre(county.resource ? 10 : 9));
}

TEST_F(ProjectionTest, AnElementNoRuleAccountsForIsNeverSent) {
  json::Value patient = Mapped("aino-virtanen.json", "Patient");
  patient["maritalStatus"]["text"] = json::Value::String("x");
  Projection national = For(patient, "national");
  ASSERT_TRUE(national.resource.has_value());
  EXPECT_EQ(national.resource->Find("maritalStatus"), nullptr);
  EXPECT_THAT(national.unaccounted, ElementsAre("Patient.maritalStatus"));
}

// A target may be denied an item its level governs, and every national identifier. Expected by
// hand: national governs Aino's items 1, 2, 5, 6 and 20 (the test above); without item 6 her
// occupation (FI Base patient-profession) is not sent, and the HETU leaves with it while the
// client-record part identifier, by which the engine finds what it sent, stays.
TEST_F(ProjectionTest, AWithheldItemAndTheNationalIdentifiersAreNotSent) {
  json::Value patient = Mapped("aino-virtanen.json", "Patient");
  Projection minimal = For(patient, "national-minimal");
  ASSERT_TRUE(minimal.resource.has_value());
  EXPECT_THAT(minimal.items, ElementsAre(1, 2, 5, 20));
  RoutingPolicy::Withhold(*policy_.FindTarget("national-minimal"), *minimal.resource);
  std::string text = minimal.resource->ToString();
  EXPECT_THAT(text, Not(HasSubstr("patient-profession")));
  EXPECT_THAT(text, Not(HasSubstr("urn:oid:1.2.246.21\"")));
  EXPECT_THAT(text, HasSubstr(kPartSystem));
  std::string full = For(patient, "national").resource->ToString();
  EXPECT_THAT(full, HasSubstr("patient-profession"));
  EXPECT_THAT(full, HasSubstr("urn:oid:1.2.246.21\""));
}

}  // namespace
}  // namespace silta::sync
