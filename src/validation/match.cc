// fixed[x] / pattern[x] comparison of an instance element with a JSON value from a profile.
#include <algorithm>

#include "validation/impl.h"

namespace silta::validation::internal {

std::string_view ChildValue(const model::Element& e, std::string_view name) {
  const model::Element* c = e.Child(name);
  return c != nullptr && c->has_value() ? c->value() : std::string_view();
}

void AppendCoding(const model::Element& coding, std::vector<CodeAndSystem>* codings) {
  std::string_view code = ChildValue(coding, "code");
  if (!code.empty()) codings->push_back({ChildValue(coding, "system"), code});
}

const model::Element* ContainingResource(const model::Element& e) {
  const model::Element* r = &e;
  while (r != nullptr && !r->is_resource()) r = r->parent();
  return r;
}

namespace {

bool MatchesMember(const model::Element& e, std::string_view member, const rapidjson::Value& value,
                   bool exact) {
  model::TypeDef::MemberMatch match;
  if (!e.type()->MatchMember(member, &match)) return false;
  std::span<const model::Element* const> kids = e.Children(match.element->name);
  auto of_type = [&](const model::Element* k) { return k->type() == match.type; };
  if (value.IsArray()) {
    if (exact) {
      if (kids.size() != value.Size()) return false;
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        if (!of_type(kids[i]) || !MatchesValue(*kids[i], value[i], true)) return false;
      }
      return true;
    }
    // Pattern arrays: every pattern item must match some instance item.
    for (const rapidjson::Value& item : value.GetArray()) {
      bool found = std::any_of(kids.begin(), kids.end(), [&](const model::Element* k) {
        return of_type(k) && MatchesValue(*k, item, false);
      });
      if (!found) return false;
    }
    return true;
  }
  if (exact) return kids.size() == 1 && of_type(kids[0]) && MatchesValue(*kids[0], value, true);
  return std::any_of(kids.begin(), kids.end(), [&](const model::Element* k) {
    return of_type(k) && MatchesValue(*k, value, false);
  });
}

}  // namespace

bool MatchesValue(const model::Element& e, const rapidjson::Value& expected, bool exact) {
  if (!expected.IsObject()) {
    if (expected.IsArray()) return false;
    return e.has_value() && e.value() == json::PrimitiveText(expected);
  }
  for (auto m = expected.MemberBegin(); m != expected.MemberEnd(); ++m) {
    std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (name.empty() || name[0] == '_') continue;
    if (!MatchesMember(e, name, m->value, exact)) return false;
  }
  if (exact) {
    // Nothing beyond what the fixed value has (ids and extensions aside).
    for (const model::Element* k : e.children()) {
      std::string_view kn = k->name();
      if (kn == "id" || kn == "extension") continue;
      std::string wire = k->WireName();
      if (expected.FindMember(rapidjson::StringRef(wire.data(), wire.size())) ==
          expected.MemberEnd()) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace silta::validation::internal
