#include "mapping/json_value.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <memory_resource>
#include <set>

#include "base/text.h"

namespace silta::mapping {

JsonValue JsonValue::String(std::string text) {
  JsonValue v(Kind::kString);
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Number(std::string text) {
  JsonValue v(Kind::kNumber);
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Bool(bool value) {
  JsonValue v(Kind::kBool);
  v.text_ = value ? "true" : "false";
  return v;
}

const JsonValue* JsonValue::Find(std::string_view name) const {
  for (const auto& [key, value] : members_) {
    if (key == name) return &value;
  }
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view name) {
  for (auto& [key, value] : members_) {
    if (key == name) return &value;
  }
  return nullptr;
}

JsonValue& JsonValue::operator[](std::string_view name) {
  if (kind_ == Kind::kNull) kind_ = Kind::kObject;
  if (JsonValue* existing = Find(name)) return *existing;
  // Objects made by mapping grow one member at a time; starting with room for a few saves
  // moving them through the 1, 2, 4 growth steps.
  if (members_.capacity() == 0) members_.reserve(4);
  members_.emplace_back(std::string(name), JsonValue());
  return members_.back().second;
}

void JsonValue::Remove(std::string_view name) {
  std::erase_if(members_, [&](const Member& m) { return m.first == name; });
}

JsonValue& JsonValue::Append(JsonValue value) {
  if (kind_ == Kind::kNull) kind_ = Kind::kArray;
  items_.push_back(std::move(value));
  return items_.back();
}

JsonValue JsonValue::FromTree(const formats::JsonNode& node) {
  switch (node.kind) {
    case Kind::kNull:
      return JsonValue();
    case Kind::kBool:
      return Bool(node.bool_value);
    case Kind::kNumber:
      return Number(std::string(node.text));
    case Kind::kString:
      return String(std::string(node.text));
    case Kind::kArray: {
      JsonValue v = Array();
      v.items_.reserve(node.items.size());
      for (const auto& item : node.items) v.items_.push_back(FromTree(item));
      return v;
    }
    case Kind::kObject: {
      JsonValue v = Object();
      v.members_.reserve(node.members.size());
      for (const auto& m : node.members) {
        v.members_.emplace_back(std::string(m.name), FromTree(m.value));
      }
      return v;
    }
  }
  return JsonValue();
}

namespace {

// Why the tree cannot be a JsonValue, or "". The reader checks the UTF-8 of the text, but an
// escape such as "\udc00" (an unpaired surrogate) decodes to bytes that are not UTF-8, which
// nothing could write out again (found by fuzz_mapping_json).
std::string CheckTree(const formats::JsonNode& node) {
  if (node.kind == formats::JsonKind::kString && !IsValidUtf8(node.text)) {
    return "a string is not valid Unicode text (an unpaired surrogate escape?)";
  }
  if (node.kind == formats::JsonKind::kObject) {
    std::set<std::string_view> seen;
    for (const auto& m : node.members) {
      if (!seen.insert(m.name).second) return "duplicate member \"" + std::string(m.name) + "\"";
      if (!IsValidUtf8(m.name)) {
        return "a member name is not valid Unicode text (an unpaired surrogate escape?)";
      }
      if (std::string why = CheckTree(m.value); !why.empty()) return why;
    }
  } else if (node.kind == formats::JsonKind::kArray) {
    for (const auto& item : node.items) {
      if (std::string why = CheckTree(item); !why.empty()) return why;
    }
  }
  return "";
}

}  // namespace

StatusOr<JsonValue> JsonValue::Parse(std::string_view text, std::string_view source_name) {
  std::pmr::monotonic_buffer_resource arena;
  formats::JsonNode root;
  formats::JsonParseError error;
  if (!formats::ParseJsonTree(text, &arena, 128, &root, &error)) {
    return InvalidArgumentError(std::string(source_name) + ": invalid JSON at byte " +
                                std::to_string(error.offset) + ": " + error.message);
  }
  if (std::string why = CheckTree(root); !why.empty()) {
    return InvalidArgumentError(std::string(source_name) + ": " + why);
  }
  return FromTree(root);
}

namespace {

template <typename Writer>
void WriteValue(const JsonValue& v, Writer& w) {
  switch (v.kind()) {
    case JsonValue::Kind::kNull:
      w.Null();
      break;
    case JsonValue::Kind::kBool:
      w.Bool(v.text() == "true");
      break;
    case JsonValue::Kind::kNumber:
      w.RawValue(v.text().data(), v.text().size(), rapidjson::kNumberType);
      break;
    case JsonValue::Kind::kString:
      w.String(v.text().data(), static_cast<rapidjson::SizeType>(v.text().size()));
      break;
    case JsonValue::Kind::kArray:
      w.StartArray();
      for (const auto& item : v.items()) WriteValue(item, w);
      w.EndArray();
      break;
    case JsonValue::Kind::kObject:
      w.StartObject();
      for (const auto& [key, value] : v.members()) {
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        WriteValue(value, w);
      }
      w.EndObject();
      break;
  }
}

}  // namespace

std::string JsonValue::ToString(bool pretty) const {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    WriteValue(*this, writer);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    WriteValue(*this, writer);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

// Copies a value into `arena` as a formats::JsonNode tree (strings included: the document that
// owns the arena outlives the value), refusing on the way what the JSON text reader would
// refuse: returns why, or null.
const char* CopyToTree(const JsonValue& v, formats::BumpAllocator& arena, uint32_t depth,
                       uint32_t max_depth, formats::JsonNode* out) {
  auto copy_text = [&arena](const std::string& text) {
    if (text.empty()) return std::string_view();
    char* mem = static_cast<char*>(arena.Allocate(text.size(), 1));
    std::memcpy(mem, text.data(), text.size());
    return std::string_view(mem, text.size());
  };
  out->kind = v.kind();
  switch (v.kind()) {
    case JsonValue::Kind::kNull:
      break;
    case JsonValue::Kind::kBool:
      out->bool_value = v.text() == "true";
      break;
    case JsonValue::Kind::kNumber:
      out->text = copy_text(v.text());
      break;
    case JsonValue::Kind::kString:
      if (!IsValidUtf8(v.text())) return formats::kJsonNotUtf8String;
      out->text = copy_text(v.text());
      break;
    case JsonValue::Kind::kArray: {
      if (depth >= max_depth) return formats::kJsonTooDeep;
      size_t n = v.items().size();
      if (n == 0) break;
      auto* items = static_cast<formats::JsonNode*>(
          arena.Allocate(sizeof(formats::JsonNode) * n, alignof(formats::JsonNode)));
      for (size_t i = 0; i < n; ++i) new (&items[i]) formats::JsonNode();
      out->items = std::span<formats::JsonNode>(items, n);
      for (size_t i = 0; i < n; ++i) {
        if (const char* problem =
                CopyToTree(v.items()[i], arena, depth + 1, max_depth, &items[i])) {
          return problem;
        }
      }
      break;
    }
    case JsonValue::Kind::kObject: {
      if (depth >= max_depth) return formats::kJsonTooDeep;
      size_t n = v.members().size();
      if (n == 0) break;
      auto* members = static_cast<formats::JsonMember*>(
          arena.Allocate(sizeof(formats::JsonMember) * n, alignof(formats::JsonMember)));
      for (size_t i = 0; i < n; ++i) new (&members[i]) formats::JsonMember();
      out->members = std::span<formats::JsonMember>(members, n);
      for (size_t i = 0; i < n; ++i) {
        const auto& [name, value] = v.members()[i];
        if (!IsValidUtf8(name)) return formats::kJsonNotUtf8Name;
        members[i].name = copy_text(name);
        if (const char* problem =
                CopyToTree(value, arena, depth + 1, max_depth, &members[i].value)) {
          return problem;
        }
      }
      break;
    }
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<model::Document> JsonValue::ToDocument(
    std::shared_ptr<const model::TypeModel> model, IssueSink& sink,
    const formats::ParseOptions& options) const {
  return formats::BuildJson(
      [this](std::pmr::memory_resource* arena, uint32_t max_depth, formats::JsonNode* root) {
        formats::BumpAllocator bump(arena);
        return CopyToTree(*this, bump, 0, max_depth, root);
      },
      std::move(model), sink, options);
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  return a.kind_ == b.kind_ && a.text_ == b.text_ && a.items_ == b.items_ &&
         a.members_.size() == b.members_.size() &&
         std::all_of(a.members_.begin(), a.members_.end(), [&](const JsonValue::Member& m) {
           const JsonValue* other = b.Find(m.first);
           return other != nullptr && *other == m.second;
         });
}

namespace {

bool EqualUnorderedImpl(const JsonValue& a, const JsonValue& b, bool ordered,
                        const std::vector<std::string>& ordered_arrays) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case JsonValue::Kind::kNull:
      return true;
    case JsonValue::Kind::kBool:
    case JsonValue::Kind::kNumber:
    case JsonValue::Kind::kString:
      return a.text() == b.text();
    case JsonValue::Kind::kObject:
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : a.members()) {
        const JsonValue* other = b.Find(key);
        bool child_ordered =
            std::find(ordered_arrays.begin(), ordered_arrays.end(), key) != ordered_arrays.end();
        if (other == nullptr || !EqualUnorderedImpl(value, *other, child_ordered, ordered_arrays)) {
          return false;
        }
      }
      return true;
    case JsonValue::Kind::kArray: {
      const auto& xs = a.items();
      const auto& ys = b.items();
      if (xs.size() != ys.size()) return false;
      if (ordered) {
        for (size_t i = 0; i < xs.size(); ++i) {
          if (!EqualUnorderedImpl(xs[i], ys[i], false, ordered_arrays)) return false;
        }
        return true;
      }
      // Arrays in records are small; a quadratic matching keeps this simple and exact.
      std::vector<bool> used(ys.size(), false);
      for (const auto& x : xs) {
        bool matched = false;
        for (size_t j = 0; j < ys.size() && !matched; ++j) {
          if (!used[j] && EqualUnorderedImpl(x, ys[j], false, ordered_arrays)) {
            used[j] = true;
            matched = true;
          }
        }
        if (!matched) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

bool JsonValue::EqualUnordered(const JsonValue& a, const JsonValue& b,
                               const std::vector<std::string>& ordered_arrays) {
  return EqualUnorderedImpl(a, b, false, ordered_arrays);
}

void ForEachReference(JsonValue& node, const std::function<void(JsonValue&)>& fn) {
  if (node.is_array()) {
    for (auto& item : node.items()) ForEachReference(item, fn);
  } else if (node.is_object()) {
    if (const JsonValue* ref = node.Find("reference"); ref != nullptr && ref->is_scalar()) fn(node);
    for (auto& [key, value] : node.members()) ForEachReference(value, fn);
  }
}

}  // namespace silta::mapping
