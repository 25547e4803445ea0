// Existence: empty, exists, all, allTrue/anyTrue/allFalse/anyFalse, subsetOf, supersetOf,
// count, distinct, isDistinct.
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Empty(Call& c) {
  c.Push(Value::Boolean(c.focus.empty()));
  return true;
}

// Evaluates the criteria of exists()/all() for one item.
bool Criterion(Call& c, const Value& item, int64_t index, std::optional<bool>* result) {
  ValueList r;
  if (!c.Lambda(0, item, index, r)) return false;
  return BooleanOf(*c.node.args[0], c.st, r, result);
}

bool Exists(Call& c) {
  if (c.argc() == 0) {
    c.Push(Value::Boolean(!c.focus.empty()));
    return true;
  }
  for (size_t i = 0; i < c.focus.size(); ++i) {
    std::optional<bool> b;
    if (!Criterion(c, c.focus[i], static_cast<int64_t>(i), &b)) return false;
    if (b == true) {
      c.Push(Value::Boolean(true));
      return true;
    }
  }
  c.Push(Value::Boolean(false));
  return true;
}

bool All(Call& c) {
  for (size_t i = 0; i < c.focus.size(); ++i) {
    std::optional<bool> b;
    if (!Criterion(c, c.focus[i], static_cast<int64_t>(i), &b)) return false;
    if (b != true) {
      c.Push(Value::Boolean(false));
      return true;
    }
  }
  c.Push(Value::Boolean(true));
  return true;
}

// allTrue and friends: every item must be a Boolean.
template <bool kAll, bool kWanted>
bool BooleanAggregate(Call& c) {
  for (const Value& item : c.focus) {
    std::optional<Value> v = ToSystemValue(item);
    if (!v || v->type() != ValueType::kBoolean) {
      return c.Fail(std::string(c.node.name) + "() needs Boolean items, found " +
                    std::string(TypeNameOf(item)));
    }
    bool match = v->boolean() == kWanted;
    if (kAll && !match) {
      c.Push(Value::Boolean(false));
      return true;
    }
    if (!kAll && match) {
      c.Push(Value::Boolean(true));
      return true;
    }
  }
  c.Push(Value::Boolean(kAll));
  return true;
}

bool SubsetOf(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  for (const Value& v : c.focus) {
    if (!Contains(other, v)) {
      c.Push(Value::Boolean(false));
      return true;
    }
  }
  c.Push(Value::Boolean(true));
  return true;
}

bool SupersetOf(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  for (const Value& v : other) {
    if (!Contains(c.focus, v)) {
      c.Push(Value::Boolean(false));
      return true;
    }
  }
  c.Push(Value::Boolean(true));
  return true;
}

bool Count(Call& c) {
  c.Push(Value::Integer(static_cast<int64_t>(c.focus.size())));
  return true;
}

bool Distinct(Call& c) {
  AppendDistinct(c.focus, c.out);
  return true;
}

bool IsDistinct(Call& c) {
  ValueList distinct;
  AppendDistinct(c.focus, distinct);
  c.Push(Value::Boolean(distinct.size() == c.focus.size()));
  return true;
}

}  // namespace

void RegisterExistenceFunctions(FunctionRegistry& r) {
  r.Add({"empty", 0, 0, Empty});
  r.Add({"exists", 0, 1, Exists, kLambda});
  r.Add({"all", 1, 1, All, kLambda});
  r.Add({"allTrue", 0, 0, BooleanAggregate<true, true>});
  r.Add({"anyTrue", 0, 0, BooleanAggregate<false, true>});
  r.Add({"allFalse", 0, 0, BooleanAggregate<true, false>});
  r.Add({"anyFalse", 0, 0, BooleanAggregate<false, false>});
  r.Add({"subsetOf", 1, 1, SubsetOf});
  r.Add({"supersetOf", 1, 1, SupersetOf});
  r.Add({"count", 0, 0, Count});
  r.Add({"distinct", 0, 0, Distinct, kKeepsType});
  r.Add({"isDistinct", 0, 0, IsDistinct});
}

}  // namespace silta::fhirpath::internal
