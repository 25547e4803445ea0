#include "model/type_model.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "base/numbers.h"
#include "base/text.h"
#include "json/json.h"

namespace silta::model {

namespace {

struct PrimitiveName {
  std::string_view name;
  Primitive primitive;
};

constexpr PrimitiveName kPrimitiveNames[] = {
    {"boolean", Primitive::kBoolean},
    {"integer", Primitive::kInteger},
    {"unsignedInt", Primitive::kUnsignedInt},
    {"positiveInt", Primitive::kPositiveInt},
    {"decimal", Primitive::kDecimal},
    {"string", Primitive::kString},
    {"code", Primitive::kCode},
    {"id", Primitive::kId},
    {"markdown", Primitive::kMarkdown},
    {"uri", Primitive::kUri},
    {"url", Primitive::kUrl},
    {"canonical", Primitive::kCanonical},
    {"oid", Primitive::kOid},
    {"uuid", Primitive::kUuid},
    {"base64Binary", Primitive::kBase64Binary},
    {"instant", Primitive::kInstant},
    {"date", Primitive::kDate},
    {"dateTime", Primitive::kDateTime},
    {"time", Primitive::kTime},
    {"xhtml", Primitive::kXhtml},
};

// FHIRPath system types used as element types in R4 definitions (Element.id, Extension.url...),
// when the definition does not name the FHIR type in an extension.
std::string_view FhirTypeForSystemType(std::string_view code) {
  constexpr std::string_view kPrefix = "http://hl7.org/fhirpath/System.";
  std::string_view t = code.substr(kPrefix.size());
  if (t == "String") return "string";
  if (t == "Boolean") return "boolean";
  if (t == "Integer") return "integer";
  if (t == "Decimal") return "decimal";
  if (t == "Date") return "date";
  if (t == "DateTime") return "dateTime";
  if (t == "Time") return "time";
  return "string";
}

}  // namespace

Primitive PrimitiveFromName(std::string_view name) {
  for (const auto& p : kPrimitiveNames) {
    if (p.name == name) return p.primitive;
  }
  return Primitive::kNone;
}

JsonValueKind JsonKindOf(Primitive p) {
  switch (p) {
    case Primitive::kBoolean:
      return JsonValueKind::kBoolean;
    case Primitive::kInteger:
    case Primitive::kUnsignedInt:
    case Primitive::kPositiveInt:
      return JsonValueKind::kInteger;
    case Primitive::kDecimal:
      return JsonValueKind::kDecimal;
    default:
      return JsonValueKind::kString;
  }
}

bool TypeDef::IsA(const TypeDef* other) const {
  for (const TypeDef* t = this; t != nullptr; t = t->base) {
    if (t == other) return true;
  }
  return false;
}

bool TypeDef::IsA(std::string_view other_name) const {
  for (const TypeDef* t = this; t != nullptr; t = t->base) {
    if (t->name == other_name) return true;
  }
  return false;
}

const ElementDef* TypeDef::FindElement(std::string_view element_name) const {
  for (const ElementDef& e : elements) {
    if (e.name == element_name) return &e;
  }
  return nullptr;
}

namespace {

// Member names are short ASCII words; their length and first and last bytes spread them well.
inline size_t MemberHash(std::string_view name) {
  size_t n = name.size();
  if (n == 0) return 0;
  uint64_t h = n * 0x9E3779B97F4A7C15ull;
  h ^= static_cast<unsigned char>(name[0]) * 0xC2B2AE3D27D4EB4Full;
  h ^= static_cast<unsigned char>(name[n - 1]) * 0x165667B19E3779F9ull;
  h ^= static_cast<unsigned char>(name[n / 2]) * 0x27D4EB2F165667C5ull;
  return static_cast<size_t>(h ^ (h >> 31));
}

}  // namespace

bool TypeDef::MatchMember(std::string_view member_name, MemberMatch* match) const {
  if (member_slots_.empty()) return false;
  size_t mask = member_slots_.size() - 1;
  for (size_t i = MemberHash(member_name) & mask;; i = (i + 1) & mask) {
    const MemberSlot& slot = member_slots_[i];
    if (slot.name == UINT32_MAX) return false;
    if (member_names_[slot.name] == member_name) {
      *match = slot.match;
      return true;
    }
  }
}

void TypeDef::AddMember(std::string wire_name, MemberMatch match) {
  MemberMatch existing;
  if (MatchMember(wire_name, &existing)) return;  // the first definition wins, as before
  member_names_.push_back(std::move(wire_name));
  // At most half full, so probes stay short and always end at an empty slot.
  if (member_names_.size() * 2 > member_slots_.size()) {
    std::vector<MemberSlot> old = std::move(member_slots_);
    member_slots_.assign(std::max<size_t>(8, old.size() * 2), MemberSlot{});
    for (const MemberSlot& slot : old) {
      if (slot.name == UINT32_MAX) continue;
      size_t mask = member_slots_.size() - 1;
      size_t i = MemberHash(member_names_[slot.name]) & mask;
      while (member_slots_[i].name != UINT32_MAX) i = (i + 1) & mask;
      member_slots_[i] = slot;
    }
  }
  size_t mask = member_slots_.size() - 1;
  size_t i = MemberHash(member_names_.back()) & mask;
  while (member_slots_[i].name != UINT32_MAX) i = (i + 1) & mask;
  member_slots_[i] = {static_cast<uint32_t>(member_names_.size() - 1), match};
}

std::string TypeDef::MemberName(const ElementDef& element, const TypeDef& type) {
  if (!element.is_choice) return element.name;
  std::string out = element.name;
  out += type.name;
  out[element.name.size()] =
      static_cast<char>(std::toupper(static_cast<unsigned char>(out[element.name.size()])));
  return out;
}

// Turns StructureDefinition snapshots into TypeDefs. Two passes: create every type (including
// the inline backbone types), then resolve type names to pointers once all exist.
class TypeModelBuilder {
 public:
  Status AddDefinition(const rapidjson::Value& sd) {
    std::string_view kind = json::StringMember(sd, "kind");
    std::string_view derivation = json::StringMember(sd, "derivation");
    std::string_view type_name = json::StringMember(sd, "type");
    if (kind == "logical") return Status::Ok();
    if (!derivation.empty() && derivation != "specialization") return Status::Ok();
    if (type_name.empty()) return Status::Ok();
    auto snap = sd.FindMember("snapshot");
    if (snap == sd.MemberEnd() || !snap->value.IsObject()) {
      return InvalidArgumentError("StructureDefinition " + std::string(type_name) +
                                  " has no snapshot");
    }
    auto elements = snap->value.FindMember("element");
    if (elements == snap->value.MemberEnd() || !elements->value.IsArray() ||
        elements->value.Empty()) {
      return InvalidArgumentError("StructureDefinition " + std::string(type_name) +
                                  " has an empty snapshot");
    }
    if (fhir_version_.empty()) fhir_version_ = std::string(json::StringMember(sd, "fhirVersion"));

    auto root = std::make_unique<PendingType>();
    root->def.name = std::string(type_name);
    root->def.url = std::string(json::StringMember(sd, "url"));
    root->def.kind = kind == "resource"         ? TypeKind::kResource
                     : kind == "primitive-type" ? TypeKind::kPrimitive
                                                : TypeKind::kComplex;
    root->def.primitive =
        root->def.kind == TypeKind::kPrimitive ? PrimitiveFromName(type_name) : Primitive::kNone;
    auto abs = sd.FindMember("abstract");
    root->def.is_abstract = abs != sd.MemberEnd() && abs->value.IsBool() && abs->value.GetBool();
    std::string_view base_url = json::StringMember(sd, "baseDefinition");
    root->base_name = std::string(LastPathSegment(base_url.substr(base_url.rfind('/') + 1)));
    if (base_url.empty()) root->base_name.clear();

    // Index of pending types by element path, for this definition only.
    std::map<std::string, PendingType*, std::less<>> by_path;
    by_path[root->def.name] = root.get();
    PendingType* root_ptr = root.get();
    pending_.push_back(std::move(root));

    const rapidjson::Value& list = elements->value;
    for (rapidjson::SizeType i = 1; i < list.Size(); ++i) {
      const rapidjson::Value& e = list[i];
      std::string_view path = json::StringMember(e, "path");
      std::string_view parent_path = ParentPath(path);
      auto parent_it = by_path.find(parent_path);
      if (parent_it == by_path.end()) {
        return InvalidArgumentError("StructureDefinition " + std::string(type_name) + ": element " +
                                    std::string(path) + " appears before its parent");
      }
      PendingType* parent = parent_it->second;
      std::string_view segment = LastPathSegment(path);
      // Primitive types describe their own lexical value as "x.value"; it is not an element.
      if (root_ptr->def.kind == TypeKind::kPrimitive && parent == root_ptr && segment == "value") {
        continue;
      }
      PendingElement pe;
      pe.def.path = std::string(path);
      pe.def.is_choice = segment.size() > 3 && segment.substr(segment.size() - 3) == "[x]";
      pe.def.name = std::string(pe.def.is_choice ? segment.substr(0, segment.size() - 3) : segment);
      auto min_it = e.FindMember("min");
      if (min_it != e.MemberEnd() && min_it->value.IsUint()) pe.def.min = min_it->value.GetUint();
      std::string_view max = json::StringMember(e, "max");
      if (max == "*") {
        pe.def.max = kUnbounded;
      } else if (max.empty()) {
        pe.def.max = 1;
      } else {
        // kUnbounded is reserved for "*".
        std::optional<uint32_t> n = ParseInteger<uint32_t>(max, 0, kUnbounded - 1);
        if (!n) {
          return InvalidArgumentError("StructureDefinition " + std::string(type_name) +
                                      ": element " + std::string(path) + " has max '" +
                                      std::string(max) + "', not a number or '*'");
        }
        pe.def.max = *n;
      }
      auto mod = e.FindMember("isModifier");
      pe.def.is_modifier = mod != e.MemberEnd() && mod->value.IsBool() && mod->value.GetBool();
      auto sum = e.FindMember("isSummary");
      pe.def.is_summary = sum != e.MemberEnd() && sum->value.IsBool() && sum->value.GetBool();
      auto rep = e.FindMember("representation");
      if (rep != e.MemberEnd() && rep->value.IsArray()) {
        for (const auto& r : rep->value.GetArray()) {
          if (r.IsString() && std::string_view(r.GetString()) == "xmlAttr") {
            pe.def.xml_attribute = true;
          }
        }
      }
      std::string_view content_ref = json::StringMember(e, "contentReference");
      if (!content_ref.empty()) {
        size_t hash = content_ref.find('#');
        pe.type_names.emplace_back(
            content_ref.substr(hash == std::string_view::npos ? 0 : hash + 1));
      }
      auto types = e.FindMember("type");
      if (types != e.MemberEnd() && types->value.IsArray()) {
        for (const auto& t : types->value.GetArray()) {
          std::string_view code = json::StringMember(t, "code");
          if (code.rfind("http://hl7.org/fhirpath/System.", 0) == 0) {
            pe.def.is_system_value = true;
            std::string_view fhir_type = FhirTypeForSystemType(code);
            auto ext = t.FindMember("extension");
            if (ext != t.MemberEnd() && ext->value.IsArray()) {
              for (const auto& x : ext->value.GetArray()) {
                if (json::StringMember(x, "url") ==
                    "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") {
                  std::string_view v = json::StringMember(x, "valueUrl");
                  if (v.empty()) v = json::StringMember(x, "valueUri");
                  if (!v.empty()) fhir_type = v;
                }
              }
            }
            pe.type_names.emplace_back(fhir_type);
          } else {
            pe.type_names.emplace_back(code);
          }
        }
      }
      // Elements followed by their own children get an inline (backbone) type named by path.
      bool has_children = false;
      if (i + 1 < list.Size()) {
        std::string_view next = json::StringMember(list[i + 1], "path");
        has_children = next.size() > path.size() && next.substr(0, path.size()) == path &&
                       next[path.size()] == '.';
      }
      if (has_children) {
        auto inline_type = std::make_unique<PendingType>();
        inline_type->def.name = std::string(path);
        inline_type->def.kind = TypeKind::kBackbone;
        inline_type->base_name = pe.type_names.empty() ? "BackboneElement" : pe.type_names[0];
        pe.type_names.assign(1, inline_type->def.name);
        by_path[inline_type->def.name] = inline_type.get();
        pending_.push_back(std::move(inline_type));
      }
      if (pe.type_names.empty()) {
        return InvalidArgumentError("StructureDefinition " + std::string(type_name) + ": element " +
                                    std::string(path) + " has no type");
      }
      pe.def.order = static_cast<uint16_t>(parent->elements.size());
      parent->elements.push_back(std::move(pe));
    }
    return Status::Ok();
  }

  // Reads one type of the compact form written by TypeModel::Serialize.
  Status AddCompact(const rapidjson::Value& t) {
    if (!t.IsObject()) return DataLossError("type model cache: a type is not an object");
    auto p = std::make_unique<PendingType>();
    p->def.name = std::string(json::StringMember(t, "n"));
    p->def.url = std::string(json::StringMember(t, "u"));
    std::string_view kind = json::StringMember(t, "k");
    p->def.kind = kind == "r"   ? TypeKind::kResource
                  : kind == "p" ? TypeKind::kPrimitive
                  : kind == "b" ? TypeKind::kBackbone
                                : TypeKind::kComplex;
    p->def.primitive =
        p->def.kind == TypeKind::kPrimitive ? PrimitiveFromName(p->def.name) : Primitive::kNone;
    p->def.is_abstract = t.HasMember("a");
    p->base_name = std::string(json::StringMember(t, "b"));
    auto elements = t.FindMember("e");
    if (p->def.name.empty() || elements == t.MemberEnd() || !elements->value.IsArray()) {
      return DataLossError("type model cache: malformed type " + p->def.name);
    }
    for (const auto& e : elements->value.GetArray()) {
      if (!e.IsArray() || e.Size() != 5 || !e[0].IsString() || !e[1].IsUint() || !e[2].IsUint() ||
          !e[3].IsUint() || !e[4].IsArray()) {
        return DataLossError("type model cache: malformed element in " + p->def.name);
      }
      PendingElement pe;
      pe.def.path = e[0].GetString();
      std::string_view segment = LastPathSegment(pe.def.path);
      uint32_t flags = e[3].GetUint();
      pe.def.is_choice = (flags & kFlagChoice) != 0;
      pe.def.name = std::string(pe.def.is_choice ? segment.substr(0, segment.size() - 3) : segment);
      pe.def.min = e[1].GetUint();
      pe.def.max = e[2].GetUint();
      pe.def.is_system_value = (flags & kFlagSystemValue) != 0;
      pe.def.xml_attribute = (flags & kFlagXmlAttribute) != 0;
      pe.def.is_modifier = (flags & kFlagModifier) != 0;
      pe.def.is_summary = (flags & kFlagSummary) != 0;
      pe.def.order = static_cast<uint16_t>(p->elements.size());
      for (const auto& tn : e[4].GetArray()) {
        if (!tn.IsString()) return DataLossError("type model cache: malformed type name");
        pe.type_names.emplace_back(tn.GetString());
      }
      p->elements.push_back(std::move(pe));
    }
    pending_.push_back(std::move(p));
    return Status::Ok();
  }

  void set_fhir_version(std::string v) { fhir_version_ = std::move(v); }

  static constexpr uint32_t kFlagChoice = 1;
  static constexpr uint32_t kFlagSystemValue = 2;
  static constexpr uint32_t kFlagXmlAttribute = 4;
  static constexpr uint32_t kFlagModifier = 8;
  static constexpr uint32_t kFlagSummary = 16;

  StatusOr<std::shared_ptr<const TypeModel>> Finish() {
    auto model = std::make_shared<TypeModel>();
    model->fhir_version_ = fhir_version_;
    for (auto& p : pending_) {
      auto def = std::make_unique<TypeDef>(std::move(p->def));
      p->built = def.get();
      def->index = static_cast<uint32_t>(model->types_.size());
      if (!model->by_name_.emplace(def->name, def.get()).second) {
        return InvalidArgumentError("type " + def->name + " is defined twice");
      }
      model->types_.push_back(std::move(def));
    }
    for (auto& p : pending_) {
      TypeDef* t = p->built;
      if (!p->base_name.empty()) {
        auto it = model->by_name_.find(p->base_name);
        if (it == model->by_name_.end()) {
          return InvalidArgumentError("type " + t->name + " derives from unknown type " +
                                      p->base_name);
        }
        t->base = it->second;
      }
      t->elements.reserve(p->elements.size());
      for (auto& pe : p->elements) {
        for (const std::string& type_name : pe.type_names) {
          auto it = model->by_name_.find(type_name);
          if (it == model->by_name_.end()) {
            return InvalidArgumentError("element " + pe.def.path + " has unknown type " +
                                        type_name);
          }
          pe.def.types.push_back(it->second);
        }
        t->elements.push_back(std::move(pe.def));
      }
    }
    // Wire names need every element's types resolved, so they come last.
    for (auto& type : model->types_) {
      for (const ElementDef& e : type->elements) {
        for (const TypeDef* choice : e.types) {
          type->AddMember(TypeDef::MemberName(e, *choice), TypeDef::MemberMatch{&e, choice});
        }
      }
    }
    return std::shared_ptr<const TypeModel>(std::move(model));
  }

 private:
  struct PendingElement {
    ElementDef def;
    std::vector<std::string> type_names;
  };
  struct PendingType {
    TypeDef def;
    std::string base_name;
    std::vector<PendingElement> elements;
    TypeDef* built = nullptr;
  };

  std::string fhir_version_;
  std::vector<std::unique_ptr<PendingType>> pending_;
};

StatusOr<std::shared_ptr<const TypeModel>> TypeModel::FromStructureDefinitions(
    const std::vector<std::string>& json_texts) {
  TypeModelBuilder builder;
  for (const std::string& text : json_texts) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
      return InvalidArgumentError(std::string("StructureDefinition is not valid JSON: ") +
                                  rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (json::StringMember(doc, "resourceType") != "StructureDefinition") continue;
    SILTA_RETURN_IF_ERROR(builder.AddDefinition(doc));
  }
  return builder.Finish();
}

constexpr int kCompactFormatVersion = 1;

std::string TypeModel::Serialize() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("format");
  w.Int(kCompactFormatVersion);
  w.Key("fhirVersion");
  w.String(fhir_version_.c_str());
  w.Key("types");
  w.StartArray();
  for (const auto& t : types_) {
    w.StartObject();
    w.Key("n");
    w.String(t->name.c_str());
    if (!t->url.empty()) {
      w.Key("u");
      w.String(t->url.c_str());
    }
    w.Key("k");
    w.String(t->kind == TypeKind::kResource    ? "r"
             : t->kind == TypeKind::kPrimitive ? "p"
             : t->kind == TypeKind::kBackbone  ? "b"
                                               : "c");
    if (t->is_abstract) {
      w.Key("a");
      w.Int(1);
    }
    if (t->base != nullptr) {
      w.Key("b");
      w.String(t->base->name.c_str());
    }
    w.Key("e");
    w.StartArray();
    for (const ElementDef& e : t->elements) {
      w.StartArray();
      w.String(e.path.c_str());
      w.Uint(e.min);
      w.Uint(e.max);
      uint32_t flags = (e.is_choice ? TypeModelBuilder::kFlagChoice : 0) |
                       (e.is_system_value ? TypeModelBuilder::kFlagSystemValue : 0) |
                       (e.xml_attribute ? TypeModelBuilder::kFlagXmlAttribute : 0) |
                       (e.is_modifier ? TypeModelBuilder::kFlagModifier : 0) |
                       (e.is_summary ? TypeModelBuilder::kFlagSummary : 0);
      w.Uint(flags);
      w.StartArray();
      for (const TypeDef* et : e.types) w.String(et->name.c_str());
      w.EndArray();
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<std::shared_ptr<const TypeModel>> TypeModel::Deserialize(std::string_view text) {
  rapidjson::Document parsed;
  parsed.Parse(text.data(), text.size());
  if (parsed.HasParseError() || !parsed.IsObject()) {
    return DataLossError("type model cache is not valid JSON");
  }
  // Const access: RapidJSON's mutable iterators compare ambiguously under C++20.
  const rapidjson::Value& doc = parsed;
  auto format = doc.FindMember("format");
  if (format == doc.MemberEnd() || !format->value.IsInt() ||
      format->value.GetInt() != kCompactFormatVersion) {
    return FailedPreconditionError("type model cache has another format version");
  }
  auto types = doc.FindMember("types");
  if (types == doc.MemberEnd() || !types->value.IsArray()) {
    return DataLossError("type model cache has no types");
  }
  TypeModelBuilder builder;
  builder.set_fhir_version(std::string(json::StringMember(doc, "fhirVersion")));
  for (const auto& t : types->value.GetArray()) SILTA_RETURN_IF_ERROR(builder.AddCompact(t));
  return builder.Finish();
}

const TypeDef* TypeModel::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const TypeDef* TypeModel::FindResource(std::string_view name) const {
  const TypeDef* t = Find(name);
  return t != nullptr && t->kind == TypeKind::kResource ? t : nullptr;
}

}  // namespace silta::model
