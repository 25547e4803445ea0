#include "serve/record_queue.h"

#include <sqlite3.h>

#include <mutex>

#include "base/digest.h"
#include "store/store.h"
#include "sync/sync.h"

namespace silta::serve {
namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------
// SQLite: one process, or several on one host sharing the file; BEGIN IMMEDIATE serialises the
// claims. Lease times are this host's clock in milliseconds.

// Migration 1 is the layout from before schema versions (IF NOT EXISTS adopts such a file; its
// records get an empty client key and so keep their old global order).
constexpr const char* kSqliteMigrations[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS record_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  format TEXT NOT NULL,
  body BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
)sql",
    R"sql(
ALTER TABLE record_queue ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
ALTER TABLE record_queue ADD COLUMN holder TEXT;
ALTER TABLE record_queue ADD COLUMN lease_until INTEGER;
ALTER TABLE record_queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX record_queue_by_client ON record_queue (client_key, id);
)sql",
    // Refusals and parking (no head-of-line blocking), and what operators did.
    R"sql(
ALTER TABLE record_queue ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE record_queue ADD COLUMN retry_at INTEGER;
ALTER TABLE record_queue ADD COLUMN last_error TEXT;
ALTER TABLE record_queue ADD COLUMN parked_at INTEGER;
ALTER TABLE record_queue ADD COLUMN outcome TEXT;
CREATE TABLE record_queue_audit (
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  record_id INTEGER NOT NULL,
  client TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL
);
)sql"};

constexpr const char* kColumns = "id, format, body, received_at, client_key, attempts, refusals";
// What operators see; the last column counts the client's records behind this one.
constexpr const char* kProblemColumns =
    "q.id, q.client_key, q.format, q.received_at, q.attempts, q.refusals, q.parked_at, "
    "q.last_error, q.outcome, (SELECT COUNT(*) FROM record_queue p WHERE p.client_key = "
    "q.client_key AND p.id > q.id)";
constexpr const char* kProblemFilter =
    "q.refusals > 0 OR q.parked_at IS NOT NULL OR q.last_error IS NOT NULL";

using Statement = store::SqliteStatement;

QueuedRecord RecordFromRow(const Statement& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Text(4), s.Int(5), s.Int(6)};
}

QueueProblem ProblemFromRow(const Statement& s) {
  QueueProblem p;
  p.id = s.Int(0);
  p.client_key = s.Text(1);
  p.format = s.Text(2);
  p.received_at = s.Int(3);
  p.attempts = s.Int(4);
  p.refusals = s.Int(5);
  p.parked = sqlite3_column_type(s.get(), 6) != SQLITE_NULL;
  p.parked_at = p.parked ? s.Int(6) : 0;
  p.last_error = s.Text(7);
  p.outcome = s.Text(8);
  p.held_back = s.Int(9);
  return p;
}

class SqliteRecordQueue : public RecordQueue {
 public:
  static StatusOr<std::unique_ptr<RecordQueue>> Open(const std::string& file) {
    sqlite3* handle = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &handle,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    std::unique_ptr<SqliteRecordQueue> queue(new SqliteRecordQueue(handle));
    if (rc != SQLITE_OK) {
      return IoError("record queue: cannot open " + file + ": " +
                     (handle ? sqlite3_errmsg(handle) : "out of memory"));
    }
    sqlite3_busy_timeout(handle, 5000);
    char* message = nullptr;
    if (sqlite3_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr,
                     &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return IoError("record queue: " + file + ": " + text);
    }
    SILTA_RETURN_IF_ERROR(
        store::MigrateSqlite(handle, "queue", kSqliteMigrations, "record queue " + file));
    return std::unique_ptr<RecordQueue>(std::move(queue));
  }
  ~SqliteRecordQueue() override { sqlite3_close(db_); }

  StatusOr<int64_t> Enqueue(const std::string& format, const std::string& body,
                            const std::string& client_key) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "INSERT INTO record_queue (format, body, received_at, client_key) "
                "VALUES (?, ?, ?, ?)");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, format);
    sqlite3_bind_blob64(s.get(), 2, body.data(), body.size(), SQLITE_TRANSIENT);
    s.Bind(3, NowSeconds()).Bind(4, client_key);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("insert");
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  StatusOr<std::optional<QueuedRecord>> Claim(const std::string& holder,
                                              std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    SILTA_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    auto result = ClaimLocked(holder, lease);
    if (!result.ok()) {
      (void)Exec("ROLLBACK");
      return result;
    }
    SILTA_RETURN_IF_ERROR(Exec("COMMIT"));
    return result;
  }

  StatusOr<bool> Heartbeat(int64_t id, const std::string& holder,
                           std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    Statement s(db_, "UPDATE record_queue SET lease_until = ? WHERE id = ? AND holder = ?");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, NowMillis() + lease.count()).Bind(2, id).Bind(3, holder);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("heartbeat");
    return sqlite3_changes(db_) == 1;
  }

  StatusOr<bool> Complete(int64_t id, const std::string& holder) override {
    std::lock_guard lock(mu_);
    Statement s(db_, "DELETE FROM record_queue WHERE id = ? AND holder = ?");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, id).Bind(2, holder);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("delete");
    return sqlite3_changes(db_) == 1;
  }

  Status Release(int64_t id, const std::string& holder) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "UPDATE record_queue SET holder = NULL, lease_until = NULL "
                "WHERE id = ? AND holder = ?");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, id).Bind(2, holder);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("release");
    return Status::Ok();
  }

  StatusOr<bool> Defer(int64_t id, const std::string& holder, std::chrono::milliseconds delay,
                       const std::string& error, bool refused) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "UPDATE record_queue SET holder = NULL, lease_until = NULL, retry_at = ?, "
                "last_error = ?, refusals = refusals + ? WHERE id = ? AND holder = ?");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, NowMillis() + delay.count()).Bind(2, error).Bind(3, int64_t{refused ? 1 : 0});
    s.Bind(4, id).Bind(5, holder);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("defer");
    return sqlite3_changes(db_) == 1;
  }

  StatusOr<bool> Park(int64_t id, const std::string& holder, const std::string& error,
                      const std::string& outcome) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "UPDATE record_queue SET holder = NULL, lease_until = NULL, retry_at = NULL, "
                "parked_at = ?, last_error = ?, outcome = ?, refusals = refusals + 1 "
                "WHERE id = ? AND holder = ?");
    if (!s.ok()) return Error("prepare");
    s.Bind(1, NowSeconds()).Bind(2, error).Bind(3, outcome).Bind(4, id).Bind(5, holder);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error("park");
    return sqlite3_changes(db_) == 1;
  }

  StatusOr<std::vector<QueueProblem>> Problems(size_t max) override {
    std::lock_guard lock(mu_);
    std::string sql = std::string("SELECT ") + kProblemColumns + " FROM record_queue q WHERE " +
                      kProblemFilter + " ORDER BY q.id LIMIT ?";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return Error("prepare");
    s.Bind(1, static_cast<int64_t>(max));
    std::vector<QueueProblem> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(ProblemFromRow(s));
    if (rc != SQLITE_DONE) return Error("read");
    return out;
  }

  StatusOr<std::optional<QueueProblem>> Find(int64_t id) override {
    std::lock_guard lock(mu_);
    return FindLocked(id);
  }

  StatusOr<OperatorResult> Requeue(int64_t id, const QueueAction& action) override {
    return Operate(id, action, "requeue",
                   "UPDATE record_queue SET refusals = 0, retry_at = NULL, last_error = NULL, "
                   "parked_at = NULL, outcome = NULL WHERE id = ?");
  }

  StatusOr<OperatorResult> Discard(int64_t id, const QueueAction& action) override {
    return Operate(id, action, "discard", "DELETE FROM record_queue WHERE id = ?");
  }

  StatusOr<QueueCounts> Counts() override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "SELECT COUNT(*), COUNT(parked_at), COUNT(DISTINCT CASE WHEN parked_at IS NOT "
                "NULL THEN client_key END) FROM record_queue");
    if (!s.ok()) return Error("prepare");
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Error("read");
    return QueueCounts{s.Int(0), s.Int(1), s.Int(2)};
  }

  StatusOr<std::vector<QueuedRecord>> Peek(size_t max) override {
    std::lock_guard lock(mu_);
    std::string sql = std::string("SELECT ") + kColumns + " FROM record_queue ORDER BY id LIMIT ?";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return Error("prepare");
    s.Bind(1, static_cast<int64_t>(max));
    std::vector<QueuedRecord> out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(RecordFromRow(s));
    if (rc != SQLITE_DONE) return Error("read");
    return out;
  }

  StatusOr<int64_t> Depth() override {
    std::lock_guard lock(mu_);
    Statement s(db_, "SELECT COUNT(*) FROM record_queue");
    if (!s.ok()) return Error("prepare");
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Error("read");
    return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
  }

 private:
  explicit SqliteRecordQueue(sqlite3* db) : db_(db) {}

  Status Error(std::string_view what) const {
    return IoError("record queue: " + std::string(what) + ": " + sqlite3_errmsg(db_));
  }
  Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return IoError("record queue: " + text);
    }
    return Status::Ok();
  }

  StatusOr<std::optional<QueueProblem>> FindLocked(int64_t id) {
    std::string sql =
        std::string("SELECT ") + kProblemColumns + " FROM record_queue q WHERE q.id = ?";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return Error("prepare");
    s.Bind(1, id);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<QueueProblem>();
    if (rc != SQLITE_ROW) return Error("read");
    return std::optional<QueueProblem>(ProblemFromRow(s));
  }

  // An operator's change and its audit row, in one transaction; refused while a worker holds an
  // unexpired lease on the record (its outcome is about to be settled).
  StatusOr<OperatorResult> Operate(int64_t id, const QueueAction& action, const char* name,
                                   const char* change) {
    std::lock_guard lock(mu_);
    SILTA_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    auto result = OperateLocked(id, action, name, change);
    if (!result.ok() || *result != OperatorResult::kDone) {
      (void)Exec("ROLLBACK");
      return result;
    }
    SILTA_RETURN_IF_ERROR(Exec("COMMIT"));
    return result;
  }
  StatusOr<OperatorResult> OperateLocked(int64_t id, const QueueAction& action, const char* name,
                                         const char* change) {
    Statement held(db_, "SELECT client_key, lease_until > ? FROM record_queue WHERE id = ?");
    if (!held.ok()) return Error("prepare");
    held.Bind(1, NowMillis()).Bind(2, id);
    int rc = sqlite3_step(held.get());
    if (rc == SQLITE_DONE) return OperatorResult::kNotFound;
    if (rc != SQLITE_ROW) return Error("read");
    if (sqlite3_column_type(held.get(), 1) != SQLITE_NULL && held.Int(1) != 0) {
      return OperatorResult::kBeingPushed;
    }
    std::string client = MaskClientKey(held.Text(0));
    Statement u(db_, change);
    if (!u.ok()) return Error("prepare");
    u.Bind(1, id);
    if (sqlite3_step(u.get()) != SQLITE_DONE) return Error(name);
    Statement audit(db_,
                    "INSERT INTO record_queue_audit (at, action, record_id, client, actor, reason) "
                    "VALUES (?, ?, ?, ?, ?, ?)");
    if (!audit.ok()) return Error("prepare");
    audit.Bind(1, NowSeconds()).Bind(2, std::string(name)).Bind(3, id).Bind(4, client);
    audit.Bind(5, action.actor).Bind(6, action.reason);
    if (sqlite3_step(audit.get()) != SQLITE_DONE) return Error("audit");
    return OperatorResult::kDone;
  }

  StatusOr<std::optional<QueuedRecord>> ClaimLocked(const std::string& holder,
                                                    std::chrono::milliseconds lease) {
    const int64_t now = NowMillis();
    // A holder still named on an unleased row died or stalled: this claim takes it over.
    std::string sql = std::string("SELECT ") + kColumns +
                      ", holder IS NOT NULL FROM record_queue q WHERE (q.lease_until IS NULL OR "
                      "q.lease_until < ?1) AND q.parked_at IS NULL AND (q.retry_at IS NULL OR "
                      "q.retry_at <= ?1) AND NOT EXISTS (SELECT 1 FROM record_queue p WHERE "
                      "p.client_key = q.client_key AND p.id < q.id) ORDER BY q.id LIMIT 1";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return Error("prepare");
    s.Bind(1, now);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<QueuedRecord>();
    if (rc != SQLITE_ROW) return Error("claim");
    QueuedRecord record = RecordFromRow(s);
    record.taken_over = s.Int(7) != 0;
    Statement u(db_,
                "UPDATE record_queue SET holder = ?, lease_until = ?, attempts = attempts + 1 "
                "WHERE id = ?");
    if (!u.ok()) return Error("prepare");
    u.Bind(1, holder).Bind(2, now + lease.count()).Bind(3, record.id);
    if (sqlite3_step(u.get()) != SQLITE_DONE) return Error("claim");
    ++record.attempts;
    return std::optional<QueuedRecord>(std::move(record));
  }

  sqlite3* db_;
  std::mutex mu_;
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL: several instances. A claim locks the candidate row with FOR UPDATE SKIP LOCKED,
// so concurrent claimers pass over each other's candidates instead of queueing behind them;
// lease times are the database server's clock, the one clock all instances share.

constexpr const char* kPgMigrations[] = {R"sql(
CREATE TABLE record_queue (
  id BIGSERIAL PRIMARY KEY,
  format TEXT NOT NULL,
  body BYTEA NOT NULL,
  received_at BIGINT NOT NULL,
  client_key TEXT NOT NULL,
  holder TEXT,
  lease_until TIMESTAMPTZ,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX record_queue_by_client ON record_queue (client_key, id);
)sql",
                                         R"sql(
ALTER TABLE record_queue ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN retry_at TIMESTAMPTZ, ADD COLUMN last_error TEXT, ADD COLUMN parked_at BIGINT,
  ADD COLUMN outcome TEXT;
CREATE TABLE record_queue_audit (
  at BIGINT NOT NULL,
  action TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  client TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL
);
)sql"};

QueuedRecord RecordFromRow(const store::PgResult& r, int row) {
  return {r.Int(row, 0),  r.Text(row, 1), r.Bytes(row, 2), r.Int(row, 3),
          r.Text(row, 4), r.Int(row, 5),  r.Int(row, 6)};
}

QueueProblem ProblemFromRow(const store::PgResult& r, int row) {
  QueueProblem p;
  p.id = r.Int(row, 0);
  p.client_key = r.Text(row, 1);
  p.format = r.Text(row, 2);
  p.received_at = r.Int(row, 3);
  p.attempts = r.Int(row, 4);
  p.refusals = r.Int(row, 5);
  p.parked = !r.IsNull(row, 6);
  p.parked_at = p.parked ? r.Int(row, 6) : 0;
  p.last_error = r.Text(row, 7);
  p.outcome = r.Text(row, 8);
  p.held_back = r.Int(row, 9);
  return p;
}

class PgRecordQueue : public RecordQueue {
 public:
  static StatusOr<std::unique_ptr<RecordQueue>> Open(const std::string& uri) {
    SILTA_ASSIGN_OR_RETURN(auto connection, store::PgConnection::Open(uri, "record queue"));
    SILTA_RETURN_IF_ERROR(store::MigratePostgres(*connection, "queue", kPgMigrations));
    return std::unique_ptr<RecordQueue>(new PgRecordQueue(std::move(connection)));
  }

  StatusOr<int64_t> Enqueue(const std::string& format, const std::string& body,
                            const std::string& client_key) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("INSERT INTO record_queue (format, body, received_at, client_key) "
                         "VALUES ($1, $2, $3, $4) RETURNING id",
                         {format, store::PgParam::Bytes(body), NowSeconds(), client_key}));
    return r.Int(0, 0);
  }

  StatusOr<std::optional<QueuedRecord>> Claim(const std::string& holder,
                                              std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    // One statement, so one transaction. Under READ COMMITTED a row whose lease a concurrent
    // claimer committed meanwhile is re-checked against lease_until once locked, and a client's
    // later record is not a candidate while an earlier one is still there.
    // A holder still named on an unleased row died or stalled: this claim takes it over.
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("WITH c AS (SELECT q.id, q.holder IS NOT NULL AS taken "
                         "FROM record_queue q "
                         "WHERE (q.lease_until IS NULL OR q.lease_until < clock_timestamp()) "
                         "AND q.parked_at IS NULL "
                         "AND (q.retry_at IS NULL OR q.retry_at <= clock_timestamp()) "
                         "AND NOT EXISTS (SELECT 1 FROM record_queue p "
                         "WHERE p.client_key = q.client_key AND p.id < q.id) "
                         "ORDER BY q.id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                         "UPDATE record_queue r SET holder = $1, "
                         "lease_until = clock_timestamp() + $2 * interval '1 millisecond', "
                         "attempts = r.attempts + 1 FROM c WHERE r.id = c.id "
                         "RETURNING r.id, r.format, r.body, r.received_at, r.client_key, "
                         "r.attempts, r.refusals, c.taken",
                         {holder, static_cast<int64_t>(lease.count())}));
    if (r.rows() == 0) return std::optional<QueuedRecord>();
    QueuedRecord record = RecordFromRow(r, 0);
    record.taken_over = r.Text(0, 7) == "t";
    return std::optional<QueuedRecord>(std::move(record));
  }

  StatusOr<bool> Heartbeat(int64_t id, const std::string& holder,
                           std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("UPDATE record_queue SET lease_until = clock_timestamp() + $3 * "
                         "interval '1 millisecond' WHERE id = $1 AND holder = $2",
                         {id, holder, static_cast<int64_t>(lease.count())}));
    return r.affected() == 1;
  }

  StatusOr<bool> Complete(int64_t id, const std::string& holder) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("DELETE FROM record_queue WHERE id = $1 AND holder = $2", {id, holder}));
    return r.affected() == 1;
  }

  Status Release(int64_t id, const std::string& holder) override {
    std::lock_guard lock(mu_);
    return c_
        ->Exec(
            "UPDATE record_queue SET holder = NULL, lease_until = NULL "
            "WHERE id = $1 AND holder = $2",
            {id, holder})
        .status();
  }

  StatusOr<bool> Defer(int64_t id, const std::string& holder, std::chrono::milliseconds delay,
                       const std::string& error, bool refused) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("UPDATE record_queue SET holder = NULL, lease_until = NULL, "
                         "retry_at = clock_timestamp() + $3 * interval '1 millisecond', "
                         "last_error = $4, refusals = refusals + $5 WHERE id = $1 AND holder = $2",
                         {id, holder, static_cast<int64_t>(delay.count()), error,
                          int64_t{refused ? 1 : 0}}));
    return r.affected() == 1;
  }

  StatusOr<bool> Park(int64_t id, const std::string& holder, const std::string& error,
                      const std::string& outcome) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("UPDATE record_queue SET holder = NULL, lease_until = NULL, "
                         "retry_at = NULL, parked_at = $3, last_error = $4, outcome = $5, "
                         "refusals = refusals + 1 WHERE id = $1 AND holder = $2",
                         {id, holder, NowSeconds(), error, outcome}));
    return r.affected() == 1;
  }

  StatusOr<std::vector<QueueProblem>> Problems(size_t max) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec(std::string("SELECT ") + kProblemColumns + " FROM record_queue q WHERE " +
                             kProblemFilter + " ORDER BY q.id LIMIT $1",
                         {static_cast<int64_t>(max)}));
    std::vector<QueueProblem> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(ProblemFromRow(r, i));
    return out;
  }

  StatusOr<std::optional<QueueProblem>> Find(int64_t id) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(auto r, c_->Exec(std::string("SELECT ") + kProblemColumns +
                                                " FROM record_queue q WHERE q.id = $1",
                                            {id}));
    if (r.rows() == 0) return std::optional<QueueProblem>();
    return std::optional<QueueProblem>(ProblemFromRow(r, 0));
  }

  StatusOr<OperatorResult> Requeue(int64_t id, const QueueAction& action) override {
    return Operate(id, action, "requeue",
                   "UPDATE record_queue SET refusals = 0, retry_at = NULL, last_error = NULL, "
                   "parked_at = NULL, outcome = NULL WHERE id = $1");
  }

  StatusOr<OperatorResult> Discard(int64_t id, const QueueAction& action) override {
    return Operate(id, action, "discard", "DELETE FROM record_queue WHERE id = $1");
  }

  StatusOr<QueueCounts> Counts() override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("SELECT COUNT(*), COUNT(parked_at), COUNT(DISTINCT CASE WHEN parked_at "
                         "IS NOT NULL THEN client_key END) FROM record_queue"));
    return QueueCounts{r.Int(0, 0), r.Int(0, 1), r.Int(0, 2)};
  }

  StatusOr<std::vector<QueuedRecord>> Peek(size_t max) override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(auto r, c_->Exec(std::string("SELECT ") + kColumns +
                                                " FROM record_queue ORDER BY id LIMIT $1",
                                            {static_cast<int64_t>(max)}));
    std::vector<QueuedRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(RecordFromRow(r, i));
    return out;
  }

  StatusOr<int64_t> Depth() override {
    std::lock_guard lock(mu_);
    SILTA_ASSIGN_OR_RETURN(auto r, c_->Exec("SELECT COUNT(*) FROM record_queue"));
    return r.Int(0, 0);
  }

 private:
  explicit PgRecordQueue(std::unique_ptr<store::PgConnection> c) : c_(std::move(c)) {}

  // An operator's change and its audit row, in one transaction; refused while a worker holds an
  // unexpired lease on the record (its outcome is about to be settled).
  StatusOr<OperatorResult> Operate(int64_t id, const QueueAction& action, const char* name,
                                   const char* change) {
    std::lock_guard lock(mu_);
    SILTA_RETURN_IF_ERROR(c_->Run("BEGIN"));
    auto result = OperateLocked(id, action, name, change);
    if (!result.ok() || *result != OperatorResult::kDone) {
      c_->Rollback();
      return result;
    }
    if (Status committed = c_->Run("COMMIT"); !committed.ok()) {
      c_->Rollback();
      return committed;
    }
    return result;
  }
  StatusOr<OperatorResult> OperateLocked(int64_t id, const QueueAction& action, const char* name,
                                         const char* change) {
    SILTA_ASSIGN_OR_RETURN(
        auto held, c_->Exec("SELECT client_key, COALESCE(lease_until > clock_timestamp(), false) "
                            "FROM record_queue WHERE id = $1 FOR UPDATE",
                            {id}));
    if (held.rows() == 0) return OperatorResult::kNotFound;
    if (held.Text(0, 1) == "t") return OperatorResult::kBeingPushed;
    SILTA_RETURN_IF_ERROR(c_->Exec(change, {id}).status());
    SILTA_RETURN_IF_ERROR(
        c_->Exec(
              "INSERT INTO record_queue_audit (at, action, record_id, client, actor, reason) "
              "VALUES ($1, $2, $3, $4, $5, $6)",
              {NowSeconds(), name, id, MaskClientKey(held.Text(0, 0)), action.actor, action.reason})
            .status());
    return OperatorResult::kDone;
  }

  std::unique_ptr<store::PgConnection> c_;
  std::mutex mu_;
};

}  // namespace

std::string MaskClientKey(const std::string& client_key) {
  size_t slash = client_key.find('/');
  std::string county = slash == std::string::npos ? std::string() : client_key.substr(0, slash);
  return county + "/#" + Sha256Hex(client_key).substr(0, 12);
}

StatusOr<std::unique_ptr<RecordQueue>> RecordQueue::Open(const std::string& location) {
  if (store::IsPostgresUri(location)) return PgRecordQueue::Open(location);
  return SqliteRecordQueue::Open(location);
}

}  // namespace silta::serve
