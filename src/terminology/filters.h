// Internal: ValueSet.compose.include.filter evaluated over a CodeSystem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "terminology/code_system.h"

namespace silta::terminology::internal {

struct FilterResult {
  // False: the filter cannot be evaluated (op not supported, bad regex); `reason` says why and
  // `members` is meaningless.
  bool supported = true;
  std::string reason;
  std::vector<bool> members;  // indexed like CodeSystem::concepts()
  std::string note;           // a data oddity worth reporting (the filter names an unknown code)
};

FilterResult ApplyFilter(const CodeSystem& cs, std::string_view property, std::string_view op,
                         std::string_view value);

// A compiled PCRE2 pattern that must match the whole subject (FHIR regex filters and the
// HL7 validator's reading of them).
class FullMatchRegex {
 public:
  // nullptr and `error` set when the pattern does not compile.
  static std::unique_ptr<FullMatchRegex> Compile(std::string_view pattern, std::string* error);
  ~FullMatchRegex();
  FullMatchRegex(const FullMatchRegex&) = delete;
  FullMatchRegex& operator=(const FullMatchRegex&) = delete;

  bool Matches(std::string_view subject) const;

 private:
  FullMatchRegex() = default;
  void* code_ = nullptr;  // pcre2_code*, kept opaque so PCRE2's header stays in the .cc
};

}  // namespace silta::terminology::internal
