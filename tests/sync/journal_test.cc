#include "sync/journal.h"

#include <gtest/gtest.h>

#include <gmock/gmock.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"
#include "support/memory_journal.h"
#include "support/postgres_server.h"
#include "sync/engine.h"

namespace silta::sync {
namespace {

JournalEntry Entry(std::string key, std::string version) {
  return JournalEntry{"county",           std::move(key), "hash-" + version, "srv-1",
                      std::move(version), "09/A17",       1700000000};
}

enum class Backend { kMemory, kSqlite, kPostgres };

// One suite for every JournalStore: the engine may be given any of them.
class JournalTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kMemory:
        journal_ = std::make_unique<MemoryJournal>();
        return;
      case Backend::kSqlite:
        dir_ = std::filesystem::temp_directory_path() /
               ("silta-journal-" + std::to_string(getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        location_ = (dir_ / "journal.db").string();
        break;
      case Backend::kPostgres: {
        std::string error;
        location_ = testing::FreshPostgresDatabase("journal", &error);
        ASSERT_FALSE(location_.empty()) << error;
        break;
      }
    }
    Reopen();
  }
  void TearDown() override {
    journal_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // A second process's view: the store as opened afresh from its location.
  void Reopen() {
    journal_.reset();
    auto opened = OpenJournal(location_);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    journal_ = std::move(*opened);
  }
  bool persistent() const { return GetParam() != Backend::kMemory; }

  std::filesystem::path dir_;
  std::string location_;
  std::unique_ptr<JournalStore> journal_;
};

TEST_P(JournalTest, StoresAndReplacesEntries) {
  ASSERT_TRUE(journal_->Put({Entry("Patient|s|v", "1"), Entry("RelatedPerson|s|w", "1")}).ok());
  ASSERT_TRUE(journal_->Put({Entry("Patient|s|v", "2")}).ok());
  auto got = journal_->Get("county", "Patient|s|v");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->version_id, "2");
  EXPECT_EQ((*got)->content_hash, "hash-2");
  EXPECT_EQ((*got)->server_id, "srv-1");
  EXPECT_EQ((*got)->client_key, "09/A17");
  EXPECT_EQ((*got)->updated_at, 1700000000);
  EXPECT_FALSE(journal_->Get("national", "Patient|s|v")->has_value());
  auto client = journal_->ForClient("county", "09/A17");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->size(), 2u);
}

// The pull compares a client's resources in this order; every store must give the same one,
// byte order, whatever a database's locale would sort.
TEST_P(JournalTest, ListsAClientsEntriesInByteOrderOfTheirKeys) {
  ASSERT_TRUE(journal_
                  ->Put({Entry("patient|s|b", "1"), Entry("Patient|s|b", "1"),
                         Entry("Patient|s|a", "1"), Entry("Observation|s|z", "1")})
                  .ok());
  JournalEntry other = Entry("Patient|s|c", "1");
  other.client_key = "09/B1";
  ASSERT_TRUE(journal_->Put({other}).ok());
  auto client = journal_->ForClient("county", "09/A17");
  ASSERT_TRUE(client.ok());
  std::vector<std::string> keys;
  for (const auto& e : *client) keys.push_back(e.resource_key);
  EXPECT_EQ(keys, (std::vector<std::string>{"Observation|s|z", "Patient|s|a", "Patient|s|b",
                                            "patient|s|b"}));
}

TEST_P(JournalTest, KeepsConflictsAndWatermarksPerTarget) {
  ASSERT_TRUE(journal_->AddConflict({"county", "Patient|s|v", "1", "7", "412", 5}).ok());
  ASSERT_TRUE(journal_->AddConflict({"county", "Patient|s|w", "2", "", "409", 6}).ok());
  ASSERT_TRUE(journal_->AddConflict({"national", "Patient|s|v", "1", "3", "412", 7}).ok());
  auto county = journal_->Conflicts("county");
  ASSERT_TRUE(county.ok());
  ASSERT_EQ(county->size(), 2u);
  EXPECT_EQ((*county)[0].resource_key, "Patient|s|v");  // in the order found
  EXPECT_EQ((*county)[0].server_version, "7");
  EXPECT_EQ((*county)[1].detail, "409");
  EXPECT_EQ((*county)[1].detected_at, 6);
  EXPECT_TRUE(journal_->Conflicts("regional")->empty());
  EXPECT_EQ(*journal_->ConflictCount(), 3);
  EXPECT_FALSE(journal_->Watermark("county")->has_value());
  ASSERT_TRUE(journal_->SetWatermark("county", "2026-12-01T10:00:00Z").ok());
  ASSERT_TRUE(journal_->SetWatermark("county", "2026-12-01T11:00:00Z").ok());
  EXPECT_EQ(**journal_->Watermark("county"), "2026-12-01T11:00:00Z");
  EXPECT_FALSE(journal_->Watermark("national")->has_value());
}

TEST_P(JournalTest, SurvivesReopening) {
  if (!persistent()) GTEST_SKIP() << "the memory journal lives as long as its object";
  ASSERT_TRUE(journal_->Put({Entry("Patient|s|v", "3")}).ok());
  ASSERT_TRUE(journal_->AddConflict({"county", "Patient|s|v", "1", "7", "412", 5}).ok());
  ASSERT_TRUE(journal_->SetWatermark("county", "2026-12-01T10:00:00Z").ok());
  Reopen();  // migrations find the schema current and leave the data alone
  ASSERT_NE(journal_, nullptr);
  EXPECT_EQ((*journal_->Get("county", "Patient|s|v"))->version_id, "3");
  EXPECT_EQ(*journal_->ConflictCount(), 1);
  EXPECT_EQ(**journal_->Watermark("county"), "2026-12-01T10:00:00Z");
}

// Two instances on one journal: what one confirmed, the other finds.
TEST_P(JournalTest, IsSharedBetweenTwoOpenings) {
  if (!persistent()) GTEST_SKIP() << "the memory journal lives as long as its object";
  auto second = OpenJournal(location_);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(journal_->Put({Entry("Patient|s|v", "1")}).ok());
  ASSERT_TRUE((*second)->Put({Entry("Patient|s|v", "2"), Entry("Patient|s|w", "1")}).ok());
  EXPECT_EQ((*journal_->Get("county", "Patient|s|v"))->version_id, "2");
  EXPECT_EQ(journal_->ForClient("county", "09/A17")->size(), 2u);
}

// A database written by a newer Silta is refused, not written with an older idea of its layout.
TEST_P(JournalTest, RefusesASchemaNewerThanItKnows) {
  if (!persistent()) GTEST_SKIP() << "the memory journal has no schema";
  journal_.reset();
  if (GetParam() == Backend::kSqlite) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(location_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99 WHERE component = 'journal'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  } else {
    std::string error;
    testing::PostgresServer* server = testing::SharedPostgres(&error);
    ASSERT_NE(server, nullptr) << error;
    std::string db = location_.substr(location_.rfind('/') + 1);
    ASSERT_TRUE(
        server->Psql("UPDATE schema_version SET version = 99 WHERE component = 'journal'", db));
  }
  auto opened = OpenJournal(location_);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), ::testing::HasSubstr("version 99, newer than"));
}

INSTANTIATE_TEST_SUITE_P(Stores, JournalTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case Backend::kMemory:
                               return "Memory";
                             case Backend::kSqlite:
                               return "Sqlite";
                             case Backend::kPostgres:
                               return "Postgres";
                           }
                           return "";
                         });

// A journal file from before schema versions (the same tables, no schema_version) is adopted
// as version 1 with its entries.
TEST(SqliteJournalTest, AdoptsAFileFromBeforeSchemaVersions) {
  auto dir =
      std::filesystem::temp_directory_path() / ("silta-journal-legacy-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string file = (dir / "j.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE entries (target TEXT NOT NULL, resource_key TEXT NOT NULL, "
                         "content_hash TEXT NOT NULL, server_id TEXT NOT NULL, version_id TEXT "
                         "NOT NULL, client_key TEXT NOT NULL, updated_at INTEGER NOT NULL, "
                         "PRIMARY KEY (target, resource_key));"
                         "INSERT INTO entries VALUES ('county', 'Patient|s|v', 'h', 'srv-1', "
                         "'4', '09/A17', 1);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto journal = SqliteJournal::Open(file);
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  EXPECT_EQ((*(*journal)->Get("county", "Patient|s|v"))->version_id, "4");
  std::filesystem::remove_all(dir);
}

// The password comes from PGPASSFILE or PGPASSWORD; a URI that carries one is refused before
// any connection, and the message does not repeat it.
TEST(PgJournalTest, RefusesAUriWithAPassword) {
  for (const std::string uri : {"postgresql://silta:s3cret@127.0.0.1:1/db",
                                "postgres://127.0.0.1:1/db?user=silta&password=s3cret"}) {
    auto journal = OpenJournal(uri);
    ASSERT_FALSE(journal.ok()) << uri;
    EXPECT_THAT(journal.status().message(), ::testing::HasSubstr("PGPASSFILE"));
    EXPECT_THAT(journal.status().message(), ::testing::Not(::testing::HasSubstr("s3cret")));
  }
  EXPECT_TRUE(
      store::CheckPostgresUri("postgresql://silta@db.example:5432/silta?sslmode=verify-full").ok());
}

TEST(PgJournalTest, ReportsAServerItCannotReach) {
  // Port 1 on loopback: nothing listens.
  auto journal = OpenJournal("postgresql://silta@127.0.0.1:1/silta?connect_timeout=5");
  ASSERT_FALSE(journal.ok());
  EXPECT_THAT(journal.status().message(),
              ::testing::HasSubstr("sync journal: cannot connect to PostgreSQL"));
}

TEST(SqliteJournalTest, ReportsAnUnopenableFile) {
  auto journal = SqliteJournal::Open("/nonexistent-dir/x/journal.db");
  ASSERT_FALSE(journal.ok());
  EXPECT_NE(journal.status().message().find("cannot open sync journal"), std::string::npos);
}

}  // namespace
}  // namespace silta::sync

namespace silta::sync {
namespace {

// The pull watermark is read back from the servers' lastUpdated; an offset was read with atoi,
// so "+ab:cd" silently became +00:00.
TEST(InstantTest, ReadsTheZoneAndRefusesWhatIsNotOne) {
  EXPECT_EQ(ParseInstant("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseInstant("1970-01-01T02:00:00.123+02:00"), 0);
  EXPECT_EQ(ParseInstant("1969-12-31T23:30:00-00:30"), 0);
  EXPECT_EQ(ParseInstant("2026-12-07T04:00:00+ab:cd"), -1);
  EXPECT_EQ(ParseInstant("2026-12-07T04:00:00+99:00"), -1);
  EXPECT_EQ(ParseInstant("2026-12-07T04:00:00+02-00"), -1);
  EXPECT_EQ(ParseInstant("2026-12-07T04:00:00"), -1);
  EXPECT_EQ(ParseInstant("2026-12-07"), -1);
}

}  // namespace
}  // namespace silta::sync
