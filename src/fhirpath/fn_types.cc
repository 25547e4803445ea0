// Types: is(), as(), type(). FHIR types follow the model's inheritance (Age is a Quantity,
// Patient a DomainResource); System types match exactly.
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Is(Call& c) {
  if (c.focus.empty()) return true;
  if (c.focus.size() > 1) {
    return c.Fail("is() on a collection of " + std::to_string(c.focus.size()) + " items");
  }
  c.Push(Value::Boolean(IsOfType(c.focus[0], *c.node.type, false)));
  return true;
}

// Filters like ofType(): R4 invariants (dom-3) apply as() to whole collections.
bool As(Call& c) {
  for (const Value& v : c.focus) {
    if (IsOfType(v, *c.node.type, true)) c.Push(v);
  }
  return true;
}

bool Type(Call& c) {
  for (const Value& v : c.focus) c.Push(TypeInfoOf(v));
  return true;
}

}  // namespace

void RegisterTypeFunctions(FunctionRegistry& r) {
  r.Add({"is", 1, 1, Is, kTypeArgument});
  r.Add({"as", 1, 1, As, kTypeArgument});
  r.Add({"type", 0, 0, Type});
}

}  // namespace silta::fhirpath::internal
