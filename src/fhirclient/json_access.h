// RapidJSON access for the fhirclient module.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace silta::fhirclient::internal {

// RapidJSON's member lookup compares through pre-C++20 operators that clang 14 reports as
// ambiguous with reversed candidates; keep the lookups in here.
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif
inline const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}
#ifdef __clang__
#pragma clang diagnostic pop
#endif

inline std::string StringMember(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = Member(object, key);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                       : std::string();
}

inline const rapidjson::Value* ArrayMember(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = Member(object, key);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

}  // namespace silta::fhirclient::internal
