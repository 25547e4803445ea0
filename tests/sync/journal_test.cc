#include "sync/journal.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sync/engine.h"

namespace silta::sync {
namespace {

JournalEntry Entry(std::string key, std::string version) {
  return JournalEntry{"county",           std::move(key), "hash-" + version, "srv-1",
                      std::move(version), "09/A17",       1700000000};
}

class JournalTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      dir_ = std::filesystem::temp_directory_path() /
             ("silta-journal-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      auto opened = SqliteJournal::Open(dir_ / "journal.db");
      ASSERT_TRUE(opened.ok()) << opened.status().message();
      journal_ = std::move(*opened);
    } else {
      journal_ = std::make_unique<MemoryJournal>();
    }
  }
  void TearDown() override {
    journal_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
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
  EXPECT_FALSE(journal_->Get("national", "Patient|s|v")->has_value());
  auto client = journal_->ForClient("county", "09/A17");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->size(), 2u);
}

TEST_P(JournalTest, KeepsConflictsAndWatermarksPerTarget) {
  ASSERT_TRUE(journal_->AddConflict({"county", "Patient|s|v", "1", "7", "412", 5}).ok());
  EXPECT_EQ(journal_->Conflicts("county")->size(), 1u);
  EXPECT_TRUE(journal_->Conflicts("national")->empty());
  EXPECT_FALSE(journal_->Watermark("county")->has_value());
  ASSERT_TRUE(journal_->SetWatermark("county", "2026-12-01T10:00:00Z").ok());
  ASSERT_TRUE(journal_->SetWatermark("county", "2026-12-01T11:00:00Z").ok());
  EXPECT_EQ(**journal_->Watermark("county"), "2026-12-01T11:00:00Z");
}

INSTANTIATE_TEST_SUITE_P(Stores, JournalTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "Sqlite" : "Memory";
                         });

TEST(SqliteJournalTest, SurvivesReopening) {
  auto dir = std::filesystem::temp_directory_path() / "silta-journal-reopen";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto journal = SqliteJournal::Open(dir / "j.db");
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Put({Entry("Patient|s|v", "3")}).ok());
  }
  auto journal = SqliteJournal::Open(dir / "j.db");
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ((*(*journal)->Get("county", "Patient|s|v"))->version_id, "3");
  std::filesystem::remove_all(dir);
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
