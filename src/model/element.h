// The element tree: a generic, definition-aware FHIR instance. Every node knows its element
// definition, its FHIR type and, for primitives, the exact lexical value (decimals keep their
// text). Nodes live in the Document's arena; a finished Document is immutable and can be read
// from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/issues.h"
#include "model/type_model.h"
#include "model/xhtml.h"

namespace silta::model {

class Element {
 public:
  // The element's name as FHIRPath sees it: "value" for value[x], "contained" for a contained
  // resource, the resource type for a root resource.
  std::string_view name() const { return definition_ != nullptr ? definition_->name : type_->name; }
  // Null for a root resource.
  const ElementDef* definition() const { return definition_; }
  const TypeDef* type() const { return type_; }
  const Element* parent() const { return parent_; }

  bool is_primitive() const { return type_->kind == TypeKind::kPrimitive; }
  bool is_resource() const { return type_->kind == TypeKind::kResource; }
  Primitive primitive() const { return type_->primitive; }

  // Primitives: the lexical value as it appears in JSON/XML (for xhtml, the whole div markup).
  bool has_value() const { return has_value_; }
  // The parser refused what this element held (a property of the wrong JSON shape, an unknown
  // one...) and reported it: an element left empty that way is not empty in the source, so
  // "must have a value or children" (ele-1) would only repeat the parser's finding.
  bool content_rejected() const { return content_rejected_; }
  std::string_view value() const { return {value_, value_size_}; }

  // Children in definition order; repeated elements are adjacent in document order. For a
  // primitive: its id and extensions.
  std::span<const Element* const> children() const { return {children_, child_count_}; }
  // The first child with this name, or null.
  const Element* Child(std::string_view child_name) const;
  // All children with this name (adjacent, so this is a subspan).
  std::span<const Element* const> Children(std::string_view child_name) const;

  // Position among the siblings of the same name: the [n] in Patient.name[1].
  uint32_t index() const { return index_; }
  SourceLocation location() const { return location_; }

  // The name on the wire: "valueQuantity" for a choice, name() otherwise.
  std::string WireName() const;
  // A FHIRPath location such as "Patient.name[0].given[1]" (the [n] only on repeating elements).
  std::string Path() const;

  // Construction, used by the parsers and the document builder API.
  Element(const ElementDef* definition, const TypeDef* type)
      : definition_(definition), type_(type) {}
  void set_value(std::string_view arena_text) {
    value_ = arena_text.data();
    value_size_ = static_cast<uint32_t>(arena_text.size());
    has_value_ = true;
  }
  void set_location(SourceLocation location) { location_ = location; }
  void set_content_rejected() { content_rejected_ = true; }
  void set_index(uint32_t index) { index_ = index; }
  // `children` must live in the same arena; their parent pointers are set here.
  void set_children(std::span<Element*> children);

 private:
  const ElementDef* definition_;
  const TypeDef* type_;
  const Element* parent_ = nullptr;
  const char* value_ = nullptr;
  const Element* const* children_ = nullptr;
  uint32_t value_size_ = 0;
  uint32_t child_count_ = 0;
  uint32_t index_ = 0;
  bool has_value_ = false;
  bool content_rejected_ = false;
  SourceLocation location_;
};

// Owns an element tree and the memory it lives in.
class Document {
 public:
  explicit Document(std::shared_ptr<const TypeModel> model);
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  const Element* root() const { return root_; }
  const TypeModel& model() const { return *model_; }
  const std::shared_ptr<const TypeModel>& model_ptr() const { return model_; }

  // Where the document came from (a file name), for issue reports.
  const std::string& source_name() const { return source_name_; }
  void set_source_name(std::string name) { source_name_ = std::move(name); }

  // Building.
  Element* NewElement(const ElementDef* definition, const TypeDef* type);
  std::string_view CopyString(std::string_view text);
  std::span<Element*> NewChildArray(size_t count);
  void set_root(Element* root) { root_ = root; }
  std::pmr::memory_resource* arena() { return &arena_; }

  // The parsed form of an xhtml element's markup, when the parser that built the document kept
  // it (in this document's arena); null otherwise.
  const XhtmlNode* Xhtml(const Element& element) const;
  void SetXhtml(const Element& element, const XhtmlNode* root);

 private:
  std::shared_ptr<const TypeModel> model_;
  std::pmr::monotonic_buffer_resource arena_;
  std::pmr::unordered_map<const Element*, const XhtmlNode*> xhtml_{&arena_};
  Element* root_ = nullptr;
  std::string source_name_;
};

// Ordered comparison of element trees by value: same names, types, values and children.
bool DeepEquals(const Element& a, const Element& b);

}  // namespace silta::model
