#include "json/value.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "base/files.h"
#include "base/issues.h"
#include "base/text.h"

namespace silta::json {

Value Value::String(std::string text) {
  Value v(Kind::kString);
  v.text_ = std::move(text);
  return v;
}

Value Value::Number(std::string text) {
  Value v(Kind::kNumber);
  v.text_ = std::move(text);
  return v;
}

Value Value::Bool(bool value) {
  Value v(Kind::kBool);
  v.text_ = value ? "true" : "false";
  return v;
}

const Value* Value::Find(std::string_view name) const {
  for (const auto& [key, value] : members_) {
    if (key == name) return &value;
  }
  return nullptr;
}

Value* Value::Find(std::string_view name) {
  for (auto& [key, value] : members_) {
    if (key == name) return &value;
  }
  return nullptr;
}

Value& Value::operator[](std::string_view name) {
  if (kind_ == Kind::kNull) kind_ = Kind::kObject;
  if (Value* existing = Find(name)) return *existing;
  // Objects made by mapping grow one member at a time; starting with room for a few saves
  // moving them through the 1, 2, 4 growth steps.
  if (members_.capacity() == 0) members_.reserve(4);
  members_.emplace_back(std::string(name), Value());
  return members_.back().second;
}

void Value::Remove(std::string_view name) {
  std::erase_if(members_, [&](const Member& m) { return m.first == name; });
}

Value& Value::Append(Value value) {
  if (kind_ == Kind::kNull) kind_ = Kind::kArray;
  items_.push_back(std::move(value));
  return items_.back();
}

namespace {

template <typename Writer>
void WriteValue(const Value& v, Writer& w) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      w.Null();
      break;
    case Value::Kind::kBool:
      w.Bool(v.text() == "true");
      break;
    case Value::Kind::kNumber:
      w.RawValue(v.text().data(), v.text().size(), rapidjson::kNumberType);
      break;
    case Value::Kind::kString:
      w.String(v.text().data(), static_cast<rapidjson::SizeType>(v.text().size()));
      break;
    case Value::Kind::kArray:
      w.StartArray();
      for (const auto& item : v.items()) WriteValue(item, w);
      w.EndArray();
      break;
    case Value::Kind::kObject:
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

std::string Value::ToString(bool pretty) const {
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

bool operator==(const Value& a, const Value& b) {
  return a.kind_ == b.kind_ && a.text_ == b.text_ && a.items_ == b.items_ &&
         a.members_.size() == b.members_.size() &&
         std::all_of(a.members_.begin(), a.members_.end(), [&](const Value::Member& m) {
           const Value* other = b.Find(m.first);
           return other != nullptr && *other == m.second;
         });
}

namespace {

bool EqualUnorderedImpl(const Value& a, const Value& b, bool ordered,
                        const std::vector<std::string>& ordered_arrays) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
    case Value::Kind::kNumber:
    case Value::Kind::kString:
      return a.text() == b.text();
    case Value::Kind::kObject:
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : a.members()) {
        const Value* other = b.Find(key);
        bool child_ordered =
            std::find(ordered_arrays.begin(), ordered_arrays.end(), key) != ordered_arrays.end();
        if (other == nullptr || !EqualUnorderedImpl(value, *other, child_ordered, ordered_arrays)) {
          return false;
        }
      }
      return true;
    case Value::Kind::kArray: {
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

bool Value::EqualUnordered(const Value& a, const Value& b,
                           const std::vector<std::string>& ordered_arrays) {
  return EqualUnorderedImpl(a, b, false, ordered_arrays);
}

namespace {

constexpr uint32_t kMaxDepth = 128;

}  // namespace

// Builds a Value from RapidJSON's reader events. Numbers arrive as text (the parse flags ask for
// it); member names are checked for duplicates as they come.
class Builder {
 public:
  Builder(std::string_view text, const rapidjson::MemoryStream& stream)
      : text_(text), lines_(text), stream_(stream) {
    stack_.reserve(16);
  }

  bool Null() { return Add(Value()); }
  bool Bool(bool b) { return Add(Value::Bool(b)); }
  bool Int(int) { return false; }  // never called: numbers are read as strings
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    return Add(Value::Number(std::string(text, length)));
  }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    std::string_view s(text, length);
    if (!IsValidUtf8(s))
      return Fail("a string is not valid Unicode text (an unpaired surrogate escape?)");
    return Add(Value::String(std::string(s)));
  }
  bool StartObject() { return Open(Value::Object()); }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    std::string_view name(text, length);
    if (!IsValidUtf8(name)) {
      return Fail("a member name is not valid Unicode text (an unpaired surrogate escape?)");
    }
    Value& object = *stack_.back();
    if (object.Find(name) != nullptr) return Fail("duplicate member \"" + std::string(name) + "\"");
    key_ = std::string(name);
    previous_end_ = stream_.Tell();
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(Value::Array()); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  Value& root() { return root_; }
  const std::string& problem() const { return problem_; }

 private:
  bool Fail(std::string why) {
    problem_ = std::move(why);
    return false;
  }
  // The reader reports a scalar once it has read it, and a container before its bracket; a value
  // starts at the first character after the previous event's end that is not whitespace, a
  // separator or a closing bracket (none of which can start a value).
  size_t ValueStart() const {
    size_t at = previous_end_;
    while (at < text_.size() &&
           std::string_view(" \t\r\n:,]}").find(text_[at]) != std::string_view::npos) {
      ++at;
    }
    return at;
  }
  Value* Place(Value v) {
    size_t start = ValueStart();
    v.location_ = lines_.Locate(start);
    // A container's bracket is not read yet: its content starts after it.
    previous_end_ = v.is_object() || v.is_array() ? start + 1 : stream_.Tell();
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Value& parent = *stack_.back();
    if (parent.is_array()) return &parent.Append(std::move(v));
    return &(parent[key_] = std::move(v));
  }
  bool Add(Value v) {
    Place(std::move(v));
    return true;
  }
  bool Open(Value v) {
    if (stack_.size() >= kMaxDepth) return Fail("the JSON is nested too deeply");
    stack_.push_back(Place(std::move(v)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    previous_end_ = stream_.Tell();
    return true;
  }

  std::string_view text_;
  LineIndex lines_;
  const rapidjson::MemoryStream& stream_;
  size_t previous_end_ = 0;
  Value root_;
  // The open containers, innermost last. Pointers stay valid: a container is only appended to
  // while it is the innermost, and its parent does not grow until it is closed.
  std::vector<Value*> stack_;
  std::string key_;
  std::string problem_;
};

StatusOr<Value> Value::Parse(std::string_view text, std::string_view source_name) {
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(text.data(), text.size());
  Builder builder(text, stream);
  rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag |
                   rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag>(
          stream, builder);
  if (result && stream.Tell() < text.size()) {
    // Only whitespace may follow the value.
    size_t at = text.find_first_not_of(" \t\r\n", stream.Tell());
    if (at != std::string_view::npos) {
      result = rapidjson::ParseResult(rapidjson::kParseErrorDocumentRootNotSingular, at);
    }
  }
  if (!result) {
    SourceLocation where = LineIndex(text).Locate(result.Offset());
    std::string why =
        builder.problem().empty() ? rapidjson::GetParseError_En(result.Code()) : builder.problem();
    return InvalidArgumentError(std::string(source_name) + ":" + std::to_string(where.line) + ":" +
                                std::to_string(where.column) + ": invalid JSON: " + why);
  }
  return std::move(builder.root());
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "?";
}

}  // namespace silta::json
