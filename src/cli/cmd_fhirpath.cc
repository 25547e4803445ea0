// silta fhirpath: evaluates FHIRPath expressions against one resource.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "base/files.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"

namespace silta::cli {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// A result item's value text: the spec's string form; complex elements as compact JSON.
std::string ValueText(const fhirpath::Value& v) {
  if (v.is_element() && !v.element()->is_primitive() && !v.element()->type()->IsA("Quantity")) {
    formats::WriteOptions options;
    options.pretty = false;
    std::string json = formats::WriteJson(*v.element(), options);
    if (!v.element()->is_resource()) {
      // The writer names the type as a resourceType; a datatype has none.
      std::string prefix = "{\"resourceType\":\"" + v.element()->type()->name + "\"";
      if (json.rfind(prefix, 0) == 0) {
        json.erase(1, prefix.size() - 1);
        if (json.size() > 1 && json[1] == ',') json.erase(1, 1);
      }
    }
    return json;
  }
  return fhirpath::Describe(v).value;
}

void WriteItems(Writer& w, const fhirpath::Collection& result) {
  w.StartArray();
  for (const fhirpath::Value& v : result) {
    w.StartObject();
    w.Key("type");
    WriteString(w, fhirpath::TypeNameOf(v));
    w.Key("value");
    WriteString(w, ValueText(v));
    w.EndObject();
  }
  w.EndArray();
}

struct Evaluated {
  bool ok = false;
  std::string error;
  fhirpath::Collection result;
};

Evaluated EvaluateOne(std::string_view expression, const fhirpath::CompileOptions& options,
                      const model::Element* root, const fhirpath::EvaluationContext& context) {
  Evaluated e;
  auto compiled = fhirpath::CompiledExpression::Compile(expression, options);
  if (!compiled.ok()) {
    e.error = compiled.status().message();
    return e;
  }
  auto result = fhirpath::Evaluate(**compiled, root, context);
  if (!result.ok()) {
    e.error = result.status().message();
    return e;
  }
  e.ok = true;
  e.result = std::move(result).value();
  return e;
}

std::string JsonLine(const Evaluated& e) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("ok");
  w.Bool(e.ok);
  if (e.ok) {
    w.Key("result");
    WriteItems(w, e.result);
  } else {
    w.Key("error");
    WriteString(w, e.error);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

int RunFhirpathCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Evaluate FHIRPath expressions against a FHIR R4 resource.\n\n"
      "  silta fhirpath --input FILE EXPR\n"
      "      prints the result collection as a JSON array of {\"type\",\"value\"}\n"
      "  silta fhirpath --input FILE --expressions LIST.txt\n"
      "      evaluates one expression per line; prints one JSON object per line:\n"
      "      {\"ok\":true,\"result\":[...]} or {\"ok\":false,\"error\":\"...\"}\n\n"
      "`type` is the FHIR type of elements (code, string, HumanName...) and the System type of\n"
      "computed values (boolean, integer, decimal, string, date, dateTime, time, Quantity);\n"
      "`value` is the FHIRPath string form (Quantity as value 'unit'), JSON for complex\n"
      "elements. Exit codes: 0 ok, 1 bad expression or resource, 2 usage or I/O problems.",
      "silta fhirpath"};
  std::string input;
  std::string expression;
  std::string expressions_file;
  std::string now_text;
  bool strict = false;
  bool allow_invalid = false;
  app.add_option("expression", expression, "the FHIRPath expression");
  app.add_option("--input,-i", input, "the resource (.json or .xml)")->required();
  app.add_option("--expressions", expressions_file, "a file with one expression per line");
  app.add_option("--now", now_text, "fixes now()/today()/timeOfDay(), e.g. 2024-01-31T12:00:00Z");
  app.add_flag("--strict", strict, "unknown element names are errors");
  app.add_flag("--allow-invalid", allow_invalid,
               "evaluate even when the resource has errors (they are still printed)");
  int parsed = ParseArgs(app, args, out, err);
  if (parsed >= 0) return parsed;
  if (expression.empty() == expressions_file.empty()) {
    err << "silta fhirpath: give either an expression or --expressions LIST.txt\n";
    return kExitUsage;
  }

  fhirpath::EvaluationContext context;
  if (!now_text.empty()) {
    std::string_view t = now_text;
    if (!t.empty() && t[0] == '@') t.remove_prefix(1);
    std::optional<fhirpath::DateTime> now = fhirpath::ParseDateTime(t);
    if (!now) {
      err << "silta fhirpath: --now must be a date/time such as 2024-01-31T12:00:00Z\n";
      return kExitUsage;
    }
    context.now = *now;
  }

  auto model = LoadCoreTypeModel();
  if (!model.ok()) {
    err << "silta fhirpath: " << model.status().message() << "\n";
    return kExitUsage;
  }
  StatusOr<std::string> text = ReadFile(input);
  if (!text.ok()) {
    err << "silta fhirpath: " << text.status().message() << "\n";
    return kExitUsage;
  }
  std::optional<formats::Format> format = formats::FormatFromPath(input);
  if (!format) format = formats::SniffFormat(*text);
  if (!format) {
    err << input << ":1:1: error: neither JSON nor XML\n";
    return kExitDataProblem;
  }
  formats::ParseOptions parse_options;
  parse_options.source_name = input;
  IssueCollector issues;
  std::unique_ptr<model::Document> doc =
      formats::Parse(*text, *format, *model, issues, parse_options);
  PrintIssues(issues.issues(), err);
  if (doc == nullptr || doc->root() == nullptr || (issues.HasErrors() && !allow_invalid)) {
    err << "silta fhirpath: " << input << " is not a valid resource\n";
    return kExitDataProblem;
  }

  fhirpath::CompileOptions options;
  options.model = *model;
  options.context_type = doc->root()->type()->name;
  options.strict = strict;

  if (!expressions_file.empty()) {
    StatusOr<std::string> list = ReadFile(expressions_file);
    if (!list.ok()) {
      err << "silta fhirpath: " << list.status().message() << "\n";
      return kExitUsage;
    }
    std::istringstream lines(*list);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      out << JsonLine(EvaluateOne(line, options, doc->root(), context)) << "\n";
    }
    return kExitOk;
  }

  Evaluated e = EvaluateOne(expression, options, doc->root(), context);
  if (!e.ok) {
    err << "silta fhirpath: " << e.error << "\n";
    return kExitDataProblem;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteItems(w, e.result);
  out << std::string_view(buffer.GetString(), buffer.GetSize()) << "\n";
  return kExitOk;
}

}  // namespace silta::cli
