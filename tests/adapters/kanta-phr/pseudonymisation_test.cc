// The Kanta PHR adapter over a fake transport: what reaches the store is pseudonymous (no HETU,
// name, address, telecom or CRM id), the pseudonyms are keyed and stable, the conditional URL
// names the same pseudonym as the resource, and what the store does not take is refused, never
// sent. Expected pseudonyms are known answers computed outside Silta (Python's hmac module, see
// kKnownAnswers), not by the code under test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "adapters.h"
#include "base/files.h"
#include "json/json.h"
#include "kanta-phr/adapter.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"

namespace silta::adapters {
namespace {

namespace fs = std::filesystem;
using fhirclient::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "test-secret-0123456789abcdef-0123456789";
constexpr char kPart[] = "https://silta.example.fi/fhir/sid/client-record-part";
constexpr char kHashSystem[] = "https://silta.example.fi/fhir/CodeSystem/content-hash";
// python3: hmac.new(kSecret, b"silta/kanta-phr/pseudonym/v1\0" + value, sha256), its first 16
// bytes with the RFC 9562 version 8 and variant bits set, written as a UUID.
constexpr char kClientPseudonym[] = "urn:uuid:8dc33003-d252-8f91-b87f-2af29f24ffd4";
constexpr char kObservationPseudonym[] = "urn:uuid:23f7e7a5-04b9-8c8d-8bdb-5f8aefd3bd61";
// python3: hmac.new(kSecret, b"silta/kanta-phr/content-hash/v1\0abc123", sha256).hexdigest()
constexpr char kKeyedHash[] = "7b2d96a70db1d4e34a298ae0edac90323989c6cbcc6e4889530169a5ad7790f9";

// A connection over a scripted transport, as the generic adapter would give.
class FakeConnection : public Connection {
 public:
  explicit FakeConnection(FakeTransport& transport)
      : client_(Options(), transport, nullptr, clock_) {}
  fhirclient::FhirClient& client() override { return client_; }
  Status CheckCapabilities() override { return Status::Ok(); }

 private:
  static fhirclient::FhirClientOptions Options() {
    fhirclient::FhirClientOptions o;
    o.base_url = "http://phr.test/fhir";
    o.retry.max_attempts = 1;
    return o;
  }
  fhirclient::FakeClock clock_;
  fhirclient::FhirClient client_;
};

phr::TransformOptions Options() {
  phr::TransformOptions o;
  o.application_name = "Silta test";
  o.application_id = "silta-test";
  o.patient_extensions = {"https://silta.example.fi/fhir/StructureDefinition/service-use-level"};
  return o;
}

std::unique_ptr<KantaPhrConnection> Connect(FakeTransport& transport,
                                            const std::string& secret = kSecret) {
  auto pseudonymiser = phr::Pseudonymiser::Create(secret, "test");
  EXPECT_TRUE(pseudonymiser.ok()) << pseudonymiser.status().message();
  return KantaPhrConnection::Wrap(std::make_unique<FakeConnection>(transport), Options(),
                                  std::move(pseudonymiser).value(),
                                  fhirclient::NullLogger::Instance());
}

// A transaction as the sync engine builds it for a new client: conditional updates by business
// identifier, the content hash in meta.tag, a reference inside the transaction (subject) and a
// logical one to a resource the target does not receive (performer).
std::string EngineTransaction(const std::string& note = "Kävelee apuvälineen kanssa") {
  return R"({"resourceType": "Bundle", "type": "transaction", "entry": [
  {"fullUrl": "urn:uuid:b6fbe3aa-91a7-5ae3-839b-deac60318e19",
   "request": {"method": "PUT", "url": "Patient?identifier=https%3A%2F%2Fsilta.example.fi%2Ffhir%2Fsid%2Fclient-record-part%7C286%2FKYM-000184%2Fclient"},
   "resource": {"resourceType": "Patient",
     "meta": {"profile": ["https://silta.example.fi/fhir/StructureDefinition/silta-patient"],
              "tag": [{"system": ")" +
         std::string(kHashSystem) + R"(", "code": "abc123"}]},
     "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Aino Virtanen</div>"},
     "contained": [{"resourceType": "Organization", "id": "org1", "name": "Kuntoutus Kaari Oy"}],
     "extension": [
       {"url": "https://silta.example.fi/fhir/StructureDefinition/organising-county",
        "valueCoding": {"system": "urn:oid:1.2.246.537.6.21", "code": "286"}},
       {"url": "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/municipality-code",
        "valueCoding": {"system": "urn:oid:1.2.246.537.6.21", "code": "286"}},
       {"url": "https://silta.example.fi/fhir/StructureDefinition/payment-contact",
        "extension": [{"url": "holderName", "valueString": "Aino Virtanen"}]},
       {"url": "https://silta.example.fi/fhir/StructureDefinition/service-use-level",
        "extension": [{"url": "level", "valueCoding": {"system": "urn:oid:1.2.246.537.6.1266", "code": "2"}}]}],
     "identifier": [
       {"system": ")" +
         std::string(kPart) + R"(", "value": "286/KYM-000184/client"},
       {"system": "https://silta.example.fi/fhir/sid/crm-client-id", "value": "KYM-000184"},
       {"system": "urn:oid:1.2.246.21", "value": "150386-902C"},
       {"system": "urn:oid:1.2.246.10.32004516.10.1", "value": "ASI-558210"}],
     "name": [{"family": "Virtanen", "given": ["Aino", "Maria"]}],
     "telecom": [{"system": "phone", "value": "+358 40 1234567"}],
     "gender": "female", "birthDate": "1986-03-15",
     "address": [{"line": ["Kauppalankatu 12 B 7"], "postalCode": "45100", "city": "Kouvola"}],
     "managingOrganization": {"reference": "#org1", "display": "Kuntoutus Kaari Oy"}}},
  {"fullUrl": "urn:uuid:36c28cf5-285e-5ed5-9e4a-57230a9ab36a",
   "request": {"method": "PUT", "url": "Observation?identifier=https%3A%2F%2Fsilta.example.fi%2Ffhir%2Fsid%2Fclient-record-part%7C286%2FKYM-000184%2Ffunctional-ability%2Ffa1"},
   "resource": {"resourceType": "Observation",
     "meta": {"profile": ["https://silta.example.fi/fhir/StructureDefinition/silta-functional-ability"]},
     "identifier": [
       {"system": ")" +
         std::string(kPart) + R"(", "value": "286/KYM-000184/functional-ability/fa1"},
       {"system": "https://silta.example.fi/fhir/sid/record-element", "value": "fa1"}],
     "status": "final",
     "code": {"coding": [{"system": "urn:oid:1.2.246.537.6.48", "code": "d450", "display": "Kävely"}]},
     "subject": {"reference": "urn:uuid:b6fbe3aa-91a7-5ae3-839b-deac60318e19", "display": "Aino Virtanen"},
     "performer": [{"type": "Practitioner", "identifier": {"system": ")" +
         std::string(kPart) +
         R"(", "value": "286/KYM-000184/professionals/pro2"}}],
     "valueInteger": 1,
     "note": [{"text": ")" +
         note + R"("}]}}]})";
}

// What the store answers to the transaction above.
std::string TransactionResponse() {
  return R"({"resourceType": "Bundle", "type": "transaction-response", "entry": [
      {"response": {"status": "201 Created", "location": "Patient/p1/_history/1", "etag": "W/\"1\""}},
      {"response": {"status": "201 Created", "location": "Observation/o1/_history/1", "etag": "W/\"1\""}}]})";
}

json::Value SentBundle(const FakeTransport& transport) {
  EXPECT_EQ(transport.request_count(), 1u);
  auto parsed = json::Value::Parse(transport.requests().back().body, "sent");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : json::Value::Object();
}

TEST(KantaPhrTransform, ThePatientIsAPseudonymAndNothingElse) {
  FakeTransport transport;
  transport.Enqueue(200, TransactionResponse());
  auto phr = Connect(transport);
  auto outcome = phr->client().Transaction(EngineTransaction());
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_TRUE(outcome->all_ok());

  const std::string body = transport.requests().back().body;
  // Every personal value of the transaction, written out by hand from it.
  for (const char* personal :
       {"150386-902C", "KYM-000184", "ASI-558210", "Virtanen", "Aino", "Maria", "1986-03-15",
        "female", "Kauppalankatu", "45100", "Kouvola", "+358 40 1234567", "Kuntoutus Kaari",
        "b6fbe3aa-91a7-5ae3-839b-deac60318e19", "abc123", "silta-patient"}) {
    EXPECT_THAT(body, Not(HasSubstr(personal)));
  }
  json::Value sent = SentBundle(transport);
  const json::Value& patient = *sent.Find("entry")->items()[0].Find("resource");
  json::Value expected = *json::Value::Parse(std::string(R"({"resourceType": "Patient",
        "meta": {"tag": [{"system": ")") + kHashSystem +
                                                 R"(", "code": ")" + kKeyedHash + R"("}],
                 "profile": ["http://phr.kanta.fi/StructureDefinition/fiphr-sd-patient"]},
        "extension": [{"url": "https://silta.example.fi/fhir/StructureDefinition/service-use-level",
          "extension": [{"url": "level", "valueCoding": {"system": "urn:oid:1.2.246.537.6.1266", "code": "2"}}]}],
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": ")" +
                                                 kClientPseudonym + R"("}]})",
                                             "expected");
  EXPECT_EQ(patient, expected) << patient.ToString(true);
}

TEST(KantaPhrTransform, TheConditionalUrlNamesTheSamePseudonymAsTheResource) {
  FakeTransport transport;
  transport.Enqueue(200, TransactionResponse());
  auto phr = Connect(transport);
  ASSERT_TRUE(phr->client().Transaction(EngineTransaction()).ok());
  json::Value sent = SentBundle(transport);
  const auto& entries = sent.Find("entry")->items();
  EXPECT_EQ(entries[0].Find("request")->Find("url")->text(),
            std::string("Patient?identifier=urn%3Aietf%3Arfc%3A3986%7C") +
                fhirclient::UrlEncode(kClientPseudonym));
  EXPECT_EQ(entries[1].Find("request")->Find("url")->text(),
            std::string("Observation?identifier=urn%3Aietf%3Arfc%3A3986%7C") +
                fhirclient::UrlEncode(kObservationPseudonym));

  const json::Value& observation = *entries[1].Find("resource");
  // Only the business identifier, as its pseudonym.
  ASSERT_EQ(observation.Find("identifier")->items().size(), 1u);
  EXPECT_EQ(observation.Find("identifier")->items()[0].Find("value")->text(),
            kObservationPseudonym);
  // The subject still points at the Patient's entry, under its new fullUrl, without a display.
  std::string patient_url = entries[0].Find("fullUrl")->text();
  EXPECT_TRUE(patient_url.starts_with("urn:uuid:"));
  EXPECT_EQ(observation.Find("subject")->ToString(), R"({"reference":")" + patient_url + R"("})");
  // A professional the PHR does not hold is not pointed at; Silta's profiles are not claimed.
  EXPECT_EQ(observation.Find("performer"), nullptr);
  EXPECT_EQ(observation.Find("meta"), nullptr);
  EXPECT_THAT(
      observation.ToString(),
      HasSubstr(
          R"({"url":"http://phr.kanta.fi/StructureDefinition/fiphr-ext-creatingapplication","extension":[{"url":"name","valueString":"Silta test"},{"url":"applicationId","valueString":"silta-test"}]})"));
  EXPECT_THAT(observation.ToString(), HasSubstr("Kävelee apuvälineen kanssa"));
}

TEST(KantaPhrTransform, PseudonymsAreStableAndKeyed) {
  FakeTransport first, again, other;
  for (FakeTransport* t : {&first, &again, &other}) t->Enqueue(200, TransactionResponse());
  ASSERT_TRUE(Connect(first)->client().Transaction(EngineTransaction()).ok());
  ASSERT_TRUE(Connect(again)->client().Transaction(EngineTransaction()).ok());
  ASSERT_TRUE(Connect(other, "another-secret-of-at-least-32-bytes!!")
                  ->client()
                  .Transaction(EngineTransaction())
                  .ok());
  // Another connection with the same secret (another run, another deployment) sends exactly the
  // same; another secret gives other pseudonyms.
  EXPECT_EQ(first.requests().back().body, again.requests().back().body);
  EXPECT_EQ(first.requests().back().url, again.requests().back().url);
  EXPECT_THAT(first.requests().back().body, HasSubstr(kClientPseudonym));
  EXPECT_THAT(other.requests().back().body, Not(HasSubstr(kClientPseudonym)));
  EXPECT_THAT(other.requests().back().body, Not(HasSubstr(kObservationPseudonym)));
  EXPECT_THAT(other.requests().back().body, Not(HasSubstr(kKeyedHash)));
}

TEST(KantaPhrTransform, TheEngineReadsBackItsOwnContentHash) {
  FakeTransport transport;
  transport.Enqueue(200, TransactionResponse());
  transport.Enqueue(200, std::string(R"({"resourceType": "Patient", "id": "p1",
      "meta": {"versionId": "2", "tag": [{"system": ")") +
                             kHashSystem + R"(", "code": ")" + kKeyedHash + R"("}]}})");
  auto phr = Connect(transport);
  ASSERT_TRUE(phr->client().Transaction(EngineTransaction()).ok());
  auto read = phr->client().Read("Patient", "p1");
  ASSERT_TRUE(read.ok()) << read.status().message();
  // What the engine compares with the hash it wrote (its own-write check after a 412).
  EXPECT_THAT(read->body, HasSubstr(R"("code":"abc123")"));
  EXPECT_THAT(read->body, Not(HasSubstr(kKeyedHash)));
}

TEST(KantaPhrTransform, ATypeTheStoreDoesNotTakeIsRefusedNotSent) {
  FakeTransport transport;
  auto phr = Connect(transport);
  std::string with_coverage = EngineTransaction();
  with_coverage.insert(with_coverage.rfind("]}"),
                       R"(, {"fullUrl": "urn:uuid:2a5bde75-66dc-50bf-8ee2-2041e9834274",
      "request": {"method": "PUT", "url": "Coverage?identifier=x%7Cy"},
      "resource": {"resourceType": "Coverage", "status": "active"}})");
  auto outcome = phr->client().Transaction(with_coverage);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.status().message(), HasSubstr("the PHR store does not take Coverage"));
  EXPECT_THAT(outcome.status().message(), HasSubstr("nothing was sent"));
  EXPECT_EQ(transport.request_count(), 0u);
}

TEST(KantaPhrTransform, PersonalDataNoRuleRemovesStopsTheTransaction) {
  FakeTransport transport;
  auto phr = Connect(transport);
  for (const char* note : {"Aino kävelee apuvälineen kanssa", "Tunnus 150386-902C",
                           "Asiakas KYM-000184", "Soita +358 40 1234567"}) {
    auto outcome = phr->client().Transaction(EngineTransaction(note));
    ASSERT_FALSE(outcome.ok()) << note;
    EXPECT_THAT(outcome.status().message(), HasSubstr("would still carry a"));
    // The message says what kind of data, never the data.
    EXPECT_THAT(outcome.status().message(), Not(HasSubstr("Aino")));
    EXPECT_THAT(outcome.status().message(), Not(HasSubstr("150386")));
  }
  EXPECT_EQ(transport.request_count(), 0u);
}

TEST(KantaPhrTransform, APullAndASearchByAnotherIdentifierAreRefused) {
  FakeTransport transport;
  auto phr = Connect(transport);
  auto page = phr->client().History("", "2026-01-01T00:00:00Z").NextPage();
  ASSERT_FALSE(page.ok());
  EXPECT_THAT(page.status().message(), HasSubstr("cannot be pulled from"));
  auto search = phr->client()
                    .Search("Patient", {{"identifier", "urn:oid:1.2.246.21|150386-902C"}})
                    .NextPage();
  ASSERT_FALSE(search.ok());
  EXPECT_EQ(transport.request_count(), 0u);
  // A conditional update of one resource is rewritten like the transaction's.
  transport.Enqueue(200, R"({"resourceType": "Observation", "id": "o1"})");
  auto update = phr->client().ConditionalUpdate(
      "Observation",
      {{"identifier", std::string(kPart) + "|286/KYM-000184/functional-ability/fa1"}},
      R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
          "identifier": [{"system": ")" +
          std::string(kPart) + R"(", "value": "286/KYM-000184/functional-ability/fa1"}]})");
  ASSERT_TRUE(update.ok()) << update.status().message();
  EXPECT_THAT(transport.requests().back().url,
              HasSubstr(fhirclient::UrlEncode(kObservationPseudonym)));
  EXPECT_THAT(transport.requests().back().url, Not(HasSubstr("KYM")));
  EXPECT_THAT(transport.requests().back().body, Not(HasSubstr("KYM")));
}

TEST(KantaPhrPseudonymiser, RefusesAnEmptyOrShortSecret) {
  EXPECT_FALSE(phr::Pseudonymiser::Create("", "file s").ok());
  auto short_secret = phr::Pseudonymiser::Create("only-31-bytes-long-0123456789ab", "file s");
  ASSERT_FALSE(short_secret.ok());
  EXPECT_THAT(short_secret.status().message(), HasSubstr("has 31 bytes"));
  EXPECT_THAT(short_secret.status().message(), Not(HasSubstr("only-31")));
  EXPECT_TRUE(phr::Pseudonymiser::Create("exactly-32-bytes-long-0123456789", "file s").ok());
}

class KantaPhrConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("silta-phr-config-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "server.json") << R"({"baseUrl": "http://127.0.0.1:9/fhir"})";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  StatusOr<std::unique_ptr<Connection>> Open(const std::string& secret_member) {
    OpenOptions later;
    later.check_capabilities_now = false;
    return OpenConnection(Write("phr.json", R"({"kind": "kanta-phr", "connection": "server.json",
        "creatingApplication": {"name": "Silta", "applicationId": "silta-test"},
        )" + secret_member + "}"),
                          later);
  }
  fs::path dir_;
};

TEST_F(KantaPhrConfigTest, TheRegistryOpensItWithASecretFromAFileOrTheEnvironment) {
  Write("secret.txt", std::string(kSecret) + "\n");
  auto from_file = Open(R"("pseudonymSecretFile": "secret.txt")");
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  ::setenv("SILTA_TEST_PHR_SECRET", kSecret, 1);
  auto from_env = Open(R"("pseudonymSecretEnv": "SILTA_TEST_PHR_SECRET")");
  ::unsetenv("SILTA_TEST_PHR_SECRET");
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
}

TEST_F(KantaPhrConfigTest, AMissingEmptyOrShortSecretStopsTheStart) {
  ::unsetenv("SILTA_TEST_PHR_UNSET");
  auto unset = Open(R"("pseudonymSecretEnv": "SILTA_TEST_PHR_UNSET")");
  ASSERT_FALSE(unset.ok());
  EXPECT_THAT(unset.status().message(), HasSubstr("pseudonym secret"));
  EXPECT_THAT(unset.status().message(), HasSubstr("SILTA_TEST_PHR_UNSET"));

  auto missing = Open(R"("pseudonymSecretFile": "no-such-file.txt")");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("pseudonym secret"));

  Write("empty.txt", "\n");
  EXPECT_FALSE(Open(R"("pseudonymSecretFile": "empty.txt")").ok());

  Write("short.txt", "short-secret\n");
  auto too_short = Open(R"("pseudonymSecretFile": "short.txt")");
  ASSERT_FALSE(too_short.ok());
  EXPECT_THAT(too_short.status().message(), HasSubstr("has 12 bytes"));
  EXPECT_THAT(too_short.status().message(), Not(HasSubstr("short-secret")));

  auto neither = Open(R"("name": "phr")");
  ASSERT_FALSE(neither.ok());
  EXPECT_THAT(neither.status().message(), HasSubstr("exactly one of \"pseudonymSecretFile\""));
}

TEST_F(KantaPhrConfigTest, MistakesArePointedAtInTheFile) {
  auto config = LoadKantaPhrConfig(Write("bad.json", R"({"kind": "kanta-phr",
  "connection": "server.json",
  "pseudonymSecret": "inline-secrets-are-not-read",
  "acceptedTypes": ["Patient", "Coverage"]})"));
  ASSERT_FALSE(config.ok());
  const std::string& message = config.status().message();
  EXPECT_THAT(message, HasSubstr("bad.json:3:22: unknown member \"pseudonymSecret\""));
  // Line 4 is where "acceptedTypes" is (the column is the JSON reader's).
  EXPECT_THAT(message, ::testing::ContainsRegex(
                           "bad.json:4:[0-9]+: \"acceptedTypes\": the Kanta PHR store does not "
                           "take Coverage"));
  EXPECT_THAT(message, HasSubstr("\"creatingApplication\" needs"));
  EXPECT_THAT(message, Not(HasSubstr("inline-secrets-are-not-read")));
}

TEST(KantaPhrTypes, AreThoseOfTheKantaPhrCapabilityStatement) {
  // Read from the published CapabilityStatement itself.
  auto text = ReadFile(SILTA_SHARED_DIR
                       "/profiles-fi/kanta-phr-r4-0.2.1/"
                       "CapabilityStatement-kanta-phr-capabilitystatement.json");
  if (!text.ok()) GTEST_SKIP() << "../shared/profiles-fi is not there";
  auto statement = json::Value::Parse(*text, "CapabilityStatement");
  ASSERT_TRUE(statement.ok());
  std::set<std::string, std::less<>> types;
  for (const auto& rest : statement->Find("rest")->items()) {
    for (const auto& resource : rest.Find("resource")->items()) {
      types.insert(resource.Find("type")->text());
    }
  }
  EXPECT_EQ(types, phr::KantaPhrResourceTypes());
}

}  // namespace
}  // namespace silta::adapters
