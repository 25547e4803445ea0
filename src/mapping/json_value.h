// A small mutable JSON value for the mapping engine. Mapping builds FHIR resources and client
// records piece by piece, which RapidJSON's DOM does not make pleasant, and numbers must keep
// their exact text (decimals never pass through a double).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "formats/formats.h"
#include "formats/json_tree.h"

namespace silta::mapping {

class JsonValue {
 public:
  using Kind = formats::JsonKind;
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue Object() { return JsonValue(Kind::kObject); }
  static JsonValue Array() { return JsonValue(Kind::kArray); }
  static JsonValue String(std::string text);
  // `text` must be a JSON number; it is written out as is.
  static JsonValue Number(std::string text);
  static JsonValue Bool(bool value);

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
  const JsonValue* Find(std::string_view name) const;
  JsonValue* Find(std::string_view name);
  // The member `name`, created (null) when absent.
  JsonValue& operator[](std::string_view name);
  void Remove(std::string_view name);

  // Arrays.
  const std::vector<JsonValue>& items() const { return items_; }
  std::vector<JsonValue>& items() { return items_; }
  JsonValue& Append(JsonValue value);

  bool empty() const { return members_.empty() && items_.empty() && is_null(); }

  static JsonValue FromTree(const formats::JsonNode& node);
  // Parses JSON text; numbers keep their text.
  static StatusOr<JsonValue> Parse(std::string_view text, std::string_view source_name);
  std::string ToString(bool pretty = false) const;
  // The FHIR resource this value holds, as an element tree: what formats::ParseJson of
  // ToString() gives (the same checks and issues, without line/column), without the text.
  std::unique_ptr<model::Document> ToDocument(std::shared_ptr<const model::TypeModel> model,
                                              IssueSink& sink,
                                              const formats::ParseOptions& options = {}) const;

  // JSON value equality with arrays compared as multisets (the contract's "arrays unordered")
  // except under the member names in `ordered_arrays`.
  static bool EqualUnordered(const JsonValue& a, const JsonValue& b,
                             const std::vector<std::string>& ordered_arrays = {});
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  explicit JsonValue(Kind kind) : kind_(kind) {}
  Kind kind_ = Kind::kNull;
  std::string text_;
  std::vector<Member> members_;
  std::vector<JsonValue> items_;
};

// Calls `fn` on every Reference-shaped object ({"reference": "..."}) in the tree, outermost first.
void ForEachReference(JsonValue& node, const std::function<void(JsonValue&)>& fn);

}  // namespace silta::mapping
