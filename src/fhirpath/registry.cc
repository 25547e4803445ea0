// The one function table, filled by the families at first use.
#include <algorithm>

#include "fhirpath/functions.h"

namespace silta::fhirpath::internal {

void FunctionRegistry::Sort() {
  std::sort(defs_.begin(), defs_.end(),
            [](const FunctionDef& a, const FunctionDef& b) { return a.name < b.name; });
}

const FunctionDef* FunctionRegistry::Find(std::string_view name) const {
  auto it = std::lower_bound(defs_.begin(), defs_.end(), name,
                             [](const FunctionDef& d, std::string_view n) { return d.name < n; });
  if (it == defs_.end() || it->name != name) return nullptr;
  return &*it;
}

const FunctionDef* FindFunction(std::string_view name) {
  static const FunctionRegistry registry = [] {
    FunctionRegistry r;
    RegisterExistenceFunctions(r);
    RegisterFilteringFunctions(r);
    RegisterSubsettingFunctions(r);
    RegisterCombiningFunctions(r);
    RegisterConversionFunctions(r);
    RegisterStringFunctions(r);
    RegisterMathFunctions(r);
    RegisterNavigationFunctions(r);
    RegisterUtilityFunctions(r);
    RegisterAggregateFunctions(r);
    RegisterTypeFunctions(r);
    RegisterFhirFunctions(r);
    RegisterBoundaryFunctions(r);
    r.Sort();
    return r;
  }();
  return registry.Find(name);
}

}  // namespace silta::fhirpath::internal
