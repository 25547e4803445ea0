// Partial dates, date-times and times with precision, as FHIRPath compares and computes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silta::fhirpath {

// Ordered from coarse to fine; a Time uses kHour..kMillisecond.
enum class DtPrecision : uint8_t { kYear, kMonth, kDay, kHour, kMinute, kSecond, kMillisecond };

enum class DtKind : uint8_t { kDate, kDateTime, kTime };

struct DateTime {
  int16_t year = 0;
  uint8_t month = 1;
  uint8_t day = 1;
  uint8_t hour = 0;
  uint8_t minute = 0;
  uint8_t second = 0;
  uint16_t millis = 0;
  int16_t tz_minutes = 0;  // offset from UTC when has_tz
  bool has_tz = false;
  DtPrecision precision = DtPrecision::kYear;
};

// FHIR lexical forms ("2015-02-04T14:34:28.123+09:00", "2015-02", "14:34:28") and the FHIRPath
// literal bodies without '@' ("2015-02T", "T14:34"). Nullopt if malformed.
std::optional<DateTime> ParseDate(std::string_view text);
std::optional<DateTime> ParseDateTime(std::string_view text);  // accepts dates too
std::optional<DateTime> ParseTime(std::string_view text);      // "hh[:mm[:ss[.fff]]]"

// Spec string forms (no '@'): "2015-02-04", "2015-02-04T14:34:28.123+09:00", "14:34:28".
std::string FormatDateTime(const DateTime& v, DtKind kind);

// Ordering with precision: nullopt when the values are equal up to the shorter precision and
// one has more (the result is unknown). Seconds and milliseconds count as one precision.
std::optional<int> CompareDateTime(const DateTime& a, const DateTime& b, DtKind kind);

// Adds an amount of a calendar unit ("year", "month", "week", "day", "hour", "minute",
// "second", "millisecond"); a fractional amount is truncated for units above seconds.
// Nullopt for an unsupported unit or out-of-range result.
std::optional<DateTime> AddDuration(const DateTime& v, DtKind kind, double amount,
                                    std::string_view calendar_unit);

int DaysInMonth(int year, int month);

// The FHIRPath 2.0 precision digit count: 4 (year) ... 17 (ms) for dates, 2..9 for times.
int PrecisionDigits(const DateTime& v, DtKind kind);

// lowBoundary / highBoundary to `digits` (precision digit count); nullopt if not valid.
std::optional<DateTime> DateTimeBoundary(const DateTime& v, DtKind kind, int digits, bool high);

}  // namespace silta::fhirpath
