// Precision functions (FHIRPath 2.0): lowBoundary, highBoundary, precision, comparable.
#include <algorithm>

#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

constexpr int kDefaultDecimalDigits = 8;
constexpr int kMaxDecimalDigits = 28;

// The bound of the interval a decimal stands for (1.587 is [1.5865, 1.5875)), to `digits`.
std::optional<Decimal> DecimalBoundary(const Decimal& d, int digits, bool high) {
  if (digits < 0 || digits > kMaxDecimalDigits) return std::nullopt;
  Decimal half(5, d.scale() + 1);
  std::optional<Decimal> bound = high ? d.Add(half) : d.Sub(half);
  if (!bound) return std::nullopt;
  if (digits >= bound->scale()) return bound->Rescale(digits);
  // Below one unit of the requested precision the bound reads as zero.
  if (bound->Abs().Compare(Decimal(1, digits)) < 0) return Decimal(0, digits);
  // Cut to `digits` decimals toward the outside of the interval.
  Int128 unit = Pow10(bound->scale() - digits);
  Int128 m = bound->mantissa();
  Int128 q = m / unit;
  if (m % unit != 0) {
    if (high && m > 0) ++q;
    if (!high && m < 0) --q;
  }
  return Decimal(q, digits);
}

template <bool kHigh>
bool Boundary(Call& c) {
  std::optional<Value> v;
  if (!c.FocusSingleton(&v)) return false;
  std::optional<int64_t> digits;
  if (c.argc() > 0) {
    if (!c.IntegerArg(0, &digits)) return false;
    if (!digits) return true;
  }
  if (!v) return true;
  switch (v->type()) {
    case ValueType::kInteger:
    case ValueType::kDecimal:
    case ValueType::kQuantity: {
      Decimal d = v->type() == ValueType::kInteger ? Decimal::FromInt(v->integer()) : v->decimal();
      int n =
          digits ? static_cast<int>(std::clamp<int64_t>(*digits, -1, 100)) : kDefaultDecimalDigits;
      std::optional<Decimal> r = DecimalBoundary(d, n, kHigh);
      if (!r) return true;
      c.Push(v->type() == ValueType::kQuantity ? Value::Quantity(*r, v->unit()) : Value::Dec(*r));
      return true;
    }
    case ValueType::kDate:
    case ValueType::kDateTime:
    case ValueType::kTime: {
      DtKind kind = v->dt_kind();
      int n = digits ? static_cast<int>(std::clamp<int64_t>(*digits, -1, 100))
                     : (kind == DtKind::kDate   ? 8
                        : kind == DtKind::kTime ? 9
                                                : 17);
      std::optional<DateTime> r = DateTimeBoundary(v->datetime(), kind, n, kHigh);
      if (r) c.Push(Value::Temporal(kind, *r));
      return true;
    }
    default:
      return c.Fail(std::string(c.node.name) + "() needs a number, quantity or date/time");
  }
}

bool Precision(Call& c) {
  std::optional<Value> v;
  if (!c.FocusSingleton(&v)) return false;
  if (!v) return true;
  switch (v->type()) {
    case ValueType::kDecimal:
    case ValueType::kQuantity:
      c.Push(Value::Integer(v->decimal().scale()));
      return true;
    case ValueType::kInteger:
      c.Push(Value::Integer(0));
      return true;
    case ValueType::kDate:
    case ValueType::kDateTime:
    case ValueType::kTime:
      c.Push(Value::Integer(PrecisionDigits(v->datetime(), v->dt_kind())));
      return true;
    default:
      return c.Fail("precision() needs a number, quantity or date/time");
  }
}

bool Comparable(Call& c) {
  std::optional<Value> a;
  if (!c.FocusSingleton(&a)) return false;
  ValueList arg;
  if (!c.Arg(0, arg)) return false;
  std::optional<Value> b;
  if (!Singleton(*c.node.args[0], c.st, arg, &b, "argument")) return false;
  if (!a || !b) return true;
  if (a->type() != ValueType::kQuantity || b->type() != ValueType::kQuantity) {
    return c.Fail("comparable() needs quantities");
  }
  c.Push(Value::Boolean(UnitsComparable(a->unit(), b->unit())));
  return true;
}

}  // namespace

void RegisterBoundaryFunctions(FunctionRegistry& r) {
  r.Add({"lowBoundary", 0, 1, Boundary<false>});
  r.Add({"highBoundary", 0, 1, Boundary<true>});
  r.Add({"precision", 0, 0, Precision});
  r.Add({"comparable", 1, 1, Comparable});
}

}  // namespace silta::fhirpath::internal
