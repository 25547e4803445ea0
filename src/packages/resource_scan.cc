// Reads only the top-level string members of a resource that the index needs, with RapidJSON's
// SAX reader, and stops as soon as they have all been seen.
#include <rapidjson/reader.h>

#include "packages/internal.h"

namespace silta::packages::internal {

namespace {

class TopLevelFieldsHandler
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TopLevelFieldsHandler> {
 public:
  enum Field { kResourceType, kId, kUrl, kVersion, kKind, kType, kDerivation, kBase, kN };

  bool Default() { return AfterValue(); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return AfterValue(); }
  bool String(const char* s, rapidjson::SizeType length, bool) {
    if (depth_ == 1 && current_ != kN && !seen_[current_]) {
      values_[current_].assign(s, length);
      seen_[current_] = true;
      ++seen_count_;
    }
    return AfterValue();
  }
  bool StartObject() {
    if (depth_ == 0) is_object_ = true;
    ++depth_;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType length, bool) {
    if (depth_ == 1) current_ = FieldOf(std::string_view(s, length));
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return AfterValue();
  }
  bool StartArray() {
    ++depth_;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth_;
    return AfterValue();
  }

  bool is_object() const { return is_object_; }
  std::string& value(Field f) { return values_[f]; }

 private:
  static Field FieldOf(std::string_view key) {
    static constexpr std::string_view kKeys[kN] = {
        "resourceType", "id", "url", "version", "kind", "type", "derivation", "baseDefinition"};
    for (int i = 0; i < kN; ++i) {
      if (key == kKeys[i]) return static_cast<Field>(i);
    }
    return kN;
  }

  // Returning false ends the parse early; the caller treats that as success.
  bool AfterValue() {
    if (depth_ == 1) current_ = kN;
    return !Done();
  }
  bool Done() const {
    if (seen_count_ == kN) return true;
    // Only StructureDefinitions have more fields worth waiting for.
    return seen_[kResourceType] && seen_[kId] && seen_[kUrl] && seen_[kVersion] &&
           values_[kResourceType] != "StructureDefinition";
  }

  int depth_ = 0;
  bool is_object_ = false;
  Field current_ = kN;
  std::string values_[kN];
  bool seen_[kN] = {};
  int seen_count_ = 0;
};

}  // namespace

std::optional<ResourceEntry> ScanResource(std::string_view json) {
  if (json.size() >= 3 && json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);  // BOM
  TopLevelFieldsHandler handler;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(stream,
                                                                                           handler);
  if (result.IsError() && result.Code() != rapidjson::kParseErrorTermination) return std::nullopt;
  using F = TopLevelFieldsHandler;
  if (!handler.is_object() || handler.value(F::kResourceType).empty()) return std::nullopt;
  ResourceEntry e;
  e.resource_type = std::move(handler.value(F::kResourceType));
  e.id = std::move(handler.value(F::kId));
  e.url = std::move(handler.value(F::kUrl));
  e.version = std::move(handler.value(F::kVersion));
  // kind/type/derivation/baseDefinition mean something else (or nothing) in other resources.
  if (e.resource_type == "StructureDefinition") {
    e.kind = std::move(handler.value(F::kKind));
    e.type = std::move(handler.value(F::kType));
    e.derivation = std::move(handler.value(F::kDerivation));
    e.base_definition = std::move(handler.value(F::kBase));
  }
  return e;
}

}  // namespace silta::packages::internal
