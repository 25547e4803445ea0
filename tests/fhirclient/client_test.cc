// FhirClient, retry policy, auth flows and log masking against the scripted FakeTransport and a
// FakeClock: no network, no sleeping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "base/files.h"
#include "fhirclient/fhirclient.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"

namespace silta::fhirclient {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBase[] = "https://fhir.example.fi/r4";

HttpHeaders Headers(std::initializer_list<std::pair<std::string, std::string>> list) {
  return HttpHeaders(list);
}

class ClientTest : public ::testing::Test {
 protected:
  FhirClientOptions Options() {
    FhirClientOptions options;
    options.base_url = std::string(kBase) + "/";
    options.retry.jitter_seed = 42;
    return options;
  }
  FakeTransport transport_;
  FakeClock clock_;
  MemoryLogger logger_;
  FhirClient client_{Options(), transport_, nullptr, clock_, logger_};
};

std::string CapabilityStatement(const std::string& version) {
  return R"({"resourceType":"CapabilityStatement","fhirVersion":")" + version +
         R"(","format":["application/fhir+json"],"rest":[{"mode":"server",
         "interaction":[{"code":"transaction"},{"code":"batch"}],
         "resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"update"}]}]}]})";
}

TEST_F(ClientTest, ConnectChecksVersionAndInteractions) {
  transport_.Enqueue(200, CapabilityStatement("4.0.1"));
  ASSERT_TRUE(client_.Connect().ok());
  EXPECT_EQ(transport_.requests()[0].url, std::string(kBase) + "/metadata");
  EXPECT_EQ(client_.capabilities().fhir_version, "4.0.1");
  EXPECT_TRUE(client_.capabilities().interactions.at("Patient").count("update"));

  transport_.Enqueue(200, CapabilityStatement("5.0.0"));
  Status r5 = client_.Connect();
  EXPECT_EQ(r5.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r5.message(), HasSubstr("5.0.0"));

  FhirClientOptions options = Options();
  options.required_interactions = {
      {"Patient", {"read", "delete"}}, {"*", {"transaction"}}, {"Observation", {"create"}}};
  FhirClient demanding(options, transport_, nullptr, clock_, logger_);
  transport_.Enqueue(200, CapabilityStatement("4.0.1"));
  Status missing = demanding.Connect();
  EXPECT_THAT(missing.message(), HasSubstr("Patient.delete"));
  EXPECT_THAT(missing.message(), HasSubstr("Observation.create"));
  EXPECT_THAT(missing.message(), Not(HasSubstr("transaction")));
}

TEST_F(ClientTest, ReadReturnsBodyEtagAndVersion) {
  transport_.Enqueue(
      200, R"({"resourceType":"Patient","id":"p1"})",
      Headers({{"etag", "W/\"3\""}, {"Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"}}));
  FhirResult<FhirResponse> read = client_.Read("Patient", "p1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read.http_status(), 200);
  EXPECT_EQ(read->etag, "W/\"3\"");
  EXPECT_EQ(read->version_id, "3");
  EXPECT_EQ(read->last_modified, "Tue, 01 Dec 2026 10:00:00 GMT");
  EXPECT_THAT(read->body, HasSubstr("p1"));
  HttpRequest sent = transport_.requests()[0];
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url, std::string(kBase) + "/Patient/p1");
  EXPECT_EQ(FindHeader(sent.headers, "accept"), "application/fhir+json");
}

TEST_F(ClientTest, VReadAndDeleteUseTheirPaths) {
  transport_.Enqueue(200, "{}");
  transport_.Enqueue(204);
  ASSERT_TRUE(client_.VRead("Patient", "p1", "2").ok());
  ASSERT_TRUE(client_.Delete("Patient", "p1").ok());
  auto requests = transport_.requests();
  EXPECT_EQ(requests[0].url, std::string(kBase) + "/Patient/p1/_history/2");
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].url, std::string(kBase) + "/Patient/p1");
}

TEST_F(ClientTest, ErrorsCarryStatusAndOperationOutcome) {
  transport_.Enqueue(404, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"not-found","diagnostics":"Resource Patient/x is not known"}]})");
  FhirResult<FhirResponse> read = client_.Read("Patient", "x");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read.http_status(), 404);
  EXPECT_THAT(read.status().message(), HasSubstr("error/not-found"));
  EXPECT_THAT(read.status().message(), Not(HasSubstr("Resource Patient/x")));
}

TEST_F(ClientTest, CreateVariantsSendTheirHeaders) {
  transport_.Enqueue(201, "",
                     Headers({{"Location", std::string(kBase) + "/Patient/9/_history/1"}}));
  transport_.Enqueue(200, "");
  StatusOr<FhirResponse> created = client_.Create("Patient", R"({"resourceType":"Patient"})");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->version_id, "1");
  EXPECT_THAT(created->location, HasSubstr("Patient/9"));
  ASSERT_TRUE(
      client_.CreateIfNoneExist("Patient", "{}", {{"identifier", "urn:oid:1.2.246.21|010101-123N"}})
          .ok());
  auto requests = transport_.requests();
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, std::string(kBase) + "/Patient");
  EXPECT_THAT(FindHeader(requests[0].headers, "Content-Type"), HasSubstr("application/fhir+json"));
  EXPECT_EQ(FindHeader(requests[1].headers, "If-None-Exist"),
            "identifier=urn%3Aoid%3A1.2.246.21%7C010101-123N");
  EXPECT_FALSE(client_.CreateIfNoneExist("Patient", "{}", {}).ok());
  EXPECT_TRUE(FindHeader(requests[0].headers, "Prefer").empty());
  // A plain create must not ride a kept-alive connection (the transport could repeat it); a
  // conditional create may.
  EXPECT_TRUE(requests[0].fresh_connection);
  EXPECT_FALSE(requests[1].fresh_connection);

  FhirClientOptions options = Options();
  options.prefer_return = "representation";
  FhirClient preferring(options, transport_, nullptr, clock_, logger_);
  transport_.Enqueue(201, "{}");
  ASSERT_TRUE(preferring.Create("Patient", "{}").ok());
  EXPECT_EQ(FindHeader(transport_.requests().back().headers, "Prefer"), "return=representation");
}

TEST_F(ClientTest, UpdateSendsOpaqueIfMatchAndConditionalUpdateUsesQuery) {
  transport_.Enqueue(200, "{}", Headers({{"ETag", "W/\"4\""}}));
  transport_.Enqueue(412, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"conflict","details":{"text":"version mismatch"}}]})");
  transport_.Enqueue(201, "{}");
  StatusOr<FhirResponse> updated = client_.Update("Patient", "p1", "{}", "W/\"3\"");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->etag, "W/\"4\"");
  FhirResult<FhirResponse> conflict = client_.Update("Patient", "p1", "{}", "W/\"3\"");
  EXPECT_EQ(conflict.http_status(), 412);
  EXPECT_EQ(conflict.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(conflict.status().message(), HasSubstr("error/conflict"));
  ASSERT_TRUE(client_.ConditionalUpdate("Patient", {{"identifier", "sys|1"}}, "{}").ok());
  auto requests = transport_.requests();
  EXPECT_EQ(FindHeader(requests[0].headers, "If-Match"), "W/\"3\"");
  EXPECT_EQ(requests[2].method, "PUT");
  EXPECT_EQ(requests[2].url, std::string(kBase) + "/Patient?identifier=sys%7C1");
  EXPECT_EQ(transport_.request_count(), 3u);  // 412 is an answer, never retried
}

constexpr char kTransactionResponse[] = R"({"resourceType":"Bundle","type":"transaction-response",
  "entry":[{"response":{"status":"201 Created","location":"Patient/1/_history/1","etag":"W/\"1\""}},
           {"response":{"status":"200","lastModified":"2026-12-01T10:00:00Z"}},
           {"response":{"status":"404 Not Found","outcome":{"resourceType":"OperationOutcome",
              "issue":[{"severity":"error","code":"not-found"}]}}}]})";

TEST_F(ClientTest, TransactionParsesPerEntryOutcomes) {
  transport_.Enqueue(200, kTransactionResponse);
  StatusOr<BundleOutcome> outcome = client_.Transaction(
      R"({"resourceType":"Bundle","type":"transaction","entry":[
         {"request":{"method":"POST","url":"Patient"}}]})");
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  ASSERT_EQ(outcome->entries.size(), 3u);
  EXPECT_EQ(outcome->entries[0].status, 201);
  EXPECT_EQ(outcome->entries[0].location, "Patient/1/_history/1");
  EXPECT_EQ(outcome->entries[0].etag, "W/\"1\"");
  EXPECT_EQ(outcome->entries[1].last_modified, "2026-12-01T10:00:00Z");
  EXPECT_EQ(outcome->entries[2].outcome, "error/not-found");
  EXPECT_FALSE(outcome->all_ok());
  EXPECT_EQ(transport_.requests()[0].url, kBase);

  transport_.Enqueue(200, kTransactionResponse);
  FhirResult<BundleOutcome> mismatched =
      client_.Batch(R"({"resourceType":"Bundle","type":"batch"})");
  EXPECT_EQ(mismatched.status().code(), StatusCode::kDataLoss);  // a transaction-response
  // The server did answer 200: the failure is ours to read, not the server's refusal.
  EXPECT_EQ(mismatched.http_status(), 200);
}

TEST_F(ClientTest, TransactionRefusalCarriesTheHttpStatusNotJustText) {
  // A 412 without an OperationOutcome: the code is in the result, whatever the message says.
  transport_.Enqueue(412, "");
  FhirResult<BundleOutcome> refused = client_.Transaction(
      R"({"resourceType":"Bundle","type":"transaction","entry":[
         {"request":{"method":"PUT","url":"Patient/1","ifMatch":"W/\"1\""}}]})");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.http_status(), 412);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  transport_.Enqueue(200, kTransactionResponse);
  FhirResult<BundleOutcome> done = client_.Transaction(
      R"({"resourceType":"Bundle","type":"transaction","entry":[
         {"request":{"method":"PUT","url":"Patient/1"}}]})");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done.http_status(), 200);
}

TEST_F(ClientTest, BundleIdempotency) {
  EXPECT_TRUE(*BundleIsIdempotent(R"({"resourceType":"Bundle","entry":[
      {"request":{"method":"PUT","url":"Patient?identifier=a|1"}},
      {"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=a|2"}},
      {"request":{"method":"DELETE","url":"Patient/3"}},
      {"request":{"method":"GET","url":"Patient/4"}}]})"));
  EXPECT_FALSE(*BundleIsIdempotent(R"({"resourceType":"Bundle","entry":[
      {"request":{"method":"PUT","url":"Patient/1"}},
      {"request":{"method":"POST","url":"Observation"}}]})"));
}

std::string Page(const std::string& next) {
  std::string links = next.empty() ? "[]" : R"([{"relation":"next","url":")" + next + R"("}])";
  return R"({"resourceType":"Bundle","type":"searchset","link":)" + links + "}";
}

// An entry status was read with atoi, so "Created" became status 0 without a word.
TEST(BundleOutcomeTest, AnEntryStatusMustBeAnHttpStatus) {
  auto ok = ParseBundleOutcome(
      R"({"resourceType":"Bundle","type":"transaction-response","entry":[
           {"response":{"status":"201 Created"}},{"response":{"status":"200"}}]})");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_EQ(ok->entries.size(), 2u);
  EXPECT_EQ(ok->entries[0].status, 201);
  EXPECT_EQ(ok->entries[1].status, 200);
  for (std::string_view status : {"Created", "", "99999999999999999999 OK", "2O1", "42"}) {
    std::string body =
        R"({"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":")" +
        std::string(status) + R"("}}]})";
    auto bad = ParseBundleOutcome(body);
    ASSERT_FALSE(bad.ok()) << status;
    EXPECT_THAT(bad.status().message(), HasSubstr("is not an HTTP status")) << status;
  }
}

TEST_F(ClientTest, SearchFollowsNextLinks) {
  transport_.Enqueue(200, Page(std::string(kBase) + "/Patient?_getpages=abc&_offset=2"));
  transport_.Enqueue(200, Page(std::string(kBase) + "?_getpages=abc&_offset=4"));
  transport_.Enqueue(200, Page(""));
  Pager pager = client_.Search("Patient", {{"identifier", "sys|010101-123N"}, {"_count", "2"}});
  int pages = 0;
  while (true) {
    StatusOr<std::optional<FhirResponse>> page = pager.NextPage();
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    if (!page->has_value()) break;
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(pager.pages_read(), 3);
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, std::string(kBase) + "/Patient?identifier=sys%7C010101-123N&_count=2");
  EXPECT_EQ(requests[1].url, std::string(kBase) + "/Patient?_getpages=abc&_offset=2");
  EXPECT_EQ(requests[2].url, std::string(kBase) + "?_getpages=abc&_offset=4");
}

TEST_F(ClientTest, NextLinkToAnotherHostIsRefused) {
  transport_.Enqueue(200, Page("https://evil.example.com/r4/Patient?page=2"));
  Pager pager = client_.Search("Patient", {});
  ASSERT_TRUE(pager.NextPage().ok());
  StatusOr<std::optional<FhirResponse>> second = pager.NextPage();
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(transport_.request_count(), 1u);
}

TEST_F(ClientTest, IncrementalReads) {
  transport_.Enqueue(200, Page(""));
  transport_.Enqueue(200, Page(""));
  transport_.Enqueue(200, Page(""));
  ASSERT_TRUE(client_.History("Patient", "2026-12-01T00:00:00Z").NextPage().ok());
  ASSERT_TRUE(client_.History("", "2026-12-01T00:00:00+02:00", {{"_count", "50"}}).NextPage().ok());
  ASSERT_TRUE(client_.SearchUpdatedSince("Observation", "2026-12-01T00:00:00Z").NextPage().ok());
  auto requests = transport_.requests();
  EXPECT_EQ(requests[0].url,
            std::string(kBase) + "/Patient/_history?_since=2026-12-01T00%3A00%3A00Z");
  EXPECT_EQ(requests[1].url,
            std::string(kBase) + "/_history?_since=2026-12-01T00%3A00%3A00%2B02%3A00&_count=50");
  EXPECT_EQ(requests[2].url,
            std::string(kBase) + "/Observation?_lastUpdated=gt2026-12-01T00%3A00%3A00Z");
}

TEST_F(ClientTest, ValidateReturnsTheOutcomeEvenFor422) {
  constexpr char kOutcome[] = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"invariant","expression":["Patient.birthDate"]}]})";
  transport_.Enqueue(422, kOutcome);
  StatusOr<FhirResponse> validated =
      client_.Validate("Patient", "{}", "http://example.fi/StructureDefinition/x");
  ASSERT_TRUE(validated.ok()) << validated.status().ToString();
  EXPECT_EQ(validated->status, 422);
  EXPECT_EQ(SummarizeOperationOutcome(validated->body), "error/invariant at Patient.birthDate");
  EXPECT_EQ(transport_.requests()[0].url,
            std::string(kBase) +
                "/Patient/$validate?profile=http%3A%2F%2Fexample.fi%2FStructureDefinition%2Fx");
}

// --- Retries ---------------------------------------------------------------------------------

TEST_F(ClientTest, RetriesAfter429HonouringRetryAfterSeconds) {
  transport_.Enqueue(429, "", Headers({{"Retry-After", "7"}}));
  transport_.Enqueue(503, "", Headers({{"Retry-After", "2"}}));
  transport_.Enqueue(200, "{}");
  ASSERT_TRUE(client_.Read("Patient", "p1").ok());
  EXPECT_THAT(clock_.sleeps(), ElementsAre(milliseconds(7000), milliseconds(2000)));
}

TEST_F(ClientTest, RetryAfterAsHttpDate) {
  // The fake clock starts at 2027-01-15T08:00:00Z.
  transport_.Enqueue(503, "", Headers({{"Retry-After", "Fri, 15 Jan 2027 08:00:05 GMT"}}));
  transport_.Enqueue(200, "{}");
  ASSERT_TRUE(client_.Read("Patient", "p1").ok());
  EXPECT_THAT(clock_.sleeps(), ElementsAre(milliseconds(5000)));
}

TEST_F(ClientTest, GivesUpAfterMaxAttemptsWithUnavailable) {
  for (int i = 0; i < 10; ++i) transport_.Enqueue(503, "");
  FhirResult<FhirResponse> read = client_.Read("Patient", "p1");
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(read.http_status(), 503);
  EXPECT_EQ(transport_.request_count(), 4u);
  EXPECT_EQ(clock_.sleeps().size(), 3u);
}

TEST_F(ClientTest, RetryAfterBeyondTheLimitGivesUpAtOnce) {
  transport_.Enqueue(429, "", Headers({{"Retry-After", "86400"}}));
  FhirResult<FhirResponse> read = client_.Read("Patient", "p1");
  EXPECT_EQ(read.http_status(), 429);
  EXPECT_EQ(transport_.request_count(), 1u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ClientTest, PlainCreateIsNotRetriedAfterAmbiguousFailures) {
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kDropped, "connection reset"));
  FhirResult<FhirResponse> dropped = client_.Create("Patient", "{}");
  EXPECT_EQ(dropped.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(dropped.http_status(), 0) << "no answer, no HTTP status";
  EXPECT_THAT(dropped.status().message(), HasSubstr("dropped"));
  EXPECT_EQ(transport_.request_count(), 1u);

  transport_.Enqueue(503, "");
  EXPECT_EQ(client_.Create("Patient", "{}").http_status(), 503);
  EXPECT_EQ(transport_.request_count(), 2u);

  // Connect failures and 429 mean the server never processed it: safe.
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kConnect, "refused"));
  transport_.Enqueue(429, "", Headers({{"Retry-After", "1"}}));
  transport_.Enqueue(201, "");
  EXPECT_TRUE(client_.Create("Patient", "{}").ok());
  EXPECT_EQ(transport_.request_count(), 5u);
}

TEST_F(ClientTest, IdempotentRequestsAreRetriedAfterTimeoutsAndDrops) {
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kTimeout, "timed out"));
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kDropped, "reset"));
  transport_.Enqueue(201, "");
  EXPECT_TRUE(client_.CreateIfNoneExist("Patient", "{}", {{"identifier", "a|1"}}).ok());
  EXPECT_EQ(transport_.request_count(), 3u);

  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kTls, "certificate expired"));
  EXPECT_FALSE(client_.Read("Patient", "p").ok());
  EXPECT_EQ(transport_.request_count(), 4u);  // TLS errors are not retried
}

TEST_F(ClientTest, TransactionRetriedOnlyWhenAllEntriesAreIdempotent) {
  constexpr char kConditional[] = R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=a|1"}},
      {"request":{"method":"PUT","url":"Observation?identifier=a|2"}}]})";
  constexpr char kPlain[] = R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"request":{"method":"POST","url":"Patient"}}]})";
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kDropped, "reset"));
  transport_.Enqueue(200, kTransactionResponse);
  EXPECT_TRUE(client_.Transaction(kConditional).ok());
  EXPECT_EQ(transport_.request_count(), 2u);

  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kDropped, "reset"));
  transport_.Enqueue(200, kTransactionResponse);
  EXPECT_FALSE(client_.Transaction(kPlain).ok());
  EXPECT_EQ(transport_.request_count(), 3u);
}

TEST(RetryTest, FullJitterStaysWithinExponentialBounds) {
  RetryPolicy policy;
  policy.base_delay = milliseconds(100);
  policy.max_delay = milliseconds(1500);
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt <= 40; ++attempt) {
    const long long ceiling = std::min<long long>(1500, 100LL << std::min(attempt - 1, 20));
    long long max_seen = 0;
    for (int i = 0; i < 200; ++i) {
      milliseconds delay = BackoffDelay(policy, attempt, rng);
      ASSERT_GE(delay.count(), 0);
      ASSERT_LE(delay.count(), ceiling) << "attempt " << attempt;
      max_seen = std::max(max_seen, static_cast<long long>(delay.count()));
    }
    EXPECT_GT(max_seen, ceiling / 2) << "jitter should spread over the whole range";
  }
}

TEST_F(ClientTest, BackoffSleepsGrowWithFakeClock) {
  FhirClientOptions options = Options();
  options.retry.max_attempts = 6;
  options.retry.base_delay = milliseconds(100);
  options.retry.max_delay = milliseconds(1000);
  FhirClient client(options, transport_, nullptr, clock_, logger_);
  for (int i = 0; i < 6; ++i)
    transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kConnect, "refused"));
  EXPECT_FALSE(client.Read("Patient", "p").ok());
  std::vector<milliseconds> sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 5u);
  const long long ceilings[] = {100, 200, 400, 800, 1000};
  for (size_t i = 0; i < sleeps.size(); ++i) EXPECT_LE(sleeps[i].count(), ceilings[i]);
}

TEST(RetryTest, ParsesRetryAfterForms) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:40 GMT", now), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:47 GMT", now), milliseconds(10'000));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:38 1994", now), milliseconds(1000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_GT(*ParseRetryAfter("99999999999999999999", now), milliseconds(1'000'000'000));
}

// --- Logging -----------------------------------------------------------------------------------

TEST(MaskUrlTest, MasksEveryQueryValueAndUserinfo) {
  EXPECT_EQ(
      MaskUrl("https://h/r4/Patient?identifier=urn%3Aoid%3A1.2.246.21%7C010101-123N&_count=5"),
      "https://h/r4/Patient?identifier=***&_count=***");
  EXPECT_EQ(MaskUrl("https://user:pw@h:8443/r4/Patient/1"), "https://h:8443/r4/Patient/1");
  EXPECT_EQ(MaskUrl("https://h/r4/Patient?010101-123N#frag"), "https://h/r4/Patient?***");
  EXPECT_EQ(MaskUrl("https://h/r4/Patient?a=&&b=c"), "https://h/r4/Patient?a=***&b=***");
  EXPECT_EQ(MaskUrl("Patient/1"), "Patient/1");
}

TEST_F(ClientTest, LogLinesAndErrorsNeverShowQueryValues) {
  transport_.Enqueue(503, "", Headers({{"Retry-After", "1"}}));
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kDropped, "reset"));
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kTimeout, "timed out"));
  transport_.Enqueue(HttpResult::Failure(TransportErrorKind::kTimeout, "timed out"));
  StatusOr<FhirResponse> result = client_.ConditionalUpdate(
      "Patient", {{"identifier", "urn:oid:1.2.246.21|010101-123N"}}, "{}");
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), Not(HasSubstr("010101")));
  std::vector<std::string> lines = logger_.lines();
  ASSERT_GE(lines.size(), 4u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, AllOf(Not(HasSubstr("010101")), Not(HasSubstr("1.2.246.21"))));
  }
  EXPECT_THAT(lines[0], HasSubstr("PUT https://fhir.example.fi/r4/Patient?identifier=***"));
}

// --- Auth --------------------------------------------------------------------------------------

TEST_F(ClientTest, StaticBearerIsSent) {
  StaticBearerAuth auth("tok-123");
  FhirClient client(Options(), transport_, &auth, clock_, logger_);
  transport_.Enqueue(200, "{}");
  ASSERT_TRUE(client.Read("Patient", "1").ok());
  EXPECT_EQ(FindHeader(transport_.requests()[0].headers, "Authorization"), "Bearer tok-123");
  for (const std::string& line : logger_.lines()) EXPECT_THAT(line, Not(HasSubstr("tok-123")));
}

TEST(AuthTest, StaticBearerFromEnvAndFile) {
  ::setenv("SILTA_TEST_TOKEN", " from-env\n", 1);
  auto env = StaticBearerAuth::FromEnv("SILTA_TEST_TOKEN");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*(*env)->Authorization(), "Bearer from-env");
  EXPECT_EQ(StaticBearerAuth::FromEnv("SILTA_TEST_TOKEN_UNSET").status().code(),
            StatusCode::kNotFound);
  std::string path = ::testing::TempDir() + "/silta-token.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "from-file\n").ok());
  auto file = StaticBearerAuth::FromFile(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*(*file)->Authorization(), "Bearer from-file");
}

std::string TokenJson(const std::string& token, int expires_in) {
  return R"({"access_token":")" + token + R"(","token_type":"Bearer","expires_in":)" +
         std::to_string(expires_in) + "}";
}

TEST(AuthTest, ClientCredentialsCachesUntilExpiryAndRefreshesOn401) {
  FakeTransport token_endpoint;
  FakeTransport fhir;
  FakeClock clock;
  TokenEndpointOptions options;
  options.token_url = "https://auth.example.fi/token";
  options.client_id = "silta client";
  options.scope = "system/*.read";
  ClientCredentialsAuth auth(options, "s3cret", token_endpoint, clock);
  FhirClientOptions client_options;
  client_options.base_url = kBase;
  FhirClient client(client_options, fhir, &auth, clock);

  token_endpoint.Enqueue(200, TokenJson("t1", 300));
  token_endpoint.Enqueue(200, TokenJson("t2", 300));
  token_endpoint.Enqueue(200, TokenJson("t3", 300));
  fhir.SetHandler([](const HttpRequest&) {
    HttpResponse r;
    r.status = 200;
    return HttpResult::Of(r);
  });

  ASSERT_TRUE(client.Read("Patient", "1").ok());
  ASSERT_TRUE(client.Read("Patient", "2").ok());
  EXPECT_EQ(token_endpoint.request_count(), 1u);  // cached
  HttpRequest token_request = token_endpoint.requests()[0];
  EXPECT_EQ(token_request.method, "POST");
  EXPECT_EQ(token_request.body, "grant_type=client_credentials&scope=system%2F%2A.read");
  EXPECT_EQ(FindHeader(token_request.headers, "Authorization"),
            "Basic " + Base64Encode("silta%20client:s3cret"));

  clock.Advance(std::chrono::seconds(280));  // within the 30 s margin: renew
  ASSERT_TRUE(client.Read("Patient", "3").ok());
  EXPECT_EQ(token_endpoint.request_count(), 2u);
  EXPECT_EQ(FindHeader(fhir.requests()[2].headers, "Authorization"), "Bearer t2");

  // A 401 drops the token and retries once with a new one.
  fhir.Enqueue(401, "");
  ASSERT_TRUE(client.Read("Patient", "4").ok());
  EXPECT_EQ(token_endpoint.request_count(), 3u);
  auto requests = fhir.requests();
  EXPECT_EQ(FindHeader(requests[4].headers, "Authorization"), "Bearer t3");

  // A second 401 in a row is final.
  token_endpoint.Enqueue(200, TokenJson("t4", 300));
  fhir.Enqueue(401, "");
  fhir.Enqueue(401, "");
  FhirResult<FhirResponse> refused = client.Read("Patient", "5");
  EXPECT_EQ(refused.http_status(), 401);
}

TEST(AuthTest, TokenRefusalIsFinalForTheRequest) {
  FakeTransport token_endpoint;
  FakeTransport fhir;
  FakeClock clock;
  TokenEndpointOptions options;
  options.token_url = "https://auth.example.fi/token";
  options.client_id = "c";
  ClientCredentialsAuth auth(options, "wrong", token_endpoint, clock);
  FhirClientOptions client_options;
  client_options.base_url = kBase;
  FhirClient client(client_options, fhir, &auth, clock);
  token_endpoint.Enqueue(400, R"({"error":"invalid_client"})");
  FhirResult<FhirResponse> read = client.Read("Patient", "1");
  EXPECT_EQ(read.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(read.status().message(), HasSubstr("invalid_client"));
  EXPECT_EQ(token_endpoint.request_count(), 1u);
  EXPECT_EQ(fhir.request_count(), 0u);
}

TEST(AuthTest, TokenEndpointErrorsAreReported) {
  FakeTransport token_endpoint;
  FakeClock clock;
  TokenEndpointOptions options;
  options.token_url = "https://auth.example.fi/token";
  options.client_id = "c";
  ClientCredentialsAuth auth(options, "wrong", token_endpoint, clock);
  token_endpoint.Enqueue(401, R"({"error":"invalid_client","error_description":"nope"})");
  StatusOr<std::string> header = auth.Authorization();
  EXPECT_EQ(header.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(header.status().message(), HasSubstr("invalid_client"));

  token_endpoint.Enqueue(503, "", Headers({{"Retry-After", "3"}}));
  token_endpoint.Enqueue(200, R"({"access_token":"x","token_type":"mac"})");
  EXPECT_THAT(auth.Authorization().status().message(), HasSubstr("token_type"));
  EXPECT_THAT(clock.sleeps(), ElementsAre(milliseconds(3000)));
}

std::string Base64UrlDecode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                                       : 63;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::string NewP384KeyPem() {
  EVP_PKEY* key = EVP_EC_gen("P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

TEST(AuthTest, SmartAssertionClaimsAndTokenRequest) {
  StatusOr<SigningKey> key = SigningKey::FromPem(NewP384KeyPem(), JwtAlgorithm::kES384);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  FakeTransport token_endpoint;
  FakeClock clock;
  TokenEndpointOptions options;
  options.token_url = "https://auth.example.fi/token";
  options.client_id = "silta-backend";
  options.scope = "system/Patient.rs";
  SmartBackendAuth auth(options, *key, "kid-7", token_endpoint, clock);

  StatusOr<std::string> assertion = auth.MakeAssertion();
  ASSERT_TRUE(assertion.ok());
  size_t first_dot = assertion->find('.');
  size_t second_dot = assertion->find('.', first_dot + 1);
  EXPECT_EQ(Base64UrlDecode(assertion->substr(0, first_dot)),
            R"({"alg":"ES384","typ":"JWT","kid":"kid-7"})");
  std::string claims =
      Base64UrlDecode(assertion->substr(first_dot + 1, second_dot - first_dot - 1));
  EXPECT_THAT(claims, HasSubstr(R"("iss":"silta-backend","sub":"silta-backend")"));
  EXPECT_THAT(claims, HasSubstr(R"("aud":"https://auth.example.fi/token")"));
  // The fake clock stands at 1800000000: exp is four minutes on, within SMART's five.
  EXPECT_THAT(claims, HasSubstr(R"("iat":1800000000,"exp":1800000240)"));
  EXPECT_EQ(Base64UrlDecode(assertion->substr(second_dot + 1)).size(), 96u);

  token_endpoint.Enqueue(503, "", Headers({{"Retry-After", "1"}}));
  token_endpoint.Enqueue(200, TokenJson("smart", 300));
  EXPECT_EQ(*auth.Authorization(), "Bearer smart");
  auto requests = token_endpoint.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(requests[0].body,
              HasSubstr("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams"
                        "%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="));
  EXPECT_THAT(requests[0].body, HasSubstr("&scope=system%2FPatient.rs"));
  EXPECT_NE(requests[0].body, requests[1].body) << "each attempt signs a new jti";
  EXPECT_TRUE(FindHeader(requests[0].headers, "Authorization").empty());
}

}  // namespace
}  // namespace silta::fhirclient
