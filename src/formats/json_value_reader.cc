// A resource held as a json::Value (what mapping builds) read as a FHIR document without going
// through text.
#include <cstring>
#include <memory_resource>

#include "base/text.h"
#include "formats/formats.h"
#include "formats/json_tree.h"
#include "json/json.h"

namespace silta::formats {

namespace {

// Copies a value into `arena` as a JsonNode tree (strings included: the document that
// owns the arena outlives the value), refusing on the way what the JSON text reader would
// refuse: returns why, or null.
const char* CopyToTree(const json::Value& v, BumpAllocator& arena, uint32_t depth,
                       uint32_t max_depth, JsonNode* out) {
  auto copy_text = [&arena](const std::string& text) {
    if (text.empty()) return std::string_view();
    char* mem = static_cast<char*>(arena.Allocate(text.size(), 1));
    std::memcpy(mem, text.data(), text.size());
    return std::string_view(mem, text.size());
  };
  out->kind = v.kind();
  switch (v.kind()) {
    case json::Kind::kNull:
      break;
    case json::Kind::kBool:
      out->bool_value = v.text() == "true";
      break;
    case json::Kind::kNumber:
      out->text = copy_text(v.text());
      break;
    case json::Kind::kString:
      if (!IsValidUtf8(v.text())) return kJsonNotUtf8String;
      out->text = copy_text(v.text());
      break;
    case json::Kind::kArray: {
      if (depth >= max_depth) return kJsonTooDeep;
      size_t n = v.items().size();
      if (n == 0) break;
      auto* items = static_cast<JsonNode*>(arena.Allocate(sizeof(JsonNode) * n, alignof(JsonNode)));
      for (size_t i = 0; i < n; ++i) new (&items[i]) JsonNode();
      out->items = std::span<JsonNode>(items, n);
      for (size_t i = 0; i < n; ++i) {
        if (const char* problem =
                CopyToTree(v.items()[i], arena, depth + 1, max_depth, &items[i])) {
          return problem;
        }
      }
      break;
    }
    case json::Kind::kObject: {
      if (depth >= max_depth) return kJsonTooDeep;
      size_t n = v.members().size();
      if (n == 0) break;
      auto* members =
          static_cast<JsonMember*>(arena.Allocate(sizeof(JsonMember) * n, alignof(JsonMember)));
      for (size_t i = 0; i < n; ++i) new (&members[i]) JsonMember();
      out->members = std::span<JsonMember>(members, n);
      for (size_t i = 0; i < n; ++i) {
        const auto& [name, value] = v.members()[i];
        if (!IsValidUtf8(name)) return kJsonNotUtf8Name;
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

std::unique_ptr<model::Document> ToDocument(const json::Value& resource,
                                            std::shared_ptr<const model::TypeModel> model,
                                            IssueSink& sink, const ParseOptions& options) {
  return BuildJson(
      [&resource](std::pmr::memory_resource* arena, uint32_t max_depth, JsonNode* root) {
        BumpAllocator bump(arena);
        return CopyToTree(resource, bump, 0, max_depth, root);
      },
      std::move(model), sink, options);
}

}  // namespace silta::formats
