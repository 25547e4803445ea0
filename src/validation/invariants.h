// R4 invariants that Silta answers natively where it can: those met on almost every resource or
// datatype, where evaluating FHIRPath would dominate the validation time.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "model/model.h"

namespace silta::validation::internal {

// One native invariant, written once: its key, the type R4 defines it on, its exact R4
// expression and the native answer. An invariant is recognised by its expression text, so a
// profile that rewrites the expression gets FHIRPath, and a drifted text here is caught by the
// test that compares every entry with the loaded R4 definitions.
struct NativeInvariant {
  std::string_view key;         // "dom-2"
  std::string_view context;     // the type it is defined on: "DomainResource", "Bundle.entry"...
  std::string_view expression;  // R4's text, character for character
  // true: it holds; false: it fails; nullopt: the compiled expression must decide (ref-1 and
  // per-1 are answered only in their common cases, the bdl ones leave FHIRPath's empty answers
  // to FHIRPath).
  std::optional<bool> (*answer)(const model::Element& e);
};

std::span<const NativeInvariant> NativeInvariants();

// The native invariant whose R4 expression is exactly `expression`, or null.
const NativeInvariant* FindNativeInvariant(std::string_view expression);

}  // namespace silta::validation::internal
