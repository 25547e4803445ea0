// Internal: the rules FHIR R4 sets for narrative XHTML (Narrative.div, txt-1 and txt-2, and the
// narrative page: no active content), judged on the tree the parser kept (model/xhtml.h).
#pragma once

#include <string>
#include <vector>

#include "base/issues.h"
#include "model/xhtml.h"

namespace silta::validation::internal {

struct NarrativeFinding {
  Severity severity = Severity::kError;
  IssueType type = IssueType::kInvalid;
  const char* message_id = nullptr;
  std::string message;
};

// Every rule the div breaks, each once per place (the place named in the message as a path
// inside the narrative, such as "div/p/script").
std::vector<NarrativeFinding> CheckNarrative(const model::XhtmlNode& div);

// The languages of the narrative's language sections: the child divs of the root div that
// carry lang or xml:lang.
std::vector<std::string> NarrativeLanguageSections(const model::XhtmlNode& div);

// What an <a href> or <img src> may hold; null when the value is fine, otherwise why not.
// Exposed for tests.
const char* UrlProblem(std::string_view url, std::string* detail);

}  // namespace silta::validation::internal
