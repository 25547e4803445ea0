#include "formats/parse_common.h"

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

namespace {

// XML 1.0's Char production: what a character reference may name (well-formedness constraint
// "Legal Character").
bool IsXmlChar(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

// Without a DTD (which FHIR forbids) XML defines no entity besides its five predefined ones, so
// e.g. HTML's '&reg;' makes the document not well-formed; pugixml would keep it as text, and it
// decodes a character reference to a character XML does not allow (&#1;) without complaint.
BadReference FindBadReference(std::string_view text) {
  // Most narratives have no reference at all, which memchr finds out fastest.
  if (text.find('&') == std::string_view::npos) return {};
  size_t i = 0;
  while (true) {
    // Not find_first_of("&<"): libstdc++ calls memchr over the two-character set once per
    // character of the text.
    size_t k = i;
    while (k < text.size() && text[k] != '&' && text[k] != '<') ++k;
    if (k == text.size()) return {};
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
      if (e == std::string_view::npos) return {};
      i = e + close.size();
      continue;
    }
    // A reference runs to its ';'; a bare '&' (markup, a quote or a space before any ';') is
    // shown as itself.
    size_t semi = 1;
    while (semi < rest.size() && rest[semi] != ';' && rest[semi] != '<' && rest[semi] != '&' &&
           rest[semi] != ' ' && rest[semi] != '\t' && rest[semi] != '\r' && rest[semi] != '\n' &&
           rest[semi] != '"' && rest[semi] != '\'') {
      ++semi;
    }
    bool terminated = semi < rest.size() && rest[semi] == ';';
    std::string_view name = terminated ? rest.substr(1, semi - 1) : std::string_view();
    std::string_view shown = terminated ? rest.substr(0, semi + 1) : rest.substr(0, 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      i = k + 1;
      continue;
    }
    if (name.size() >= 2 && name[0] == '#') {
      bool hex = name[1] == 'x';
      std::string_view digits = name.substr(hex ? 2 : 1);
      bool ok = !digits.empty();
      uint32_t code = 0;
      for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          d = c - 'A' + 10;
        }
        if (d < 0) {
          ok = false;
          break;
        }
        code = code > 0x10FFFF ? code : code * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (!ok) return {k, BadReference::kUndefinedEntity, shown};
      if (!IsXmlChar(code)) return {k, BadReference::kIllegalCharacter, shown};
      i = k + 1;
      continue;
    }
    return {k, BadReference::kUndefinedEntity, shown};
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
  if (CheckLexicalForm(type, value, offset)) return true;
  return type.primitive == model::Primitive::kXhtml && options_.keep_refused_narratives;
}

bool ParserBase::CheckLexicalForm(const model::TypeDef& type, std::string_view value,
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

// The narrative must be one well-formed XHTML div, or the XML writer would emit broken XML. The
// tree is kept for the element the caller makes next (AttachXhtml).
bool ParserBase::CheckXhtml(std::string_view value, size_t offset) {
  XhtmlParse parse = ParseXhtml(value, doc_->arena());
  pending_xhtml_ = nullptr;
  if (parse.root == nullptr) {
    Error(IssueType::kValue, parse.message_id, std::move(parse.message), offset);
    return false;
  }
  pending_xhtml_ = parse.root;
  return true;
}

void ParserBase::AttachXhtml(const model::Element& element) {
  if (pending_xhtml_ != nullptr) doc_->SetXhtml(element, pending_xhtml_);
  pending_xhtml_ = nullptr;
}

}  // namespace silta::formats::internal
