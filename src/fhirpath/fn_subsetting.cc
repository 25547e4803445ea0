// Subsetting and ordering: single, first, last, tail, skip, take, intersect, exclude, sort.
#include <algorithm>

#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Single(Call& c) {
  if (c.focus.size() > 1) {
    return c.Fail("single() on a collection of " + std::to_string(c.focus.size()) + " items");
  }
  c.out.Append(c.focus);
  return true;
}

bool First(Call& c) {
  if (!c.focus.empty()) c.Push(c.focus.front());
  return true;
}

bool Last(Call& c) {
  if (!c.focus.empty()) c.Push(c.focus.back());
  return true;
}

bool Tail(Call& c) {
  if (c.focus.size() > 1) c.out.Append(c.focus.begin() + 1, c.focus.end());
  return true;
}

bool Skip(Call& c) {
  std::optional<int64_t> n;
  if (!c.IntegerArg(0, &n)) return false;
  if (!n) return true;
  size_t skip = *n <= 0 ? 0 : static_cast<size_t>(*n);
  if (skip < c.focus.size()) c.out.Append(c.focus.begin() + skip, c.focus.end());
  return true;
}

bool Take(Call& c) {
  std::optional<int64_t> n;
  if (!c.IntegerArg(0, &n)) return false;
  if (!n || *n <= 0) return true;
  size_t take = std::min(static_cast<size_t>(*n), c.focus.size());
  c.out.Append(c.focus.begin(), c.focus.begin() + take);
  return true;
}

bool Intersect(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  for (const Value& v : c.focus) {
    if (Contains(other, v) && !Contains(c.out, v)) c.Push(v);
  }
  return true;
}

bool Exclude(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  for (const Value& v : c.focus) {
    if (!Contains(other, v)) c.Push(v);
  }
  return true;
}

// sort(key, ...): ascending by each key in turn; a key written "-expr" sorts descending.
bool Sort(Call& c) {
  size_t n = c.focus.size();
  size_t keys = c.argc();
  std::vector<std::optional<Value>> key_values(n * keys);
  std::vector<bool> descending(keys);
  for (size_t k = 0; k < keys; ++k) {
    const Node& arg = *c.node.args[k];
    descending[k] = arg.op == Op::kNegate;
    const Node& key = descending[k] ? *arg.args[0] : arg;
    for (size_t i = 0; i < n; ++i) {
      ValueList self;
      self.push_back(c.focus[i]);
      const ValueList* saved = c.st.this_list;
      c.st.this_list = &self;
      ValueList r;
      bool ok = Eval(key, c.st, r);
      c.st.this_list = saved;
      if (!ok) return false;
      if (!Singleton(key, c.st, r, &key_values[i * keys + k], "sort key")) return false;
    }
  }
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  bool incompatible = false;
  auto compare = [&](const std::optional<Value>& a, const std::optional<Value>& b) {
    if (!a || !b) return a ? -1 : (b ? 1 : 0);  // empty keys sort last
    bool bad = false;
    std::optional<int> r = CompareItems(*a, *b, &bad);
    if (bad) incompatible = true;
    return r.value_or(0);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    if (keys == 0) return compare(ToSystemValue(c.focus[x]), ToSystemValue(c.focus[y])) < 0;
    for (size_t k = 0; k < keys; ++k) {
      int r = compare(key_values[x * keys + k], key_values[y * keys + k]);
      if (r != 0) return descending[k] ? r > 0 : r < 0;
    }
    return false;
  });
  if (incompatible) return c.Fail("sort() keys of different types cannot be ordered");
  for (size_t i : order) c.Push(c.focus[i]);
  return true;
}

}  // namespace

void RegisterSubsettingFunctions(FunctionRegistry& r) {
  r.Add({"single", 0, 0, Single, kKeepsType});
  r.Add({"first", 0, 0, First, kKeepsType | kNeedsOrder});
  r.Add({"last", 0, 0, Last, kKeepsType | kNeedsOrder});
  r.Add({"tail", 0, 0, Tail, kKeepsType | kNeedsOrder});
  r.Add({"skip", 1, 1, Skip, kKeepsType | kNeedsOrder});
  r.Add({"take", 1, 1, Take, kKeepsType | kNeedsOrder});
  r.Add({"intersect", 1, 1, Intersect, kKeepsType});
  r.Add({"exclude", 1, 1, Exclude, kKeepsType});
  r.Add({"sort", 0, 8, Sort, kKeepsType | kLambda});
}

}  // namespace silta::fhirpath::internal
