// The service in-process on a free port, spoken to over real HTTP (Poco's client).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "context/context.h"
#include "fhirclient/client.h"
#include "mapping/mapping.h"
#include "records/records.h"
#include "serve/record_queue.h"
#include "serve/serve.h"
#include "serve_http/serve_http.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"
#include "support/memory_journal.h"
#include "support/r4.h"
#include "sync/engine.h"
#include "sync/fhir_peer.h"
#include "sync/journal.h"
#include "sync/routing.h"
#include "validation/validation.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kPatient =
    R"({"resourceType":"Patient","id":"p1","active":true,"gender":"female",)"
    R"("birthDate":"1985-03-12","name":[{"family":"Testinen","given":["Aino"]}]})";
// A record the test mapping modules (tests/mapping/testdata/modules) map whole.
constexpr std::string_view kRecord = R"({
  "recordVersion": "1",
  "clientId": "A/17",
  "county": {"system": "urn:oid:1.2.246.537.6.21", "code": "09"},
  "updatedAt": "2026-01-01T00:00:00Z",
  "identifiers": [{"type": "hetu", "value": "010190-999W"}],
  "name": {"family": "Virtanen", "given": ["Aino", "Maria"]},
  "gender": "female",
  "nonDisclosure": false
})";
constexpr std::string_view kPatientXml =
    R"(<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><active value="true"/></Patient>)";

struct Reply {
  int status = 0;
  std::string content_type;
  std::string content_encoding;
  std::string www_authenticate;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply Call(uint16_t port, const std::string& method, const std::string& path,
           const std::string& body = {}, const Headers& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (method == "POST") request.setContentLength(static_cast<std::streamsize>(body.size()));
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = static_cast<int>(response.getStatus());
  reply.content_type = response.getContentType();
  reply.content_encoding = response.get("Content-Encoding", "");
  reply.www_authenticate = response.get("WWW-Authenticate", "");
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

Headers Auth(const std::string& token, Headers more = {}) {
  more.emplace_back("Authorization", "Bearer " + token);
  return more;
}

Headers FhirJson(const std::string& token = "all") {
  return Auth(token, {{"Content-Type", "application/fhir+json"}});
}

std::string ReadExample(const std::string& relative) {
  auto text = ReadFile(fs::path(SILTA_SOURCE_DIR) / relative);
  EXPECT_TRUE(text.ok()) << relative;
  return text.ok() ? *text : std::string();
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("silta-serve-test-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    // The mapping test's modules, plus updatedAt so that a record survives the round trip
    // through FHIR whole (the record contract requires it).
    fs::copy(fs::path(SILTA_SOURCE_DIR) / "tests/mapping/testdata/modules", *dir_ / "modules",
             fs::copy_options::recursive);
    fs::path client = *dir_ / "modules/client/mapping.json";
    auto text = ReadFile(client);
    ASSERT_TRUE(text.ok());
    std::string patched = *text;
    const std::string anchor = R"("rules": [)";
    patched.insert(patched.find(anchor) + anchor.size(),
                   R"({"record": "updatedAt", "fhir": "meta.lastUpdated"},)");
    ASSERT_TRUE(WriteFileAtomically(client, patched).ok());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }

  static ServeConfig TestConfig(const std::string& queue_name) {
    ServeConfig config;
    config.port = 0;
    config.threads = 2;
    config.max_body_bytes = 64 * 1024;
    config.queue_file = *dir_ / queue_name;
    config.open_routes = {"/"};
    config.access_log = "off";
    return config;
  }

  static Services TestServices() {
    Services services;
    services.model = testing::R4Model();
    static const std::shared_ptr<const validation::Validator> validator = [] {
      auto core = context::CorePackage();
      EXPECT_TRUE(core.ok());
      auto created = validation::Validator::Create(
          packages::ConformanceContext::FromPackages({*core}), testing::R4Model());
      EXPECT_TRUE(created.ok()) << created.status().ToString();
      return created.ok() ? *created : nullptr;
    }();
    if (validator) {
      services.validate = [](const model::Document& document, std::span<const std::string> profiles,
                             IssueSink& sink) { validator->Validate(document, profiles, sink); };
    }
    mapping::MapperOptions to_fhir;
    to_fhir.bundle_kind = mapping::BundleKind::kTransaction;
    auto mapper = mapping::Mapper::Load(*dir_ / "modules", services.model, to_fhir);
    EXPECT_TRUE(mapper.ok()) << mapper.status().ToString();
    if (mapper.ok()) services.to_fhir_mapper = *mapper;
    mapping::MapperOptions from_fhir;
    from_fhir.bundle_kind = mapping::BundleKind::kCollection;
    auto back = mapping::Mapper::Load(*dir_ / "modules", services.model, from_fhir);
    if (back.ok()) services.from_fhir_mapper = *back;
    return services;
  }

  static TokenStore TestTokens() {
    auto tokens = TokenStore::Parse(
        "# test tokens\n"
        "all *\n"
        "validator validate\n"
        "reader metadata metrics sync.read\n");
    EXPECT_TRUE(tokens.ok());
    return tokens.ok() ? *tokens : TokenStore();
  }

  void SetUp() override {
    auto server = Server::Start(
        TestConfig(std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                   ".sqlite"),
        TestServices(), TestTokens());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  static fs::path* dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

fs::path* ServeTest::dir_ = nullptr;

TEST_F(ServeTest, HealthzIsOpenAndOthersNeedAToken) {
  EXPECT_EQ(Call(port_, "GET", "/healthz").status, 200);
  Reply missing = Call(port_, "GET", "/metadata");
  EXPECT_EQ(missing.status, 401);
  EXPECT_THAT(missing.www_authenticate, HasSubstr("Bearer"));
  EXPECT_THAT(missing.body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(missing.body, HasSubstr("SERVE_UNAUTHENTICATED"));
  EXPECT_EQ(Call(port_, "GET", "/metadata", {}, Auth("wrong")).status, 401);
  EXPECT_EQ(Call(port_, "GET", "/metadata", {}, {{"Authorization", "Basic YWxsOg=="}}).status, 401);
  EXPECT_EQ(Call(port_, "GET", "/readyz").status, 401);
  EXPECT_EQ(Call(port_, "POST", "/$validate", std::string(kPatient), FhirJson("nobody")).status,
            401);
}

TEST_F(ServeTest, WrongScopeIsForbidden) {
  Reply reply = Call(port_, "GET", "/metadata", {}, Auth("validator"));
  EXPECT_EQ(reply.status, 403);
  EXPECT_THAT(reply.body, HasSubstr("metadata"));
  EXPECT_EQ(Call(port_, "POST", "/$convert", std::string(kPatient), FhirJson("validator")).status,
            403);
  EXPECT_EQ(Call(port_, "POST", "/$validate", std::string(kPatient), FhirJson("reader")).status,
            403);
}

TEST_F(ServeTest, UnknownRouteIs404WithOperationOutcome) {
  Reply reply = Call(port_, "GET", "/no/such/thing");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.content_type, "application/fhir+json");
  EXPECT_THAT(reply.body, HasSubstr("\"resourceType\": \"OperationOutcome\""));
  EXPECT_THAT(reply.body, HasSubstr("not-found"));
  Reply xml = Call(port_, "GET", "/nothing", {}, {{"Accept", "application/fhir+xml"}});
  EXPECT_EQ(xml.status, 404);
  EXPECT_THAT(xml.body, HasSubstr("<OperationOutcome"));
  EXPECT_EQ(Call(port_, "GET", "/$validate", {}, Auth("all")).status, 405);
}

TEST_F(ServeTest, MetadataDescribesTheOperations) {
  Reply reply = Call(port_, "GET", "/metadata", {}, Auth("reader"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("CapabilityStatement"));
  EXPECT_THAT(reply.body, HasSubstr("\"fhirVersion\":\"4.0.1\""));
  EXPECT_THAT(reply.body, HasSubstr("Resource-validate"));
  EXPECT_THAT(reply.body, HasSubstr("map-to-fhir"));
  Reply xml = Call(port_, "GET", "/metadata?_format=xml", {}, Auth("reader"));
  ASSERT_EQ(xml.status, 200);
  EXPECT_EQ(xml.content_type, "application/fhir+xml");
  EXPECT_THAT(xml.body, HasSubstr("<fhirVersion value=\"4.0.1\"/>"));
}

TEST_F(ServeTest, ValidateGoodAndBadResources) {
  Reply good = Call(port_, "POST", "/$validate", std::string(kPatient), FhirJson("validator"));
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_THAT(good.body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(good.body, Not(HasSubstr("\"error\"")));

  Reply typed =
      Call(port_, "POST", "/Patient/$validate", std::string(kPatient), FhirJson("validator"));
  EXPECT_EQ(typed.status, 200);
  Reply mismatch =
      Call(port_, "POST", "/Observation/$validate", std::string(kPatient), FhirJson("validator"));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_THAT(mismatch.body, HasSubstr("SERVE_TYPE_MISMATCH"));

  Reply unknown_element = Call(port_, "POST", "/$validate",
                               R"({"resourceType":"Patient","colour":"blue"})", FhirJson());
  EXPECT_EQ(unknown_element.status, 200);
  EXPECT_THAT(unknown_element.body, HasSubstr("\"error\""));
  EXPECT_THAT(unknown_element.body, HasSubstr("colour"));

  Reply malformed = Call(port_, "POST", "/$validate", R"({"resourceType":"Patient",)", FhirJson());
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(malformed.body, HasSubstr("\"fatal\""));

  Reply not_fhir = Call(port_, "POST", "/$validate", "[1,2,3]", FhirJson());
  EXPECT_EQ(not_fhir.status, 400);
}

TEST_F(ServeTest, ValidateUsesTheValidator) {
  // Lexically a fine code, but not in the required AdministrativeGender binding: only the
  // validator, not the parser, finds it.
  Reply reply =
      Call(port_, "POST", "/$validate?profile=http://hl7.org/fhir/StructureDefinition/Patient",
           R"({"resourceType":"Patient","gender":"girl"})", FhirJson("validator"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("\"error\""));
  EXPECT_THAT(reply.body, HasSubstr("Patient.gender"));
}

// The narrative rules through the service: a script in the div is one error at the div, and an
// entity XML does not define is one error too (the div is not also reported missing).
TEST_F(ServeTest, ValidateJudgesTheNarrative) {
  Reply script =
      Call(port_, "POST", "/$validate",
           R"({"resourceType":"Patient","text":{"status":"generated","div":)"
           R"("<div xmlns=\"http://www.w3.org/1999/xhtml\">a<script>x()</script></div>"}})",
           FhirJson("validator"));
  ASSERT_EQ(script.status, 200) << script.body;
  EXPECT_THAT(script.body, HasSubstr("XHTML_ACTIVE_CONTENT"));
  EXPECT_THAT(script.body, HasSubstr("Patient.text.div"));
  Reply entity = Call(port_, "POST", "/$validate",
                      R"({"resourceType":"Patient","text":{"status":"generated","div":)"
                      R"("<div xmlns=\"http://www.w3.org/1999/xhtml\">a&nbsp;b</div>"}})",
                      FhirJson("validator"));
  ASSERT_EQ(entity.status, 200) << entity.body;
  EXPECT_THAT(entity.body, HasSubstr("XHTML_ENTITY_UNDEFINED"));
  EXPECT_THAT(entity.body, Not(HasSubstr("minimum required")));
}

// A browser (or _format=html) gets the CLI's HTML report instead of the OperationOutcome.
TEST_F(ServeTest, ValidateAnswersBrowsersWithTheHtmlReport) {
  Headers browser = Auth("validator", {{"Content-Type", "application/fhir+json"},
                                       {"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  Reply page =
      Call(port_, "POST", "/$validate?profile=http://hl7.org/fhir/StructureDefinition/Patient",
           R"({"resourceType":"Patient","gender":"girl"})", browser);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page.body, HasSubstr("id=total-error><b>1</b>"));
  EXPECT_THAT(page.body, HasSubstr("id=by-profile"));
  EXPECT_THAT(page.body, HasSubstr("Patient.gender"));

  Reply malformed =
      Call(port_, "POST", "/$validate?_format=html", R"({"resourceType":)", FhirJson("validator"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.content_type, HasSubstr("text/html"));
  EXPECT_THAT(malformed.body, HasSubstr("Errors found."));

  // FHIR clients keep getting FHIR: */* or a FHIR type first.
  Reply fhir = Call(port_, "POST", "/$validate", R"({"resourceType":"Patient"})",
                    Auth("validator", {{"Content-Type", "application/fhir+json"},
                                       {"Accept", "application/fhir+json, text/html"}}));
  EXPECT_THAT(fhir.content_type, HasSubstr("application/fhir+json"));
}

TEST_F(ServeTest, ValidateAcceptsTheParametersForm) {
  std::string parameters =
      R"({"resourceType":"Parameters","parameter":[)"
      R"({"name":"resource","resource":{"resourceType":"Patient","gender":"girl"}},)"
      R"({"name":"profile","valueCanonical":"http://hl7.org/fhir/StructureDefinition/Patient"}]})";
  Reply reply = Call(port_, "POST", "/Patient/$validate", parameters, FhirJson("validator"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("Patient.gender"));
  Reply empty = Call(port_, "POST", "/$validate", R"({"resourceType":"Parameters"})", FhirJson());
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(empty.body, HasSubstr("SERVE_NO_RESOURCE"));
}

TEST_F(ServeTest, WrongContentTypeIs415) {
  Reply reply = Call(port_, "POST", "/$validate", std::string(kPatient),
                     Auth("all", {{"Content-Type", "text/plain"}}));
  EXPECT_EQ(reply.status, 415);
  EXPECT_THAT(reply.body, HasSubstr("OperationOutcome"));
  EXPECT_EQ(Call(port_, "POST", "/$convert", std::string(kPatient), Auth("all")).status, 415);
  EXPECT_EQ(
      Call(port_, "POST", "/$validate", std::string(kPatient),
           Auth("all", {{"Content-Type", "application/fhir+json"}, {"Content-Encoding", "br"}}))
          .status,
      415);
}

TEST_F(ServeTest, XmlInAndOut) {
  Reply reply = Call(
      port_, "POST", "/$validate", std::string(kPatientXml),
      Auth("all", {{"Content-Type", "application/fhir+xml"}, {"Accept", "application/fhir+xml"}}));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "application/fhir+xml");
  EXPECT_THAT(reply.body, HasSubstr("<OperationOutcome"));

  Reply to_xml = Call(port_, "POST", "/$convert", std::string(kPatient), FhirJson());
  ASSERT_EQ(to_xml.status, 200) << to_xml.body;
  EXPECT_EQ(to_xml.content_type, "application/fhir+xml");
  EXPECT_THAT(to_xml.body, HasSubstr("<family value=\"Testinen\"/>"));

  Reply to_json = Call(port_, "POST", "/$convert", to_xml.body,
                       Auth("all", {{"Content-Type", "application/fhir+xml"}}));
  ASSERT_EQ(to_json.status, 200) << to_json.body;
  EXPECT_EQ(to_json.content_type, "application/fhir+json");
  EXPECT_THAT(to_json.body, HasSubstr("\"family\": \"Testinen\""));

  Reply same = Call(port_, "POST", "/$convert?_format=json", std::string(kPatient), FhirJson());
  EXPECT_EQ(same.content_type, "application/fhir+json");

  Reply broken = Call(port_, "POST", "/$convert", "<Patient xmlns=\"http://hl7.org/fhir\">",
                      Auth("all", {{"Content-Type", "application/fhir+xml"}}));
  EXPECT_EQ(broken.status, 400);
  EXPECT_THAT(broken.body, HasSubstr("OperationOutcome"));
}

TEST_F(ServeTest, OversizeBodyIs413) {
  std::string big = R"({"resourceType":"Patient","id":")" + std::string(100 * 1024, 'a') + "\"}";
  Reply reply = Call(port_, "POST", "/$validate", big, FhirJson());
  EXPECT_EQ(reply.status, 413);
  EXPECT_THAT(reply.body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(reply.body, HasSubstr("too-long"));
  // Small on the wire, too large once inflated.
  Reply bomb =
      Call(port_, "POST", "/$validate", Gzip(big),
           Auth("all", {{"Content-Type", "application/fhir+json"}, {"Content-Encoding", "gzip"}}));
  EXPECT_EQ(bomb.status, 413);
}

TEST_F(ServeTest, GzipRequestAndResponse) {
  Headers headers = Auth("all", {{"Content-Type", "application/fhir+json"},
                                 {"Content-Encoding", "gzip"},
                                 {"Accept-Encoding", "gzip"},
                                 {"Accept", "application/fhir+xml"}});
  std::string patient = ReadExample("examples/resources/patient-aino.json");
  Reply reply = Call(port_, "POST", "/$convert", Gzip(patient), headers);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_encoding, "gzip");
  auto xml = Gunzip(reply.body, 1 << 20);
  ASSERT_TRUE(xml.ok());
  EXPECT_THAT(*xml, HasSubstr("<Patient xmlns=\"http://hl7.org/fhir\">"));

  Reply plain = Call(
      port_, "POST", "/$convert", patient,
      Auth("all", {{"Content-Type", "application/fhir+json"}, {"Accept-Encoding", "gzip;q=0"}}));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.content_encoding, "");

  Reply bad =
      Call(port_, "POST", "/$validate", "not gzip at all",
           Auth("all", {{"Content-Type", "application/fhir+json"}, {"Content-Encoding", "gzip"}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("SERVE_BAD_GZIP"));
}

TEST_F(ServeTest, MapToFhirAndBack) {
  std::string record(kRecord);
  Headers json = Auth("all", {{"Content-Type", "application/json"}});
  Reply bundle = Call(port_, "POST", "/$map-to-fhir", record, json);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_THAT(bundle.body, HasSubstr("\"type\":\"transaction\""));
  EXPECT_THAT(bundle.body, HasSubstr("\"resourceType\":\"Patient\""));

  Reply back = Call(port_, "POST", "/$map-from-fhir", bundle.body,
                    Auth("all", {{"Content-Type", "application/fhir+json"}}));
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.content_type, "application/json");
  EXPECT_THAT(back.body, HasSubstr("A/17"));

  IssueCollector issues;
  auto parsed = records::ReadJson(kRecord, issues);
  ASSERT_TRUE(parsed.has_value());
  std::string xml_record = records::Write(*parsed, records::Format::kXml);
  Reply from_xml =
      Call(port_, "POST", "/$map-to-fhir", xml_record,
           Auth("all", {{"Content-Type", "application/xml"}, {"Accept", "application/fhir+xml"}}));
  ASSERT_EQ(from_xml.status, 200) << from_xml.body;
  EXPECT_THAT(from_xml.body, HasSubstr("<Bundle xmlns=\"http://hl7.org/fhir\">"));

  Reply malformed = Call(port_, "POST", "/$map-to-fhir", "{\"clientId\":", json);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("OperationOutcome"));
  Reply contract = Call(port_, "POST", "/$map-to-fhir", R"({"clientId":"X"})", json);
  EXPECT_EQ(contract.status, 400);
  EXPECT_EQ(Call(port_, "POST", "/$map-to-fhir", record, Auth("validator", json)).status, 403);
}

TEST_F(ServeTest, QueuedRecordsCountInSyncStatusAndMetrics) {
  std::string record = ReadExample("examples/records/minimal.json");
  Headers json = Auth("all", {{"Content-Type", "application/json"}});
  Reply queued = Call(port_, "POST", "/client-records", record, json);
  EXPECT_EQ(queued.status, 202) << queued.body;
  EXPECT_THAT(queued.body, HasSubstr("SERVE_RECORD_QUEUED"));
  EXPECT_EQ(Call(port_, "POST", "/client-records", "{\"clientId\":", json).status, 400);

  Reply status = Call(port_, "GET", "/sync/status", {}, Auth("reader"));
  ASSERT_EQ(status.status, 200);
  EXPECT_THAT(status.body, HasSubstr("\"queueDepth\":1"));
  EXPECT_THAT(status.body, HasSubstr("\"conflicts\":null"));

  Call(port_, "POST", "/$validate", R"({"resourceType":"Patient","colour":"blue"})", FhirJson());
  Reply metrics = Call(port_, "GET", "/metrics", {}, Auth("reader"));
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.content_type, HasSubstr("text/plain"));
  EXPECT_THAT(metrics.body,
              HasSubstr("silta_http_requests_total{route=\"/client-records\",status=\"202\"} 1"));
  EXPECT_THAT(metrics.body,
              HasSubstr("silta_http_requests_total{route=\"/client-records\",status=\"400\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_validation_issues_total{severity=\"error\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_queue_depth 1"));
}

TEST_F(ServeTest, SyncStatusCountsJournalConflicts) {
  ServeConfig config = TestConfig("status-queue.sqlite");
  config.journal_file = *dir_ / "journal.sqlite";
  {
    auto journal = sync::SqliteJournal::Open(config.journal_file);
    ASSERT_TRUE(journal.ok());
    sync::Conflict conflict;
    conflict.target = "peer";
    conflict.resource_key = "Patient|urn:x|1";
    ASSERT_TRUE((*journal)->AddConflict(conflict).ok());
    ASSERT_TRUE((*journal)->AddConflict(conflict).ok());
  }
  auto server = Server::Start(config, TestServices(), TestTokens());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Reply status = Call((*server)->port(), "GET", "/sync/status", {}, Auth("reader"));
  ASSERT_EQ(status.status, 200);
  EXPECT_THAT(status.body, HasSubstr("\"conflicts\":2"));
  EXPECT_THAT(status.body, HasSubstr("\"queueDepth\":0"));
}

TEST_F(ServeTest, AccessLogHasOneLinePerRequestWithoutQueriesOrBodies) {
  ServeConfig config = TestConfig("access-log.sqlite");
  config.access_log = (*dir_ / "access.log").string();
  {
    auto server = Server::Start(config, TestServices(), TestTokens());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    uint16_t port = (*server)->port();
    // Identifiers in the query, the body and an unknown path must not reach the log.
    EXPECT_EQ(Call(port, "POST", "/$validate?profile=urn%3A010190-999W", std::string(kPatient),
                   FhirJson())
                  .status,
              200);
    EXPECT_EQ(Call(port, "GET", "/Patient/010190-999W").status, 404);
    EXPECT_EQ(Call(port, "GET", "/metadata").status, 401);
    EXPECT_EQ(Call(port, "POST", "/Patient/$validate", std::string(kPatient), FhirJson()).status,
              200);
  }
  auto log = ReadFile(*dir_ / "access.log");
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, Not(HasSubstr("010190")));
  EXPECT_THAT(*log, Not(HasSubstr("Testinen")));
  EXPECT_THAT(*log, Not(HasSubstr("profile")));
  std::vector<std::string> lines;
  std::istringstream in(*log);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << *log;
  const std::string stamp = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z 127\\.0\\.0\\.1 ";
  EXPECT_THAT(lines[0],
              ::testing::MatchesRegex(stamp + "POST /\\$validate 200 [1-9][0-9]* [0-9.]+ms$"));
  EXPECT_THAT(lines[1], ::testing::MatchesRegex(stamp + "GET - 404 [1-9][0-9]* [0-9.]+ms$"));
  EXPECT_THAT(lines[2], ::testing::MatchesRegex(stamp + "GET /metadata 401 .*"));
  EXPECT_THAT(lines[3], ::testing::MatchesRegex(stamp + "POST /Patient/\\$validate 200 .*"));
}

// A FHIR server stand-in for the queue consumer: while `down` every connection is refused;
// otherwise each transaction entry is created with a new id.
class FakeFhirServer {
 public:
  FakeFhirServer() {
    transport_.SetHandler([this](const fhirclient::HttpRequest& request) {
      if (down_) {
        return fhirclient::HttpResult::Failure(fhirclient::TransportErrorKind::kConnect,
                                               "connection refused");
      }
      std::lock_guard lock(mu_);
      transactions_.push_back(request.body);
      if (!refuse_.empty() && request.body.find(refuse_) != std::string::npos) {
        // As a server that validates: the data is wrong, and it says which identifier.
        fhirclient::HttpResult refused;
        refused.response.status = 422;
        refused.response.headers.emplace_back("Content-Type", "application/fhir+json");
        refused.response.body =
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
            R"("code":"invariant","diagnostics":"Patient with identifier 010190-999W )"
            R"(fails rule pat-9"}]})";
        return refused;
      }
      auto bundle = json::Value::Parse(request.body, "transaction");
      json::Value answer = json::Value::Object();
      answer["resourceType"] = json::Value::String("Bundle");
      answer["type"] = json::Value::String("transaction-response");
      json::Value& entries = answer["entry"] = json::Value::Array();
      if (bundle.ok() && bundle->Find("entry") != nullptr) {
        for (const auto& entry : bundle->Find("entry")->items()) {
          std::string url = entry.Find("request")->Find("url")->text();
          std::string type = url.substr(0, url.find_first_of("?/"));
          json::Value response = json::Value::Object();
          response["status"] = json::Value::String("201 Created");
          response["location"] =
              json::Value::String(type + "/" + std::to_string(++next_id_) + "/_history/1");
          response["etag"] = json::Value::String("W/\"1\"");
          json::Value answered = json::Value::Object();
          answered["response"] = std::move(response);
          entries.Append(std::move(answered));
        }
      }
      fhirclient::HttpResult result;
      result.response.status = 200;
      result.response.headers.emplace_back("Content-Type", "application/fhir+json");
      result.response.body = answer.ToString();
      return result;
    });
  }
  fhirclient::HttpTransport& transport() { return transport_; }
  void set_down(bool down) { down_ = down; }
  // Transactions that contain `needle` are refused with 422; empty: none.
  void set_refuse(std::string needle) {
    std::lock_guard lock(mu_);
    refuse_ = std::move(needle);
  }
  std::vector<std::string> transactions() const {
    std::lock_guard lock(mu_);
    return transactions_;
  }

 private:
  fhirclient::FakeTransport transport_;
  std::atomic<bool> down_{false};
  mutable std::mutex mu_;
  std::vector<std::string> transactions_;
  std::string refuse_;
  int next_id_ = 0;
};

// Polls GET /sync/status until it contains `text`.
bool WaitForStatus(uint16_t port, const std::string& text) {
  // A generous deadline: only a failing test waits it out.
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       std::chrono::steady_clock::now() < deadline;) {
    if (Call(port, "GET", "/sync/status", {}, Auth("reader")).body.find(text) !=
        std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(ServeTest, QueuedRecordsArePushedAfterTheTargetComesBack) {
  FakeFhirServer fhir;
  fhirclient::FhirClientOptions client_options;
  client_options.base_url = "http://fhir.invalid/r4";
  client_options.retry.max_attempts = 1;  // the worker's own retries are under test
  fhirclient::FhirClient client(client_options, fhir.transport());
  auto mapper = mapping::Mapper::Load(*dir_ / "modules", testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto policy_json = json::Value::Parse(
      R"({"targets": [{"name": "county", "levels":
          ["county", "shared-definition", "joint-county", "national"]}]})",
      "policy");
  auto policy = sync::RoutingPolicy::FromJson(*policy_json, "policy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  sync::MemoryJournal journal;
  sync::SyncOptions sync_options;
  sync_options.quarantine_dir = *dir_ / "quarantine";
  auto engine = std::make_shared<sync::SyncEngine>(
      **mapper, *policy, std::map<std::string, fhirclient::FhirClient*>{{"county", &client}},
      journal, nullptr, sync_options);

  ServeConfig config = TestConfig("sync-worker.sqlite");
  config.sync_retry = std::chrono::milliseconds(20);
  auto start = [&] {
    Services services = TestServices();
    services.sync_engine = engine;
    auto server = Server::Start(config, std::move(services), TestTokens());
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(*server) : nullptr;
  };
  std::string second(kRecord);
  second.replace(second.find("A/17"), 4, "A/18");
  Headers json = Auth("all", {{"Content-Type", "application/json"}});

  fhir.set_down(true);
  {
    auto server = start();
    ASSERT_NE(server, nullptr);
    uint16_t port = server->port();
    EXPECT_EQ(Call(port, "POST", "/client-records", std::string(kRecord), json).status, 202);
    EXPECT_EQ(Call(port, "POST", "/client-records", second, json).status, 202);
    // The target is down: the worker retries the oldest record, nothing leaves the queue.
    ASSERT_TRUE(WaitForStatus(port, "\"retrying\":true"));
    ASSERT_TRUE(WaitForStatus(port, "\"queueDepth\":2"));
    Reply status = Call(port, "GET", "/sync/status", {}, Auth("reader"));
    EXPECT_THAT(status.body, HasSubstr("\"recordsSynced\":0"));
    EXPECT_THAT(status.body, HasSubstr("connection refused"));
    server->Stop();  // stops the worker between attempts; the records stay queued
  }
  EXPECT_TRUE(fhir.transactions().empty());

  fhir.set_down(false);
  auto server = start();
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();
  ASSERT_TRUE(WaitForStatus(port, "\"queueDepth\":0"));
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":2"));
  Reply status = Call(port, "GET", "/sync/status", {}, Auth("reader"));
  EXPECT_THAT(status.body, HasSubstr("\"retrying\":false"));
  Reply metrics = Call(port, "GET", "/metrics", {}, Auth("reader"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_records_synced_total 2"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_queue_depth 0"));

  // One transaction per record, each a conditional update by the business identifier of that
  // client (a repeat would update, never duplicate). Order is kept per client only: the record
  // that waited for its retry does not hold back the other client's.
  std::vector<std::string> sent = fhir.transactions();
  ASSERT_EQ(sent.size(), 2u);
  const bool a17_first = sent[0].find("A%2F17") != std::string::npos;
  const std::string& a17 = sent[a17_first ? 0 : 1];
  const std::string& a18 = sent[a17_first ? 1 : 0];
  EXPECT_THAT(a17, HasSubstr("\"type\":\"transaction\""));
  EXPECT_THAT(a17, HasSubstr("A%2F17"));
  EXPECT_THAT(a17, Not(HasSubstr("A%2F18")));
  EXPECT_THAT(a18, HasSubstr("A%2F18"));
  EXPECT_THAT(a18, HasSubstr("Patient?identifier="));
  // The outcomes are journalled: queueing the same record again sends nothing.
  EXPECT_EQ(Call(port, "POST", "/client-records", std::string(kRecord), json).status, 202);
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":3"));
  EXPECT_EQ(fhir.transactions().size(), 2u);
  server->Stop();
}

// `silta queue <args>` as an operator runs it; its exit code, standard output in *out and
// standard error in *err.
int RunQueueCli(const std::string& args, std::string* out, std::string* err) {
  fs::path err_file = fs::temp_directory_path() / ("silta-queue-cli-" + std::to_string(getpid()));
  std::string command = std::string(SILTA_BINARY) + " queue " + args + " 2>" + err_file.string();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  out->clear();
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out->append(buffer, n);
  int status = pclose(pipe);
  auto text = ReadFile(err_file);
  *err = text.ok() ? *text : "";
  fs::remove(err_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// No head-of-line blocking: two clients' records are refused again and again (HTTP 422, the
// data's fault) while the other clients' records all arrive; after syncParkAfter refusals each
// refused record is parked with its OperationOutcome, its client's later record waits behind it,
// `silta queue list` and GET /sync/queue list them without personal data, and once the server
// is fixed one is requeued with `silta queue requeue` and the other with POST
// /sync/queue/{id}/$requeue, and both clients' records arrive in order.
TEST_F(ServeTest, RefusedRecordIsParkedWhileOtherClientsFlowAndRequeuedAfterAFix) {
  FakeFhirServer fhir;
  fhirclient::FhirClientOptions client_options;
  client_options.base_url = "http://fhir.invalid/r4";
  client_options.retry.max_attempts = 1;
  fhirclient::FhirClient client(client_options, fhir.transport());
  auto mapper = mapping::Mapper::Load(*dir_ / "modules", testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto policy_json = json::Value::Parse(
      R"({"targets": [{"name": "county", "levels":
          ["county", "shared-definition", "joint-county", "national"]}]})",
      "policy");
  auto policy = sync::RoutingPolicy::FromJson(*policy_json, "policy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  sync::MemoryJournal journal;
  auto engine = std::make_shared<sync::SyncEngine>(
      **mapper, *policy, std::map<std::string, fhirclient::FhirClient*>{{"county", &client}},
      journal, nullptr, sync::SyncOptions{});

  ServeConfig config = TestConfig("parking.sqlite");
  config.sync_retry = std::chrono::milliseconds(20);
  config.sync_park_after = 3;
  config.quarantine_dir = *dir_ / "parking-quarantine";
  Services services = TestServices();
  services.sync_engine = engine;
  auto server = Server::Start(config, std::move(services), TestTokens());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  uint16_t port = (*server)->port();
  // A client's later record differs in what it sends (gender), not only in updatedAt.
  auto record = [](const std::string& client_id, const std::string& updated) {
    std::string text(kRecord);
    text.replace(text.find("A/17"), 4, client_id);
    text.replace(text.find("2026-01-01T00:00:00Z"), 20, updated);
    if (updated != "2026-01-01T00:00:00Z") {
      text.replace(text.find("\"female\""), 8, "\"male\"");
    }
    return text;
  };
  Headers json = Auth("all", {{"Content-Type", "application/json"}});
  // Refused: every transaction of A/17 and of A/20 (their business identifiers).
  fhir.set_refuse("A%2F17");
  ASSERT_EQ(
      Call(port, "POST", "/client-records", record("A/17", "2026-01-01T00:00:00Z"), json).status,
      202);  // queued-1
  ASSERT_EQ(
      Call(port, "POST", "/client-records", record("A/17", "2026-01-02T00:00:00Z"), json).status,
      202);  // queued-2, behind it
  for (int i = 30; i < 40; ++i) {
    ASSERT_EQ(Call(port, "POST", "/client-records",
                   record("B/" + std::to_string(i), "2026-01-01T00:00:00Z"), json)
                  .status,
              202);  // queued-3..12
  }
  ASSERT_TRUE(WaitForStatus(port, "\"recordsParked\":1"));
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":10"));
  fhir.set_refuse("");
  fhir.set_refuse("A%2F20");
  ASSERT_EQ(
      Call(port, "POST", "/client-records", record("A/20", "2026-01-01T00:00:00Z"), json).status,
      202);  // queued-13
  ASSERT_TRUE(WaitForStatus(port, "\"recordsParked\":2"));

  // Every other client arrived, each once; the refused clients' later records were not tried.
  std::vector<std::string> sent = fhir.transactions();
  int refused_a17 = 0, refused_a20 = 0;
  std::set<std::string> arrived;
  for (const std::string& body : sent) {
    if (body.find("A%2F17") != std::string::npos) ++refused_a17;
    if (body.find("A%2F20") != std::string::npos) ++refused_a20;
    for (int i = 30; i < 40; ++i) {
      if (body.find("B%2F" + std::to_string(i)) != std::string::npos) {
        EXPECT_TRUE(arrived.insert("B/" + std::to_string(i)).second) << "B/" << i << " twice";
      }
    }
  }
  EXPECT_EQ(arrived.size(), 10u);
  EXPECT_EQ(refused_a17, 3) << "parked on its third refusal, never tried again";
  EXPECT_EQ(refused_a20, 3);
  for (const std::string& body : sent) {
    EXPECT_THAT(body, Not(HasSubstr("\"gender\":\"male\""))) << "A/17's later record must wait";
  }

  // The operators' view, over HTTP: parked, with the reason, masked.
  EXPECT_EQ(Call(port, "GET", "/sync/queue").status, 401);
  Reply listing = Call(port, "GET", "/sync/queue", {}, Auth("reader"));
  ASSERT_EQ(listing.status, 200) << listing.body;
  EXPECT_THAT(listing.body, HasSubstr("\"parked\": 2"));
  EXPECT_THAT(listing.body, HasSubstr("\"blockedClients\": 2"));
  EXPECT_THAT(listing.body, HasSubstr("\"state\": \"parked\""));
  EXPECT_THAT(listing.body, HasSubstr("\"heldBack\": 1"));
  EXPECT_THAT(listing.body, HasSubstr("\"refusals\": 3"));
  EXPECT_THAT(listing.body, HasSubstr("HTTP 422 Unprocessable Entity: error/invariant"));
  EXPECT_THAT(listing.body, Not(HasSubstr("010190-999W")));
  EXPECT_THAT(listing.body, Not(HasSubstr("A/17")));
  EXPECT_THAT(listing.body, HasSubstr("\"client\": \"09/#"));
  Reply shown = Call(port, "GET", "/sync/queue/1", {}, Auth("reader"));
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_THAT(shown.body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(shown.body, HasSubstr("SYNC_RECORD_PARKED"));
  EXPECT_THAT(shown.body, HasSubstr("Refused 3 times as the data's fault"));
  EXPECT_THAT(shown.body, Not(HasSubstr("010190-999W")));
  EXPECT_EQ(Call(port, "GET", "/sync/queue/999", {}, Auth("reader")).status, 404);
  Reply metrics = Call(port, "GET", "/metrics", {}, Auth("reader"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_queue_parked_records 2"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_queue_blocked_clients 2"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_records_parked_total 2"));
  EXPECT_THAT(metrics.body, HasSubstr("silta_sync_refusals_total 6"));

  // ... and through the CLI, on the same queue file.
  std::string out, err;
  const std::string queue_arg = "--queue " + config.queue_file.string();
  ASSERT_EQ(RunQueueCli("list " + queue_arg, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("3 record(s), 2 parked, 2 client(s) blocked"));
  EXPECT_THAT(out, HasSubstr("queued-1  parked"));
  EXPECT_THAT(out, HasSubstr("queued-13  parked"));
  EXPECT_THAT(out, Not(HasSubstr("010190-999W")));
  EXPECT_THAT(out, Not(HasSubstr("A/17")));

  // The server is fixed. Requeued with the CLI: A/17's records arrive, in order.
  fhir.set_refuse("");
  ASSERT_EQ(RunQueueCli("requeue 1 --reason 'pat-9 fixed on the server' " + queue_arg, &out, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("queue audit: requeue queued-1 (client 09/#"));
  EXPECT_THAT(err, HasSubstr("pat-9 fixed on the server"));
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":12"));
  // Over HTTP: a reader may not requeue; an operator may.
  EXPECT_EQ(Call(port, "POST", "/sync/queue/13/$requeue", {}, Auth("reader")).status, 403);
  Reply requeued =
      Call(port, "POST", "/sync/queue/13/$requeue?reason=fixed&by=anna", {}, Auth("all"));
  EXPECT_EQ(requeued.status, 200) << requeued.body;
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":13"));
  ASSERT_TRUE(WaitForStatus(port, "\"queueDepth\":0"));
  EXPECT_EQ(Call(port, "POST", "/sync/queue/13/$requeue", {}, Auth("all")).status, 404);

  sent = fhir.transactions();
  size_t first_a17 = sent.size(), later_a17 = sent.size();
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].find("A%2F17") == std::string::npos) continue;
    if (sent[i].find("\"gender\":\"male\"") != std::string::npos) {
      later_a17 = std::min(later_a17, i);
    } else {
      first_a17 = i;  // the last of its attempts: the one that passed
    }
  }
  EXPECT_LT(first_a17, later_a17) << "A/17's records in the order queued";
  EXPECT_LT(later_a17, sent.size());
  ASSERT_EQ(RunQueueCli("list " + queue_arg, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("0 record(s), 0 parked, 0 client(s) blocked"));
  EXPECT_EQ(RunQueueCli("discard 1 --reason gone " + queue_arg, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("no queued record 1"));

  // Discarded over HTTP: the parked record goes, its client's next record flows.
  fhir.set_refuse("A%2F21");
  ASSERT_EQ(
      Call(port, "POST", "/client-records", record("A/21", "2026-01-01T00:00:00Z"), json).status,
      202);  // queued-14
  ASSERT_EQ(
      Call(port, "POST", "/client-records", record("A/21", "2026-01-02T00:00:00Z"), json).status,
      202);  // queued-15
  ASSERT_TRUE(WaitForStatus(port, "\"recordsParked\":3"));
  EXPECT_EQ(Call(port, "DELETE", "/sync/queue/14", {}, Auth("reader")).status, 403);
  fhir.set_refuse("");
  Reply discarded = Call(port, "DELETE", "/sync/queue/14?reason=superseded", {}, Auth("all"));
  EXPECT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_THAT(discarded.body, HasSubstr("SERVE_QUEUE_DISCARDED"));
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":14"));
  ASSERT_TRUE(WaitForStatus(port, "\"queueDepth\":0"));
  EXPECT_EQ(Call(port, "GET", "/sync/queue/14", {}, Auth("reader")).status, 404);
  EXPECT_EQ(Call(port, "DELETE", "/sync/queue/14", {}, Auth("all")).status, 404);
  (*server)->Stop();
}

// A quarantined record, corrected in place, goes back into the queue with `silta queue requeue
// --quarantined`; one that still is no client record stays where it is, exit code 1.
TEST(QueueCliTest, RequeuesACorrectedQuarantinedRecord) {
  fs::path dir = fs::temp_directory_path() / ("silta-queue-cli-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "quarantine");
  const std::string outcome =
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invariant",)"
      R"("diagnostics":"Patient.identifier 010190-999W: pat-9 failed"}]})";
  ASSERT_TRUE(WriteFileAtomically(dir / "quarantine/queued-7.record.json", kRecord).ok());
  ASSERT_TRUE(WriteFileAtomically(dir / "quarantine/queued-7.outcome.json", outcome).ok());
  ASSERT_TRUE(
      WriteFileAtomically(dir / "quarantine/queued-8.record.json", "{\"clientId\": 1}").ok());
  ASSERT_TRUE(WriteFileAtomically(dir / "quarantine/queued-8.outcome.json", outcome).ok());
  const std::string where =
      "--queue " + (dir / "q.sqlite").string() + " --quarantine " + (dir / "quarantine").string();
  std::string out, err;
  ASSERT_EQ(RunQueueCli(where + " list", &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("queued-7  quarantined  1 error(s)"));
  EXPECT_THAT(out, HasSubstr("Patient.identifier 010190-****: pat-9 failed"));
  EXPECT_THAT(out, Not(HasSubstr("999W")));

  EXPECT_EQ(RunQueueCli(where + " requeue --quarantined queued-8", &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("still not a valid client record"));
  EXPECT_TRUE(fs::exists(dir / "quarantine/queued-8.record.json"));
  EXPECT_EQ(RunQueueCli(where + " requeue --quarantined ../q", &out, &err), 2);
  EXPECT_EQ(RunQueueCli(where + " requeue", &out, &err), 2);

  ASSERT_EQ(RunQueueCli(where + " requeue --quarantined queued-7 --reason corrected", &out, &err),
            0)
      << err;
  EXPECT_THAT(err, HasSubstr("queue audit: requeue queued-7 from quarantine as queued-1"));
  EXPECT_FALSE(fs::exists(dir / "quarantine/queued-7.record.json"));
  EXPECT_FALSE(fs::exists(dir / "quarantine/queued-7.outcome.json"));
  auto queue = RecordQueue::Open((dir / "q.sqlite").string());
  ASSERT_TRUE(queue.ok()) << queue.status().message();
  auto queued = (*queue)->Peek(10);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].client_key, "09/A/17");
  EXPECT_EQ((*queued)[0].body, kRecord);
  fs::remove_all(dir);
}

// A sync target that is down when the service starts: the service starts anyway, /healthz is
// ok, /readyz is 503 with the reason, the capability check is repeated with a doubling delay
// (timed by a fake clock), and once the real FHIR server comes up on that port the service turns
// ready and pushes what was queued meanwhile.
TEST_F(ServeTest, StartsWhileASyncTargetIsDownAndTurnsReadyWhenItComesUp) {
  if (testing::FhirPeer::InstalledDir().empty()) {
    GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
  }
  const int target_port = testing::FhirPeer::FreePort();  // nothing listens there yet
  fhirclient::CurlTransport transport;
  fhirclient::FhirClientOptions client_options;
  client_options.base_url = testing::FhirPeer::BaseUrlAt(target_port);
  client_options.retry.max_attempts = 1;  // the worker's back-off is under test
  client_options.required_interactions = {{"*", {"transaction"}}};
  fhirclient::FhirClient client(client_options, transport);
  auto mapper = mapping::Mapper::Load(*dir_ / "modules", testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto policy = sync::RoutingPolicy::FromJson(*json::Value::Parse(
                                                  R"({"targets": [{"name": "county", "levels":
              ["county", "shared-definition", "joint-county", "national"]}]})",
                                                  "policy"),
                                              "policy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  sync::MemoryJournal journal;
  auto engine = std::make_shared<sync::SyncEngine>(
      **mapper, *policy, std::map<std::string, fhirclient::FhirClient*>{{"county", &client}},
      journal, nullptr);
  fhirclient::FakeClock clock;
  std::atomic<int> checks{0};

  ServeConfig config = TestConfig("sync-readiness.sqlite");
  config.sync_retry = std::chrono::milliseconds(100);
  Services services = TestServices();
  services.sync_engine = engine;
  services.sync_preflight = [&] {
    ++checks;
    return client.Connect();
  };
  services.sync_clock = &clock;
  auto server = Server::Start(config, std::move(services), TestTokens());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const uint16_t port = (*server)->port();

  EXPECT_EQ(Call(port, "GET", "/healthz").status, 200);
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       checks < 4 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(checks, 4);
  Reply not_ready = Call(port, "GET", "/readyz", {}, Auth("all"));
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_THAT(not_ready.body, HasSubstr("not ready: sync targets: "));
  EXPECT_THAT(not_ready.body, HasSubstr("CapabilityStatement"));
  EXPECT_THAT(Call(port, "GET", "/sync/status", {}, Auth("reader")).body,
              HasSubstr("\"ready\":false"));
  // Records are accepted and kept while the target is down.
  Headers json = Auth("all", {{"Content-Type", "application/json"}});
  EXPECT_EQ(Call(port, "POST", "/client-records", std::string(kRecord), json).status, 202);
  // The delay doubles from syncRetryMs; the fake clock took the waits, the test did not.
  std::vector<std::chrono::milliseconds> sleeps = clock.sleeps();
  ASSERT_GE(sleeps.size(), 3u);
  EXPECT_EQ(sleeps[0], std::chrono::milliseconds(100));
  EXPECT_EQ(sleeps[1], std::chrono::milliseconds(200));
  EXPECT_EQ(sleeps[2], std::chrono::milliseconds(400));

  testing::FhirPeer peer;
  std::string error;
  ASSERT_TRUE(peer.Start(&error, target_port)) << error;
  bool ready = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       !ready && std::chrono::steady_clock::now() < deadline;) {
    ready = Call(port, "GET", "/readyz", {}, Auth("all")).status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(ready);
  ASSERT_TRUE(WaitForStatus(port, "\"recordsSynced\":1"));
  EXPECT_THAT(Call(port, "GET", "/sync/status", {}, Auth("reader")).body,
              HasSubstr("\"queueDepth\":0"));
  // The record's Patient is on the server, once.
  auto page = client
                  .Search("Patient", {{"identifier", (*mapper)->PartIdentifierSystem() + "|"},
                                      {"_summary", "count"}})
                  .NextPage();
  ASSERT_TRUE(page.ok() && page->has_value()) << page.status().ToString();
  EXPECT_THAT((*page)->body, HasSubstr("\"total\":1"));
  (*server)->Stop();
}

// Clients on several connections at once, each doing every kind of work the service does
// (validation, conversion, mapping, queueing, metrics, status) while the sync worker pushes the
// queued records: each reply is the one a lone client gets, and every record is pushed once.
// scripts/test.sh also runs this under ThreadSanitizer.
TEST_F(ServeTest, ManyClientsAtOnceWhileTheWorkerPushes) {
  FakeFhirServer fhir;
  fhirclient::FhirClientOptions client_options;
  client_options.base_url = "http://fhir.invalid/r4";
  fhirclient::FhirClient client(client_options, fhir.transport());
  auto mapper = mapping::Mapper::Load(*dir_ / "modules", testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  auto policy_json = json::Value::Parse(
      R"({"targets": [{"name": "county", "levels":
          ["county", "shared-definition", "joint-county", "national"]}]})",
      "policy");
  auto policy = sync::RoutingPolicy::FromJson(*policy_json, "policy");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  sync::MemoryJournal journal;
  sync::SyncOptions sync_options;
  sync_options.quarantine_dir = *dir_ / "quarantine";
  auto engine = std::make_shared<sync::SyncEngine>(
      **mapper, *policy, std::map<std::string, fhirclient::FhirClient*>{{"county", &client}},
      journal, nullptr, sync_options);
  ServeConfig config = TestConfig("many-clients.sqlite");
  config.threads = 4;
  config.access_log = (*dir_ / "many-clients.log").string();
  Services services = TestServices();
  services.sync_engine = engine;
  auto server = Server::Start(config, std::move(services), TestTokens());
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  uint16_t port = (*server)->port();

  struct Step {
    std::string path;
    std::string body;
    Headers headers;
  };
  const Headers json = Auth("all", {{"Content-Type", "application/json"}});
  const std::vector<Step> steps = {
      {"/$validate", std::string(kPatient), FhirJson()},
      {"/$validate?profile=http://hl7.org/fhir/StructureDefinition/Patient", std::string(kPatient),
       FhirJson()},
      {"/$convert", std::string(kPatient), FhirJson()},
      {"/$convert", std::string(kPatientXml),
       Auth("all", {{"Content-Type", "application/fhir+xml"}})},
      {"/$map-to-fhir", std::string(kRecord), json},
  };
  std::vector<Reply> expected;
  for (const Step& step : steps) {
    expected.push_back(Call(port, "POST", step.path, step.body, step.headers));
    ASSERT_EQ(expected.back().status, 200) << step.path << ": " << expected.back().body;
  }

  constexpr int kClients = 4;
  constexpr int kRounds = 4;
  std::atomic<int> mismatches{0};
  std::atomic<int> queued{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < steps.size(); ++i) {
          Reply reply = Call(port, "POST", steps[i].path, steps[i].body, steps[i].headers);
          if (reply.status != expected[i].status || reply.body != expected[i].body) ++mismatches;
        }
        // A client of its own for each record, so the worker pushes every one of them.
        std::string record(kRecord);
        record.replace(record.find("A/17"), 4, "B/" + std::to_string(c * 100 + round));
        if (Call(port, "POST", "/client-records", record, json).status == 202) ++queued;
        if (Call(port, "GET", "/metrics", {}, Auth("reader")).status != 200) ++mismatches;
        if (Call(port, "GET", "/sync/status", {}, Auth("reader")).status != 200) ++mismatches;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(queued.load(), kClients * kRounds);
  EXPECT_TRUE(WaitForStatus(port, "\"recordsSynced\":" + std::to_string(kClients * kRounds)));
  EXPECT_TRUE(WaitForStatus(port, "\"queueDepth\":0"));
  EXPECT_EQ(fhir.transactions().size(), static_cast<size_t>(kClients * kRounds));
  (*server)->Stop();

  // Every request is logged on a line of its own, however many threads wrote at once.
  auto log = ReadFile(*dir_ / "many-clients.log");
  ASSERT_TRUE(log.ok());
  int map_lines = 0;
  std::istringstream in(*log);
  for (std::string line; std::getline(in, line);) {
    EXPECT_THAT(line, ::testing::MatchesRegex("^[0-9]{4}-.* 127\\.0\\.0\\.1 [A-Z]+ .* [0-9.]+ms$"));
    if (line.find(" POST /$map-to-fhir 200 ") != std::string::npos) ++map_lines;
  }
  EXPECT_EQ(map_lines, 1 + kClients * kRounds);
}

TEST_F(ServeTest, PageAndReadiness) {
  Reply page = Call(port_, "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("$validate"));
  EXPECT_EQ(Call(port_, "GET", "/readyz", {}, Auth("all")).status, 200);
}

TEST_F(ServeTest, StopFinishesTheRequestInFlight) {
  std::string body(kPatient);
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port_));
  std::string head =
      "POST /$validate HTTP/1.1\r\nHost: localhost\r\n"
      "Authorization: Bearer all\r\nContent-Type: application/fhir+json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string first = head + body.substr(0, 10);
  socket.sendBytes(first.data(), static_cast<int>(first.size()));
  // Nothing tells from outside when a handler has taken the connection; a second is ample for
  // that even under ASan on two loaded cores.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  std::thread stopper([&] { server_->Stop(); });
  // The listening socket is closed while the request is still being received (Stop() closes it
  // first, then waits for the request).
  bool refused = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !refused && std::chrono::steady_clock::now() < deadline;) {
    try {
      Call(port_, "GET", "/healthz");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } catch (const Poco::Exception&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);
  std::string rest = body.substr(10);
  socket.sendBytes(rest.data(), static_cast<int>(rest.size()));
  std::string response;
  char buffer[4096];
  for (int n; (n = socket.receiveBytes(buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  stopper.join();
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("OperationOutcome"));
}

TEST_F(ServeTest, SlowBodyTimesOutWith408) {
  ServeConfig config = TestConfig("timeout.sqlite");
  config.request_timeout = std::chrono::milliseconds(300);
  auto server = Server::Start(config, TestServices(), TestTokens());
  ASSERT_TRUE(server.ok());
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", (*server)->port()));
  std::string partial =
      "POST /$validate HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer all\r\n"
      "Content-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n{\"resourceType\"";
  socket.sendBytes(partial.data(), static_cast<int>(partial.size()));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string response;
  char buffer[4096];
  for (int n; (n = socket.receiveBytes(buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(response, HasSubstr("SERVE_TIMEOUT"));
}

TEST_F(ServeTest, QueuedRecordsSurviveShutdown) {
  ServeConfig config = TestConfig("shutdown.sqlite");
  std::string record = ReadExample("examples/records/minimal.json");
  Headers json = Auth("all", {{"Content-Type", "application/json"}});
  {
    auto server = Server::Start(config, TestServices(), TestTokens());
    ASSERT_TRUE(server.ok());
    uint16_t port = (*server)->port();
    // Requests in flight on other connections while the stop begins.
    std::vector<std::thread> clients;
    std::atomic<int> accepted{0};
    for (int i = 0; i < 4; ++i) {
      clients.emplace_back([&] {
        if (Call(port, "POST", "/client-records", record, json).status == 202) ++accepted;
      });
    }
    for (auto& c : clients) c.join();
    EXPECT_EQ(accepted.load(), 4);
    (*server)->Stop();
    (*server)->Stop();  // idempotent
    EXPECT_THROW(Call(port, "GET", "/healthz"), Poco::Exception);
  }
  auto queue = RecordQueue::Open(config.queue_file);
  ASSERT_TRUE(queue.ok());
  auto depth = (*queue)->Depth();
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(*depth, 4);
  auto items = (*queue)->Peek(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ((*items)[0].format, "json");
  EXPECT_EQ((*items)[0].body, record);
  auto claimed = (*queue)->Claim("test", std::chrono::seconds(30));
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((**claimed).id, (*items)[0].id);
  ASSERT_TRUE(*(*queue)->Complete((**claimed).id, "test"));
  queue->reset();

  auto restarted = Server::Start(config, TestServices(), TestTokens());
  ASSERT_TRUE(restarted.ok());
  Reply status = Call((*restarted)->port(), "GET", "/sync/status", {}, Auth("reader"));
  EXPECT_THAT(status.body, HasSubstr("\"queueDepth\":3"));
}

}  // namespace
}  // namespace silta::serve
