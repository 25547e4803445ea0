// Primitive values (format, length, limits, dates relative to now) and fixed/pattern values.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "base/numbers.h"
#include "validation/impl.h"
#include "validation/primitives.h"

namespace silta::validation::internal {

namespace {

// Compares a primitive's text with a minValue/maxValue: numbers numerically, dates and times
// as text (ISO 8601 of the same form sorts lexically). nullopt when not comparable.
// A Duration limit on a date ("100 a"): today minus (for minValue) or plus (for maxValue) it.
std::string DateFromNow(const rapidjson::Value& duration, bool before) {
  auto value = duration.FindMember("value");
  auto code = duration.FindMember("code");
  if (value == duration.MemberEnd() || code == duration.MemberEnd()) return {};
  // Whole units only, and few enough that the date stays representable.
  std::optional<long> parsed =
      ParseInteger<long>(json::PrimitiveText(value->value), -100'000, 100'000);
  if (!parsed) return {};
  long n = before ? -*parsed : *parsed;
  std::string_view unit = json::PrimitiveText(code->value);
  using namespace std::chrono;
  year_month_day today{floor<days>(system_clock::now())};
  year_month_day result = today;
  if (unit == "a") {
    result = today + years(n);
  } else if (unit == "mo") {
    result = today + months(n);
  } else if (unit == "wk" || unit == "d") {
    result = year_month_day{sys_days{today} + days(unit == "wk" ? n * 7 : n)};
  } else {
    return {};
  }
  if (!result.ok()) result = result.year() / result.month() / last;
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(result.year()),
                static_cast<unsigned>(result.month()), static_cast<unsigned>(result.day()));
  return text;
}

std::optional<int> CompareLimit(const model::Element& e, const rapidjson::Value& limit,
                                bool is_min) {
  std::string_view value = e.value();
  std::string from_now;
  if (limit.IsObject()) from_now = DateFromNow(limit, is_min);
  std::string_view bound =
      limit.IsObject() ? std::string_view(from_now) : json::PrimitiveText(limit);
  if (bound.empty()) return std::nullopt;
  switch (e.primitive()) {
    case model::Primitive::kInteger:
    case model::Primitive::kUnsignedInt:
    case model::Primitive::kPositiveInt:
    case model::Primitive::kDecimal: {
      std::optional<double> a = ParseDouble(value);
      std::optional<double> b = ParseDouble(bound);
      if (!a || !b) return std::nullopt;
      return *a < *b ? -1 : *a > *b ? 1 : 0;
    }
    case model::Primitive::kDate:
    case model::Primitive::kDateTime:
    case model::Primitive::kInstant:
    case model::Primitive::kTime: {
      size_t n = std::min(value.size(), bound.size());
      int c = value.substr(0, n).compare(bound.substr(0, n));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

void Walker::CheckPrimitiveValue(const model::Element& e, const ElementPlan& plan) {
  if (!e.has_value()) {
    if (plan.must_have_value) {
      Report(Severity::kError, IssueType::kRequired, "VALUE_REQUIRED",
             "the profile requires a value in this element (" + plan.id + ")", e);
    } else if (!plan.value_alternatives.empty()) {
      bool alternative = false;
      for (const model::Element* ext : e.Children("extension")) {
        std::string_view url = ChildValue(*ext, "url");
        for (const std::string& allowed : plan.value_alternatives) alternative |= url == allowed;
      }
      if (!alternative) {
        Report(Severity::kError, IssueType::kRequired, "VALUE_ALTERNATIVE",
               "the element has no value, and none of the extensions the profile allows in "
               "place of one (" +
                   plan.id + ")",
               e);
      }
    }
    return;
  }
  if (plan.min_value != nullptr) {
    auto c = CompareLimit(e, *plan.min_value, true);
    if (c && *c < 0) {
      Report(Severity::kError, IssueType::kValue, "VALUE_BELOW_MIN",
             "the value is less than the minimum the profile allows" +
                 (plan.min_value->IsObject()
                      ? std::string()
                      : " (" + std::string(json::PrimitiveText(*plan.min_value)) + ")"),
             e);
    }
  }
  if (plan.max_value != nullptr) {
    auto c = CompareLimit(e, *plan.max_value, false);
    if (c && *c > 0) {
      Report(Severity::kError, IssueType::kValue, "VALUE_ABOVE_MAX",
             "the value is more than the maximum the profile allows" +
                 (plan.max_value->IsObject()
                      ? std::string()
                      : " (" + std::string(json::PrimitiveText(*plan.max_value)) + ")"),
             e);
    }
  }
  std::string_view value = e.value();
  // The lexical check depends on the value alone. The base pass meets every element before a
  // profile pass does and has made it already; a profile pass would only find it again.
  if (current_profile_.empty()) {
    model::Primitive kind = e.primitive();
    // Resource.id is a FHIRPath String in the definitions but an id on the wire.
    if (e.parent() != nullptr && e.parent()->is_resource() && e.name() == "id") {
      kind = model::Primitive::kId;
    }
    if (kind == model::Primitive::kXhtml) CheckNarrative(e);
    PrimitiveProblem problem = CheckPrimitive(kind, value);
    if (problem.ok() && e.definition() != nullptr) {
      problem = CheckAbsoluteUri(e.definition()->path, value);
    }
    if (!problem.ok()) {
      // Attachment content is judged as a whole (data with size and hash), on the Attachment. A
      // ValueSet include/exclude is drawn from its system ("the code system from which the
      // selected codes come from", R4 ValueSet.compose.include.system), so a system that names no
      // code system makes the whole include wrong: it is located on the include. (An exclude
      // reuses the include's definition, path included, so this covers it too.)
      bool on_parent =
          e.parent() != nullptr && (e.parent()->type() == v_.attachment_type() ||
                                    (std::string_view(problem.message_id) == "URI_NOT_ABSOLUTE" &&
                                     e.definition() != nullptr &&
                                     e.definition()->path == "ValueSet.compose.include.system"));
      const model::Element& at = on_parent ? *e.parent() : e;
      Report(Severity::kError, IssueType::kValue, problem.message_id, std::move(problem.message),
             at);
    }
  }
  if ((plan.max_length != 0 || plan.min_length != 0) && e.primitive() != model::Primitive::kXhtml) {
    // maxLength counts characters, not bytes.
    size_t chars = 0;
    for (char c : value) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    if (plan.min_length != 0 && chars < plan.min_length) {
      Report(Severity::kError, IssueType::kValue, "TYPE_MIN_LENGTH",
             "the value is " + std::to_string(chars) + " characters long; at least " +
                 std::to_string(plan.min_length) + " are required",
             e);
    }
    if (plan.max_length != 0 && chars > plan.max_length) {
      Report(Severity::kError, IssueType::kTooLong, "TYPE_MAX_LENGTH",
             "the value is " + std::to_string(chars) + " characters long; at most " +
                 std::to_string(plan.max_length) + " are allowed",
             e);
    }
  }
}

// An extension may name the version of its definition: "url|version" is the canonical "url"
// (R4 references.html#canonical, "the version ... appended with a |"), so the definition's
// fixed Extension.url is met by it.
bool IsVersionedExtensionUrl(const model::Element& e, const rapidjson::Value& fixed) {
  if (!fixed.IsString() || !e.has_value() || e.name() != "url" || e.parent() == nullptr ||
      e.parent()->type()->name != "Extension") {
    return false;
  }
  std::string_view value = e.value();
  std::string_view url(fixed.GetString(), fixed.GetStringLength());
  return value.size() > url.size() + 1 && value.substr(0, url.size()) == url &&
         value[url.size()] == '|';
}

void Walker::CheckFixedPattern(const model::Element& e, const ElementPlan& plan) {
  if (plan.fixed != nullptr && !MatchesValue(e, *plan.fixed, true) &&
      !IsVersionedExtensionUrl(e, *plan.fixed)) {
    std::string shown(json::PrimitiveText(*plan.fixed));
    Report(Severity::kError, IssueType::kValue, "FIXED_VALUE_MISMATCH",
           shown.empty()
               ? "the value does not match the fixed value of the profile (" + plan.id + ")"
               : "the value must be exactly '" + shown + "' (" + plan.id + ")",
           e);
  }
  if (plan.pattern != nullptr && !MatchesValue(e, *plan.pattern, false)) {
    std::string shown(json::PrimitiveText(*plan.pattern));
    Report(Severity::kError, IssueType::kValue, "PATTERN_MISMATCH",
           shown.empty() ? "the value does not match the pattern of the profile (" + plan.id + ")"
                         : "the value must be '" + shown + "' (" + plan.id + ")",
           e);
  }
}

}  // namespace silta::validation::internal
