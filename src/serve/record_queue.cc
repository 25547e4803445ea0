#include "serve/record_queue.h"

#include <sqlite3.h>

#include <mutex>

#include "store/store.h"

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
)sql"};

constexpr const char* kColumns = "id, format, body, received_at, client_key, attempts";

using Statement = store::SqliteStatement;

QueuedRecord RecordFromRow(const Statement& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Int(3), s.Text(4), s.Int(5)};
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

  StatusOr<std::optional<QueuedRecord>> ClaimLocked(const std::string& holder,
                                                    std::chrono::milliseconds lease) {
    const int64_t now = NowMillis();
    std::string sql = std::string("SELECT ") + kColumns +
                      " FROM record_queue q WHERE (q.lease_until IS NULL OR q.lease_until < ?) "
                      "AND NOT EXISTS (SELECT 1 FROM record_queue p WHERE p.client_key = "
                      "q.client_key AND p.id < q.id) ORDER BY q.id LIMIT 1";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return Error("prepare");
    s.Bind(1, now);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) return std::optional<QueuedRecord>();
    if (rc != SQLITE_ROW) return Error("claim");
    QueuedRecord record = RecordFromRow(s);
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
)sql"};

QueuedRecord RecordFromRow(const store::PgResult& r, int row) {
  return {r.Int(row, 0), r.Text(row, 1), r.Bytes(row, 2),
          r.Int(row, 3), r.Text(row, 4), r.Int(row, 5)};
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
    SILTA_ASSIGN_OR_RETURN(
        auto r, c_->Exec("UPDATE record_queue SET holder = $1, "
                         "lease_until = clock_timestamp() + $2 * interval '1 millisecond', "
                         "attempts = attempts + 1 "
                         "WHERE id = (SELECT q.id FROM record_queue q "
                         "WHERE (q.lease_until IS NULL OR q.lease_until < clock_timestamp()) "
                         "AND NOT EXISTS (SELECT 1 FROM record_queue p "
                         "WHERE p.client_key = q.client_key AND p.id < q.id) "
                         "ORDER BY q.id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                         "RETURNING id, format, body, received_at, client_key, attempts",
                         {holder, static_cast<int64_t>(lease.count())}));
    if (r.rows() == 0) return std::optional<QueuedRecord>();
    return std::optional<QueuedRecord>(RecordFromRow(r, 0));
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
  std::unique_ptr<store::PgConnection> c_;
  std::mutex mu_;
};

}  // namespace

StatusOr<std::unique_ptr<RecordQueue>> RecordQueue::Open(const std::string& location) {
  if (store::IsPostgresUri(location)) return PgRecordQueue::Open(location);
  return SqliteRecordQueue::Open(location);
}

}  // namespace silta::serve
