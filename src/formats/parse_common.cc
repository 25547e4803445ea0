#include "formats/parse_common.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>

namespace silta::formats::internal {

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool IsIntegerLexical(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i == s.size()) return false;
  if (s[i] == '0') return i + 1 == s.size();
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

bool IsDecimalLexical(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i == s.size() || !IsDigit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i == s.size();
}

// Returns the offset of the first '&' that does not start one of XML's predefined entity or
// character references, or npos. Without a DTD (which FHIR forbids) no other entity is defined,
// so e.g. HTML's '&reg;' makes the document not well-formed; pugixml would keep it as text.
size_t FindUndefinedReference(std::string_view text) {
  // Most narratives have no reference at all, which memchr finds out fastest.
  if (text.find('&') == std::string_view::npos) return std::string_view::npos;
  size_t i = 0;
  while (true) {
    // Not find_first_of("&<"): libstdc++ calls memchr over the two-character set once per
    // character of the text, which made this scan a few percent of reading a resource.
    size_t k = i;
    while (k < text.size() && text[k] != '&' && text[k] != '<') ++k;
    if (k == text.size()) return std::string_view::npos;
    std::string_view rest = text.substr(k);
    if (rest[0] == '<') {
      std::string_view close;
      if (rest.substr(0, 4) == "<!--") {
        close = "-->";
      } else if (rest.substr(0, 9) == "<![CDATA[") {
        close = "]]>";
      } else if (rest.substr(0, 2) == "<?") {
        close = "?>";
      } else {
        i = k + 1;
        continue;
      }
      size_t e = text.find(close, k + 2);
      if (e == std::string_view::npos) return e;
      i = e + close.size();
      continue;
    }
    size_t semi = rest.find(';');
    std::string_view name = rest.substr(1, semi == std::string_view::npos ? 0 : semi - 1);
    bool ok = false;
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      ok = true;
    } else if (name.size() >= 2 && name[0] == '#') {
      bool hex = name[1] == 'x';
      std::string_view digits = name.substr(hex ? 2 : 1);
      ok = !digits.empty();
      for (char c : digits) {
        bool digit = c >= '0' && c <= '9';
        bool hex_digit = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!digit && !(hex && hex_digit)) ok = false;
      }
    }
    if (!ok) return k;
    i = k + 1;
  }
}

ParserBase::ParserBase(std::string_view text, std::shared_ptr<const model::TypeModel> model,
                       IssueSink& sink, const ParseOptions& options)
    : text_(text),
      doc_(std::make_unique<model::Document>(model)),
      model_(model.get()),
      sink_(sink),
      options_(options),
      lines_(text) {
  doc_->set_source_name(options.source_name);
}

std::string ParserBase::CurrentPath() const {
  std::string out;
  for (const PathFrame& f : path_) {
    if (!out.empty()) out += '.';
    out += f.name;
    if (!f.of_type.empty()) {
      out += ".ofType(";
      out += f.of_type;
      out += ')';
    }
    if (f.index >= 0) {
      out += '[';
      out += std::to_string(f.index);
      out += ']';
    }
  }
  return out;
}

void ParserBase::Report(Severity severity, IssueType type, const char* message_id,
                        std::string message, size_t offset) {
  if (severity >= Severity::kError) ++error_count_;
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = message_id;
  issue.message = std::move(message);
  issue.expression = CurrentPath();
  issue.location = lines_.Locate(offset);
  issue.source = options_.source_name;
  sink_.Report(std::move(issue));
}

void ParserBase::FinishChildren(model::Element* parent, size_t mark) {
  size_t count = children_.size() - mark;
  std::span<model::Element*> out = doc_->NewChildArray(count);
  std::copy(children_.begin() + static_cast<ptrdiff_t>(mark), children_.end(), out.begin());
  children_.resize(mark);
  parent->set_children(out);
}

bool ParserBase::CheckPrimitiveText(const model::TypeDef& type, std::string_view value,
                                    size_t offset) {
  if (value.empty()) {
    Error(IssueType::kValue, "PRIMITIVE_EMPTY",
          "empty value: a " + type.name + " must have content or be left out", offset);
    return false;
  }
  // Escapes such as "\ud800" (a lone surrogate) or XML character references decode to bytes
  // that are not UTF-8; such a value could not be written out again.
  size_t bad = 0;
  if (!IsValidUtf8(value, &bad)) {
    Error(IssueType::kValue, "PRIMITIVE_BAD_UNICODE",
          "the value is not valid Unicode text (for example an unpaired surrogate escape)", offset);
    return false;
  }
  // FHIR strings exclude control characters other than tab, CR and LF; XML 1.0 cannot even
  // carry them, so they would break the XML form of the resource.
  if (size_t at = FindControlCharacter(value); at != std::string_view::npos) {
    char code[8];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>(value[at]));
    Error(IssueType::kValue, "PRIMITIVE_CONTROL_CHARACTER",
          std::string("the value contains the control character ") + code +
              ", which FHIR does not allow",
          offset);
    return false;
  }
  switch (type.primitive) {
    case model::Primitive::kBoolean:
      if (value != "true" && value != "false") {
        Error(IssueType::kValue, "PRIMITIVE_BAD_BOOLEAN",
              "boolean must be true or false, found '" + std::string(value.substr(0, 40)) + "'",
              offset);
        return false;
      }
      return true;
    case model::Primitive::kInteger:
    case model::Primitive::kUnsignedInt:
    case model::Primitive::kPositiveInt:
      if (!IsIntegerLexical(value)) {
        Error(IssueType::kValue, "PRIMITIVE_BAD_INTEGER",
              "not a valid " + type.name + ": '" + std::string(value.substr(0, 40)) + "'", offset);
        return false;
      }
      return true;
    case model::Primitive::kDecimal:
      if (!IsDecimalLexical(value)) {
        Error(IssueType::kValue, "PRIMITIVE_BAD_DECIMAL",
              "not a valid decimal: '" + std::string(value.substr(0, 40)) + "'", offset);
        return false;
      }
      return true;
    case model::Primitive::kXhtml:
      return CheckXhtml(value, offset);
    default:
      return true;
  }
}

// The narrative must be one well-formed XHTML div, or the XML writer would emit broken XML.
bool ParserBase::CheckXhtml(std::string_view value, size_t offset) {
  pugi::xml_document xhtml;
  // Every kind of node is kept so that anything besides the one div element (declarations,
  // processing instructions, comments, stray text) can be refused: it would land verbatim in
  // the middle of an XML document.
  pugi::xml_parse_result r =
      xhtml.load_buffer(value.data(), value.size(),
                        pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration |
                            pugi::parse_pi | pugi::parse_comments | pugi::parse_ws_pcdata,
                        pugi::encoding_utf8);
  const char* problem = nullptr;
  if (!r) {
    problem = r.description();
  } else if (FindUndefinedReference(value) != std::string_view::npos) {
    // pugixml keeps an undefined '&name;' (or a bare '&') as text; written back into XML it
    // would make the document not well-formed.
    problem =
        "'&' must start a predefined entity (&amp; &lt; &gt; &quot; &apos;) or a character "
        "reference";
  } else if (value.front() != '<' || value.back() != '>') {
    // pugixml drops stray text at the document level, so the ends are checked here.
    problem = "only the <div> element may be present, without anything before or after it";
  } else {
    pugi::xml_node root;
    int elements = 0;
    for (pugi::xml_node n : xhtml.children()) {
      if (n.type() == pugi::node_element) {
        root = n;
        ++elements;
      } else {
        problem = "only the <div> element may be present, without anything before or after it";
      }
    }
    if (problem == nullptr) {
      if (elements != 1 || std::string_view(root.name()) != "div") {
        problem = "the narrative must be a single <div> element";
      } else if (std::string_view(root.attribute("xmlns").value()) !=
                 "http://www.w3.org/1999/xhtml") {
        problem = "the div must declare xmlns=\"http://www.w3.org/1999/xhtml\"";
      }
    }
  }
  if (problem == nullptr) return true;
  Error(IssueType::kValue, "XHTML_MALFORMED",
        std::string("the narrative is not well-formed XHTML: ") + problem, offset);
  return false;
}

}  // namespace silta::formats::internal
