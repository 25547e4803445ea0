#include "records/tree.h"

#include <pugixml.hpp>

#include "formats/json_tree.h"
#include "records/records.h"

namespace silta::records::internal {

namespace {

using formats::JsonKind;
using formats::JsonNode;

class JsonConverter {
 public:
  JsonConverter(const LineIndex& lines, std::vector<SyntaxProblem>* problems)
      : lines_(lines), problems_(problems) {}

  // Where a node sits, kept as a chain on the stack: the path text is only needed for a
  // problem, so it is not built for every member of every record.
  struct Step {
    const Step* parent;
    std::string_view name;
    size_t index;
    bool is_item;
  };

  RawNode Convert(const JsonNode& n, const Step* at) {
    RawNode out;
    out.location = lines_.Locate(n.offset);
    switch (n.kind) {
      case JsonKind::kNull:
        out.kind = RawKind::kNull;
        break;
      case JsonKind::kBool:
        out.kind = RawKind::kBool;
        out.bool_value = n.bool_value;
        break;
      case JsonKind::kNumber:
        out.kind = RawKind::kNumber;
        out.text = n.text;
        break;
      case JsonKind::kString:
        out.kind = RawKind::kString;
        out.text = n.text;
        break;
      case JsonKind::kArray:
        out.kind = RawKind::kArray;
        out.items.reserve(n.items.size());
        for (size_t i = 0; i < n.items.size(); ++i) {
          Step item{at, {}, i, true};
          out.items.push_back(Convert(n.items[i], &item));
        }
        break;
      case JsonKind::kObject:
        out.kind = RawKind::kObject;
        out.members.reserve(n.members.size());
        for (const formats::JsonMember& m : n.members) {
          SourceLocation where = lines_.Locate(m.name_offset);
          Step member_step{at, m.name.substr(0, 64), 0, false};
          if (out.Find(m.name) != nullptr) {
            problems_->push_back({IssueType::kStructure, "RECORD_DUPLICATE_FIELD",
                                  "the field '" + std::string(m.name.substr(0, 64)) +
                                      "' appears more than once in this object",
                                  where, PathText(&member_step)});
            continue;
          }
          RawMember member;
          member.name = m.name;
          member.location = where;
          member.values.push_back(Convert(m.value, &member_step));
          out.members.push_back(std::move(member));
        }
        break;
    }
    return out;
  }

 private:
  static std::string PathText(const Step* step) {
    if (step == nullptr) return "$";
    std::string out = PathText(step->parent);
    if (step->is_item) return out + "[" + std::to_string(step->index) + "]";
    return out + "." + std::string(step->name);
  }

  const LineIndex& lines_;
  std::vector<SyntaxProblem>* problems_;
};

class XmlConverter {
 public:
  XmlConverter(std::string_view text, const LineIndex& lines, uint32_t max_depth,
               std::vector<SyntaxProblem>* problems)
      : text_(text), lines_(lines), max_depth_(max_depth), problems_(problems) {}

  SourceLocation Locate(pugi::xml_node n) const {
    ptrdiff_t off = n.offset_debug();
    // offset_debug points after the '<' of an element.
    size_t at = off <= 0 ? 0 : static_cast<size_t>(off) - (n.type() == pugi::node_element ? 1 : 0);
    return lines_.Locate(std::min(at, text_.size()));
  }

  void Problem(IssueType type, const char* id, std::string message, pugi::xml_node at,
               const std::string& path) {
    problems_->push_back({type, id, std::move(message), Locate(at), path});
  }

  // Elements with child elements become objects, the others strings (their text).
  // `path` names the element; the index of a repeated element is not known here (arrays are
  // told from single fields only by the schema), so it is left out.
  RawNode Convert(pugi::xml_node element, uint32_t depth, const std::string& path) {
    RawNode out;
    out.location = Locate(element);
    for (pugi::xml_attribute a : element.attributes()) {
      std::string_view name = a.name();
      if (depth == 0 && name == "xmlns") continue;
      Problem(IssueType::kStructure, "RECORD_XML_ATTRIBUTE",
              "attributes are not used in the client record XML form (found '" +
                  std::string(name.substr(0, 64)) + "')",
              element, path);
    }
    if (depth > max_depth_) {
      Problem(IssueType::kStructure, "RECORD_TOO_DEEP",
              "the XML nests deeper than " + std::to_string(max_depth_) + " levels", element, path);
      return out;
    }
    bool has_elements = false;
    bool has_text = false;
    for (pugi::xml_node c : element.children()) {
      if (c.type() == pugi::node_element) has_elements = true;
      if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) has_text = true;
    }
    if (!has_elements) {
      out.kind = RawKind::kString;
      // pugixml splits text around comments; a leaf holds one text node in canonical form.
      int texts = 0;
      for (pugi::xml_node c : element.children()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
          out.text = c.value();
          ++texts;
        }
      }
      if (texts > 1) {
        Problem(IssueType::kStructure, "RECORD_XML_SPLIT_TEXT",
                "a value must be one piece of text (no comments or CDATA sections inside it)",
                element, path);
      }
      return out;
    }
    out.kind = RawKind::kObject;
    if (has_text) {
      Problem(IssueType::kStructure, "RECORD_XML_MIXED_CONTENT",
              "an element holds either child elements or text, not both", element, path);
    }
    for (pugi::xml_node c : element.children()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = c.name();
      if (name.find(':') != std::string_view::npos) {
        Problem(IssueType::kStructure, "RECORD_XML_NAMESPACE",
                "every element must be in the client record namespace without a prefix", c, path);
        continue;
      }
      RawMember* member = nullptr;
      for (RawMember& m : out.members) {
        if (m.name == name) member = &m;
      }
      if (member == nullptr) {
        out.members.push_back({name, Locate(c), {}});
        member = &out.members.back();
      }
      member->values.push_back(Convert(c, depth + 1, path + "." + std::string(name)));
    }
    return out;
  }

 private:
  std::string_view text_;
  const LineIndex& lines_;
  uint32_t max_depth_;
  std::vector<SyntaxProblem>* problems_;
};

}  // namespace

bool IsXmlCharacters(std::string_view s) {
  // U+FFFE and U+FFFF are UTF-8 EF BF BE / EF BF BF; XML 1.0 cannot carry them.
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '\xEF' && s[i + 1] == '\xBF' && (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
      return false;
    }
  }
  return true;
}

bool ParseJsonRaw(std::string_view text, uint32_t max_depth, const LineIndex& lines,
                  RawDocument* doc, std::vector<SyntaxProblem>* problems) {
  JsonNode root;
  formats::JsonParseError error;
  if (!formats::ParseJsonTree(text, &doc->arena, max_depth, &root, &error)) {
    problems->push_back(
        {IssueType::kStructure, "RECORD_SYNTAX", error.message, lines.Locate(error.offset)});
    return false;
  }
  doc->root = JsonConverter(lines, problems).Convert(root, nullptr);
  return true;
}

bool ParseXmlRaw(std::string_view text, uint32_t max_depth, const LineIndex& lines,
                 RawDocument* doc, std::vector<SyntaxProblem>* problems) {
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    problems->push_back({IssueType::kStructure, "RECORD_SYNTAX", "the document is not valid UTF-8",
                         lines.Locate(bad)});
    return false;
  }
  if (size_t at = FindControlCharacter(text); at != std::string_view::npos) {
    problems->push_back({IssueType::kStructure, "RECORD_SYNTAX",
                         "malformed XML: control characters are not allowed in XML 1.0",
                         lines.Locate(at)});
    return false;
  }
  auto xml = std::make_shared<pugi::xml_document>();
  unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration;
  pugi::xml_parse_result result =
      xml->load_buffer(text.data(), text.size(), flags, pugi::encoding_utf8);
  if (!result) {
    problems->push_back({IssueType::kStructure, "RECORD_SYNTAX",
                         std::string("malformed XML: ") + result.description(),
                         lines.Locate(static_cast<size_t>(std::max<ptrdiff_t>(0, result.offset)))});
    return false;
  }
  XmlConverter converter(text, lines, max_depth, problems);
  pugi::xml_node root;
  for (pugi::xml_node n : xml->children()) {
    if (n.type() == pugi::node_doctype) {
      problems->push_back({IssueType::kSecurity, "RECORD_XML_DTD",
                           "DTDs (DOCTYPE) are not allowed in client records",
                           converter.Locate(n)});
      return false;
    }
    if (n.type() == pugi::node_element) root = n;
  }
  if (!root || std::string_view(root.name()) != "clientRecord" ||
      std::string_view(root.attribute("xmlns").value()) != kXmlNamespace) {
    problems->push_back(
        {IssueType::kStructure, "RECORD_XML_ROOT",
         "the root element must be clientRecord in the namespace " + std::string(kXmlNamespace),
         root ? converter.Locate(root) : SourceLocation{1, 1}});
    return false;
  }
  doc->root = converter.Convert(root, 0, "$");
  doc->xml = std::move(xml);
  return true;
}

}  // namespace silta::records::internal
