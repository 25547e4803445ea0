// Conversion: iif, toX() and convertsToX() for Boolean, Integer, Decimal, String, Date,
// DateTime, Time and Quantity.
#include <algorithm>
#include <cctype>

#include "fhirpath/functions.h"
#include "fhirpath/ucum.h"

namespace silta::fhirpath::internal {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

std::optional<Value> ToBoolean(const Value& v) {
  switch (v.type()) {
    case ValueType::kBoolean:
      return v;
    case ValueType::kInteger:
      if (v.integer() == 1) return Value::Boolean(true);
      if (v.integer() == 0) return Value::Boolean(false);
      return std::nullopt;
    case ValueType::kDecimal:
      if (v.decimal().Compare(Decimal(1, 0)) == 0) return Value::Boolean(true);
      if (v.decimal().is_zero()) return Value::Boolean(false);
      return std::nullopt;
    case ValueType::kString: {
      std::string s = Lower(v.string());
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") {
        return Value::Boolean(true);
      }
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") {
        return Value::Boolean(false);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToInteger(const Value& v) {
  switch (v.type()) {
    case ValueType::kInteger:
      return v;
    case ValueType::kBoolean:
      return Value::Integer(v.boolean() ? 1 : 0);
    case ValueType::kString: {
      std::string_view s = v.string();
      std::string_view digits = s;
      if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
      if (!AllDigits(digits)) return std::nullopt;
      auto d = Decimal::Parse(s);
      if (!d) return std::nullopt;
      auto i = d->ToInt64();
      if (!i) return std::nullopt;
      return Value::Integer(*i);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToDecimalValue(const Value& v) {
  switch (v.type()) {
    case ValueType::kDecimal:
      return v;
    case ValueType::kInteger:
      return Value::Dec(Decimal::FromInt(v.integer()));
    case ValueType::kBoolean:
      return Value::Dec(Decimal(v.boolean() ? 10 : 0, 1));
    case ValueType::kString: {
      std::string_view s = v.string();
      if (s.find_first_of("eE") != std::string_view::npos) return std::nullopt;
      auto d = Decimal::Parse(s);
      if (!d) return std::nullopt;
      return Value::Dec(*d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToDate(const Value& v) {
  switch (v.type()) {
    case ValueType::kDate:
      return v;
    case ValueType::kDateTime: {
      DateTime d = v.datetime();
      if (d.precision > DtPrecision::kDay) d.precision = DtPrecision::kDay;
      d.has_tz = false;
      return Value::Temporal(DtKind::kDate, d);
    }
    case ValueType::kString: {
      auto d = ParseDate(v.string());
      if (!d) {
        auto dt = ParseDateTime(v.string());
        if (!dt) return std::nullopt;
        d = dt;
        if (d->precision > DtPrecision::kDay) d->precision = DtPrecision::kDay;
        d->has_tz = false;
      }
      return Value::Temporal(DtKind::kDate, *d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToDateTimeValue(const Value& v) {
  switch (v.type()) {
    case ValueType::kDateTime:
      return v;
    case ValueType::kDate:
      return Value::Temporal(DtKind::kDateTime, v.datetime());
    case ValueType::kString: {
      auto d = ParseDateTime(v.string());
      if (!d) return std::nullopt;
      return Value::Temporal(DtKind::kDateTime, *d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToTimeValue(const Value& v) {
  switch (v.type()) {
    case ValueType::kTime:
      return v;
    case ValueType::kString: {
      std::string_view s = v.string();
      if (!s.empty() && s[0] == 'T') s.remove_prefix(1);
      auto d = ParseTime(s);
      if (!d) return std::nullopt;
      return Value::Temporal(DtKind::kTime, *d);
    }
    default:
      return std::nullopt;
  }
}

// "5.4 'mg'", "4 days", "1.0": the FHIRPath quantity literal forms inside a string.
std::optional<Value> ParseQuantityString(std::string_view s, EvalState& st) {
  size_t end = 0;
  if (end < s.size() && (s[end] == '+' || s[end] == '-')) ++end;
  while (end < s.size() && ((s[end] >= '0' && s[end] <= '9') || s[end] == '.')) ++end;
  auto amount = Decimal::Parse(s.substr(0, end));
  if (!amount) return std::nullopt;
  std::string_view rest = s.substr(end);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return Value::Quantity(*amount, "1");
  if (rest.front() == '\'') {
    if (rest.size() < 2 || rest.back() != '\'') return std::nullopt;
    std::string_view unit = rest.substr(1, rest.size() - 2);
    if (unit.find('\'') != std::string_view::npos) return std::nullopt;
    return Value::Quantity(*amount, st.Store(unit));
  }
  if (!CalendarUnit(rest).empty()) return Value::Quantity(*amount, st.Store(rest));
  return std::nullopt;
}

std::optional<Value> ToQuantityValue(const Value& v, EvalState& st) {
  switch (v.type()) {
    case ValueType::kQuantity:
      return v;
    case ValueType::kInteger:
    case ValueType::kDecimal: {
      Decimal d = v.type() == ValueType::kInteger ? Decimal::FromInt(v.integer()) : v.decimal();
      return Value::Quantity(d, "1");
    }
    case ValueType::kBoolean:
      return Value::Quantity(Decimal(v.boolean() ? 10 : 0, 1), "1");
    case ValueType::kString:
      return ParseQuantityString(v.string(), st);
    default:
      return std::nullopt;
  }
}

std::optional<Value> ToStringValue(const Value& v, EvalState& st) {
  switch (v.type()) {
    case ValueType::kString:
      return v;
    case ValueType::kTypeInfo:
      return std::nullopt;
    default:
      return Value::String(st.Store(ToStringForm(v)));
  }
}

enum class Target { kBoolean, kInteger, kDecimal, kString, kDate, kDateTime, kTime, kQuantity };

template <Target kTarget, bool kTest>
bool Convert(Call& c) {
  std::optional<Value> in;
  if (!c.FocusSingleton(&in)) return false;
  if (!in) {
    if (kTest && !c.focus.empty()) c.Push(Value::Boolean(false));  // a complex element
    return true;
  }
  std::optional<Value> r;
  switch (kTarget) {
    case Target::kBoolean:
      r = ToBoolean(*in);
      break;
    case Target::kInteger:
      r = ToInteger(*in);
      break;
    case Target::kDecimal:
      r = ToDecimalValue(*in);
      break;
    case Target::kString:
      r = ToStringValue(*in, c.st);
      break;
    case Target::kDate:
      r = ToDate(*in);
      break;
    case Target::kDateTime:
      r = ToDateTimeValue(*in);
      break;
    case Target::kTime:
      r = ToTimeValue(*in);
      break;
    case Target::kQuantity: {
      r = ToQuantityValue(*in, c.st);
      if (r && c.argc() == 1) {
        std::optional<std::string_view> unit;
        if (!c.StringArg(0, &unit)) return false;
        if (!unit) return true;
        std::optional<Decimal> converted = ConvertQuantity(r->decimal(), r->unit(), *unit);
        r = converted ? std::optional<Value>(Value::Quantity(*converted, c.st.Store(*unit)))
                      : std::nullopt;
      }
      break;
    }
  }
  if (kTest) {
    c.Push(Value::Boolean(r.has_value()));
  } else if (r) {
    c.Push(*r);
  }
  return true;
}

bool Iif(Call& c) {
  if (c.node.focus && c.focus.size() > 1) {
    return c.Fail("iif() on a collection of " + std::to_string(c.focus.size()) + " items");
  }
  // With an explicit input the arguments see it as $this, also when it is empty: in
  // `member.resolve().iif(empty(), ...)` (R4's ctm-1) `empty()` asks about the input, not
  // about the element the expression started from.
  auto eval = [&](size_t i, ValueList& r) {
    if (c.node.focus) return c.ArgOn(i, c.focus, r);
    return c.Arg(i, r);
  };
  ValueList criterion;
  if (!eval(0, criterion)) return false;
  if (criterion.size() > 1) return c.Fail("iif() criterion must be a single Boolean");
  std::optional<bool> b;
  if (!criterion.empty()) {
    std::optional<Value> v = ToSystemValue(criterion[0]);
    if (!v || v->type() != ValueType::kBoolean) {
      return c.Fail("iif() criterion must be a Boolean");
    }
    b = v->boolean();
  }
  if (b == true) return eval(1, c.out);
  if (c.argc() > 2) return eval(2, c.out);
  return true;
}

}  // namespace

void RegisterConversionFunctions(FunctionRegistry& r) {
  r.Add({"iif", 2, 3, Iif});
  r.Add({"toBoolean", 0, 0, Convert<Target::kBoolean, false>});
  r.Add({"convertsToBoolean", 0, 0, Convert<Target::kBoolean, true>});
  r.Add({"toInteger", 0, 0, Convert<Target::kInteger, false>});
  r.Add({"convertsToInteger", 0, 0, Convert<Target::kInteger, true>});
  r.Add({"toDecimal", 0, 0, Convert<Target::kDecimal, false>});
  r.Add({"convertsToDecimal", 0, 0, Convert<Target::kDecimal, true>});
  r.Add({"toString", 0, 0, Convert<Target::kString, false>});
  r.Add({"convertsToString", 0, 0, Convert<Target::kString, true>});
  r.Add({"toDate", 0, 0, Convert<Target::kDate, false>});
  r.Add({"convertsToDate", 0, 0, Convert<Target::kDate, true>});
  r.Add({"toDateTime", 0, 0, Convert<Target::kDateTime, false>});
  r.Add({"convertsToDateTime", 0, 0, Convert<Target::kDateTime, true>});
  r.Add({"toTime", 0, 0, Convert<Target::kTime, false>});
  r.Add({"convertsToTime", 0, 0, Convert<Target::kTime, true>});
  r.Add({"toQuantity", 0, 1, Convert<Target::kQuantity, false>});
  r.Add({"convertsToQuantity", 0, 1, Convert<Target::kQuantity, true>});
}

}  // namespace silta::fhirpath::internal
