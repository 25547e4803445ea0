// The writers: the model → an output tree in canonical field order → JSON, NDJSON or XML. The
// same tree with its unordered arrays sorted is the contract's equality.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "records/fields.h"
#include "records/records.h"

namespace silta::records {

namespace {

using internal::kOrdered;

struct OutMember;

struct OutNode {
  enum class Kind : uint8_t { kObject, kArray, kString, kBool, kNumber };
  Kind kind = Kind::kObject;
  std::string text;  // string contents, "true"/"false", or number text
  std::vector<OutMember> members;
  std::vector<OutNode> items;
  bool ordered = true;  // arrays: does element order carry meaning
};

struct OutMember {
  std::string_view name;
  OutNode value;
};

OutNode Scalar(OutNode::Kind kind, std::string text) {
  OutNode n;
  n.kind = kind;
  n.text = std::move(text);
  return n;
}

OutNode ToOut(const std::string& s) { return Scalar(OutNode::Kind::kString, s); }
OutNode ToOut(const Date& d) { return Scalar(OutNode::Kind::kString, d.value); }
OutNode ToOut(const Instant& i) { return Scalar(OutNode::Kind::kString, i.value); }
OutNode ToOut(bool b) { return Scalar(OutNode::Kind::kBool, b ? "true" : "false"); }
OutNode ToOut(int i) { return Scalar(OutNode::Kind::kNumber, std::to_string(i)); }
template <internal::Enum E>
OutNode ToOut(E e) {
  return Scalar(OutNode::Kind::kString, std::string(CodeOf(e)));
}
template <internal::Part T>
OutNode ToOut(const T& part);
OutNode ToOut(const Payer& payer) {
  return payer.client ? Scalar(OutNode::Kind::kString, "client") : ToOut(payer.organisation);
}

class FieldWriter {
 public:
  explicit FieldWriter(OutNode* object) : object_(object) {}

  template <typename T>
  void operator()(std::string_view name, const std::vector<T>& field, unsigned flags) {
    if (field.empty()) return;
    OutNode array;
    array.kind = OutNode::Kind::kArray;
    array.ordered = (flags & kOrdered) != 0;
    array.items.reserve(field.size());
    for (const T& item : field) array.items.push_back(ToOut(item));
    object_->members.push_back(OutMember{name, std::move(array)});
  }
  template <typename T>
  void operator()(std::string_view name, const std::optional<T>& field, unsigned) {
    if (field) object_->members.push_back(OutMember{name, ToOut(*field)});
  }
  template <typename T>
  void operator()(std::string_view name, const T& field, unsigned) {
    object_->members.push_back(OutMember{name, ToOut(field)});
  }

 private:
  OutNode* object_;
};

template <internal::Part T>
OutNode ToOut(const T& part) {
  OutNode object;
  FieldWriter writer(&object);
  internal::Fields(part, writer);
  return object;
}

template <typename Writer>
void EmitJson(const OutNode& n, Writer& w) {
  switch (n.kind) {
    case OutNode::Kind::kObject:
      w.StartObject();
      for (const auto& [name, value] : n.members) {
        w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
        EmitJson(value, w);
      }
      w.EndObject();
      break;
    case OutNode::Kind::kArray:
      w.StartArray();
      for (const OutNode& item : n.items) EmitJson(item, w);
      w.EndArray();
      break;
    case OutNode::Kind::kString:
      w.String(n.text.data(), static_cast<rapidjson::SizeType>(n.text.size()));
      break;
    case OutNode::Kind::kBool:
      w.Bool(n.text == "true");
      break;
    case OutNode::Kind::kNumber:
      w.RawValue(n.text.data(), n.text.size(), rapidjson::kNumberType);
      break;
  }
}

std::string ToJson(const OutNode& root, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    EmitJson(root, w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    EmitJson(root, w);
  }
  std::string out(buffer.GetString(), buffer.GetSize());
  if (pretty) out += '\n';
  return out;
}

// The model → JSON events directly, in the same order and with the same omissions as ToOut:
// no intermediate tree on the path every mapped record takes.
class EventWriter {
 public:
  explicit EventWriter(JsonEvents& events) : events_(events) {}

  template <typename T>
  void operator()(std::string_view name, const std::vector<T>& field, unsigned) {
    if (field.empty()) return;
    events_.Key(name);
    events_.StartArray();
    for (const T& item : field) Value(item);
    events_.EndArray();
  }
  template <typename T>
  void operator()(std::string_view name, const std::optional<T>& field, unsigned) {
    if (!field) return;
    events_.Key(name);
    Value(*field);
  }
  template <typename T>
  void operator()(std::string_view name, const T& field, unsigned) {
    events_.Key(name);
    Value(field);
  }

  void Value(const std::string& s) { events_.String(s); }
  void Value(const Date& d) { events_.String(d.value); }
  void Value(const Instant& i) { events_.String(i.value); }
  void Value(bool b) { events_.Bool(b); }
  void Value(int i) {
    char text[16];
    auto [end, ec] = std::to_chars(text, text + sizeof text, i);
    events_.Number(std::string_view(text, static_cast<size_t>(end - text)));
  }
  template <internal::Enum E>
  void Value(E e) {
    events_.String(CodeOf(e));
  }
  void Value(const Payer& payer) {
    if (payer.client) {
      events_.String("client");
    } else {
      Value(payer.organisation);
    }
  }
  template <internal::Part T>
  void Value(const T& part) {
    events_.StartObject();
    internal::Fields(part, *this);
    events_.EndObject();
  }

 private:
  JsonEvents& events_;
};

template <typename Writer>
class RapidJsonEvents : public JsonEvents {
 public:
  explicit RapidJsonEvents(Writer& w) : w_(w) {}
  void StartObject() override { w_.StartObject(); }
  void Key(std::string_view name) override {
    w_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  }
  void EndObject() override { w_.EndObject(); }
  void StartArray() override { w_.StartArray(); }
  void EndArray() override { w_.EndArray(); }
  void String(std::string_view text) override {
    w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  void Number(std::string_view text) override {
    w_.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
  void Bool(bool value) override { w_.Bool(value); }

 private:
  Writer& w_;
};

std::string RecordToJson(const ClientRecord& record, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    RapidJsonEvents events(w);
    EmitJson(record, events);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    RapidJsonEvents events(w);
    EmitJson(record, events);
  }
  std::string out(buffer.GetString(), buffer.GetSize());
  if (pretty) out += '\n';
  return out;
}

// Objects become child elements, arrays repeated elements of the field's name, scalars text.
void EmitXml(const OutNode& n, pugi::xml_node element) {
  switch (n.kind) {
    case OutNode::Kind::kObject:
      for (const auto& [name, value] : n.members) {
        std::string tag(name);
        if (value.kind == OutNode::Kind::kArray) {
          for (const OutNode& item : value.items) EmitXml(item, element.append_child(tag.c_str()));
        } else {
          EmitXml(value, element.append_child(tag.c_str()));
        }
      }
      break;
    case OutNode::Kind::kArray:
      break;  // handled by the parent: the contract has no arrays of arrays
    default:
      element.append_child(pugi::node_pcdata).set_value(n.text.c_str());
      break;
  }
}

// Sorts every unordered array by the compact JSON of its elements, innermost first.
void SortUnordered(OutNode* n) {
  for (auto& [name, value] : n->members) SortUnordered(&value);
  for (OutNode& item : n->items) SortUnordered(&item);
  if (n->kind == OutNode::Kind::kArray && !n->ordered) {
    std::vector<std::pair<std::string, OutNode>> keyed;
    keyed.reserve(n->items.size());
    for (OutNode& item : n->items) keyed.emplace_back(ToJson(item, false), std::move(item));
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    n->items.clear();
    for (auto& [key, item] : keyed) n->items.push_back(std::move(item));
  }
}

}  // namespace

void EmitJson(const ClientRecord& record, JsonEvents& events) {
  EventWriter writer(events);
  writer.Value(record);
}

std::string WriteJson(const ClientRecord& record, const WriteOptions& options) {
  return RecordToJson(record, options.pretty);
}

std::string WriteNdjson(std::span<const ClientRecord> records) {
  std::string out;
  for (const ClientRecord& r : records) {
    out += RecordToJson(r, false);
    out += '\n';
  }
  return out;
}

std::string WriteXml(const ClientRecord& record, const WriteOptions& options) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child("clientRecord");
  root.append_attribute("xmlns") = std::string(kXmlNamespace).c_str();
  EmitXml(ToOut(record), root);
  std::ostringstream out;
  unsigned flags = options.pretty ? pugi::format_indent : pugi::format_raw;
  doc.save(out, "  ", flags, pugi::encoding_utf8);
  std::string text = out.str();
  if (!options.pretty) text += '\n';
  return text;
}

std::string Write(const ClientRecord& record, Format format, const WriteOptions& options) {
  return format == Format::kXml ? WriteXml(record, options) : WriteJson(record, options);
}

std::string EqualityKey(const ClientRecord& record) {
  OutNode root = ToOut(record);
  SortUnordered(&root);
  return ToJson(root, false);
}

bool RecordsEqual(const ClientRecord& a, const ClientRecord& b) {
  return a == b || EqualityKey(a) == EqualityKey(b);
}

}  // namespace silta::records
