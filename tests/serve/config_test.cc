#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "base/files.h"
#include "serve/serve.h"
#include "serve_http/serve_http.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Environment FakeEnv(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("silta-serve-config-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path Write(const std::string& name, const std::string& text) {
    EXPECT_TRUE(WriteFileAtomically(dir_ / name, text).ok());
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(ConfigTest, FileThenEnvironment) {
  fs::path file = Write("serve.json", R"({"host":"0.0.0.0","port":9000,"threads":3,
    "maxBodyBytes":1000,"tokensFile":"tokens.txt","queueFile":"q.sqlite",
    "openRoutes":["/","/metadata"]})");
  auto config = LoadConfig(file, FakeEnv({{"SILTA_SERVE_PORT", "9100"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->host, "0.0.0.0");
  EXPECT_EQ(config->port, 9100);
  EXPECT_EQ(config->threads, 3u);
  EXPECT_EQ(config->max_body_bytes, 1000u);
  EXPECT_EQ(fs::path(config->tokens_file), dir_ / "tokens.txt");
  EXPECT_EQ(config->queue_file, dir_ / "q.sqlite");
  EXPECT_TRUE(config->open_routes.contains("/metadata"));
  EXPECT_FALSE(config->tls.has_value());
}

TEST_F(ConfigTest, Packages) {
  fs::path file = Write("p.json", R"({"packages":["hl7.fhir.fi.base#2.0.0-rc2"]})");
  auto config = LoadConfig(file, FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->packages, std::vector<std::string>{"hl7.fhir.fi.base#2.0.0-rc2"});
  auto from_env = LoadConfig(file, FakeEnv({{"SILTA_SERVE_PACKAGES", "a#1,b#2"}}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->packages, (std::vector<std::string>{"a#1", "b#2"}));
  EXPECT_FALSE(LoadConfig(Write("q.json", R"({"packages":["nohash"]})"), FakeEnv({})).ok());
}

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto config = LoadConfig({}, FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_TRUE(config->open_routes.empty());
}

TEST_F(ConfigTest, AccessLog) {
  EXPECT_EQ(LoadConfig({}, FakeEnv({}))->access_log, "stderr");
  EXPECT_EQ(LoadConfig(Write("off.json", R"({"accessLog":"off"})"), FakeEnv({}))->access_log,
            "off");
  auto file = LoadConfig(Write("file.json", R"({"accessLog":"logs/access.log"})"), FakeEnv({}));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(fs::path(file->access_log), dir_ / "logs/access.log");
  EXPECT_EQ(LoadConfig({}, FakeEnv({{"SILTA_SERVE_ACCESS_LOG", "off"}}))->access_log, "off");
  EXPECT_FALSE(LoadConfig(Write("bad.json", R"({"accessLog":true})"), FakeEnv({})).ok());
}

TEST_F(ConfigTest, SyncKeys) {
  auto defaults = LoadConfig({}, FakeEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->sync_policy.empty());
  EXPECT_EQ(defaults->sync_retry, std::chrono::milliseconds(1000));
  auto config = LoadConfig(Write("sync.json", R"({"syncPolicy":"policy.json",
    "quarantineDir":"rejected","syncRetryMs":250})"),
                           FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->sync_policy, dir_ / "policy.json");
  EXPECT_EQ(config->quarantine_dir, dir_ / "rejected");
  EXPECT_EQ(config->sync_retry, std::chrono::milliseconds(250));
  auto from_env = LoadConfig({}, FakeEnv({{"SILTA_SERVE_SYNC_POLICY", "/etc/silta/p.json"}}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->sync_policy, "/etc/silta/p.json");
  EXPECT_FALSE(LoadConfig(Write("zero.json", R"({"syncRetryMs":0})"), FakeEnv({})).ok());
}

TEST_F(ConfigTest, TerminologyServer) {
  auto defaults = LoadConfig({}, FakeEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->tx_server.empty()) << "off unless asked";
  auto config = LoadConfig(Write("tx.json", R"({"txServer":"https://tx.example.fi/r4",
    "txCache":"tx-cache","txTimeoutMs":2500})"),
                           FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tx_server, "https://tx.example.fi/r4");
  EXPECT_EQ(config->tx_cache_dir, dir_ / "tx-cache");
  EXPECT_EQ(config->tx_timeout, std::chrono::milliseconds(2500));
  auto from_env = LoadConfig({}, FakeEnv({{"SILTA_SERVE_TX_SERVER", "http://127.0.0.1:1/fhir"}}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->tx_server, "http://127.0.0.1:1/fhir");
  EXPECT_FALSE(LoadConfig({}, FakeEnv({{"SILTA_SERVE_TX_SERVER", "tx.example.fi"}})).ok());
  // Where the value is wrong, as file:line:column.
  auto bad =
      LoadConfig(Write("tx-bad.json", "{\n  \"txServer\": \"tx.example.fi\"\n}"), FakeEnv({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("tx-bad.json:2:15"));
  EXPECT_THAT(bad.status().message(), HasSubstr("http:// or https://"));
  EXPECT_FALSE(LoadConfig(Write("tx-zero.json", R"({"txTimeoutMs":0})"), FakeEnv({})).ok());
}

// Lease, heartbeat and parking: documented defaults (docs/serve.md), and bad values refused with
// the file, line and column of the value.
TEST_F(ConfigTest, LeaseHeartbeatAndParking) {
  auto defaults = LoadConfig({}, FakeEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->sync_lease, std::chrono::milliseconds(30000));
  EXPECT_EQ(defaults->sync_heartbeat, std::chrono::milliseconds(0));
  EXPECT_EQ(defaults->sync_park_after, 5);
  auto config = LoadConfig(
      Write("lease.json", R"({"syncLeaseMs": 6000, "syncHeartbeatMs": 1000, "syncParkAfter": 2})"),
      FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->sync_lease, std::chrono::milliseconds(6000));
  EXPECT_EQ(config->sync_heartbeat, std::chrono::milliseconds(1000));
  EXPECT_EQ(config->sync_park_after, 2);

  auto short_lease = LoadConfig(Write("short.json", "{\n  \"syncLeaseMs\": 10\n}"), FakeEnv({}));
  ASSERT_FALSE(short_lease.ok());
  EXPECT_THAT(short_lease.status().message(), ::testing::HasSubstr("short.json:2:18"));
  EXPECT_THAT(short_lease.status().message(), ::testing::HasSubstr("at least 1000"));
  auto slow_heartbeat = LoadConfig(
      Write("slow.json", "{\"syncLeaseMs\": 4000,\n \"syncHeartbeatMs\": 3000}"), FakeEnv({}));
  ASSERT_FALSE(slow_heartbeat.ok());
  EXPECT_THAT(slow_heartbeat.status().message(), ::testing::HasSubstr("slow.json:2:21"));
  EXPECT_THAT(slow_heartbeat.status().message(), ::testing::HasSubstr("at most half"));
  // Against the default lease too.
  EXPECT_FALSE(LoadConfig(Write("h.json", R"({"syncHeartbeatMs": 20000})"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig(Write("p0.json", R"({"syncParkAfter": 0})"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig(Write("p1.json", R"({"syncParkAfter": "3"})"), FakeEnv({})).ok());
}

TEST_F(ConfigTest, RejectsBadValues) {
  EXPECT_FALSE(LoadConfig(Write("a.json", R"({"port":70000})"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig(Write("b.json", R"({"prot":80})"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig(Write("c.json", "{"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig({}, FakeEnv({{"SILTA_SERVE_PORT", "80x"}})).ok());
  EXPECT_FALSE(
      LoadConfig(Write("d.json", R"({"tls":{"certificateFile":"c.pem"}})"), FakeEnv({})).ok());
  EXPECT_FALSE(LoadConfig(Write("e.json", R"({"tls":{"certificateFile":"c.pem",
      "privateKeyFile":"k.pem","requireClientCertificate":true}})"),
                          FakeEnv({}))
                   .ok());
}

TEST_F(ConfigTest, TokensFromFileAndEnvironment) {
  fs::path tokens = Write("tokens.txt", "# comment\nabc validate convert\n\nxyz *\n");
  ServeConfig config;
  config.tokens_file = tokens.string();
  auto store = LoadTokens(config, FakeEnv({{"SILTA_SERVE_TOKEN", "envtoken metrics"}}));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(store->ScopesOf("abc"), (std::set<std::string>{"convert", "validate"}));
  EXPECT_EQ(store->ScopesOf("envtoken"), (std::set<std::string>{"metrics"}));
  EXPECT_FALSE(store->ScopesOf("ab").has_value());
  EXPECT_FALSE(store->ScopesOf("abcd").has_value());
  EXPECT_FALSE(store->ScopesOf("").has_value());
}

TEST_F(ConfigTest, TokenWithoutScopeIsRejectedWithoutEchoingIt) {
  auto store = TokenStore::Parse("s3cr3t-token\n");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("line 1"));
  EXPECT_THAT(store.status().message(), ::testing::Not(HasSubstr("s3cr3t")));
}

TEST(HttpBodyTest, MediaTypesAndNegotiation) {
  EXPECT_EQ(FormatOfMediaType("application/fhir+json; charset=utf-8"), formats::Format::kJson);
  EXPECT_EQ(FormatOfMediaType("Application/FHIR+XML"), formats::Format::kXml);
  EXPECT_FALSE(FormatOfMediaType("text/plain").has_value());
  EXPECT_EQ(ResponseFormat("", "*/*", formats::Format::kXml), formats::Format::kXml);
  EXPECT_EQ(ResponseFormat("", "text/html, application/fhir+xml;q=0.9", formats::Format::kJson),
            formats::Format::kXml);
  EXPECT_EQ(ResponseFormat("json", "application/fhir+xml", formats::Format::kXml),
            formats::Format::kJson);
  EXPECT_FALSE(ResponseFormat("turtle", "", formats::Format::kJson).has_value());
  EXPECT_TRUE(AcceptsGzip("deflate, gzip"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  // Weights were read with strtod: "q=x" read as 0 and "q=0.5junk" as 0.5.
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("gzip; q=1 , br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=x"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.5junk"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=1e999"));
}

TEST(HttpBodyTest, GzipRoundTripAndLimits) {
  std::string text(10000, 'x');
  auto back = Gunzip(Gzip(text), 20000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
  EXPECT_EQ(Gunzip(Gzip(text), 5000).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Gunzip("plain", 100).status().code(), StatusCode::kDataLoss);
  std::string truncated = Gzip(text);
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(Gunzip(truncated, 20000).status().code(), StatusCode::kDataLoss);
}

TEST(HttpBodyTest, DecodeRequestBodyByContentEncoding) {
  std::string text(10000, 'x');
  EXPECT_EQ(*DecodeRequestBody("", text, 20000), text);
  EXPECT_EQ(*DecodeRequestBody("identity", text, 20000), text);
  // Content codings are case-insensitive.
  EXPECT_EQ(*DecodeRequestBody(" GZip ", Gzip(text), 20000), text);
  EXPECT_EQ(*DecodeRequestBody("x-gzip", Gzip(text), 20000), text);
  EXPECT_EQ(DecodeRequestBody("identity", text, 5000).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(DecodeRequestBody("gzip", Gzip(text), 5000).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(DecodeRequestBody("gzip", text, 20000).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRequestBody("br", text, 20000).status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace silta::serve
