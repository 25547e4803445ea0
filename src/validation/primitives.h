// Internal: lexical and range checks of FHIR R4 primitive values (the regexes and ranges of the
// specification, written out by hand: they run on every primitive of every resource).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/type_model.h"

namespace silta::validation::internal {

struct PrimitiveProblem {
  const char* message_id = nullptr;  // null: the value is fine
  std::string message;
  bool ok() const { return message_id == nullptr; }
};

// Checks `value` as a `type` (the formats parser has already checked JSON types, booleans,
// integer and decimal syntax, Unicode and control characters). Not xhtml: narrative.h.
PrimitiveProblem CheckPrimitive(model::Primitive type, std::string_view value);

// 1 MB: the largest string FHIR allows.
inline constexpr size_t kMaxStringBytes = 1024 * 1024;

}  // namespace silta::validation::internal
