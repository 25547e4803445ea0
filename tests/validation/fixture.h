// Shared set-up of the validation tests: the R4 core package as a conformance context, plus
// helpers to parse and validate a resource.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "packages/packages.h"
#include "validation/validation.h"

namespace silta::validation::testing {

// The R4 core package, loaded once.
std::shared_ptr<const packages::Package> R4Package();

// A context of R4 core plus `extra` JSON resources (profiles, value sets...).
std::shared_ptr<const packages::ConformanceContext> R4Context(std::vector<std::string> extra = {});

// A validator over R4 core, created once and shared.
std::shared_ptr<const Validator> R4Validator();

struct Outcome {
  std::vector<Issue> issues;
  bool parsed = false;
  std::vector<const Issue*> Errors() const;
  bool HasError(std::string_view message_id) const;
  bool HasIssue(std::string_view message_id) const;
  std::string Describe() const;  // for failure messages
};

// Parses (JSON or XML, sniffed) and validates; parse issues are included.
Outcome ValidateText(const Validator& validator, std::string_view text,
                     const std::vector<std::string>& profiles = {});

}  // namespace silta::validation::testing
