// Counters the service exposes at GET /metrics in the Prometheus text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/issues.h"
#include "serve/record_queue.h"

namespace silta::serve {

class Metrics {
 public:
  // `route` is the route pattern ("/{type}/$validate"), never the raw path: bounded labels.
  void RecordRequest(const std::string& route, int status, double seconds);
  void RecordIssue(Severity severity);
  // The exposition text; the gauges are read by the caller (nullopt: not available).
  std::string Render(std::optional<QueueCounts> queue) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,  5.0};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::array<std::atomic<uint64_t>, 4> issues_{};
};

}  // namespace silta::serve
