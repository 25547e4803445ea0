// The information-custodian Provenance of every pushed transaction, against a scripted transport:
// the register keeper and register it names, what it targets, and that repeating a transaction
// or pushing an unchanged record never makes a second one. The expected codes are those of the
// FI Base 2.0.0-rc2 profiles fi-base-information-custodian-public/-private and of its
// fi-base-register-identifier ValueSet, written out here by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "example_records.h"
#include "fhirclient/fhirclient.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"
#include "support/memory_journal.h"
#include "support/r4.h"
#include "sync/engine.h"

namespace silta::sync {
namespace {

using fhirclient::FakeTransport;
using fhirclient::HttpRequest;
using fhirclient::HttpResponse;
using fhirclient::HttpResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kBase[] = "https://county.example.fi/fhir";
constexpr char kPublicProfile[] =
    "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/"
    "fi-base-information-custodian-public";
constexpr char kPrivateProfile[] =
    "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/"
    "fi-base-information-custodian-private";
constexpr char kSocialWelfareRegister[] = "urn:oid:1.2.246.537.6.1264";
constexpr char kPatientRegister[] = "urn:oid:1.2.246.537.5.40150";

std::string Text(const json::Value* v) { return v != nullptr && v->is_scalar() ? v->text() : ""; }

// A server that accepts every transaction: each entry answered 201 with a fresh id, version 1.
HttpResult Accept(const HttpRequest& request, int* next_id) {
  json::Value bundle = *json::Value::Parse(request.body, "request");
  json::Value answer = json::Value::Object();
  answer["resourceType"] = json::Value::String("Bundle");
  answer["type"] = json::Value::String("transaction-response");
  for (const auto& entry : bundle.Find("entry")->items()) {
    std::string type = Text(entry.Find("resource")->Find("resourceType"));
    json::Value response = json::Value::Object();
    response["status"] = json::Value::String("201 Created");
    response["location"] =
        json::Value::String(type + "/id" + std::to_string((*next_id)++) + "/_history/1");
    response["etag"] = json::Value::String("W/\"1\"");
    answer["entry"].Append(json::Value::Object())["response"] = std::move(response);
  }
  HttpResponse r;
  r.status = 200;
  r.body = answer.ToString();
  return HttpResult::Of(r);
}

class CustodianTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
    for (const auto& [name, record] : testing::ExampleRecords()) records_[name] = record;
  }

  void UsePolicy(const std::string& custodian, const std::string& target_extra = "") {
    auto policy = RoutingPolicy::FromJson(
        *json::Value::Parse(R"({"targets": [{"name": "county", "levels": ["county",
            "shared-definition", "joint-county", "national"])" +
                                target_extra + "}]" +
                                (custodian.empty() ? "" : ", \"custodian\": " + custodian) + "}",
                            "policy"),
        "policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = std::move(*policy);
    fhirclient::FhirClientOptions options;
    options.base_url = kBase;
    options.retry.max_attempts = 2;
    options.retry.jitter_seed = 7;
    client_ = std::make_unique<fhirclient::FhirClient>(options, transport_, nullptr, clock_);
    engine_ = std::make_unique<SyncEngine>(
        *mapper_, policy_,
        std::map<std::string, fhirclient::FhirClient*>{{"county", client_.get()}}, journal_,
        nullptr);
  }

  SyncSummary Push(const std::string& record) {
    SyncSummary summary;
    EXPECT_TRUE(records_.count(record)) << record;
    EXPECT_TRUE(engine_->Push(records_[record], record, summary).ok());
    return summary;
  }

  // The transactions sent so far, parsed.
  std::vector<json::Value> Transactions() const {
    std::vector<json::Value> out;
    for (const auto& r : transport_.requests()) {
      if (r.method == "POST" && r.url == kBase) out.push_back(*json::Value::Parse(r.body, "sent"));
    }
    return out;
  }

  static std::vector<const json::Value*> Provenances(const json::Value& transaction) {
    std::vector<const json::Value*> out;
    for (const auto& entry : transaction.Find("entry")->items()) {
      if (Text(entry.Find("resource")->Find("resourceType")) == "Provenance") out.push_back(&entry);
    }
    return out;
  }

  static std::set<std::string> Targets(const json::Value& provenance) {
    std::set<std::string> out;
    for (const auto& t : provenance.Find("target")->items()) out.insert(Text(t.Find("reference")));
    return out;
  }

  std::shared_ptr<const mapping::Mapper> mapper_;
  std::map<std::string, json::Value> records_;
  RoutingPolicy policy_;
  FakeTransport transport_;
  fhirclient::FakeClock clock_;
  std::unique_ptr<fhirclient::FhirClient> client_;
  MemoryJournal journal_;
  std::unique_ptr<SyncEngine> engine_;
  int next_id_ = 1;
};

TEST_F(CustodianTest, EveryTransactionCarriesOneProvenanceOfTheCountyAndItsRegister) {
  UsePolicy(R"({"oid": "1.2.246.10.32213182.19.0", "name": "Pirkanmaan hyvinvointialue"})");
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  SyncSummary summary = Push("home-care-voucher.json#0");
  for (const auto& m : summary.messages) ADD_FAILURE() << m;
  std::vector<json::Value> sent = Transactions();
  ASSERT_THAT(sent, SizeIs(1));
  auto provenances = Provenances(sent[0]);
  ASSERT_THAT(provenances, SizeIs(1));
  const json::Value& entry = *provenances[0];
  const json::Value& provenance = *entry.Find("resource");

  // Idempotent: a conditional update by its key tag, never a plain create.
  EXPECT_EQ(Text(entry.Find("request")->Find("method")), "PUT");
  EXPECT_THAT(Text(entry.Find("request")->Find("url")),
              HasSubstr("Provenance?_tag=https%3A%2F%2Fsilta.example.fi%2Ffhir%2FCodeSystem%2F"
                        "custodian-provenance%7C"));
  EXPECT_THAT(Text(entry.Find("request")->Find("url")), HasSubstr("%2Fsocial-welfare"));
  EXPECT_EQ(Text(&provenance.Find("meta")->Find("profile")->items()[0]), kPublicProfile);

  // The keeper: the county, a public organisation, by its id in the register keeper register.
  ASSERT_THAT(provenance.Find("agent")->items(), SizeIs(1));
  const json::Value& agent = provenance.Find("agent")->items()[0];
  const json::Value& type = agent.Find("type")->Find("coding")->items()[0];
  EXPECT_EQ(Text(type.Find("system")),
            "http://terminology.hl7.org/CodeSystem/v3-ParticipationType");
  EXPECT_EQ(Text(type.Find("code")), "CST");
  const json::Value& role = agent.Find("role")->items()[0].Find("coding")->items()[0];
  EXPECT_EQ(Text(role.Find("system")), "urn:oid:1.2.246.537.5.40172");
  EXPECT_EQ(Text(role.Find("code")), "1");
  const json::Value& who = *agent.Find("who");
  EXPECT_EQ(Text(who.Find("identifier")->Find("system")), "urn:oid:1.2.246.537.6.40174");
  EXPECT_EQ(Text(who.Find("identifier")->Find("value")), "urn:oid:1.2.246.10.32213182.19.0");
  EXPECT_EQ(Text(who.Find("identifier")->Find("type")->Find("coding")->items()[0].Find("code")),
            "PRN");
  EXPECT_EQ(Text(who.Find("display")), "Pirkanmaan hyvinvointialue");

  // The register: a service voucher and home care are social welfare client data.
  ASSERT_THAT(provenance.Find("entity")->items(), SizeIs(1));
  const json::Value& register_entity = provenance.Find("entity")->items()[0];
  EXPECT_EQ(Text(register_entity.Find("role")), "source");
  EXPECT_EQ(Text(register_entity.Find("what")->Find("identifier")->Find("system")),
            kSocialWelfareRegister);
  EXPECT_EQ(Text(provenance.Find("recorded")),
            Text(records_["home-care-voucher.json#0"].Find("updatedAt")));

  // It targets exactly the other resources of the transaction.
  std::set<std::string> others;
  for (const auto& e : sent[0].Find("entry")->items()) {
    if (&e != &entry) others.insert(Text(e.Find("fullUrl")));
  }
  EXPECT_EQ(Targets(provenance), others);
  EXPECT_GE(others.size(), 2u);
  EXPECT_EQ(summary.targets["county"].provenances, 1);
  EXPECT_EQ(summary.targets["county"].sent, static_cast<int>(others.size()));

  // Nothing changed: no transaction, so no Provenance either.
  Push("home-care-voucher.json#0");
  EXPECT_THAT(Transactions(), SizeIs(1));
}

TEST_F(CustodianTest, ARepeatedTransactionRewritesTheSameProvenance) {
  UsePolicy(R"({"oid": "1.2.246.10.32213182.19.0", "name": "Pirkanmaan hyvinvointialue"})");
  // The first push fails for good (the server's answer never comes): nothing is journalled.
  transport_.SetHandler([](const HttpRequest&) {
    return HttpResult::Failure(fhirclient::TransportErrorKind::kDropped, "connection dropped");
  });
  SyncSummary failed = Push("home-care-voucher.json#0");
  EXPECT_GT(failed.targets["county"].errors, 0);
  std::vector<json::Value> lost = Transactions();
  ASSERT_GE(lost.size(), 2u) << "the client repeats a transaction whose answer was lost";

  // The rerun sends the same Provenance by the same key: a server that committed the lost
  // transaction updates it instead of adding a second one.
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  Push("home-care-voucher.json#0");
  std::vector<json::Value> all = Transactions();
  ASSERT_EQ(all.size(), lost.size() + 1);
  std::set<std::string> urls;
  std::set<std::string> bodies;
  for (const auto& transaction : all) {
    auto provenances = Provenances(transaction);
    ASSERT_THAT(provenances, SizeIs(1));
    urls.insert(Text(provenances[0]->Find("request")->Find("url")));
    bodies.insert(provenances[0]->Find("resource")->ToString());
  }
  EXPECT_THAT(urls, SizeIs(1));
  EXPECT_THAT(bodies, SizeIs(1));

  // A later change updates the journalled Provenance by its server id, with If-Match.
  json::Value edited = testing::EditedRecord(records_["home-care-voucher.json#0"]);
  edited["updatedAt"] = json::Value::String("2026-12-01T10:00:00+02:00");
  SyncSummary later;
  ASSERT_TRUE(engine_->Push(edited, "edited", later).ok());
  all = Transactions();
  auto provenances = Provenances(all.back());
  ASSERT_THAT(provenances, SizeIs(1));
  EXPECT_THAT(Text(provenances[0]->Find("request")->Find("url")),
              ::testing::StartsWith("Provenance/id"));
  EXPECT_EQ(Text(provenances[0]->Find("request")->Find("ifMatch")), "W/\"1\"");
  EXPECT_EQ(Text(provenances[0]->Find("resource")->Find("recorded")), "2026-12-01T10:00:00+02:00");
}

TEST_F(CustodianTest, HealthCareItemsGoUnderThePatientRegister) {
  UsePolicy(R"({"oid": "1.2.246.10.32213182.19.0", "name": "Pirkanmaan hyvinvointialue",
                "registerCodes": {"health-care": "1"}})");
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  Push("occupational-health-and-insurance.json#0");
  std::vector<json::Value> sent = Transactions();
  ASSERT_THAT(sent, SizeIs(1));
  std::map<std::string, std::set<std::string>> by_register;  // register system → resource types
  std::map<std::string, std::string> type_of;                // fullUrl → type
  for (const auto& e : sent[0].Find("entry")->items()) {
    type_of[Text(e.Find("fullUrl"))] = Text(e.Find("resource")->Find("resourceType"));
  }
  for (const json::Value* entry : Provenances(sent[0])) {
    const json::Value& provenance = *entry->Find("resource");
    const json::Value& what = *provenance.Find("entity")->items()[0].Find("what");
    std::string system = Text(what.Find("identifier")->Find("system"));
    if (system == kPatientRegister) {
      EXPECT_EQ(Text(what.Find("identifier")->Find("value")), "1");
    }
    for (const auto& target : Targets(provenance)) by_register[system].insert(type_of[target]);
  }
  // The occupational-health Coverage [10] is patient register data; the private insurance [9],
  // the closed customership [19] and the client's Patient (contact details [1], occupation [6])
  // are not.
  ASSERT_THAT(by_register, SizeIs(2));
  EXPECT_EQ(by_register[kPatientRegister], std::set<std::string>{"Coverage"});
  EXPECT_EQ(by_register[kSocialWelfareRegister],
            (std::set<std::string>{"Coverage", "EpisodeOfCare", "Patient"}));
}

TEST_F(CustodianTest, APrivateKeeperUsesTheSoteOrganisationRegister) {
  UsePolicy(R"({"oid": "1.2.246.10.26061557.10.0", "name": "Yksityinen Oy", "kind": "private",
                "register": "health-care"})");
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  Push("home-care-voucher.json#0");
  std::vector<json::Value> sent = Transactions();
  ASSERT_THAT(sent, SizeIs(1));
  auto provenances = Provenances(sent[0]);
  ASSERT_THAT(provenances, SizeIs(1));
  const json::Value& provenance = *provenances[0]->Find("resource");
  EXPECT_EQ(Text(&provenance.Find("meta")->Find("profile")->items()[0]), kPrivateProfile);
  const json::Value& agent = provenance.Find("agent")->items()[0];
  EXPECT_EQ(Text(agent.Find("role")->items()[0].Find("coding")->items()[0].Find("code")), "2");
  EXPECT_EQ(Text(agent.Find("who")->Find("identifier")->Find("system")),
            "urn:oid:1.2.246.537.6.202");
  EXPECT_EQ(
      Text(provenance.Find("entity")->items()[0].Find("what")->Find("identifier")->Find("system")),
      kPatientRegister);
}

TEST_F(CustodianTest, APolicyWithoutCustodianLoadsAndSendsNoProvenance) {
  UsePolicy("");
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  Push("home-care-voucher.json#0");
  std::vector<json::Value> sent = Transactions();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_THAT(Provenances(sent[0]), SizeIs(0));
}

// A citizen's own record (the PHR target) has no county as its register keeper.
TEST_F(CustodianTest, ATargetThatTakesNoCustodianProvenanceGetsNone) {
  UsePolicy(R"({"oid": "1.2.246.10.32213182.19.0", "name": "Pirkanmaan hyvinvointialue"})",
            R"(, "custodianProvenance": false)");
  transport_.SetHandler([this](const HttpRequest& r) { return Accept(r, &next_id_); });
  Push("home-care-voucher.json#0");
  std::vector<json::Value> sent = Transactions();
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_THAT(Provenances(sent[0]), SizeIs(0));
  auto wrong = RoutingPolicy::FromJson(
      *json::Value::Parse(
          R"({"targets": [{"name": "a", "levels": ["county"], "custodianProvenance": "no"}]})",
          "policy"),
      "policy");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("custodianProvenance must be true"));
}

TEST(CustodianPolicyTest, ProblemsAreReportedWithTheirPlace) {
  auto load = [](const std::string& json) {
    return RoutingPolicy::FromJson(*json::Value::Parse(json, "policy"), "policy");
  };
  auto bad = load(R"({"targets": [{"name": "a", "levels": ["county"]}],
      "custodian": {"oid": "1.2..3", "kind": "public-ish", "register": "dental",
                    "registers": {"31": "health-care"}, "colour": 1}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("custodian.oid"));
  EXPECT_THAT(bad.status().message(), HasSubstr("custodian.kind"));
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown register \"dental\""));
  EXPECT_THAT(bad.status().message(), HasSubstr("no AKUSTI item \"31\""));
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown member \"colour\""));
  EXPECT_THAT(bad.status().message(), HasSubstr("\"name\" is required"));

  // A target that requires a Provenance profile needs a custodian to send one.
  auto needs = load(R"({"targets": [{"name": "a", "levels": ["county"],
      "profiles": {"Provenance": ["https://example.fi/StructureDefinition/p"]}}]})");
  ASSERT_FALSE(needs.ok());
  EXPECT_THAT(needs.status().message(), HasSubstr("targets[0].profiles.Provenance"));

  // The register of each item: the table's health care items, the default, the overrides.
  auto policy = load(R"({"targets": [{"name": "a", "levels": ["county"]}],
      "custodian": {"oid": "1.2.246.10.1", "name": "n", "registers": {"13": "health-care",
                    "26": "social-welfare"}}})");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  std::vector<int> health_care;
  for (int item = 1; item <= 29; ++item) {
    if (policy->RegisterOf(item) == Register::kHealthCare) health_care.push_back(item);
  }
  EXPECT_THAT(health_care, ElementsAre(10, 13, 25));
}

}  // namespace
}  // namespace silta::sync
