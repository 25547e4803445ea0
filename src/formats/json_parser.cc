// FHIR JSON → element tree (https://hl7.org/fhir/R4/json.html).
#include <algorithm>

#include "formats/formats.h"
#include "formats/json_tree.h"
#include "formats/parse_common.h"

namespace silta::formats {

namespace {

using model::Element;
using model::ElementDef;
using model::TypeDef;

class JsonParser : public internal::ParserBase {
 public:
  using ParserBase::ParserBase;

  bool Run() {
    JsonNode root;
    JsonParseError error;
    if (!ParseJsonTree(text_, doc_->arena(), options_.max_depth, &root, &error)) {
      Report(Severity::kFatal, IssueType::kStructure, "JSON_SYNTAX", error.message, error.offset);
      return false;
    }
    return Build(root);
  }

  // A tree made in memory: there is no text, so no line/column. Its builder has refused what
  // the text reader would refuse (invalid UTF-8, nesting too deep).
  bool RunOnTree(const JsonTreeBuilder& build) {
    lines_ = LineIndex();
    JsonNode root;
    if (const char* problem = build(doc_->arena(), options_.max_depth, &root)) {
      Report(Severity::kFatal, IssueType::kStructure, "JSON_SYNTAX", problem, 0);
      return false;
    }
    return Build(root);
  }

  bool Build(const JsonNode& root) {
    if (root.kind != JsonKind::kObject) {
      Report(
          Severity::kFatal, IssueType::kStructure, "JSON_NOT_OBJECT",
          std::string("a FHIR resource must be a JSON object, found ") + json::KindName(root.kind),
          root.offset);
      return false;
    }
    Element* resource = BuildResource(root, nullptr, true);
    if (resource == nullptr) return false;
    doc_->set_root(resource);
    return true;
  }

  // One element definition met in an object: its value member and its "_name" member.
  struct Slot {
    const ElementDef* element;
    const TypeDef* type;
    const JsonMember* value;
    const JsonMember* extras;
  };

  Element* BuildResource(const JsonNode& obj, const ElementDef* definition, bool is_root) {
    const JsonMember* type_member = nullptr;
    for (const JsonMember& m : obj.members) {
      if (m.name == "resourceType") {
        type_member = &m;
        break;
      }
    }
    if (type_member == nullptr || type_member->value.kind != JsonKind::kString) {
      Report(
          is_root ? Severity::kFatal : Severity::kError, IssueType::kStructure,
          "JSON_NO_RESOURCE_TYPE",
          type_member == nullptr ? "resource has no resourceType" : "resourceType must be a string",
          type_member == nullptr ? obj.offset : type_member->value.offset);
      return nullptr;
    }
    std::string_view type_name = type_member->value.text;
    const TypeDef* type = model_->FindResource(type_name);
    if (type == nullptr || type->is_abstract) {
      Report(is_root ? Severity::kFatal : Severity::kError, IssueType::kStructure,
             "JSON_UNKNOWN_RESOURCE_TYPE",
             "unknown resource type '" + std::string(type_name.substr(0, 64)) + "'",
             type_member->value.offset);
      return nullptr;
    }
    if (definition != nullptr && !definition->types.empty() && !type->IsA(definition->types[0])) {
      Error(IssueType::kStructure, "JSON_WRONG_RESOURCE_TYPE",
            "a " + type->name + " is not allowed here", type_member->value.offset);
      return nullptr;
    }
    Element* element = doc_->NewElement(definition, type);
    element->set_location(lines_.Locate(obj.offset));
    if (is_root) PushPath(type->name, -1);
    FillObject(element, obj, *type, /*is_resource=*/true);
    if (is_root) PopPath();
    return element;
  }

  // Reads the members of `obj` as the elements of `type` and attaches them to `parent`.
  void FillObject(Element* parent, const JsonNode& obj, const TypeDef& type, bool is_resource) {
    size_t slot_mark = slots_.size();
    const size_t errors_before = error_count_;
    for (const JsonMember& m : obj.members) {
      if (is_resource && m.name == "resourceType") continue;
      bool is_extras = !m.name.empty() && m.name[0] == '_';
      std::string_view name = is_extras ? m.name.substr(1) : m.name;
      TypeDef::MemberMatch match;
      if (!type.MatchMember(name, &match)) {
        if (!options_.allow_unknown_elements) {
          Error(IssueType::kStructure, "JSON_UNKNOWN_ELEMENT",
                "unknown element '" + std::string(m.name.substr(0, 64)) + "' in " + type.name,
                m.name_offset);
        }
        continue;
      }
      if (is_extras && (!match.type->is_primitive() || match.element->is_system_value)) {
        // Located on the element itself, which exists; only its '_' companion is wrong.
        PushPath(match.element->name, -1);
        Error(IssueType::kStructure, "JSON_BAD_UNDERSCORE",
              "'" + std::string(m.name.substr(0, 64)) +
                  "' is not allowed: only primitive elements have a '_' companion",
              m.name_offset);
        PopPath();
        continue;
      }
      Slot* slot = nullptr;
      for (size_t i = slot_mark; i < slots_.size(); ++i) {
        if (slots_[i].element == match.element) slot = &slots_[i];
      }
      if (slot == nullptr) {
        slots_.push_back({match.element, match.type, nullptr, nullptr});
        slot = &slots_.back();
      } else if (slot->type != match.type) {
        Error(IssueType::kStructure, "JSON_MULTIPLE_CHOICES",
              "only one of " + match.element->name + "[x] may be present, found '" +
                  std::string(m.name) + "' too",
              m.name_offset);
        continue;
      }
      const JsonMember*& target = is_extras ? slot->extras : slot->value;
      if (target != nullptr) {
        Error(IssueType::kStructure, "JSON_DUPLICATE_KEY",
              "duplicate property '" + std::string(m.name.substr(0, 64)) + "'", m.name_offset);
        continue;
      }
      target = &m;
    }
    if (obj.members.empty()) {
      Error(IssueType::kStructure, "JSON_EMPTY_OBJECT", "an object must not be empty", obj.offset);
    }
    std::sort(slots_.begin() + static_cast<ptrdiff_t>(slot_mark), slots_.end(),
              [](const Slot& a, const Slot& b) { return a.element->order < b.element->order; });
    size_t child_mark = ChildMark();
    // Index-based: nested objects push their own slots and may reallocate the vector.
    for (size_t i = slot_mark; i < slots_.size(); ++i) {
      Slot slot = slots_[i];
      BuildSlot(slot);
    }
    slots_.resize(slot_mark);
    FinishChildren(parent, child_mark);
    if (error_count_ > errors_before && parent->children().empty() && !parent->has_value()) {
      parent->set_content_rejected();
    }
  }

  void BuildSlot(const Slot& slot) {
    const ElementDef& def = *slot.element;
    const JsonNode* value = slot.value != nullptr ? &slot.value->value : nullptr;
    const JsonNode* extras = slot.extras != nullptr ? &slot.extras->value : nullptr;
    if (!def.is_array()) {
      if ((value != nullptr && value->kind == JsonKind::kArray) ||
          (extras != nullptr && extras->kind == JsonKind::kArray)) {
        const JsonMember* m =
            value != nullptr && value->kind == JsonKind::kArray ? slot.value : slot.extras;
        // Found at the property itself, as a wrong JSON type or an empty array is.
        PushChoicePath(def, *slot.type);
        Error(IssueType::kStructure, "JSON_UNEXPECTED_ARRAY",
              "'" + std::string(m->name) + "' repeats at most once: expected a single value, " +
                  "found an array",
              m->value.offset);
        PopPath();
        return;
      }
      PushChoicePath(def, *slot.type);
      BuildOne(def, *slot.type, value, extras);
      PopPath();
      return;
    }
    for (const JsonMember* m : {slot.value, slot.extras}) {
      if (m == nullptr) continue;
      if (m->value.kind != JsonKind::kArray) {
        PushPath(def.name, -1);
        Error(IssueType::kStructure, "JSON_EXPECTED_ARRAY",
              "'" + std::string(m->name) + "' can repeat, so it must be a JSON array, found " +
                  json::KindName(m->value.kind),
              m->value.offset);
        PopPath();
        return;
      }
      if (m->value.items.empty()) {
        PushPath(def.name, -1);
        Error(IssueType::kStructure, "JSON_EMPTY_ARRAY",
              "'" + std::string(m->name) + "' is an empty array: leave it out instead",
              m->value.offset);
        PopPath();
        return;
      }
    }
    if (value != nullptr && extras != nullptr && value->items.size() != extras->items.size()) {
      Error(IssueType::kStructure, "JSON_ARRAY_MISALIGNED",
            "'" + def.name + "' and '_" + def.name + "' must have the same number of items (" +
                std::to_string(value->items.size()) + " vs " +
                std::to_string(extras->items.size()) + ")",
            slot.extras->name_offset);
      return;
    }
    size_t count = value != nullptr ? value->items.size() : extras->items.size();
    uint32_t next_index = 0;
    for (size_t i = 0; i < count; ++i) {
      const JsonNode* v = value != nullptr ? &value->items[i] : nullptr;
      const JsonNode* x = extras != nullptr ? &extras->items[i] : nullptr;
      bool v_null = v == nullptr || v->kind == JsonKind::kNull;
      bool x_null = x == nullptr || x->kind == JsonKind::kNull;
      PushPath(def.name, static_cast<int>(i));
      if (v_null && x_null) {
        Error(IssueType::kStructure, "JSON_NULL_ITEM",
              "null is only allowed in an array to line up with its '_' companion",
              v != nullptr ? v->offset : x->offset);
      } else if (Element* e =
                     BuildOne(def, *slot.type, v_null ? nullptr : v, x_null ? nullptr : x)) {
        e->set_index(next_index++);
      }
      PopPath();
    }
  }

  Element* BuildOne(const ElementDef& def, const TypeDef& type, const JsonNode* value,
                    const JsonNode* extras) {
    if (type.is_primitive()) return BuildPrimitive(def, type, value, extras);
    if (value == nullptr) return nullptr;
    if (value->kind != JsonKind::kObject) {
      Error(IssueType::kStructure, "JSON_EXPECTED_OBJECT",
            "'" + def.name + "' is a " + type.name + ": expected a JSON object, found " +
                json::KindName(value->kind),
            value->offset);
      return nullptr;
    }
    Element* element;
    if (type.is_resource()) {
      element = BuildResource(*value, &def, false);
    } else {
      element = doc_->NewElement(&def, &type);
      element->set_location(lines_.Locate(value->offset));
      FillObject(element, *value, type, false);
    }
    if (element != nullptr) AddChild(element);
    return element;
  }

  Element* BuildPrimitive(const ElementDef& def, const TypeDef& type, const JsonNode* value,
                          const JsonNode* extras) {
    Element* element = doc_->NewElement(&def, &type);
    size_t offset = value != nullptr ? value->offset : extras->offset;
    element->set_location(lines_.Locate(offset));
    bool ok = true;
    if (value != nullptr) {
      model::JsonValueKind want =
          def.is_system_value ? model::JsonValueKind::kString : model::JsonKindOf(type.primitive);
      switch (want) {
        case model::JsonValueKind::kString:
          if (value->kind != JsonKind::kString) {
            ok = WrongJsonType(def, type, *value, "a string");
          } else if (CheckPrimitiveText(type, value->text, value->offset)) {
            element->set_value(value->text);
            if (type.primitive == model::Primitive::kXhtml) AttachXhtml(*element);
          } else {
            ok = false;
          }
          break;
        case model::JsonValueKind::kBoolean:
          if (value->kind != JsonKind::kBool) {
            ok = WrongJsonType(def, type, *value, "true or false");
          } else {
            element->set_value(value->bool_value ? "true" : "false");
          }
          break;
        case model::JsonValueKind::kInteger:
          if (value->kind != JsonKind::kNumber) {
            ok = WrongJsonType(def, type, *value, "a number");
          } else if (CheckPrimitiveText(type, value->text, value->offset)) {
            element->set_value(value->text);
          } else {
            ok = false;
          }
          break;
        case model::JsonValueKind::kDecimal:
          if (value->kind != JsonKind::kNumber) {
            ok = WrongJsonType(def, type, *value, "a number");
          } else {
            element->set_value(value->text);
          }
          break;
      }
    }
    if (extras != nullptr) {
      if (extras->kind != JsonKind::kObject) {
        Error(IssueType::kStructure, "JSON_EXPECTED_OBJECT",
              "'_" + def.name + "' must be a JSON object holding id and extension, found " +
                  json::KindName(extras->kind),
              extras->offset);
        ok = false;
      } else {
        FillObject(element, *extras, type, false);
      }
    }
    if (!ok && element->children().empty() && !element->has_value()) return nullptr;
    AddChild(element);
    return element;
  }

  bool WrongJsonType(const ElementDef& def, const TypeDef& type, const JsonNode& value,
                     const char* expected) {
    Error(IssueType::kStructure, "JSON_WRONG_TYPE",
          "'" + def.name + "' is a " + type.name + ": expected " + expected + ", found " +
              json::KindName(value.kind),
          value.offset);
    return false;
  }

  std::vector<Slot> slots_;
};

}  // namespace

std::unique_ptr<model::Document> ParseJson(std::string_view text,
                                           std::shared_ptr<const model::TypeModel> model,
                                           IssueSink& sink, const ParseOptions& options) {
  JsonParser parser(text, std::move(model), sink, options);
  if (!parser.Run()) return nullptr;
  return parser.TakeDocument();
}

std::unique_ptr<model::Document> BuildJson(const JsonTreeBuilder& build,
                                           std::shared_ptr<const model::TypeModel> model,
                                           IssueSink& sink, const ParseOptions& options) {
  JsonParser parser({}, std::move(model), sink, options);
  if (!parser.RunOnTree(build)) return nullptr;
  return parser.TakeDocument();
}

}  // namespace silta::formats
