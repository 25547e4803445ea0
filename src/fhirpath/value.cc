#include "fhirpath/value.h"

#include <charconv>

#include "fhirpath/ucum.h"

namespace silta::fhirpath {

namespace {

using model::Primitive;

std::optional<Value> QuantityFromElement(const model::Element& e) {
  const model::Element* value = e.Child("value");
  if (value == nullptr || !value->has_value()) return std::nullopt;
  std::optional<Decimal> amount = Decimal::Parse(value->value());
  if (!amount) return std::nullopt;
  std::string_view unit;
  const model::Element* code = e.Child("code");
  const model::Element* system = e.Child("system");
  const model::Element* unit_text = e.Child("unit");
  if (code != nullptr && code->has_value() &&
      (system == nullptr || system->value() == "http://unitsofmeasure.org")) {
    unit = code->value();
  } else if (unit_text != nullptr && unit_text->has_value()) {
    unit = unit_text->value();
  } else if (code != nullptr && code->has_value()) {
    unit = code->value();
  }
  return Value::Quantity(*amount, unit);
}

}  // namespace

std::optional<Value> ToSystemValue(const Value& v) {
  if (!v.is_element()) return v;
  const model::Element& e = *v.element();
  if (!e.is_primitive()) {
    if (e.type()->IsA("Quantity")) return QuantityFromElement(e);
    return std::nullopt;
  }
  if (!e.has_value()) return std::nullopt;
  std::string_view text = e.value();
  switch (e.primitive()) {
    case Primitive::kBoolean:
      if (text == "true") return Value::Boolean(true);
      if (text == "false") return Value::Boolean(false);
      return std::nullopt;
    case Primitive::kInteger:
    case Primitive::kUnsignedInt:
    case Primitive::kPositiveInt: {
      int64_t i = 0;
      const char* first = text.data();
      if (!text.empty() && text[0] == '+') ++first;
      auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), i);
      if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
      return Value::Integer(i);
    }
    case Primitive::kDecimal: {
      std::optional<Decimal> d = Decimal::Parse(text);
      if (!d) return std::nullopt;
      return Value::Dec(*d);
    }
    case Primitive::kDate: {
      std::optional<DateTime> d = ParseDate(text);
      if (!d) return std::nullopt;
      return Value::Temporal(DtKind::kDate, *d);
    }
    case Primitive::kDateTime:
    case Primitive::kInstant: {
      std::optional<DateTime> d = ParseDateTime(text);
      if (!d) return std::nullopt;
      return Value::Temporal(DtKind::kDateTime, *d);
    }
    case Primitive::kTime: {
      std::optional<DateTime> d = ParseTime(text);
      if (!d) return std::nullopt;
      return Value::Temporal(DtKind::kTime, *d);
    }
    default:
      return Value::String(text);
  }
}

std::string_view TypeNameOf(const Value& v) {
  switch (v.type()) {
    case ValueType::kElement:
      return v.element()->type()->name;
    case ValueType::kBoolean:
      return "boolean";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kDecimal:
      return "decimal";
    case ValueType::kString:
      return "string";
    case ValueType::kDate:
      return "date";
    case ValueType::kDateTime:
      return "dateTime";
    case ValueType::kTime:
      return "time";
    case ValueType::kQuantity:
      return "Quantity";
    case ValueType::kTypeInfo:
      return "TypeInfo";
  }
  return "";
}

std::string ToStringForm(const Value& v) {
  switch (v.type()) {
    case ValueType::kElement: {
      const model::Element& e = *v.element();
      if (e.is_primitive()) return std::string(e.value());
      std::optional<Value> q = ToSystemValue(v);
      if (q) return ToStringForm(*q);
      return "";
    }
    case ValueType::kBoolean:
      return v.boolean() ? "true" : "false";
    case ValueType::kInteger:
      return std::to_string(v.integer());
    case ValueType::kDecimal:
      return v.decimal().ToString();
    case ValueType::kString:
      return std::string(v.string());
    case ValueType::kDate:
    case ValueType::kDateTime:
    case ValueType::kTime:
      return FormatDateTime(v.datetime(), v.dt_kind());
    case ValueType::kQuantity: {
      std::string out = v.decimal().ToString();
      if (!CalendarUnit(v.unit()).empty()) {
        out += ' ';
        out += v.unit();
      } else {
        out += " '";
        out += v.unit();
        out += '\'';
      }
      return out;
    }
    case ValueType::kTypeInfo: {
      std::string out(v.type_namespace());
      out += '.';
      out += v.type_name();
      return out;
    }
  }
  return "";
}

}  // namespace silta::fhirpath
