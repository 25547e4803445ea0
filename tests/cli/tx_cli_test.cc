// `silta validate --tx` as users run it: the real binary against a local terminology server
// (tests/cli/tx_server.py, FHIR R4 $validate-code and $expand over a CodeSystem the packages do
// not hold), then the same run with the server stopped, answered from the disk cache.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "fhirclient/fhirclient.h"
#include "terminology/terminology.h"

extern char** environ;

namespace silta {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const fs::path kData = fs::path(SILTA_SOURCE_DIR) / "tests" / "cli" / "tx";
constexpr const char* kProfile =
    "http://example.org/fhir/silta-tx/StructureDefinition/tx-lab-observation";

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

// A loopback port nothing listens on at the moment of the call.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class TxCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("silta-tx-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "home");
    port_ = FreePort();
  }
  void TearDown() override {
    StopServer();
    fs::remove_all(dir_);
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/fhir"; }
  fs::path log_file() const { return dir_ / "requests.log"; }

  // Starts tx_server.py (with --hang: it never answers an operation) and waits for /metadata.
  void StartServer(bool hang = false) {
    std::string python = SILTA_PYTHON;
    std::string script = (fs::path(SILTA_SOURCE_DIR) / "tests" / "cli" / "tx_server.py").string();
    std::string port = std::to_string(port_);
    std::string data = (kData / "server").string();
    std::string log = log_file().string();
    std::vector<std::string> args = {python, script, "--port", port, "--data", data, "--log", log};
    if (hang) args.push_back("--hang");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // The server must not hold the test's output pipes open (ctest waits for them).
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot start " << python;
    fhirclient::CurlTransport transport;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto result = transport.Send({"GET", base_url() + "/metadata", {}, {}});
      if (result.ok() && result.response.status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the terminology server did not start on port " << port_;
  }

  void StopServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }

  // The operations that reached the server (its readiness probe left out).
  std::vector<std::string> Operations() {
    std::vector<std::string> lines;
    std::ifstream in(log_file());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("POST")) lines.push_back(line);
    }
    return lines;
  }

  // Runs silta with HOME inside the test's folder, so a default tx cache would land there and
  // never in the user's; the FHIR package cache stays where it was.
  RunResult Validate(const std::string& extra) {
    fs::path out = dir_ / "stdout.txt";
    fs::path err = dir_ / "stderr.txt";
    const char* packages = std::getenv("SILTA_PACKAGE_CACHE");
    const char* home = std::getenv("HOME");
    std::string package_cache = packages != nullptr ? std::string(packages)
                                : home != nullptr   ? std::string(home) + "/.fhir/packages"
                                                    : std::string();
    std::string cmd = "SILTA_PACKAGE_CACHE=" + package_cache + " HOME=" + (dir_ / "home").string() +
                      " XDG_CACHE_HOME= SILTA_TX_CACHE= " + SILTA_BINARY + " validate " +
                      (kData / "obs-valid.json").string() + " " +
                      (kData / "obs-invalid.json").string() + " --ig " + (kData / "ig").string() +
                      " --profile " + kProfile + " --text " + extra + " > " + out.string() +
                      " 2> " + err.string();
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }

  std::string Slurp(const fs::path& p) {
    auto text = ReadFile(p);
    return text.ok() ? *text : "";
  }

  // The report lines about one input file.
  static std::vector<std::string> LinesAbout(const std::string& report, std::string_view file) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < report.size()) {
      size_t end = report.find('\n', start);
      if (end == std::string::npos) end = report.size();
      std::string line = report.substr(start, end - start);
      if (line.find(file) != std::string::npos &&
          line.find("Observation.code") != std::string::npos)
        lines.push_back(line);
      start = end + 1;
    }
    return lines;
  }

  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

TEST_F(TxCliTest, ChecksCodesOnTheServerAndARerunWithTheServerStoppedAnswersFromTheCache) {
  StartServer();
  fs::path cache = dir_ / "tx-cache";
  std::string tx = "--tx " + base_url() + " --tx-cache " + cache.string();
  RunResult first = Validate(tx + " --output " + (dir_ / "first.json").string());
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  // The code the server's CodeSystem defines meets the required binding; the other does not.
  EXPECT_THAT(LinesAbout(first.out, "obs-valid.json"), ::testing::IsEmpty()) << first.out;
  std::vector<std::string> invalid = LinesAbout(first.out, "obs-invalid.json");
  ASSERT_EQ(invalid.size(), 1u) << first.out;
  EXPECT_THAT(invalid[0], HasSubstr("error"));
  EXPECT_THAT(invalid[0], HasSubstr("x-none"));
  EXPECT_THAT(invalid[0], HasSubstr("required binding"));
  EXPECT_THAT(Operations(),
              ::testing::UnorderedElementsAre("POST /fhir/ValueSet/$validate-code b-hb",
                                              "POST /fhir/ValueSet/$validate-code x-none"));
  EXPECT_FALSE(fs::exists(dir_ / "home" / ".cache")) << "the given --tx-cache is used";

  StopServer();
  RunResult second = Validate(tx + " --output " + (dir_ / "second.json").string());
  EXPECT_EQ(second.exit_code, first.exit_code);
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(Slurp(dir_ / "second.json"), Slurp(dir_ / "first.json"));
  EXPECT_EQ(Operations().size(), 2u);
}

TEST_F(TxCliTest, WithoutTxNothingIsContactedAndTheCodeIsReportedAsNotChecked) {
  StartServer();
  RunResult run = Validate("");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  for (std::string_view file : {"obs-valid.json", "obs-invalid.json"}) {
    std::vector<std::string> lines = LinesAbout(run.out, file);
    ASSERT_EQ(lines.size(), 1u) << run.out;
    EXPECT_THAT(lines[0], HasSubstr("information"));
    EXPECT_THAT(lines[0], HasSubstr("not available offline"));
  }
  EXPECT_THAT(Operations(), ::testing::IsEmpty());
  EXPECT_FALSE(fs::exists(dir_ / "home" / ".cache" / "silta"));
}

TEST_F(TxCliTest, AnUnreachableServerGivesWarningsNotAFailure) {
  // Nothing listens on port_: the server is never started.
  RunResult run = Validate("--tx " + base_url() + " --tx-timeout 5");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  for (std::string_view file : {"obs-valid.json", "obs-invalid.json"}) {
    std::vector<std::string> lines = LinesAbout(run.out, file);
    ASSERT_EQ(lines.size(), 1u) << run.out;
    EXPECT_THAT(lines[0], HasSubstr("warning"));
    EXPECT_THAT(lines[0], HasSubstr("could not be checked"));
    EXPECT_THAT(lines[0], HasSubstr(base_url()));
  }
  EXPECT_THAT(run.out, HasSubstr("could not be reached"));
  // The default cache (under HOME) holds no failure.
  fs::path cache = dir_ / "home" / ".cache" / "silta" / "tx";
  EXPECT_TRUE(!fs::exists(cache) || fs::is_empty(cache));
}

TEST_F(TxCliTest, AServerThatDoesNotAnswerTimesOutWithAWarning) {
  StartServer(/*hang=*/true);
  fs::path cache = dir_ / "tx-cache";
  auto started = std::chrono::steady_clock::now();
  RunResult run = Validate("--tx " + base_url() + " --tx-timeout 1 --tx-cache " + cache.string() +
                           " --threads 1");
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("did not answer within 1 s"));
  // One time-out per run, not one per code.
  EXPECT_LT(seconds, 30);
  EXPECT_TRUE(!fs::exists(cache) || fs::is_empty(cache)) << "a time-out is not an answer";
}

// `silta serve` with `txServer` in its config: $validate asks the server, and after a restart
// with the server stopped answers the same from the cache.
TEST_F(TxCliTest, ServeAsksTheServerOfItsConfigAndAfterARestartItsCache) {
  StartServer();
  // A package cache of its own: the real one's packages linked, the test profile installed.
  fs::path packages = dir_ / "packages";
  fs::create_directories(packages);
  const char* env_cache = std::getenv("SILTA_PACKAGE_CACHE");
  const char* home = std::getenv("HOME");
  fs::path real = env_cache != nullptr && *env_cache != '\0'
                      ? fs::path(env_cache)
                      : fs::path(home != nullptr ? home : ".") / ".fhir" / "packages";
  for (const auto& entry : fs::directory_iterator(real)) {
    if (entry.is_directory()) {
      fs::create_directory_symlink(entry.path(), packages / entry.path().filename());
    }
  }
  std::string install = "SILTA_PACKAGE_CACHE=" + packages.string() + " " + SILTA_BINARY +
                        " packages install " + (kData / "ig").string() +
                        " --as silta.tx.test@0.1.0 > /dev/null 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0);
  int serve_port = FreePort();
  fs::path config = dir_ / "serve.json";
  std::ofstream(config) << R"({"port": )" << serve_port << R"(, "accessLog": "off",
    "openRoutes": ["/$validate"], "packages": ["silta.tx.test#0.1.0"],
    "txServer": ")" << base_url()
                        << R"(", "txCache": "tx-cache", "txTimeoutMs": 5000})";
  std::string serve_url = "http://127.0.0.1:" + std::to_string(serve_port);

  std::string binary = SILTA_BINARY;
  std::string config_arg = config.string();
  std::vector<std::string> env_strings = {"SILTA_PACKAGE_CACHE=" + packages.string()};
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with("SILTA_PACKAGE_CACHE=")) env_strings.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  fhirclient::CurlTransport transport;
  auto start_serve = [&]() -> pid_t {
    std::vector<std::string> args = {binary, "serve", "--config", config_arg};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto result = transport.Send({"GET", serve_url + "/healthz", {}, {}});
      if (result.ok() && result.response.status == 200) return pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    return 0;
  };
  auto stop_serve = [](pid_t pid) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  };
  auto validate = [&](std::string_view file) {
    fhirclient::HttpRequest request{"POST",
                                    serve_url + "/$validate?profile=" + kProfile,
                                    {{"Content-Type", "application/fhir+json"}},
                                    Slurp(kData / file)};
    auto result = transport.Send(request);
    EXPECT_TRUE(result.ok()) << result.error_message;
    EXPECT_EQ(result.response.status, 200) << result.response.body;
    return result.response.body;
  };

  pid_t serve = start_serve();
  ASSERT_NE(serve, 0) << "silta serve did not start";
  std::string invalid = validate("obs-invalid.json");
  std::string valid = validate("obs-valid.json");
  stop_serve(serve);
  EXPECT_THAT(invalid, HasSubstr("x-none"));
  EXPECT_THAT(invalid, HasSubstr("required binding"));
  EXPECT_THAT(valid, Not(HasSubstr("tx-lab-tests")));
  EXPECT_EQ(Operations().size(), 2u);

  StopServer();
  serve = start_serve();
  ASSERT_NE(serve, 0) << "silta serve did not start again";
  EXPECT_EQ(validate("obs-invalid.json"), invalid);
  EXPECT_EQ(validate("obs-valid.json"), valid);
  stop_serve(serve);
}

// No command expands value sets yet, so $expand is checked against the same server through the
// client the commands use.
TEST_F(TxCliTest, ExpandsOnTheServerAndAgainFromTheCacheWhenItIsStopped) {
  StartServer();
  terminology::TxClientOptions options;
  options.base_url = base_url();
  options.cache_dir = dir_ / "tx-cache";
  terminology::RemoteExpandQuery query;
  query.valueset = "http://example.org/fhir/silta-tx/ValueSet/tx-lab-tests";
  auto client = terminology::MakeTxClient(options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  terminology::RemoteExpansion live = (*client)->Expand(query);
  ASSERT_TRUE(live.answered) << live.failure;
  EXPECT_FALSE(live.from_cache);
  std::vector<std::string> codes;
  for (const auto& c : live.codes) codes.push_back(c.system + "#" + c.code + " " + c.display);
  EXPECT_THAT(codes, ::testing::UnorderedElementsAre(
                         "http://example.org/fhir/silta-tx/CodeSystem/tx-lab#b-hb Hemoglobin",
                         "http://example.org/fhir/silta-tx/CodeSystem/tx-lab#p-crp "
                         "C-reactive protein"));
  StopServer();
  auto rerun = terminology::MakeTxClient(options);
  ASSERT_TRUE(rerun.ok());
  terminology::RemoteExpansion cached = (*rerun)->Expand(query);
  ASSERT_TRUE(cached.answered) << cached.failure;
  EXPECT_TRUE(cached.from_cache);
  EXPECT_EQ(cached.codes.size(), live.codes.size());
}

TEST_F(TxCliTest, RefusesABadServerUrl) {
  RunResult run = Validate("--tx ftp://example.org");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("http:// or https://"));
  RunResult cache_alone = Validate("--tx-cache " + (dir_ / "c").string());
  EXPECT_EQ(cache_alone.exit_code, 2);
  EXPECT_THAT(cache_alone.err, HasSubstr("--tx-cache needs --tx"));
}

}  // namespace
}  // namespace silta
