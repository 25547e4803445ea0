// Tree navigation: children and descendants.
#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

namespace {

bool Children(Call& c) {
  for (const Value& v : c.focus) {
    if (!v.is_element()) continue;
    for (const model::Element* child : v.element()->children()) c.Push(Value::Node(child));
  }
  return true;
}

void AddDescendants(const model::Element* e, ValueList& out) {
  for (const model::Element* child : e->children()) {
    out.push_back(Value::Node(child));
    AddDescendants(child, out);
  }
}

bool Descendants(Call& c) {
  for (const Value& v : c.focus) {
    if (v.is_element()) AddDescendants(v.element(), c.out);
  }
  return true;
}

}  // namespace

void RegisterNavigationFunctions(FunctionRegistry& r) {
  r.Add({"children", 0, 0, Children, kMakesUnordered});
  r.Add({"descendants", 0, 0, Descendants, kMakesUnordered});
}

}  // namespace silta::fhirpath::internal
