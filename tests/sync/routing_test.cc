#include "sync/routing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync/projection.h"

namespace silta::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

json::Value Json(std::string_view text) { return *json::Value::Parse(text, "test"); }

TEST(RoutingTest, ItemTableFollowsTheAkustiDataSet) {
  ASSERT_EQ(AkustiItems().size(), 29u);
  RoutingPolicy policy =
      *RoutingPolicy::FromJson(Json(R"({"targets":[{"name":"a","levels":["county"]}]})"), "t");
  EXPECT_EQ(policy.LevelOf(3), Level::kJointCounty);
  EXPECT_EQ(policy.LevelOf(4), Level::kNational);
  EXPECT_EQ(policy.LevelOf(23), Level::kSharedDefinition);
  EXPECT_EQ(policy.LevelOf(25), Level::kCounty);
  EXPECT_EQ(policy.LevelOf(29), Level::kCounty);  // left open by the workshop: the default
}

TEST(RoutingTest, RoutesByLevelItemsAndOverrides) {
  auto policy = RoutingPolicy::FromJson(Json(R"({
    "targets": [
      {"name": "county", "levels": ["county", "shared-definition", "joint-county"]},
      {"name": "joint", "levels": ["joint-county"]},
      {"name": "phr", "levels": ["national"], "items": [11], "withhold": ["hetu"]}
    ],
    "levels": {"17": "county"}
  })"),
                                        "policy.json");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  auto names = [&](int item) {
    std::vector<std::string> out;
    for (const Target& t : policy->targets()) {
      if (Governs(*policy, t, item)) out.push_back(t.name);
    }
    return out;
  };
  EXPECT_EQ(names(3), (std::vector<std::string>{"county", "joint"}));
  EXPECT_EQ(names(17), (std::vector<std::string>{"county"}));  // overridden to county
  EXPECT_EQ(names(11), (std::vector<std::string>{"phr"}));
  EXPECT_TRUE(names(12).empty());  // national, but phr takes only item 11
}

TEST(RoutingTest, WithholdsHetuEverywhere) {
  auto policy = RoutingPolicy::FromJson(
      Json(R"({"targets":[{"name":"phr","levels":["national"],"withhold":["hetu","name"]}]})"),
      "t");
  ASSERT_TRUE(policy.ok());
  json::Value patient = Json(R"({"resourceType":"Patient",
    "identifier":[{"system":"urn:oid:1.2.246.21","value":"010190-999W"},{"system":"x","value":"1"}],
    "name":[{"family":"V"}],
    "contact":[{"name":{"family":"W"}}],
    "generalPractitioner":[{"identifier":{"system":"urn:oid:1.2.246.21","value":"020202-999X"}}]})");
  RoutingPolicy::Withhold(policy->targets()[0], patient);
  std::string text = patient.ToString();
  EXPECT_EQ(text.find("1.2.246.21"), std::string::npos) << text;
  EXPECT_EQ(text.find("family"), std::string::npos) << text;
  EXPECT_THAT(text, HasSubstr(R"({"system":"x","value":"1"})"));
}

TEST(RoutingTest, WithholdsIdentifiersBySystem) {
  auto policy = RoutingPolicy::FromJson(Json(R"({"targets":[{"name":"t","levels":["county"],
      "withhold":["national-identifiers","system:https://example.fi/sid/local"]}]})"),
                                        "t");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  json::Value practitioner = Json(R"({"resourceType":"Practitioner","identifier":[
    {"system":"urn:oid:1.2.246.537.26","value":"10101010"},
    {"system":"urn:oid:1.2.246.21","value":"010190-999W"},
    {"system":"https://example.fi/sid/local","value":"L1"},
    {"system":"https://example.fi/sid/other","value":"O1"}]})");
  RoutingPolicy::Withhold(policy->targets()[0], practitioner);
  EXPECT_EQ(practitioner.ToString(), R"({"resourceType":"Practitioner","identifier":[)"
                                     R"({"system":"https://example.fi/sid/other","value":"O1"}]})");
}

TEST(RoutingTest, AWithheldItemIsNotGovernedAndBadEntriesAreNamed) {
  auto policy = RoutingPolicy::FromJson(
      Json(R"({"targets":[{"name":"c","levels":["county"],"withhold":["item:25"]}]})"), "t");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  EXPECT_FALSE(Governs(*policy, policy->targets()[0], 25));  // county level, withheld
  EXPECT_TRUE(Governs(*policy, policy->targets()[0], 10));   // county level
  auto bad = RoutingPolicy::FromJson(Json(R"({"targets":[{"name":"c","levels":["county"],
      "withhold":["item:31","system:",
                  "system:https://silta.example.fi/fhir/sid/client-record-part"]}]})"),
                                     "t");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.status().message();
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"31\""));
  EXPECT_THAT(m, HasSubstr("needs an identifier system URI"));
  EXPECT_THAT(m, HasSubstr("part identifier cannot be withheld"));
}

TEST(RoutingTest, ListsEveryProblemOfAPolicy) {
  auto policy = RoutingPolicy::FromJson(Json(R"({
    "targets": [{"name": "a", "levels": ["regional"], "withhold": ["shoe size"], "x": 1},
                {"levels": []}],
    "levels": {"31": "county"}})"),
                                        "policy.json");
  ASSERT_FALSE(policy.ok());
  const std::string& m = policy.status().message();
  EXPECT_THAT(m, HasSubstr("unknown level \"regional\""));
  EXPECT_THAT(m, HasSubstr("cannot withhold \"shoe size\""));
  EXPECT_THAT(m, HasSubstr("unknown member \"x\""));
  EXPECT_THAT(m, HasSubstr("targets[1]: a target needs a name"));
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"31\""));
}

// Item numbers were read with atoi: "5abc" became item 5 and garbage became 0 without a word.
TEST(RoutingTest, ItemNumbersAreWholeNumbersOfTheDataSet) {
  auto policy = RoutingPolicy::FromJson(Json(R"({
    "targets": [{"name": "a", "levels": ["county"], "items": ["7", "x", "99999999999999999999"]}],
    "levels": {"5abc": "county", "": "county", "-3": "national", "10": "national"}})"),
                                        "policy.json");
  ASSERT_FALSE(policy.ok());
  const std::string& m = policy.status().message();
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"5abc\""));
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"\""));
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"-3\""));
  EXPECT_THAT(m, HasSubstr("targets[0].items: no AKUSTI item \"x\""));
  EXPECT_THAT(m, HasSubstr("no AKUSTI item \"99999999999999999999\""));
  EXPECT_THAT(m, Not(HasSubstr("\"10\"")));
  EXPECT_THAT(m, Not(HasSubstr("\"7\"")));
}

}  // namespace
}  // namespace silta::sync
