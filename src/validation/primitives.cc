#include "validation/primitives.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace silta::validation::internal {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Reads exactly n digits at s[pos]; false if not there.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

// YYYY, YYYY-MM or YYYY-MM-DD; returns the number of characters used or 0. `parts` how many.
size_t ParseDate(std::string_view s, int* parts) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (!Digits(s, 0, 4, &year)) return 0;
  *parts = 1;
  if (s.size() == 4 || s[4] != '-') return 4;
  if (!Digits(s, 5, 2, &month) || month < 1 || month > 12) return 0;
  *parts = 2;
  if (s.size() == 7 || s[7] != '-') return 7;
  if (!Digits(s, 8, 2, &day) || day < 1 || day > DaysInMonth(year, month)) return 0;
  *parts = 3;
  return 10;
}

// hh:mm:ss(.fff)? ; returns characters used or 0.
size_t ParseTime(std::string_view s, size_t pos) {
  int h = 0;
  int m = 0;
  int sec = 0;
  if (!Digits(s, pos, 2, &h) || h > 23 || pos + 2 >= s.size() || s[pos + 2] != ':') return 0;
  if (!Digits(s, pos + 3, 2, &m) || m > 59 || pos + 5 >= s.size() || s[pos + 5] != ':') return 0;
  // 60 allows a leap second, as the R4 regex does.
  if (!Digits(s, pos + 6, 2, &sec) || sec > 60) return 0;
  size_t end = pos + 8;
  if (end < s.size() && s[end] == '.') {
    size_t start = ++end;
    while (end < s.size() && IsDigit(s[end])) ++end;
    if (end == start) return 0;
  }
  return end - pos;
}

// Z or +hh:mm / -hh:mm, exactly to the end.
bool ParseZone(std::string_view s, size_t pos) {
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int h = 0;
  int m = 0;
  return s.size() == pos + 6 && Digits(s, pos + 1, 2, &h) && s[pos + 3] == ':' &&
         Digits(s, pos + 4, 2, &m) && (h < 14 || (h == 14 && m == 0)) && m < 60;
}

bool IsDateTime(std::string_view s, bool instant) {
  int parts = 0;
  size_t n = ParseDate(s, &parts);
  if (n == 0) return false;
  if (n == s.size()) return !instant;
  if (parts != 3 || s[n] != 'T') return false;
  size_t t = ParseTime(s, n + 1);
  if (t == 0) return false;
  return ParseZone(s, n + 1 + t);
}

bool IsInt32(std::string_view s, int64_t min) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
    if (v > int64_t{2147483648}) return false;
  }
  if (negative) v = -v;
  return v >= min && v <= int64_t{2147483647};
}

bool IsId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
  });
}

bool IsOid(std::string_view s) {
  if (s.rfind("urn:oid:", 0) != 0) return false;
  s.remove_prefix(8);
  if (s.size() < 3 || s[0] < '0' || s[0] > '2' || s[1] != '.') return false;
  size_t i = 2;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start || (s[start] == '0' && i - start > 1)) return false;
    if (i < s.size()) {
      if (s[i] != '.') return false;
      ++i;
      if (i == s.size()) return false;
    }
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (s.rfind("urn:uuid:", 0) != 0) return false;
  s.remove_prefix(9);
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

// What each byte is in base64 content: attachments run to megabytes, so one table look-up a
// byte rather than a chain of range tests.
enum Base64Class : uint8_t { kBase64Other, kBase64Space, kBase64Digit, kBase64Padding };

constexpr std::array<uint8_t, 256> Base64Classes() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || c == '+' || c == '/') table[c] = kBase64Digit;
  }
  table[' '] = table['\t'] = table['\n'] = table['\r'] = kBase64Space;
  table['='] = kBase64Padding;
  return table;
}

bool IsBase64(std::string_view s) {
  static constexpr std::array<uint8_t, 256> kClasses = Base64Classes();
  size_t count = 0;
  size_t padding = 0;
  for (char c : s) {
    switch (kClasses[static_cast<unsigned char>(c)]) {
      case kBase64Space:
        continue;
      case kBase64Padding:
        ++padding;
        break;
      case kBase64Digit:
        if (padding != 0) return false;  // data after padding
        break;
      default:
        return false;
    }
    ++count;
  }
  return count % 4 == 0 && padding <= 2;
}

bool IsCode(std::string_view s) {
  if (s.empty() || IsSpace(s.front()) || IsSpace(s.back())) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (IsSpace(s[i]) && (s[i] != ' ' || IsSpace(s[i - 1]))) return false;
  }
  return true;
}

PrimitiveProblem Problem(const char* id, std::string message) {
  return PrimitiveProblem{id, std::move(message)};
}

std::string Shown(std::string_view value) {
  // Values can be personal data; only codes, dates and numbers are echoed, shortened.
  return "'" + std::string(value.substr(0, 40)) + (value.size() > 40 ? "...'" : "'");
}

// Read from the R4 4.0.1 definitions: every element whose definition begins "An absolute URI"
// or "An absolute URL" (the canonical resources' url: "An absolute URI that is used to identify
// this ... when it is referenced in a specification, model, design or an instance"), sorted.
// Elements that reuse one of these by contentReference (ValueSet.compose.exclude.system,
// ValueSet.expansion.contains.contains.system) carry its definition and path, so they are
// covered without rows of their own; a test compares the table with the R4 definitions.
constexpr std::array<std::string_view, 36> kAbsoluteUriElements = {
    "ActivityDefinition.url",
    "CapabilityStatement.rest.compartment",
    "CapabilityStatement.rest.resource.searchParam.definition",
    "CapabilityStatement.url",
    "ChargeItemDefinition.url",
    "CodeSystem.url",
    "CompartmentDefinition.url",
    "ConceptMap.group.element.target.dependsOn.system",
    "ConceptMap.group.source",
    "ConceptMap.group.target",
    "ConceptMap.url",
    "EffectEvidenceSynthesis.url",
    "EventDefinition.url",
    "Evidence.url",
    "EvidenceVariable.url",
    "ExampleScenario.url",
    "GraphDefinition.url",
    "ImplementationGuide.url",
    "Library.url",
    "Measure.url",
    "OperationDefinition.url",
    "PlanDefinition.url",
    "Questionnaire.url",
    "ResearchDefinition.url",
    "ResearchElementDefinition.url",
    "RiskEvidenceSynthesis.url",
    "SearchParameter.url",
    "StructureDefinition.baseDefinition",
    "StructureDefinition.mapping.uri",
    "StructureDefinition.url",
    "StructureMap.url",
    "TerminologyCapabilities.url",
    "TestScript.url",
    "ValueSet.compose.include.system",
    "ValueSet.expansion.contains.system",
    "ValueSet.url",
};
static_assert(std::is_sorted(kAbsoluteUriElements.begin(), kAbsoluteUriElements.end()));

}  // namespace

size_t AbsoluteUriElementCount() { return kAbsoluteUriElements.size(); }

bool DefinedAsAbsoluteUri(std::string_view definition_path) {
  return std::binary_search(kAbsoluteUriElements.begin(), kAbsoluteUriElements.end(),
                            definition_path);
}

PrimitiveProblem CheckAbsoluteUri(std::string_view definition_path, std::string_view value) {
  if (!DefinedAsAbsoluteUri(definition_path) || IsAbsoluteUri(value)) return {};
  return Problem(
      "URI_NOT_ABSOLUTE",
      std::string(definition_path) + " must be an absolute URI (scheme:...), not " + Shown(value));
}

bool IsAbsoluteUri(std::string_view value) {
  size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(value[0])) return false;
  return std::all_of(
      value.begin() + 1, value.begin() + static_cast<std::ptrdiff_t>(colon),
      [&](char c) { return alpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.'; });
}

PrimitiveProblem CheckPrimitive(model::Primitive type, std::string_view value) {
  using model::Primitive;
  switch (type) {
    case Primitive::kInteger:
      if (!IsInt32(value, INT32_MIN)) {
        return Problem("TYPE_INTEGER_RANGE", "integer value " + Shown(value) +
                                                 " is outside the 32-bit range FHIR allows");
      }
      break;
    case Primitive::kUnsignedInt:
      if (!IsInt32(value, 0)) {
        return Problem("TYPE_UNSIGNEDINT_RANGE",
                       "unsignedInt value " + Shown(value) + " must be between 0 and 2147483647");
      }
      break;
    case Primitive::kPositiveInt:
      if (!IsInt32(value, 1)) {
        return Problem("TYPE_POSITIVEINT_RANGE",
                       "positiveInt value " + Shown(value) + " must be between 1 and 2147483647");
      }
      break;
    case Primitive::kDate: {
      int parts = 0;
      if (ParseDate(value, &parts) != value.size() || value.empty()) {
        return Problem("TYPE_DATE", "not a valid date: " + Shown(value) +
                                        " (YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date)");
      }
      break;
    }
    case Primitive::kDateTime:
      if (!IsDateTime(value, false)) {
        return Problem("TYPE_DATETIME", "not a valid dateTime: " + Shown(value) +
                                            " (a real calendar date; a time needs seconds "
                                            "and a time zone)");
      }
      break;
    case Primitive::kInstant:
      if (!IsDateTime(value, true)) {
        return Problem("TYPE_INSTANT", "not a valid instant: " + Shown(value) +
                                           " (full date and time with seconds and time zone)");
      }
      break;
    case Primitive::kTime:
      if (ParseTime(value, 0) != value.size() || value.empty()) {
        return Problem("TYPE_TIME", "not a valid time: " + Shown(value) + " (hh:mm:ss)");
      }
      break;
    case Primitive::kId:
      if (!IsId(value)) {
        return Problem("TYPE_ID", "not a valid id: " + Shown(value) +
                                      " (1 to 64 letters, digits, '-' and '.')");
      }
      break;
    case Primitive::kOid:
      if (!IsOid(value)) return Problem("TYPE_OID", "not a valid oid: " + Shown(value));
      break;
    case Primitive::kUuid:
      if (!IsUuid(value)) {
        return Problem("TYPE_UUID", "not a valid uuid: " + Shown(value) +
                                        " (urn:uuid: and lower-case hex digits)");
      }
      break;
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical:
      if (std::any_of(value.begin(), value.end(), [](char c) { return IsSpace(c); })) {
        return Problem("TYPE_URI_WHITESPACE", "a URI must not contain whitespace: " + Shown(value));
      }
      // A fragment ("urn:uuid:...#part") names a part of the identified thing.
      if (size_t hash = value.find('#'); hash != std::string_view::npos) {
        value = value.substr(0, hash);
      }
      if (value.rfind("urn:oid:", 0) == 0 && !IsOid(value)) {
        return Problem("TYPE_URI_OID", "not a valid OID URI: " + Shown(value));
      }
      if (value.rfind("urn:uuid:", 0) == 0 && !IsUuid(value)) {
        return Problem("TYPE_URI_UUID", "not a valid UUID URI: " + Shown(value));
      }
      break;
    case Primitive::kCode:
      if (!IsCode(value)) {
        return Problem("TYPE_CODE", "not a valid code: " + Shown(value) +
                                        " (no leading, trailing or repeated whitespace)");
      }
      break;
    case Primitive::kBase64Binary:
      if (!IsBase64(value)) {
        return Problem("TYPE_BASE64", "the value is not valid base64 content");
      }
      break;
    case Primitive::kString:
    case Primitive::kMarkdown:
      if (value.size() > kMaxStringBytes) {
        return Problem("TYPE_STRING_TOO_LONG", "the string is longer than FHIR's limit of 1 MB (" +
                                                   std::to_string(value.size()) + " bytes)");
      }
      if (!value.empty() &&
          std::all_of(value.begin(), value.end(), [](char c) { return IsSpace(c); })) {
        return Problem("TYPE_STRING_WHITESPACE", "the string consists only of whitespace");
      }
      break;
    case Primitive::kXhtml:  // judged on its parsed tree (narrative.h)
    default:
      break;
  }
  return {};
}

}  // namespace silta::validation::internal
