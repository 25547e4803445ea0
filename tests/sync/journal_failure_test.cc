// A journal that cannot be written stops the sync run with an error, and the next run completes
// it: against two real FHIR servers (the FHIR peer), with a journal store that fails on its Nth
// write (the library), with a full disk (a file size limit on `silta sync push`) and with a
// read-only journal file (`silta sync push` and `pull`, exit code 2). After each, a rerun must
// leave every target with exactly the resources the routing gives it, one per business identifier,
// and a third run must find nothing to send.
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "example_records.h"
#include "fhir_peer.h"
#include "routed_counts.h"
#include "support/memory_journal.h"
#include "support/r4.h"
#include "sync/engine.h"

namespace silta::sync {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kLevelsCounty[] = R"(["county", "shared-definition", "joint-county", "national"])";
constexpr char kLevelsNational[] = R"(["national"], "withhold": ["hetu"])";

// Fails the Nth write (Put, AddConflict, SetWatermark) and every one after it, the way a full
// disk does; reads and the writes before go to `inner`.
class FailingJournal : public JournalStore {
 public:
  FailingJournal(JournalStore& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}

  StatusOr<std::optional<JournalEntry>> Get(const std::string& target,
                                            const std::string& key) override {
    return inner_.Get(target, key);
  }
  StatusOr<std::vector<JournalEntry>> ForClient(const std::string& target,
                                                const std::string& client_key) override {
    return inner_.ForClient(target, client_key);
  }
  Status Put(const std::vector<JournalEntry>& entries) override {
    SILTA_RETURN_IF_ERROR(Write());
    return inner_.Put(entries);
  }
  Status AddConflict(const Conflict& conflict) override {
    SILTA_RETURN_IF_ERROR(Write());
    return inner_.AddConflict(conflict);
  }
  StatusOr<std::vector<Conflict>> Conflicts(const std::string& target) override {
    return inner_.Conflicts(target);
  }
  StatusOr<std::optional<std::string>> Watermark(const std::string& target) override {
    return inner_.Watermark(target);
  }
  Status SetWatermark(const std::string& target, const std::string& value) override {
    SILTA_RETURN_IF_ERROR(Write());
    return inner_.SetWatermark(target, value);
  }
  StatusOr<int64_t> ConflictCount() override { return inner_.ConflictCount(); }
  int writes() const { return writes_; }

 private:
  Status Write() {
    return ++writes_ >= fail_at_ ? IoError("sync journal: write: database or disk is full")
                                 : Status::Ok();
  }
  JournalStore& inner_;
  int fail_at_;
  int writes_ = 0;
};

constexpr int kCannotHonourFileModes = 125;

struct ChildLimits {
  rlim_t file_size = RLIM_INFINITY;  // bytes any one file may grow to: a full disk
  // Drops root's power to write what file modes forbid, so that a 0444 journal is read-only
  // for the child even when the tests run as root.
  bool honour_file_modes = false;
};

// Runs `args` to its end with stdout and stderr in `output`; the exit code, -1 when it did not
// exit normally.
int RunChild(const std::vector<std::string>& args, const fs::path& output, ChildLimits limits) {
  std::vector<std::string> copies = args;
  std::vector<char*> argv;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    if (limits.file_size != RLIM_INFINITY) {
      signal(SIGXFSZ, SIG_IGN);  // a write beyond the limit fails with EFBIG instead
      rlimit limit{limits.file_size, limits.file_size};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (limits.honour_file_modes && geteuid() == 0) {
      // Without CAP_SETPCAP root keeps its override: the caller skips (exit code 125).
      if (prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0 ||
          prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) != 0 ||
          prctl(PR_CAPBSET_DROP, CAP_FOWNER, 0, 0, 0) != 0) {
        _exit(kCannotHonourFileModes);
      }
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class JournalFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FhirPeer::InstalledDir().empty()) {
      GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
    }
    // Fresh servers for every test: each starts from nothing.
    for (const char* target : {"county", "national"}) {
      std::string error;
      ASSERT_TRUE(peers_[target].Start(&error)) << error;
    }
    auto mapper = mapping::Mapper::Load(SILTA_SOURCE_DIR "/mappings", testing::R4Model());
    ASSERT_TRUE(mapper.ok()) << mapper.status().message();
    mapper_ = *mapper;
    std::string targets = R"({"targets": [)";
    for (const char* target : {"county", "national"}) {
      std::ofstream(dir_ / (std::string(target) + ".json"))
          << R"({"name": ")" << target << R"(", "baseUrl": ")" << peers_[target].base_url()
          << R"(", "timeoutSeconds": 30})";
      targets += std::string(target == std::string("county") ? "" : ",") + R"({"name": ")" +
                 target + R"(", "levels": )" +
                 (target == std::string("county") ? kLevelsCounty : kLevelsNational) +
                 R"(, "adapter": ")" + target + R"(.json"})";
    }
    targets += "]}";
    std::ofstream(dir_ / "policy.json") << targets;
    auto policy = RoutingPolicy::FromJson(*json::Value::Parse(targets, "policy"), "policy");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    policy_ = std::move(*policy);
    for (const char* target : {"county", "national"}) {
      fhirclient::FhirClientOptions options;
      options.base_url = peers_[target].base_url();
      clients_[target] = std::make_unique<fhirclient::FhirClient>(options, transport_);
    }
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(journal(), fs::perms::owner_read | fs::perms::owner_write, ignored);
    fs::remove_all(dir_, ignored);
  }

  fs::path journal() const { return dir_ / "journal.db"; }
  fs::path output() const { return dir_ / "push.out"; }
  std::vector<std::string> PushArgs() const {
    return {SILTA_BINARY,   "sync",
            "push",         SILTA_SOURCE_DIR "/examples/records",
            "--policy",     (dir_ / "policy.json").string(),
            "--journal",    journal().string(),
            "--quarantine", (dir_ / "quarantine").string()};
  }

  std::unique_ptr<SyncEngine> Engine(JournalStore& journal) {
    return std::make_unique<SyncEngine>(
        *mapper_, policy_,
        std::map<std::string, fhirclient::FhirClient*>{{"county", clients_["county"].get()},
                                                       {"national", clients_["national"].get()}},
        journal, nullptr);
  }

  // Resources made from client records on a target, per type (routed_counts.h).
  std::map<std::string, int> ServerCounts(const std::string& target) {
    return testing::ServerCounts(*mapper_, *clients_[target]);
  }

  // What the projection gives a target. Equal server counts mean nothing lost and, since a
  // duplicate would count twice, nothing doubled.
  std::map<std::string, int> ExpectedCounts(const std::string& target) {
    return testing::RoutedCounts(*mapper_, policy_, target, testing::ExampleRecords());
  }

  void ExpectComplete(const std::string& context) {
    for (const char* target : {"county", "national"}) {
      EXPECT_EQ(ServerCounts(target), ExpectedCounts(target)) << context << " " << target;
    }
  }

  int Total(const std::string& target) {
    int sum = 0;
    for (const auto& [type, count] : ServerCounts(target)) sum += count;
    return sum;
  }

  fs::path dir_ = fs::path(::testing::TempDir()) /
                  ("silta-journal-failure-" + std::to_string(::getpid()) + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  bool made_dir_ = fs::create_directories(dir_);
  std::map<std::string, testing::FhirPeer> peers_;
  std::shared_ptr<const mapping::Mapper> mapper_;
  RoutingPolicy policy_;
  fhirclient::CurlTransport transport_;
  std::map<std::string, std::unique_ptr<fhirclient::FhirClient>> clients_;
};

TEST_F(JournalFailureTest, EngineStopsAtTheFailingWriteAndTheRerunCompletes) {
  auto records = testing::ExampleRecords();
  ASSERT_GE(records.size(), 6u);
  MemoryJournal memory;
  FailingJournal failing(memory, 3);  // two transactions journalled, then "disk full"
  auto engine = Engine(failing);
  SyncSummary summary;
  size_t stopped_at = records.size();
  for (size_t i = 0; i < records.size(); ++i) {
    Status pushed = engine->Push(records[i].second, records[i].first, summary);
    if (!pushed.ok()) {
      EXPECT_THAT(pushed.message(), HasSubstr("disk is full"));
      stopped_at = i;
      break;
    }
  }
  ASSERT_LT(stopped_at, records.size()) << "the failing write did not stop the run";
  EXPECT_EQ(failing.writes(), 3) << "no write after the failing one";
  EXPECT_GE(summary.total(&TargetCounts::errors), 1);
  EXPECT_THAT(summary.messages, ::testing::Contains(HasSubstr("disk is full")));

  // The rerun over the journal as it was left: no errors, every target complete, nothing twice.
  auto rerun_engine = Engine(memory);
  SyncSummary rerun;
  for (const auto& [name, record] : records) {
    ASSERT_TRUE(rerun_engine->Push(record, name, rerun).ok()) << name;
  }
  for (const auto& m : rerun.messages) ADD_FAILURE() << m;
  EXPECT_EQ(rerun.total(&TargetCounts::errors), 0);
  EXPECT_EQ(rerun.total(&TargetCounts::conflicts), 0);
  ExpectComplete("after the rerun");
  SyncSummary third;
  for (const auto& [name, record] : records)
    ASSERT_TRUE(rerun_engine->Push(record, name, third).ok());
  EXPECT_EQ(third.total(&TargetCounts::sent), 0) << "the rerun left the journal complete";
}

TEST_F(JournalFailureTest, PushStopsWithExitCode2WhenTheDiskIsFull) {
  // Room for the journal's schema and a few confirmed transactions, not for the whole run.
  ChildLimits full_disk;
  full_disk.file_size = 48 * 1024;
  int code = RunChild(PushArgs(), output(), full_disk);
  std::string text = ReadText(output());
  EXPECT_EQ(code, 2) << text;
  EXPECT_THAT(text, HasSubstr("sync journal unusable, run stopped")) << text;
  EXPECT_THAT(text, HasSubstr("the next run resends what the journal lacks")) << text;
  EXPECT_GT(Total("county"), 0) << "the run stopped before it sent anything: no mid-run failure";

  code = RunChild(PushArgs(), output(), {});
  EXPECT_EQ(code, 0) << ReadText(output());
  ExpectComplete("after the rerun");
  ASSERT_EQ(RunChild(PushArgs(), output(), {}), 0) << ReadText(output());
  EXPECT_THAT(ReadText(output()), ::testing::Not(::testing::ContainsRegex("sent [1-9]")))
      << ReadText(output());
}

TEST_F(JournalFailureTest, PushAndPullRefuseAReadOnlyJournalWithExitCode2) {
  // A journal that exists (a dry run makes it) and cannot be written.
  std::vector<std::string> dry_run = PushArgs();
  dry_run.push_back("--dry-run");
  ASSERT_EQ(RunChild(dry_run, output(), {}), 0) << ReadText(output());
  ASSERT_TRUE(fs::exists(journal()));
  fs::permissions(journal(),
                  fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  ChildLimits file_modes;
  file_modes.honour_file_modes = true;
  int code = RunChild(PushArgs(), output(), file_modes);
  if (code == kCannotHonourFileModes) {
    GTEST_SKIP() << "running as root without CAP_SETPCAP: a 0444 file is writable here";
  }
  std::string text = ReadText(output());
  EXPECT_EQ(code, 2) << text;
  EXPECT_THAT(text, HasSubstr("journal")) << text;
  EXPECT_THAT(text, HasSubstr("read-only")) << text;
  // Refused before anything was sent: nothing on the servers that the journal could not record.
  EXPECT_EQ(Total("county"), 0);
  EXPECT_EQ(Total("national"), 0);

  fs::permissions(journal(), fs::perms::owner_read | fs::perms::owner_write);
  code = RunChild(PushArgs(), output(), {});
  EXPECT_EQ(code, 0) << ReadText(output());
  ExpectComplete("after the rerun");

  // A pull, too, refuses a journal it could not record its watermark in, and writes nothing.
  fs::permissions(journal(),
                  fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const fs::path pulled = dir_ / "pulled";
  code = RunChild({SILTA_BINARY, "sync", "pull", "--policy", (dir_ / "policy.json").string(),
                   "--journal", journal().string(), "--target", "county", "--out", pulled.string()},
                  output(), file_modes);
  EXPECT_EQ(code, 2) << ReadText(output());
  EXPECT_THAT(ReadText(output()), HasSubstr("read-only"));
  EXPECT_TRUE(!fs::exists(pulled) || fs::is_empty(pulled));
}

}  // namespace
}  // namespace silta::sync
