#include "store/store.h"
#include "sync/journal.h"

namespace silta::sync {
namespace {

// Prefixed table names: the journal may share a database with the record queue.
constexpr const char* kMigrations[] = {R"sql(
CREATE TABLE journal_entries (
  target TEXT NOT NULL,
  resource_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  server_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  client_key TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (target, resource_key)
);
CREATE INDEX journal_entries_by_client ON journal_entries (target, client_key);
CREATE TABLE journal_conflicts (
  id BIGSERIAL PRIMARY KEY,
  target TEXT NOT NULL,
  resource_key TEXT NOT NULL,
  journal_version TEXT NOT NULL,
  server_version TEXT NOT NULL,
  detail TEXT NOT NULL,
  detected_at BIGINT NOT NULL
);
CREATE INDEX journal_conflicts_by_target ON journal_conflicts (target, id);
CREATE TABLE journal_watermarks (
  target TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"};

constexpr const char* kEntryColumns =
    "target, resource_key, content_hash, server_id, version_id, client_key, updated_at";

JournalEntry EntryFromRow(const store::PgResult& r, int row) {
  return JournalEntry{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2), r.Text(row, 3),
                      r.Text(row, 4), r.Text(row, 5), r.Int(row, 6)};
}

}  // namespace

struct PgJournal::Db {
  std::unique_ptr<store::PgConnection> connection;
};

PgJournal::PgJournal(std::unique_ptr<Db> db) : db_(std::move(db)) {}
PgJournal::~PgJournal() = default;

StatusOr<std::unique_ptr<PgJournal>> PgJournal::Open(const std::string& uri) {
  auto db = std::make_unique<Db>();
  SILTA_ASSIGN_OR_RETURN(db->connection, store::PgConnection::Open(uri, "sync journal"));
  SILTA_RETURN_IF_ERROR(store::MigratePostgres(*db->connection, "journal", kMigrations));
  return std::unique_ptr<PgJournal>(new PgJournal(std::move(db)));
}

StatusOr<std::optional<JournalEntry>> PgJournal::Get(const std::string& target,
                                                     const std::string& resource_key) {
  std::lock_guard lock(mu_);
  SILTA_ASSIGN_OR_RETURN(auto r,
                         db_->connection->Exec(std::string("SELECT ") + kEntryColumns +
                                                   " FROM journal_entries WHERE target = $1 AND "
                                                   "resource_key = $2",
                                               {target, resource_key}));
  if (r.rows() == 0) return std::optional<JournalEntry>();
  return std::optional<JournalEntry>(EntryFromRow(r, 0));
}

StatusOr<std::vector<JournalEntry>> PgJournal::ForClient(const std::string& target,
                                                         const std::string& client_key) {
  std::lock_guard lock(mu_);
  // COLLATE "C": the byte order SQLite and the memory journal use, whatever the database's locale.
  SILTA_ASSIGN_OR_RETURN(
      auto r, db_->connection->Exec(std::string("SELECT ") + kEntryColumns +
                                        " FROM journal_entries WHERE target = $1 AND "
                                        "client_key = $2 ORDER BY resource_key COLLATE \"C\"",
                                    {target, client_key}));
  std::vector<JournalEntry> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(EntryFromRow(r, i));
  return out;
}

Status PgJournal::Put(const std::vector<JournalEntry>& entries) {
  std::lock_guard lock(mu_);
  store::PgConnection& c = *db_->connection;
  SILTA_RETURN_IF_ERROR(c.Run("BEGIN"));
  const std::string sql = std::string("INSERT INTO journal_entries (") + kEntryColumns +
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (target, "
                          "resource_key) DO UPDATE SET content_hash = EXCLUDED.content_hash, "
                          "server_id = EXCLUDED.server_id, version_id = EXCLUDED.version_id, "
                          "client_key = EXCLUDED.client_key, updated_at = EXCLUDED.updated_at";
  for (const JournalEntry& e : entries) {
    auto done = c.Exec(sql, {e.target, e.resource_key, e.content_hash, e.server_id, e.version_id,
                             e.client_key, e.updated_at});
    if (!done.ok()) {
      c.Rollback();
      return done.status();
    }
  }
  if (Status committed = c.Run("COMMIT"); !committed.ok()) {
    c.Rollback();
    return committed;
  }
  return Status::Ok();
}

Status PgJournal::AddConflict(const Conflict& conflict) {
  std::lock_guard lock(mu_);
  return db_->connection
      ->Exec(
          "INSERT INTO journal_conflicts (target, resource_key, journal_version, server_version, "
          "detail, detected_at) VALUES ($1, $2, $3, $4, $5, $6)",
          {conflict.target, conflict.resource_key, conflict.journal_version,
           conflict.server_version, conflict.detail, conflict.detected_at})
      .status();
}

StatusOr<std::vector<Conflict>> PgJournal::Conflicts(const std::string& target) {
  std::lock_guard lock(mu_);
  SILTA_ASSIGN_OR_RETURN(
      auto r, db_->connection->Exec("SELECT target, resource_key, journal_version, server_version, "
                                    "detail, detected_at FROM journal_conflicts WHERE target = $1 "
                                    "ORDER BY id",
                                    {target}));
  std::vector<Conflict> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(
        {r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4), r.Int(i, 5)});
  }
  return out;
}

StatusOr<int64_t> PgJournal::ConflictCount() {
  std::lock_guard lock(mu_);
  SILTA_ASSIGN_OR_RETURN(auto r, db_->connection->Exec("SELECT COUNT(*) FROM journal_conflicts"));
  return r.Int(0, 0);
}

StatusOr<std::optional<std::string>> PgJournal::Watermark(const std::string& target) {
  std::lock_guard lock(mu_);
  SILTA_ASSIGN_OR_RETURN(
      auto r,
      db_->connection->Exec("SELECT value FROM journal_watermarks WHERE target = $1", {target}));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.Text(0, 0));
}

Status PgJournal::SetWatermark(const std::string& target, const std::string& value) {
  std::lock_guard lock(mu_);
  return db_->connection
      ->Exec(
          "INSERT INTO journal_watermarks (target, value) VALUES ($1, $2) ON CONFLICT "
          "(target) DO UPDATE SET value = EXCLUDED.value",
          {target, value})
      .status();
}

}  // namespace silta::sync
