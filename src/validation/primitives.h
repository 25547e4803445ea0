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
// integer and decimal syntax, Unicode and control characters).
PrimitiveProblem CheckPrimitive(model::Primitive type, std::string_view value);

// XHTML narrative rules: only the elements and attributes FHIR allows, no scripts, no event
// handler attributes, no active content. `value` is the whole div markup.
PrimitiveProblem CheckNarrative(std::string_view value);

// The languages of the narrative's language sections: the child divs of the root div that
// carry lang or xml:lang. Markup that does not parse has none.
std::vector<std::string> NarrativeLanguageSections(std::string_view div);

// 1 MB: the largest string FHIR allows.
inline constexpr size_t kMaxStringBytes = 1024 * 1024;

}  // namespace silta::validation::internal
