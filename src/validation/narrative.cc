#include "validation/narrative.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
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

// What each element name is to the narrative rules, in one table searched once per element.
enum ElementFlags : uint8_t {
  // Narrative.div: "an XHTML fragment containing only the basic html formatting elements
  // described in chapters 7-11 and 15 of the HTML 4.0 standard, <a> elements (either name or
  // href), images and internally contained stylesheets"; txt-1 excepts section 4 of chapter 9
  // (ins, del). Chapter 7: div, span, headings, address; 8: bdo; 9: phrase elements, sub, sup,
  // p, br, quotations, pre; 10: lists; 11: tables; 15: the font-style elements and hr, less
  // those HTML 4 deprecates (strike, s, u: the narrative page forbids deprecated elements);
  // images bring img and the client-side image maps (map, area). The reference validator's
  // list is the same.
  kAllowed = 1,
  // "The XHTML content SHALL NOT contain a head, a body, external stylesheet references,
  // scripts, forms, base/link/xlink, frames, iframes and objects" (Narrative.div); the
  // narrative page adds "no active content". Named apart, as content FHIR forbids outright.
  kForbidden = 2,
  // HTML 4's %block (7.5.3): what a paragraph cannot contain (9.3.1: "The P element represents
  // a paragraph. It cannot contain block-level elements (including P itself)").
  kBlock = 4,
  // Elements whose content HTML 4's DTD makes %inline: headings, p, pre, address, dt, caption
  // and the inline elements themselves (chapters 7-9, 12).
  kInlineContent = 8,
  // Elements HTML 4 declares EMPTY.
  kEmpty = 16,
};

struct ElementInfo {
  std::string_view name;
  uint8_t flags;
};

constexpr uint8_t kA = kAllowed;
constexpr uint8_t kAI = kAllowed | kInlineContent;
constexpr uint8_t kAB = kAllowed | kBlock;
constexpr uint8_t kABI = kAllowed | kBlock | kInlineContent;
constexpr uint8_t kAE = kAllowed | kEmpty;
constexpr uint8_t kF = kForbidden;

constexpr std::array<ElementInfo, 79> kElementTable = {{
    {"a", kAI},     {"abbr", kAI},        {"acronym", kAI},    {"address", kABI},
    {"applet", kF}, {"area", kAE},        {"b", kAI},          {"base", kF},
    {"bdo", kAI},   {"big", kAI},         {"blockquote", kAB}, {"body", kF},
    {"br", kAE},    {"button", kF},       {"caption", kAI},    {"cite", kAI},
    {"code", kAI},  {"col", kAE},         {"colgroup", kA},    {"dd", kA},
    {"dfn", kAI},   {"div", kAB},         {"dl", kAB},         {"dt", kAI},
    {"em", kAI},    {"embed", kF},        {"fieldset", kF},    {"form", kF},
    {"frame", kF},  {"frameset", kF},     {"h1", kABI},        {"h2", kABI},
    {"h3", kABI},   {"h4", kABI},         {"h5", kABI},        {"h6", kABI},
    {"head", kF},   {"hr", kAB | kEmpty}, {"html", kF},        {"i", kAI},
    {"iframe", kF}, {"img", kAE},         {"input", kF},       {"kbd", kAI},
    {"label", kF},  {"legend", kF},       {"li", kA},          {"link", kF},
    {"map", kA},    {"meta", kF},         {"noscript", kF},    {"object", kF},
    {"ol", kAB},    {"option", kF},       {"p", kABI},         {"param", kF},
    {"pre", kABI},  {"q", kAI},           {"samp", kAI},       {"script", kF},
    {"select", kF}, {"small", kAI},       {"span", kAI},       {"strong", kAI},
    {"style", kF},  {"sub", kAI},         {"sup", kAI},        {"table", kAB},
    {"tbody", kA},  {"td", kA},           {"textarea", kF},    {"tfoot", kA},
    {"th", kA},     {"thead", kA},        {"title", kF},       {"tr", kA},
    {"tt", kAI},    {"ul", kAB},          {"var", kAI},
}};
static_assert(std::is_sorted(kElementTable.begin(), kElementTable.end(),
                             [](const ElementInfo& a, const ElementInfo& b) {
                               return a.name < b.name;
                             }),
              "kElementTable is searched by halving");

uint8_t ElementFlagsOf(std::string_view name) {
  auto it = std::lower_bound(
      kElementTable.begin(), kElementTable.end(), name,
      [](const ElementInfo& info, std::string_view key) { return info.name < key; });
  return it != kElementTable.end() && it->name == name ? it->flags : 0;
}

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
  return std::any_of(
      kElementAttributes.begin(), kElementAttributes.end(), [&](std::string_view entry) {
        return entry.size() == element.size() + 1 + attribute.size() &&
               entry.substr(0, element.size()) == element && entry[element.size()] == '.' &&
               entry.substr(element.size() + 1) == attribute;
      });
}

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
    CheckElement(div, nullptr, false);
    CheckLanguageSections(div);
    // Sorted once at the end rather than kept in a set: most narratives have few ids or none.
    std::sort(ids_.begin(), ids_.end());
    std::string list;
    for (size_t i = 1; i < ids_.size(); ++i) {
      if (ids_[i] == ids_[i - 1] && (i + 1 == ids_.size() || ids_[i + 1] != ids_[i])) {
        list.append(list.empty() ? "" : ", ").append(ids_[i]);
      }
    }
    if (!list.empty()) {
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

  // The place inside the narrative, for messages only: "div/p/script".
  std::string Path() const {
    std::string path;
    for (std::string_view name : names_) path.append(path.empty() ? "" : "/").append(name);
    return path;
  }

  void CheckElement(const XhtmlNode& e, const XhtmlNode* parent, bool in_inline) {
    std::string_view name = e.local_name;
    names_.push_back(name);
    if (e.ns != model::kXhtmlNamespace) {
      Add(Severity::kError, IssueType::kInvalid, "XHTML_NAMESPACE",
          "the narrative element " + Path() +
              (e.ns.empty() ? std::string(" is in no namespace (its prefix is not declared)")
                            : " is in the namespace '" + std::string(e.ns) + "'") +
              ", not XHTML's (http://www.w3.org/1999/xhtml)");
    }
    uint8_t flags = ElementFlagsOf(name);
    if ((flags & kForbidden) != 0) {
      Add(Severity::kError, IssueType::kSecurity, "XHTML_ACTIVE_CONTENT",
          "the narrative has a <" + std::string(name) + "> element at " + Path() +
              "; FHIR narrative must not contain scripts, forms, frames, objects, "
              "base/link/meta, stylesheets, head or body");
    } else if ((flags & kAllowed) == 0) {
      Add(Severity::kError, IssueType::kInvalid, "XHTML_ELEMENT_ILLEGAL",
          "the narrative has the element <" + std::string(name) + "> at " + Path() +
              ", which is not one of the HTML 4 formatting elements FHIR narrative allows");
    }
    CheckAttributes(e);
    CheckContentModel(e, parent, flags, in_inline);
    if (name == "a") ++links_open_;
    bool inline_below = in_inline || (flags & kInlineContent) != 0;
    for (const XhtmlNode& child : e.children) {
      if (!child.is_element()) {
        if (child.kind == XhtmlNode::Kind::kDoctype ||
            (child.kind == XhtmlNode::Kind::kComment && child.text.rfind("DOCTYPE", 0) == 0)) {
          Add(Severity::kError, IssueType::kSecurity, "XHTML_DOCTYPE",
              "the narrative has a DOCTYPE declaration inside " + Path() +
                  "; DTDs are not allowed in FHIR");
        }
        if (child.kind == XhtmlNode::Kind::kProcessingInstruction &&
            child.name == "xml-stylesheet") {
          Add(Severity::kError, IssueType::kSecurity, "XHTML_ACTIVE_CONTENT",
              "the narrative has an xml-stylesheet instruction inside " + Path() +
                  "; FHIR narrative must not reference external stylesheets");
        }
        continue;
      }
      CheckElement(child, &e, inline_below);
    }
    if (name == "a") --links_open_;
    names_.pop_back();
  }

  // Language sections (the child divs of the root that carry xml:lang, as the
  // narrative-language-control extension defines them) divide the narrative by language; text
  // or markup beside them belongs to none. The reference validator warns.
  void CheckLanguageSections(const XhtmlNode& div) {
    std::string languages;
    bool outside = false;
    for (const XhtmlNode& child : div.children) {
      const model::XhtmlAttribute* lang =
          child.is_element() && child.local_name == "div" ? child.Attribute("xml:lang") : nullptr;
      if (lang != nullptr) {
        languages.append(languages.empty() ? "" : ", ").append(lang->value);
      } else if (child.is_element() ||
                 (child.kind == XhtmlNode::Kind::kText && !IsWhitespace(child.text))) {
        outside = true;
      }
    }
    if (!languages.empty() && outside) {
      Add(Severity::kWarning, IssueType::kBusinessRule, "XHTML_MIXED_LANGUAGES",
          "the narrative has language sections (" + languages + ") and also content outside them");
    }
  }

  void CheckAttributes(const XhtmlNode& e) {
    std::string_view name = e.local_name;
    for (const model::XhtmlAttribute& a : e.attributes) {
      if (StartsWithNoCase(a.name, "on")) {
        Add(Severity::kError, IssueType::kSecurity, "XHTML_EVENT_ATTRIBUTE",
            "the narrative element " + Path() + " has the event attribute '" + std::string(a.name) +
                "'; FHIR narrative must not contain active content");
        continue;
      }
      if (a.name == "xml:space") {
        // Allowed by txt-1's XPath but not HTML's; the reference validator only hints.
        Add(Severity::kInformation, IssueType::kInvalid, "XHTML_ATTRIBUTE_XML_SPACE",
            "the narrative element " + Path() + " has xml:space, which HTML does not define");
        continue;
      }
      if (!AttributeAllowed(name, a.name)) {
        Add(Severity::kError, IssueType::kInvalid, "XHTML_ATTRIBUTE_ILLEGAL",
            "the narrative element " + Path() + " has the attribute '" + std::string(a.name) +
                "', which HTML 4 does not give <" + std::string(name) +
                "> among the formatting markup FHIR narrative allows");
      }
      if (a.name == "style") CheckStyle(a.value);
      if (a.name == "id" || (a.name == "name" && name == "a")) NoteId(e, a);
    }
    if (name == "a" || name == "area") {
      if (const model::XhtmlAttribute* href = e.Attribute("href")) CheckUrl(*href);
    } else if (name == "img") {
      if (const model::XhtmlAttribute* src = e.Attribute("src")) CheckUrl(*src);
    }
  }

  // The narrative is styled by "internally contained style attributes"; what would reach out of
  // the resource or run code is not: "external stylesheet references" (CSS @import) and
  // script in CSS (expression(), javascript: URLs, behaviors and bindings).
  void CheckStyle(std::string_view css) {
    const char* what = nullptr;
    // One pass: style attributes are common and long in generated narratives.
    for (size_t at = 0; at < css.size() && what == nullptr; ++at) {
      std::string_view rest = css.substr(at);
      switch (css[at]) {
        case '@':
          if (StartsWithNoCase(rest, "@import")) what = "imports an external stylesheet (@import)";
          break;
        case 'e':
        case 'E':
          if (StartsWithNoCase(rest, "expression(")) what = "runs script (expression())";
          break;
        case 'j':
        case 'J':
          if (StartsWithNoCase(rest, "javascript:")) what = "holds a javascript: URL";
          break;
        case 'b':
        case 'B':
          if (StartsWithNoCase(rest, "behavior:")) what = "attaches script (behavior)";
          break;
        case '-':
          if (StartsWithNoCase(rest, "-moz-binding")) what = "attaches script (-moz-binding)";
          break;
        default:
          break;
      }
    }
    if (what != nullptr) {
      Add(Severity::kError, IssueType::kSecurity, "XHTML_STYLE_ACTIVE",
          "the style attribute of the narrative element " + Path() + " " + what +
              "; narrative styles must be internally contained and not active");
    }
  }

  void CheckUrl(const model::XhtmlAttribute& a) {
    std::string detail;
    if (const char* id = UrlProblem(a.value, &detail)) {
      bool script = std::string_view(id) == "XHTML_URL_SCRIPT";
      Add(Severity::kError, script ? IssueType::kSecurity : IssueType::kInvalid, id,
          "the " + std::string(a.name) + " of the narrative element " + Path() + " " + detail);
    }
  }

  void NoteId(const XhtmlNode& e, const model::XhtmlAttribute& a) {
    // <a id="x" name="x"> names one anchor.
    if (a.name == "name") {
      const model::XhtmlAttribute* id = e.Attribute("id");
      if (id != nullptr && id->value == a.value) return;
    }
    ids_.push_back(a.value);
  }

  // The content models of HTML 4's DTD (chapters 7-11 and 13) for the allowed elements.
  void CheckContentModel(const XhtmlNode& e, const XhtmlNode* parent, uint8_t flags,
                         bool in_inline) {
    std::string_view name = e.local_name;
    std::string_view parent_name = parent != nullptr ? parent->local_name : std::string_view();
    auto out_of_place = [&](std::string_view allowed_parents) {
      Add(Severity::kError, IssueType::kStructure, "XHTML_OUT_OF_PLACE",
          "the narrative element " + Path() + " must be inside " + std::string(allowed_parents) +
              ", not <" + std::string(parent_name) + ">");
    };
    if (parent != nullptr) {
      if (in_inline && (flags & kBlock) != 0) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_BLOCK_IN_INLINE",
            "the narrative has the block element <" + std::string(name) + "> at " + Path() +
                ", inside an element that may contain only text and inline markup (HTML 4: a "
                "paragraph cannot contain block-level elements)");
      }
      if (name == "a" && links_open_ > 0) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_NESTED_LINK",
            "the narrative has a link inside a link at " + Path() + " (HTML 4 12.2.2)");
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
            "the narrative element " + Path() + " cannot contain " + wrong);
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
    if ((flags & kEmpty) != 0) {
      bool has_content = std::any_of(e.children.begin(), e.children.end(), [](const XhtmlNode& c) {
        return c.is_element() || (c.kind == XhtmlNode::Kind::kText && !IsWhitespace(c.text));
      });
      if (has_content) {
        Add(Severity::kError, IssueType::kStructure, "XHTML_ILLEGAL_CHILDREN",
            "the narrative element " + Path() + " must be empty (HTML 4 declares <" +
                std::string(name) + "> EMPTY)");
      }
    }
  }

  std::vector<NarrativeFinding> findings_;
  std::vector<std::string_view> names_;  // the element being checked and its ancestors
  int links_open_ = 0;                   // <a> elements among the ancestors
  std::vector<std::string_view> ids_;
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
