#include "terminology/code_system.h"

#include <rapidjson/document.h>

#include <deque>
#include <vector>

#include "json/json.h"

namespace silta::terminology::internal {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const std::string* ConceptDef::Property(std::string_view property_code) const {
  for (const auto& [name, value] : properties) {
    if (name == property_code) return &value;
  }
  return nullptr;
}

namespace {

// Renders property.value[x]: codes and strings as is, a Coding as its code.
std::string PropertyValue(const rapidjson::Value& property) {
  if (!property.IsObject()) return {};
  for (auto it = property.MemberBegin(); it != property.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (!name.starts_with("value")) continue;
    if (name == "valueCoding") return std::string(json::StringMember(it->value, "code"));
    return std::string(json::PrimitiveText(it->value));
  }
  return {};
}

struct PendingLink {
  uint32_t from;
  std::string to_code;
  bool to_is_parent;
};

void ParseConcepts(const rapidjson::Value& top_level, std::vector<ConceptDef>& out,
                   std::vector<PendingLink>& links) {
  // An explicit stack (pre-order, like the file): a hostile package can nest concepts deeper
  // than the call stack allows.
  std::vector<std::pair<const rapidjson::Value*, int64_t>> pending;
  auto push_children = [&pending](const rapidjson::Value& list, int64_t parent) {
    const auto array = list.GetArray();
    for (auto it = array.End(); it != array.Begin();) pending.emplace_back(&*--it, parent);
  };
  push_children(top_level, -1);
  while (!pending.empty()) {
    auto [item_ptr, parent] = pending.back();
    pending.pop_back();
    const rapidjson::Value& item = *item_ptr;
    if (!item.IsObject()) continue;
    std::string_view code = json::StringMember(item, "code");
    if (code.empty()) continue;
    auto index = static_cast<uint32_t>(out.size());
    ConceptDef def;
    def.code = std::string(code);
    def.display = std::string(json::StringMember(item, "display"));
    def.definition = std::string(json::StringMember(item, "definition"));
    for (const rapidjson::Value& d : json::ArrayMember(item, "designation").GetArray()) {
      Designation designation;
      designation.language = std::string(json::StringMember(d, "language"));
      if (const rapidjson::Value* use = json::Member(d, "use"); use != nullptr) {
        designation.use_system = std::string(json::StringMember(*use, "system"));
        designation.use_code = std::string(json::StringMember(*use, "code"));
      }
      designation.value = std::string(json::StringMember(d, "value"));
      def.designations.push_back(std::move(designation));
    }
    for (const rapidjson::Value& p : json::ArrayMember(item, "property").GetArray()) {
      std::string name(json::StringMember(p, "code"));
      std::string value = PropertyValue(p);
      if (name == "notSelectable" || name == "abstract") def.abstract |= value == "true";
      if (name == "inactive") def.inactive |= value == "true";
      if (name == "status") {
        def.inactive |= value == "retired" || value == "inactive" || value == "deprecated";
      }
      // Hierarchies that are not expressed by nesting (several parents, THO v3 systems).
      if (name == "parent" || name == "subsumedBy") links.push_back({index, value, true});
      if (name == "child") links.push_back({index, value, false});
      def.properties.emplace_back(std::move(name), std::move(value));
    }
    if (parent >= 0) {
      def.parents.push_back(static_cast<uint32_t>(parent));
      out[static_cast<size_t>(parent)].children.push_back(index);
    }
    out.push_back(std::move(def));
    push_children(json::ArrayMember(item, "concept"), index);
  }
}

void AddUnique(std::vector<uint32_t>& list, uint32_t value) {
  for (uint32_t v : list) {
    if (v == value) return;
  }
  list.push_back(value);
}

}  // namespace

StatusOr<std::shared_ptr<const CodeSystem>> CodeSystem::Parse(std::string json) {
  // In situ: code systems run to megabytes, and every string read below is copied out.
  rapidjson::Document doc;
  doc.ParseInsitu<json::kRapidParseFlags>(json.data());
  if (doc.HasParseError()) return DataLossError("CodeSystem is not valid JSON");
  const rapidjson::Value& root = doc;
  if (json::StringMember(root, "resourceType") != "CodeSystem") {
    return DataLossError("resource is not a CodeSystem");
  }
  std::shared_ptr<CodeSystem> cs(new CodeSystem());
  cs->url_ = std::string(json::StringMember(root, "url"));
  cs->version_ = std::string(json::StringMember(root, "version"));
  std::string_view content = json::StringMember(root, "content");
  if (content == "fragment") cs->content_ = Content::kFragment;
  if (content == "example") cs->content_ = Content::kExample;
  if (content == "not-present") cs->content_ = Content::kNotPresent;
  if (content == "supplement") cs->content_ = Content::kSupplement;
  // Absent caseSensitive has no defined meaning; exact matching is the safe reading.
  if (const rapidjson::Value* cs_flag = json::Member(root, "caseSensitive");
      cs_flag != nullptr && cs_flag->IsBool()) {
    cs->case_sensitive_ = cs_flag->GetBool();
  }

  std::vector<PendingLink> links;
  ParseConcepts(json::ArrayMember(root, "concept"), cs->concepts_, links);
  cs->by_code_.reserve(cs->concepts_.size());
  for (uint32_t i = 0; i < cs->concepts_.size(); ++i) {
    cs->by_code_.emplace(cs->Key(cs->concepts_[i].code), i);  // first definition wins
  }
  for (const PendingLink& link : links) {
    int64_t other = cs->Find(link.to_code);
    if (other < 0 || static_cast<uint32_t>(other) == link.from) continue;
    auto other_index = static_cast<uint32_t>(other);
    uint32_t parent = link.to_is_parent ? other_index : link.from;
    uint32_t child = link.to_is_parent ? link.from : other_index;
    AddUnique(cs->concepts_[parent].children, child);
    AddUnique(cs->concepts_[child].parents, parent);
  }
  return std::shared_ptr<const CodeSystem>(std::move(cs));
}

std::string CodeSystem::Key(std::string_view code) const {
  return case_sensitive_ ? std::string(code) : AsciiLower(code);
}

int64_t CodeSystem::Find(std::string_view code) const {
  auto it = case_sensitive_ ? by_code_.find(code) : by_code_.find(AsciiLower(code));
  return it == by_code_.end() ? -1 : static_cast<int64_t>(it->second);
}

namespace {

// Breadth-first walk; the visited flags keep DAGs (several parents) and bad data (cycles) finite.
std::vector<uint32_t> Walk(const std::vector<ConceptDef>& concepts, uint32_t start,
                           bool downwards) {
  std::vector<uint32_t> out;
  std::vector<bool> seen(concepts.size(), false);
  seen[start] = true;
  std::deque<uint32_t> queue{start};
  while (!queue.empty()) {
    uint32_t current = queue.front();
    queue.pop_front();
    const auto& next = downwards ? concepts[current].children : concepts[current].parents;
    for (uint32_t n : next) {
      if (seen[n]) continue;
      seen[n] = true;
      out.push_back(n);
      queue.push_back(n);
    }
  }
  return out;
}

}  // namespace

std::vector<uint32_t> CodeSystem::Descendants(uint32_t index) const {
  return Walk(concepts_, index, /*downwards=*/true);
}

std::vector<uint32_t> CodeSystem::Ancestors(uint32_t index) const {
  return Walk(concepts_, index, /*downwards=*/false);
}

bool CodeSystem::IsDescendant(uint32_t ancestor, uint32_t descendant) const {
  for (uint32_t a : Ancestors(descendant)) {
    if (a == ancestor) return true;
  }
  return false;
}

}  // namespace silta::terminology::internal
