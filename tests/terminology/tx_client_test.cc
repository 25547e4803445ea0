// The terminology server behind TerminologyService, over a scripted transport: what is asked
// (only what the packages cannot answer), how answers and failures come back, and the disk cache.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "fhirclient/fhirclient.h"
#include "packages/packages.h"
#include "support/fake_transport.h"
#include "terminology/terminology.h"

namespace silta::terminology {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kLocalSystem = "http://example.org/cs/local";
constexpr std::string_view kRemoteSystem = "http://example.org/cs/remote-only";
constexpr std::string_view kLocalVs = "http://example.org/vs/local";
constexpr std::string_view kRemoteVs = "http://example.org/vs/remote-system";
constexpr std::string_view kServer = "http://tx.test/r4";

fhirclient::HttpResult Answer(int status, std::string body) {
  fhirclient::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return fhirclient::HttpResult::Of(std::move(response));
}

std::string ValidateCodeResult(bool result, std::string_view message = {}) {
  std::string json =
      R"({"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":)" +
      std::string(result ? "true" : "false") + "}";
  if (!message.empty()) {
    json += R"(,{"name":"message","valueString":")" + std::string(message) + "\"}";
  }
  return json + "]}";
}

// The parameter `name`'s value[x] in a request body, as text ("" when absent).
std::string RequestParameter(const std::string& body, std::string_view name) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.HasMember("parameter")) return "";
  for (const auto& p : doc["parameter"].GetArray()) {
    if (std::string_view(p["name"].GetString()) != name) continue;
    for (const auto& m : p.GetObject()) {
      std::string_view key(m.name.GetString());
      if (key.starts_with("value") && m.value.IsString()) return m.value.GetString();
      if (key == "resource") return "(resource)";
    }
  }
  return "";
}

class TxClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("silta-tx-client-test-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "package");
    std::ofstream(*dir_ / "package" / "package.json")
        << R"({"name": "test.tx", "version": "1.0.0", "fhirVersions": ["4.0.1"]})";
    std::ofstream(*dir_ / "package" / "cs-local.json") << R"({
      "resourceType": "CodeSystem", "url": "http://example.org/cs/local", "status": "active",
      "content": "complete", "concept": [{"code": "a", "display": "A"}, {"code": "b"}]})";
    std::ofstream(*dir_ / "package" / "vs-local.json") << R"({
      "resourceType": "ValueSet", "url": "http://example.org/vs/local", "status": "active",
      "compose": {"include": [{"system": "http://example.org/cs/local"}]}})";
    // Its system has no CodeSystem in the package: only a server can tell.
    std::ofstream(*dir_ / "package" / "vs-remote.json") << R"({
      "resourceType": "ValueSet", "url": "http://example.org/vs/remote-system", "status": "active",
      "compose": {"include": [{"system": "http://example.org/cs/remote-only"}]}})";
    auto package = packages::Package::Load(*dir_);
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    context_ = new std::shared_ptr<const packages::ConformanceContext>(
        packages::ConformanceContext::FromPackages({*package}));
  }
  static void TearDownTestSuite() {
    delete context_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  void SetUp() override {
    cache_ = *dir_ / ("cache-" +
                      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(cache_);
  }

  // A service over a fresh client (empty memory, the test's disk cache) and `transport`.
  std::unique_ptr<TerminologyService> Service(std::shared_ptr<fhirclient::FakeTransport> transport,
                                              std::chrono::milliseconds timeout = {}) {
    TxClientOptions options;
    options.base_url = std::string(kServer) + "/";  // a trailing slash is not doubled
    options.cache_dir = cache_;
    if (timeout.count() > 0) options.timeout = timeout;
    auto client = MakeTxClient(options, std::move(transport));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    TerminologyOptions terms;
    terms.remote = *client;
    return std::make_unique<TerminologyService>(*context_, terms);
  }

  static fs::path* dir_;
  static std::shared_ptr<const packages::ConformanceContext>* context_;
  fs::path cache_;
};

fs::path* TxClientTest::dir_ = nullptr;
std::shared_ptr<const packages::ConformanceContext>* TxClientTest::context_ = nullptr;

TEST_F(TxClientTest, CodesOfSystemsKnownOfflineNeverLeaveTheProcess) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  auto service = Service(transport);
  auto valid = service->ValidateCode(kLocalVs, kLocalSystem, "a");
  auto invalid = service->ValidateCode(kLocalVs, kLocalSystem, "zzz");
  ASSERT_TRUE(valid.ok() && invalid.ok());
  EXPECT_EQ(valid->validity, Validity::kValid);
  EXPECT_EQ(invalid->validity, Validity::kInvalid);
  EXPECT_EQ(transport->request_count(), 0u);
  EXPECT_FALSE(fs::exists(cache_));
}

TEST_F(TxClientTest, AsksValidateCodeWithTheLocalValueSetInlineAndKeepsTheAnswer) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(200, ValidateCodeResult(true)));
  transport->Enqueue(Answer(200, ValidateCodeResult(false, "Unknown code 'nope'")));
  auto service = Service(transport);
  auto valid = service->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  auto invalid = service->ValidateCode(kRemoteVs, kRemoteSystem, "nope");
  ASSERT_TRUE(valid.ok() && invalid.ok());
  EXPECT_EQ(valid->validity, Validity::kValid);
  EXPECT_EQ(invalid->validity, Validity::kInvalid);
  EXPECT_THAT(invalid->message, HasSubstr("Unknown code 'nope'"));
  EXPECT_THAT(invalid->message, HasSubstr(std::string(kServer)));

  std::vector<fhirclient::HttpRequest> requests = transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, std::string(kServer) + "/ValueSet/$validate-code");
  EXPECT_EQ(fhirclient::FindHeader(requests[0].headers, "content-type"), "application/fhir+json");
  EXPECT_EQ(RequestParameter(requests[0].body, "valueSet"), "(resource)");
  EXPECT_EQ(RequestParameter(requests[0].body, "url"), "");
  EXPECT_EQ(RequestParameter(requests[0].body, "system"), kRemoteSystem);
  EXPECT_EQ(RequestParameter(requests[0].body, "code"), "x1");

  // A new process (a fresh client) with a server that only fails: both answers from the disk.
  auto down = std::make_shared<fhirclient::FakeTransport>();
  down->SetHandler([](const fhirclient::HttpRequest&) {
    return fhirclient::HttpResult::Failure(fhirclient::TransportErrorKind::kConnect, "refused");
  });
  auto rerun = Service(down);
  auto valid_again = rerun->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  auto invalid_again = rerun->ValidateCode(kRemoteVs, kRemoteSystem, "nope");
  ASSERT_TRUE(valid_again.ok() && invalid_again.ok());
  EXPECT_EQ(valid_again->validity, Validity::kValid);
  EXPECT_EQ(invalid_again->validity, Validity::kInvalid);
  EXPECT_EQ(invalid_again->message, invalid->message);
  EXPECT_EQ(down->request_count(), 0u);
}

TEST_F(TxClientTest, AValueSetThePackagesLackIsAskedForByUrl) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(200, ValidateCodeResult(true)));
  auto service = Service(transport);
  auto result =
      service->ValidateCode("http://snomed.info/sct?fhir_vs", "http://snomed.info/sct", "22298006");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kValid);
  ASSERT_EQ(transport->request_count(), 1u);
  EXPECT_EQ(RequestParameter(transport->requests()[0].body, "url"),
            "http://snomed.info/sct?fhir_vs");
}

TEST_F(TxClientTest, HttpErrorsAreWarningsAndAreNotCached) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(
      404, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found",)"
           R"("diagnostics":"Unknown code system"}]})"));
  auto service = Service(transport);
  auto result = service->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kCannotTell);
  EXPECT_THAT(result->message, HasSubstr("answered HTTP 404"));
  EXPECT_THAT(result->message, HasSubstr("not-found: Unknown code system"));

  // Not a fact: the next run asks again.
  auto next = std::make_shared<fhirclient::FakeTransport>();
  next->Enqueue(Answer(200, ValidateCodeResult(true)));
  auto rerun = Service(next);
  auto again = rerun->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->validity, Validity::kValid);
  EXPECT_EQ(next->request_count(), 1u);
}

TEST_F(TxClientTest, AFalseResultWhoseCauseIsAnUnknownSystemIsNotInvalid) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(
      200, R"({"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":false},)"
           R"({"name":"message","valueString":"Unknown code system"},)"
           R"({"name":"cause","valueCode":"not-found"}]})"));
  auto result = Service(transport)->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kCannotTell);
  EXPECT_THAT(result->message, HasSubstr("could not judge it: Unknown code system"));
}

TEST_F(TxClientTest, AnAnswerThatIsNoParametersIsAFailure) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(200, R"({"resourceType":"Patient"})"));
  auto service = Service(transport);
  auto result = service->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kCannotTell);
  EXPECT_THAT(result->message, HasSubstr("boolean 'result'"));
}

TEST_F(TxClientTest, ATimeOutIsReportedOnceAndTheServerIsNotAskedAgainInTheRun) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->SetHandler([](const fhirclient::HttpRequest&) {
    return fhirclient::HttpResult::Failure(fhirclient::TransportErrorKind::kTimeout, "timed out");
  });
  auto service = Service(transport, std::chrono::milliseconds(2000));
  auto first = service->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  auto second = service->ValidateCode(kRemoteVs, kRemoteSystem, "x2");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->validity, Validity::kCannotTell);
  EXPECT_THAT(first->message, HasSubstr("did not answer within 2 s"));
  EXPECT_EQ(second->validity, Validity::kCannotTell);
  EXPECT_THAT(second->message,
              HasSubstr("was not asked: earlier in this run it did not answer within 2 s"));
  EXPECT_EQ(transport->request_count(), 1u);
}

TEST_F(TxClientTest, ExpandsWhatThePackagesCannotAndKeepsTheExpansion) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(200, R"({"resourceType":"ValueSet","expansion":{"contains":[
      {"system":"http://example.org/cs/remote-only","code":"x1","display":"X one"},
      {"abstract":true,"display":"group","contains":[
        {"system":"http://example.org/cs/remote-only","code":"x2"}]}]}})"));
  auto service = Service(transport);
  auto codes = service->ListCodes(kRemoteVs);
  ASSERT_TRUE(codes.ok());
  ASSERT_EQ(codes->size(), 2u);
  EXPECT_EQ((*codes)[0].code, "x1");
  EXPECT_EQ((*codes)[0].display, "X one");
  EXPECT_EQ((*codes)[1].code, "x2");
  ASSERT_EQ(transport->request_count(), 1u);
  EXPECT_EQ(transport->requests()[0].url, std::string(kServer) + "/ValueSet/$expand");

  // A complete local expansion is not sent anywhere.
  auto local = service->ListCodes(kLocalVs);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->size(), 2u);
  EXPECT_EQ(transport->request_count(), 1u);

  auto down = std::make_shared<fhirclient::FakeTransport>();
  auto rerun = Service(down);
  auto cached = rerun->ListCodes(kRemoteVs);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->size(), 2u);
  EXPECT_EQ(down->request_count(), 0u);
}

TEST_F(TxClientTest, ADamagedCacheFileIsAMiss) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->Enqueue(Answer(200, ValidateCodeResult(true)));
  ASSERT_TRUE(Service(transport)->ValidateCode(kRemoteVs, kRemoteSystem, "x1").ok());
  ASSERT_TRUE(fs::exists(cache_));
  for (const auto& entry : fs::directory_iterator(cache_)) {
    std::ofstream(entry.path()) << R"({"key": "something else", "response": {}})";
  }
  auto next = std::make_shared<fhirclient::FakeTransport>();
  next->Enqueue(Answer(200, ValidateCodeResult(false)));
  auto result = Service(next)->ValidateCode(kRemoteVs, kRemoteSystem, "x1");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->validity, Validity::kInvalid);
  EXPECT_EQ(next->request_count(), 1u);
}

TEST_F(TxClientTest, ConcurrentQuestionsShareOneClient) {
  auto transport = std::make_shared<fhirclient::FakeTransport>();
  transport->SetHandler([](const fhirclient::HttpRequest& request) {
    bool odd = RequestParameter(request.body, "code").back() % 2 == 1;
    return Answer(200, ValidateCodeResult(odd));
  });
  auto service = Service(transport);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        std::string code = "c" + std::to_string(i);
        auto r = service->ValidateCode(kRemoteVs, kRemoteSystem, code);
        bool expect_valid = code.back() % 2 == 1;
        if (!r.ok() || (r->validity == Validity::kValid) != expect_valid) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(transport->request_count(), 200u);
}

TEST(TxClientOptionsTest, CredentialsInTheUrlNeverReachAMessage) {
  TxClientOptions options;
  options.base_url = "https://user:secret@tx.example.fi/r4";
  auto client = MakeTxClient(options, std::make_shared<fhirclient::FakeTransport>());
  ASSERT_TRUE(client.ok());
  EXPECT_THAT((*client)->name(), Not(HasSubstr("secret")));
  EXPECT_THAT((*client)->name(), HasSubstr("tx.example.fi/r4"));
}

TEST(TxClientOptionsTest, RefusesWhatIsNoHttpUrl) {
  TxClientOptions options;
  options.base_url = "ftp://tx.example.org";
  auto client = MakeTxClient(options, std::make_shared<fhirclient::FakeTransport>());
  ASSERT_FALSE(client.ok());
  EXPECT_THAT(client.status().message(), HasSubstr("http:// or https://"));
}

}  // namespace
}  // namespace silta::terminology
