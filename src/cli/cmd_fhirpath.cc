// silta fhirpath: evaluates FHIRPath expressions against one resource.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "base/files.h"
#include "base/text.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"

namespace silta::cli {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Results are valid UTF-8 by construction (parsed documents are checked, literals come from a
// checked expression); should one ever not be, the output must stay valid JSON text rather
// than pass the bytes on, so the bad text is replaced by a marker.
void WriteString(Writer& w, std::string_view s) {
  if (!IsValidUtf8(s)) s = "\uFFFD(invalid UTF-8)";
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

// The expressions of an --expressions file: one per line, or for a .ndjson file one JSON string
// per line (so that an expression may span lines). Blank lines are skipped either way.
StatusOr<std::vector<std::string>> ReadExpressionList(const std::string& path) {
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  bool json_lines = path.size() >= 7 && path.compare(path.size() - 7, 7, ".ndjson") == 0;
  std::vector<std::string> expressions;
  std::istringstream lines(*text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!json_lines) {
      expressions.push_back(line);
      continue;
    }
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    if (d.HasParseError() || !d.IsString()) {
      std::string why =
          d.HasParseError() ? rapidjson::GetParseError_En(d.GetParseError()) : "not a JSON string";
      size_t column = d.HasParseError() ? d.GetErrorOffset() + 1 : 1;
      return InvalidArgumentError(path + ":" + std::to_string(number) + ":" +
                                  std::to_string(column) + ": " + why);
    }
    expressions.emplace_back(d.GetString(), d.GetStringLength());
  }
  return expressions;
}

}  // namespace

int RunFhirpathCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Evaluate FHIRPath expressions against a FHIR R4 resource.\n\n"
      "  silta fhirpath [--input FILE] EXPR\n"
      "      prints the result collection as a JSON array of {\"type\",\"value\"}\n"
      "  silta fhirpath [--input FILE] --expressions LIST.txt|LIST.ndjson\n"
      "      evaluates one expression per line (in a .ndjson list, one JSON string per line,\n"
      "      for expressions that span lines); prints one JSON object per expression:\n"
      "      {\"ok\":true,\"result\":[...]} or {\"ok\":false,\"error\":\"...\"}\n\n"
      "Without --input the expressions are evaluated on an empty input collection.\n"
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
  app.add_option("--input,-i", input, "the resource (.json or .xml); none: an empty input");
  app.add_option("--expressions", expressions_file,
                 "a file with one expression per line (.ndjson: one JSON string per line)");
  app.add_option("--now", now_text, "fixes now()/today()/timeOfDay(), e.g. 2024-01-31T12:00:00Z");
  app.add_flag("--strict", strict, "unknown element names are errors");
  app.add_flag("--allow-invalid", allow_invalid,
               "evaluate even when the resource has errors (they are still printed)");
  int parsed = ParseArgs(app, args, out, err);
  if (parsed >= 0) return parsed;
  if (expression.empty() == expressions_file.empty()) {
    return Fail(err, "fhirpath", "give either an expression or --expressions LIST.txt");
  }

  fhirpath::EvaluationContext context;
  if (!now_text.empty()) {
    std::string_view t = now_text;
    if (!t.empty() && t[0] == '@') t.remove_prefix(1);
    std::optional<fhirpath::DateTime> now = fhirpath::ParseDateTime(t);
    if (!now) {
      return Fail(err, "fhirpath", "--now must be a date/time such as 2024-01-31T12:00:00Z");
    }
    context.now = *now;
  }

  auto model = context::CoreTypeModel();
  if (!model.ok()) return Fail(err, "fhirpath", model.status());
  std::unique_ptr<model::Document> doc;
  if (!input.empty()) {
    StatusOr<std::string> text = ReadFile(input);
    if (!text.ok()) return Fail(err, "fhirpath", text.status());
    std::optional<formats::Format> format = formats::FormatFromPath(input);
    if (!format) format = formats::SniffFormat(*text);
    if (!format) {
      err << input << ":1:1: error: neither JSON nor XML\n";
      return kExitDataProblem;
    }
    formats::ParseOptions parse_options;
    parse_options.source_name = input;
    IssueCollector issues;
    doc = formats::Parse(*text, *format, *model, issues, parse_options);
    PrintIssues(issues.issues(), err);
    if (doc == nullptr || doc->root() == nullptr || (issues.HasErrors() && !allow_invalid)) {
      err << "silta fhirpath: " << input << " is not a valid resource\n";
      return kExitDataProblem;
    }
  }
  const model::Element* root = doc != nullptr ? doc->root() : nullptr;

  fhirpath::CompileOptions options;
  options.model = *model;
  if (root != nullptr) options.context_type = root->type()->name;
  options.strict = strict;

  if (!expressions_file.empty()) {
    StatusOr<std::vector<std::string>> list = ReadExpressionList(expressions_file);
    if (!list.ok()) return Fail(err, "fhirpath", list.status());
    for (const std::string& line : *list) {
      out << JsonLine(EvaluateOne(line, options, root, context)) << "\n";
    }
    return kExitOk;
  }

  Evaluated e = EvaluateOne(expression, options, root, context);
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
