// The consumer of the record queue: pushes the client records that POST /client-records queued
// to the sync targets with the SyncEngine (the code path of `silta sync push`: map, validate,
// route, journal), oldest claimable first, one at a time. Each record is claimed with a lease
// that a heartbeat renews while the push runs (RecordQueue: one client's records in order, by
// one holder; other workers and instances take other clients' records). A record leaves the
// queue only once its outcome is journalled (sent, unchanged, conflict) or it is quarantined;
// when a push fails the record steps aside until its retry time, holding back only its own
// client's later records, so that an older state of a client never overwrites a newer one while
// other clients flow. A failure that is the server's or the network's (down, 5xx, journal busy)
// also makes the worker wait with a growing delay, as every record would meet it; a refusal that
// is the data's fault (HTTP 400, 410, 413, 422) does not, and after `park_after` refusals the
// record is parked with its OperationOutcome and its client blocked until an operator acts.
// Before its first push the worker runs the targets' capability check (their /metadata), and
// repeats it with the same growing delay until it passes: a target that is down when the service
// starts delays the sync, not the service, and /readyz says why it is not ready meanwhile.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fhirclient/clock.h"
#include "serve/record_queue.h"
#include "sync/sync.h"

namespace silta::serve {

struct SyncWorkerOptions {
  std::chrono::milliseconds retry_initial{1000};  // doubles after each failed attempt...
  std::chrono::milliseconds retry_max{60000};     // ...up to this
  // Records that no longer read as client records go here (the engine quarantines the rest).
  std::filesystem::path quarantine_dir;
  // The capability check of every target, run before the first push until it passes; null:
  // none, the worker is ready at once.
  std::function<Status()> preflight;
  // Measures out the delays between attempts; null: real time. With a fake clock the delays
  // pass at once (tests read them from the clock), and the worker still stops promptly.
  fhirclient::Clock* clock = nullptr;
  // A claimed record's lease, renewed every third of it while the push runs. A dead worker's
  // records are claimable by another instance once it expires.
  std::chrono::milliseconds lease{30000};
  // How often the lease is renewed; zero: a third of the lease.
  std::chrono::milliseconds heartbeat{0};
  // Refusals after which a record is parked.
  int park_after = 5;
};

struct SyncWorkerStats {
  int64_t records_synced = 0;    // left the queue with a journalled outcome
  int64_t records_rejected = 0;  // left the queue into quarantine
  int64_t resources_sent = 0;
  int64_t resources_unchanged = 0;
  int64_t conflicts = 0;
  int64_t failed_attempts = 0;  // pushes that failed and will be retried
  int64_t refusals = 0;         // of those, refused as the data's fault
  int64_t records_parked = 0;   // parked after park_after refusals
  int64_t lease_takeovers = 0;  // claims of a record whose holder's lease had expired
  bool retrying = false;        // the oldest record waits for its next attempt
  std::string last_error;       // of the last failed attempt, without personal data
  bool ready = false;           // the capability check passed; the worker pushes
  std::string not_ready;        // why not, while not ready
};

class SyncWorker {
 public:
  // `log` gets one line per problem (the engine's messages carry no personal data).
  SyncWorker(RecordQueue& queue, std::shared_ptr<sync::SyncEngine> engine,
             SyncWorkerOptions options, std::function<void(const std::string&)> log);
  ~SyncWorker();  // Stop()s
  SyncWorker(const SyncWorker&) = delete;
  SyncWorker& operator=(const SyncWorker&) = delete;

  void Start();
  // A record was queued: look now instead of at the next poll.
  void Wake();
  // Lets the record being pushed finish, then stops. Idempotent.
  void Stop();
  SyncWorkerStats stats() const;

 private:
  // kRetry: the server or the journal failed; kRefused: the server refused the data.
  enum class Outcome { kDone, kRetry, kRefused };
  void Run();
  // Runs the preflight until it passes (with back-off); false when stopping first.
  bool AwaitTargets();
  Outcome PushOne(const QueuedRecord& record);
  // After a failed push: the record steps aside until its retry, or is parked.
  void SetAside(const QueuedRecord& record, Outcome outcome, std::chrono::milliseconds delay);
  // The wait after a record's n-th refusal: retry_initial doubling up to retry_max.
  std::chrono::milliseconds RefusalDelay(int64_t refusals) const;
  // Removes a settled record; false when the lease had been taken over (the new holder pushes
  // it again, which the journal makes harmless).
  bool Settle(const QueuedRecord& record, std::string* error);
  // The heartbeat thread: renews the lease of the record being pushed.
  void Heartbeats();
  void Quarantine(const QueuedRecord& record, const std::vector<Issue>& issues);
  // Waits up to `delay`; returns false when stopping. `wake` lets Wake() end the wait early.
  bool Wait(std::chrono::milliseconds delay, bool wake);

  RecordQueue& queue_;
  std::shared_ptr<sync::SyncEngine> engine_;
  SyncWorkerOptions options_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  SyncWorkerStats stats_;
  const std::string holder_;  // this worker in the queue's leases: host, process, random
  int64_t held_ = 0;          // the record claimed now; 0: none
  bool heartbeat_stopping_ = false;
  std::thread thread_;
  std::thread heartbeat_thread_;
};

// The worker's counters in the Prometheus text format.
std::string RenderSyncMetrics(const SyncWorkerStats& stats);
// ... and as a JSON object for GET /sync/status.
std::string SyncStatsJson(const SyncWorkerStats& stats);

}  // namespace silta::serve
