// Math: abs, ceiling, exp, floor, ln, log, power, round, sqrt, truncate.
#include <cmath>

#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

// The input as a number (or Quantity for abs); nullopt when empty.
bool NumberInput(Call& c, std::optional<Value>* v, bool allow_quantity = false) {
  if (!c.FocusSingleton(v)) return false;
  if (!*v) return true;
  ValueType t = (*v)->type();
  if (t == ValueType::kInteger || t == ValueType::kDecimal) return true;
  if (allow_quantity && t == ValueType::kQuantity) return true;
  return c.Fail(std::string(c.node.name) + "() needs a number, not " +
                std::string(TypeNameOf(**v)));
}

Decimal AsDecimal(const Value& v) {
  return v.type() == ValueType::kInteger ? Decimal::FromInt(v.integer()) : v.decimal();
}

bool Abs(Call& c) {
  std::optional<Value> v;
  if (!NumberInput(c, &v, true)) return false;
  if (!v) return true;
  if (v->type() == ValueType::kInteger) {
    c.Push(Value::Integer(v->integer() < 0 ? -v->integer() : v->integer()));
  } else if (v->type() == ValueType::kDecimal) {
    c.Push(Value::Dec(v->decimal().Abs()));
  } else {
    c.Push(Value::Quantity(v->decimal().Abs(), v->unit()));
  }
  return true;
}

template <int kMode>  // 0 ceiling, 1 floor, 2 truncate
bool ToWhole(Call& c) {
  std::optional<Value> v;
  if (!NumberInput(c, &v)) return false;
  if (!v) return true;
  if (v->type() == ValueType::kInteger) {
    c.Push(*v);
    return true;
  }
  Decimal d = kMode == 0   ? v->decimal().Ceiling()
              : kMode == 1 ? v->decimal().Floor()
                           : v->decimal().Truncate();
  std::optional<int64_t> i = d.ToInt64();
  if (i) c.Push(Value::Integer(*i));
  return true;
}

bool PushDouble(Call& c, double r) {
  if (!std::isfinite(r)) return true;  // undefined results are empty
  std::optional<Decimal> d = Decimal::FromDouble(r);
  if (d) c.Push(Value::Dec(*d));
  return true;
}

template <double (*kFn)(double)>
bool Transcendental(Call& c) {
  std::optional<Value> v;
  if (!NumberInput(c, &v)) return false;
  if (!v) return true;
  return PushDouble(c, kFn(AsDecimal(*v).ToDouble()));
}

double Exp(double x) { return std::exp(x); }
double Ln(double x) { return x <= 0 ? NAN : std::log(x); }
double Sqrt(double x) { return x < 0 ? NAN : std::sqrt(x); }

bool Log(Call& c) {
  std::optional<Value> v;
  std::optional<Decimal> base;
  if (!NumberInput(c, &v) || !c.DecimalArg(0, &base)) return false;
  if (!v || !base) return true;
  double x = AsDecimal(*v).ToDouble(), b = base->ToDouble();
  if (x <= 0 || b <= 0 || b == 1) return true;
  return PushDouble(c, std::log(x) / std::log(b));
}

bool Power(Call& c) {
  std::optional<Value> v;
  if (!NumberInput(c, &v)) return false;
  ValueList arg;
  if (!c.Arg(0, arg)) return false;
  std::optional<Value> e;
  if (!Singleton(*c.node.args[0], c.st, arg, &e, "exponent")) return false;
  if (!v || !e) return true;
  if (v->type() == ValueType::kInteger && e->type() == ValueType::kInteger && e->integer() >= 0) {
    int64_t result = 1;
    for (int64_t i = 0; i < e->integer(); ++i) {
      if (__builtin_mul_overflow(result, v->integer(), &result)) return true;
    }
    c.Push(Value::Integer(result));
    return true;
  }
  if (e->type() != ValueType::kInteger && e->type() != ValueType::kDecimal) {
    return c.Fail("power() needs a numeric exponent");
  }
  return PushDouble(c, std::pow(AsDecimal(*v).ToDouble(), AsDecimal(*e).ToDouble()));
}

bool Round(Call& c) {
  std::optional<Value> v;
  std::optional<int64_t> digits = 0;
  if (!NumberInput(c, &v)) return false;
  if (c.argc() > 0 && !c.IntegerArg(0, &digits)) return false;
  if (!v || !digits) return true;
  if (*digits < 0) return c.Fail("round() precision must not be negative");
  c.Push(Value::Dec(AsDecimal(*v).Round(static_cast<int>(std::min<int64_t>(*digits, 28)))));
  return true;
}

}  // namespace

void RegisterMathFunctions(FunctionRegistry& r) {
  r.Add({"abs", 0, 0, Abs});
  r.Add({"ceiling", 0, 0, ToWhole<0>});
  r.Add({"floor", 0, 0, ToWhole<1>});
  r.Add({"truncate", 0, 0, ToWhole<2>});
  r.Add({"exp", 0, 0, Transcendental<Exp>});
  r.Add({"ln", 0, 0, Transcendental<Ln>});
  r.Add({"sqrt", 0, 0, Transcendental<Sqrt>});
  r.Add({"log", 1, 1, Log});
  r.Add({"power", 1, 1, Power});
  r.Add({"round", 0, 1, Round});
}

}  // namespace silta::fhirpath::internal
