#include "fhirpath/datetime.h"

#include <cmath>
#include <cstdio>

namespace silta::fhirpath {

namespace {

bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Parses "hh[:mm[:ss[.f+]]]" at `pos`; leaves pos after it.
bool ParseClock(std::string_view text, size_t* pos, DateTime* v) {
  int h;
  if (!Digits(text, *pos, 2, &h) || h > 23) return false;
  v->hour = static_cast<uint8_t>(h);
  v->precision = DtPrecision::kHour;
  *pos += 2;
  if (*pos >= text.size() || text[*pos] != ':') return true;
  int m;
  if (!Digits(text, *pos + 1, 2, &m) || m > 59) return false;
  v->minute = static_cast<uint8_t>(m);
  v->precision = DtPrecision::kMinute;
  *pos += 3;
  if (*pos >= text.size() || text[*pos] != ':') return true;
  int s;
  if (!Digits(text, *pos + 1, 2, &s) || s > 60) return false;
  v->second = static_cast<uint8_t>(s > 59 ? 59 : s);
  v->precision = DtPrecision::kSecond;
  *pos += 3;
  if (*pos >= text.size() || text[*pos] != '.') return true;
  ++*pos;
  size_t start = *pos;
  int ms = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
    if (*pos - start < 3) ms = ms * 10 + (text[*pos] - '0');
    ++*pos;
  }
  size_t n = *pos - start;
  if (n == 0) return false;
  for (size_t i = n; i < 3; ++i) ms *= 10;
  v->millis = static_cast<uint16_t>(ms);
  v->precision = DtPrecision::kMillisecond;
  return true;
}

bool ParseZone(std::string_view text, size_t* pos, DateTime* v) {
  if (*pos >= text.size()) return true;
  char c = text[*pos];
  if (c == 'Z') {
    v->has_tz = true;
    v->tz_minutes = 0;
    ++*pos;
    return true;
  }
  if (c != '+' && c != '-') return false;
  int h, m;
  if (!Digits(text, *pos + 1, 2, &h) || *pos + 3 >= text.size() || text[*pos + 3] != ':' ||
      !Digits(text, *pos + 4, 2, &m) || h > 14 || m > 59) {
    return false;
  }
  v->has_tz = true;
  v->tz_minutes = static_cast<int16_t>((c == '-' ? -1 : 1) * (h * 60 + m));
  *pos += 6;
  return true;
}

bool ParseDatePart(std::string_view text, size_t* pos, DateTime* v) {
  int y;
  if (!Digits(text, 0, 4, &y)) return false;
  v->year = static_cast<int16_t>(y);
  v->precision = DtPrecision::kYear;
  *pos = 4;
  if (*pos >= text.size() || text[*pos] != '-') return true;
  int m;
  if (!Digits(text, 5, 2, &m) || m < 1 || m > 12) return false;
  v->month = static_cast<uint8_t>(m);
  v->precision = DtPrecision::kMonth;
  *pos = 7;
  if (*pos >= text.size() || text[*pos] != '-') return true;
  int d;
  if (!Digits(text, 8, 2, &d) || d < 1 || d > DaysInMonth(y, m)) return false;
  v->day = static_cast<uint8_t>(d);
  v->precision = DtPrecision::kDay;
  *pos = 10;
  return true;
}

// Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yy + (*m <= 2));
}

int64_t ToEpochMillis(const DateTime& v) {
  int64_t days = DaysFromCivil(v.year, v.month, v.day);
  return ((days * 24 + v.hour) * 60 + v.minute) * 60000 + v.second * 1000 + v.millis;
}

void FromEpochMillis(int64_t ms, DateTime* v) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rest = ms - days * 86400000;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  v->year = static_cast<int16_t>(y);
  v->month = static_cast<uint8_t>(m);
  v->day = static_cast<uint8_t>(d);
  v->hour = static_cast<uint8_t>(rest / 3600000);
  v->minute = static_cast<uint8_t>(rest / 60000 % 60);
  v->second = static_cast<uint8_t>(rest / 1000 % 60);
  v->millis = static_cast<uint16_t>(rest % 1000);
}

DateTime ToUtc(const DateTime& v) {
  DateTime out = v;
  FromEpochMillis(ToEpochMillis(v) - static_cast<int64_t>(v.tz_minutes) * 60000, &out);
  out.tz_minutes = 0;
  return out;
}

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[(month - 1) % 12];
}

std::optional<DateTime> ParseDate(std::string_view text) {
  DateTime v;
  size_t pos = 0;
  if (!ParseDatePart(text, &pos, &v) || pos != text.size()) return std::nullopt;
  return v;
}

std::optional<DateTime> ParseDateTime(std::string_view text) {
  DateTime v;
  size_t pos = 0;
  if (!ParseDatePart(text, &pos, &v)) return std::nullopt;
  if (pos == text.size()) return v;
  if (text[pos] != 'T') return std::nullopt;
  ++pos;
  if (pos == text.size()) return v;  // FHIRPath "@2015T"
  if (v.precision != DtPrecision::kDay) return std::nullopt;
  if (!ParseClock(text, &pos, &v) || !ParseZone(text, &pos, &v) || pos != text.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<DateTime> ParseTime(std::string_view text) {
  DateTime v;
  size_t pos = 0;
  if (!ParseClock(text, &pos, &v) || pos != text.size()) return std::nullopt;
  return v;
}

std::string FormatDateTime(const DateTime& v, DtKind kind) {
  char buf[48];
  int n = 0;
  auto put = [&](const char* fmt, int x) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), fmt, x);
  };
  if (kind != DtKind::kTime) {
    put("%04d", v.year);
    if (v.precision >= DtPrecision::kMonth) put("-%02d", v.month);
    if (v.precision >= DtPrecision::kDay) put("-%02d", v.day);
    if (kind == DtKind::kDate || v.precision <= DtPrecision::kDay) return std::string(buf, n);
    buf[n++] = 'T';
  }
  put("%02d", v.hour);
  if (v.precision >= DtPrecision::kMinute) put(":%02d", v.minute);
  if (v.precision >= DtPrecision::kSecond) put(":%02d", v.second);
  if (v.precision >= DtPrecision::kMillisecond) put(".%03d", v.millis);
  if (kind == DtKind::kDateTime && v.has_tz) {
    if (v.tz_minutes == 0) {
      buf[n++] = 'Z';
    } else {
      int tz = v.tz_minutes < 0 ? -v.tz_minutes : v.tz_minutes;
      n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "%c%02d:%02d",
                         v.tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
    }
  }
  return std::string(buf, n);
}

std::optional<int> CompareDateTime(const DateTime& a_in, const DateTime& b_in, DtKind kind) {
  DateTime a = a_in, b = b_in;
  if (kind == DtKind::kDateTime && a.precision >= DtPrecision::kHour &&
      b.precision >= DtPrecision::kHour && (a.has_tz || b.has_tz)) {
    // Without both offsets the instants cannot be lined up.
    if (a.has_tz != b.has_tz) return std::nullopt;
    a = ToUtc(a);
    b = ToUtc(b);
  }
  struct Field {
    int a, b;
    DtPrecision needs;
  };
  Field fields[] = {
      {a.year, b.year, DtPrecision::kYear},
      {a.month, b.month, DtPrecision::kMonth},
      {a.day, b.day, DtPrecision::kDay},
      {a.hour, b.hour, DtPrecision::kHour},
      {a.minute, b.minute, DtPrecision::kMinute},
      {a.second * 1000 + a.millis, b.second * 1000 + b.millis, DtPrecision::kSecond},
  };
  size_t first = kind == DtKind::kTime ? 3 : 0;
  size_t last = kind == DtKind::kDate ? 3 : 6;
  for (size_t i = first; i < last; ++i) {
    bool has_a = a.precision >= fields[i].needs;
    bool has_b = b.precision >= fields[i].needs;
    if (!has_a && !has_b) return 0;
    if (has_a != has_b) return std::nullopt;
    if (fields[i].a != fields[i].b) return fields[i].a < fields[i].b ? -1 : 1;
  }
  return 0;
}

std::optional<DateTime> AddDuration(const DateTime& v, DtKind kind, double amount,
                                    std::string_view unit) {
  DateTime out = v;
  auto whole = static_cast<int64_t>(std::trunc(amount));
  if (unit == "year" || unit == "month") {
    if (kind == DtKind::kTime) return std::nullopt;
    int64_t months = unit == "year" ? whole * 12 : whole;
    if (unit == "month" && v.precision == DtPrecision::kYear) {
      months = months / 12 * 12;  // below the value's precision
    }
    int64_t total = static_cast<int64_t>(v.year) * 12 + (v.month - 1) + months;
    if (total < 0 || total >= 10000 * 12) return std::nullopt;
    out.year = static_cast<int16_t>(total / 12);
    out.month = static_cast<uint8_t>(total % 12 + 1);
    int dim = DaysInMonth(out.year, out.month);
    if (out.day > dim) out.day = static_cast<uint8_t>(dim);
    return out;
  }
  int64_t ms;
  if (unit == "week") {
    ms = whole * 7 * 86400000;
  } else if (unit == "day") {
    ms = whole * 86400000;
  } else if (unit == "hour") {
    ms = whole * 3600000;
  } else if (unit == "minute") {
    ms = whole * 60000;
  } else if (unit == "second") {
    ms = whole * 1000;  // fractions of a second are ignored, as above seconds
  } else if (unit == "millisecond") {
    ms = whole;
  } else {
    return std::nullopt;
  }
  if (kind == DtKind::kTime) {
    int64_t day_ms = ((v.hour * 60 + v.minute) * 60 + v.second) * 1000 + v.millis;
    day_ms = ((day_ms + ms) % 86400000 + 86400000) % 86400000;
    out.hour = static_cast<uint8_t>(day_ms / 3600000);
    out.minute = static_cast<uint8_t>(day_ms / 60000 % 60);
    out.second = static_cast<uint8_t>(day_ms / 1000 % 60);
    out.millis = static_cast<uint16_t>(day_ms % 1000);
    return out;
  }
  if (kind == DtKind::kDate || v.precision < DtPrecision::kHour) {
    ms = ms / 86400000 * 86400000;  // dates move by whole days
    if (v.precision < DtPrecision::kDay) ms = 0;
  }
  FromEpochMillis(ToEpochMillis(v) + ms, &out);
  if (out.year < 1 || out.year > 9999) return std::nullopt;
  return out;
}

int PrecisionDigits(const DateTime& v, DtKind kind) {
  if (kind == DtKind::kTime) {
    switch (v.precision) {
      case DtPrecision::kHour:
        return 2;
      case DtPrecision::kMinute:
        return 4;
      case DtPrecision::kSecond:
        return 6;
      default:
        return 9;
    }
  }
  static constexpr int kDigits[] = {4, 6, 8, 10, 12, 14, 17};
  return kDigits[static_cast<int>(v.precision)];
}

std::optional<DateTime> DateTimeBoundary(const DateTime& in, DtKind kind, int digits, bool high) {
  DateTime v = in;
  // An hour alone is not a FHIR time: it is read as hh:00.
  if (v.precision == DtPrecision::kHour) {
    v.precision = DtPrecision::kMinute;
    v.minute = 0;
  }
  DtPrecision target;
  if (kind == DtKind::kTime) {
    switch (digits) {
      case 2:
        target = DtPrecision::kHour;
        break;
      case 4:
        target = DtPrecision::kMinute;
        break;
      case 6:
        target = DtPrecision::kSecond;
        break;
      case 9:
        target = DtPrecision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
  } else {
    switch (digits) {
      case 4:
        target = DtPrecision::kYear;
        break;
      case 6:
        target = DtPrecision::kMonth;
        break;
      case 8:
        target = DtPrecision::kDay;
        break;
      case 10:
        target = DtPrecision::kHour;
        break;
      case 12:
        target = DtPrecision::kMinute;
        break;
      case 14:
        target = DtPrecision::kSecond;
        break;
      case 17:
        target = DtPrecision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
    if (kind == DtKind::kDate && target > DtPrecision::kDay) return std::nullopt;
  }
  DtPrecision have = in.precision == DtPrecision::kHour ? DtPrecision::kHour : v.precision;
  if (have < DtPrecision::kMonth && kind != DtKind::kTime) v.month = high ? 12 : 1;
  if (have < DtPrecision::kDay && kind != DtKind::kTime) {
    v.day = high ? static_cast<uint8_t>(DaysInMonth(v.year, v.month)) : 1;
  }
  if (v.precision < DtPrecision::kHour) v.hour = high ? 23 : 0;
  if (v.precision < DtPrecision::kMinute) v.minute = high ? 59 : 0;
  if (v.precision < DtPrecision::kSecond) v.second = high ? 59 : 0;
  if (v.precision < DtPrecision::kMillisecond) v.millis = high ? 999 : 0;
  if (kind == DtKind::kDateTime && !v.has_tz && target >= DtPrecision::kHour) {
    v.has_tz = true;
    v.tz_minutes = high ? -12 * 60 : 14 * 60;
  }
  v.precision = target;
  return v;
}

}  // namespace silta::fhirpath
