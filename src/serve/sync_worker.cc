#include "serve/sync_worker.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "base/files.h"
#include "json/json.h"
#include "mapping/mapping.h"
#include "records/records.h"
#include "serve/queue_admin.h"

namespace silta::serve {
namespace {

std::string NewHolderId() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  std::ostringstream id;
  id << host << ":" << getpid() << ":" << std::hex << random() << random();
  return id.str();
}
// How often an idle worker looks at the queue without being woken (records queued by another
// process sharing the queue file, or before a restart, are picked up too).
constexpr std::chrono::milliseconds kIdlePoll{5000};

}  // namespace

SyncWorker::SyncWorker(RecordQueue& queue, std::shared_ptr<sync::SyncEngine> engine,
                       SyncWorkerOptions options, std::function<void(const std::string&)> log)
    : queue_(queue),
      engine_(std::move(engine)),
      options_(std::move(options)),
      log_(std::move(log)),
      holder_(NewHolderId()) {
  stats_.ready = !options_.preflight;
  if (!stats_.ready) stats_.not_ready = "the sync targets' capability check has not run yet";
}

SyncWorker::~SyncWorker() { Stop(); }

void SyncWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
  heartbeat_thread_ = std::thread([this] { Heartbeats(); });
}

void SyncWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void SyncWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  // Only now: the record being pushed keeps its lease until its outcome is settled.
  {
    std::lock_guard lock(mu_);
    heartbeat_stopping_ = true;
  }
  cv_.notify_all();
  if (heartbeat_thread_.joinable() && heartbeat_thread_.get_id() != std::this_thread::get_id()) {
    heartbeat_thread_.join();
  }
}

void SyncWorker::Heartbeats() {
  const auto every =
      std::max(options_.heartbeat.count() > 0 ? options_.heartbeat : options_.lease / 3,
               std::chrono::milliseconds(1));
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, every, [&] { return heartbeat_stopping_; });
    if (heartbeat_stopping_) return;
    const int64_t id = held_;
    if (id == 0) continue;
    lock.unlock();
    auto kept = queue_.Heartbeat(id, holder_, options_.lease);
    if (!kept.ok()) {
      log_("sync: renewing the lease of queued-" + std::to_string(id) +
           " failed: " + kept.status().message());
    } else if (!*kept) {
      log_("sync: queued-" + std::to_string(id) + ": the lease expired and another worker took it");
    }
    lock.lock();
  }
}

SyncWorkerStats SyncWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool SyncWorker::Wait(std::chrono::milliseconds delay, bool wake) {
  if (options_.clock != nullptr && !wake) {
    options_.clock->Sleep(delay);
    // A fake clock returns at once: a short real pause keeps the loop from spinning.
    delay = std::min(delay, std::chrono::milliseconds(10));
  }
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return stopping_ || (wake && woken_); });
  woken_ = false;
  return !stopping_;
}

bool SyncWorker::AwaitTargets() {
  if (!options_.preflight) return true;
  std::chrono::milliseconds backoff{0};
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
    }
    Status checked = options_.preflight();
    if (checked.ok()) break;
    backoff =
        backoff.count() == 0 ? options_.retry_initial : std::min(backoff * 2, options_.retry_max);
    {
      std::lock_guard lock(mu_);
      stats_.not_ready = checked.message();
    }
    log_("sync: targets not ready: " + checked.message() + "; checking again in " +
         std::to_string(backoff.count()) + " ms");
    if (!Wait(backoff, /*wake=*/false)) return false;
  }
  {
    std::lock_guard lock(mu_);
    stats_.ready = true;
    stats_.not_ready.clear();
  }
  log_("sync: targets ready, pushing the queued records");
  return true;
}

void SyncWorker::Run() {
  if (!AwaitTargets()) return;
  std::chrono::milliseconds backoff{0};
  // The earliest retry of a record this worker refused and set aside; the epoch: none.
  using Instant = std::chrono::steady_clock::time_point;
  Instant next_retry{};
  // `what` names the failure in the log; the details were logged already where they arose.
  auto failed = [&](const std::string& what, const std::string& error) {
    backoff =
        backoff.count() == 0 ? options_.retry_initial : std::min(backoff * 2, options_.retry_max);
    {
      std::lock_guard lock(mu_);
      ++stats_.failed_attempts;
      stats_.retrying = true;
      stats_.last_error = error;
    }
    log_("sync: " + what + ", retrying in " + std::to_string(backoff.count()) + " ms");
    return Wait(backoff, /*wake=*/false);
  };
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto claimed = queue_.Claim(holder_, options_.lease);
    if (!claimed.ok()) {
      log_("sync: " + claimed.status().message());
      if (!failed("reading the queue failed", claimed.status().message())) return;
      continue;
    }
    if (!claimed->has_value()) {
      // A record this worker set aside is due before the next poll: look again then.
      auto idle = kIdlePoll;
      if (next_retry != Instant{}) {
        auto due = std::chrono::duration_cast<std::chrono::milliseconds>(
            next_retry - std::chrono::steady_clock::now());
        idle = std::clamp(due, std::chrono::milliseconds(1), kIdlePoll);
        if (due.count() <= 0) next_retry = Instant{};
      }
      if (!Wait(idle, /*wake=*/true)) return;
      continue;
    }
    const QueuedRecord& record = **claimed;
    {
      std::lock_guard lock(mu_);
      held_ = record.id;
      if (record.taken_over) ++stats_.lease_takeovers;
    }
    if (record.taken_over) {
      log_("sync: queued-" + std::to_string(record.id) +
           ": took it over from a holder whose lease expired");
    }
    Outcome outcome = PushOne(record);
    {
      std::lock_guard lock(mu_);
      held_ = 0;
    }
    if (outcome == Outcome::kDone) {
      backoff = std::chrono::milliseconds(0);
      std::lock_guard lock(mu_);
      stats_.retrying = false;
      continue;
    }
    std::string error;
    {
      std::lock_guard lock(mu_);
      error = stats_.last_error;
      if (outcome == Outcome::kRefused) ++stats_.failed_attempts;
    }
    if (outcome == Outcome::kRefused) {
      // Only this record's data is at fault: its client waits, the others go on at once.
      const auto delay = RefusalDelay(record.refusals + 1);
      SetAside(record, outcome, delay);
      const auto due = std::chrono::steady_clock::now() + delay;
      if (next_retry <= std::chrono::steady_clock::now() || due < next_retry) next_retry = due;
      continue;
    }
    // Given back rather than held through the back-off: another instance may try it at once,
    // and this worker claims it first again (it is still the oldest) when the delay is over.
    const auto next =
        backoff.count() == 0 ? options_.retry_initial : std::min(backoff * 2, options_.retry_max);
    SetAside(record, outcome, next);
    if (!failed("queued-" + std::to_string(record.id) + " not synced", error)) return;
  }
}

void SyncWorker::SetAside(const QueuedRecord& record, Outcome outcome,
                          std::chrono::milliseconds delay) {
  const std::string name = "queued-" + std::to_string(record.id);
  std::string error;
  {
    std::lock_guard lock(mu_);
    error = stats_.last_error;
    if (outcome == Outcome::kRefused) ++stats_.refusals;
  }
  const bool refused = outcome == Outcome::kRefused;
  if (refused && record.refusals + 1 >= options_.park_after) {
    Issue issue;
    issue.severity = Severity::kError;
    issue.type = IssueType::kProcessing;
    issue.message_id = "SYNC_RECORD_PARKED";
    issue.message = "Refused " + std::to_string(record.refusals + 1) +
                    " times as the data's fault; last: " + error;
    auto parked = queue_.Park(record.id, holder_, error, ToOperationOutcomeJson({issue}));
    if (parked.ok() && *parked) {
      {
        std::lock_guard lock(mu_);
        ++stats_.records_parked;
      }
      log_("sync: " + name + ": parked after " + std::to_string(record.refusals + 1) +
           " refusals; its client is blocked until an operator requeues or discards it");
      return;
    }
    if (!parked.ok()) log_("sync: " + parked.status().message());  // the lease runs out instead
    return;
  }
  auto deferred = queue_.Defer(record.id, holder_, delay, error, refused);
  if (!deferred.ok()) log_("sync: " + deferred.status().message());  // the lease runs out instead
  if (refused) {
    log_("sync: " + name + " refused (" + std::to_string(record.refusals + 1) + " of " +
         std::to_string(options_.park_after) + " before parking), retrying it in " +
         std::to_string(delay.count()) + " ms; other clients go on");
  }
}

std::chrono::milliseconds SyncWorker::RefusalDelay(int64_t refusals) const {
  auto delay = options_.retry_initial;
  for (int64_t i = 1; i < refusals && delay < options_.retry_max; ++i) delay *= 2;
  return std::min(delay, options_.retry_max);
}

bool SyncWorker::Settle(const QueuedRecord& record, std::string* error) {
  auto removed = queue_.Complete(record.id, holder_);
  if (!removed.ok()) {
    *error = removed.status().message();
    return false;
  }
  if (!*removed) {
    log_("sync: queued-" + std::to_string(record.id) +
         ": the lease expired and another worker took it; it pushes the record again");
  }
  return true;
}

SyncWorker::Outcome SyncWorker::PushOne(const QueuedRecord& record) {
  const std::string name = "queued-" + std::to_string(record.id);
  auto fail = [&](const std::string& error, bool logged = false) {
    if (!logged) log_("sync: " + error);
    std::lock_guard lock(mu_);
    stats_.last_error = error;
    return Outcome::kRetry;
  };
  IssueCollector issues;
  records::ReadOptions read_options;
  read_options.source_name = name;
  auto parsed = records::Read(
      record.body, record.format == "xml" ? records::Format::kXml : records::Format::kJson, issues,
      read_options);
  if (!parsed || issues.HasErrors()) {
    // It passed the contract check when it was queued; a newer contract may refuse it.
    Quarantine(record, issues.Take());
    std::string error;
    if (!Settle(record, &error)) return fail(error);
    std::lock_guard lock(mu_);
    ++stats_.records_rejected;
    return Outcome::kDone;
  }
  sync::SyncSummary summary;
  Status pushed = engine_->Push(mapping::RecordJson(*parsed), name, summary);
  // A server's message may echo what it refused, a HETU among it: masked before it is kept.
  for (std::string& message : summary.messages) message = MaskPersonalData(message);
  for (const std::string& message : summary.messages) log_("sync: " + message);
  if (!pushed.ok()) return fail(name + ": " + pushed.message());
  if (summary.total(&sync::TargetCounts::errors) > 0) {
    // What was confirmed is journalled: the next attempt sends only the rest.
    Outcome failed =
        fail(summary.messages.empty() ? name + ": push failed" : summary.messages.back(),
             !summary.messages.empty());
    return summary.refused > 0 ? Outcome::kRefused : failed;
  }
  std::string error;
  // Pushed again later, the record is found unchanged in the journal: nothing is sent twice.
  if (!Settle(record, &error)) return fail(error);
  std::lock_guard lock(mu_);
  if (summary.rejected > 0) {
    ++stats_.records_rejected;
  } else {
    ++stats_.records_synced;
  }
  stats_.resources_sent += summary.total(&sync::TargetCounts::sent);
  stats_.resources_unchanged += summary.total(&sync::TargetCounts::unchanged);
  stats_.conflicts += summary.total(&sync::TargetCounts::conflicts);
  return Outcome::kDone;
}

void SyncWorker::Quarantine(const QueuedRecord& record, const std::vector<Issue>& issues) {
  std::string base = "queued-" + std::to_string(record.id);
  log_("sync: " + base + ": no longer a valid client record, quarantined");
  if (options_.quarantine_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.quarantine_dir, ec);
  Status a = WriteFileAtomically(options_.quarantine_dir / (base + ".record." + record.format),
                                 record.body);
  Status b = WriteFileAtomically(options_.quarantine_dir / (base + ".outcome.json"),
                                 ToOperationOutcomeJson(issues) + "\n");
  if (!a.ok() || !b.ok()) log_("sync: " + base + ": " + (a.ok() ? b : a).message());
}

std::string RenderSyncMetrics(const SyncWorkerStats& stats) {
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, int64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
        << name << " " << value << "\n";
  };
  counter("silta_sync_records_synced_total", "Queued records pushed with a journalled outcome.",
          stats.records_synced);
  counter("silta_sync_records_rejected_total", "Queued records quarantined.",
          stats.records_rejected);
  counter("silta_sync_resources_sent_total", "Resources created or updated on sync targets.",
          stats.resources_sent);
  counter("silta_sync_resources_unchanged_total", "Resources the journal showed as already sent.",
          stats.resources_unchanged);
  counter("silta_sync_conflicts_total", "Conflicts found while pushing queued records.",
          stats.conflicts);
  counter("silta_sync_failed_attempts_total", "Pushes that failed and are retried.",
          stats.failed_attempts);
  counter("silta_sync_refusals_total", "Pushes a server refused as the data's fault.",
          stats.refusals);
  counter("silta_sync_records_parked_total", "Queued records this instance parked.",
          stats.records_parked);
  counter("silta_sync_lease_takeovers_total", "Records claimed after their holder's lease expired.",
          stats.lease_takeovers);
  out << "# HELP silta_sync_retrying Whether the oldest queued record waits for a retry.\n"
         "# TYPE silta_sync_retrying gauge\n"
         "silta_sync_retrying "
      << (stats.retrying ? 1 : 0) << "\n";
  out << "# HELP silta_sync_ready Whether the sync targets passed their capability check.\n"
         "# TYPE silta_sync_ready gauge\n"
         "silta_sync_ready "
      << (stats.ready ? 1 : 0) << "\n";
  return out.str();
}

std::string SyncStatsJson(const SyncWorkerStats& stats) {
  std::ostringstream out;
  out << "{\"recordsSynced\":" << stats.records_synced
      << ",\"recordsRejected\":" << stats.records_rejected
      << ",\"resourcesSent\":" << stats.resources_sent
      << ",\"resourcesUnchanged\":" << stats.resources_unchanged
      << ",\"conflicts\":" << stats.conflicts << ",\"failedAttempts\":" << stats.failed_attempts
      << ",\"refusals\":" << stats.refusals << ",\"recordsParked\":" << stats.records_parked
      << ",\"leaseTakeovers\":" << stats.lease_takeovers
      << ",\"retrying\":" << (stats.retrying ? "true" : "false")
      << ",\"ready\":" << (stats.ready ? "true" : "false") << ",\"notReady\":"
      << (stats.not_ready.empty() ? "null" : json::Value::String(stats.not_ready).ToString())
      << ",\"lastError\":"
      << (stats.last_error.empty() ? "null" : json::Value::String(stats.last_error).ToString())
      << "}";
  return out.str();
}

}  // namespace silta::serve
