// Internal: small RapidJSON helpers for the snapshot module.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace silta::snapshot::internal {

using Json = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// Member iterators of non-const values compare through operators clang 14 finds ambiguous in
// C++20; every member loop lives in these helpers.
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif

inline const Json* Member(const Json& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(
      Json(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline Json* MutableMember(Json& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(
      Json(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Removes `name` keeping the order of the other members (RemoveMember would move the last one).
inline void EraseMember(Json& object, std::string_view name) {
  if (!object.IsObject()) return;
  auto it = object.FindMember(
      Json(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (it != object.MemberEnd()) object.EraseMember(it);
}

template <typename Visit>  // Visit(std::string_view name, const Json& value)
void ForEachMember(const Json& object, Visit visit) {
  if (!object.IsObject()) return;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    visit(std::string_view(it->name.GetString(), it->name.GetStringLength()), it->value);
  }
}

// Removes every member whose name satisfies `pred`, keeping the order of the others.
template <typename Pred>
void EraseMembersIf(Json& object, Pred pred) {
  if (!object.IsObject()) return;
  for (auto it = object.MemberBegin(); it != object.MemberEnd();) {
    if (pred(std::string_view(it->name.GetString(), it->name.GetStringLength()))) {
      it = object.EraseMember(it);
    } else {
      ++it;
    }
  }
}

#ifdef __clang__
#pragma clang diagnostic pop
#endif

inline std::string_view AsString(const Json& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

inline std::string_view StringMember(const Json& object, std::string_view name) {
  const Json* v = Member(object, name);
  return v != nullptr ? AsString(*v) : std::string_view();
}

inline Json MakeString(std::string_view s, Allocator& alloc) {
  return Json(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// Sets (replacing or appending) member `name` to `value`.
inline void SetMember(Json& object, std::string_view name, Json value, Allocator& alloc) {
  if (Json* existing = MutableMember(object, name)) {
    *existing = std::move(value);
    return;
  }
  object.AddMember(MakeString(name, alloc), value, alloc);
}

}  // namespace silta::snapshot::internal
