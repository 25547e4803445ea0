#include "fhirclient/retry.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace silta::fhirclient {

bool IsRetryable(const HttpResult& result, Idempotency idempotency) {
  const bool idempotent = idempotency == Idempotency::kIdempotent;
  switch (result.error_kind) {
    case TransportErrorKind::kConnect:
      return true;  // the request never left
    case TransportErrorKind::kTls:
      return false;  // a retry cannot fix a certificate
    case TransportErrorKind::kTimeout:
    case TransportErrorKind::kDropped:
    case TransportErrorKind::kOther:
      return idempotent;
    case TransportErrorKind::kNone:
      break;
  }
  switch (result.response.status) {
    case 429:
      return true;  // refused before processing
    case 502:
    case 503:
    case 504:
      return idempotent;
    default:
      return false;
  }
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt,
                                       std::mt19937_64& rng) {
  using std::chrono::milliseconds;
  const int shift = std::clamp(attempt - 1, 0, 30);
  const long long base = std::max<long long>(policy.base_delay.count(), 0);
  const long long cap = std::max<long long>(policy.max_delay.count(), 0);
  long long ceiling = base > (cap >> shift) ? cap : std::min(cap, base << shift);
  std::uniform_int_distribution<long long> dist(0, ceiling);
  return milliseconds(dist(rng));
}

namespace {

int MonthIndex(std::string_view name) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (name == kMonths[i]) return i;
  }
  return -1;
}

std::optional<Clock::TimePoint> MakeTime(int year, int month, int day, int hour, int minute,
                                         int second) {
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

std::optional<Clock::TimePoint> ParseHttpDate(std::string_view value) {
  std::string text(value);
  char weekday[16] = {}, month[4] = {}, zone[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (std::sscanf(text.c_str(), "%15[A-Za-z], %d %3s %d %d:%d:%d %3s", weekday, &day, month, &year,
                  &hour, &minute, &second, zone) == 8 &&
      std::strcmp(zone, "GMT") == 0) {
    return MakeTime(year, MonthIndex(month), day, hour, minute, second);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (std::sscanf(text.c_str(), "%15[A-Za-z], %d-%3s-%d %d:%d:%d %3s", weekday, &day, month, &year,
                  &hour, &minute, &second, zone) == 8 &&
      std::strcmp(zone, "GMT") == 0) {
    year += year < 70 ? 2000 : (year < 100 ? 1900 : 0);
    return MakeTime(year, MonthIndex(month), day, hour, minute, second);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (std::sscanf(text.c_str(), "%15[A-Za-z] %3s %d %d:%d:%d %d", weekday, month, &day, &hour,
                  &minute, &second, &year) == 7) {
    return MakeTime(year, MonthIndex(month), day, hour, minute, second);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         Clock::TimePoint now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    long long seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      return std::chrono::milliseconds::max();  // absurdly large: beyond any cap
    }
    if (seconds > 1'000'000'000) return std::chrono::milliseconds::max();
    return std::chrono::milliseconds(seconds * 1000);
  }
  std::optional<Clock::TimePoint> date = ParseHttpDate(value);
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*date - now);
}

}  // namespace silta::fhirclient
