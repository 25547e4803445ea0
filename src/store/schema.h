// Versioned schemas. Each store lists its migrations in order (migration i takes the schema
// from version i to i + 1); start-up applies the ones a database lacks, in one transaction, and
// records the version in the table schema_version (one row per component, so that the journal
// and the queue may share a database). A database newer than this program is refused rather
// than written with an older idea of its layout.
#pragma once

#include <span>
#include <string_view>

#include "base/status.h"
#include "store/pg.h"

struct sqlite3;

namespace silta::store {

// Several instances may start at once on one database: a transaction-scoped advisory lock
// serialises their migrations.
Status MigratePostgres(PgConnection& connection, std::string_view component,
                       std::span<const char* const> migrations);

// The SQLite file must be open; runs under BEGIN IMMEDIATE.
Status MigrateSqlite(sqlite3* db, std::string_view component,
                     std::span<const char* const> migrations, std::string_view what);

}  // namespace silta::store
