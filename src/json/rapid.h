// Reading and editing RapidJSON values: the one place with the member lookups every module
// needs over definitions, packages and server answers held as rapidjson::Document.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <string>
#include <string_view>

namespace silta::json {

// Numbers are read as strings so that decimals keep their exact spelling; iterative, so that
// nesting depth is not bounded by the call stack.
inline constexpr unsigned kRapidParseFlags =
    rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

inline rapidjson::Value::StringRefType RapidRef(std::string_view s) {
  return rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// RapidJSON's member iterators compare through operators written before C++20 added reversed
// candidates, and clang 14 reports every such comparison as ambiguous: all member loops live in
// the helpers below.
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif

// The member `name` of `object`, or null when absent (or `object` is not an object).
inline const rapidjson::Value* Member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(RapidRef(name)));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

inline rapidjson::Value* MutableMember(rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(RapidRef(name)));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Removes `name`, keeping the order of the other members (RemoveMember would move the last one).
inline void EraseMember(rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return;
  auto it = object.FindMember(rapidjson::Value(RapidRef(name)));
  if (it != object.MemberEnd()) object.EraseMember(it);
}

template <typename Visit>  // Visit(std::string_view name, const rapidjson::Value& value)
void ForEachMember(const rapidjson::Value& object, Visit visit) {
  if (!object.IsObject()) return;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    visit(std::string_view(it->name.GetString(), it->name.GetStringLength()), it->value);
  }
}

// Removes every member whose name satisfies `pred`, keeping the order of the others.
template <typename Pred>
void EraseMembersIf(rapidjson::Value& object, Pred pred) {
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

// A string's text; empty for anything else.
inline std::string_view AsString(const rapidjson::Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

inline std::string_view AsString(const rapidjson::Value* v) {
  return v != nullptr ? AsString(*v) : std::string_view();
}

// The string member `name`; empty when absent or not a string.
inline std::string_view StringMember(const rapidjson::Value& object, std::string_view name) {
  return AsString(Member(object, name));
}

// The array member `name`; an empty array when absent or not an array.
inline const rapidjson::Value& ArrayMember(const rapidjson::Value& object, std::string_view name) {
  static const rapidjson::Value kEmpty(rapidjson::kArrayType);
  const rapidjson::Value* v = Member(object, name);
  return v != nullptr && v->IsArray() ? *v : kEmpty;
}

// A primitive as the text FHIR gives it: strings and numbers (read as strings) as they are,
// booleans as "true"/"false"; empty for anything else.
inline std::string_view PrimitiveText(const rapidjson::Value& v) {
  if (v.IsString()) return {v.GetString(), v.GetStringLength()};
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return {};
}

inline rapidjson::Value MakeString(std::string_view s,
                                   rapidjson::Document::AllocatorType& allocator) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), allocator);
}

// A copy of `v` that owns all its strings. RapidJSON's own copy shares the strings it holds by
// reference, as a document parsed in situ holds all of them, so such a copy dies with the
// parsed text.
inline rapidjson::Value DeepCopy(const rapidjson::Value& v,
                                 rapidjson::Document::AllocatorType& allocator) {
  if (v.IsString()) return MakeString({v.GetString(), v.GetStringLength()}, allocator);
  if (v.IsArray()) {
    rapidjson::Value out(rapidjson::kArrayType);
    out.Reserve(v.Size(), allocator);
    for (const rapidjson::Value& item : v.GetArray()) {
      out.PushBack(DeepCopy(item, allocator), allocator);
    }
    return out;
  }
  if (v.IsObject()) {
    rapidjson::Value out(rapidjson::kObjectType);
    ForEachMember(v, [&](std::string_view name, const rapidjson::Value& value) {
      out.AddMember(MakeString(name, allocator), DeepCopy(value, allocator), allocator);
    });
    return out;
  }
  return rapidjson::Value(v, allocator);
}

// Sets (replacing or appending) the member `name` to `value`.
inline void SetMember(rapidjson::Value& object, std::string_view name, rapidjson::Value value,
                      rapidjson::Document::AllocatorType& allocator) {
  if (rapidjson::Value* existing = MutableMember(object, name)) {
    *existing = std::move(value);
    return;
  }
  object.AddMember(MakeString(name, allocator), value, allocator);
}

}  // namespace silta::json
