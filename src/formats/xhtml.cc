// Narrative markup → model::XhtmlNode tree, with the well-formedness rules the parsers apply to
// every narrative they read.
#include <pugixml.hpp>

#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "formats/formats.h"
#include "formats/parse_common.h"

namespace silta::formats {

namespace {

using model::XhtmlAttribute;
using model::XhtmlNode;

// Deeper nesting than this is refused rather than followed (the tree is built recursively).
constexpr int kMaxXhtmlDepth = 256;

std::string_view LocalPart(std::string_view name, std::string_view* prefix) {
  size_t colon = name.find(':');
  if (colon == std::string_view::npos) {
    *prefix = {};
    return name;
  }
  *prefix = name.substr(0, colon);
  return name.substr(colon + 1);
}

bool IsBlank(const char* text) {
  for (; *text != '\0'; ++text) {
    if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r') return false;
  }
  return true;
}

// The namespace declarations in force at an element, innermost last.
struct NsBinding {
  std::string_view prefix;  // empty: the default namespace
  std::string_view uri;
};

std::string_view Resolve(const std::vector<NsBinding>& scope, std::string_view prefix) {
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
    if (it->prefix == prefix) return it->uri;
  }
  return {};
}

class TreeBuilder {
 public:
  explicit TreeBuilder(std::pmr::memory_resource* arena) : arena_(arena) {}

  // False when the nesting is too deep.
  bool Build(pugi::xml_node source, XhtmlNode* out, int depth) {
    switch (source.type()) {
      case pugi::node_element:
        return BuildElement(source, out, depth);
      case pugi::node_pcdata:
      case pugi::node_cdata:
        out->kind = XhtmlNode::Kind::kText;
        out->text = source.value();
        return true;
      case pugi::node_comment:
        out->kind = XhtmlNode::Kind::kComment;
        out->text = source.value();
        return true;
      case pugi::node_doctype:
        out->kind = XhtmlNode::Kind::kDoctype;
        out->text = source.value();
        return true;
      default:  // processing instructions and declarations
        out->kind = XhtmlNode::Kind::kProcessingInstruction;
        out->name = source.name();
        out->text = source.value();
        return true;
    }
  }

 private:
  bool BuildElement(pugi::xml_node source, XhtmlNode* out, int depth) {
    if (depth > kMaxXhtmlDepth) return false;
    size_t scope_mark = scope_.size();
    size_t attribute_mark = attributes_.size();
    for (pugi::xml_attribute a = source.first_attribute(); a; a = a.next_attribute()) {
      XhtmlAttribute attribute{a.name(), a.value()};
      if (attribute.name == "xmlns") {
        scope_.push_back({{}, attribute.value});
      } else if (attribute.name.substr(0, 6) == "xmlns:") {
        scope_.push_back({attribute.name.substr(6), attribute.value});
      }
      attributes_.push_back(attribute);
    }
    out->kind = XhtmlNode::Kind::kElement;
    out->name = source.name();
    std::string_view prefix;
    out->local_name = LocalPart(out->name, &prefix);
    out->ns = Resolve(scope_, prefix);
    out->attributes = Keep(attributes_, attribute_mark);
    // Children are gathered on a shared stack first, so that their array is allocated once,
    // at its size, without walking the siblings twice.
    size_t child_mark = children_.size();
    for (pugi::xml_node c = source.first_child(); c; c = c.next_sibling()) {
      // Whitespace-only text between elements (indentation) is left out: it is most of the
      // nodes of a pretty-printed narrative and says nothing.
      if (c.type() == pugi::node_pcdata && IsBlank(c.value())) continue;
      children_.push_back(c);
    }
    size_t child_count = children_.size() - child_mark;
    bool ok = true;
    if (child_count != 0) {
      auto* children = static_cast<XhtmlNode*>(
          arena_->allocate(sizeof(XhtmlNode) * child_count, alignof(XhtmlNode)));
      for (size_t i = 0; i < child_count && ok; ++i) {
        XhtmlNode* child = new (&children[i]) XhtmlNode();
        ok = Build(children_[child_mark + i], child, depth + 1);
      }
      out->children = {children, child_count};
    }
    children_.resize(child_mark);
    scope_.resize(scope_mark);
    return ok;
  }

  // Moves the attributes above `mark` into the arena.
  std::span<const XhtmlAttribute> Keep(std::vector<XhtmlAttribute>& stack, size_t mark) {
    size_t count = stack.size() - mark;
    if (count == 0) return {};
    auto* kept = static_cast<XhtmlAttribute*>(
        arena_->allocate(sizeof(XhtmlAttribute) * count, alignof(XhtmlAttribute)));
    std::uninitialized_copy(stack.begin() + static_cast<ptrdiff_t>(mark), stack.end(), kept);
    stack.resize(mark);
    return {kept, count};
  }

  std::pmr::memory_resource* arena_;
  std::vector<NsBinding> scope_;
  std::vector<XhtmlAttribute> attributes_;
  std::vector<pugi::xml_node> children_;
};

XhtmlParse Refused(const char* message_id, std::string message) {
  XhtmlParse result;
  result.message_id = message_id;
  result.message = std::move(message);
  return result;
}

XhtmlParse Malformed(std::string_view problem) {
  return Refused("XHTML_MALFORMED",
                 "the narrative is not well-formed XHTML: " + std::string(problem));
}

}  // namespace

XhtmlParse ParseXhtml(std::string_view markup, std::pmr::memory_resource* arena) {
  if (internal::BadReference bad = internal::FindBadReference(markup)) {
    // Written back into XML either would make the document not well-formed.
    if (bad.kind == internal::BadReference::kIllegalCharacter) {
      return Refused("XHTML_CHARACTER_ILLEGAL",
                     "the narrative's character reference " + std::string(bad.text) +
                         " names a character XML 1.0 does not allow (control characters other "
                         "than tab, line feed and carriage return among them)");
    }
    return Refused("XHTML_ENTITY_UNDEFINED",
                   "the narrative uses '" + std::string(bad.text) +
                       "', which is not an entity XML defines: only &amp; &lt; &gt; &quot; "
                       "&apos; and character references such as &#160; may be used, as the "
                       "narrative has no DTD");
  }
  if (markup.empty() || markup.front() != '<' || markup.back() != '>') {
    // pugixml drops stray text at the document level, so the ends are checked here.
    return Malformed("only the <div> element may be present, without anything before or after it");
  }
  // Parsed in place from a copy in the arena: the tree's strings are pugixml's decoded strings
  // in that copy, so nothing is copied a second time.
  char* buffer = static_cast<char*>(arena->allocate(markup.size() + 1, 1));
  std::memcpy(buffer, markup.data(), markup.size());
  buffer[markup.size()] = '\0';
  pugi::xml_document xhtml;
  // Every kind of node is kept so that anything besides the one div element (declarations,
  // processing instructions, comments, stray text) can be refused: it would land verbatim in
  // the middle of an XML document.
  pugi::xml_parse_result r = xhtml.load_buffer_inplace(
      buffer, markup.size(),
      pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration | pugi::parse_pi |
          pugi::parse_comments | pugi::parse_ws_pcdata,
      pugi::encoding_utf8);
  if (!r) return Malformed(r.description());
  pugi::xml_node root;
  int elements = 0;
  for (pugi::xml_node n : xhtml.children()) {
    if (n.type() != pugi::node_element) {
      return Malformed(
          "only the <div> element may be present, without anything before or after it");
    }
    root = n;
    ++elements;
  }
  if (elements != 1 || std::string_view(root.name()) != "div") {
    return Malformed("the narrative must be a single <div> element");
  }
  if (std::string_view(root.attribute("xmlns").value()) != model::kXhtmlNamespace) {
    return Malformed("the div must declare xmlns=\"http://www.w3.org/1999/xhtml\"");
  }
  auto* tree = new (arena->allocate(sizeof(XhtmlNode), alignof(XhtmlNode))) XhtmlNode();
  TreeBuilder builder(arena);
  if (!builder.Build(root, tree, 0)) {
    return Refused("XHTML_TOO_DEEP", "the narrative nests elements more than " +
                                         std::to_string(kMaxXhtmlDepth) + " levels deep");
  }
  XhtmlParse result;
  result.root = tree;
  return result;
}

}  // namespace silta::formats
