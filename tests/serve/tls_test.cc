// HTTPS with optional client-certificate auth, spoken to by the project's libcurl transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fhirclient/curl_transport.h"
#include "serve/serve.h"
#include "support/r4.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A CA, a server certificate for 127.0.0.1, a client certificate from the CA and one from
// another CA; made once per run with the openssl CLI.
class Pki {
 public:
  static const Pki& Get() {
    static Pki pki;
    return pki;
  }
  std::string Path(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
  bool ok = false;

 private:
  Pki() {
    dir = fs::temp_directory_path() / ("silta-serve-pki-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                      << "extendedKeyUsage=serverAuth\n";
    std::ofstream(dir / "client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string commands[] = {
        "openssl req -x509" + ec + " -keyout ca.key -out ca.crt -days 2 -subj /CN=Test-CA",
        "openssl req -x509" + ec + " -keyout other.key -out other.crt -days 2 -subj /CN=Other",
        "openssl req" + ec + " -keyout server.key -out server.csr -subj /CN=localhost",
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile server.ext -out server.crt",
        "openssl req" + ec + " -keyout client.key -out client.csr -subj /CN=client",
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
        " -extfile client.ext -out client.crt",
        "openssl req" + ec + " -keyout rogue.key -out rogue.csr -subj /CN=rogue",
        "openssl x509 -req -in rogue.csr -CA other.crt -CAkey other.key -CAcreateserial -days 2"
        " -extfile client.ext -out rogue.crt",
    };
    std::string script = "cd '" + dir.string() + "'";
    for (const std::string& command : commands) script += " && " + command + " >/dev/null 2>&1";
    ok = std::system(script.c_str()) == 0;
  }
  ~Pki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

class TlsTest : public ::testing::Test {
 protected:
  void StartServer(bool require_client_certificate) {
    const Pki& pki = Pki::Get();
    ASSERT_TRUE(pki.ok) << "openssl failed";
    ServeConfig config;
    config.port = 0;
    config.threads = 2;
    config.queue_file = pki.dir / "queue.sqlite";
    TlsConfig tls;
    tls.certificate_file = pki.Path("server.crt");
    tls.private_key_file = pki.Path("server.key");
    tls.ca_file = pki.Path("ca.crt");
    tls.require_client_certificate = require_client_certificate;
    config.tls = tls;
    Services services;
    services.model = testing::R4Model();
    TokenStore tokens;
    tokens.Add("tls-token", {"metadata"});
    auto server = Server::Start(config, std::move(services), std::move(tokens));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  fhirclient::HttpResult Get(const std::string& client_name) {
    const Pki& pki = Pki::Get();
    fhirclient::CurlTransportOptions options;
    options.ca_file = pki.Path("ca.crt");
    if (!client_name.empty()) {
      options.client_certificate_file = pki.Path(client_name + ".crt");
      options.client_key_file = pki.Path(client_name + ".key");
    }
    fhirclient::CurlTransport transport(options);
    fhirclient::HttpRequest request;
    request.method = "GET";
    request.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/metadata";
    request.headers = {{"Authorization", "Bearer tls-token"}};
    return transport.Send(request);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(TlsTest, ServesHttps) {
  StartServer(false);
  EXPECT_TRUE(server_->tls());
  auto result = Get("");
  ASSERT_TRUE(result.ok()) << result.error_message;
  EXPECT_EQ(result.response.status, 200);
  EXPECT_THAT(result.response.body, HasSubstr("CapabilityStatement"));
}

TEST_F(TlsTest, RequiredClientCertificateIsChecked) {
  StartServer(true);
  auto with_certificate = Get("client");
  ASSERT_TRUE(with_certificate.ok()) << with_certificate.error_message;
  EXPECT_EQ(with_certificate.response.status, 200);
  EXPECT_FALSE(Get("").ok());
  EXPECT_FALSE(Get("rogue").ok());
}

}  // namespace
}  // namespace silta::serve
