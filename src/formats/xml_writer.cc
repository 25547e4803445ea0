// Element tree → FHIR XML (https://hl7.org/fhir/R4/xml.html): values in `value` attributes,
// `id` and `url` as attributes, contained resources wrapped in their element, the narrative
// div emitted as the XHTML markup it holds.
#include "formats/formats.h"

namespace silta::formats {

namespace {

using model::Element;

constexpr std::string_view kFhirNamespace = "http://hl7.org/fhir";

class XmlEmitter {
 public:
  explicit XmlEmitter(bool pretty) : pretty_(pretty) {}

  std::string Finish() { return std::move(out_); }

  void Document(const Element& resource) {
    out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    Newline();
    Resource(resource, true);
    if (pretty_) out_ += '\n';
  }

 private:
  void Newline() {
    if (pretty_) out_ += '\n';
  }
  void Indent() {
    if (pretty_) out_.append(depth_ * 2, ' ');
  }

  void Resource(const Element& resource, bool is_root) {
    Indent();
    out_ += '<';
    out_ += resource.type()->name;
    if (is_root) {
      out_ += " xmlns=\"";
      out_ += kFhirNamespace;
      out_ += '"';
    }
    out_ += '>';
    Newline();
    ++depth_;
    Children(resource);
    --depth_;
    Indent();
    out_ += "</";
    out_ += resource.type()->name;
    out_ += '>';
    Newline();
  }

  // Writes the attribute-represented children (id, url) of `e`; returns whether any element
  // children remain.
  bool Attributes(const Element& e) {
    bool has_elements = false;
    for (const Element* c : e.children()) {
      if (c->definition()->xml_attribute) {
        out_ += ' ';
        out_ += c->name();
        out_ += "=\"";
        Escape(c->value());
        out_ += '"';
      } else {
        has_elements = true;
      }
    }
    return has_elements;
  }

  void Children(const Element& parent) {
    for (const Element* c : parent.children()) {
      if (!c->definition()->xml_attribute) Child(*c);
    }
  }

  void Child(const Element& e) {
    if (e.primitive() == model::Primitive::kXhtml) {
      Indent();
      out_ += e.value();
      Newline();
      return;
    }
    std::string name = e.WireName();
    Indent();
    out_ += '<';
    out_ += name;
    if (e.is_resource()) {
      out_ += '>';
      Newline();
      ++depth_;
      Resource(e, false);
      --depth_;
    } else {
      if (e.has_value()) {
        out_ += " value=\"";
        Escape(e.value());
        out_ += '"';
      }
      if (!Attributes(e)) {
        out_ += "/>";
        Newline();
        return;
      }
      out_ += '>';
      Newline();
      ++depth_;
      Children(e);
      --depth_;
    }
    Indent();
    out_ += "</";
    out_ += name;
    out_ += '>';
    Newline();
  }

  // Escapes for a double-quoted attribute. Whitespace other than spaces is written as character
  // references because XML parsers turn literal tabs and newlines in attributes into spaces.
  void Escape(std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '&':
          out_ += "&amp;";
          break;
        case '<':
          out_ += "&lt;";
          break;
        case '>':
          out_ += "&gt;";
          break;
        case '"':
          out_ += "&quot;";
          break;
        case '\n':
          out_ += "&#10;";
          break;
        case '\r':
          out_ += "&#13;";
          break;
        case '\t':
          out_ += "&#9;";
          break;
        default:
          out_ += c;
      }
    }
  }

  bool pretty_;
  size_t depth_ = 0;
  std::string out_;
};

}  // namespace

std::string WriteXml(const model::Element& resource, const WriteOptions& options) {
  XmlEmitter emitter(options.pretty);
  emitter.Document(resource);
  return emitter.Finish();
}

std::string Write(const model::Element& resource, Format format, const WriteOptions& options) {
  return format == Format::kJson ? WriteJson(resource, options) : WriteXml(resource, options);
}

}  // namespace silta::formats
