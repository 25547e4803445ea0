// A narrative's XHTML as a tree (the xhtml primitive's markup, parsed). The parser that reads a
// resource keeps it beside the element tree (Document::Xhtml) so that later readers, such as the
// validator, do not parse the markup again. Nodes live in the Document's arena.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace silta::model {

struct XhtmlAttribute {
  std::string_view name;   // as written: "href", "xml:lang", "xmlns:x"
  std::string_view value;  // entity and character references decoded
};

struct XhtmlNode {
  enum class Kind : uint8_t { kElement, kText, kComment, kProcessingInstruction, kDoctype };
  Kind kind = Kind::kElement;
  std::string_view name;        // elements: the name as written ("p", or "x:p" with a prefix)
  std::string_view local_name;  // elements: the name without its prefix
  std::string_view ns;          // elements: the namespace in scope; empty when there is none
  std::string_view text;        // text (references decoded), comment or instruction content
  std::span<const XhtmlAttribute> attributes;
  // Whitespace-only text between elements is left out.
  std::span<const XhtmlNode> children;

  bool is_element() const { return kind == Kind::kElement; }
  // The value of the attribute named `attribute_name`, or null when it is absent.
  const XhtmlAttribute* Attribute(std::string_view attribute_name) const {
    for (const XhtmlAttribute& a : attributes) {
      if (a.name == attribute_name) return &a;
    }
    return nullptr;
  }
};

inline constexpr std::string_view kXhtmlNamespace = "http://www.w3.org/1999/xhtml";

}  // namespace silta::model
