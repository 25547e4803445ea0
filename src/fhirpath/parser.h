// Hand-written recursive-descent parser with the FHIRPath operator precedence.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "fhirpath/ast.h"

namespace silta::fhirpath::internal {

// The syntax tree of `expression`, or InvalidArgument "syntax error at line:column: ...".
StatusOr<std::unique_ptr<Node>> Parse(std::string_view expression);

}  // namespace silta::fhirpath::internal
