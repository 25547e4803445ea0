#include "serve/record_queue.h"

#include <sqlite3.h>

#include <chrono>

namespace silta::serve {

struct RecordQueue::Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close(handle); }
};

namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE IF NOT EXISTS record_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  format TEXT NOT NULL,
  body BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
)sql";

Status Error(sqlite3* db, std::string_view what) {
  return IoError("record queue: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string ColumnText(sqlite3_stmt* stmt, int column) {
  const void* data = sqlite3_column_blob(stmt, column);
  int size = sqlite3_column_bytes(stmt, column);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace

RecordQueue::RecordQueue(std::unique_ptr<Db> db) : db_(std::move(db)) {}
RecordQueue::~RecordQueue() = default;

StatusOr<std::unique_ptr<RecordQueue>> RecordQueue::Open(const std::filesystem::path& file) {
  auto db = std::make_unique<Db>();
  if (sqlite3_open_v2(file.c_str(), &db->handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return IoError("record queue: cannot open " + file.string() + ": " +
                   (db->handle ? sqlite3_errmsg(db->handle) : "out of memory"));
  }
  sqlite3_busy_timeout(db->handle, 5000);
  char* message = nullptr;
  if (sqlite3_exec(db->handle, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return IoError("record queue: " + file.string() + ": " + text);
  }
  return std::unique_ptr<RecordQueue>(new RecordQueue(std::move(db)));
}

StatusOr<int64_t> RecordQueue::Enqueue(const std::string& format, const std::string& body) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "INSERT INTO record_queue (format, body, received_at) VALUES (?, ?, ?)");
  if (!s.ok()) return Error(db_->handle, "prepare");
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  sqlite3_bind_text(s.get(), 1, format.data(), static_cast<int>(format.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob64(s.get(), 2, body.data(), body.size(), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.get(), 3, now);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return Error(db_->handle, "insert");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_->handle));
}

StatusOr<std::vector<QueuedRecord>> RecordQueue::Peek(size_t max) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle,
              "SELECT id, format, body, received_at FROM record_queue ORDER BY id LIMIT ?");
  if (!s.ok()) return Error(db_->handle, "prepare");
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(max));
  std::vector<QueuedRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(s.get(), 0), ColumnText(s.get(), 1), ColumnText(s.get(), 2),
                   sqlite3_column_int64(s.get(), 3)});
  }
  if (rc != SQLITE_DONE) return Error(db_->handle, "read");
  return out;
}

Status RecordQueue::Remove(int64_t id) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "DELETE FROM record_queue WHERE id = ?");
  if (!s.ok()) return Error(db_->handle, "prepare");
  sqlite3_bind_int64(s.get(), 1, id);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return Error(db_->handle, "delete");
  return Status::Ok();
}

StatusOr<int64_t> RecordQueue::Depth() {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "SELECT COUNT(*) FROM record_queue");
  if (!s.ok()) return Error(db_->handle, "prepare");
  if (sqlite3_step(s.get()) != SQLITE_ROW) return Error(db_->handle, "read");
  return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
}

}  // namespace silta::serve
