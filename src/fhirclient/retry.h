// Retry policy: which failures are worth another attempt, and how long to wait.
//
// Why only some requests are retried: after a timeout or a dropped connection the client cannot
// know whether the server committed the request. Repeating a plain POST (create, a transaction
// with unconditional creates) could then create duplicates, so such requests are retried only
// when the request certainly did not reach the server (connect failure) or the server said it
// refused it before processing (429). GET, PUT, DELETE, conditional creates (If-None-Exist) and
// transactions whose every entry is conditional or idempotent give the same end state when
// repeated and are retried on 429, 502, 503, 504 and every transport failure except TLS errors,
// which a retry cannot fix.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "fhirclient/clock.h"
#include "fhirclient/http.h"

namespace silta::fhirclient {

struct RetryPolicy {
  int max_attempts = 4;  // including the first
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{10'000};
  // A Retry-After beyond this gives up at once instead of stalling the caller.
  std::chrono::milliseconds max_retry_after{120'000};
  std::uint64_t jitter_seed = 0;  // 0: seeded from std::random_device
};

// Whether a repeat of the request leaves the server in the same state.
enum class Idempotency { kIdempotent, kNonIdempotent };

// Whether `result` may be retried for a request of the given idempotency.
bool IsRetryable(const HttpResult& result, Idempotency idempotency);

// Full jitter (AWS architecture blog): uniform in [0, min(max_delay, base * 2^(attempt-1))],
// `attempt` counting from 1 for the wait after the first failure.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       std::mt19937_64& rng);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 and asctime forms);
// nullopt when absent or unparsable. Dates in the past give zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         Clock::TimePoint now);

// Parses an HTTP-date; nullopt when malformed.
std::optional<Clock::TimePoint> ParseHttpDate(std::string_view value);

}  // namespace silta::fhirclient
