// A small mutable JSON value: configs, policies, mapping files and client records as JSON, and
// the FHIR resources mapping builds piece by piece (which RapidJSON's DOM does not make
// pleasant). Numbers keep their exact text: decimals never pass through a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/issues.h"
#include "base/status.h"

namespace silta::json {

enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// "object", "array"...: for messages.
const char* KindName(Kind kind);

class Value {
 public:
  using Kind = json::Kind;
  using Member = std::pair<std::string, Value>;

  Value() = default;
  static Value Object() { return Value(Kind::kObject); }
  static Value Array() { return Value(Kind::kArray); }
  static Value String(std::string text);
  // `text` must be a JSON number; it is written out as is.
  static Value Number(std::string text);
  static Value Bool(bool value);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_scalar() const {
    return kind_ == Kind::kString || kind_ == Kind::kNumber || kind_ == Kind::kBool;
  }
  // String contents, number text, or "true"/"false".
  const std::string& text() const { return text_; }

  // Objects: members in insertion order.
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }
  const Value* Find(std::string_view name) const;
  Value* Find(std::string_view name);
  // The member `name`, created (null) when absent.
  Value& operator[](std::string_view name);
  void Remove(std::string_view name);

  // Arrays.
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  Value& Append(Value value);

  bool empty() const { return members_.empty() && items_.empty() && is_null(); }

  // Where Parse found the value (its first character) in the text; unknown for values built in
  // memory. Messages about configs and policies point there.
  SourceLocation location() const { return location_; }

  // Parses JSON text; numbers keep their text. Refuses duplicate member names, text that is
  // not Unicode (unpaired surrogate escapes included: nothing could write them out again) and
  // nesting deeper than 128; the message names `source_name` and the line and column.
  static StatusOr<Value> Parse(std::string_view text, std::string_view source_name);
  std::string ToString(bool pretty = false) const;

  // JSON value equality with arrays compared as multisets (the contract's "arrays unordered")
  // except under the member names in `ordered_arrays`.
  static bool EqualUnordered(const Value& a, const Value& b,
                             const std::vector<std::string>& ordered_arrays = {});
  // Object member order does not matter, nor do locations; array order does.
  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(Kind kind) : kind_(kind) {}
  Kind kind_ = Kind::kNull;
  std::string text_;
  std::vector<Member> members_;
  std::vector<Value> items_;
  SourceLocation location_;

  friend class Builder;
};

}  // namespace silta::json
