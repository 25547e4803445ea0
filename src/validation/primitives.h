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

// True for the R4 elements whose definition reads "An absolute URI ..." (or URL): the `url` of
// the canonical resources, ValueSet.compose.include.system and a few more (`definition_path` as
// in the base definition, "ValueSet.compose.include.system"). Such a value SHALL be an absolute
// URI, a fragment or relative reference ("#cs", "ValueSet/x") will not do.
bool DefinedAsAbsoluteUri(std::string_view definition_path);
// How many elements that is (a test compares the list with the R4 definitions).
size_t AbsoluteUriElementCount();

// RFC 3986 section 4.3: absolute-URI = scheme ":" hier-part [ "?" query ], the scheme a letter
// followed by letters, digits, "+", "-" or ".".
bool IsAbsoluteUri(std::string_view value);

// The problem with `value` in the element `definition_path` if that element is one of the above
// and the value is not absolute.
PrimitiveProblem CheckAbsoluteUri(std::string_view definition_path, std::string_view value);

// 1 MB: the largest string FHIR allows.
inline constexpr size_t kMaxStringBytes = 1024 * 1024;

}  // namespace silta::validation::internal
