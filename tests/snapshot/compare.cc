#include "compare.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>

namespace silta::snapshot::testing {
namespace {

using Json = rapidjson::Value;

#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif
const Json* Member(const Json& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}
template <typename Visit>
void ForEachMember(const Json& object, Visit visit) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    visit(std::string(it->name.GetString(), it->name.GetStringLength()), it->value);
  }
}
#ifdef __clang__
#pragma clang diagnostic pop
#endif

std::string Text(const Json* v) {
  if (v == nullptr) return "-";
  if (v->IsString()) return v->GetString();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v->Accept(writer);
  return buffer.GetString();
}

std::string Strings(const Json* v) {
  if (v == nullptr || !v->IsArray()) return "";
  std::vector<std::string> items;
  for (const Json& item : v->GetArray()) items.push_back(Text(&item));
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += item + " ";
  return out;
}

std::string Types(const Json& element) {
  const Json* types = Member(element, "type");
  if (types == nullptr || !types->IsArray()) return "";
  std::vector<std::string> out;
  for (const Json& type : types->GetArray()) {
    out.push_back(Text(Member(type, "code")) + "(" + Strings(Member(type, "profile")) + "|" +
                  Strings(Member(type, "targetProfile")) + ")");
  }
  std::sort(out.begin(), out.end());
  std::string joined;
  for (const auto& t : out) joined += t + " ";
  return joined;
}

std::string Values(const Json& element) {
  std::string out;
  ForEachMember(element, [&](const std::string& name, const Json& value) {
    if (name.rfind("fixed", 0) == 0 || name.rfind("pattern", 0) == 0) {
      out += name + "=" + Text(&value) + " ";
    }
  });
  return out;
}

std::string Binding(const Json& element) {
  const Json* binding = Member(element, "binding");
  if (binding == nullptr) return "";
  return Text(Member(*binding, "strength")) + " " + Text(Member(*binding, "valueSet"));
}

std::string Slicing(const Json& element) {
  const Json* slicing = Member(element, "slicing");
  if (slicing == nullptr) return "";
  const Json* ordered = Member(*slicing, "ordered");
  return Text(Member(*slicing, "discriminator")) + " " + Text(Member(*slicing, "rules")) + " " +
         (ordered != nullptr && ordered->IsBool() && ordered->GetBool() ? "ordered" : "unordered");
}

std::string ConstraintKeys(const Json& element) {
  const Json* constraints = Member(element, "constraint");
  std::set<std::string> keys;
  if (constraints != nullptr && constraints->IsArray()) {
    for (const Json& c : constraints->GetArray()) keys.insert(Text(Member(c, "key")));
  }
  std::string out;
  for (const auto& k : keys) out += k + " ";
  return out;
}

const Json* Elements(const rapidjson::Document& sd) {
  const Json* snapshot = Member(sd, "snapshot");
  return snapshot != nullptr ? Member(*snapshot, "element") : nullptr;
}

}  // namespace

std::vector<std::string> CompareSnapshots(std::string_view expected_sd, std::string_view actual_sd,
                                          size_t limit) {
  std::vector<std::string> out;
  rapidjson::Document expected;
  rapidjson::Document actual;
  expected.Parse(expected_sd.data(), expected_sd.size());
  actual.Parse(actual_sd.data(), actual_sd.size());
  const Json* want = Elements(expected);
  const Json* have = Elements(actual);
  if (want == nullptr || have == nullptr || !want->IsArray() || !have->IsArray()) {
    return {"a snapshot is missing"};
  }
  size_t i = 0;
  size_t j = 0;
  while ((i < want->Size() || j < have->Size()) && out.size() < limit) {
    std::string want_id = i < want->Size() ? Text(Member((*want)[i], "id")) : "<end>";
    std::string have_id = j < have->Size() ? Text(Member((*have)[j], "id")) : "<end>";
    if (want_id != have_id) {
      // Resynchronise on the next common id so one extra/missing element reads as one line.
      bool missing = false;
      for (size_t k = j; k < have->Size(); ++k) {
        if (Text(Member((*have)[k], "id")) == want_id) {
          out.push_back("extra element " + have_id);
          j = k;
          missing = true;
          break;
        }
      }
      if (!missing) {
        out.push_back("missing element " + want_id + " (have " + have_id + ")");
        ++i;
      }
      continue;
    }
    const Json& w = (*want)[i];
    const Json& h = (*have)[j];
    auto check = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b && out.size() < limit) {
        out.push_back(want_id + " " + what + ": expected '" + a + "' got '" + b + "'");
      }
    };
    check("path", Text(Member(w, "path")), Text(Member(h, "path")));
    check("min", Text(Member(w, "min")), Text(Member(h, "min")));
    check("max", Text(Member(w, "max")), Text(Member(h, "max")));
    check("type", Types(w), Types(h));
    check("fixed/pattern", Values(w), Values(h));
    check("binding", Binding(w), Binding(h));
    check("slicing", Slicing(w), Slicing(h));
    check("constraints", ConstraintKeys(w), ConstraintKeys(h));
    ++i;
    ++j;
  }
  return out;
}

std::string StripSnapshot(std::string_view sd) {
  rapidjson::Document doc;
  doc.Parse(sd.data(), sd.size());
  if (doc.IsObject()) doc.RemoveMember("snapshot");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

}  // namespace silta::snapshot::testing
