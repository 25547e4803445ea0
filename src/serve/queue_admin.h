// What operators see of the record queue and the quarantine, shared by `silta queue` and the
// /sync/queue routes: listings without personal data (client keys masked, HETU-shaped text in
// servers' messages masked), and the audit line of an operator's action.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "json/json.h"
#include "serve/record_queue.h"

namespace silta::serve {

// A record the sync engine quarantined (`<name>.record.json` beside `<name>.outcome.json`).
struct QuarantinedRecord {
  std::string name;           // "queued-12", or the source name of `silta sync push`
  int64_t errors = 0;         // error issues in its OperationOutcome
  std::string first_problem;  // the first error's message, masked
};

// Replaces every HETU-shaped token with its masked form (identifiers::MaskHetu): a server's
// message may echo an identifier it refused.
std::string MaskPersonalData(std::string_view text);

// The quarantine folder's records, by name; an absent folder is an empty quarantine.
StatusOr<std::vector<QuarantinedRecord>> ListQuarantine(const std::filesystem::path& dir);

// {"id", "client" (masked), "state" (parked | retrying), "attempts", "refusals", "heldBack",
// "receivedAt", "parkedAt", "lastError"} and, when `with_outcome`, the parking "outcome".
json::Value QueueProblemJson(const QueueProblem& problem, bool with_outcome);
// {"queue": {"depth", "parked", "blockedClients"}, "records": [...], "quarantined": [...]}.
json::Value QueueListingJson(const QueueCounts& counts, const std::vector<QueueProblem>& problems,
                             const std::vector<QuarantinedRecord>& quarantined);
// The same for a terminal: one line per record.
std::string QueueListingText(const QueueCounts& counts, const std::vector<QueueProblem>& problems,
                             const std::vector<QuarantinedRecord>& quarantined);

// Puts a quarantined record (after it was corrected in place, or a rule changed) back into the
// queue: `name` as listed, its `<name>.record.json|xml` read as a client record; errors leave it
// where it is and come back in `issues`. Queued, it leaves the quarantine. The new record's id,
// or none when the record still does not read as a client record.
struct QuarantineRequeue {
  std::optional<int64_t> id;
  std::string client_key;
  std::vector<Issue> issues;
};
StatusOr<QuarantineRequeue> RequeueQuarantined(RecordQueue& queue, const std::filesystem::path& dir,
                                               const std::string& name);

// "queue audit: discard queued-12 (client 286/#3f2a9c1b04d7) by cli:anna: fixed upstream".
std::string AuditLine(std::string_view action, int64_t id, const std::string& client_key,
                      const QueueAction& who);

}  // namespace silta::serve
