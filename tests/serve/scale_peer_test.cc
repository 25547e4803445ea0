// Several `silta serve` instances on one PostgreSQL (issue 16): a PostgreSQL this test starts
// (initdb in a temporary folder, a loopback port, stopped at the end), three instances sharing
// its queue and journal, and the real FHIR server (the FHIR peer). Records are posted across the
// instances, one instance is SIGKILLed while it holds a lease, and the survivors finish. Then
// the server holds what a clean single `silta sync push` of the same records puts on another
// peer, no business identifier is on two resources, and the journal names each resource at the
// version the server has.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "fhirclient/fhirclient.h"
#include "json/json.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "sync/fhir_peer.h"

extern char** environ;

namespace silta {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kPartSystem = "https://silta.example.fi/fhir/sid/client-record-part";
constexpr const char* kToken = "scale-test-token";
// Every type the mappings make, and the custodian Provenances.
constexpr const char* kTypes[] = {"Patient",     "Coverage",     "RelatedPerson", "Consent",
                                  "Observation", "Practitioner", "CareTeam",      "EpisodeOfCare",
                                  "CarePlan",    "Procedure",    "Communication", "ChargeItem",
                                  "Provenance"};

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

// One `silta serve` process; SIGKILLed or stopped with SIGTERM.
class ServeProcess {
 public:
  bool Start(const fs::path& config, const fs::path& log, std::string* error) {
    std::string binary = SILTA_BINARY;
    std::string config_text = config.string();
    std::vector<char*> argv = {binary.data(), const_cast<char*>("serve"),
                               const_cast<char*>("--config"), config_text.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      *error = "cannot start " + binary + ": " + std::strerror(rc);
      pid_ = 0;
      return false;
    }
    return true;
  }
  void Signal(int signal) {
    if (pid_ <= 0) return;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  ~ServeProcess() { Signal(SIGTERM); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
};

fhirclient::HttpResult Http(const std::string& method, const std::string& url,
                            const std::string& body = {},
                            const std::string& content_type = "application/json") {
  fhirclient::CurlTransport transport;
  fhirclient::HttpRequest request{
      method, url, {{"Authorization", std::string("Bearer ") + kToken}}, body};
  if (!body.empty()) request.headers.emplace_back("Content-Type", content_type);
  return transport.Send(request);
}

// Every resource of every type on a server, by type.
std::map<std::string, std::vector<json::Value>> Everything(const std::string& base_url) {
  std::map<std::string, std::vector<json::Value>> out;
  fhirclient::CurlTransport transport;
  fhirclient::FhirClientOptions options;
  options.base_url = base_url;
  fhirclient::FhirClient client(options, transport);
  for (const char* type : kTypes) {
    fhirclient::Pager pager = client.Search(type, {{"_count", "200"}});
    while (true) {
      auto page = pager.NextPage();
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok() || !page->has_value()) break;
      json::Value bundle = *json::Value::Parse((*page)->body, "search");
      if (const json::Value* entries = bundle.Find("entry")) {
        for (const auto& entry : entries->items()) out[type].push_back(*entry.Find("resource"));
      }
    }
  }
  return out;
}

// A server's resources without what differs between two servers holding the same data: ids,
// meta (versions, times) and references by server id, which become the referenced resource's
// business identifier. Sorted, so that two servers compare as multisets.
std::vector<std::string> Comparable(const std::map<std::string, std::vector<json::Value>>& all) {
  std::map<std::string, std::string> business;  // "Type/id" → "Type|part identifier"
  for (const auto& [type, resources] : all) {
    for (const json::Value& r : resources) {
      std::string key = type + "|";
      if (const json::Value* ids = r.Find("identifier")) {
        for (const auto& id : ids->items()) {
          if (TextAt(id, "system") == kPartSystem) key += TextAt(id, "value");
        }
      }
      business[type + "/" + TextAt(r, "id")] = key;
    }
  }
  std::vector<std::string> out;
  std::function<void(json::Value&)> rewrite = [&](json::Value& v) {
    if (v.is_object()) {
      if (const json::Value* ref = v.Find("reference"); ref != nullptr && ref->is_scalar()) {
        auto found = business.find(ref->text());
        v["reference"] = json::Value::String(found != business.end() ? found->second
                                                                     : "unresolved " + ref->text());
      }
      for (auto& [name, member] : v.members()) rewrite(member);
    } else if (v.is_array()) {
      for (auto& item : v.items()) rewrite(item);
    }
  };
  for (const auto& [type, resources] : all) {
    for (json::Value r : resources) {
      r.Remove("id");
      r.Remove("meta");
      rewrite(r);
      out.push_back(r.ToString());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ScalePeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FhirPeer::InstalledDir().empty()) {
      GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
    }
    dir_ = fs::temp_directory_path() / ("silta-scale-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string error;
    ASSERT_TRUE(postgres_.Start(&error)) << error;
    ASSERT_TRUE(postgres_.CreateDatabase("silta"));
    ASSERT_TRUE(served_.Start(&error)) << error;
    ASSERT_TRUE(reference_.Start(&error)) << error;
    WritePolicy("served", served_.base_url());
    WritePolicy("reference", reference_.base_url());
    std::ofstream(dir_ / "tokens") << kToken << " *\n";
  }
  void TearDown() override {
    instances_.clear();
    served_.Stop();
    reference_.Stop();
    postgres_.Stop();
    std::error_code ignored;
    if (!HasFailure()) fs::remove_all(dir_, ignored);
  }

  void WritePolicy(const std::string& name, const std::string& base_url) {
    std::ofstream(dir_ / (name + "-target.json"))
        << R"({"name": "county", "baseUrl": ")" << base_url << R"("})";
    std::ofstream(dir_ / (name + "-policy.json"))
        << R"({"custodian": {"oid": "1.2.246.10.32213182.19.0", "name": "Test county"},
              "targets": [{"name": "county", "levels": ["county", "shared-definition",
              "joint-county", "national"], "adapter": ")"
        << name << R"(-target.json"}]})";
  }

  // The records: every example record, the JSON ones also as three more clients each (another
  // client id), one file per record in the order `silta sync push` reads a folder.
  std::vector<std::pair<std::string, std::string>> WriteRecords() {
    std::vector<std::pair<std::string, std::string>> records;  // file name, text
    std::vector<fs::path> examples;
    for (const auto& e : fs::directory_iterator(SILTA_SOURCE_DIR "/examples/records")) {
      examples.push_back(e.path());
    }
    std::sort(examples.begin(), examples.end());
    auto add = [&](const std::string& stem, const std::string& ext, const std::string& text) {
      char name[32];
      std::snprintf(name, sizeof name, "%03zu-", records.size());
      records.emplace_back(name + stem + ext, text);
    };
    for (const fs::path& file : examples) {
      std::string text = *ReadFile(file);
      std::string ext = file.extension().string();
      std::vector<std::string> jsons;
      if (ext == ".xml") {
        add(file.stem().string(), ".xml", text);
        continue;
      }
      if (ext == ".ndjson") {
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
          if (!line.empty()) jsons.push_back(line);
        }
      } else {
        jsons.push_back(text);
      }
      for (const std::string& one : jsons) {
        add(file.stem().string(), ".json", one);
        for (int copy = 1; copy <= 3; ++copy) {
          json::Value record = *json::Value::Parse(one, file.string());
          record["clientId"] =
              json::Value::String(TextAt(record, "clientId") + "-C" + std::to_string(copy));
          add(file.stem().string() + "-c" + std::to_string(copy), ".json", record.ToString());
        }
      }
    }
    fs::create_directories(dir_ / "records");
    for (const auto& [name, text] : records) {
      EXPECT_TRUE(WriteFileAtomically(dir_ / "records" / name, text).ok());
    }
    return records;
  }

  // Starts instance `n` on the shared PostgreSQL; its port.
  int StartInstance(int n) {
    int port = testing::FhirPeer::FreePort();
    fs::path config = dir_ / ("serve-" + std::to_string(n) + ".json");
    std::ofstream(config) << R"({"port": )" << port << R"(, "threads": 2,
        "tokensFile": "tokens", "accessLog": "off",
        "queueFile": ")" << postgres_.Uri("silta")
                          << R"(", "journalFile": ")" << postgres_.Uri("silta") << R"(",
        "syncPolicy": "served-policy.json", "quarantineDir": "quarantine",
        "syncRetryMs": 200, "syncLeaseMs": 3000, "syncHeartbeatMs": 500})";
    auto process = std::make_unique<ServeProcess>();
    std::string error;
    EXPECT_TRUE(process->Start(config, dir_ / ("serve-" + std::to_string(n) + ".log"), &error))
        << error;
    instances_[n] = std::move(process);
    return port;
  }

  bool WaitReady(int port) {
    for (auto deadline = std::chrono::steady_clock::now() + seconds(120);
         std::chrono::steady_clock::now() < deadline;) {
      auto result = Http("GET", "http://127.0.0.1:" + std::to_string(port) + "/readyz");
      if (result.ok() && result.response.status == 200) return true;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  }

  int64_t Count(store::PgConnection& db, const std::string& sql) {
    auto r = db.Exec(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->Int(0, 0) : -1;
  }

  fs::path dir_;
  testing::PostgresServer postgres_;
  testing::FhirPeer served_;
  testing::FhirPeer reference_;
  std::map<int, std::unique_ptr<ServeProcess>> instances_;
};

TEST_F(ScalePeerTest, SurvivorsFinishAfterAnInstanceIsKilledAndMatchASinglePush) {
  const auto records = WriteRecords();
  ASSERT_GT(records.size(), 40u);
  std::map<int, int> ports;
  for (int n = 1; n <= 3; ++n) ports[n] = StartInstance(n);
  for (int n = 1; n <= 3; ++n) {
    ASSERT_TRUE(WaitReady(ports[n])) << "instance " << n << " not ready; see "
                                     << (dir_ / ("serve-" + std::to_string(n) + ".log"));
  }
  auto db = store::PgConnection::Open(postgres_.Uri("silta"), "test");
  ASSERT_TRUE(db.ok()) << db.status().message();

  auto post = [&](size_t i, int instance) {
    const auto& [name, text] = records[i];
    auto result =
        Http("POST", "http://127.0.0.1:" + std::to_string(ports[instance]) + "/client-records",
             text, name.ends_with(".xml") ? "application/xml" : "application/json");
    ASSERT_TRUE(result.ok()) << name;
    ASSERT_EQ(result.response.status, 202) << name << ": " << result.response.body;
  };
  // The first half across all three...
  size_t next = 0;
  for (; next < records.size() / 2; ++next) post(next, 1 + static_cast<int>(next % 3));
  // ... then instance 1 dies while it holds a record (its holder id carries its pid). Should the
  // others have drained the queue first, instance 1 gets more records until it is seen holding.
  const std::string holder_of_1 = "SELECT COUNT(*) FROM record_queue WHERE holder LIKE '%:" +
                                  std::to_string(instances_[1]->pid()) +
                                  ":%' AND lease_until > clock_timestamp()";
  bool holding = false;
  for (auto deadline = std::chrono::steady_clock::now() + seconds(120);
       !holding && std::chrono::steady_clock::now() < deadline;) {
    holding = Count(**db, holder_of_1) > 0;
    if (holding) break;
    if (next + 1 < records.size() && Count(**db, "SELECT COUNT(*) FROM record_queue") == 0) {
      post(next++, 1);
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(holding) << "instance 1 never claimed a record";
  instances_[1]->Signal(SIGKILL);
  // The rest to the survivors.
  for (; next < records.size(); ++next) post(next, 2 + static_cast<int>(next % 2));

  bool drained = false;
  for (auto deadline = std::chrono::steady_clock::now() + seconds(600);
       !drained && std::chrono::steady_clock::now() < deadline;) {
    drained = Count(**db, "SELECT COUNT(*) FROM record_queue") == 0;
    if (!drained) std::this_thread::sleep_for(milliseconds(250));
  }
  ASSERT_TRUE(drained) << Count(**db, "SELECT COUNT(*) FROM record_queue")
                       << " records left; see the serve-*.log files in " << dir_;
  // The killed instance's record was taken over by a survivor.
  int64_t takeovers = 0;
  for (int n : {2, 3}) {
    auto metrics = Http("GET", "http://127.0.0.1:" + std::to_string(ports[n]) + "/metrics");
    ASSERT_TRUE(metrics.ok());
    std::string body = metrics.response.body;
    size_t at = body.find("\nsilta_sync_lease_takeovers_total ");
    ASSERT_NE(at, std::string::npos);
    takeovers += std::stoll(body.substr(at + std::strlen("\nsilta_sync_lease_takeovers_total ")));
    EXPECT_THAT(body, ::testing::HasSubstr("silta_sync_queue_parked_records 0"));
  }
  EXPECT_GE(takeovers, 1);
  EXPECT_EQ(Count(**db, "SELECT COUNT(*) FROM journal_conflicts"), 0);

  // The reference: one clean `silta sync push` of the same records into the other peer.
  std::string push = std::string(SILTA_BINARY) + " sync push '" + (dir_ / "records").string() +
                     "' --policy '" + (dir_ / "reference-policy.json").string() + "' --journal '" +
                     (dir_ / "reference-journal.db").string() + "' > '" +
                     (dir_ / "push.log").string() + "' 2>&1";
  int status = std::system(push.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << push << "\n"
      << (ReadFile(dir_ / "push.log").ok() ? *ReadFile(dir_ / "push.log") : "");

  auto served = Everything(served_.base_url());
  auto reference = Everything(reference_.base_url());
  EXPECT_GT(served["Patient"].size(), 20u);
  for (const char* type : kTypes) {
    EXPECT_EQ(served[type].size(), reference[type].size()) << type;
  }
  EXPECT_EQ(Comparable(served), Comparable(reference));

  // No business identifier on two resources of a type.
  std::map<std::string, int> identifiers;
  for (const auto& [type, resources] : served) {
    for (const json::Value& r : resources) {
      if (const json::Value* ids = r.Find("identifier")) {
        for (const auto& id : ids->items()) {
          if (TextAt(id, "system") == kPartSystem) ++identifiers[type + "|" + TextAt(id, "value")];
        }
      }
    }
  }
  EXPECT_FALSE(identifiers.empty());
  for (const auto& [key, count] : identifiers) EXPECT_EQ(count, 1) << key;

  // The journal agrees with the server: one entry per resource, at the server's version.
  size_t on_server = 0;
  std::map<std::string, std::string> versions;  // "Type/id" → versionId
  for (const auto& [type, resources] : served) {
    for (const json::Value& r : resources) {
      ++on_server;
      const json::Value* meta = r.Find("meta");
      versions[type + "/" + TextAt(r, "id")] = meta != nullptr ? TextAt(*meta, "versionId") : "";
    }
  }
  auto entries = (*db)->Exec(
      "SELECT resource_key, server_id, version_id FROM journal_entries WHERE target = 'county'");
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(static_cast<size_t>(entries->rows()), on_server);
  std::cout << records.size() << " records, " << on_server << " resources on the server, "
            << takeovers << " lease takeover(s) after the kill\n";
  for (int i = 0; i < entries->rows(); ++i) {
    std::string key = entries->Text(i, 0);
    std::string type = key.substr(0, key.find('|'));
    auto found = versions.find(type + "/" + entries->Text(i, 1));
    ASSERT_NE(found, versions.end()) << key << " is journalled but not on the server";
    EXPECT_EQ(found->second, entries->Text(i, 2)) << key;
  }
}

}  // namespace
}  // namespace silta
