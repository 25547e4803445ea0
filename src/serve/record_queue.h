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
//
// A record whose push failed steps aside (Defer): it is not claimable until its retry time, and
// meanwhile holds back only its own client's later records. A record the servers keep refusing
// is parked (Park) with its OperationOutcome: it stays in the queue, is never claimed again, and
// so blocks its client (and only its client) until an operator requeues or discards it.
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
  int64_t refusals = 0;     // attempts a server refused as the data's fault (HTTP 4xx)
  bool taken_over = false;  // this claim took the record from a holder whose lease expired
};

// What an operator sees of a record that failed, waits for a retry or is parked: never its body.
struct QueueProblem {
  int64_t id = 0;
  std::string client_key;
  std::string format;
  int64_t received_at = 0;  // Unix seconds
  int64_t attempts = 0;
  int64_t refusals = 0;
  bool parked = false;
  int64_t parked_at = 0;   // Unix seconds; 0 when not parked
  std::string last_error;  // of the last failed attempt
  std::string outcome;     // the OperationOutcome (JSON) it was parked with; empty otherwise
  int64_t held_back = 0;   // later records of the same client waiting behind it
};

struct QueueCounts {
  int64_t depth = 0;            // every record in the queue, parked ones included
  int64_t parked = 0;           // records parked
  int64_t blocked_clients = 0;  // clients with a parked record
};

// What an operator did to a record (Requeue, Discard); kept in the queue's audit table.
struct QueueAction {
  std::string actor;   // who: "cli:<login>" or "http"; never a token
  std::string reason;  // free text from the operator
};

enum class OperatorResult { kDone, kNotFound, kBeingPushed };

// A client key as operators see it: the county, and a SHA-256 prefix of the key instead of the
// client's identifier ("286/#3f2a9c1b04d7"), so listings and audit lines carry no personal data
// and still tell clients apart.
std::string MaskClientKey(const std::string& client_key);

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
  // The push failed: the lease is given back and the record is not claimable for `delay`
  // (its client's later records wait too). `refused` counts a refusal towards parking. False
  // when `holder` had lost it.
  virtual StatusOr<bool> Defer(int64_t id, const std::string& holder,
                               std::chrono::milliseconds delay, const std::string& error,
                               bool refused) = 0;
  // The record is never claimed again until requeued: its client is blocked. Parking follows a
  // refusal, which it counts. `outcome` is the OperationOutcome (JSON) that says why. False when
  // `holder` had lost it.
  virtual StatusOr<bool> Park(int64_t id, const std::string& holder, const std::string& error,
                              const std::string& outcome) = 0;

  // Operators. Records that failed at least once or are parked, oldest first.
  virtual StatusOr<std::vector<QueueProblem>> Problems(size_t max) = 0;
  // One record's state, problem or not; none when it is not in the queue.
  virtual StatusOr<std::optional<QueueProblem>> Find(int64_t id) = 0;
  // Claimable again at once, with its refusals forgotten (after a fix of the data or the server).
  virtual StatusOr<OperatorResult> Requeue(int64_t id, const QueueAction& action) = 0;
  // Removed without being pushed; the client's later records flow again.
  virtual StatusOr<OperatorResult> Discard(int64_t id, const QueueAction& action) = 0;
  virtual StatusOr<QueueCounts> Counts() = 0;

  // The oldest `max` records, leased or not, for status and tests.
  virtual StatusOr<std::vector<QueuedRecord>> Peek(size_t max) = 0;
  virtual StatusOr<int64_t> Depth() = 0;
};

}  // namespace silta::serve
