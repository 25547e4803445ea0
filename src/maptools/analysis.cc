#include "maptools/analysis.h"

#include "base/files.h"
#include "base/suggest.h"

namespace silta::maptools::internal {
namespace {

using records::FieldInfo;

std::string Join(const std::string& prefix, const FieldInfo& field) {
  std::string out = prefix.empty() ? field.name : prefix + "." + field.name;
  if (field.array) out += "[]";
  return out;
}

void ListFields(const std::vector<FieldInfo>& fields, const std::string& prefix,
                std::vector<std::string>& out) {
  for (const FieldInfo& field : fields) {
    std::string path = Join(prefix, field);
    out.push_back(path);
    ListFields(field.fields, path, out);
  }
}

// A record context: the fields of the object a path starts from, and its contract path.
struct Context {
  const std::vector<FieldInfo>* fields = nullptr;
  std::string path;
};

class Walker {
 public:
  Walker(Analysis& analysis, IssueSink* sink) : analysis_(analysis), sink_(sink) {}

  void Module(const mapping::Module& module) {
    module_ = &module;
    file_ = MappingFile(module);
    index_.Parse(FileText(file_));
    Context root{&records::ContractFields(), ""};
    Context context = root;
    const FieldInfo* source = nullptr;
    if (!module.source.empty()) {
      if (!Resolve(root, module.source, "source", &context, &source)) return;
      analysis_.accounted.insert(context.path);
      // The engine names each resource after its part's id (mappings/README.md).
      if (source != nullptr && source->Find("id") != nullptr) {
        analysis_.accounted.insert(context.path + ".id");
      }
    }
    if (!module.only_if.empty()) Check(root, module.only_if, "onlyIf");
    if (module.profile_by) Check(context, module.profile_by->record, "profileBy.record");
    for (const mapping::Rule& rule : module.rules) {
      Rule(context, rule, std::string(module.resource_type), rule.item);
    }
    for (size_t i = 0; i < module.unmapped.size(); ++i) {
      auto path = mapping::ParsePath(module.unmapped[i].record);
      std::string member = "unmapped[" + std::to_string(i) + "].record";
      if (!path.ok()) {
        Report(member, "MAPPING_UNKNOWN_RECORD_FIELD", path.status().message());
        continue;
      }
      Context end;
      const FieldInfo* field = nullptr;
      if (!Resolve(context, *path, member, &end, &field) || field == nullptr) continue;
      analysis_.unmapped.push_back({end.path, &module, module.unmapped[i].reason});
    }
  }

 private:
  void Rule(const Context& context, const mapping::Rule& rule, const std::string& fhir_prefix,
            std::optional<int> item) {
    std::string member = MemberPathOf(rule);
    std::string fhir = fhir_prefix + "." + rule.fhir.text;
    if (!rule.when.empty()) Check(context, rule.when, member + ".when");
    if (rule.constant || !rule.link_module.empty()) return;
    Context end;
    const FieldInfo* field = nullptr;
    if (!Resolve(context, rule.record, member + ".record", &end, &field)) return;
    if (field != nullptr) {
      analysis_.uses.push_back({end.path, module_, &rule, fhir, item, field});
      analysis_.accounted.insert(end.path);
    }
    if (rule.is_group()) {
      for (const mapping::Rule& nested : rule.rules) Rule(end, nested, fhir, item);
    } else if (field != nullptr) {
      // A complex value copied as it is (a period → Period) carries every field inside it.
      std::vector<std::string> inside;
      ListFields(field->fields, end.path, inside);
      analysis_.accounted.insert(inside.begin(), inside.end());
    }
  }

  void Check(const Context& context, const mapping::Path& path, const std::string& member) {
    Context end;
    const FieldInfo* field = nullptr;
    Resolve(context, path, member, &end, &field);
  }

  // Walks `path` from `context`; false (reported) when a segment names no contract field.
  bool Resolve(const Context& context, const mapping::Path& path, const std::string& member,
               Context* end, const FieldInfo** field) {
    Context at = context;
    const FieldInfo* found = nullptr;
    for (const mapping::PathSegment& segment : path.segments) {
      const FieldInfo* next = nullptr;
      if (at.fields != nullptr) {
        for (const FieldInfo& f : *at.fields) {
          if (f.name == segment.name) next = &f;
        }
      }
      if (next == nullptr) {
        std::string where = at.path.empty() ? "the record" : at.path;
        std::string message = "\"" + path.text + "\": ";
        if (at.fields == nullptr || at.fields->empty()) {
          message += where + " is a " +
                     std::string(found ? records::FieldTypeName(found->type) : "value") +
                     " and has no field " + segment.name;
        } else {
          message += where + " has no contract field " + segment.name;
          std::vector<std::string> names;
          for (const FieldInfo& f : *at.fields) names.push_back(f.name);
          if (auto near = NearestName(segment.name, names)) {
            message += " (did you mean " + *near + "?)";
          }
        }
        Report(member, "MAPPING_UNKNOWN_RECORD_FIELD", message);
        return false;
      }
      if (segment.array_marker != next->array) {
        Report(member, "MAPPING_RECORD_ARRAY",
               "\"" + path.text + "\": " + next->name +
                   (next->array ? " is an array field: write " + next->name + "[]"
                                : " is not an array field: write it without []"));
        return false;
      }
      std::string next_path = Join(at.path, *next);
      for (const mapping::PathFilter& filter : segment.filters) {
        const std::vector<FieldInfo>* fields = &next->fields;
        const FieldInfo* step_field = nullptr;
        std::string filter_path = next_path;
        for (const std::string& step : filter.path) {
          step_field = nullptr;
          for (const FieldInfo& f : *fields) {
            if (f.name == step) step_field = &f;
          }
          if (step_field == nullptr) {
            Report(
                member, "MAPPING_UNKNOWN_RECORD_FIELD",
                "\"" + path.text + "\": where() names " + step + ", not a field of " + filter_path);
            return false;
          }
          filter_path = Join(filter_path, *step_field);
          fields = &step_field->fields;
        }
        analysis_.accounted.insert(filter_path);
        if (step_field != nullptr && step_field->type == records::FieldType::kCode &&
            filter.value.is_scalar()) {
          bool known = false;
          for (std::string_view code : step_field->codes) known |= code == filter.value.text();
          if (!known) {
            Report(member, "MAPPING_CODE_OUTSIDE",
                   "\"" + path.text + "\": \"" + filter.value.text() + "\" is not a code of " +
                       filter_path);
          }
        }
      }
      at = Context{&next->fields, next_path};
      found = next;
    }
    *end = at;
    *field = found;
    return true;
  }

  void Report(const std::string& member, const char* id, std::string message) {
    if (sink_ != nullptr) {
      ReportAt(*sink_, file_, &index_, member, id, IssueType::kNotFound, std::move(message));
    }
  }

  Analysis& analysis_;
  IssueSink* sink_;
  const mapping::Module* module_ = nullptr;
  std::string file_;
  mapping::MappingFileIndex index_;
};

}  // namespace

std::string MappingFile(const mapping::Module& module) {
  return (module.folder / "mapping.json").string();
}

std::string FileText(const std::string& file) {
  auto text = ReadFile(file);
  return text.ok() ? std::move(*text) : std::string();
}

std::string MemberPathOf(const mapping::Rule& rule) {
  size_t at = rule.location.rfind(": ");
  return at == std::string::npos ? rule.location : rule.location.substr(at + 2);
}

void ReportAt(IssueSink& sink, const std::string& file, const mapping::MappingFileIndex* index,
              const std::string& member, const char* id, IssueType type, std::string message,
              Severity severity) {
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = id;
  issue.message = member.empty() ? std::move(message) : member + ": " + message;
  issue.source = file;
  if (index != nullptr) issue.location = index->Locate(member);
  sink.Report(std::move(issue));
}

std::string ShortenUrls(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t quote = text.find('\'', i);
    if (quote == std::string_view::npos) break;
    size_t close = text.find('\'', quote + 1);
    if (close == std::string_view::npos) break;
    std::string_view literal = text.substr(quote + 1, close - quote - 1);
    out.append(text.substr(i, quote - i));
    if (literal.starts_with("http://") || literal.starts_with("https://")) {
      out.append(literal.substr(literal.rfind('/') + 1));
    } else {
      out.append(text.substr(quote, close - quote + 1));
    }
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

bool Within(const std::string& field, const std::string& ancestor) {
  return field == ancestor || (field.size() > ancestor.size() && field.starts_with(ancestor) &&
                               field[ancestor.size()] == '.');
}

std::vector<std::string> Unaccounted(const Analysis& analysis) {
  std::vector<std::string> out;
  for (const std::string& field : analysis.all_fields) {
    if (analysis.accounted.contains(field)) continue;
    // A part whose fields rules map one by one (address.lines[], address.city...) is accounted
    // for through them; each of its other fields is still held to a rule of its own.
    auto inside = analysis.accounted.lower_bound(field + ".");
    if (inside != analysis.accounted.end() && Within(*inside, field)) continue;
    bool listed = false;
    for (const UnmappedField& unmapped : analysis.unmapped) listed |= Within(field, unmapped.field);
    if (listed) continue;
    if (!out.empty() && Within(field, out.back())) continue;
    out.push_back(field);
  }
  return out;
}

Analysis Analyze(const mapping::Mapper& mapper, IssueSink* sink) {
  Analysis analysis;
  ListFields(records::ContractFields(), "", analysis.all_fields);
  Walker walker(analysis, sink);
  for (const auto& module : mapper.modules()) walker.Module(*module);
  return analysis;
}

}  // namespace silta::maptools::internal
