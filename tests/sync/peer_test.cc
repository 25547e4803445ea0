// Integration tests of the sync engine against a real FHIR server (the FHIR peer): two targets
// with different routing, idempotent re-push, minimal updates, pull after a remote edit, and a
// reported conflict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "example_records.h"
#include "fhir_peer.h"
#include "routed_counts.h"
#include "support/memory_journal.h"
#include "support/r4.h"
#include "sync/engine.h"

namespace silta::sync {
namespace {

namespace fs = std::filesystem;

using testing::ExampleRecords;

class PeerSyncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::FhirPeer::InstalledDir().empty()) return;
    for (auto* peer : {&county_peer_, &national_peer_}) {
      *peer = new testing::FhirPeer();
      std::string error;
      if (!(*peer)->Start(&error)) start_error_ = error;
    }
  }
  static void TearDownTestSuite() {
    delete county_peer_;
    delete national_peer_;
    county_peer_ = national_peer_ = nullptr;
  }

  void SetUp() override {
    if (testing::FhirPeer::InstalledDir().empty()) {
      GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
    }
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
    auto policy = RoutingPolicy::FromJson(*json::Value::Parse(R"({"targets": [
        {"name": "county", "levels": ["county", "shared-definition", "joint-county", "national"]},
        {"name": "national", "levels": ["national"], "withhold": ["hetu"]}]})",
                                                              "policy"),
                                          "policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = std::move(*policy);
    for (auto [name, peer] : {std::pair{"county", county_peer_}, {"national", national_peer_}}) {
      fhirclient::FhirClientOptions options;
      options.base_url = peer->base_url();
      clients_[name] = std::make_unique<fhirclient::FhirClient>(options, transport_);
      ASSERT_TRUE(clients_[name]->Connect().ok());
    }
  }

  std::unique_ptr<SyncEngine> Engine() {
    return std::make_unique<SyncEngine>(
        *mapper_, policy_,
        std::map<std::string, fhirclient::FhirClient*>{{"county", clients_["county"].get()},
                                                       {"national", clients_["national"].get()}},
        journal_, nullptr);
  }

  // Resources made from client records on a target, per type (routed_counts.h).
  std::map<std::string, int> ServerCounts(const std::string& target) {
    return testing::ServerCounts(*mapper_, *clients_[target]);
  }

  // What the projection gives each target (routed_counts.h).
  std::map<std::string, int> ExpectedCounts(
      const std::string& target, const std::vector<std::pair<std::string, json::Value>>& records) {
    return testing::RoutedCounts(*mapper_, policy_, target, records);
  }

  static testing::FhirPeer* county_peer_;
  static testing::FhirPeer* national_peer_;
  static std::string start_error_;
  std::shared_ptr<const mapping::Mapper> mapper_;
  RoutingPolicy policy_;
  fhirclient::CurlTransport transport_;
  std::map<std::string, std::unique_ptr<fhirclient::FhirClient>> clients_;
  MemoryJournal journal_;
};

testing::FhirPeer* PeerSyncTest::county_peer_ = nullptr;
testing::FhirPeer* PeerSyncTest::national_peer_ = nullptr;
std::string PeerSyncTest::start_error_;

TEST_F(PeerSyncTest, PushRoutesOnceUpdatesMinimallyPullsEditsAndReportsConflicts) {
  auto records = ExampleRecords();
  ASSERT_GE(records.size(), 12u);
  auto engine = Engine();

  // 1. Everything goes where the routing says, and nothing else.
  SyncSummary first;
  for (const auto& [name, record] : records) ASSERT_TRUE(engine->Push(record, name, first).ok());
  for (const auto& m : first.messages) ADD_FAILURE() << m;
  EXPECT_EQ(first.rejected, 0);
  EXPECT_EQ(ServerCounts("county"), ExpectedCounts("county", records));
  EXPECT_EQ(ServerCounts("national"), ExpectedCounts("national", records));
  EXPECT_GT(first.targets["national"].sent, 0);
  // The national target never receives a HETU.
  auto hetu =
      clients_["national"]
          ->Search("Patient", {{"identifier", "urn:oid:1.2.246.21|"}, {"_summary", "count"}})
          .NextPage();
  ASSERT_TRUE(hetu.ok());
  EXPECT_THAT((*hetu)->body, ::testing::HasSubstr("\"total\":0"));

  // 2. A second push sends nothing.
  SyncSummary second;
  for (const auto& [name, record] : records) ASSERT_TRUE(engine->Push(record, name, second).ok());
  EXPECT_EQ(second.total(&TargetCounts::sent), 0);
  EXPECT_GT(second.total(&TargetCounts::unchanged), 0);
  EXPECT_EQ(second.total(&TargetCounts::conflicts), 0);

  // 3. A changed record updates only what changed: one related person's relationship.
  json::Value changed = records[0].second;
  json::Value* related = changed.Find("relatedPersons");
  ASSERT_TRUE(related != nullptr && !related->items().empty()) << "the first example needs one";
  (*related->items()[0].Find("relationship"))["display"] = json::Value::String("changed display");
  SyncSummary third;
  ASSERT_TRUE(engine->Push(changed, records[0].first, third).ok());
  EXPECT_EQ(third.targets["county"].sent, 1);
  EXPECT_EQ(third.targets["county"].conflicts, 0);
  EXPECT_EQ(ServerCounts("county"), ExpectedCounts("county", records));

  // 4. A remote edit comes back through pull.
  std::vector<json::Value> pulled;
  auto first_pull = engine->Pull("county", [&](const json::Value& r) {
    pulled.push_back(r);
    return Status::Ok();
  });
  ASSERT_TRUE(first_pull.ok()) << first_pull.status().message();
  EXPECT_TRUE(pulled.empty()) << "nothing changed remotely yet";
  auto page = clients_["county"]
                  ->Search("RelatedPerson", {{"identifier", mapper_->PartIdentifierSystem() + "|"}})
                  .NextPage();
  ASSERT_TRUE(page.ok());
  json::Value search = *json::Value::Parse((*page)->body, "search");
  json::Value remote = *search.Find("entry")->items()[0].Find("resource");
  std::string remote_id = remote.Find("id")->text();
  (*remote.Find("relationship")->items()[0].Find("coding")->items()[0].Find("display")) =
      json::Value::String("edited remotely");
  ASSERT_TRUE(clients_["county"]->Update("RelatedPerson", remote_id, remote.ToString()).ok());
  auto second_pull = engine->Pull("county", [&](const json::Value& r) {
    pulled.push_back(r);
    return Status::Ok();
  });
  ASSERT_TRUE(second_pull.ok()) << second_pull.status().message();
  ASSERT_EQ(pulled.size(), 1u);
  EXPECT_THAT(pulled[0].ToString(), ::testing::HasSubstr("edited remotely"));

  // 5. A concurrent remote edit of something we change too is a conflict, kept for review.
  auto patients = clients_["county"]
                      ->Search("Patient", {{"identifier", mapper_->PartIdentifierSystem() + "|"}})
                      .NextPage();
  ASSERT_TRUE(patients.ok());
  json::Value patient_search = *json::Value::Parse((*patients)->body, "search");
  for (auto& entry : patient_search.Find("entry")->items()) {
    json::Value patient = *entry.Find("resource");
    patient["gender"] = json::Value::String("unknown");
    ASSERT_TRUE(
        clients_["county"]->Update("Patient", patient.Find("id")->text(), patient.ToString()).ok());
  }
  SyncSummary fourth;
  for (const auto& [name, record] : records) {
    json::Value edited = record;
    edited["birthDate"] = json::Value::String("1999-09-09");
    ASSERT_TRUE(engine->Push(edited, name, fourth).ok());
  }
  EXPECT_GT(fourth.targets["county"].conflicts, 0);
  EXPECT_FALSE(journal_.Conflicts("county")->empty());
}

}  // namespace
}  // namespace silta::sync
