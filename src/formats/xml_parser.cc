// FHIR XML → element tree (https://hl7.org/fhir/R4/xml.html). pugixml does the XML syntax;
// this layer applies FHIR's rules: the FHIR namespace, `value`/`id`/`url` attributes, element
// order, no text content outside the narrative, and no DTDs (so no entity tricks).
#include <pugixml.hpp>

#include <cstring>

#include "formats/formats.h"
#include "formats/parse_common.h"

namespace silta::formats {

namespace {

using model::Element;
using model::ElementDef;
using model::TypeDef;

constexpr std::string_view kFhirNs = "http://hl7.org/fhir";
constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";
constexpr std::string_view kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";

// Namespace declarations in force at an element; a new scope only where an element declares.
struct NsScope {
  const NsScope* parent = nullptr;
  std::string_view default_ns;
  std::vector<std::pair<std::string_view, std::string_view>> prefixes;

  std::string_view Resolve(std::string_view prefix) const {
    for (const NsScope* s = this; s != nullptr; s = s->parent) {
      if (prefix.empty()) {
        if (s->default_ns.data() != nullptr) return s->default_ns;
        continue;
      }
      for (const auto& [p, uri] : s->prefixes) {
        if (p == prefix) return uri;
      }
    }
    return {};
  }
};

std::string_view LocalName(std::string_view qname, std::string_view* prefix) {
  size_t colon = qname.find(':');
  if (colon == std::string_view::npos) {
    *prefix = {};
    return qname;
  }
  *prefix = qname.substr(0, colon);
  return qname.substr(colon + 1);
}

// Finds the end of the element whose '<' is at `start` in well-formed XML.
size_t FindElementEnd(std::string_view text, size_t start) {
  int depth = 0;
  size_t i = start;
  while (i < text.size()) {
    size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) return std::string_view::npos;
    std::string_view rest = text.substr(lt);
    if (rest.substr(0, 4) == "<!--") {
      size_t e = text.find("-->", lt + 4);
      if (e == std::string_view::npos) return e;
      i = e + 3;
    } else if (rest.substr(0, 9) == "<![CDATA[") {
      size_t e = text.find("]]>", lt + 9);
      if (e == std::string_view::npos) return e;
      i = e + 3;
    } else if (rest.substr(0, 2) == "<?") {
      size_t e = text.find("?>", lt + 2);
      if (e == std::string_view::npos) return e;
      i = e + 2;
    } else if (rest.substr(0, 2) == "</") {
      size_t e = text.find('>', lt + 2);
      if (e == std::string_view::npos) return e;
      if (--depth == 0) return e + 1;
      i = e + 1;
    } else {
      // A start tag: skip quoted attribute values, which may contain '>'.
      size_t k = lt + 1;
      char quote = 0;
      while (k < text.size()) {
        char c = text[k];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>') {
          break;
        }
        ++k;
      }
      if (k >= text.size()) return std::string_view::npos;
      bool self_closing = text[k - 1] == '/';
      if (!self_closing) ++depth;
      if (self_closing && depth == 0) return k + 1;
      i = k + 1;
    }
  }
  return std::string_view::npos;
}

class XmlParser : public internal::ParserBase {
 public:
  using ParserBase::ParserBase;

  bool Run() {
    size_t bad = 0;
    if (!internal::IsValidUtf8(text_, &bad)) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_BAD_UTF8",
             "the document is not valid UTF-8", bad);
      return false;
    }
    // XML 1.0 forbids control characters other than tab, CR and LF anywhere in a document;
    // pugixml does not check, and the raw narrative would carry them into JSON.
    if (size_t at = FindControlCharacter(text_); at != std::string_view::npos) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_ILLEGAL_CHARACTER",
             "malformed XML: control character " +
                 std::to_string(static_cast<unsigned char>(text_[at])) +
                 " is not allowed in XML 1.0",
             at);
      return false;
    }
    // parse_doctype keeps a DOCTYPE as a node so it can be refused; pugixml never expands
    // external entities, and FHIR forbids DTDs altogether.
    unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration;
    pugi::xml_parse_result result =
        xml_.load_buffer(text_.data(), text_.size(), flags, pugi::encoding_utf8);
    if (!result) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_SYNTAX",
             std::string("malformed XML: ") + result.description(),
             static_cast<size_t>(result.offset));
      return false;
    }
    pugi::xml_node root;
    for (pugi::xml_node n : xml_.children()) {
      if (n.type() == pugi::node_doctype) {
        Report(Severity::kFatal, IssueType::kSecurity, "XML_DTD",
               "DTDs (DOCTYPE) are not allowed in FHIR XML", Offset(n));
        return false;
      }
      if (n.type() == pugi::node_element) root = n;
    }
    if (internal::BadReference reference = internal::FindBadReference(text_)) {
      if (reference.kind == internal::BadReference::kIllegalCharacter) {
        Report(Severity::kFatal, IssueType::kStructure, "XML_ILLEGAL_CHARACTER",
               "malformed XML: the character reference " + std::string(reference.text) +
                   " names a character XML 1.0 does not allow",
               reference.offset);
      } else {
        Report(Severity::kFatal, IssueType::kStructure, "XML_UNDEFINED_ENTITY",
               "malformed XML: '" + std::string(reference.text) +
                   "' is not one of XML's predefined entities (&amp; &lt; &gt; &quot; &apos;) "
                   "or a character reference",
               reference.offset);
      }
      return false;
    }
    if (!root) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_NO_ROOT", "no root element", 0);
      return false;
    }
    NsScope top;
    NsScope scope;
    const NsScope* in_force = DeclareScope(root, &top, &scope);
    std::string_view prefix;
    std::string_view local = LocalName(root.name(), &prefix);
    if (in_force->Resolve(prefix) != kFhirNs) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_WRONG_NAMESPACE",
             "the root element must be in the FHIR namespace " + std::string(kFhirNs),
             Offset(root));
      return false;
    }
    const TypeDef* type = model_->FindResource(local);
    if (type == nullptr || type->is_abstract) {
      Report(Severity::kFatal, IssueType::kStructure, "XML_UNKNOWN_RESOURCE_TYPE",
             "unknown resource type '" + std::string(local.substr(0, 64)) + "'", Offset(root));
      return false;
    }
    PushPath(type->name, -1);
    Element* resource = BuildResource(root, nullptr, *type, *in_force, 0);
    PopPath();
    doc_->set_root(resource);
    return true;
  }

 private:
  size_t Offset(pugi::xml_node n) const {
    ptrdiff_t off = n.offset_debug();
    // offset_debug points after the '<' of an element.
    return off <= 0 ? 0 : static_cast<size_t>(off) - (n.type() == pugi::node_element ? 1 : 0);
  }

  // Returns the scope in force inside `node`: `fresh` if it declares namespaces, else `outer`.
  const NsScope* DeclareScope(pugi::xml_node node, const NsScope* outer, NsScope* fresh) {
    bool declares = false;
    for (pugi::xml_attribute a : node.attributes()) {
      std::string_view name = a.name();
      if (name == "xmlns") {
        fresh->default_ns = a.value();
        declares = true;
      } else if (name.substr(0, 6) == "xmlns:") {
        fresh->prefixes.emplace_back(name.substr(6), a.value());
        declares = true;
      }
    }
    if (!declares) return outer;
    fresh->parent = outer;
    return fresh;
  }

  Element* BuildResource(pugi::xml_node node, const ElementDef* definition, const TypeDef& type,
                         const NsScope& scope, uint32_t depth) {
    Element* element = doc_->NewElement(definition, &type);
    element->set_location(lines_.Locate(Offset(node)));
    CheckAttributes(node, type, scope, nullptr);
    FillChildren(element, node, type, scope, depth);
    return element;
  }

  // Reports attributes FHIR does not define here; the `id`/`url`/`value` ones are read by the
  // caller. Namespace declarations and xsi:* (schemaLocation) are allowed everywhere.
  void CheckAttributes(pugi::xml_node node, const TypeDef& type, const NsScope& scope,
                       Element* element) {
    for (pugi::xml_attribute a : node.attributes()) {
      std::string_view name = a.name();
      if (name == "xmlns" || name.substr(0, 6) == "xmlns:") continue;
      std::string_view prefix;
      std::string_view local = LocalName(name, &prefix);
      if (!prefix.empty()) {
        if (scope.Resolve(prefix) == kXsiNs) continue;
        Error(IssueType::kStructure, "XML_UNKNOWN_ATTRIBUTE",
              "unknown attribute '" + std::string(name.substr(0, 64)) + "'", Offset(node));
        continue;
      }
      if (local == "value" && type.is_primitive()) continue;
      const ElementDef* def = type.FindElement(local);
      if (def == nullptr || !def->xml_attribute) {
        Error(IssueType::kStructure, "XML_UNKNOWN_ATTRIBUTE",
              "unknown attribute '" + std::string(name.substr(0, 64)) + "' on " + type.name,
              Offset(node));
        continue;
      }
      if (element == nullptr) continue;
      std::string_view value = a.value();
      PushPath(def->name, -1);
      if (CheckPrimitiveText(*def->types[0], value, Offset(node))) {
        Element* attr = doc_->NewElement(def, def->types[0]);
        attr->set_value(doc_->CopyString(value));
        attr->set_location(lines_.Locate(Offset(node)));
        AddChild(attr);
      }
      PopPath();
    }
  }

  // Attribute children (id, url) must be added in definition order with the element children,
  // so FillChildren collects both and orders them.
  void FillChildren(Element* parent, pugi::xml_node node, const TypeDef& type, const NsScope& scope,
                    uint32_t depth) {
    if (depth > options_.max_depth) {
      Error(IssueType::kStructure, "XML_TOO_DEEP",
            "XML nesting is deeper than " + std::to_string(options_.max_depth) + " levels",
            Offset(node));
      return;
    }
    size_t mark = ChildMark();
    if (!type.is_resource()) CheckAttributes(node, type, scope, parent);
    const ElementDef* previous = nullptr;
    uint32_t index = 0;
    bool order_reported = false;
    for (pugi::xml_node child : node.children()) {
      switch (child.type()) {
        case pugi::node_element:
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          Error(IssueType::kStructure, "XML_TEXT_CONTENT",
                "text is not allowed here: FHIR XML carries values in 'value' attributes",
                Offset(child));
          continue;
        default:
          continue;  // comments and processing instructions carry no data
      }
      NsScope fresh;
      const NsScope* in_force = DeclareScope(child, &scope, &fresh);
      std::string_view prefix;
      std::string_view local = LocalName(child.name(), &prefix);
      TypeDef::MemberMatch match;
      if (!type.MatchMember(local, &match) || match.element->xml_attribute) {
        if (!options_.allow_unknown_elements) {
          // Located on the parent, which exists (as the JSON parser does for unknown keys).
          Error(IssueType::kStructure, "XML_UNKNOWN_ELEMENT",
                "unknown element '" + std::string(local.substr(0, 64)) + "' in " + type.name,
                Offset(child));
        }
        continue;
      }
      const ElementDef& def = *match.element;
      std::string_view ns = in_force->Resolve(prefix);
      bool is_div = match.type->primitive == model::Primitive::kXhtml;
      if (ns != (is_div ? kXhtmlNs : kFhirNs)) {
        PushPath(def.name, -1);
        Error(IssueType::kStructure, "XML_WRONG_NAMESPACE",
              "element '" + std::string(local) + "' must be in the namespace " +
                  std::string(is_div ? kXhtmlNs : kFhirNs),
              Offset(child));
        PopPath();
        continue;
      }
      if (&def == previous) {
        ++index;
        if (!def.is_array()) {
          PushPath(def.name, -1);
          Error(IssueType::kStructure, "XML_REPEATED_ELEMENT",
                "'" + def.name + "' can appear only once here", Offset(child));
          PopPath();
          continue;
        }
      } else {
        if (previous != nullptr && def.order < previous->order && !order_reported) {
          PushPath(def.name, -1);
          Error(IssueType::kStructure, "XML_ELEMENT_ORDER",
                "element '" + def.name + "' is out of order: it must come before '" +
                    previous->name + "'",
                Offset(child));
          PopPath();
          order_reported = true;
        }
        index = 0;
      }
      previous = &def;
      if (def.is_array()) {
        PushPath(def.name, static_cast<int>(index));
      } else {
        PushChoicePath(def, *match.type);
      }
      Element* element = BuildChild(child, def, *match.type, *in_force, depth + 1);
      if (element != nullptr) element->set_index(index);
      PopPath();
    }
    // Children were gathered in document order; definition order puts attributes first and
    // repairs out-of-order input (already reported).
    std::stable_sort(children_.begin() + static_cast<ptrdiff_t>(mark), children_.end(),
                     [](const Element* a, const Element* b) {
                       return a->definition()->order < b->definition()->order;
                     });
    FinishChildren(parent, mark);
  }

  Element* BuildChild(pugi::xml_node node, const ElementDef& def, const TypeDef& type,
                      const NsScope& scope, uint32_t depth) {
    if (type.primitive == model::Primitive::kXhtml) return BuildXhtml(node, def, type);
    if (type.is_resource()) {
      pugi::xml_node inner;
      int count = 0;
      for (pugi::xml_node c : node.children()) {
        if (c.type() == pugi::node_element) {
          inner = c;
          ++count;
        } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
          count = 2;
        }
      }
      if (count != 1) {
        Error(IssueType::kStructure, "XML_RESOURCE_WRAPPER",
              "'" + def.name + "' must hold exactly one resource element", Offset(node));
        return nullptr;
      }
      NsScope fresh;
      const NsScope* in_force = DeclareScope(inner, &scope, &fresh);
      std::string_view prefix;
      std::string_view local = LocalName(inner.name(), &prefix);
      const TypeDef* resource_type = model_->FindResource(local);
      if (in_force->Resolve(prefix) != kFhirNs || resource_type == nullptr ||
          resource_type->is_abstract || !resource_type->IsA(def.types[0])) {
        Error(IssueType::kStructure, "XML_UNKNOWN_RESOURCE_TYPE",
              "'" + std::string(local.substr(0, 64)) + "' is not a resource allowed here",
              Offset(inner));
        return nullptr;
      }
      Element* element = BuildResource(inner, &def, *resource_type, *in_force, depth);
      AddChild(element);
      return element;
    }
    Element* element = doc_->NewElement(&def, &type);
    element->set_location(lines_.Locate(Offset(node)));
    if (type.is_primitive()) {
      pugi::xml_attribute value = node.attribute("value");
      if (value) {
        std::string_view text = value.value();
        if (CheckPrimitiveText(type, text, Offset(node))) {
          element->set_value(doc_->CopyString(text));
        }
      }
    }
    size_t errors_before = error_count_;
    FillChildren(element, node, type, scope, depth);
    if (!element->has_value() && element->children().empty()) {
      // One message per problem: an empty element whose content was already reported is not
      // reported again.
      if (!node.attribute("value") && error_count_ == errors_before) {
        Error(IssueType::kStructure, "XML_EMPTY_ELEMENT",
              "'" + def.name +
                  (type.is_primitive() ? "' has neither a value nor extensions"
                                       : "' is empty: FHIR elements must have content"),
              Offset(node));
      }
      return nullptr;
    }
    AddChild(element);
    return element;
  }

  Element* BuildXhtml(pugi::xml_node node, const ElementDef& def, const TypeDef& type) {
    size_t start = Offset(node);
    size_t end = FindElementEnd(text_, start);
    if (end == std::string_view::npos) {
      Error(IssueType::kStructure, "XML_XHTML", "cannot read the narrative div", start);
      return nullptr;
    }
    std::string markup;
    markup.reserve(end - start + 48);
    std::string_view raw = text_.substr(start, end - start);
    std::string_view prefix;
    LocalName(node.name(), &prefix);
    if (!prefix.empty()) {
      Error(IssueType::kNotSupported, "XML_XHTML_PREFIX",
            "a namespace-prefixed narrative div is not supported; declare the XHTML namespace "
            "as the default namespace on the div",
            start);
      return nullptr;
    }
    // The div carries its namespace declaration itself in JSON; add it when inherited.
    if (!node.attribute("xmlns")) {
      markup += "<div xmlns=\"";
      markup += kXhtmlNs;
      markup += '"';
      raw.remove_prefix(4);  // "<div"
    }
    // The markup is kept byte for byte (CRLF included), as the reference tools do, so that
    // XML → JSON → XML gives back the same narrative.
    markup += raw;
    // The same rules as for a div read from JSON: it must stand on its own as an XHTML document.
    if (!CheckXhtml(markup, start) && !options_.keep_refused_narratives) return nullptr;
    Element* element = doc_->NewElement(&def, &type);
    element->set_location(lines_.Locate(start));
    element->set_value(doc_->CopyString(markup));
    AttachXhtml(*element);
    AddChild(element);
    return element;
  }

  pugi::xml_document xml_;
};

}  // namespace

std::unique_ptr<model::Document> ParseXml(std::string_view text,
                                          std::shared_ptr<const model::TypeModel> model,
                                          IssueSink& sink, const ParseOptions& options) {
  XmlParser parser(text, std::move(model), sink, options);
  if (!parser.Run()) return nullptr;
  return parser.TakeDocument();
}

}  // namespace silta::formats
