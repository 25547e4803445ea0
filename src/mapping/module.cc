#include "mapping/module.h"

#include <algorithm>
#include <set>

#include "base/files.h"
#include "base/numbers.h"
#include "base/suggest.h"
#include "mapping/transforms.h"

namespace silta::mapping {

std::optional<std::string> CodeMap::ToFhir(std::string_view record_code) const {
  for (const auto& [from, to] : pairs) {
    if (from == record_code) return to;
  }
  return std::nullopt;
}

std::optional<std::string> CodeMap::FromFhir(std::string_view fhir_code) const {
  for (const auto& [from, to] : pairs) {
    if (to == fhir_code) return from;
  }
  return std::nullopt;
}

const std::string& Module::ProfileFor(const json::Value& part) const {
  if (profile_by) {
    for (const json::Value* value : Select(part, profile_by->record)) {
      if (!value->is_scalar()) continue;
      auto it = profile_by->profiles.find(value->text());
      if (it != profile_by->profiles.end()) return it->second;
    }
  }
  return profile;
}

namespace {

const std::set<std::string, std::less<>> kRuleKeys = {"record", "fhir",   "transform",  "codes",
                                                      "const",  "link",   "recordType", "rules",
                                                      "when",   "akusti", "comment"};
const std::set<std::string, std::less<>> kModuleKeys = {
    "module",   "title",      "resource", "profile", "profileBy", "source",    "onlyIf", "akusti",
    "akustiBy", "governance", "codeMaps", "rules",   "unmapped",  "narrative", "comment"};

// An AKUSTI item number as a mapping file writes it: the data set numbers its items 1 to 29;
// room is left for it to grow.
std::optional<int> ItemNumber(const json::Value& value) {
  if (value.kind() != json::Value::Kind::kNumber) return std::nullopt;
  return ParseInteger<int>(value.text(), 1, 999);
}
const std::set<std::string, std::less<>> kGovernanceLevels = {"county", "shared-definition",
                                                              "joint-county", "national"};

// The names a JSON member of `type` can have ("valueString" for each choice of value[x]).
std::vector<std::string> MemberNames(const model::TypeDef& type) {
  std::vector<std::string> names;
  for (const model::ElementDef& element : type.elements) {
    for (const model::TypeDef* choice : element.types) {
      if (choice != nullptr) names.push_back(model::TypeDef::MemberName(element, *choice));
    }
  }
  return names;
}

class Compiler {
 public:
  Compiler(std::string file, const MappingFileIndex& index, IssueSink* sink)
      : file_(std::move(file)), index_(index), sink_(sink) {}

  void Problem(const std::string& where, const std::string& what) {
    SourceLocation at = index_.Locate(where);
    std::string prefix = file_;
    if (at.known()) prefix += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    problems_.push_back(prefix + ": " + where + ": " + what);
    if (sink_ != nullptr) {
      Issue issue;
      issue.type = IssueType::kInvalid;
      issue.message_id = "MAPPING_INVALID";
      issue.message = where + ": " + what;
      issue.location = at;
      issue.source = file_;
      sink_->Report(std::move(issue));
    }
  }
  const std::vector<std::string>& problems() const { return problems_; }

  // Resolves a FHIR path from `type`, marking array members; returns the type it ends in.
  const model::TypeDef* CompileFhirPath(Path& path, const model::TypeDef* type,
                                        const std::string& where) {
    // No type: the path this one continues (a group's, an unknown resource type) is already
    // reported, and a message per nested rule would bury that one.
    if (type == nullptr) return nullptr;
    for (auto& segment : path.segments) {
      model::TypeDef::MemberMatch match;
      if (!type->MatchMember(segment.name, &match)) {
        std::string message =
            "\"" + path.text + "\": " + type->name + " has no element " + segment.name;
        if (auto near = NearestName(segment.name, MemberNames(*type))) {
          message += " (did you mean " + *near + "?)";
        }
        Problem(where, message);
        return nullptr;
      }
      segment.is_array = match.element->is_array();
      for (auto& filter : segment.filters) CompileFilter(filter, match.type, path.text, where);
      type = match.type;
    }
    return type;
  }

  void CompileFilter(PathFilter& filter, const model::TypeDef* type, const std::string& text,
                     const std::string& where) {
    filter.is_array.clear();
    for (const auto& step : filter.path) {
      model::TypeDef::MemberMatch match;
      if (type == nullptr || !type->MatchMember(step, &match)) {
        Problem(where, "\"" + text + "\": where() names an unknown element " + step);
        return;
      }
      filter.is_array.push_back(match.element->is_array());
      type = match.type;
    }
  }

  static void CompileRecordPath(Path& path) {
    for (auto& segment : path.segments) segment.is_array = segment.array_marker;
  }

  void CompileRules(const json::Value& rules_json, const model::TypeDef* fhir_type,
                    const std::string& where, const std::map<std::string, CodeMap>& code_maps,
                    std::vector<Rule>& out, bool top_level = true) {
    if (!rules_json.is_array()) {
      Problem(where, "rules must be an array");
      return;
    }
    for (size_t i = 0; i < rules_json.items().size(); ++i) {
      const json::Value& r = rules_json.items()[i];
      std::string at = where + "[" + std::to_string(i) + "]";
      if (!r.is_object()) {
        Problem(at, "a rule must be an object");
        continue;
      }
      for (const auto& [key, value] : r.members()) {
        if (!kRuleKeys.contains(key)) Problem(at, "unknown rule member \"" + key + "\"");
      }
      Rule rule;
      rule.location = file_ + ": " + at;
      auto text_of = [&](std::string_view key) -> std::string {
        const json::Value* v = r.Find(key);
        return v != nullptr && v->kind() == json::Value::Kind::kString ? v->text() : std::string();
      };
      auto record_path = ParsePath(text_of("record"));
      auto fhir_path = ParsePath(text_of("fhir"));
      if (!record_path.ok()) Problem(at + ".record", record_path.status().message());
      if (!fhir_path.ok()) Problem(at + ".fhir", fhir_path.status().message());
      if (!record_path.ok() || !fhir_path.ok()) continue;
      rule.record = std::move(*record_path);
      rule.fhir = std::move(*fhir_path);
      CompileRecordPath(rule.record);
      if (rule.fhir.empty()) {
        Problem(at, "a rule needs a \"fhir\" path");
        continue;
      }
      const model::TypeDef* end_type = CompileFhirPath(rule.fhir, fhir_type, at + ".fhir");
      if (end_type != nullptr) rule.fhir_primitive = end_type->primitive;
      if (const json::Value* c = r.Find("const")) rule.constant = *c;
      if (const json::Value* item = r.Find("akusti")) {
        // Items are told apart by top-level element: a nested rule's elements are inside its
        // group's element and go with it.
        if (!top_level) {
          Problem(at, "\"akusti\" belongs on top-level rules; nested rules share their group's");
        } else if (item->kind() == json::Value::Kind::kString && item->text() == "identity") {
          rule.item = kIdentityCore;
        } else if (std::optional<int> number = ItemNumber(*item)) {
          rule.item = *number;
        } else {
          Problem(at, "\"akusti\" must be an AKUSTI item number or \"identity\"");
        }
      }
      rule.link_module = text_of("link");
      if (r.Find("when") != nullptr) {
        auto when = ParsePath(text_of("when"));
        if (!when.ok() || when->empty()) {
          Problem(at, "\"when\" must be a record path");
        } else {
          rule.when = std::move(*when);
          CompileRecordPath(rule.when);
        }
      }
      std::string transform = text_of("transform");
      if (!transform.empty()) {
        size_t colon = transform.find(':');
        std::string name = transform.substr(0, colon);
        if (colon != std::string::npos) rule.transform_argument = transform.substr(colon + 1);
        rule.transform = FindTransform(name);
        if (rule.transform == nullptr) Problem(at, "unknown transform \"" + name + "\"");
      }
      std::string codes = text_of("codes");
      if (!codes.empty()) {
        auto it = code_maps.find(codes);
        if (it == code_maps.end()) {
          Problem(at, "unknown code map \"" + codes + "\"");
        } else {
          rule.codes = &it->second;
        }
      }
      std::string record_type = text_of("recordType");
      if (record_type == "number") {
        rule.record_kind = ValueKind::kNumber;
      } else if (record_type == "boolean") {
        rule.record_kind = ValueKind::kBoolean;
      } else if (!record_type.empty() && record_type != "string") {
        Problem(at, "recordType must be string, number or boolean");
      } else if (record_type.empty()) {
        rule.record_kind = DefaultRecordKind(rule.fhir_primitive);
      }
      bool has_source = !rule.record.empty() || r.Find("record") != nullptr;
      if (!rule.constant && rule.link_module.empty() && !has_source) {
        Problem(at, "a rule needs \"record\", \"const\" or \"link\"");
      }
      if (const json::Value* nested = r.Find("rules")) {
        if (rule.transform != nullptr || rule.codes != nullptr || rule.constant) {
          Problem(at, "a group rule (with rules) cannot also have transform, codes or const");
        }
        CompileRules(*nested, end_type, at + ".rules", code_maps, rule.rules, false);
      }
      out.push_back(std::move(rule));
    }
  }

  static ValueKind DefaultRecordKind(model::Primitive p) {
    switch (p) {
      case model::Primitive::kBoolean:
        return ValueKind::kBoolean;
      case model::Primitive::kInteger:
      case model::Primitive::kUnsignedInt:
      case model::Primitive::kPositiveInt:
        return ValueKind::kNumber;
      default:
        // Decimals stay strings: the contract writes amounts as decimal strings.
        return ValueKind::kString;
    }
  }

 private:
  std::string file_;
  const MappingFileIndex& index_;
  IssueSink* sink_;
  std::vector<std::string> problems_;
};

// "narrative": false, or {"enabled": bool, "title": text, "labels": {rowKey: label}}.
void CompileNarrativeSettings(const json::Value& narrative, Compiler& compiler, Module& module) {
  if (narrative.kind() == json::Value::Kind::kBool) {
    module.narrative.enabled = narrative.text() == "true";
    return;
  }
  if (!narrative.is_object()) {
    compiler.Problem("narrative",
                     "expected false or {\"enabled\": bool, \"title\": text, \"labels\": {row: "
                     "label}}");
    return;
  }
  for (const auto& [key, value] : narrative.members()) {
    if (key == "enabled" && value.kind() == json::Value::Kind::kBool) {
      module.narrative.enabled = value.text() == "true";
    } else if (key == "title" && value.kind() == json::Value::Kind::kString) {
      module.narrative.title = value.text();
    } else if (key == "labels" && value.is_object()) {
      // A label for a row the table does not have would silently do nothing.
      const std::vector<std::string> rows = NarrativeRowKeys(module.resource_type);
      for (const auto& [row, label] : value.members()) {
        if (std::find(rows.begin(), rows.end(), row) == rows.end()) {
          std::string known;
          for (const std::string& r : rows) known += (known.empty() ? "" : ", ") + r;
          compiler.Problem("narrative.labels." + row,
                           "the narrative of " + module.resource_type + " has no row \"" + row +
                               "\" (rows: " + (known.empty() ? "none" : known) + ")");
        } else if (label.kind() != json::Value::Kind::kString || label.text().empty()) {
          compiler.Problem("narrative.labels." + row, "a label (non-empty string) is expected");
        } else {
          module.narrative.labels.emplace(row, label.text());
        }
      }
    } else {
      compiler.Problem("narrative." + key,
                       "expected \"enabled\" (boolean), \"title\" (string) or \"labels\" (object)");
    }
  }
}

// "akustiBy": {"fhir": path, "items": {fhirValue: item}, "otherwise": item}.
void CompileItemChoice(const json::Value& by, const model::TypeDef* resource, Compiler& compiler,
                       Module& module) {
  const json::Value* fhir = by.is_object() ? by.Find("fhir") : nullptr;
  const json::Value* items = by.is_object() ? by.Find("items") : nullptr;
  auto path = fhir != nullptr && fhir->kind() == json::Value::Kind::kString
                  ? ParsePath(fhir->text())
                  : StatusOr<Path>(InvalidArgumentError("missing"));
  if (!path.ok() || path->empty() || items == nullptr || !items->is_object()) {
    compiler.Problem(
        "akustiBy", "expected {\"fhir\": path, \"items\": {fhirValue: item}, \"otherwise\": item}");
    return;
  }
  for (const auto& [key, value] : by.members()) {
    if (key != "fhir" && key != "items" && key != "otherwise" && key != "comment") {
      compiler.Problem("akustiBy", "unknown member \"" + key + "\"");
    }
  }
  ItemChoice choice;
  choice.fhir = std::move(*path);
  compiler.CompileFhirPath(choice.fhir, resource, "akustiBy.fhir");
  for (const auto& [value, item] : items->members()) {
    std::optional<int> number = ItemNumber(item);
    if (!number) {
      compiler.Problem("akustiBy.items." + value, "an AKUSTI item number is expected");
      continue;
    }
    choice.items.emplace(value, *number);
  }
  if (const json::Value* otherwise = by.Find("otherwise")) {
    choice.otherwise = ItemNumber(*otherwise);
    if (!choice.otherwise)
      compiler.Problem("akustiBy.otherwise", "an AKUSTI item number is expected");
  }
  module.akusti_by = std::move(choice);
}

// The items a module declares ("akusti") are exactly those its resources can carry, and every
// element has an item: one for the whole resource (a single item, or "akustiBy"), or one per
// top-level rule.
void CheckItems(const Module& module, Compiler& compiler) {
  std::set<int> declared(module.akusti.begin(), module.akusti.end());
  std::set<int> used;
  if (module.akusti_by) {
    for (const auto& [value, item] : module.akusti_by->items) used.insert(item);
    if (module.akusti_by->otherwise) used.insert(*module.akusti_by->otherwise);
  }
  for (size_t i = 0; i < module.rules.size(); ++i) {
    const Rule& rule = module.rules[i];
    if (!rule.item) {
      // A module that declares no items maps, but the sync engine refuses to send what it
      // writes (ROUTING_ITEM_UNKNOWN); one that declares several must place each element.
      if (module.akusti.size() > 1 && !module.akusti_by) {
        compiler.Problem("rules[" + std::to_string(i) + "]",
                         "the module carries several AKUSTI items: say which this rule's elements "
                         "express (\"akusti\": item or \"identity\")");
      }
      continue;
    }
    if (module.has_resource_items()) {
      compiler.Problem("rules[" + std::to_string(i) + "]",
                       "\"akusti\" on a rule needs a module whose resources mix items (no "
                       "\"akustiBy\", several items)");
      continue;
    }
    if (*rule.item != kIdentityCore) used.insert(*rule.item);
  }
  if (module.akusti.size() == 1 && !module.akusti_by) used.insert(module.akusti.front());
  for (int item : used) {
    if (!declared.contains(item)) {
      compiler.Problem("akusti", "item " + std::to_string(item) +
                                     " is used by the rules but not declared in \"akusti\"");
    }
  }
  for (int item : declared) {
    if (!used.contains(item)) {
      compiler.Problem("akusti", "item " + std::to_string(item) +
                                     " is declared but no rule or \"akustiBy\" carries it");
    }
  }
}

// Each placeholder in the string values under `value` → `canonical_base`. Member names are codes
// and record values (code maps, profileBy, akustiBy), never URLs, and stay as written.
void ExpandCanonicalBase(json::Value& value, std::string_view canonical_base) {
  if (value.kind() == json::Value::Kind::kString) {
    if (value.text().find(kCanonicalPlaceholder) == std::string::npos) return;
    std::string text = value.text();
    for (size_t at = text.find(kCanonicalPlaceholder); at != std::string::npos;
         at = text.find(kCanonicalPlaceholder, at + canonical_base.size())) {
      text.replace(at, kCanonicalPlaceholder.size(), canonical_base);
    }
    // Messages locate members through MappingFileIndex, which reads the file as written.
    value = json::Value::String(std::move(text));
    return;
  }
  for (auto& [name, member] : value.members()) ExpandCanonicalBase(member, canonical_base);
  for (json::Value& item : value.items()) ExpandCanonicalBase(item, canonical_base);
}

}  // namespace

std::optional<int> Module::ResourceItem(const json::Value& resource) const {
  if (akusti_by) {
    for (const json::Value* value : Select(resource, akusti_by->fhir)) {
      if (!value->is_scalar()) continue;
      auto it = akusti_by->items.find(value->text());
      if (it != akusti_by->items.end()) return it->second;
    }
    return akusti_by->otherwise;
  }
  if (akusti.size() == 1) return akusti.front();
  return std::nullopt;
}

std::optional<int> Module::ElementItem(std::string_view member, const json::Value& element) const {
  for (const Rule& rule : rules) {
    if (!rule.item || rule.fhir.empty()) continue;
    const PathSegment& first = rule.fhir.segments.front();
    if (first.name == member && MatchesFilters(element, first.filters)) return rule.item;
  }
  return std::nullopt;
}

StatusOr<std::shared_ptr<const Module>> LoadModule(const std::filesystem::path& folder,
                                                   const model::TypeModel& model,
                                                   std::string_view canonical_base,
                                                   IssueSink* problems) {
  std::filesystem::path file = folder / "mapping.json";
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  auto parsed = json::Value::Parse(text, file.string());
  if (!parsed.ok()) {
    if (problems != nullptr) {
      Issue issue;
      issue.type = IssueType::kStructure;
      issue.message_id = "MAPPING_INVALID";
      issue.message = parsed.status().message();
      issue.source = file.string();
      problems->Report(std::move(issue));
    }
    return parsed.status();
  }
  json::Value json = std::move(*parsed);
  ExpandCanonicalBase(json, canonical_base);
  MappingFileIndex index;
  index.Parse(text);
  Compiler compiler(file.string(), index, problems);
  auto module = std::make_shared<Module>();
  module->folder = folder;
  if (!json.is_object()) return InvalidArgumentError(file.string() + ": expected a JSON object");
  for (const auto& [key, value] : json.members()) {
    if (!kModuleKeys.contains(key)) compiler.Problem("$", "unknown member \"" + key + "\"");
  }
  auto text_of = [&](std::string_view key, bool required) -> std::string {
    const json::Value* v = json.Find(key);
    if (v == nullptr || v->kind() != json::Value::Kind::kString) {
      if (required) compiler.Problem("$", "\"" + std::string(key) + "\" (a string) is required");
      return {};
    }
    return v->text();
  };
  module->name = text_of("module", true);
  if (!module->name.empty() && module->name != folder.filename().string()) {
    compiler.Problem("$", "module \"" + module->name + "\" must be named like its folder \"" +
                              folder.filename().string() + "\"");
  }
  module->title = text_of("title", false);
  module->resource_type = text_of("resource", true);
  module->profile = text_of("profile", true);
  module->governance = text_of("governance", true);
  if (!module->governance.empty() && !kGovernanceLevels.contains(module->governance)) {
    compiler.Problem("$", "governance must be county, shared-definition, joint-county or national");
  }
  auto source = ParsePath(text_of("source", false));
  if (!source.ok()) {
    compiler.Problem("source", source.status().message());
  } else {
    module->source = std::move(*source);
    Compiler::CompileRecordPath(module->source);
    if (!module->source.empty() && !module->source.segments.back().array_marker) {
      compiler.Problem("source", "the source must be an array field (ending in [])");
    }
  }
  if (json.Find("onlyIf") != nullptr) {
    auto only_if = ParsePath(text_of("onlyIf", true));
    if (!only_if.ok() || only_if->empty()) {
      compiler.Problem("onlyIf", "\"onlyIf\" must be a record path");
    } else if (!module->source.empty()) {
      compiler.Problem("onlyIf",
                       "only a module whose source is the record root (\"$\") takes onlyIf");
    } else {
      module->only_if = std::move(*only_if);
      Compiler::CompileRecordPath(module->only_if);
    }
  }
  if (const json::Value* by = json.Find("profileBy")) {
    const json::Value* record = by->is_object() ? by->Find("record") : nullptr;
    const json::Value* profiles = by->is_object() ? by->Find("profiles") : nullptr;
    auto path = record != nullptr && record->kind() == json::Value::Kind::kString
                    ? ParsePath(record->text())
                    : StatusOr<Path>(InvalidArgumentError("missing"));
    if (!path.ok() || path->empty() || profiles == nullptr || !profiles->is_object()) {
      compiler.Problem("profileBy",
                       "expected {\"record\": path, \"profiles\": {recordValue: profile URL}}");
    } else {
      ProfileChoice choice;
      choice.record = std::move(*path);
      Compiler::CompileRecordPath(choice.record);
      for (const auto& [value, url] : profiles->members()) {
        if (url.kind() != json::Value::Kind::kString) {
          compiler.Problem("profileBy.profiles." + value, "a profile URL (string) is expected");
          continue;
        }
        choice.profiles.emplace(value, url.text());
      }
      module->profile_by = std::move(choice);
    }
  }
  if (const json::Value* akusti = json.Find("akusti")) {
    for (const auto& item : akusti->items()) {
      std::optional<int> number = ItemNumber(item);
      if (!number) {
        compiler.Problem("akusti", "\"" + item.text() + "\" is not an AKUSTI item number (1-999)");
        continue;
      }
      module->akusti.push_back(*number);
    }
  }
  if (const json::Value* maps = json.Find("codeMaps")) {
    for (const auto& [name, pairs] : maps->members()) {
      CodeMap map;
      map.name = name;
      for (const auto& pair : pairs.items()) {
        if (pair.items().size() != 2 || !pair.items()[0].is_scalar() ||
            !pair.items()[1].is_scalar()) {
          compiler.Problem("codeMaps." + name, "each entry must be [recordCode, fhirCode]");
          continue;
        }
        map.pairs.emplace_back(pair.items()[0].text(), pair.items()[1].text());
      }
      module->code_maps.emplace(name, std::move(map));
    }
  }
  if (const json::Value* unmapped = json.Find("unmapped")) {
    const auto& entries = unmapped->items();
    for (size_t i = 0; i < entries.size(); ++i) {
      const json::Value* record = entries[i].is_object() ? entries[i].Find("record") : nullptr;
      const json::Value* reason = entries[i].is_object() ? entries[i].Find("reason") : nullptr;
      if (record == nullptr || record->kind() != json::Value::Kind::kString ||
          record->text().empty() || reason == nullptr ||
          reason->kind() != json::Value::Kind::kString || reason->text().empty()) {
        compiler.Problem("unmapped[" + std::to_string(i) + "]",
                         "expected {\"record\": path, \"reason\": why it is not mapped}");
        continue;
      }
      module->unmapped.push_back({record->text(), reason->text()});
    }
    if (!unmapped->is_array()) compiler.Problem("unmapped", "\"unmapped\" must be an array");
  }
  if (const json::Value* narrative = json.Find("narrative")) {
    CompileNarrativeSettings(*narrative, compiler, *module);
  }
  const model::TypeDef* resource = model.FindResource(module->resource_type);
  if (resource == nullptr && !module->resource_type.empty()) {
    compiler.Problem("resource", "unknown resource type \"" + module->resource_type + "\"");
  }
  if (const json::Value* rules = json.Find("rules"); rules != nullptr && resource != nullptr) {
    compiler.CompileRules(*rules, resource, "rules", module->code_maps, module->rules);
  }
  if (const json::Value* by = json.Find("akustiBy"); by != nullptr && resource != nullptr) {
    CompileItemChoice(*by, resource, compiler, *module);
  }
  CheckItems(*module, compiler);
  if (!compiler.problems().empty()) {
    std::string message;
    for (const auto& p : compiler.problems()) message += (message.empty() ? "" : "\n") + p;
    return InvalidArgumentError(message);
  }
  return std::shared_ptr<const Module>(std::move(module));
}

bool MappingFileIndex::Parse(std::string_view text) {
  auto parsed = json::Value::Parse(text, "");
  parsed_ = parsed.ok();
  if (parsed_) root_ = std::move(*parsed);
  return parsed_;
}

SourceLocation MappingFileIndex::Locate(std::string_view member_path) const {
  if (!parsed_) return {};
  const json::Value* node = &root_;
  std::string_view rest = member_path;
  if (rest == "$") rest = {};
  while (!rest.empty()) {
    if (rest.front() == '.') {
      rest.remove_prefix(1);
      continue;
    }
    if (rest.front() == '[') {
      size_t close = rest.find(']');
      if (close == std::string_view::npos || !node->is_array()) break;
      std::optional<size_t> index = ParseInteger<size_t>(rest.substr(1, close - 1));
      if (!index || *index >= node->items().size()) break;
      node = &node->items()[*index];
      rest.remove_prefix(close + 1);
      continue;
    }
    if (!node->is_object()) break;
    // Member names may hold dots (a code, a URL): the longest name that the path continues
    // after wins.
    const json::Value* next = nullptr;
    size_t taken = 0;
    for (const auto& [name, value] : node->members()) {
      if (name.size() <= taken || !rest.starts_with(name)) continue;
      if (name.size() < rest.size() && rest[name.size()] != '.' && rest[name.size()] != '[') {
        continue;
      }
      next = &value;
      taken = name.size();
    }
    if (next == nullptr) break;
    node = next;
    rest.remove_prefix(taken);
  }
  return node->location();
}

}  // namespace silta::mapping
