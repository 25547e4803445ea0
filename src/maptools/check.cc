// silta mappings check: the mapping files against the contract, the profiles and their value
// sets, and the gate that runs it before any mapping is used.
#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <set>

#include "base/files.h"
#include "base/suggest.h"
#include "maptools/analysis.h"
#include "maptools/maptools.h"
#include "snapshot/snapshot.h"
#include "terminology/terminology.h"

namespace silta::maptools {
namespace {

using internal::FileText;
using internal::ReportAt;

constexpr std::string_view kCoreBase = "http://hl7.org/fhir/StructureDefinition/";

bool IsAbsolute(std::string_view url) { return url.find(':') != std::string_view::npos; }

// StructureDefinitions with snapshots, parsed once per check.
class StructureDefinitions {
 public:
  explicit StructureDefinitions(std::shared_ptr<const packages::ConformanceContext> context)
      : context_(context), snapshots_(context) {}

  const rapidjson::Document* Find(std::string_view url) {
    std::string key(url);
    auto it = parsed_.find(key);
    if (it != parsed_.end()) return it->second.get();
    std::unique_ptr<rapidjson::Document> document;
    auto text = snapshots_.Get(url);
    if (text.ok()) {
      document = std::make_unique<rapidjson::Document>();
      document->Parse((*text)->c_str(), (*text)->size());
      if (document->HasParseError() || !document->IsObject()) document.reset();
    }
    return parsed_.emplace(key, std::move(document)).first->second.get();
  }

  const packages::ConformanceContext& context() const { return *context_; }

 private:
  std::shared_ptr<const packages::ConformanceContext> context_;
  snapshot::SnapshotCache snapshots_;
  std::map<std::string, std::unique_ptr<rapidjson::Document>> parsed_;
};

std::string StringOf(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}

const rapidjson::Value* ElementById(const rapidjson::Document& sd, std::string_view id) {
  auto snapshot = sd.FindMember("snapshot");
  if (snapshot == sd.MemberEnd() || !snapshot->value.IsObject()) return nullptr;
  auto elements = snapshot->value.FindMember("element");
  if (elements == snapshot->value.MemberEnd() || !elements->value.IsArray()) return nullptr;
  for (const auto& element : elements->value.GetArray()) {
    if (StringOf(element, "id") == id) return &element;
  }
  return nullptr;
}

// The names of the sub-extensions an extension definition slices out.
std::vector<std::string> SubExtensionNames(const rapidjson::Document& sd) {
  std::vector<std::string> names;
  auto snapshot = sd.FindMember("snapshot");
  if (snapshot == sd.MemberEnd()) return names;
  auto elements = snapshot->value.FindMember("element");
  if (elements == snapshot->value.MemberEnd() || !elements->value.IsArray()) return names;
  for (const auto& element : elements->value.GetArray()) {
    std::string id = StringOf(element, "id");
    if (id.starts_with("Extension.extension:") && id.find('.', 20) == std::string::npos) {
      names.push_back(id.substr(20));
    }
  }
  return names;
}

// What a FHIR path of a rule reaches in its profile: the bindings on the way, and whether an
// element the profile prohibits is on it.
struct Reach {
  std::string valueset;  // the deepest binding on the path
  std::string prohibited;
};

class ProfileChecker {
 public:
  ProfileChecker(StructureDefinitions& definitions, const model::TypeModel& model,
                 const terminology::TerminologyService& terminology, IssueSink& sink)
      : defs_(definitions), model_(model), terminology_(terminology), sink_(sink) {}

  void CheckModule(const mapping::Module& module) {
    file_ = internal::MappingFile(module);
    index_.Parse(FileText(file_));
    std::vector<std::pair<std::string, std::string>> profiles = {{module.profile, "profile"}};
    if (module.profile_by) {
      for (const auto& [value, url] : module.profile_by->profiles) {
        profiles.push_back({url, "profileBy.profiles." + value});
      }
    }
    const rapidjson::Document* main = nullptr;
    for (const auto& [url, member] : profiles) {
      const rapidjson::Document* sd = defs_.Find(url);
      if (sd == nullptr) {
        Report(member, "MAPPING_UNKNOWN_PROFILE",
               "no StructureDefinition " + url + " among Silta's profiles and their dependencies");
        continue;
      }
      if (StringOf(*sd, "type") != module.resource_type) {
        Report(member, "MAPPING_UNKNOWN_PROFILE",
               url + " profiles " + StringOf(*sd, "type") + ", not " + module.resource_type);
        continue;
      }
      if (main == nullptr) main = sd;
    }
    if (main == nullptr) return;
    const model::TypeDef* type = model_.FindResource(module.resource_type);
    if (type == nullptr) return;
    for (const mapping::Rule& rule : module.rules) {
      Walk(module, rule, Position{main, module.resource_type, type}, Reach{});
    }
  }

 private:
  struct Position {
    const rapidjson::Document* sd;
    std::string id;  // element id in sd
    const model::TypeDef* type;
  };

  void Walk(const mapping::Module& module, const mapping::Rule& rule, Position at, Reach reach) {
    std::string member = internal::MemberPathOf(rule) + ".fhir";
    for (const mapping::PathSegment& segment : rule.fhir.segments) {
      if (!Step(segment, member, rule.fhir.text, at, reach)) return;
    }
    if (!reach.prohibited.empty()) {
      Report(member, "MAPPING_PROHIBITED_ELEMENT",
             "\"" + rule.fhir.text + "\": the profile prohibits " + reach.prohibited + " (max 0)");
      return;
    }
    if (rule.codes != nullptr && !reach.valueset.empty()) {
      CheckCodes(module, *rule.codes, reach.valueset, rule.fhir.text);
    }
    for (const mapping::Rule& nested : rule.rules) Walk(module, nested, at, reach);
  }

  bool Step(const mapping::PathSegment& segment, const std::string& member, const std::string& text,
            Position& at, Reach& reach) {
    model::TypeDef::MemberMatch match;
    if (at.type == nullptr || !at.type->MatchMember(segment.name, &match)) return false;
    std::string url;
    if (segment.name == "extension") {
      for (const mapping::PathFilter& filter : segment.filters) {
        if (filter.path.size() == 1 && filter.path[0] == "url") url = filter.value.text();
      }
    }
    if (!url.empty() && IsAbsolute(url)) {
      const rapidjson::Document* sd = defs_.Find(url);
      if (sd == nullptr || StringOf(*sd, "type") != "Extension") {
        Report(member, "MAPPING_UNKNOWN_EXTENSION",
               "\"" + internal::ShortenUrls(text) + "\": " + url +
                   " is no extension definition among Silta's profiles and their dependencies");
        return false;
      }
      at = Position{sd, "Extension", match.type};
      return true;
    }
    if (!url.empty()) {
      // A sub-extension of a complex extension: named by a slice of its definition.
      std::string id = at.id + ".extension:" + url;
      if (ElementById(*at.sd, id) == nullptr) {
        std::string message = "\"" + internal::ShortenUrls(text) + "\": the extension " +
                              StringOf(*at.sd, "url") + " has no sub-extension " + url;
        if (auto near = NearestName(url, SubExtensionNames(*at.sd))) {
          message += " (did you mean " + *near + "?)";
        }
        Report(member, "MAPPING_UNKNOWN_EXTENSION", message);
        return false;
      }
      at = Position{at.sd, id, match.type};
      return true;
    }
    std::string name = match.element->is_choice ? match.element->name + "[x]" : segment.name;
    std::string id = at.id + "." + name;
    const rapidjson::Value* element = ElementById(*at.sd, id);
    if (element == nullptr && at.type != nullptr && !at.type->url.empty()) {
      // Inside a datatype the profile does not constrain: its own definition speaks.
      const rapidjson::Document* sd = defs_.Find(std::string(kCoreBase) + at.type->name);
      if (sd != nullptr) {
        at.sd = sd;
        id = at.type->name + "." + name;
        element = ElementById(*sd, id);
      }
    }
    at.id = id;
    at.type = match.type;
    if (element == nullptr) return true;  // the type model knows it; nothing more to say
    if (StringOf(*element, "max") == "0" && reach.prohibited.empty()) reach.prohibited = id;
    auto binding = element->FindMember("binding");
    if (binding != element->MemberEnd()) {
      std::string valueset = StringOf(binding->value, "valueSet");
      if (!valueset.empty()) reach.valueset = valueset.substr(0, valueset.find('|'));
    }
    return true;
  }

  void CheckCodes(const mapping::Module& module, const mapping::CodeMap& map,
                  const std::string& valueset, const std::string& fhir_text) {
    for (size_t i = 0; i < map.pairs.size(); ++i) {
      const std::string& code = map.pairs[i].second;
      auto result = terminology_.ValidateCode(valueset, "", code);
      if (!result.ok() || result->validity != terminology::Validity::kInvalid) continue;
      std::string member = "codeMaps." + map.name + "[" + std::to_string(i) + "][1]";
      if (!reported_.insert(module.name + "|" + member + "|" + valueset).second) continue;
      Report(member, "MAPPING_CODE_OUTSIDE",
             "\"" + code + "\" is not in " + valueset + ", the value set bound at \"" +
                 internal::ShortenUrls(fhir_text) + "\"");
    }
  }

  void Report(const std::string& member, const char* id, std::string message) {
    ReportAt(sink_, file_, &index_, member, id, IssueType::kNotFound, std::move(message));
  }

  StructureDefinitions& defs_;
  const model::TypeModel& model_;
  const terminology::TerminologyService& terminology_;
  IssueSink& sink_;
  std::string file_;
  mapping::MappingFileIndex index_;
  std::set<std::string> reported_;
};

// Record codes of a code map must be codes of the contract field the rule reads.
void CheckRecordCodes(const internal::Analysis& analysis, IssueSink& sink) {
  std::set<std::string> reported;
  for (const internal::FieldUse& use : analysis.uses) {
    if (use.rule->codes == nullptr || use.info->type != records::FieldType::kCode) continue;
    const mapping::CodeMap& map = *use.rule->codes;
    for (size_t i = 0; i < map.pairs.size(); ++i) {
      bool known = false;
      for (std::string_view code : use.info->codes) known |= code == map.pairs[i].first;
      std::string member = "codeMaps." + map.name + "[" + std::to_string(i) + "][0]";
      if (known || !reported.insert(use.module->name + "|" + member).second) continue;
      mapping::MappingFileIndex index;
      std::string file = internal::MappingFile(*use.module);
      index.Parse(FileText(file));
      ReportAt(sink, file, &index, member, "MAPPING_CODE_OUTSIDE", IssueType::kCodeInvalid,
               "\"" + map.pairs[i].first + "\" is not a code of the contract field " + use.field);
    }
  }
}

void CheckAccounted(const std::filesystem::path& dir, const internal::Analysis& analysis,
                    IssueSink& sink) {
  for (const internal::UnmappedField& unmapped : analysis.unmapped) {
    for (const std::string& field : analysis.accounted) {
      if (!internal::Within(field, unmapped.field)) continue;
      mapping::MappingFileIndex index;
      std::string file = internal::MappingFile(*unmapped.module);
      index.Parse(FileText(file));
      ReportAt(sink, file, &index, "unmapped", "MAPPING_UNMAPPED_BUT_MAPPED", IssueType::kInvalid,
               unmapped.field + " is listed as unmapped, but a rule maps " + field);
      break;
    }
  }
  for (const std::string& field : internal::Unaccounted(analysis)) {
    Issue issue;
    issue.type = IssueType::kNotFound;
    issue.message_id = "MAPPING_FIELD_UNACCOUNTED";
    issue.message = "the contract field " + field +
                    " is mapped by no module and listed as unmapped by none (add a rule, or an "
                    "\"unmapped\" entry with the reason)";
    issue.source = dir.string();
    sink.Report(std::move(issue));
  }
}

// A mapping file that spells Silta's canonical base out instead of writing the placeholder makes
// resources whose profiles, extensions and identifier systems stay at that base whatever
// MapperOptions::canonical_base a deployment sets: each string value holding the configured
// base, or the default one, is an error at its location (MAPPING_HARDCODED_CANONICAL).
void CheckCanonicalBase(const mapping::Module& module, const mapping::MapperOptions& options,
                        IssueSink& sink) {
  const std::string file = internal::MappingFile(module);
  auto parsed = json::Value::Parse(FileText(file), file);
  if (!parsed.ok()) return;  // the loader has read it; a file changed since is not this check's
  std::vector<std::string> bases = {options.canonical_base};
  if (std::string fallback = mapping::MapperOptions().canonical_base; fallback != bases.front()) {
    bases.push_back(std::move(fallback));
  }
  std::function<void(const json::Value&, const std::string&)> walk =
      [&](const json::Value& value, const std::string& member) {
        if (value.kind() == json::Value::Kind::kString) {
          for (const std::string& base : bases) {
            if (base.empty() || value.text().find(base) == std::string::npos) continue;
            Issue issue;
            issue.type = IssueType::kInvalid;
            issue.message_id = "MAPPING_HARDCODED_CANONICAL";
            issue.message = member + ": \"" + base +
                            "\" is Silta's canonical base written out: write " +
                            std::string(mapping::kCanonicalPlaceholder) +
                            " instead, which follows the configured base";
            issue.source = file;
            issue.location = value.location();
            sink.Report(std::move(issue));
            break;
          }
          return;
        }
        for (const auto& [name, child] : value.members()) {
          walk(child, member == "$" ? name : member + "." + name);
        }
        for (size_t i = 0; i < value.items().size(); ++i) {
          walk(value.items()[i], member + "[" + std::to_string(i) + "]");
        }
      };
  walk(*parsed, "$");
}

}  // namespace

StatusOr<std::shared_ptr<const mapping::Mapper>> CheckMappings(
    const std::filesystem::path& mappings_dir, const Definitions& definitions, IssueSink& sink,
    mapping::MapperOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(mappings_dir, ec)) {
    return NotFoundError("mappings folder " + mappings_dir.string() + " not found");
  }
  IssueCollector load_problems;
  auto mapper =
      mapping::Mapper::Load(mappings_dir, definitions.model, std::move(options), &load_problems);
  if (!mapper.ok()) {
    std::vector<Issue> problems = load_problems.Take();
    if (problems.empty()) {
      Issue issue;
      issue.type = IssueType::kInvalid;
      issue.message_id = "MAPPING_INVALID";
      issue.message = mapper.status().message();
      issue.source = mappings_dir.string();
      problems.push_back(std::move(issue));
    }
    for (Issue& problem : problems) sink.Report(std::move(problem));
    return std::shared_ptr<const mapping::Mapper>();
  }
  for (const auto& module : (*mapper)->modules()) {
    CheckCanonicalBase(*module, (*mapper)->options(), sink);
  }
  internal::Analysis analysis = internal::Analyze(**mapper, &sink);
  CheckRecordCodes(analysis, sink);
  if (definitions.context != nullptr) {
    StructureDefinitions defs(definitions.context);
    terminology::TerminologyService terminology(definitions.context);
    ProfileChecker profiles(defs, *definitions.model, terminology, sink);
    for (const auto& module : (*mapper)->modules()) profiles.CheckModule(*module);
  }
  CheckAccounted(mappings_dir, analysis, sink);
  return *mapper;
}

StatusOr<std::shared_ptr<const mapping::Mapper>> LoadCheckedMapper(
    const std::filesystem::path& mappings_dir, const Definitions& definitions,
    mapping::MapperOptions options) {
  IssueCollector issues;
  SILTA_ASSIGN_OR_RETURN(auto mapper,
                         CheckMappings(mappings_dir, definitions, issues, std::move(options)));
  if (mapper != nullptr && !issues.HasErrors()) return mapper;
  std::string message =
      "the mappings in " + mappings_dir.string() + " do not pass 'silta mappings check':";
  for (const Issue& issue : issues.issues()) {
    if (issue.severity >= Severity::kError) message += "\n" + FormatIssue(issue);
  }
  return FailedPreconditionError(message);
}

}  // namespace silta::maptools
