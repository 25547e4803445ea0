#include "store/schema.h"

#include <sqlite3.h>

#include <string>

namespace silta::store {
namespace {

Status TooNew(std::string_view what, int64_t found, size_t known) {
  return FailedPreconditionError(std::string(what) + ": the schema is at version " +
                                 std::to_string(found) + ", newer than this Silta knows (" +
                                 std::to_string(known) + "); use a newer Silta");
}

// Any constant shared by every Silta instance; names the lock in pg_locks.
constexpr int64_t kMigrationLock = 0x51174A;

}  // namespace

Status MigratePostgres(PgConnection& c, std::string_view component,
                       std::span<const char* const> migrations) {
  SILTA_RETURN_IF_ERROR(c.Run("BEGIN"));
  auto fail = [&](Status error) {
    c.Rollback();
    return error;
  };
  auto locked = c.Exec("SELECT pg_advisory_xact_lock($1)", {PgParam(kMigrationLock)});
  if (!locked.ok()) return fail(locked.status());
  if (Status s = c.Run("CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, "
                       "version INTEGER NOT NULL)");
      !s.ok()) {
    return fail(s);
  }
  auto row = c.Exec("SELECT version FROM schema_version WHERE component = $1",
                    {PgParam(std::string(component))});
  if (!row.ok()) return fail(row.status());
  int64_t version = row->rows() > 0 ? row->Int(0, 0) : 0;
  if (version > static_cast<int64_t>(migrations.size())) {
    return fail(TooNew(c.what(), version, migrations.size()));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    if (Status s = c.Run(migrations[i]); !s.ok()) return fail(s);
  }
  auto stored = c.Exec(
      "INSERT INTO schema_version (component, version) VALUES ($1, $2) "
      "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
      {PgParam(std::string(component)), PgParam(static_cast<int64_t>(migrations.size()))});
  if (!stored.ok()) return fail(stored.status());
  return c.Run("COMMIT");
}

Status MigrateSqlite(sqlite3* db, std::string_view component,
                     std::span<const char* const> migrations, std::string_view what) {
  auto exec = [&](const std::string& sql) -> Status {
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      return IoError(std::string(what) + ": " + message);
    }
    return Status::Ok();
  };
  SILTA_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status error) {
    (void)exec("ROLLBACK");
    return error;
  };
  if (Status s = exec("CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, "
                      "version INTEGER NOT NULL)");
      !s.ok()) {
    return fail(s);
  }
  int64_t version = 0;
  {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE component = ?", -1, &stmt,
                           nullptr) != SQLITE_OK) {
      return fail(IoError(std::string(what) + ": " + sqlite3_errmsg(db)));
    }
    sqlite3_bind_text(stmt, 1, component.data(), static_cast<int>(component.size()),
                      SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return fail(IoError(std::string(what) + ": " + sqlite3_errmsg(db)));
    }
  }
  if (version > static_cast<int64_t>(migrations.size())) {
    return fail(TooNew(what, version, migrations.size()));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    if (Status s = exec(migrations[i]); !s.ok()) return fail(s);
  }
  {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO schema_version (component, version) "
                           "VALUES (?, ?)",
                           -1, &stmt, nullptr) != SQLITE_OK) {
      return fail(IoError(std::string(what) + ": " + sqlite3_errmsg(db)));
    }
    sqlite3_bind_text(stmt, 1, component.data(), static_cast<int>(component.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, static_cast<int64_t>(migrations.size()));
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return fail(IoError(std::string(what) + ": " + sqlite3_errmsg(db)));
  }
  return exec("COMMIT");
}

}  // namespace silta::store
