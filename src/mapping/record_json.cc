// Client records enter the mapping engine as their contract JSON. Building that value straight
// from the typed record (instead of writing JSON text and parsing it back) keeps the hot path of
// `silta map`, `silta sync` and `silta serve` free of a text round trip.
#include "mapping/mapping.h"

namespace silta::mapping {
namespace {

class JsonValueBuilder : public records::JsonEvents {
 public:
  explicit JsonValueBuilder(json::Value* root) : root_(root) {}

  // Record objects mostly have a handful to a dozen fields, arrays a few items: room for them
  // up front saves moving the members through every growth step.
  void StartObject() override {
    Open(json::Value::Object());
    open_.back()->members().reserve(8);
  }
  void Key(std::string_view name) override { key_ = name; }
  void EndObject() override { open_.pop_back(); }
  void StartArray() override {
    Open(json::Value::Array());
    open_.back()->items().reserve(4);
  }
  void EndArray() override { open_.pop_back(); }
  void String(std::string_view text) override { Place(json::Value::String(std::string(text))); }
  void Number(std::string_view text) override { Place(json::Value::Number(std::string(text))); }
  void Bool(bool value) override { Place(json::Value::Bool(value)); }

 private:
  json::Value* Place(json::Value value) {
    if (open_.empty()) {
      *root_ = std::move(value);
      return root_;
    }
    json::Value& container = *open_.back();
    if (container.is_array()) return &container.Append(std::move(value));
    // The record's fields are unique per object, so members are appended without a lookup.
    container.members().emplace_back(std::string(key_), std::move(value));
    return &container.members().back().second;
  }
  // A container's pointer stays valid while it is open: only the innermost open container grows.
  void Open(json::Value value) { open_.push_back(Place(std::move(value))); }

  json::Value* root_;
  std::vector<json::Value*> open_;
  std::string_view key_;
};

}  // namespace

json::Value RecordJson(const records::ClientRecord& record) {
  json::Value root;
  JsonValueBuilder builder(&root);
  records::EmitJson(record, builder);
  return root;
}

std::optional<json::Value> Mapper::ToFhir(const records::ClientRecord& record,
                                          IssueSink& sink) const {
  return ToFhir(RecordJson(record), sink);
}

}  // namespace silta::mapping
