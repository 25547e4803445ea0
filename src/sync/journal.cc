#include "sync/journal.h"

#include <sqlite3.h>

#include "store/store.h"

namespace silta::sync {

// ---------------------------------------------------------------------------------------------
// SQLite

namespace {

// Migration 1 is the layout from before schema versions; IF NOT EXISTS adopts such a file.
constexpr const char* kSqliteMigrations[] = {R"sql(
CREATE TABLE IF NOT EXISTS entries (
  target TEXT NOT NULL,
  resource_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  server_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  client_key TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (target, resource_key)
);
CREATE INDEX IF NOT EXISTS entries_by_client ON entries (target, client_key);
CREATE TABLE IF NOT EXISTS conflicts (
  target TEXT NOT NULL,
  resource_key TEXT NOT NULL,
  journal_version TEXT NOT NULL,
  server_version TEXT NOT NULL,
  detail TEXT NOT NULL,
  detected_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watermarks (
  target TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"};

// Its errors name the journal.
class Statement : public store::SqliteStatement {
 public:
  Statement(sqlite3* db, const char* sql) : SqliteStatement(db, sql, "sync journal") {}
};

JournalEntry EntryFromRow(const Statement& s) {
  return JournalEntry{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Int(6)};
}

constexpr const char* kEntryColumns =
    "target, resource_key, content_hash, server_id, version_id, client_key, updated_at";

}  // namespace

struct SqliteJournal::Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close(handle); }

  Status Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(handle, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      return IoError("sync journal: " + message);
    }
    return Status::Ok();
  }
};

SqliteJournal::SqliteJournal(std::unique_ptr<Db> db) : db_(std::move(db)) {}
SqliteJournal::~SqliteJournal() = default;

StatusOr<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::filesystem::path& file) {
  auto db = std::make_unique<Db>();
  if (sqlite3_open_v2(file.c_str(), &db->handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = db->handle != nullptr ? sqlite3_errmsg(db->handle) : "out of memory";
    return IoError("cannot open sync journal " + file.string() + ": " + message);
  }
  // SQLite opens a file it may not write read-only without complaint; the first confirmed
  // transaction would then go unrecorded. Refuse before anything is sent.
  if (sqlite3_db_readonly(db->handle, "main") == 1) {
    return IoError("cannot open sync journal " + file.string() + ": the file is read-only");
  }
  sqlite3_busy_timeout(db->handle, 5000);
  SILTA_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  SILTA_RETURN_IF_ERROR(
      store::MigrateSqlite(db->handle, "journal", kSqliteMigrations, "sync journal"));
  return std::unique_ptr<SqliteJournal>(new SqliteJournal(std::move(db)));
}

StatusOr<std::optional<JournalEntry>> SqliteJournal::Get(const std::string& target,
                                                         const std::string& resource_key) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kEntryColumns +
                    " FROM entries WHERE target = ? AND resource_key = ?";
  Statement s(db_->handle, sql.c_str());
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, target).Bind(2, resource_key);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<JournalEntry>();
  if (rc != SQLITE_ROW) return s.Error("read");
  return std::optional<JournalEntry>(EntryFromRow(s));
}

StatusOr<std::vector<JournalEntry>> SqliteJournal::ForClient(const std::string& target,
                                                             const std::string& client_key) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kEntryColumns +
                    " FROM entries WHERE target = ? AND client_key = ? ORDER BY resource_key";
  Statement s(db_->handle, sql.c_str());
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, target).Bind(2, client_key);
  std::vector<JournalEntry> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(EntryFromRow(s));
  if (rc != SQLITE_DONE) return s.Error("read");
  return out;
}

Status SqliteJournal::Put(const std::vector<JournalEntry>& entries) {
  std::lock_guard lock(mu_);
  SILTA_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  std::string sql = std::string("INSERT OR REPLACE INTO entries (") + kEntryColumns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?)";
  Statement s(db_->handle, sql.c_str());
  if (!s.ok()) {
    Status error = s.Error("prepare");
    (void)db_->Exec("ROLLBACK");
    return error;
  }
  for (const auto& e : entries) {
    s.Bind(1, e.target).Bind(2, e.resource_key).Bind(3, e.content_hash).Bind(4, e.server_id);
    s.Bind(5, e.version_id).Bind(6, e.client_key).Bind(7, e.updated_at);
    if (s.Step() != SQLITE_DONE) {
      Status error = s.Error("write");
      (void)db_->Exec("ROLLBACK");
      return error;
    }
    s.Reset();
  }
  return db_->Exec("COMMIT");
}

Status SqliteJournal::AddConflict(const Conflict& c) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle,
              "INSERT INTO conflicts (target, resource_key, journal_version, server_version, "
              "detail, detected_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, c.target).Bind(2, c.resource_key).Bind(3, c.journal_version);
  s.Bind(4, c.server_version).Bind(5, c.detail).Bind(6, c.detected_at);
  if (s.Step() != SQLITE_DONE) return s.Error("write");
  return Status::Ok();
}

StatusOr<std::vector<Conflict>> SqliteJournal::Conflicts(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle,
              "SELECT target, resource_key, journal_version, server_version, detail, detected_at "
              "FROM conflicts WHERE target = ? ORDER BY rowid");
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, target);
  std::vector<Conflict> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5)});
  }
  if (rc != SQLITE_DONE) return s.Error("read");
  return out;
}

StatusOr<int64_t> SqliteJournal::ConflictCount() {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "SELECT COUNT(*) FROM conflicts");
  if (!s.ok()) return s.Error("prepare");
  if (s.Step() != SQLITE_ROW) return s.Error("read");
  return s.Int(0);
}

StatusOr<std::optional<std::string>> SqliteJournal::Watermark(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "SELECT value FROM watermarks WHERE target = ?");
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, target);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return s.Error("read");
  return std::optional<std::string>(s.Text(0));
}

Status SqliteJournal::SetWatermark(const std::string& target, const std::string& value) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, "INSERT OR REPLACE INTO watermarks (target, value) VALUES (?, ?)");
  if (!s.ok()) return s.Error("prepare");
  s.Bind(1, target).Bind(2, value);
  if (s.Step() != SQLITE_DONE) return s.Error("write");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------

StatusOr<std::unique_ptr<JournalStore>> OpenJournal(const std::string& location) {
  if (store::IsPostgresUri(location)) {
    SILTA_ASSIGN_OR_RETURN(auto journal, PgJournal::Open(location));
    return std::unique_ptr<JournalStore>(std::move(journal));
  }
  SILTA_ASSIGN_OR_RETURN(auto journal, SqliteJournal::Open(location));
  return std::unique_ptr<JournalStore>(std::move(journal));
}

}  // namespace silta::sync
