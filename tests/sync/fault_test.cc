// The sync engine over real HTTP (libcurl) against the loopback stub server, with faults: 429
// with Retry-After, 503 bursts, answers slower than the client's timeout, and connections dropped
// before or after a transaction was committed, both while creating and while updating. After
// each faulty run, a rerun without faults must leave the server exactly as a clean run leaves a
// fresh one (compared by business identifier, ids and versions aside) with no identifier on two
// resources, and a further rerun must find nothing left to send.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <memory>

#include "example_records.h"
#include "fhirclient/fhirclient.h"
#include "stub_fhir_server.h"
#include "support/memory_journal.h"
#include "support/r4.h"
#include "sync/engine.h"

namespace silta::sync {
namespace {

using std::chrono::milliseconds;
using testing::Fault;
using testing::FaultKind;
using testing::RequestKind;
using testing::StubFhirServer;

// The client's timeout is well above what an ordinary request takes under ASan on two loaded
// cores, so only the injected slow answers time out; those come a whole timeout later still, so
// they are late however the scheduler delays either side.
constexpr milliseconds kTimeout{3000};
constexpr milliseconds kLate{2 * kTimeout};

constexpr char kPolicy[] = R"({"targets": [
    {"name": "county", "levels": ["county", "shared-definition", "joint-county", "national"]},
    {"name": "national", "levels": ["national"], "withhold": ["hetu"]}]})";
const char* const kTargets[] = {"county", "national"};

// One sync deployment against a stub server: clients for both targets and a journal.
class Deployment {
 public:
  Deployment(const mapping::Mapper& mapper, const RoutingPolicy& policy, StubFhirServer& server)
      : mapper_(mapper), policy_(policy) {
    fhirclient::CurlTransportOptions transport;
    transport.request_timeout = kTimeout;
    transport_ = std::make_unique<fhirclient::CurlTransport>(transport);
    for (const char* target : kTargets) {
      fhirclient::FhirClientOptions options;
      options.base_url = server.base_url(target);
      options.retry.max_attempts = 4;
      options.retry.base_delay = milliseconds(20);
      options.retry.max_delay = milliseconds(100);
      options.retry.jitter_seed = 7;
      clients_[target] = std::make_unique<fhirclient::FhirClient>(options, *transport_);
    }
  }

  SyncSummary Push(const std::vector<std::pair<std::string, json::Value>>& records) {
    std::map<std::string, fhirclient::FhirClient*> clients;
    for (auto& [name, client] : clients_) clients[name] = client.get();
    SyncEngine engine(mapper_, policy_, clients, journal_, nullptr);
    SyncSummary summary;
    for (const auto& [name, record] : records) {
      Status pushed = engine.Push(record, name, summary);
      EXPECT_TRUE(pushed.ok()) << name << ": " << pushed.message();
    }
    return summary;
  }

  StatusOr<PullSummary> Pull(const std::string& target, std::vector<json::Value>& pulled) {
    std::map<std::string, fhirclient::FhirClient*> clients;
    for (auto& [name, client] : clients_) clients[name] = client.get();
    SyncEngine engine(mapper_, policy_, clients, journal_, nullptr);
    return engine.Pull(target, [&](const json::Value& record) {
      pulled.push_back(record);
      return Status::Ok();
    });
  }

  fhirclient::FhirClient& client(const std::string& target) { return *clients_.at(target); }

 private:
  const mapping::Mapper& mapper_;
  const RoutingPolicy& policy_;
  std::unique_ptr<fhirclient::CurlTransport> transport_;
  std::map<std::string, std::unique_ptr<fhirclient::FhirClient>> clients_;
  MemoryJournal journal_;
};

std::string Describe(const SyncSummary& summary) {
  std::string out = "records " + std::to_string(summary.records) + ", rejected " +
                    std::to_string(summary.rejected);
  for (const auto& [name, c] : summary.targets) {
    out += "; " + name + ": sent " + std::to_string(c.sent) + ", unchanged " +
           std::to_string(c.unchanged) + ", conflicts " + std::to_string(c.conflicts) +
           ", errors " + std::to_string(c.errors);
  }
  for (const auto& m : summary.messages) out += "\n  " + m;
  return out;
}

class SyncFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGPIPE, SIG_IGN);
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = new std::shared_ptr<const mapping::Mapper>(*mapper);
    auto policy = RoutingPolicy::FromJson(*json::Value::Parse(kPolicy, "policy"), "policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = new RoutingPolicy(std::move(*policy));
    records_ = new std::vector<std::pair<std::string, json::Value>>(testing::ExampleRecords());
    edited_ = new std::vector<std::pair<std::string, json::Value>>();
    for (const auto& [name, record] : *records_) {
      edited_->emplace_back(name, testing::EditedRecord(record));
    }
    // The reference: clean runs into a fresh server.
    StubFhirServer server;
    Deployment clean(**mapper_, *policy_, server);
    SyncSummary first = clean.Push(*records_);
    ASSERT_EQ(first.total(&TargetCounts::errors), 0) << Describe(first);
    ASSERT_EQ(first.rejected, 0) << Describe(first);
    created_ = new std::map<std::string, testing::NormalizedState>(State(server));
    SyncSummary second = clean.Push(*edited_);
    ASSERT_EQ(second.total(&TargetCounts::errors), 0) << Describe(second);
    ASSERT_GT(second.total(&TargetCounts::sent), 0) << Describe(second);
    updated_ = new std::map<std::string, testing::NormalizedState>(State(server));
  }
  static void TearDownTestSuite() {
    delete mapper_;
    delete policy_;
    delete records_;
    delete edited_;
    delete created_;
    delete updated_;
  }
  void SetUp() override {
    ASSERT_TRUE(created_ != nullptr && updated_ != nullptr) << "no clean reference run";
  }

  static std::map<std::string, testing::NormalizedState> State(const StubFhirServer& server) {
    std::map<std::string, testing::NormalizedState> out;
    for (const char* target : kTargets) {
      out[target] =
          testing::Normalize(server.Resources(target), (*mapper_)->PartIdentifierSystem());
    }
    return out;
  }

  // The server holds what a clean run leaves, and no identifier twice.
  static void ExpectCleanState(const StubFhirServer& server,
                               const std::map<std::string, testing::NormalizedState>& reference) {
    auto state = State(server);
    for (const char* target : kTargets) {
      EXPECT_THAT(state[target].duplicates, ::testing::IsEmpty()) << target;
      EXPECT_GT(state[target].resources.size(), 0u) << target;
      EXPECT_EQ(state[target].resources.size(), reference.at(target).resources.size()) << target;
      for (const auto& [key, resource] : reference.at(target).resources) {
        auto found = state[target].resources.find(key);
        if (found == state[target].resources.end()) {
          ADD_FAILURE() << target << ": missing " << key;
        } else {
          EXPECT_EQ(found->second, resource) << target << ": " << key;
        }
      }
    }
  }

  // Runs `records` with the faults scripted, then again without; checks the end state and that
  // a third run has nothing left to send. Returns the faulty run's summary.
  SyncSummary PushThroughFaults(Deployment& deployment, StubFhirServer& server,
                                const std::vector<std::pair<std::string, json::Value>>& records,
                                const std::map<std::string, testing::NormalizedState>& reference) {
    SyncSummary faulty = deployment.Push(records);
    // A run either succeeds after its retries or says that it did not: no errors means the
    // server already holds everything and the journal knows it.
    const bool claims_success = faulty.total(&TargetCounts::errors) == 0;
    if (claims_success) ExpectCleanState(server, reference);
    server.ResetScript();
    SyncSummary rerun = deployment.Push(records);
    if (claims_success) {
      EXPECT_EQ(rerun.total(&TargetCounts::sent), 0) << Describe(rerun);
    }
    EXPECT_EQ(rerun.total(&TargetCounts::errors), 0) << Describe(rerun);
    EXPECT_EQ(rerun.total(&TargetCounts::conflicts), 0) << Describe(rerun);
    ExpectCleanState(server, reference);
    SyncSummary again = deployment.Push(records);
    EXPECT_EQ(again.total(&TargetCounts::sent), 0) << Describe(again);
    EXPECT_EQ(again.total(&TargetCounts::errors), 0) << Describe(again);
    return faulty;
  }

  static std::shared_ptr<const mapping::Mapper>* mapper_;
  static RoutingPolicy* policy_;
  static std::vector<std::pair<std::string, json::Value>>* records_;
  static std::vector<std::pair<std::string, json::Value>>* edited_;
  static std::map<std::string, testing::NormalizedState>* created_;
  static std::map<std::string, testing::NormalizedState>* updated_;
};

std::shared_ptr<const mapping::Mapper>* SyncFaultTest::mapper_ = nullptr;
RoutingPolicy* SyncFaultTest::policy_ = nullptr;
std::vector<std::pair<std::string, json::Value>>* SyncFaultTest::records_ = nullptr;
std::vector<std::pair<std::string, json::Value>>* SyncFaultTest::edited_ = nullptr;
std::map<std::string, testing::NormalizedState>* SyncFaultTest::created_ = nullptr;
std::map<std::string, testing::NormalizedState>* SyncFaultTest::updated_ = nullptr;

Fault Status(int status, std::string retry_after = "") {
  return Fault{FaultKind::kStatus, status, std::move(retry_after), milliseconds(0)};
}
Fault Pass() { return Fault{FaultKind::kNone, 0, "", milliseconds(0)}; }
Fault Kind(FaultKind kind) { return Fault{kind, 0, "", milliseconds(0)}; }
Fault Slow(milliseconds delay) { return Fault{FaultKind::kDelay, 0, "", delay}; }

TEST_F(SyncFaultTest, TooManyRequestsWaitsForRetryAfter) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  server.Inject(Pass(), 3);
  server.Inject(Status(429, "1"), 2);
  SyncSummary faulty = PushThroughFaults(deployment, server, *records_, *created_);
  EXPECT_EQ(faulty.total(&TargetCounts::errors), 0) << Describe(faulty);
}

TEST_F(SyncFaultTest, TooManyRequestsHonoursRetryAfterSeconds) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  server.Inject(Status(429, "1"), 1);
  SyncSummary summary = deployment.Push({records_->front()});
  EXPECT_EQ(summary.total(&TargetCounts::errors), 0) << Describe(summary);
  auto requests = server.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].status, 429);
  EXPECT_GE(requests[1].received - requests[0].received, milliseconds(950));
}

TEST_F(SyncFaultTest, ServiceUnavailableBursts) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  server.Inject(Status(503), 3);  // ridden out by the retries
  server.Inject(Pass(), 5);
  server.Inject(Status(503), 8);  // longer than the retries last: two transactions fail
  SyncSummary faulty = PushThroughFaults(deployment, server, *records_, *created_);
  EXPECT_EQ(faulty.total(&TargetCounts::errors), 2) << Describe(faulty);
}

TEST_F(SyncFaultTest, ServiceUnavailableBurstsWhileUpdating) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  ASSERT_EQ(deployment.Push(*records_).total(&TargetCounts::errors), 0);
  server.Inject(Status(503), 2);
  server.Inject(Pass(), 2);
  server.Inject(Status(503), 4);
  server.Inject(Status(503), 3, RequestKind::kGet);
  PushThroughFaults(deployment, server, *edited_, *updated_);
}

TEST_F(SyncFaultTest, AnswersSlowerThanTheTimeout) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  // The server commits and answers too late; the client's repeat must not duplicate.
  server.Inject(Pass(), 2);
  server.Inject(Slow(kLate), 2);
  PushThroughFaults(deployment, server, *records_, *created_);
}

TEST_F(SyncFaultTest, AnswersSlowerThanTheTimeoutWhileUpdating) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  ASSERT_EQ(deployment.Push(*records_).total(&TargetCounts::errors), 0);
  // The repeat of a committed If-Match update meets its own new version: HTTP 412, which the
  // engine must recognise as its own write by the content hash, not report as a conflict.
  server.Inject(Slow(kLate), 1);
  server.Inject(Pass(), 3);
  server.Inject(Slow(kLate), 1);
  SyncSummary faulty = PushThroughFaults(deployment, server, *edited_, *updated_);
  EXPECT_EQ(faulty.total(&TargetCounts::conflicts), 0) << Describe(faulty);
}

TEST_F(SyncFaultTest, ConnectionDroppedBeforeCommit) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  server.Inject(Kind(FaultKind::kDropBeforeCommit), 2);
  server.Inject(Pass(), 4);
  // Beyond the retries. libcurl itself resends once when a kept-alive connection closes without
  // an answer, so an attempt may take two of these.
  server.Inject(Kind(FaultKind::kDropBeforeCommit), 8);
  SyncSummary faulty = PushThroughFaults(deployment, server, *records_, *created_);
  EXPECT_GE(faulty.total(&TargetCounts::errors), 1) << Describe(faulty);
}

TEST_F(SyncFaultTest, ConnectionDroppedAfterCommit) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  server.Inject(Kind(FaultKind::kDropAfterCommit), 2);
  server.Inject(Pass(), 4);
  server.Inject(Kind(FaultKind::kDropAfterCommit), 8);  // committed, but no answer ever came
  SyncSummary faulty = PushThroughFaults(deployment, server, *records_, *created_);
  EXPECT_GE(faulty.total(&TargetCounts::errors), 1) << Describe(faulty);
}

TEST_F(SyncFaultTest, ConnectionDroppedWhileUpdating) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  ASSERT_EQ(deployment.Push(*records_).total(&TargetCounts::errors), 0);
  server.Inject(Kind(FaultKind::kDropAfterCommit), 1);
  server.Inject(Pass(), 1);
  server.Inject(Kind(FaultKind::kDropBeforeCommit), 1);
  server.Inject(Pass(), 1);
  server.Inject(Kind(FaultKind::kDropAfterCommit), 8);  // committed, but no answer ever came
  server.Inject(Kind(FaultKind::kDropAfterCommit), 1, RequestKind::kGet);
  SyncSummary faulty = PushThroughFaults(deployment, server, *edited_, *updated_);
  EXPECT_EQ(faulty.total(&TargetCounts::conflicts), 0) << Describe(faulty);
  EXPECT_GE(faulty.total(&TargetCounts::errors), 1) << Describe(faulty);
}

TEST_F(SyncFaultTest, UnconfirmedUpdateIsReportedAsAnError) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  ASSERT_EQ(deployment.Push(*records_).total(&TargetCounts::errors), 0);
  // The update commits but its answer is lost; the repeat meets HTTP 412, and the reads that
  // would tell the engine's own write from a conflict fail too, in both rounds the engine tries
  // (two resources, four attempts each).
  server.Inject(Kind(FaultKind::kDropAfterCommit), 1);
  server.Inject(Status(503), 16, RequestKind::kGet);
  SyncSummary faulty = PushThroughFaults(deployment, server, *edited_, *updated_);
  EXPECT_GE(faulty.total(&TargetCounts::errors), 1) << Describe(faulty);
  EXPECT_EQ(faulty.total(&TargetCounts::conflicts), 0) << Describe(faulty);
}

TEST_F(SyncFaultTest, PullRidesOutFaultsAndFindsTheRemoteEdit) {
  StubFhirServer server;
  Deployment deployment(**mapper_, *policy_, server);
  ASSERT_EQ(deployment.Push(*records_).total(&TargetCounts::errors), 0);
  std::vector<json::Value> pulled;
  auto first = deployment.Pull("county", pulled);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(pulled.empty()) << "nothing changed remotely yet";

  // A remote edit of one related person, then a pull through 503s and dropped answers.
  json::Value remote;
  for (const json::Value& resource : server.Resources("county")) {
    if (resource.Find("resourceType")->text() == "RelatedPerson") remote = resource;
  }
  ASSERT_FALSE(remote.is_null());
  json::Value* coding = remote.Find("relationship")->items()[0].Find("coding");
  ASSERT_TRUE(coding != nullptr);
  (*coding->items()[0].Find("display")) = json::Value::String("edited remotely");
  ASSERT_TRUE(deployment.client("county")
                  .Update("RelatedPerson", remote.Find("id")->text(), remote.ToString())
                  .ok());
  server.Inject(Status(503), 2, RequestKind::kGet);
  server.Inject(Pass(), 1, RequestKind::kGet);
  server.Inject(Kind(FaultKind::kDropAfterCommit), 2, RequestKind::kGet);
  auto second = deployment.Pull("county", pulled);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->errors, 0);
  ASSERT_EQ(pulled.size(), 1u);
  EXPECT_THAT(pulled[0].ToString(), ::testing::HasSubstr("edited remotely"));
}

// The checks above rest on the stub and the comparison: a repeated plain create is a duplicate,
// a repeated conditional update is not, and a stale If-Match is refused whole.
TEST(StubFhirServerTest, TellsDuplicatesAndStaleVersions) {
  StubFhirServer server;
  fhirclient::CurlTransport transport;
  fhirclient::FhirClientOptions options;
  options.base_url = server.base_url("t");
  options.retry.max_attempts = 1;
  fhirclient::FhirClient client(options, transport);
  auto bundle = [](const std::string& method, const std::string& url, const std::string& extra) {
    return R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1",)"
           R"("resource":{"resourceType":"Patient",)" +
           extra + R"("identifier":[{"system":"s","value":"v"}]},)" + R"("request":{"method":")" +
           method + R"(","url":")" + url + R"("}}]})";
  };
  const std::string conditional = bundle("PUT", "Patient?identifier=s%7Cv", "");
  ASSERT_TRUE(client.Transaction(conditional).ok());
  auto second = client.Transaction(conditional);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->entries[0].status, 200);
  EXPECT_THAT(testing::Normalize(server.Resources("t"), "s").duplicates, ::testing::IsEmpty());
  EXPECT_EQ(server.VersionCount("t"), 2);

  auto stale =
      client.Transaction(R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                         R"({"resource":{"resourceType":"Patient","id":"1","gender":"male"},)"
                         R"("request":{"method":"PUT","url":"Patient/1","ifMatch":"W/\"1\""}}]})");
  EXPECT_EQ(stale.http_status(), 412);
  EXPECT_EQ(server.VersionCount("t"), 2);

  ASSERT_TRUE(client.Transaction(bundle("POST", "Patient", "")).ok());
  auto state = testing::Normalize(server.Resources("t"), "s");
  EXPECT_THAT(state.duplicates, ::testing::ElementsAre("Patient|v"));
}

}  // namespace
}  // namespace silta::sync
