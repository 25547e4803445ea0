// Filtering and projection: where, select, repeat, ofType.
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Where(Call& c) {
  for (size_t i = 0; i < c.focus.size(); ++i) {
    ValueList r;
    if (!c.Lambda(0, c.focus[i], static_cast<int64_t>(i), r)) return false;
    std::optional<bool> keep;
    if (!BooleanOf(*c.node.args[0], c.st, r, &keep)) return false;
    if (keep == true) c.Push(c.focus[i]);
  }
  return true;
}

bool Select(Call& c) {
  for (size_t i = 0; i < c.focus.size(); ++i) {
    ValueList r;
    if (!c.Lambda(0, c.focus[i], static_cast<int64_t>(i), r)) return false;
    c.out.Append(r);
  }
  return true;
}

// Applies the projection to the input, then to each new result, until nothing new appears.
bool Repeat(Call& c) {
  ValueList pending = c.focus;
  size_t guard = 0;
  while (!pending.empty()) {
    ValueList next;
    for (size_t i = 0; i < pending.size(); ++i) {
      ValueList r;
      if (!c.Lambda(0, pending[i], static_cast<int64_t>(i), r)) return false;
      for (const Value& v : r) {
        bool seen = v.is_element() ? false : Contains(c.out, v);
        if (v.is_element()) {
          for (const Value& o : c.out) {
            if (o.is_element() && o.element() == v.element()) {
              seen = true;
              break;
            }
          }
        }
        if (!seen) {
          c.Push(v);
          next.push_back(v);
        }
      }
    }
    pending = std::move(next);
    if (++guard > 100000) return c.Fail("repeat() does not terminate");
  }
  return true;
}

bool OfType(Call& c) {
  for (const Value& v : c.focus) {
    if (IsOfType(v, *c.node.type, true)) c.Push(v);
  }
  return true;
}

}  // namespace

void RegisterFilteringFunctions(FunctionRegistry& r) {
  r.Add({"where", 1, 1, Where, kLambda | kKeepsType});
  r.Add({"select", 1, 1, Select, kLambda});
  r.Add({"repeat", 1, 1, Repeat, kLambda | kMakesUnordered});
  r.Add({"ofType", 1, 1, OfType, kTypeArgument});
}

}  // namespace silta::fhirpath::internal
