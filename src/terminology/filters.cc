#include "terminology/filters.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <utility>

namespace silta::terminology::internal {

std::unique_ptr<FullMatchRegex> FullMatchRegex::Compile(std::string_view pattern,
                                                        std::string* error) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                    &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(error_code, buffer, sizeof(buffer));
    if (error != nullptr) {
      *error = "invalid regex '" + std::string(pattern) + "' at offset " +
               std::to_string(error_offset) + ": " + reinterpret_cast<const char*>(buffer);
    }
    return nullptr;
  }
  std::unique_ptr<FullMatchRegex> regex(new FullMatchRegex());
  regex->code_ = code;
  return regex;
}

FullMatchRegex::~FullMatchRegex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool FullMatchRegex::Matches(std::string_view subject) const {
  auto* code = static_cast<pcre2_code*>(code_);
  // Match data per call: the compiled pattern is shared between threads, match data is not.
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  if (data == nullptr) return false;
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       data, nullptr);
  pcre2_match_data_free(data);
  return rc >= 0;
}

namespace {

std::vector<std::string_view> SplitList(std::string_view value) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

FilterResult Unsupported(std::string reason) {
  FilterResult result;
  result.supported = false;
  result.reason = std::move(reason);
  return result;
}

// Filters on the concept itself ("concept" or "code" as the property).
FilterResult ConceptFilter(const CodeSystem& cs, std::string_view op, std::string_view value) {
  const size_t n = cs.concepts().size();
  FilterResult result;
  result.members.assign(n, false);
  auto mark = [&](std::string_view code, bool self, bool descendants, bool ancestors) {
    int64_t found = cs.Find(code);
    if (found < 0) {  // selects nothing; worth a note since it is usually a typo or a version skew
      result.note = "filter value " + std::string(code) + " is not a code of the system";
      return;
    }
    auto index = static_cast<uint32_t>(found);
    if (self) result.members[index] = true;
    if (descendants) {
      for (uint32_t d : cs.Descendants(index)) result.members[d] = true;
    }
    if (ancestors) {
      for (uint32_t a : cs.Ancestors(index)) result.members[a] = true;
    }
  };
  if (op == "is-a") {
    mark(value, true, true, false);
  } else if (op == "descendent-of") {
    mark(value, false, true, false);
  } else if (op == "generalizes") {
    mark(value, true, false, true);
  } else if (op == "is-not-a") {
    mark(value, true, true, false);
    result.members.flip();
  } else if (op == "=") {
    mark(value, true, false, false);
  } else if (op == "in" || op == "not-in") {
    for (std::string_view code : SplitList(value)) mark(code, true, false, false);
    if (op == "not-in") result.members.flip();
  } else if (op == "exists") {
    result.members.assign(n, value != "false");
  } else if (op == "regex") {
    std::string error;
    auto regex = FullMatchRegex::Compile(value, &error);
    if (!regex) return Unsupported(error);
    for (size_t i = 0; i < n; ++i) result.members[i] = regex->Matches(cs.concepts()[i].code);
  } else {
    return Unsupported("filter op '" + std::string(op) + "' on concept is not supported");
  }
  return result;
}

// Every value a concept has for `property`. "display" and "definition" read the concept, and
// "parent"/"child" also follow the hierarchy given by nesting.
std::vector<std::string_view> PropertyValues(const CodeSystem& cs, const ConceptDef& concept_def,
                                             std::string_view property) {
  std::vector<std::string_view> values;
  if (property == "parent" || property == "child") {
    for (uint32_t i : property == "parent" ? concept_def.parents : concept_def.children) {
      values.push_back(cs.concepts()[i].code);
    }
  }
  if (property == "display") {
    if (!concept_def.display.empty()) values.push_back(concept_def.display);
    return values;
  }
  if (property == "definition") {
    if (!concept_def.definition.empty()) values.push_back(concept_def.definition);
    return values;
  }
  for (const auto& [name, value] : concept_def.properties) {
    if (name == property) values.push_back(value);
  }
  return values;
}

FilterResult PropertyFilter(const CodeSystem& cs, std::string_view property, std::string_view op,
                            std::string_view value) {
  const size_t n = cs.concepts().size();
  FilterResult result;
  result.members.assign(n, false);
  std::unique_ptr<FullMatchRegex> regex;
  std::vector<std::string_view> list;
  if (op == "regex") {
    std::string error;
    regex = FullMatchRegex::Compile(value, &error);
    if (!regex) return Unsupported(error);
  } else if (op == "in" || op == "not-in") {
    list = SplitList(value);
  } else if (op != "=" && op != "exists") {
    return Unsupported("filter op '" + std::string(op) + "' on property '" + std::string(property) +
                       "' is not supported");
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string_view> values = PropertyValues(cs, cs.concepts()[i], property);
    bool match = false;
    if (op == "exists") {
      match = values.empty() == (value == "false");
    } else if (op == "=") {
      match = std::find(values.begin(), values.end(), value) != values.end();
    } else if (op == "regex") {
      match = std::any_of(values.begin(), values.end(),
                          [&](std::string_view v) { return regex->Matches(v); });
    } else {
      bool in_list = std::any_of(values.begin(), values.end(), [&](std::string_view v) {
        return std::find(list.begin(), list.end(), v) != list.end();
      });
      match = op == "in" ? in_list : !in_list;
    }
    result.members[i] = match;
  }
  return result;
}

}  // namespace

FilterResult ApplyFilter(const CodeSystem& cs, std::string_view property, std::string_view op,
                         std::string_view value) {
  if (property == "concept" || property == "code") return ConceptFilter(cs, op, value);
  return PropertyFilter(cs, property, op, value);
}

}  // namespace silta::terminology::internal
