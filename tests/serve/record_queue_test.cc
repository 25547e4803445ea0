// One suite for both record-queue backends: the same rules on SQLite and on PostgreSQL.
#include "serve/record_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "serve/queue_admin.h"
#include "support/postgres_server.h"

namespace silta::serve {
namespace {

using std::chrono::milliseconds;

enum class Backend { kSqlite, kPostgres };

class RecordQueueTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("silta-queue-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      location_ = (dir_ / "queue.sqlite").string();
    } else {
      std::string error;
      location_ = testing::FreshPostgresDatabase("queue", &error);
      ASSERT_FALSE(location_.empty()) << error;
    }
    queue_ = Open();
    ASSERT_NE(queue_, nullptr);
  }
  void TearDown() override {
    queue_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Another instance's handle on the same queue.
  std::unique_ptr<RecordQueue> Open() {
    auto opened = RecordQueue::Open(location_);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  int64_t Enqueue(const std::string& client, const std::string& body = "{}") {
    auto id = queue_->Enqueue("json", body, client);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }
  std::optional<QueuedRecord> Claim(const std::string& holder,
                                    milliseconds lease = milliseconds(30000)) {
    auto claimed = queue_->Claim(holder, lease);
    EXPECT_TRUE(claimed.ok()) << claimed.status().message();
    return claimed.ok() ? *claimed : std::nullopt;
  }

  std::filesystem::path dir_;
  std::string location_;
  std::unique_ptr<RecordQueue> queue_;
};

TEST_P(RecordQueueTest, KeepsTheRecordAsReceived) {
  // A record's bytes go back out as they came: XML in another encoding, even a NUL.
  const std::string body = std::string("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe4") +
                           std::string(1, '\0') + "</a>";
  auto id = queue_->Enqueue("xml", body, "09/A1");
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto peeked = queue_->Peek(10);
  ASSERT_TRUE(peeked.ok());
  ASSERT_EQ(peeked->size(), 1u);
  EXPECT_EQ((*peeked)[0].id, *id);
  EXPECT_EQ((*peeked)[0].format, "xml");
  EXPECT_EQ((*peeked)[0].body, body);
  EXPECT_EQ((*peeked)[0].client_key, "09/A1");
  EXPECT_GT((*peeked)[0].received_at, 1700000000);
  EXPECT_EQ(*queue_->Depth(), 1);
}

// The claim rules: the oldest claimable record first; a client's later record waits while an
// earlier one is in the queue (leased or not); other clients go on.
TEST_P(RecordQueueTest, ClaimsOneRecordPerClientInOrder) {
  int64_t a1 = Enqueue("09/A");
  int64_t b1 = Enqueue("09/B");
  int64_t a2 = Enqueue("09/A");
  int64_t c1 = Enqueue("10/C");
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, a1);
  EXPECT_EQ(first->attempts, 1);
  auto second = Claim("w2");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, b1);
  auto third = Claim("w3");
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->id, c1) << "A's second record must wait for its first";
  EXPECT_FALSE(Claim("w4").has_value());
  // B's record is done; A's first still leased: nothing for A yet.
  EXPECT_TRUE(*queue_->Complete(b1, "w2"));
  EXPECT_FALSE(Claim("w4").has_value());
  EXPECT_TRUE(*queue_->Complete(a1, "w1"));
  auto next = Claim("w4");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, a2);
  EXPECT_EQ(*queue_->Depth(), 2);
}

TEST_P(RecordQueueTest, ReleasedRecordIsClaimedFirstAgain) {
  int64_t a1 = Enqueue("09/A");
  Enqueue("09/A");
  int64_t b1 = Enqueue("09/B");
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(queue_->Release(a1, "w1").ok());
  auto again = Claim("w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, a1);
  EXPECT_EQ(again->attempts, 2);
  // Released by someone who does not hold it: nothing changes.
  ASSERT_TRUE(queue_->Release(a1, "w1").ok());
  auto other = Claim("w3");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->id, b1);
}

// A holder that stops renewing (a killed instance) loses the record when the lease expires; the
// next claimer takes it over, and the old holder can neither renew nor settle it.
TEST_P(RecordQueueTest, TakesOverARecordWhoseLeaseExpired) {
  int64_t a1 = Enqueue("09/A");
  auto dead = Claim("dead", milliseconds(200));
  ASSERT_TRUE(dead.has_value());
  auto other = Open();
  ASSERT_NE(other, nullptr);
  auto early = other->Claim("alive", milliseconds(30000));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());
  std::this_thread::sleep_for(milliseconds(400));
  auto taken = other->Claim("alive", milliseconds(30000));
  ASSERT_TRUE(taken.ok());
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->id, a1);
  EXPECT_EQ((*taken)->attempts, 2);
  EXPECT_FALSE(*queue_->Heartbeat(a1, "dead", milliseconds(30000)));
  EXPECT_FALSE(*queue_->Complete(a1, "dead"));
  EXPECT_EQ(*queue_->Depth(), 1);
  EXPECT_TRUE(*other->Complete(a1, "alive"));
  EXPECT_EQ(*queue_->Depth(), 0);
}

// A claim says whether it took the record from another holder: the lease-takeover metric.
TEST_P(RecordQueueTest, ClaimTellsATakeoverFromAFirstClaim) {
  int64_t a1 = Enqueue("09/A");
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->taken_over);
  ASSERT_TRUE(queue_->Release(a1, "w1").ok());
  auto again = Claim("w2", milliseconds(100));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->taken_over) << "a released record is no takeover";
  std::this_thread::sleep_for(milliseconds(250));
  auto taken = Claim("w3");
  ASSERT_TRUE(taken.has_value());
  EXPECT_TRUE(taken->taken_over);
}

// A deferred record steps aside: its client's later records wait, other clients go on, and it
// is claimable again (first for its client) once its retry time has come.
TEST_P(RecordQueueTest, DeferredRecordHoldsBackOnlyItsClient) {
  int64_t a1 = Enqueue("09/A");
  int64_t a2 = Enqueue("09/A");
  int64_t b1 = Enqueue("09/B");
  auto first = Claim("w1");
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->id, a1);
  ASSERT_TRUE(*queue_->Defer(a1, "w1", milliseconds(300), "HTTP 422", /*refused=*/true));
  auto next = Claim("w1");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, b1) << "A's records wait behind the deferred one";
  EXPECT_FALSE(Claim("w1").has_value()) << "A's second record is not claimable: " << a2;
  std::this_thread::sleep_for(milliseconds(400));
  auto retried = Claim("w2");
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->id, a1);
  EXPECT_EQ(retried->refusals, 1);
  EXPECT_EQ(retried->attempts, 2);
  // A failure that is not a refusal does not count towards parking.
  ASSERT_TRUE(*queue_->Defer(a1, "w2", milliseconds(0), "connection refused", false));
  auto again = Claim("w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->refusals, 1);
  // Only the holder defers.
  EXPECT_FALSE(*queue_->Defer(a1, "someone-else", milliseconds(0), "x", true));
}

// A parked record is never claimed again and blocks its client only; an operator lists it,
// requeues it (claimable at once, refusals forgotten) or discards it (the client's next record
// flows), each with an audit row.
TEST_P(RecordQueueTest, ParkedRecordBlocksItsClientUntilRequeuedOrDiscarded) {
  int64_t a1 = Enqueue("09/A");
  int64_t a2 = Enqueue("09/A");
  int64_t b1 = Enqueue("09/B");
  int64_t c1 = Enqueue("10/C");
  ASSERT_EQ(Claim("w1").value().id, a1);
  ASSERT_TRUE(*queue_->Defer(a1, "w1", milliseconds(0), "first refusal", true));
  ASSERT_EQ(Claim("w1").value().id, a1);
  const std::string outcome = R"({"resourceType":"OperationOutcome","issue":[]})";
  ASSERT_TRUE(*queue_->Park(a1, "w1", "HTTP 422: refused", outcome));
  EXPECT_EQ(Claim("w1").value().id, b1);
  EXPECT_EQ(Claim("w1").value().id, c1);
  EXPECT_FALSE(Claim("w1").has_value()) << "A is blocked: neither " << a1 << " nor " << a2;

  auto counts = queue_->Counts();
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->depth, 4);
  EXPECT_EQ(counts->parked, 1);
  EXPECT_EQ(counts->blocked_clients, 1);
  auto problems = queue_->Problems(10);
  ASSERT_TRUE(problems.ok()) << problems.status().message();
  ASSERT_EQ(problems->size(), 1u);
  const QueueProblem& parked = (*problems)[0];
  EXPECT_EQ(parked.id, a1);
  EXPECT_TRUE(parked.parked);
  EXPECT_GT(parked.parked_at, 1700000000);
  EXPECT_EQ(parked.client_key, "09/A");
  EXPECT_EQ(parked.refusals, 2) << "the refusal that parked it counts";
  EXPECT_EQ(parked.attempts, 2);
  EXPECT_EQ(parked.held_back, 1);
  EXPECT_EQ(parked.last_error, "HTTP 422: refused");
  EXPECT_EQ(parked.outcome, outcome);

  // Leased records are not the operator's to change while their attempt runs.
  EXPECT_EQ(*queue_->Requeue(b1, {"test", ""}), OperatorResult::kBeingPushed);
  EXPECT_EQ(*queue_->Discard(999999, {"test", ""}), OperatorResult::kNotFound);

  EXPECT_EQ(*queue_->Requeue(a1, {"test", "fixed"}), OperatorResult::kDone);
  auto after = queue_->Find(a1);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_FALSE((*after)->parked);
  EXPECT_EQ((*after)->refusals, 0);
  EXPECT_EQ((*after)->last_error, "");
  auto requeued = Claim("w2");
  ASSERT_TRUE(requeued.has_value());
  EXPECT_EQ(requeued->id, a1);
  ASSERT_TRUE(*queue_->Park(a1, "w2", "again", outcome));
  EXPECT_EQ(*queue_->Discard(a1, {"test", "obsolete"}), OperatorResult::kDone);
  EXPECT_FALSE(queue_->Find(a1)->has_value());
  auto freed = Claim("w3");
  ASSERT_TRUE(freed.has_value());
  EXPECT_EQ(freed->id, a2) << "discarded, the parked record no longer blocks its client";
  EXPECT_EQ(queue_->Counts()->parked, 0);
  EXPECT_EQ(queue_->Counts()->blocked_clients, 0);
}

// Servers' messages may echo an identifier; operators' listings show it masked.
TEST(MaskPersonalDataTest, MasksHetuShapedTokens) {
  EXPECT_EQ(MaskPersonalData("Patient 010190-999W refused; 131052-308T and 010100A123D too"),
            "Patient 010190-**** refused; 131052-**** and 010100A**** too");
  EXPECT_EQ(MaskPersonalData("HTTP 422: error/invariant"), "HTTP 422: error/invariant");
  EXPECT_EQ(MaskPersonalData("order 1234567-8901X"), "order 1234567-8901X");
}

TEST(MaskClientKeyTest, KeepsTheCountyAndHidesTheClient) {
  std::string masked = MaskClientKey("286/010190-999W");
  EXPECT_THAT(masked, ::testing::StartsWith("286/#"));
  EXPECT_EQ(masked.size(), std::string("286/#").size() + 12);
  EXPECT_THAT(masked, ::testing::Not(::testing::HasSubstr("010190")));
  EXPECT_NE(masked, MaskClientKey("286/010190-998V"));
}

TEST_P(RecordQueueTest, HeartbeatKeepsTheLease) {
  int64_t a1 = Enqueue("09/A");
  ASSERT_TRUE(Claim("w1", milliseconds(300)).has_value());
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(milliseconds(150));
    EXPECT_TRUE(*queue_->Heartbeat(a1, "w1", milliseconds(300)));
    EXPECT_FALSE(Claim("w2").has_value()) << "after " << (i + 1) * 150 << " ms";
  }
  EXPECT_TRUE(*queue_->Complete(a1, "w1"));
}

// Several instances with several threads each on one queue: every record is settled exactly
// once, each client's records in the order queued and never two at a time, and different
// clients do go in parallel.
TEST_P(RecordQueueTest, ManyWorkersKeepEachClientsOrder) {
  constexpr int kClients = 8;
  constexpr int kPerClient = 6;
  std::map<std::string, std::vector<int64_t>> queued;
  for (int round = 0; round < kPerClient; ++round) {
    for (int c = 0; c < kClients; ++c) {
      std::string client = "09/C" + std::to_string(c);
      queued[client].push_back(Enqueue(client));
    }
  }
  std::mutex mu;
  std::map<std::string, std::vector<int64_t>> settled;
  std::set<std::string> in_flight;
  int most_in_flight = 0;
  std::atomic<bool> broken{false};
  std::vector<std::unique_ptr<RecordQueue>> instances;
  instances.push_back(Open());
  instances.push_back(Open());
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      RecordQueue& q = *instances[w % 2];
      const std::string holder = "w" + std::to_string(w);
      int idle = 0;
      while (idle < 50 && !broken) {
        auto claimed = q.Claim(holder, milliseconds(30000));
        if (!claimed.ok()) {
          ADD_FAILURE() << claimed.status().message();
          broken = true;
          return;
        }
        if (!claimed->has_value()) {
          ++idle;
          std::this_thread::sleep_for(milliseconds(10));
          continue;
        }
        idle = 0;
        const QueuedRecord& r = **claimed;
        {
          std::lock_guard lock(mu);
          if (!in_flight.insert(r.client_key).second) {
            ADD_FAILURE() << r.client_key << " claimed twice at once";
            broken = true;
          }
          most_in_flight = std::max(most_in_flight, static_cast<int>(in_flight.size()));
        }
        std::this_thread::sleep_for(milliseconds(5));  // the push
        {
          std::lock_guard lock(mu);
          in_flight.erase(r.client_key);
          settled[r.client_key].push_back(r.id);
        }
        auto done = q.Complete(r.id, holder);
        if (!done.ok() || !*done) {
          ADD_FAILURE() << "settling " << r.id << " failed";
          broken = true;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(settled, queued);
  EXPECT_GT(most_in_flight, 1) << "clients were not served in parallel";
  EXPECT_EQ(*queue_->Depth(), 0);
}

TEST_P(RecordQueueTest, SurvivesReopening) {
  int64_t a1 = Enqueue("09/A", "{\"a\":1}");
  queue_ = Open();
  ASSERT_NE(queue_, nullptr);
  auto claimed = Claim("w1");
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->id, a1);
  EXPECT_EQ(claimed->body, "{\"a\":1}");
}

INSTANTIATE_TEST_SUITE_P(Stores, RecordQueueTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) {
                           return param_info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

// A queue file from before schema versions and leases keeps its records, in their old global
// order (one empty client key), and is claimable.
TEST(SqliteRecordQueueTest, MigratesAFileFromBeforeLeases) {
  auto dir =
      std::filesystem::temp_directory_path() / ("silta-queue-legacy-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string file = (dir / "q.sqlite").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE record_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, format "
                         "TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL);"
                         "INSERT INTO record_queue (format, body, received_at) VALUES "
                         "('json', 'one', 1), ('json', 'two', 2);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto queue = RecordQueue::Open(file);
  ASSERT_TRUE(queue.ok()) << queue.status().message();
  auto first = (*queue)->Claim("w1", milliseconds(30000));
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->body, "one");
  auto second = (*queue)->Claim("w2", milliseconds(30000));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value()) << "the old records keep one global order";
  std::filesystem::remove_all(dir);
}

TEST(PgRecordQueueTest, RefusesAUriWithAPassword) {
  auto queue = RecordQueue::Open("postgresql://silta:s3cret@127.0.0.1:1/silta");
  ASSERT_FALSE(queue.ok());
  EXPECT_THAT(queue.status().message(), ::testing::HasSubstr("record queue"));
  EXPECT_THAT(queue.status().message(), ::testing::Not(::testing::HasSubstr("s3cret")));
}

}  // namespace
}  // namespace silta::serve
