// Internal: small read-only helpers over RapidJSON values. Everything goes through
// `const rapidjson::Value&` (clang in C++20 finds non-const member iterator comparisons
// ambiguous).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace silta::terminology::internal {

inline const rapidjson::Value* Member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view StringMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* v = Member(object, name);
  if (v == nullptr || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

inline std::string_view AsString(const rapidjson::Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

// The array member `name`, or an empty array when absent or not an array.
inline const rapidjson::Value& ArrayMember(const rapidjson::Value& object, std::string_view name) {
  static const rapidjson::Value kEmpty(rapidjson::kArrayType);
  const rapidjson::Value* v = Member(object, name);
  return v != nullptr && v->IsArray() ? *v : kEmpty;
}

// A primitive rendered as the text FHIR would give it. Numbers are parsed as strings (see
// kParseFlags) so decimals keep their exact spelling.
inline std::string PrimitiveText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return {};
}

// Iterative: resource nesting depth must not be bounded by the call stack.
inline constexpr unsigned kParseFlags =
    rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

}  // namespace silta::terminology::internal
