// Element tree → FHIR JSON. Members follow definition order; repeating primitives get a
// "_name" array aligned with nulls when any item carries an id or extensions.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "formats/formats.h"

namespace silta::formats {

namespace {

using model::Element;

template <typename Writer>
class JsonEmitter {
 public:
  explicit JsonEmitter(Writer& w) : w_(w) {}

  void Resource(const Element& resource) {
    w_.StartObject();
    Key("resourceType");
    String(resource.type()->name);
    Members(resource);
    w_.EndObject();
  }

 private:
  void Key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void String(std::string_view s) {
    w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }

  void Members(const Element& parent) {
    auto children = parent.children();
    size_t i = 0;
    while (i < children.size()) {
      size_t j = i + 1;
      while (j < children.size() && children[j]->definition() == children[i]->definition()) ++j;
      Group(children.subspan(i, j - i));
      i = j;
    }
  }

  void Group(std::span<const Element* const> group) {
    const Element& first = *group[0];
    const model::ElementDef& def = *first.definition();
    std::string name = first.WireName();
    bool repeats = def.is_array();
    if (first.is_primitive()) {
      bool any_value = false;
      bool any_extras = false;
      for (const Element* e : group) {
        any_value |= e->has_value();
        any_extras |= !e->children().empty();
      }
      if (any_value) {
        Key(name);
        if (repeats) w_.StartArray();
        for (const Element* e : group) {
          if (e->has_value()) {
            Value(*e);
          } else {
            w_.Null();
          }
        }
        if (repeats) w_.EndArray();
      }
      if (any_extras) {
        Key("_" + name);
        if (repeats) w_.StartArray();
        for (const Element* e : group) {
          if (e->children().empty()) {
            w_.Null();
          } else {
            w_.StartObject();
            Members(*e);
            w_.EndObject();
          }
        }
        if (repeats) w_.EndArray();
      }
      return;
    }
    Key(name);
    if (repeats) w_.StartArray();
    for (const Element* e : group) {
      if (e->is_resource()) {
        Resource(*e);
      } else {
        w_.StartObject();
        Members(*e);
        w_.EndObject();
      }
    }
    if (repeats) w_.EndArray();
  }

  void Value(const Element& e) {
    std::string_view v = e.value();
    model::JsonValueKind kind = e.definition() != nullptr && e.definition()->is_system_value
                                    ? model::JsonValueKind::kString
                                    : model::JsonKindOf(e.primitive());
    switch (kind) {
      case model::JsonValueKind::kString:
        String(v);
        break;
      case model::JsonValueKind::kBoolean:
        w_.Bool(v == "true");
        break;
      case model::JsonValueKind::kInteger:
      case model::JsonValueKind::kDecimal:
        // The parsers only admit valid numeric lexical forms, so the text is safe to emit raw.
        w_.RawValue(v.data(), v.size(), rapidjson::kNumberType);
        break;
    }
  }

  Writer& w_;
};

}  // namespace

std::string WriteJson(const model::Element& resource, const WriteOptions& options) {
  rapidjson::StringBuffer buffer;
  if (options.pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    JsonEmitter<decltype(w)>(w).Resource(resource);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    JsonEmitter<decltype(w)>(w).Resource(resource);
  }
  std::string out(buffer.GetString(), buffer.GetSize());
  if (options.pretty) out += '\n';
  return out;
}

}  // namespace silta::formats
