// The sync journal: what Silta last sent to each target, so that a rerun sends only what
// changed, recognises the server's copy, and survives a crash at any moment. The journal is
// written only after the server has confirmed a change; a rerun after a crash resends at most
// the unconfirmed changes, and those are conditional updates by business identifier, so the
// server never gets a duplicate.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace silta::sync {

// One resource as a target knows it.
struct JournalEntry {
  std::string target;
  std::string resource_key;  // "Type|system|value" of the business identifier
  std::string content_hash;  // of the resource as sent (canonical JSON), hex
  std::string server_id;     // the id the server gave it
  std::string version_id;    // the server's version (ETag value), opaque
  std::string client_key;    // county/client the resource belongs to
  int64_t updated_at = 0;    // Unix seconds of the confirmation
};

struct Conflict {
  std::string target;
  std::string resource_key;
  std::string journal_version;  // what we last saw
  std::string server_version;   // what the server has now (may be empty when unknown)
  std::string detail;           // the server's message, without personal data
  int64_t detected_at = 0;
};

class JournalStore {
 public:
  virtual ~JournalStore() = default;
  virtual StatusOr<std::optional<JournalEntry>> Get(const std::string& target,
                                                    const std::string& resource_key) = 0;
  virtual StatusOr<std::vector<JournalEntry>> ForClient(const std::string& target,
                                                        const std::string& client_key) = 0;
  // Records confirmed entries atomically: all of them or none.
  virtual Status Put(const std::vector<JournalEntry>& entries) = 0;
  virtual Status AddConflict(const Conflict& conflict) = 0;
  virtual StatusOr<std::vector<Conflict>> Conflicts(const std::string& target) = 0;
  // Pull watermarks: the server time up to which changes have been read.
  virtual StatusOr<std::optional<std::string>> Watermark(const std::string& target) = 0;
  virtual Status SetWatermark(const std::string& target, const std::string& value) = 0;
  // Conflicts recorded for every target, for status pages.
  virtual StatusOr<int64_t> ConflictCount() = 0;
};

// Opens the journal at `location`: a `postgresql://` URI (PgJournal) or a SQLite file
// (SqliteJournal). Either migrates its schema first.
StatusOr<std::unique_ptr<JournalStore>> OpenJournal(const std::string& location);

// SQLite in WAL mode with full synchronous commits: a commit that returned survives a crash.
// Schema component "journal" in the file's schema_version table.
class SqliteJournal : public JournalStore {
 public:
  static StatusOr<std::unique_ptr<SqliteJournal>> Open(const std::filesystem::path& file);
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  StatusOr<std::optional<JournalEntry>> Get(const std::string& target,
                                            const std::string& resource_key) override;
  StatusOr<std::vector<JournalEntry>> ForClient(const std::string& target,
                                                const std::string& client_key) override;
  Status Put(const std::vector<JournalEntry>& entries) override;
  Status AddConflict(const Conflict& conflict) override;
  StatusOr<std::vector<Conflict>> Conflicts(const std::string& target) override;
  StatusOr<std::optional<std::string>> Watermark(const std::string& target) override;
  Status SetWatermark(const std::string& target, const std::string& value) override;

  StatusOr<int64_t> ConflictCount() override;

 private:
  struct Db;
  explicit SqliteJournal(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  std::mutex mu_;
};

// PostgreSQL, for several instances sharing one journal: every Put is one transaction, and an
// entry is upserted, so two instances confirming the same resource leave the later version.
// Tables journal_entries, journal_conflicts, journal_watermarks (schema component "journal").
class PgJournal : public JournalStore {
 public:
  // `uri` must not carry a password (store::CheckPostgresUri).
  static StatusOr<std::unique_ptr<PgJournal>> Open(const std::string& uri);
  ~PgJournal() override;
  PgJournal(const PgJournal&) = delete;
  PgJournal& operator=(const PgJournal&) = delete;

  StatusOr<std::optional<JournalEntry>> Get(const std::string& target,
                                            const std::string& resource_key) override;
  StatusOr<std::vector<JournalEntry>> ForClient(const std::string& target,
                                                const std::string& client_key) override;
  Status Put(const std::vector<JournalEntry>& entries) override;
  Status AddConflict(const Conflict& conflict) override;
  StatusOr<std::vector<Conflict>> Conflicts(const std::string& target) override;
  StatusOr<std::optional<std::string>> Watermark(const std::string& target) override;
  Status SetWatermark(const std::string& target, const std::string& value) override;
  StatusOr<int64_t> ConflictCount() override;

 private:
  struct Db;
  explicit PgJournal(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  std::mutex mu_;
};

}  // namespace silta::sync
