#include "serve/metrics.h"

#include <sstream>

namespace silta::serve {

void Metrics::RecordRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++duration_count_;
  duration_sum_ += seconds;
}

void Metrics::RecordIssue(Severity severity) {
  issues_[static_cast<size_t>(severity)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(std::optional<QueueCounts> queue) const {
  std::ostringstream out;
  out << "# HELP silta_http_requests_total HTTP requests by route and status.\n"
         "# TYPE silta_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, count] : requests_) {
    out << "silta_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << count << "\n";
  }
  out << "# HELP silta_http_request_duration_seconds Time from request to response.\n"
         "# TYPE silta_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    out << "silta_http_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
        << bucket_counts_[i] << "\n";
  }
  out << "silta_http_request_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << "\n"
      << "silta_http_request_duration_seconds_sum " << duration_sum_ << "\n"
      << "silta_http_request_duration_seconds_count " << duration_count_ << "\n";
  out << "# HELP silta_validation_issues_total Issues reported by $validate, by severity.\n"
         "# TYPE silta_validation_issues_total counter\n";
  for (Severity s :
       {Severity::kInformation, Severity::kWarning, Severity::kError, Severity::kFatal}) {
    out << "silta_validation_issues_total{severity=\"" << SeverityCode(s) << "\"} "
        << issues_[static_cast<size_t>(s)].load(std::memory_order_relaxed) << "\n";
  }
  if (queue) {
    // From the shared queue: every instance on it reports the same figures.
    out << "# HELP silta_sync_queue_depth Client records queued for sync, parked ones included.\n"
           "# TYPE silta_sync_queue_depth gauge\n"
           "silta_sync_queue_depth "
        << queue->depth << "\n"
        << "# HELP silta_sync_queue_parked_records Queued records parked after repeated "
           "refusals.\n"
           "# TYPE silta_sync_queue_parked_records gauge\n"
           "silta_sync_queue_parked_records "
        << queue->parked << "\n"
        << "# HELP silta_sync_queue_blocked_clients Clients whose records wait behind a parked "
           "one.\n"
           "# TYPE silta_sync_queue_blocked_clients gauge\n"
           "silta_sync_queue_blocked_clients "
        << queue->blocked_clients << "\n";
  }
  return out.str();
}

}  // namespace silta::serve
