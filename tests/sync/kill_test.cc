// `silta sync push` as a child process against the loopback stub server, killed with SIGKILL
// while the server holds one of its requests, either before the server changed anything or after
// it committed a transaction but before it answered. A rerun must then leave the server exactly
// as a clean run does, with no business identifier on two resources. Kill points are spread
// evenly over the requests of a clean run, while creating everything and while updating it.
// `silta sync pull` the same way: killed at requests spread evenly over a clean pull (the
// history page and the reads after it), a rerun must write exactly the records of a clean pull
// and reach the same watermark.
// Also: one push over mutual TLS with SMART Backend Services, certificates and keys made here
// with the openssl command line.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/NetSSL.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "example_records.h"
#include "stub_fhir_server.h"
#include "sync/journal.h"

extern char** environ;

namespace silta::sync {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::NormalizedState;
using testing::StubFhirServer;

constexpr char kPartIdentifierSystem[] = "https://silta.example.fi/fhir/sid/client-record-part";
const char* const kTargets[] = {"county", "national"};

// A child process that never outlives its owner.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& output) {
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = 0;
  }
  ~Child() { Kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  // True once the child has ended; its wait status goes to status().
  bool Ended() {
    if (pid_ <= 0) return true;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) pid_ = 0;
    return pid_ <= 0;
  }
  // Waits up to `limit`; false (and the child killed) when it did not end in time.
  bool Wait(milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!Ended()) {
      if (std::chrono::steady_clock::now() > deadline) {
        Kill();
        return false;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
    pid_ = 0;
  }
  int status() const { return status_; }

 private:
  pid_t pid_ = 0;
  int status_ = 0;
};

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// One `silta sync push` setup against a server: policy, adapter configs, journal, output.
class PushSetup {
 public:
  PushSetup(const fs::path& dir, const std::map<std::string, std::string>& adapters) : dir_(dir) {
    std::string targets;
    for (const auto& [target, adapter] : adapters) {
      WriteText(dir / (target + ".json"), adapter);
      std::string levels = target == "national"
                               ? R"(["national"], "withhold": ["hetu"])"
                               : R"(["county", "shared-definition", "joint-county", "national"])";
      targets += std::string(targets.empty() ? "" : ",") + R"({"name": ")" + target +
                 R"(", "levels": )" + levels + R"(, "adapter": ")" + target + R"(.json"})";
    }
    WriteText(dir / "policy.json", R"({"targets": [)" + targets + "]}");
  }
  fs::path journal() const { return dir_ / "journal.db"; }
  fs::path output() const { return dir_ / "push.out"; }

  std::vector<std::string> Args(const fs::path& records) const {
    return {SILTA_BINARY,   "sync",
            "push",         records.string(),
            "--policy",     (dir_ / "policy.json").string(),
            "--journal",    journal().string(),
            "--quarantine", (dir_ / "quarantine").string()};
  }

  // A pull of the county target into `out` with `journal` (a pull keeps its own journal here,
  // so that it starts knowing nothing and rebuilds every client).
  std::vector<std::string> PullArgs(const fs::path& journal, const fs::path& out) const {
    return {SILTA_BINARY, "sync",           "pull",     "--policy", (dir_ / "policy.json").string(),
            "--journal",  journal.string(), "--target", "county",   "--out",
            out.string()};
  }

  // Runs a push to its end; the exit code, or -1 when it did not exit normally in time.
  int Run(const fs::path& records) const { return RunArgs(Args(records)); }
  int RunArgs(const std::vector<std::string>& args) const {
    Child child(args, output());
    if (!child.started() || !child.Wait(milliseconds(120'000))) return -1;
    return WIFEXITED(child.status()) ? WEXITSTATUS(child.status()) : -1;
  }

  // Replaces the journal with a copy of `from` (none when empty).
  void UseJournal(const fs::path& from) const {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::path target = journal().string() + suffix;
      fs::remove(target);
      fs::path source = from.string() + suffix;
      if (!from.empty() && fs::exists(source)) fs::copy_file(source, target);
    }
  }

 private:
  fs::path dir_;
};

std::string AdapterConfig(const std::string& base_url) {
  return R"({"name": "stub", "baseUrl": ")" + base_url +
         R"(", "timeoutSeconds": 20, "maxAttempts": 4})";
}

std::map<std::string, NormalizedState> State(const StubFhirServer& server) {
  std::map<std::string, NormalizedState> out;
  for (const char* target : kTargets) {
    out[target] = testing::Normalize(server.Resources(target), kPartIdentifierSystem);
  }
  return out;
}

// Fails the test unless the server holds exactly `reference`, with no identifier twice.
void ExpectState(const StubFhirServer& server,
                 const std::map<std::string, NormalizedState>& reference,
                 const std::string& context) {
  auto state = State(server);
  for (const char* target : kTargets) {
    EXPECT_THAT(state[target].duplicates, ::testing::IsEmpty()) << context << " " << target;
    EXPECT_EQ(state[target].resources, reference.at(target).resources) << context << " " << target;
  }
}

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);
    std::map<std::string, std::string> adapters;
    for (const char* target : kTargets) adapters[target] = AdapterConfig(server_.base_url(target));
    setup_ = std::make_unique<PushSetup>(dir_.path(), adapters);
    // The second version of every record, one file each, in the examples' order.
    fs::create_directories(edited_dir());
    int n = 0;
    for (const auto& [name, record] : testing::ExampleRecords()) {
      std::string prefix = std::to_string(1000 + n++).substr(1) + "-";
      WriteText(edited_dir() / (prefix + name.substr(0, name.find('.')) + ".json"),
                testing::EditedRecord(record).ToString());
    }
  }

  fs::path original_dir() const { return SILTA_SOURCE_DIR "/examples/records"; }
  fs::path edited_dir() const { return dir_.path() / "edited"; }

  // A clean run of `records` from the server's current state and journal; returns the number
  // of requests it made.
  int CleanRun(const fs::path& records) {
    server_.ResetScript();
    int code = setup_->Run(records);
    EXPECT_EQ(code, 0) << ReadText(setup_->output());
    return server_.request_count();
  }

  // Kills a push of `records` at each of `points` evenly spread kill points (alternately before
  // and after the held request's commit), starting each time from `start` and `start_journal`,
  // reruns it and compares the end state with `reference`.
  void KillAndRecover(const fs::path& records, int requests, int points,
                      const std::shared_ptr<const StubFhirServer::State>& start,
                      const fs::path& start_journal,
                      const std::map<std::string, NormalizedState>& reference) {
    ASSERT_GE(requests, points);
    for (int i = 0; i < points; ++i) {
      const int k = 1 + static_cast<int>(static_cast<int64_t>(i) * (requests - 1) / (points - 1));
      const bool after_commit = i % 2 == 1;
      const std::string context = "kill at request " + std::to_string(k) + " of " +
                                  std::to_string(requests) +
                                  (after_commit ? " after commit" : " before commit");
      server_.RestoreState(start);
      server_.ResetScript();
      setup_->UseJournal(start_journal);
      server_.HoldRequest(k, after_commit);
      {
        Child child(setup_->Args(records), setup_->output());
        ASSERT_TRUE(child.started());
        bool held = false;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!held && !child.Ended() && std::chrono::steady_clock::now() < deadline) {
          held = server_.WaitUntilHeld(milliseconds(20));
        }
        ASSERT_TRUE(held) << context << ": the push never reached that request\n"
                          << ReadText(setup_->output());
        child.Kill();
        EXPECT_TRUE(WIFSIGNALED(child.status())) << context;
      }
      server_.ReleaseHeld();
      server_.ResetScript();
      int code = setup_->Run(records);
      EXPECT_EQ(code, 0) << context << "\n" << ReadText(setup_->output());
      ExpectState(server_, reference, context);
      if (after_commit && !HasFailure()) {
        // The journal caught up too: the server's copy, committed before the kill and not
        // journalled then, is now known, and another run sends nothing.
        ASSERT_EQ(setup_->Run(records), 0) << context;
        std::string output = ReadText(setup_->output());
        EXPECT_THAT(output, ::testing::Not(::testing::ContainsRegex("sent [1-9]")))
            << context << "\n"
            << output;
      }
      if (HasFailure()) return;
    }
  }

  TempDir dir_{"silta-sync-kill"};
  StubFhirServer server_;
  std::unique_ptr<PushSetup> setup_;
};

TEST_F(KillTest, KilledWhileCreatingThenRerun) {
  const int requests = CleanRun(original_dir());
  auto reference = State(server_);
  for (const char* target : kTargets) {
    ASSERT_GT(reference[target].resources.size(), 0u) << target;
    for (const auto& [key, resource] : reference[target].resources) {
      ASSERT_FALSE(key.starts_with("?|")) << "no business identifier on " << key;
    }
  }
  KillAndRecover(original_dir(), requests, 12, nullptr, "", reference);
}

TEST_F(KillTest, KilledWhileUpdatingThenRerun) {
  CleanRun(original_dir());
  auto created = server_.SaveState();
  fs::path created_journal = dir_.path() / "created.db";
  fs::copy_file(setup_->journal(), created_journal);
  ASSERT_FALSE(fs::exists(setup_->journal().string() + "-wal")) << "journal left unfinished";
  const int requests = CleanRun(edited_dir());
  auto reference = State(server_);
  KillAndRecover(edited_dir(), requests, 12, created, created_journal, reference);
}

// Every file of `dir` with its content.
std::map<std::string, std::string> Files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    out[entry.path().filename().string()] = ReadText(entry.path());
  }
  return out;
}

std::string WatermarkOf(const fs::path& journal) {
  auto opened = SqliteJournal::Open(journal);
  if (!opened.ok()) return "cannot open: " + opened.status().message();
  auto watermark = (*opened)->Watermark("county");
  if (!watermark.ok()) return "cannot read: " + watermark.status().message();
  return watermark->value_or("none");
}

TEST_F(KillTest, PullKilledThenRerun) {
  CleanRun(original_dir());
  const fs::path reference_out = dir_.path() / "pulled-reference";
  const fs::path reference_journal = dir_.path() / "pull-reference.db";
  server_.ResetScript();
  ASSERT_EQ(setup_->RunArgs(setup_->PullArgs(reference_journal, reference_out)), 0)
      << ReadText(setup_->output());
  const int requests = server_.request_count();
  const auto reference = Files(reference_out);
  const std::string reference_watermark = WatermarkOf(reference_journal);
  ASSERT_GE(reference.size(), 10u) << "a pull with an empty journal rebuilds every client";
  ASSERT_NE(reference_watermark, "none");

  const int points = std::min(12, requests);
  ASSERT_GE(points, 2);
  for (int i = 0; i < points; ++i) {
    // Request 1 is the history page: killed mid-page, before anything is written.
    const int k = 1 + static_cast<int>(static_cast<int64_t>(i) * (requests - 1) / (points - 1));
    const std::string context =
        "pull killed at request " + std::to_string(k) + " of " + std::to_string(requests);
    const fs::path out = dir_.path() / ("pulled-" + std::to_string(i));
    const fs::path journal = dir_.path() / ("pull-" + std::to_string(i) + ".db");
    server_.ResetScript();
    server_.HoldRequest(k, /*after_commit=*/false);
    {
      Child child(setup_->PullArgs(journal, out), setup_->output());
      ASSERT_TRUE(child.started());
      bool held = false;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!held && !child.Ended() && std::chrono::steady_clock::now() < deadline) {
        held = server_.WaitUntilHeld(milliseconds(20));
      }
      ASSERT_TRUE(held) << context << ": the pull never reached that request\n"
                        << ReadText(setup_->output());
      child.Kill();
      EXPECT_TRUE(WIFSIGNALED(child.status())) << context;
    }
    if (k > 1) {
      EXPECT_NE(WatermarkOf(journal), reference_watermark)
          << context << ": the watermark moved before the pull was complete";
    }
    server_.ReleaseHeld();
    server_.ResetScript();
    ASSERT_EQ(setup_->RunArgs(setup_->PullArgs(journal, out)), 0) << context << "\n"
                                                                  << ReadText(setup_->output());
    // Every client's record, each once and whole, nothing else (no partial files).
    EXPECT_EQ(Files(out), reference) << context;
    EXPECT_EQ(WatermarkOf(journal), reference_watermark) << context;
    // The journal caught up: another pull finds everything known and writes nothing.
    ASSERT_EQ(setup_->RunArgs(setup_->PullArgs(journal, out)), 0) << context;
    EXPECT_THAT(ReadText(setup_->output()), ::testing::HasSubstr("records written: 0")) << context;
    if (HasFailure()) return;
  }
}

// --- mutual TLS and SMART Backend Services
// --------------------------------------------------------

TEST(SecurePushTest, PushOverMutualTlsWithSmartBackendServices) {
  std::signal(SIGPIPE, SIG_IGN);
  TempDir dir("silta-sync-tls");
  const fs::path d = dir.path();
  WriteText(d / "server.ext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\n");
  WriteText(d / "client.ext", "extendedKeyUsage=clientAuth\n");
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string commands[] = {
      "openssl req -x509" + ec + " -keyout ca.key -out ca.crt -days 2 -subj /CN=Silta-Test-CA",
      "openssl req" + ec + " -keyout server.key -out server.csr -subj /CN=localhost",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
      " -extfile server.ext -out server.crt",
      "openssl req" + ec + " -keyout client.key -out client.csr -subj /CN=silta-sync",
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
      " -extfile client.ext -out client.crt",
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out es384.key",
      "openssl pkey -in es384.key -pubout -out es384.pub",
  };
  std::string script = "cd '" + d.string() + "'";
  for (const std::string& command : commands) script += " && " + command + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(script.c_str()), 0) << script;

  Poco::Net::initializeSSL();
  Poco::Net::Context::Ptr context = new Poco::Net::Context(
      Poco::Net::Context::SERVER_USE, (d / "server.key").string(), (d / "server.crt").string(),
      (d / "ca.crt").string(), Poco::Net::Context::VERIFY_STRICT);
  // Poco would otherwise match the client certificate's name against the client's address.
  context->enableExtendedCertificateVerification(false);
  StubFhirServer::Options options;
  options.tls = context;
  options.smart_public_key_file = (d / "es384.pub").string();
  options.smart_client_id = "silta-sync";
  {
    StubFhirServer server(options);
    const std::string adapter = R"({"name": "county", "baseUrl": ")" + server.base_url("county") +
                                R"(", "timeoutSeconds": 20,
      "auth": {"kind": "smart-backend", "tokenUrl": ")" +
                                server.token_url() + R"(", "clientId": "silta-sync",
               "scope": "system/*.write", "privateKeyFile": "es384.key", "keyId": "k1",
               "algorithm": "ES384"},
      "tls": {"caFile": "ca.crt", "clientCertificateFile": "client.crt",
              "clientKeyFile": "client.key"}})";
    PushSetup setup(d, {{"county", adapter}});
    int code = setup.Run(SILTA_SOURCE_DIR "/examples/records/aino-virtanen.json");
    EXPECT_EQ(code, 0) << ReadText(setup.output());
    EXPECT_GT(server.Resources("county").size(), 1u);
    EXPECT_EQ(server.tokens_issued(), 1);
    EXPECT_THAT(server.auth_failures(), ::testing::IsEmpty());
    for (const auto& request : server.requests()) {
      EXPECT_NE(request.status, 401) << request.method << " " << request.path;
    }
  }
  Poco::Net::uninitializeSSL();
}

}  // namespace
}  // namespace silta::sync
