#include "validation/narrative.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <string_view>

#include "formats/formats.h"
#include "validation/impl.h"
#include "validation/primitives.h"

namespace silta::validation::internal {

namespace {

using model::XhtmlNode;

template <size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Narrative.div: "an XHTML fragment containing only the basic html formatting elements described
// in chapters 7-11 and 15 of the HTML 4.0 standard, <a> elements (either name or href), images
// and internally contained stylesheets"; txt-1 excepts section 4 of chapter 9 (ins, del). Chapter
// 7: div, span, headings, address; 8: bdo; 9: phrase elements, sub, sup, p, br, quotations, pre;
// 10: lists; 11: tables; 15: the font-style elements and hr, less those HTML 4 deprecates
// (strike, s, u: the narrative page forbids deprecated elements); images bring img and the
// client-side image maps (map, area). This is also the reference validator's list.
constexpr std::array<std::string_view, 53> kElements = {
    "a",  "abbr",    "acronym", "address", "area",   "b",        "bdo", "big",   "blockquote",
    "br", "caption", "cite",    "code",    "col",    "colgroup", "dd",  "dfn",   "div",
    "dl", "dt",      "em",      "h1",      "h2",     "h3",       "h4",  "h5",    "h6",
    "hr", "i",       "img",     "kbd",     "li",     "map",      "ol",  "p",     "pre",
    "q",  "samp",    "small",   "span",    "strong", "sub",      "sup", "table", "tbody",
    "td", "tfoot",   "th",      "thead",   "tr",     "tt",       "ul",  "var"};

// "The XHTML content SHALL NOT contain a head, a body, external stylesheet references, scripts,
// forms, base/link/xlink, frames, iframes and objects" (Narrative.div); the narrative page adds
// "no active content". These get their own finding, as content FHIR forbids outright.
constexpr std::array<std::string_view, 26> kForbiddenElements = {
    "script",   "noscript", "object",   "applet", "embed",  "param",  "iframe",
    "frame",    "frameset", "form",     "input",  "button", "select", "option",
    "textarea", "label",    "fieldset", "legend", "base",   "link",   "meta",
    "style",    "head",     "body",     "html",   "title"};

// Attributes any allowed element may carry: the core and i18n attributes of HTML 4 (7.5.2, 8.1,
// 8.2), access keys and tab order (17.11), and the cell alignment attributes of chapter 11.
constexpr std::array<std::string_view, 21> kCommonAttributes = {
    "title",     "style",    "class", "id",      "lang",  "xml:lang", "dir",
    "accesskey", "tabindex", "span",  "width",   "align", "valign",   "char",
    "charoff",   "abbr",     "axis",  "headers", "scope", "rowspan",  "colspan"};

// Attributes HTML 4 gives particular elements (links 12.2, images and maps 13, quotations 9.2.2,
// tables 11.2), as "element.attribute". HTML 4's deprecated attributes (start, value, compact,
// bgcolor, clear, noshade, size, hspace, vspace, list types) are not among them: the reference
// validator refuses them too.
constexpr std::array<std::string_view, 35> kElementAttributes = {"a.href",
                                                                 "a.name",
                                                                 "a.charset",
                                                                 "a.type",
                                                                 "a.hreflang",
                                                                 "a.rel",
                                                                 "a.rev",
                                                                 "a.shape",
                                                                 "a.coords",
                                                                 "img.src",
                                                                 "img.alt",
                                                                 "img.longdesc",
                                                                 "img.height",
                                                                 "img.width",
                                                                 "img.usemap",
                                                                 "img.ismap",
                                                                 "img.border",
                                                                 "map.name",
                                                                 "area.shape",
                                                                 "area.coords",
                                                                 "area.href",
                                                                 "area.nohref",
                                                                 "area.alt",
                                                                 "blockquote.cite",
                                                                 "q.cite",
                                                                 "table.summary",
                                                                 "table.width",
                                                                 "table.border",
                                                                 "table.frame",
                                                                 "table.rules",
                                                                 "table.cellspacing",
                                                                 "table.cellpadding",
                                                                 "td.nowrap",
                                                                 "pre.space",
                                                                 "div.xmlns"};

bool AttributeAllowed(std::string_view element, std::string_view attribute) {
  if (attribute == "xmlns" || attribute.rfind("xmlns:", 0) == 0) return true;
  if (In(kCommonAttributes, attribute)) return true;
  std::string combined;
  combined.reserve(element.size() + 1 + attribute.size());
  combined.append(element).append(".").append(attribute);
  return In(kElementAttributes, combined);
}

// HTML 4's %block (7.5.3): what a paragraph cannot contain (9.3.1: "The P element represents a
// paragraph. It cannot contain block-level elements (including P itself)"), nor any element
// whose content model is %inline.
constexpr std::array<std::string_view, 16> kBlockElements = {
    "p",  "div", "blockquote", "table", "ul", "ol", "dl", "pre",
    "hr", "h1",  "h2",         "h3",    "h4", "h5", "h6", "address"};

// Elements whose content HTML 4's DTD makes %inline: headings, p, pre, address, dt, caption, and
// the inline elements themselves (chapters 7-9, 12).
constexpr std::array<std::string_view, 30> kInlineContent = {
    "p",       "h1", "h2",   "h3",  "h4", "h5",  "h6",     "pre",     "address", "dt",
    "caption", "a",  "span", "b",   "i",  "em",  "strong", "small",   "big",     "sub",
    "sup",     "tt", "code", "dfn", "q",  "var", "abbr",   "acronym", "cite",    "kbd"};

// Elements HTML 4 declares EMPTY.
constexpr std::array<std::string_view, 5> kEmptyElements = {"br", "hr", "img", "area", "col"};

bool IsWhitespace(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool ContainsNoCase(std::string_view s, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (StartsWithNoCase(s.substr(i), needle)) return true;
  }
  return false;
}

// RFC 2045's token characters (a MIME type's type and subtype).
bool IsMimeTokenChar(char c) {
  if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
    return false;
  }
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool IsMimeType(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == s.size()) return false;
  std::string_view type = s.substr(0, slash);
  std::string_view rest = s.substr(slash + 1);
  std::string_view subtype = rest.substr(0, rest.find(';'));
  return std::all_of(type.begin(), type.end(), IsMimeTokenChar) &&
         std::all_of(subtype.begin(), subtype.end(), IsMimeTokenChar);
}

class NarrativeChecker {
 public:
  std::vector<NarrativeFinding> Run(const XhtmlNode& div) {
    CheckElement(div, nullptr, "div", false);
    if (!duplicate_ids_.empty()) {
      std::string list;
      for (const std::string& id : duplicate_ids_) list += (list.empty() ? "" : ", ") + id;
      // HTML 4 (7.5.2): an id "must be unique in a document"; the reference validator warns.
      Add(Severity::kWarning, IssueType::kBusinessRule, "XHTML_DUPLICATE_IDS",
          "the narrative uses these ids more than once: " + list +
              " (an id must be unique in the document)");
    }
    return std::move(findings_);
  }

 private:
  void Add(Severity severity, IssueType type, const char* id, std::string message) {
    findings_.push_back({severity, type, id, std::move(message)});
  }

  void CheckElement(const XhtmlNode& e, const XhtmlNode* parent, const std::string& path,
                    bool in_inline) {
    std::string_view name = e.local_name;
    if (e.ns != model::kXhtmlNamespace) {
      Add(Severity::kError, IssueType::kInvalid, "XHTML_NAMESPACE",
          "the narrative element " + path + " is in the namespace '" + std::string(e.ns) +
              "', not XHTML's (http://www.w3.org/1999/xhtml)");
    }
    if (In(kForbiddenElements, name)) {
      Add(Severity::kError, IssueType::kSecurity, "XHTML_ACTIVE_CONTENT",
          "the narrative has a <" + std::string(name) + "> element at " + path +
              "; FHIR narrative must not contain scripts, forms, frames, objects, "
              "base/link/meta, stylesheets, head or body");
    } else if (!In(kElements, name)) {
      Add(Severity::kError, IssueType::kInvalid, "XHTML_ELEMENT_ILLEGAL",
          "the narrative has the element <" + std::string(name) + "> at " + path +
              ", which is not one of the HTML 4 formatting elements FHIR narrative allows");
    }
    CheckAttributes(e, path);
    CheckContentModel(e, parent, path, in_inline);
    bool inline_below = in_inline || In(kInlineContent, name);
    for (const XhtmlNode& child : e.children) {
      if (!child.is_element()) {
        if (child.kind == XhtmlNode::Kind::kDoctype ||
            (child.kind == XhtmlNode::Kind::kComment && child.text.rfind("DOCTYPE", 0) == 0)) {
          Add(Severity::kError, IssueType::kSecurity, "XHTML_DOCTYPE",
              "the narrative has a DOCTYPE declaration inside " + path +
                  "; DTDs are not allowed in FHIR");
        }
        continue;
      }
      CheckElement(child, &e, path + "/" + std::string(child.local_name), inline_below);
    }
  }

  void CheckAttributes(const XhtmlNode& e, const std::string& path) {
    std::string_view name = e.local_name;
    for (const model::XhtmlAttribute& a : e.attributes) {
      if (StartsWithNoCase(a.name, "on")) {
        Add(Severity::kError, IssueType::kSecurity, "XHTML_EVENT_ATTRIBUTE",
            "the narrative element " + path + " has the event attribute '" + std::string(a.name) +
                "'; FHIR narrative must not contain active content");
        continue;
      }
      if (a.name == "xml:space") {
        // Allowed by txt-1's XPath but not HTML's; the reference validator only hints.
        Add(Severity::kInformation, IssueType::kInvalid, "XHTML_ATTRIBUTE_XML_SPACE",
            "the narrative element " + path + " has xml:space, which HTML does not define");
        continue;
      }
      if (!AttributeAllowed(name, a.name)) {
        Add(Severity::kError, IssueType::kInvalid, "XHTML_ATTRIBUTE_ILLEGAL",
            "the narrative element " + path + " has the attribute '" + std::string(a.name) +
                "', which HTML 4 does not give <" + std::string(name) +
                "> among the formatting markup FHIR narrative allows");
      }
      if (a.name == "style") CheckStyle(a.value, path);
      if (a.name == "id" || (a.name == "name" && name == "a")) NoteId(e, a);
    }
    if (name == "a" || name == "area") {
      if (const model::XhtmlAttribute* href = e.Attribute("href")) CheckUrl(*href, path);
    } else if (name == "img") {
      if (const model::XhtmlAttribute* src = e.Attribute("src")) CheckUrl(*src, path);
    }
  }

  // The narrative is styled by "internally contained style attributes"; what would reach out of
  // the resource or run code is not: "external stylesheet references" (CSS @import) and
  // script in CSS (expression(), javascript: URLs, behaviors and bindings).
  void CheckStyle(std::string_view css, const std::string& path) {
    const char* what = nullptr;
    if (ContainsNoCase(css, "@import")) {
      what = "imports an external stylesheet (@import)";
    } else if (ContainsNoCase(css, "expression(")) {
      what = "runs script (expression())";
    } else if (ContainsNoCase(css, "javascript:")) {
      what = "holds a javascript: URL";
    } else if (ContainsNoCase(css, "behavior:") || ContainsNoCase(css, "-moz-binding")) {
      what = "attaches script (behavior / -moz-binding)";
    }
    if (what != nullptr) {
      Add(Severity::kError, IssueType::kSecurity, "XHTML_STYLE_ACTIVE",
          "the style attribute of the narrative element " + path + " " + what +
              "; narrative styles must be internally contained and not active");
    }
  }

  void CheckUrl(const model::XhtmlAttribute& a, const std::string& path) {
    std::string detail;
    if (const char* id = UrlProblem(a.value, &detail)) {
      bool script = std::string_view(id) == "XHTML_URL_SCRIPT";
      Add(Severity::kError, script ? IssueType::kSecurity : IssueType::kInvalid, id,
          "the " + std::string(a.name) + " of the narrative element " + path + " " + detail);
    }
  }

  void NoteId(const XhtmlNode& e, const model::XhtmlAttribute& a) {
    // <a id="x" name="x"> names one anchor.
    if (a.name == "name") {
      const model::XhtmlAttribute* id = e.Attribute("id");
      if (id != nullptr && id->value == a.value) return;
    }
    std::string id(a.value);
    if (!ids_.insert(id).second) duplicate_ids_.insert(id);
  }

  // The content models of HTML 4's DTD (chapters 7-11 and 13) for the allowed elements.
  void CheckContentModel(const XhtmlNode& e, const XhtmlNode* parent, const std::string& path,
                         bool in_inline) {
    std::string_view name = e.local_name;
    std::string_view parent_name = parent != nullptr ? parent->local_name : std::string_view();
    auto out_of_place = [&](std::string_view allowed_parents) {
      Add(Severity::kError, IssueType::kStructure, "XHTML_OUT_OF_PLACE",
          "the narrative element " + path + " must be inside " + std::string(allowed_parents) +
              ", not <" + std::string(parent_name) + ">");
    };
    if (parent != nullptr) {
      if (in_inline && In(kBlockElements, name)) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_BLOCK_IN_INLINE",
            "the narrative has the block element <" + std::string(name) + "> at " + path +
                ", inside an element that may contain only text and inline markup (HTML 4: a "
                "paragraph cannot contain block-level elements)");
      }
      if (name == "a" && HasAncestorLink(path)) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_NESTED_LINK",
            "the narrative has a link inside a link at " + path + " (HTML 4 12.2.2)");
      }
      if (name == "li" && parent_name != "ul" && parent_name != "ol") out_of_place("<ul> or <ol>");
      if ((name == "dt" || name == "dd") && parent_name != "dl") out_of_place("<dl>");
      if (name == "tr" && parent_name != "table" && parent_name != "thead" &&
          parent_name != "tbody" && parent_name != "tfoot") {
        out_of_place("<table>, <thead>, <tbody> or <tfoot>");
      }
      if ((name == "td" || name == "th") && parent_name != "tr") out_of_place("<tr>");
      if ((name == "thead" || name == "tbody" || name == "tfoot" || name == "caption" ||
           name == "colgroup") &&
          parent_name != "table") {
        out_of_place("<table>");
      }
      if (name == "col" && parent_name != "table" && parent_name != "colgroup") {
        out_of_place("<table> or <colgroup>");
      }
      if (name == "area" && parent_name != "map") out_of_place("<map>");
    }
    auto only_children = [&](std::initializer_list<std::string_view> allowed) {
      std::string wrong;
      for (const XhtmlNode& c : e.children) {
        if (c.kind == XhtmlNode::Kind::kText && !IsWhitespace(c.text)) {
          wrong += (wrong.empty() ? "" : ", ") + std::string("text");
        } else if (c.is_element() &&
                   std::find(allowed.begin(), allowed.end(), c.local_name) == allowed.end()) {
          wrong += (wrong.empty() ? "<" : ", <") + std::string(c.local_name) + ">";
        }
      }
      if (!wrong.empty()) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_ILLEGAL_CHILDREN",
            "the narrative element " + path + " cannot contain " + wrong);
      }
    };
    if (name == "ul" || name == "ol") only_children({"li"});
    if (name == "dl") only_children({"dt", "dd"});
    if (name == "tr") only_children({"td", "th"});
    if (name == "thead" || name == "tbody" || name == "tfoot") only_children({"tr"});
    if (name == "colgroup") only_children({"col"});
    if (name == "table") {
      only_children({"caption", "col", "colgroup", "thead", "tfoot", "tbody", "tr"});
    }
    if (In(kEmptyElements, name)) {
      bool has_content = std::any_of(e.children.begin(), e.children.end(), [](const XhtmlNode& c) {
        return c.is_element() || (c.kind == XhtmlNode::Kind::kText && !IsWhitespace(c.text));
      });
      if (has_content) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_ILLEGAL_CHILDREN",
            "the narrative element " + path + " must be empty (HTML 4 declares <" +
                std::string(name) + "> EMPTY)");
      }
    }
  }

  static bool HasAncestorLink(const std::string& path) {
    // The path names every ancestor: "div/p/a/b/a".
    size_t last = path.rfind('/');
    std::string_view ancestors = std::string_view(path).substr(0, last);
    size_t at = 0;
    while ((at = ancestors.find("/a", at)) != std::string_view::npos) {
      size_t end = at + 2;
      if (end == ancestors.size() || ancestors[end] == '/') return true;
      at = end;
    }
    return false;
  }

  std::vector<NarrativeFinding> findings_;
  std::set<std::string> ids_;
  std::set<std::string> duplicate_ids_;
};

bool HasContent(const XhtmlNode& node) {
  for (const XhtmlNode& child : node.children) {
    if (child.kind == XhtmlNode::Kind::kText && !IsWhitespace(child.text)) return true;
    if (child.is_element()) {
      if (child.local_name == "img" && child.Attribute("src") != nullptr) return true;
      if (HasContent(child)) return true;
    }
  }
  return false;
}

}  // namespace

const char* UrlProblem(std::string_view url, std::string* detail) {
  if (url.empty()) {
    *detail = "is empty";
    return "XHTML_URL_EMPTY";
  }
  std::string_view trimmed = url.substr(std::min(url.find_first_not_of(" \t\r\n"), url.size()));
  if (StartsWithNoCase(trimmed, "javascript:") || StartsWithNoCase(trimmed, "vbscript:")) {
    *detail = "is a script URL; FHIR narrative must not contain active content";
    return "XHTML_URL_SCRIPT";
  }
  if (StartsWithNoCase(url, "data:")) {
    // RFC 2397: data:[<mediatype>][;base64],<data>. An image in a narrative carries its bytes
    // base64-encoded under a media type.
    std::string_view rest = url.substr(5);
    size_t comma = rest.find(',');
    if (comma == std::string_view::npos) {
      *detail = "is a data: URL without data (no ',')";
      return "XHTML_URL_INVALID";
    }
    std::string_view header = rest.substr(0, comma);
    std::string_view data = rest.substr(comma + 1);
    header.remove_prefix(std::min(header.find_first_not_of(' '), header.size()));
    constexpr std::string_view kBase64 = ";base64";
    if (header.size() < kBase64.size() ||
        header.substr(header.size() - kBase64.size()) != kBase64) {
      *detail = "is a data: URL that is not base64-encoded (';base64,' expected)";
      return "XHTML_URL_INVALID";
    }
    if (!CheckPrimitive(model::Primitive::kBase64Binary, data).ok() ||
        data.find(',') != std::string_view::npos) {
      *detail = "is a data: URL whose data is not valid base64";
      return "XHTML_URL_INVALID";
    }
    std::string_view mime = header.substr(0, header.size() - kBase64.size());
    if (!IsMimeType(mime)) {
      *detail = "is a data: URL whose media type '" + std::string(mime) + "' is not a MIME type";
      return "XHTML_URL_INVALID";
    }
    return nullptr;
  }
  // RFC 3986's unreserved, reserved and percent characters; characters beyond ASCII are
  // allowed as an IRI allows them.
  std::string bad;
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    bool ok = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') ||
              std::string_view(";?:@&=+$.,/%-_~#[]!'()*|").find(c) != std::string_view::npos;
    if (!ok) {
      std::string shown(1, c);
      if (c == ' ') {
        shown = "space";
      } else if (u < 0x20 || u == 0x7F) {
        char code[8];
        std::snprintf(code, sizeof code, "U+%04X", u);
        shown = code;
      }
      if (bad.find("'" + shown + "'") == std::string::npos) {
        bad += (bad.empty() ? "'" : ", '") + shown + "'";
      }
    }
  }
  if (!bad.empty()) {
    *detail = "has characters a URL cannot contain: " + bad;
    return "XHTML_URL_INVALID_CHARS";
  }
  return nullptr;
}

std::vector<NarrativeFinding> CheckNarrative(const XhtmlNode& div) {
  std::vector<NarrativeFinding> findings = NarrativeChecker().Run(div);
  // txt-2: "The narrative SHALL have some non-whitespace content" (its XPath: text that is not
  // only whitespace, or an img with a src).
  if (!HasContent(div)) {
    findings.push_back({Severity::kError, IssueType::kValue, "XHTML_EMPTY",
                        "the narrative div must not be empty"});
  }
  return findings;
}

std::vector<std::string> NarrativeLanguageSections(const XhtmlNode& div) {
  std::vector<std::string> languages;
  for (const XhtmlNode& child : div.children) {
    if (!child.is_element() || child.local_name != "div") continue;
    const model::XhtmlAttribute* lang = child.Attribute("xml:lang");
    if (lang == nullptr || lang->value.empty()) lang = child.Attribute("lang");
    if (lang != nullptr && !lang->value.empty()) languages.emplace_back(lang->value);
  }
  return languages;
}

const model::XhtmlNode* Walker::NarrativeTree(const model::Element& div) {
  if (document_ != nullptr) {
    if (const model::XhtmlNode* kept = document_->Xhtml(div)) return kept;
  }
  auto found = parsed_xhtml_.find(&div);
  if (found != parsed_xhtml_.end()) return found->second;
  if (xhtml_arena_ == nullptr)
    xhtml_arena_ = std::make_unique<std::pmr::monotonic_buffer_resource>();
  // A document made without the parsers may hold markup they would have refused; that is not
  // this rule's to report again, and there is no tree to judge.
  const model::XhtmlNode* tree = formats::ParseXhtml(div.value(), xhtml_arena_.get()).root;
  parsed_xhtml_.emplace(&div, tree);
  return tree;
}

void Walker::CheckNarrative(const model::Element& div) {
  const model::XhtmlNode* tree = NarrativeTree(div);
  if (tree == nullptr) return;
  for (NarrativeFinding& f : internal::CheckNarrative(*tree)) {
    Report(f.severity, f.type, f.message_id, std::move(f.message), div);
  }
}

}  // namespace silta::validation::internal
