// Aggregates: aggregate(aggregator [, init]) with $this and $total, and the FHIRPath 2.1
// shorthands sum, min, max, avg.
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Aggregate(Call& c) {
  ValueList total;
  if (c.argc() > 1 && !c.Arg(1, total)) return false;
  const ValueList* saved_total = c.st.total;
  for (size_t i = 0; i < c.focus.size(); ++i) {
    ValueList next;
    c.st.total = &total;
    bool ok = c.Lambda(0, c.focus[i], static_cast<int64_t>(i), next);
    c.st.total = saved_total;
    if (!ok) return false;
    total = std::move(next);
  }
  c.out.Append(total);
  return true;
}

bool Sum(Call& c) {
  if (c.focus.empty()) return true;
  std::optional<Value> acc = ToSystemValue(c.focus[0]);
  for (size_t i = 1; i < c.focus.size() && acc; ++i) {
    std::optional<Value> v = ToSystemValue(c.focus[i]);
    if (!v) return true;
    std::string error;
    std::optional<Value> r;
    if (!Arithmetic(Op::kAdd, *acc, *v, c.st, &r, &error)) return c.Fail(error);
    acc = r;
  }
  if (acc) c.Push(*acc);
  return true;
}

template <bool kMin>
bool Extreme(Call& c) {
  std::optional<Value> best;
  for (const Value& item : c.focus) {
    std::optional<Value> v = ToSystemValue(item);
    if (!v) continue;
    if (!best) {
      best = v;
      continue;
    }
    bool incompatible = false;
    std::optional<int> cmp = CompareItems(*v, *best, &incompatible);
    if (incompatible) return c.Fail(std::string(c.node.name) + "() items cannot be compared");
    if (cmp && (kMin ? *cmp < 0 : *cmp > 0)) best = v;
  }
  if (best) c.Push(*best);
  return true;
}

bool Avg(Call& c) {
  if (c.focus.empty()) return true;
  if (!Sum(c) || c.out.empty()) return false;
  Value total = c.out.back();
  c.out.pop_back();
  std::optional<Value> r;
  std::string error;
  if (!Arithmetic(Op::kDiv, total, Value::Integer(static_cast<int64_t>(c.focus.size())), c.st, &r,
                  &error)) {
    return c.Fail(error);
  }
  if (r) c.Push(*r);
  return true;
}

}  // namespace

void RegisterAggregateFunctions(FunctionRegistry& r) {
  r.Add({"aggregate", 1, 2, Aggregate, kLambda});
  r.Add({"sum", 0, 0, Sum});
  r.Add({"min", 0, 0, Extreme<true>});
  r.Add({"max", 0, 0, Extreme<false>});
  r.Add({"avg", 0, 0, Avg});
}

}  // namespace silta::fhirpath::internal
