// Utility and Boolean functions: trace, now, today, timeOfDay, not.
#include <chrono>

#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Trace(Call& c) {
  c.out.Append(c.focus);
  if (c.st.env->trace == nullptr) return true;
  std::optional<std::string_view> name;
  if (!c.StringArg(0, &name)) return false;
  if (c.argc() < 2) {
    c.st.env->trace->Trace(name.value_or(""), c.focus);
    return true;
  }
  ValueList projected;
  for (size_t i = 0; i < c.focus.size(); ++i) {
    ValueList r;
    if (!c.Lambda(1, c.focus[i], static_cast<int64_t>(i), r)) return false;
    projected.Append(r);
  }
  c.st.env->trace->Trace(name.value_or(""), projected);
  return true;
}

DateTime Now(const EvalState& st) {
  if (st.env->now) return *st.env->now;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto days = std::chrono::floor<std::chrono::days>(now);
  std::chrono::year_month_day ymd(days);
  int64_t in_day = ms - static_cast<int64_t>(days.time_since_epoch().count()) * 86400000;
  DateTime dt;
  dt.year = static_cast<int16_t>(static_cast<int>(ymd.year()));
  dt.month = static_cast<uint8_t>(static_cast<unsigned>(ymd.month()));
  dt.day = static_cast<uint8_t>(static_cast<unsigned>(ymd.day()));
  dt.hour = static_cast<uint8_t>(in_day / 3600000);
  dt.minute = static_cast<uint8_t>(in_day / 60000 % 60);
  dt.second = static_cast<uint8_t>(in_day / 1000 % 60);
  dt.millis = static_cast<uint16_t>(in_day % 1000);
  dt.has_tz = true;
  dt.tz_minutes = 0;
  dt.precision = DtPrecision::kMillisecond;
  return dt;
}

bool NowFn(Call& c) {
  c.Push(Value::Temporal(DtKind::kDateTime, Now(c.st)));
  return true;
}

bool Today(Call& c) {
  DateTime d = Now(c.st);
  d.precision = DtPrecision::kDay;
  d.has_tz = false;
  c.Push(Value::Temporal(DtKind::kDate, d));
  return true;
}

bool TimeOfDay(Call& c) {
  DateTime d = Now(c.st);
  d.has_tz = false;
  c.Push(Value::Temporal(DtKind::kTime, d));
  return true;
}

bool Not(Call& c) {
  if (c.focus.size() > 1) {
    return c.Fail("not() on a collection of " + std::to_string(c.focus.size()) + " items");
  }
  std::optional<bool> b;
  if (!BooleanOf(c.node, c.st, c.focus, &b)) return false;
  if (b) c.Push(Value::Boolean(!*b));
  return true;
}

}  // namespace

void RegisterUtilityFunctions(FunctionRegistry& r) {
  r.Add({"trace", 1, 2, Trace, kKeepsType});
  r.Add({"now", 0, 0, NowFn});
  r.Add({"today", 0, 0, Today});
  r.Add({"timeOfDay", 0, 0, TimeOfDay});
  r.Add({"not", 0, 0, Not});
}

}  // namespace silta::fhirpath::internal
