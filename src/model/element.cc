#include "model/element.h"

#include <algorithm>
#include <cstring>

namespace silta::model {

namespace {

// Most children differ from a wanted name in length or first letter, which is cheaper to see
// than to ask memcmp.
bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}

// The end of the run of children that share children[i]'s definition (so its name): the parsers
// keep them together, and one comparison serves the whole run.
size_t EndOfRun(std::span<const Element* const> children, size_t i) {
  const ElementDef* def = children[i]->definition();
  size_t end = i + 1;
  if (def == nullptr) return end;
  while (end < children.size() && children[end]->definition() == def) ++end;
  return end;
}

}  // namespace

const Element* Element::Child(std::string_view child_name) const {
  auto all = children();
  for (size_t i = 0; i < all.size(); i = EndOfRun(all, i)) {
    if (SameName(all[i]->name(), child_name)) return all[i];
  }
  return nullptr;
}

std::span<const Element* const> Element::Children(std::string_view child_name) const {
  auto all = children();
  for (size_t i = 0; i < all.size(); i = EndOfRun(all, i)) {
    if (!SameName(all[i]->name(), child_name)) continue;
    size_t end = EndOfRun(all, i);
    while (end < all.size() && SameName(all[end]->name(), child_name)) ++end;
    return all.subspan(i, end - i);
  }
  return {};
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

const XhtmlNode* Document::Xhtml(const Element& element) const {
  auto it = xhtml_.find(&element);
  return it != xhtml_.end() ? it->second : nullptr;
}

void Document::SetXhtml(const Element& element, const XhtmlNode* root) { xhtml_[&element] = root; }

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
