// Small RapidJSON helpers for the packages module.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace silta::packages::internal {

// RapidJSON's member iterators compare through operators written before C++20 added reversed
// candidates; clang 14 reports every such comparison as ambiguous. Keep them all in here.
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif

// The member `key` of `object`, or nullptr when absent (or `object` is not an object).
inline const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}
inline rapidjson::Value* Member(rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

template <typename Visit>  // Visit(std::string_view name, const rapidjson::Value& value)
void ForEachMember(const rapidjson::Value& object, Visit visit) {
  if (!object.IsObject()) return;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    visit(std::string_view(it->name.GetString(), it->name.GetStringLength()), it->value);
  }
}

#ifdef __clang__
#pragma clang diagnostic pop
#endif

inline std::string_view StringOf(const rapidjson::Value* v) {
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : std::string_view();
}

// The string member `key`, empty when absent or not a string.
inline std::string StringMember(const rapidjson::Value& object, const char* key) {
  return std::string(StringOf(Member(object, key)));
}

}  // namespace silta::packages::internal
