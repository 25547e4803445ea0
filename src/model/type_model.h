// The FHIR type model: every resource, datatype and primitive of a FHIR version, with its
// elements in definition order. Built once from the base StructureDefinitions (the snapshots of
// the "specialization" definitions), then immutable and shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/string_map.h"

namespace silta::model {

enum class TypeKind : uint8_t {
  kPrimitive,  // string, decimal, dateTime...
  kComplex,    // HumanName, Quantity, Extension, Element...
  kResource,   // Patient, Bundle, Resource, DomainResource...
  kBackbone,   // an element defined inline, e.g. Patient.contact
};

// The R4 primitive types. Their lexical form decides the JSON representation.
enum class Primitive : uint8_t {
  kNone,  // not a primitive
  kBoolean,
  kInteger,
  kUnsignedInt,
  kPositiveInt,
  kDecimal,
  kString,
  kCode,
  kId,
  kMarkdown,
  kUri,
  kUrl,
  kCanonical,
  kOid,
  kUuid,
  kBase64Binary,
  kInstant,
  kDate,
  kDateTime,
  kTime,
  kXhtml,
};

Primitive PrimitiveFromName(std::string_view name);

// How a primitive's value is written in JSON.
enum class JsonValueKind : uint8_t { kString, kBoolean, kInteger, kDecimal };
JsonValueKind JsonKindOf(Primitive p);

struct TypeDef;

inline constexpr uint32_t kUnbounded = UINT32_MAX;

struct ElementDef {
  std::string name;  // "value" for "value[x]"; the last path segment otherwise
  std::string path;  // "Observation.value[x]"
  uint32_t min = 0;
  uint32_t max = 1;  // kUnbounded for "*"
  bool is_choice = false;
  // Element.id, Extension.url and similar: plain values of a FHIRPath system type. They carry
  // no id or extensions (no "_name" in JSON).
  bool is_system_value = false;
  bool xml_attribute = false;  // representation "xmlAttr"
  bool is_modifier = false;
  bool is_summary = false;
  uint16_t order = 0;                 // position among the parent type's elements
  std::vector<const TypeDef*> types;  // one, or the choices of a [x] element

  bool is_array() const { return max > 1; }
};

struct TypeDef {
  std::string name;  // "Patient", "string", or "Patient.contact" for backbone types
  std::string url;   // canonical URL of the defining StructureDefinition ("" for backbones)
  TypeKind kind = TypeKind::kComplex;
  Primitive primitive = Primitive::kNone;
  bool is_abstract = false;
  const TypeDef* base = nullptr;     // DomainResource for Patient, BackboneElement for backbones
  std::vector<ElementDef> elements;  // in definition order, inherited ones included
  uint32_t index = 0;                // position in its TypeModel's types(), for per-type tables

  bool is_primitive() const { return kind == TypeKind::kPrimitive; }
  bool is_resource() const { return kind == TypeKind::kResource; }
  // True when this type is `other` or derives from it (Patient IsA DomainResource IsA Resource).
  bool IsA(const TypeDef* other) const;
  bool IsA(std::string_view other_name) const;

  const ElementDef* FindElement(std::string_view name) const;

  // Resolves a serialized member name: "valueQuantity" gives the value[x] element and Quantity;
  // "given" gives the given element and its single type. Returns false if unknown.
  struct MemberMatch {
    const ElementDef* element = nullptr;
    const TypeDef* type = nullptr;
  };
  bool MatchMember(std::string_view member_name, MemberMatch* match) const;

  // Name used on the wire for an element of this definition holding a value of `type`:
  // "valueQuantity" for choices, the plain name otherwise.
  static std::string MemberName(const ElementDef& element, const TypeDef& type);

 private:
  friend class TypeModelBuilder;
  void AddMember(std::string wire_name, MemberMatch match);

  // Wire names, looked up for every member of every resource parsed, mapped or sorted: an
  // open-addressing table with a power-of-two size and an inline hash, cheaper than a node map.
  struct MemberSlot {
    uint32_t name = UINT32_MAX;  // index into member_names_; UINT32_MAX: empty
    MemberMatch match;
  };
  std::vector<std::string> member_names_;
  std::vector<MemberSlot> member_slots_;
};

class TypeModel {
 public:
  TypeModel() = default;
  TypeModel(const TypeModel&) = delete;
  TypeModel& operator=(const TypeModel&) = delete;

  // Builds from StructureDefinition JSON texts. Only specializations (and the abstract roots
  // Element, Resource...) are used; constraints (profiles) are ignored here.
  static StatusOr<std::shared_ptr<const TypeModel>> FromStructureDefinitions(
      const std::vector<std::string>& json_texts);

  // A compact form of the model (a few hundred KB for R4) that loads an order of magnitude
  // faster than the StructureDefinitions it came from; used as an on-disk cache.
  std::string Serialize() const;
  static StatusOr<std::shared_ptr<const TypeModel>> Deserialize(std::string_view text);

  const TypeDef* Find(std::string_view name) const;
  // A concrete (or abstract) resource type by its resourceType name.
  const TypeDef* FindResource(std::string_view name) const;

  const std::string& fhir_version() const { return fhir_version_; }
  size_t type_count() const { return types_.size(); }
  const std::vector<std::unique_ptr<TypeDef>>& types() const { return types_; }

 private:
  friend class TypeModelBuilder;
  std::string fhir_version_;
  std::vector<std::unique_ptr<TypeDef>> types_;
  StringMap<const TypeDef*> by_name_;
};

}  // namespace silta::model
