// Internal: a parsed CodeSystem, indexed for code lookups and hierarchy walks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/string_map.h"
#include "terminology/terminology.h"

namespace silta::terminology::internal {

enum class Content : uint8_t { kComplete, kFragment, kExample, kNotPresent, kSupplement };

struct ConceptDef {
  std::string code;
  std::string display;
  std::string definition;
  std::vector<Designation> designations;
  // Property code -> value rendered as text (codes, Coding.code, strings, "true"/"false"...).
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<uint32_t> parents;  // indexes into CodeSystem::concepts()
  std::vector<uint32_t> children;
  bool abstract = false;
  bool inactive = false;

  const std::string* Property(std::string_view property_code) const;
};

class CodeSystem {
 public:
  // Parses the JSON text of a CodeSystem resource. DataLoss when it is not JSON or not a
  // CodeSystem.
  static StatusOr<std::shared_ptr<const CodeSystem>> Parse(std::string json);

  const std::string& url() const { return url_; }
  const std::string& version() const { return version_; }
  Content content() const { return content_; }
  // Only a complete CodeSystem can say "this code does not exist".
  bool complete() const { return content_ == Content::kComplete; }
  bool case_sensitive() const { return case_sensitive_; }

  const std::vector<ConceptDef>& concepts() const { return concepts_; }
  // Index of `code`, or -1. Case-insensitive systems ignore ASCII case.
  int64_t Find(std::string_view code) const;
  const ConceptDef* FindConcept(std::string_view code) const {
    int64_t i = Find(code);
    return i < 0 ? nullptr : &concepts_[static_cast<size_t>(i)];
  }
  // Transitive descendants of concept `index` (not including it), each once.
  std::vector<uint32_t> Descendants(uint32_t index) const;
  std::vector<uint32_t> Ancestors(uint32_t index) const;
  // Whether `descendant` is reachable from `ancestor` through child links.
  bool IsDescendant(uint32_t ancestor, uint32_t descendant) const;

 private:
  CodeSystem() = default;
  std::string Key(std::string_view code) const;

  std::string url_;
  std::string version_;
  Content content_ = Content::kComplete;
  bool case_sensitive_ = true;
  std::vector<ConceptDef> concepts_;
  StringMap<uint32_t> by_code_;
};

// ASCII lower-casing: code systems that are not case-sensitive use ASCII codes in practice.
std::string AsciiLower(std::string_view s);

}  // namespace silta::terminology::internal
