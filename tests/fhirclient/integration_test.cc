// The client with the real libcurl transport against loopback stub servers: faults (429, 503
// bursts, timeouts, dropped connections), gzip, keep-alive, mutual TLS with certificates made by
// the openssl CLI, and the SMART Backend Services token exchange verified by Poco::JWT.
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/ErrorHandler.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/X509Certificate.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "fhirclient/fhirclient.h"
#include "stub_server.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"

namespace silta::fhirclient {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using std::chrono::milliseconds;
using testing::DroppingServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StubServer;

namespace fs = std::filesystem;

constexpr char kPatient[] = R"({"resourceType":"Patient","id":"p1"})";

void Reply(HTTPServerResponse& response, int status, const std::string& body,
           const std::string& content_type = "application/fhir+json") {
  response.setStatus(static_cast<HTTPServerResponse::HTTPStatus>(status));
  response.setContentType(content_type);
  response.sendBuffer(body.data(), body.size());
}

FhirClientOptions Options(const std::string& base, int max_attempts = 4) {
  FhirClientOptions options;
  options.base_url = base + "/fhir";
  options.retry.max_attempts = max_attempts;
  options.retry.jitter_seed = 1;
  return options;
}

class IntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGPIPE, SIG_IGN);
    struct Printer : Poco::ErrorHandler {
      void exception(const Poco::Exception& e) override {
        fprintf(stderr, "stub server: %s\n", e.displayText().c_str());
      }
    };
    static Printer printer;  // Poco keeps a raw pointer
    Poco::ErrorHandler::set(&printer);
  }
  // Retries sleep on the fake clock: the tests never wait for a backoff.
  FakeClock clock_;
  MemoryLogger logger_;
};

TEST_F(IntegrationTest, ReadsGzipOverOneKeptAliveConnection) {
  std::mutex mutex;
  std::set<std::string> client_ports;
  std::string accept_encoding;
  StubServer server([&](HTTPServerRequest& request, HTTPServerResponse& response) {
    {
      std::lock_guard lock(mutex);
      client_ports.insert(std::to_string(request.clientAddress().port()));
      accept_encoding = request.get("Accept-Encoding", "");
    }
    response.set("Content-Encoding", "gzip");
    response.set("ETag", "W/\"7\"");
    Reply(response, 200, testing::Gzip(kPatient));
  });
  CurlTransport transport;
  FhirClient client(Options(server.base_url()), transport, nullptr, clock_, logger_);
  for (int i = 0; i < 3; ++i) {
    StatusOr<FhirResponse> read = client.Read("Patient", "p1");
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->body, kPatient);
    EXPECT_EQ(read->version_id, "7");
  }
  EXPECT_THAT(accept_encoding, HasSubstr("gzip"));
  EXPECT_EQ(client_ports.size(), 1u) << "the three requests should share one connection";
}

TEST_F(IntegrationTest, OneClientServesManyThreads) {
  std::mutex mutex;
  std::set<std::string> client_ports;
  StubServer server([&](HTTPServerRequest& request, HTTPServerResponse& response) {
    {
      std::lock_guard lock(mutex);
      client_ports.insert(std::to_string(request.clientAddress().port()));
    }
    Reply(response, 200, kPatient);
  });
  CurlTransport transport;
  FhirClient client(Options(server.base_url()), transport, nullptr, clock_, logger_);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (!client.Read("Patient", "p1").ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server.hits(), 40);
  EXPECT_LE(client_ports.size(), 8u) << "connections are pooled, not one per request";
}

TEST_F(IntegrationTest, HonoursRetryAfterOn429) {
  StubServer server([&](HTTPServerRequest&, HTTPServerResponse& response) {
    if (server.hits() == 1) {
      response.set("Retry-After", "3");
      Reply(response, 429, "");
    } else {
      Reply(response, 200, kPatient);
    }
  });
  CurlTransport transport;
  FhirClient client(Options(server.base_url()), transport, nullptr, clock_, logger_);
  ASSERT_TRUE(client.Read("Patient", "p1").ok());
  EXPECT_EQ(server.hits(), 2);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(milliseconds(3000)));
}

TEST_F(IntegrationTest, RidesOutA503BurstButNotForever) {
  StubServer server([&](HTTPServerRequest&, HTTPServerResponse& response) {
    if (server.hits() <= 3) {
      Reply(response, 503, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
          "code":"transient","diagnostics":"overloaded"}]})");
    } else {
      Reply(response, 200, kPatient);
    }
  });
  CurlTransport transport;
  FhirClient client(Options(server.base_url(), 4), transport, nullptr, clock_, logger_);
  ASSERT_TRUE(client.Read("Patient", "p1").ok());
  EXPECT_EQ(server.hits(), 4);

  StubServer always_busy([](HTTPServerRequest&, HTTPServerResponse& response) {
    Reply(response, 503, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
        "code":"transient","diagnostics":"overloaded"}]})");
  });
  FhirClient busy(Options(always_busy.base_url(), 2), transport, nullptr, clock_, logger_);
  StatusOr<FhirResponse> read = busy.Read("Patient", "p1");
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(read.status().message(), HasSubstr("error/transient"));
  EXPECT_EQ(always_busy.hits(), 2);
}

TEST_F(IntegrationTest, TimesOutAndRetriesIdempotentReads) {
  // The answer never comes within the test (the handler only ends when the server stops), and
  // the timeout leaves the request a second to reach the handler however loaded the machine.
  StubServer server([&](HTTPServerRequest&, HTTPServerResponse& response) {
    server.SleepUnlessStopping(60'000);
    if (!server.stopping()) Reply(response, 200, kPatient);
  });
  CurlTransportOptions transport_options;
  transport_options.request_timeout = milliseconds(1000);
  CurlTransport transport(transport_options);
  FhirClient client(Options(server.base_url(), 2), transport, nullptr, clock_, logger_);
  StatusOr<FhirResponse> read = client.Read("Patient", "p1");
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(read.status().message(), HasSubstr("timeout"));
  EXPECT_EQ(server.hits(), 2);
}

TEST_F(IntegrationTest, ConnectionRefusedIsAConnectError) {
  int port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }  // closed again: nothing listens there now
  CurlTransport transport;
  HttpResult result =
      transport.Send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, {}});
  EXPECT_EQ(result.error_kind, TransportErrorKind::kConnect);
}

constexpr char kPlainTransaction[] = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]})";
constexpr char kConditionalTransaction[] = R"({"resourceType":"Bundle","type":"transaction",
    "entry":[{"resource":{"resourceType":"Patient"},
              "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=a|1"}}]})";

TEST_F(IntegrationTest, ConnectionDroppedMidTransaction) {
  DroppingServer server(R"({"resourceType":"Bundle","type":"transaction-resp)", 400);
  CurlTransport transport;
  FhirClient client(Options(server.base_url(), 3), transport, nullptr, clock_, logger_);

  // The server may have committed the plain transaction: one attempt only.
  StatusOr<BundleOutcome> plain = client.Transaction(kPlainTransaction);
  EXPECT_EQ(plain.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(plain.status().message(), HasSubstr("dropped"));
  EXPECT_EQ(server.hits(), 1);

  // A conditional transaction is safe to repeat.
  StatusOr<BundleOutcome> conditional = client.Transaction(kConditionalTransaction);
  EXPECT_FALSE(conditional.ok());
  EXPECT_EQ(server.hits(), 4);
}

// --- TLS ---------------------------------------------------------------------------------------

// Certificates and keys made once per test run with the openssl CLI.
class Pki {
 public:
  static const Pki& Get() {
    static Pki pki;
    return pki;
  }
  fs::path dir;
  bool ok = false;
  std::string Path(const std::string& name) const { return (dir / name).string(); }

 private:
  Pki() {
    dir = fs::path(::testing::TempDir()) / ("silta-pki-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string d = dir.string();
    std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                      << "extendedKeyUsage=serverAuth\n";
    std::ofstream(dir / "client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string commands[] = {
        "openssl req -x509" + ec + " -keyout ca.key -out ca.crt -days 2 -subj /CN=Silta-Test-CA",
        "openssl req -x509" + ec +
            " -keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=Other-CA",
        "openssl req" + ec + " -keyout server.key -out server.csr -subj /CN=localhost",
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile server.ext -out server.crt",
        "openssl req" + ec + " -keyout client.key -out client.csr -subj /CN=silta-test-client",
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile client.ext -out client.crt",
        "openssl req" + ec + " -keyout rogue.key -out rogue.csr -subj /CN=rogue-client",
        "openssl x509 -req -in rogue.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial"
        " -days 2 -extfile client.ext -out rogue.crt",
        // SMART Backend Services client keys.
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rs384.key",
        "openssl pkey -in rs384.key -pubout -out rs384.pub",
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out es384.key",
        "openssl pkey -in es384.key -pubout -out es384.pub",
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out es384-other.key",
    };
    std::string script = "cd '" + d + "'";
    for (const std::string& command : commands) script += " && " + command + " >/dev/null 2>&1";
    if (std::system(script.c_str()) != 0) {
      ADD_FAILURE() << "openssl failed in: " << script;
      return;
    }
    ok = true;
  }
  ~Pki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

class TlsTest : public IntegrationTest {
 protected:
  static void SetUpTestSuite() {
    IntegrationTest::SetUpTestSuite();
    Poco::Net::initializeSSL();
    Pki::Get();  // openssl key generation takes a few seconds: outside the tests' own time
  }
  void SetUp() override { ASSERT_TRUE(Pki::Get().ok); }

  static Poco::Net::Context::Ptr ServerContext(bool require_client_certificate) {
    const Pki& pki = Pki::Get();
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::SERVER_USE, pki.Path("server.key"),
                               pki.Path("server.crt"), pki.Path("ca.crt"),
                               require_client_certificate ? Poco::Net::Context::VERIFY_STRICT
                                                          : Poco::Net::Context::VERIFY_NONE);
    // Poco would otherwise match the client certificate's name against the client's address.
    context->enableExtendedCertificateVerification(false);
    return context;
  }
};

TEST_F(TlsTest, MutualTlsWithClientCertificate) {
  std::string client_name;
  StubServer server(
      [&](HTTPServerRequest& request, HTTPServerResponse& response) {
        auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(request);
        try {
          Poco::Net::SecureStreamSocket socket(impl.socket());
          client_name = socket.peerCertificate().commonName();
        } catch (const Poco::Exception& e) {
          client_name = e.displayText();
        }
        Reply(response, 200, kPatient);
      },
      ServerContext(true));
  const Pki& pki = Pki::Get();
  CurlTransportOptions options;
  options.ca_file = pki.Path("ca.crt");
  options.client_certificate_file = pki.Path("client.crt");
  options.client_key_file = pki.Path("client.key");
  CurlTransport transport(options);
  FhirClient client(Options(server.base_url(), 1), transport, nullptr, clock_, logger_);
  StatusOr<FhirResponse> read = client.Read("Patient", "p1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->body, kPatient);
  EXPECT_EQ(client_name, "silta-test-client");
}

TEST_F(TlsTest, ServerRefusesClientsWithoutATrustedCertificate) {
  StubServer server(
      [](HTTPServerRequest&, HTTPServerResponse& response) { Reply(response, 200, kPatient); },
      ServerContext(true));
  const Pki& pki = Pki::Get();
  CurlTransportOptions no_certificate;
  no_certificate.ca_file = pki.Path("ca.crt");
  CurlTransport anonymous(no_certificate);
  FhirClient anonymous_client(Options(server.base_url(), 1), anonymous, nullptr, clock_, logger_);
  EXPECT_EQ(anonymous_client.Read("Patient", "p1").status().code(), StatusCode::kUnavailable);

  CurlTransportOptions rogue = no_certificate;
  rogue.client_certificate_file = pki.Path("rogue.crt");
  rogue.client_key_file = pki.Path("rogue.key");
  CurlTransport rogue_transport(rogue);
  FhirClient rogue_client(Options(server.base_url(), 1), rogue_transport, nullptr, clock_, logger_);
  EXPECT_FALSE(rogue_client.Read("Patient", "p1").ok());
  EXPECT_EQ(server.hits(), 0);
}

TEST_F(TlsTest, ClientVerifiesTheServerByDefault) {
  StubServer server(
      [](HTTPServerRequest&, HTTPServerResponse& response) { Reply(response, 200, kPatient); },
      ServerContext(false));
  const Pki& pki = Pki::Get();

  CurlTransport system_store;  // the test CA is in no system store
  HttpResult result = system_store.Send({"GET", server.base_url() + "/fhir/metadata", {}, {}});
  EXPECT_EQ(result.error_kind, TransportErrorKind::kTls) << result.error_message;

  CurlTransportOptions wrong_ca;
  wrong_ca.ca_file = pki.Path("other-ca.crt");
  CurlTransport wrong(wrong_ca);
  result = wrong.Send({"GET", server.base_url() + "/fhir/metadata", {}, {}});
  EXPECT_EQ(result.error_kind, TransportErrorKind::kTls) << result.error_message;

  CurlTransportOptions right_ca;
  right_ca.ca_file = pki.Path("ca.crt");
  CurlTransport right(right_ca);
  result = right.Send({"GET", server.base_url() + "/fhir/metadata", {}, {}});
  EXPECT_EQ(result.error_kind, TransportErrorKind::kNone) << result.error_message;
  EXPECT_EQ(result.response.status, 200);

  MemoryLogger warnings;
  CurlTransportOptions insecure;
  insecure.insecure_skip_verify = true;
  CurlTransport skip(insecure, warnings);
  EXPECT_TRUE(skip.Send({"GET", server.base_url() + "/fhir/metadata", {}, {}}).ok());
  ASSERT_EQ(warnings.lines().size(), 1u);
  EXPECT_THAT(warnings.lines()[0], HasSubstr("verification is OFF"));
}

// --- SMART Backend Services ---------------------------------------------------------------------

// A token endpoint that checks the client assertion the way a SMART server does, with Poco::JWT
// as an implementation independent of the client's signing code.
class SmartServer {
 public:
  SmartServer(const std::string& public_key_file, JwtAlgorithm algorithm)
      : algorithm_(algorithm),
        server_([this](HTTPServerRequest& request, HTTPServerResponse& response) {
          Handle(request, response);
        }) {
    if (algorithm == JwtAlgorithm::kRS384) {
      signer_.setRSAKey(new Poco::Crypto::RSAKey(public_key_file));
      signer_.setAlgorithms({Poco::JWT::Signer::ALGO_RS384});
    } else {
      signer_.setECKey(new Poco::Crypto::ECKey(public_key_file, ""));
      signer_.setAlgorithms({Poco::JWT::Signer::ALGO_ES384});
    }
  }
  std::string token_url() const { return server_.base_url() + "/token"; }
  std::string base_url() const { return server_.base_url(); }
  int tokens_issued() const { return tokens_issued_; }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void Handle(HTTPServerRequest& request, HTTPServerResponse& response) {
    if (request.getURI() == "/token") {
      Poco::Net::HTMLForm form(request, request.stream());
      std::string failure = Check(form);
      if (!failure.empty()) {
        std::lock_guard lock(mutex_);
        failures_.push_back(failure);
        Reply(response, 401, R"({"error":"invalid_client"})", "application/json");
        return;
      }
      int n = ++tokens_issued_;
      Reply(response, 200,
            R"({"access_token":"smart-)" + std::to_string(n) +
                R"(","token_type":"bearer","expires_in":300,"scope":"system/Patient.read"})",
            "application/json");
      return;
    }
    std::string authorization = request.get("Authorization", "");
    if (authorization.rfind("Bearer smart-", 0) != 0) {
      Reply(response, 401, "");
      return;
    }
    Reply(response, 200, kPatient);
  }

  std::string Check(const Poco::Net::HTMLForm& form) {
    if (form.get("grant_type", "") != "client_credentials") return "grant_type";
    if (form.get("client_assertion_type", "") !=
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      return "client_assertion_type";
    }
    if (form.get("scope", "") != "system/Patient.read") return "scope";
    Poco::JWT::Token token;
    if (!signer_.tryVerify(form.get("client_assertion", ""), token)) return "signature";
    if (token.getAlgorithm() != std::string(JwtAlgorithmName(algorithm_))) return "alg";
    if (token.getIssuer() != "silta-backend" || token.getSubject() != "silta-backend") {
      return "iss/sub";
    }
    std::vector<std::string> audience = token.getAudience();
    if (audience.size() != 1 || audience[0] != token_url()) return "aud";
    const auto exp = token.getExpiration().epochTime();
    const auto now = std::time(nullptr);
    if (exp <= now || exp > now + 300) return "exp";
    std::lock_guard lock(mutex_);
    if (!jtis_.insert(token.getId()).second || token.getId().empty()) return "jti reused";
    return "";
  }

  JwtAlgorithm algorithm_;
  Poco::JWT::Signer signer_;
  mutable std::mutex mutex_;
  std::set<std::string> jtis_;
  std::vector<std::string> failures_;
  std::atomic<int> tokens_issued_{0};
  StubServer server_;  // last: stops before the members its handler uses go away
};

class SmartTest : public TlsTest {};

void ExpectTokenExchange(const std::string& key_file, const std::string& public_key_file,
                         JwtAlgorithm algorithm) {
  SmartServer server(public_key_file, algorithm);
  StatusOr<SigningKey> key = SigningKey::FromPemFile(key_file, algorithm);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  TokenEndpointOptions options;
  options.token_url = server.token_url();
  options.client_id = "silta-backend";
  options.scope = "system/Patient.read";
  CurlTransport transport;
  SmartBackendAuth auth(options, *key, "key-1", transport);
  FhirClient client(Options(server.base_url(), 1), transport, &auth);
  StatusOr<FhirResponse> read = client.Read("Patient", "p1");
  ASSERT_TRUE(read.ok()) << read.status().ToString() << " "
                         << ::testing::PrintToString(server.failures());
  ASSERT_TRUE(client.Read("Patient", "p1").ok());
  EXPECT_EQ(server.tokens_issued(), 1);  // cached for the second read
  EXPECT_TRUE(server.failures().empty());
}

TEST_F(SmartTest, TokenExchangeWithRS384) {
  const Pki& pki = Pki::Get();
  ExpectTokenExchange(pki.Path("rs384.key"), pki.Path("rs384.pub"), JwtAlgorithm::kRS384);
}

TEST_F(SmartTest, TokenExchangeWithES384) {
  const Pki& pki = Pki::Get();
  ExpectTokenExchange(pki.Path("es384.key"), pki.Path("es384.pub"), JwtAlgorithm::kES384);
}

TEST_F(SmartTest, PaddedES384SignaturesVerifyIndependently) {
  // About one signature in 128 has an R or S with a leading zero byte, which JWS wants padded to
  // 48 bytes. Sign until one turned up (within 400 tries, so 19 runs in 20) and let Poco::JWT
  // check it and the first few others. Never failing for want of luck keeps the test stable.
  const Pki& pki = Pki::Get();
  StatusOr<SigningKey> key = SigningKey::FromPemFile(pki.Path("es384.key"), JwtAlgorithm::kES384);
  ASSERT_TRUE(key.ok());
  Poco::JWT::Signer verifier(new Poco::Crypto::ECKey(pki.Path("es384.pub"), ""));
  verifier.setAlgorithms({Poco::JWT::Signer::ALGO_ES384});
  FakeTransport unused;
  TokenEndpointOptions options;
  options.token_url = "https://auth.example.fi/token";
  options.client_id = "c";
  SmartBackendAuth auth(options, *key, "", unused);
  std::set<std::string> jtis;
  int padded = 0;
  for (int i = 0; i < 400 && padded < 1; ++i) {
    StatusOr<std::string> assertion = auth.MakeAssertion();
    ASSERT_TRUE(assertion.ok());
    std::string encoded = assertion->substr(assertion->rfind('.') + 1);
    ASSERT_EQ(encoded.size(), 128u) << "96 bytes, base64url without padding";
    // 48 bytes are 64 characters: a half starts with a zero byte when its first character is
    // 'A' (six zero bits) and its second is 'A'..'P' (two more).
    auto zero_byte_first = [&](size_t at) {
      return encoded[at] == 'A' && encoded[at + 1] >= 'A' && encoded[at + 1] <= 'P';
    };
    const bool r_padded = zero_byte_first(0);
    const bool s_padded = zero_byte_first(64);
    if (!r_padded && !s_padded && i >= 10) continue;
    padded += (r_padded || s_padded) ? 1 : 0;
    Poco::JWT::Token token;
    ASSERT_TRUE(verifier.tryVerify(*assertion, token)) << *assertion;
    EXPECT_TRUE(jtis.insert(token.getId()).second);
  }
  if (padded == 0) std::printf("note: no zero-led ES384 R or S turned up this run\n");
}

TEST_F(SmartTest, WrongKeyIsRefusedByTheTokenEndpoint) {
  const Pki& pki = Pki::Get();
  SmartServer server(pki.Path("es384.pub"), JwtAlgorithm::kES384);
  StatusOr<SigningKey> key =
      SigningKey::FromPemFile(pki.Path("es384-other.key"), JwtAlgorithm::kES384);
  ASSERT_TRUE(key.ok());
  TokenEndpointOptions options;
  options.token_url = server.token_url();
  options.client_id = "silta-backend";
  options.scope = "system/Patient.read";
  CurlTransport transport;
  SmartBackendAuth auth(options, *key, "key-2", transport);
  FhirClient client(Options(server.base_url(), 1), transport, &auth);
  StatusOr<FhirResponse> read = client.Read("Patient", "p1");
  EXPECT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("invalid_client"));
  EXPECT_THAT(server.failures(), ElementsAre("signature"));
}

TEST_F(SmartTest, KeysMustMatchTheAlgorithm) {
  const Pki& pki = Pki::Get();
  EXPECT_FALSE(SigningKey::FromPemFile(pki.Path("rs384.key"), JwtAlgorithm::kES384).ok());
  EXPECT_FALSE(SigningKey::FromPemFile(pki.Path("client.key"), JwtAlgorithm::kES384).ok())
      << "a P-256 key is not an ES384 key";
  EXPECT_FALSE(SigningKey::FromPemFile(pki.Path("es384.key"), JwtAlgorithm::kRS384).ok());
  EXPECT_FALSE(SigningKey::FromPemFile(pki.Path("missing.key"), JwtAlgorithm::kRS384).ok());
}

}  // namespace
}  // namespace silta::fhirclient
