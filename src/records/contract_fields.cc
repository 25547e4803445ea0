#include "records/fields.h"
#include "records/records.h"

namespace silta::records {
namespace {

using internal::Enum;
using internal::Part;

void Describe(std::string&, FieldInfo& info) { info.type = FieldType::kString; }
void Describe(bool&, FieldInfo& info) { info.type = FieldType::kBoolean; }
void Describe(int&, FieldInfo& info) { info.type = FieldType::kInteger; }
void Describe(Date&, FieldInfo& info) { info.type = FieldType::kDate; }
void Describe(Instant&, FieldInfo& info) { info.type = FieldType::kInstant; }
void Describe(Payer& payer, FieldInfo& info);
template <Enum E>
void Describe(E&, FieldInfo& info);
template <Part T>
void Describe(T& part, FieldInfo& info);
template <typename T>
void Describe(std::optional<T>&, FieldInfo& info);
template <typename T>
void Describe(std::vector<T>&, FieldInfo& info);

struct Describer {
  std::vector<FieldInfo>* out;
  template <typename T>
  void operator()(std::string_view name, T& field, unsigned flags) {
    FieldInfo info;
    info.name = std::string(name);
    info.required = (flags & internal::kRequired) != 0;
    Describe(field, info);
    out->push_back(std::move(info));
  }
};

template <Enum E>
void Describe(E&, FieldInfo& info) {
  info.type = FieldType::kCode;
  info.codes.assign(EnumTraits<E>::kCodes.begin(), EnumTraits<E>::kCodes.end());
}

template <Part T>
void Describe(T& part, FieldInfo& info) {
  info.type = FieldType::kObject;
  Describer describer{&info.fields};
  internal::Fields(part, describer);
}

template <typename T>
void Describe(std::optional<T>&, FieldInfo& info) {
  T value{};
  Describe(value, info);
}

template <typename T>
void Describe(std::vector<T>&, FieldInfo& info) {
  info.array = true;
  T value{};
  Describe(value, info);
}

void Describe(Payer& payer, FieldInfo& info) {
  Describe(payer.organisation, info);
  info.type = FieldType::kPayer;
}

}  // namespace

const FieldInfo* FieldInfo::Find(std::string_view field) const {
  for (const FieldInfo& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

const std::vector<FieldInfo>& ContractFields() {
  static const std::vector<FieldInfo> fields = [] {
    ClientRecord record;
    FieldInfo root;
    Describe(record, root);
    return root.fields;
  }();
  return fields;
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kDate:
      return "date";
    case FieldType::kInstant:
      return "instant";
    case FieldType::kCode:
      return "code";
    case FieldType::kObject:
      return "object";
    case FieldType::kPayer:
      return "payer";
  }
  return "?";
}

}  // namespace silta::records
