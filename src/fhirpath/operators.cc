// Equality, equivalence, ordering, arithmetic and type tests: the semantics shared by the
// operators and the functions.
#include <cctype>

#include "fhirpath/engine.h"
#include "fhirpath/ucum.h"

namespace silta::fhirpath::internal {

namespace {

bool IsNumber(const Value& v) {
  return v.type() == ValueType::kInteger || v.type() == ValueType::kDecimal;
}
Decimal AsDecimal(const Value& v) {
  return v.type() == ValueType::kInteger ? Decimal::FromInt(v.integer()) : v.decimal();
}
bool IsTemporal(const Value& v) {
  return v.type() == ValueType::kDate || v.type() == ValueType::kDateTime ||
         v.type() == ValueType::kTime;
}

// Dates and date-times compare with each other; times only with times.
std::optional<DtKind> TemporalKind(const Value& a, const Value& b) {
  if (a.type() == ValueType::kTime || b.type() == ValueType::kTime) {
    if (a.type() != b.type()) return std::nullopt;
    return DtKind::kTime;
  }
  if (a.type() == ValueType::kDate && b.type() == ValueType::kDate) return DtKind::kDate;
  return DtKind::kDateTime;
}

// A quantity unit in a comparable form: calendar durations of a week or less become UCUM.
struct UnitRef {
  std::string_view ucum;      // set for UCUM (or converted calendar) units
  std::string_view calendar;  // "year" / "month"
};
UnitRef NormalizeUnit(std::string_view unit) {
  std::string_view cal = CalendarUnit(unit);
  if (cal.empty()) return {unit, {}};
  std::string_view ucum = CalendarToUcum(cal);
  if (!ucum.empty()) return {ucum, {}};
  return {{}, cal};
}

// Compares quantities; nullopt when not comparable (sets *incompatible for different
// dimensions, leaves it clear for the calendar/UCUM year and month mismatch).
std::optional<int> CompareQuantities(const Value& a, const Value& b, bool* incompatible,
                                     Decimal* b_in_a_units) {
  UnitRef ua = NormalizeUnit(a.unit()), ub = NormalizeUnit(b.unit());
  Decimal av = a.decimal(), bv = b.decimal();
  if (!ua.calendar.empty() || !ub.calendar.empty()) {
    if (ua.calendar.empty() || ub.calendar.empty()) {
      // year vs 'a', month vs 'mo': different things; others are incompatible.
      std::string_view other = ua.calendar.empty() ? ua.ucum : ub.ucum;
      auto parsed = ParseUcum(other);
      if (!parsed || parsed->dims != ParseUcum("s")->dims) *incompatible = true;
      return std::nullopt;
    }
    if (ua.calendar != ub.calendar) {
      if (ua.calendar == "year") av = *av.Mul(Decimal(12, 0));
      if (ub.calendar == "year") bv = *bv.Mul(Decimal(12, 0));
    }
    *b_in_a_units = bv;
    return av.Compare(bv);
  }
  if (ua.ucum == ub.ucum) {
    *b_in_a_units = bv;
    return av.Compare(bv);
  }
  std::optional<Decimal> converted = ConvertQuantity(bv, ub.ucum, ua.ucum);
  if (!converted) {
    *incompatible = true;
    return std::nullopt;
  }
  *b_in_a_units = *converted;
  return av.Compare(*converted);
}

std::string NormalizeForEquivalence(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ComplexElement(const Value& v) {
  return v.is_element() && !v.element()->is_primitive() && !v.element()->type()->IsA("Quantity");
}

}  // namespace

std::optional<Decimal> ConvertQuantity(const Decimal& amount, std::string_view from,
                                       std::string_view to) {
  if (from == to) return amount;
  auto f = ParseUcum(from);
  auto t = ParseUcum(to);
  if (!f || !t || f->dims != t->dims) return std::nullopt;
  // base = amount * f.factor + f.offset; result = (base - t.offset) / t.factor
  auto base = amount.Mul(f->factor);
  if (!base) return std::nullopt;
  if (f->special) base = base->Add(f->offset);
  if (!base) return std::nullopt;
  if (t->special) base = base->Sub(t->offset);
  if (!base) return std::nullopt;
  return base->Div(t->factor);
}

bool UnitsComparable(std::string_view a, std::string_view b) {
  UnitRef ua = NormalizeUnit(a), ub = NormalizeUnit(b);
  if (!ua.calendar.empty() || !ub.calendar.empty()) {
    return !ua.calendar.empty() && !ub.calendar.empty();
  }
  if (ua.ucum == ub.ucum) return true;
  auto pa = ParseUcum(ua.ucum);
  auto pb = ParseUcum(ub.ucum);
  return pa && pb && pa->dims == pb->dims;
}

std::optional<bool> ItemsEqual(const Value& a_in, const Value& b_in) {
  if (ComplexElement(a_in) || ComplexElement(b_in)) {
    if (ComplexElement(a_in) && ComplexElement(b_in)) {
      return model::DeepEquals(*a_in.element(), *b_in.element());
    }
    return false;
  }
  std::optional<Value> a = ToSystemValue(a_in);
  std::optional<Value> b = ToSystemValue(b_in);
  if (!a || !b) return std::nullopt;
  if (IsNumber(*a) && IsNumber(*b)) {
    if (a->type() == ValueType::kInteger && b->type() == ValueType::kInteger) {
      return a->integer() == b->integer();
    }
    return AsDecimal(*a).Compare(AsDecimal(*b)) == 0;
  }
  if (IsTemporal(*a) && IsTemporal(*b)) {
    std::optional<DtKind> kind = TemporalKind(*a, *b);
    if (!kind) return false;
    std::optional<int> c = CompareDateTime(a->datetime(), b->datetime(), *kind);
    if (!c) return std::nullopt;
    return *c == 0;
  }
  if (a->type() != b->type()) return false;
  switch (a->type()) {
    case ValueType::kBoolean:
      return a->boolean() == b->boolean();
    case ValueType::kString:
      return a->string() == b->string();
    case ValueType::kQuantity: {
      bool incompatible = false;
      Decimal converted;
      std::optional<int> c = CompareQuantities(*a, *b, &incompatible, &converted);
      if (incompatible) return false;
      if (!c) return std::nullopt;
      return *c == 0;
    }
    case ValueType::kTypeInfo:
      return a->type_name() == b->type_name() && a->type_namespace() == b->type_namespace();
    default:
      return false;
  }
}

bool ItemsEquivalent(const Value& a_in, const Value& b_in) {
  if (ComplexElement(a_in) || ComplexElement(b_in)) {
    if (!(ComplexElement(a_in) && ComplexElement(b_in))) return false;
    const model::Element& x = *a_in.element();
    const model::Element& y = *b_in.element();
    if (x.type() != y.type() || x.children().size() != y.children().size()) return false;
    for (size_t i = 0; i < x.children().size(); ++i) {
      const model::Element* cx = x.children()[i];
      const model::Element* cy = y.children()[i];
      if (cx->name() != cy->name()) return false;
      if (!ItemsEquivalent(Value::Node(cx), Value::Node(cy))) return false;
    }
    return true;
  }
  std::optional<Value> a = ToSystemValue(a_in);
  std::optional<Value> b = ToSystemValue(b_in);
  if (!a || !b) return !a && !b;
  if (IsNumber(*a) && IsNumber(*b)) {
    Decimal x = AsDecimal(*a), y = AsDecimal(*b);
    int scale = std::min(x.scale(), y.scale());
    return x.Round(scale).Compare(y.Round(scale)) == 0;
  }
  if (IsTemporal(*a) && IsTemporal(*b)) {
    std::optional<DtKind> kind = TemporalKind(*a, *b);
    if (!kind) return false;
    std::optional<int> c = CompareDateTime(a->datetime(), b->datetime(), *kind);
    return c && *c == 0;
  }
  if (a->type() != b->type()) return false;
  switch (a->type()) {
    case ValueType::kBoolean:
      return a->boolean() == b->boolean();
    case ValueType::kString:
      return NormalizeForEquivalence(a->string()) == NormalizeForEquivalence(b->string());
    case ValueType::kQuantity: {
      bool incompatible = false;
      Decimal converted;
      std::optional<int> c = CompareQuantities(*a, *b, &incompatible, &converted);
      if (!c) return false;
      int scale = std::min(a->decimal().scale(), b->decimal().scale());
      return a->decimal().Round(scale).Compare(converted.Round(scale)) == 0;
    }
    case ValueType::kTypeInfo:
      return a->type_name() == b->type_name() && a->type_namespace() == b->type_namespace();
    default:
      return false;
  }
}

std::optional<int> CompareItems(const Value& a_in, const Value& b_in, bool* incompatible) {
  std::optional<Value> a = ToSystemValue(a_in);
  std::optional<Value> b = ToSystemValue(b_in);
  if (!a || !b) {
    if ((a_in.is_element() && !a_in.element()->is_primitive() && !a) ||
        (b_in.is_element() && !b_in.element()->is_primitive() && !b)) {
      *incompatible = true;
    }
    return std::nullopt;
  }
  if (IsNumber(*a) && IsNumber(*b)) {
    if (a->type() == ValueType::kInteger && b->type() == ValueType::kInteger) {
      return a->integer() < b->integer() ? -1 : (a->integer() > b->integer() ? 1 : 0);
    }
    return AsDecimal(*a).Compare(AsDecimal(*b));
  }
  if (IsTemporal(*a) && IsTemporal(*b)) {
    std::optional<DtKind> kind = TemporalKind(*a, *b);
    if (!kind) {
      *incompatible = true;
      return std::nullopt;
    }
    return CompareDateTime(a->datetime(), b->datetime(), *kind);
  }
  if (a->type() != b->type()) {
    *incompatible = true;
    return std::nullopt;
  }
  switch (a->type()) {
    case ValueType::kString: {
      int c = a->string().compare(b->string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case ValueType::kQuantity: {
      Decimal converted;
      return CompareQuantities(*a, *b, incompatible, &converted);
    }
    case ValueType::kBoolean:
      return static_cast<int>(a->boolean()) - static_cast<int>(b->boolean());
    default:
      *incompatible = true;
      return std::nullopt;
  }
}

std::optional<bool> CollectionsEqual(const ValueList& a, const ValueList& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  if (a.size() != b.size()) return false;
  bool unknown = false;
  for (size_t i = 0; i < a.size(); ++i) {
    std::optional<bool> eq = ItemsEqual(a[i], b[i]);
    if (!eq) {
      unknown = true;
    } else if (!*eq) {
      return false;
    }
  }
  if (unknown) return std::nullopt;
  return true;
}

bool CollectionsEquivalent(const ValueList& a, const ValueList& b) {
  if (a.size() != b.size()) return false;
  // Order does not matter: every item needs a distinct partner.
  SmallVector<bool, 16> used;
  used.resize(b.size());
  for (const Value& x : a) {
    bool found = false;
    for (size_t j = 0; j < b.size(); ++j) {
      if (!used[j] && ItemsEquivalent(x, b[j])) {
        used[j] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool Contains(const ValueList& list, const Value& v) {
  for (const Value& x : list) {
    if (x.is_element() && v.is_element() && x.element() == v.element()) return true;
    std::optional<bool> eq = ItemsEqual(x, v);
    if (eq && *eq) return true;
  }
  return false;
}

void AppendDistinct(const ValueList& items, ValueList& out) {
  for (const Value& v : items) {
    if (!Contains(out, v)) out.push_back(v);
  }
}

namespace {

std::string_view CombineUnits(std::string_view a, std::string_view b, char op, EvalState& st) {
  auto plain = [](std::string_view u) {
    UnitRef r = NormalizeUnit(u);
    return r.ucum.empty() ? u : r.ucum;
  };
  std::string_view x = plain(a), y = plain(b);
  if (op == '*') {
    if (x == "1" || x.empty()) return y;
    if (y == "1" || y.empty()) return x;
  } else if (y == "1" || y.empty()) {
    return x;
  }
  std::string out;
  auto wrap = [&](std::string_view u) {
    bool complex = u.find('/') != std::string_view::npos || u.find('.') != std::string_view::npos;
    if (complex) out += '(';
    out += u;
    if (complex) out += ')';
  };
  if (x.empty() || x == "1") {
    out += "1";
  } else {
    wrap(x);
  }
  out += op == '*' ? '.' : '/';
  wrap(y);
  return st.Store(out);
}

bool TemporalArithmetic(Op op, const Value& a, const Value& b, std::optional<Value>* out,
                        std::string* error) {
  if (b.type() != ValueType::kQuantity || (op != Op::kAdd && op != Op::kSub)) {
    *error = std::string("cannot apply '") + OpName(op) + "' to " + std::string(TypeNameOf(a)) +
             " and " + std::string(TypeNameOf(b));
    return false;
  }
  std::string_view unit = CalendarUnit(b.unit());
  if (unit.empty()) unit = UcumToCalendar(b.unit());
  if (unit.empty()) {
    *error = "'" + std::string(b.unit()) + "' is not a calendar duration for date arithmetic";
    return false;
  }
  double amount = b.decimal().ToDouble();
  if (op == Op::kSub) amount = -amount;
  std::optional<DateTime> r = AddDuration(a.datetime(), a.dt_kind(), amount, unit);
  if (!r) {
    *error = "date arithmetic out of range";
    return false;
  }
  *out = Value::Temporal(a.dt_kind(), *r);
  return true;
}

}  // namespace

bool Arithmetic(Op op, const Value& a, const Value& b, EvalState& st, std::optional<Value>* out,
                std::string* error) {
  *out = std::nullopt;
  if (a.type() == ValueType::kInteger && b.type() == ValueType::kInteger && op != Op::kDiv) {
    int64_t x = a.integer(), y = b.integer(), r = 0;
    switch (op) {
      case Op::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return true;
        break;
      case Op::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return true;
        break;
      case Op::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return true;
        break;
      case Op::kIntDiv:
        if (y == 0 || (x == INT64_MIN && y == -1)) return true;
        r = x / y;
        break;
      case Op::kMod:
        if (y == 0 || (x == INT64_MIN && y == -1)) return true;
        r = x % y;
        break;
      default:
        break;
    }
    *out = Value::Integer(r);
    return true;
  }
  if (IsNumber(a) && IsNumber(b)) {
    Decimal x = AsDecimal(a), y = AsDecimal(b);
    std::optional<Decimal> r;
    switch (op) {
      case Op::kAdd:
        r = x.Add(y);
        break;
      case Op::kSub:
        r = x.Sub(y);
        break;
      case Op::kMul:
        r = x.Mul(y);
        break;
      case Op::kDiv:
        r = x.Div(y);
        break;
      case Op::kIntDiv: {
        r = x.IntDiv(y);
        if (r) {
          if (auto i = r->ToInt64()) *out = Value::Integer(*i);
        }
        return true;
      }
      case Op::kMod:
        r = x.Mod(y);
        break;
      default:
        break;
    }
    if (r) *out = Value::Dec(*r);
    return true;
  }
  if (a.type() == ValueType::kString && b.type() == ValueType::kString && op == Op::kAdd) {
    if (a.string().size() + b.string().size() > kMaxComputedTextBytes) {
      *error = kTextTooLong;
      return false;
    }
    std::string s(a.string());
    s += b.string();
    *out = Value::String(st.Store(s));
    return true;
  }
  if (IsTemporal(a)) return TemporalArithmetic(op, a, b, out, error);
  if (a.type() == ValueType::kQuantity || b.type() == ValueType::kQuantity) {
    if (a.type() == ValueType::kQuantity && b.type() == ValueType::kQuantity) {
      if (op == Op::kAdd || op == Op::kSub) {
        UnitRef ua = NormalizeUnit(a.unit()), ub = NormalizeUnit(b.unit());
        std::optional<Decimal> bv;
        if (a.unit() == b.unit()) {
          bv = b.decimal();
        } else if (ua.calendar.empty() && ub.calendar.empty()) {
          bv = ConvertQuantity(b.decimal(), ub.ucum, ua.ucum);
        }
        if (!bv) return true;
        auto r = op == Op::kAdd ? a.decimal().Add(*bv) : a.decimal().Sub(*bv);
        if (r) *out = Value::Quantity(*r, a.unit());
        return true;
      }
      if (op == Op::kMul || op == Op::kDiv) {
        auto r = op == Op::kMul ? a.decimal().Mul(b.decimal()) : a.decimal().Div(b.decimal());
        if (r)
          *out =
              Value::Quantity(*r, CombineUnits(a.unit(), b.unit(), op == Op::kMul ? '*' : '/', st));
        return true;
      }
    } else if (op == Op::kMul || op == Op::kDiv) {
      const Value& q = a.type() == ValueType::kQuantity ? a : b;
      const Value& n = a.type() == ValueType::kQuantity ? b : a;
      if (IsNumber(n)) {
        if (op == Op::kDiv && a.type() != ValueType::kQuantity) {
          auto r = AsDecimal(n).Div(q.decimal());
          if (r) *out = Value::Quantity(*r, CombineUnits("1", q.unit(), '/', st));
          return true;
        }
        auto r = op == Op::kMul ? q.decimal().Mul(AsDecimal(n)) : q.decimal().Div(AsDecimal(n));
        if (r) *out = Value::Quantity(*r, q.unit());
        return true;
      }
    }
  }
  *error = std::string("cannot apply '") + OpName(op) + "' to " + std::string(TypeNameOf(a)) +
           " and " + std::string(TypeNameOf(b));
  return false;
}

SystemType SystemTypeOf(const Value& v) {
  switch (v.type()) {
    case ValueType::kBoolean:
      return SystemType::kBoolean;
    case ValueType::kInteger:
      return SystemType::kInteger;
    case ValueType::kDecimal:
      return SystemType::kDecimal;
    case ValueType::kString:
      return SystemType::kString;
    case ValueType::kDate:
      return SystemType::kDate;
    case ValueType::kDateTime:
      return SystemType::kDateTime;
    case ValueType::kTime:
      return SystemType::kTime;
    case ValueType::kQuantity:
      return SystemType::kQuantity;
    default:
      return SystemType::kNone;
  }
}

bool IsOfType(const Value& v, const TypeSpec& spec, bool exact) {
  if (v.is_element()) {
    const model::TypeDef* t = v.element()->type();
    if (spec.fhir != nullptr) {
      if (exact && spec.fhir->is_primitive()) return t == spec.fhir;
      return t->IsA(spec.fhir);
    }
    if (spec.fhir_by_name) return t->IsA(spec.name);
    return false;
  }
  if (spec.system == SystemType::kAny) return true;
  return spec.system != SystemType::kNone && spec.system == SystemTypeOf(v);
}

Value TypeInfoOf(const Value& v) {
  if (v.is_element()) return Value::TypeInfo("FHIR", v.element()->type()->name);
  static constexpr std::string_view kNames[] = {"",     "Boolean",  "Integer", "Decimal", "String",
                                                "Date", "DateTime", "Time",    "Quantity"};
  SystemType t = SystemTypeOf(v);
  size_t i = static_cast<size_t>(t);
  return Value::TypeInfo("System", i < std::size(kNames) ? kNames[i] : "Any");
}

}  // namespace silta::fhirpath::internal
