#include "model/element.h"

#include <algorithm>
#include <cstring>

namespace silta::model {

const Element* Element::Child(std::string_view child_name) const {
  for (const Element* c : children()) {
    if (c->name() == child_name) return c;
  }
  return nullptr;
}

std::span<const Element* const> Element::Children(std::string_view child_name) const {
  auto all = children();
  auto first = std::find_if(all.begin(), all.end(),
                            [&](const Element* c) { return c->name() == child_name; });
  auto last =
      std::find_if(first, all.end(), [&](const Element* c) { return c->name() != child_name; });
  return {first, last};
}

std::string Element::WireName() const {
  if (definition_ == nullptr) return type_->name;
  return TypeDef::MemberName(*definition_, *type_);
}

std::string Element::Path() const {
  std::vector<const Element*> chain;
  for (const Element* e = this; e != nullptr; e = e->parent_) chain.push_back(e);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Element* e = *it;
    if (!out.empty()) out += '.';
    out += e->name();
    if (e->definition_ != nullptr && e->definition_->is_array()) {
      out += '[';
      out += std::to_string(e->index_);
      out += ']';
    }
  }
  return out;
}

void Element::set_children(std::span<Element*> children) {
  for (Element* c : children) c->parent_ = this;
  children_ = children.data();
  child_count_ = static_cast<uint32_t>(children.size());
}

Document::Document(std::shared_ptr<const TypeModel> model)
    : model_(std::move(model)), arena_(16 * 1024) {}

Element* Document::NewElement(const ElementDef* definition, const TypeDef* type) {
  void* mem = arena_.allocate(sizeof(Element), alignof(Element));
  return new (mem) Element(definition, type);
}

std::string_view Document::CopyString(std::string_view text) {
  if (text.empty()) return {"", 0};
  char* mem = static_cast<char*>(arena_.allocate(text.size(), 1));
  std::memcpy(mem, text.data(), text.size());
  return {mem, text.size()};
}

std::span<Element*> Document::NewChildArray(size_t count) {
  if (count == 0) return {};
  void* mem = arena_.allocate(sizeof(Element*) * count, alignof(Element*));
  return {static_cast<Element**>(mem), count};
}

bool DeepEquals(const Element& a, const Element& b) {
  if (a.type() != b.type() || a.name() != b.name() || a.has_value() != b.has_value() ||
      a.value() != b.value() || a.children().size() != b.children().size()) {
    return false;
  }
  for (size_t i = 0; i < a.children().size(); ++i) {
    if (!DeepEquals(*a.children()[i], *b.children()[i])) return false;
  }
  return true;
}

}  // namespace silta::model
