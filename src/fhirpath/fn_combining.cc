// Combining: union (with duplicates removed) and combine (all items kept).
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Union(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  AppendDistinct(c.focus, c.out);
  AppendDistinct(other, c.out);
  return true;
}

bool Combine(Call& c) {
  ValueList other;
  if (!c.Arg(0, other)) return false;
  c.out.Append(c.focus);
  c.out.Append(other);
  return true;
}

}  // namespace

void RegisterCombiningFunctions(FunctionRegistry& r) {
  r.Add({"union", 1, 1, Union});
  r.Add({"combine", 1, 1, Combine});
}

}  // namespace silta::fhirpath::internal
