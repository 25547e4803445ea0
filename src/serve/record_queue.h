// Client records accepted by POST /client-records, waiting for a sync run. A 202 means the
// record is committed: SQLite in WAL mode with full synchronous commits (the embedded default),
// or PostgreSQL (several instances sharing one queue).
//
// Consumers claim records with a lease. A client's records go out in the order queued and by one
// holder at a time: a record is claimable only when no earlier record of its client is still in
// the queue (pending, leased, or waiting for a retry), and no one holds an unexpired lease on it.
// Different clients' records are claimable at once, by other threads or other instances. A
// holder that dies simply stops renewing: when its lease expires the record is claimable again,
// and a repeated push is safe (conditional updates, the journal). A holder whose lease was
// taken over learns it from Heartbeat/Complete returning false.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace silta::serve {

struct QueuedRecord {
  int64_t id = 0;
  std::string format;       // "json" or "xml"
  std::string body;         // the record as received (decompressed)
  int64_t received_at = 0;  // Unix seconds
  std::string client_key;   // "county/client"; the unit of ordering
  int64_t attempts = 0;     // claims so far, this one included
};

class RecordQueue {
 public:
  // A `postgresql://` URI (its password from PGPASSFILE/PGPASSWORD, never in the URI) or a
  // SQLite file. Migrates the schema (component "queue" in schema_version) before answering.
  static StatusOr<std::unique_ptr<RecordQueue>> Open(const std::string& location);
  virtual ~RecordQueue() = default;

  // All calls are thread-safe.
  // Returns the new record's id; ids grow in the order records are committed.
  virtual StatusOr<int64_t> Enqueue(const std::string& format, const std::string& body,
                                    const std::string& client_key) = 0;
  // The oldest claimable record, now leased to `holder` for `lease`; none when nothing is.
  virtual StatusOr<std::optional<QueuedRecord>> Claim(const std::string& holder,
                                                      std::chrono::milliseconds lease) = 0;
  // Extends the lease; false when `holder` no longer holds the record (expired and taken over,
  // or gone).
  virtual StatusOr<bool> Heartbeat(int64_t id, const std::string& holder,
                                   std::chrono::milliseconds lease) = 0;
  // The record's outcome is settled: it leaves the queue. False when `holder` had lost it.
  virtual StatusOr<bool> Complete(int64_t id, const std::string& holder) = 0;
  // Gives the lease up: the record is claimable again at once (the client's order is kept).
  virtual Status Release(int64_t id, const std::string& holder) = 0;
  // The oldest `max` records, leased or not, for status and tests.
  virtual StatusOr<std::vector<QueuedRecord>> Peek(size_t max) = 0;
  virtual StatusOr<int64_t> Depth() = 0;
};

}  // namespace silta::serve
