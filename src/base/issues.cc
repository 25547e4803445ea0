#include "base/issues.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace silta {

std::string_view SeverityCode(Severity s) {
  switch (s) {
    case Severity::kInformation:
      return "information";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kFatal:
      return "fatal";
  }
  return "error";
}

std::string_view IssueTypeCode(IssueType t) {
  switch (t) {
    case IssueType::kInvalid:
      return "invalid";
    case IssueType::kStructure:
      return "structure";
    case IssueType::kRequired:
      return "required";
    case IssueType::kValue:
      return "value";
    case IssueType::kInvariant:
      return "invariant";
    case IssueType::kCodeInvalid:
      return "code-invalid";
    case IssueType::kNotSupported:
      return "not-supported";
    case IssueType::kDuplicate:
      return "duplicate";
    case IssueType::kNotFound:
      return "not-found";
    case IssueType::kTooLong:
      return "too-long";
    case IssueType::kBusinessRule:
      return "business-rule";
    case IssueType::kTooCostly:
      return "too-costly";
    case IssueType::kInformational:
      return "informational";
    case IssueType::kProcessing:
      return "processing";
    case IssueType::kSecurity:
      return "security";
    case IssueType::kException:
      return "exception";
  }
  return "invalid";
}

void IssueCollector::Report(Issue issue) {
  std::lock_guard<std::mutex> lock(mu_);
  issues_.push_back(std::move(issue));
}

std::vector<Issue> IssueCollector::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Issue> out;
  out.swap(issues_);
  return out;
}

size_t IssueCollector::Count(Severity at_least) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Issue& i : issues_) n += i.severity >= at_least ? 1 : 0;
  return n;
}

namespace {

template <typename Writer>
void WriteString(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

template <typename Writer>
void WriteExtension(Writer& w, std::string_view url, std::string_view value_key,
                    std::string_view string_value, int64_t int_value) {
  w.StartObject();
  w.Key("url");
  WriteString(w, url);
  w.Key(value_key.data(), static_cast<rapidjson::SizeType>(value_key.size()));
  if (value_key == "valueInteger") {
    w.Int64(int_value);
  } else {
    WriteString(w, string_value);
  }
  w.EndObject();
}

constexpr std::string_view kExtensionBase = "http://hl7.org/fhir/StructureDefinition/";

template <typename Writer>
void WriteIssue(Writer& w, const Issue& i, const OutcomeOptions& options) {
  w.StartObject();
  bool line_col = options.line_column_extensions && i.location.known();
  if (!i.message_id.empty() || line_col) {
    w.Key("extension");
    w.StartArray();
    if (line_col) {
      WriteExtension(w, std::string(kExtensionBase) + "operationoutcome-issue-line", "valueInteger",
                     {}, i.location.line);
      WriteExtension(w, std::string(kExtensionBase) + "operationoutcome-issue-col", "valueInteger",
                     {}, i.location.column);
    }
    if (!i.message_id.empty()) {
      WriteExtension(w, std::string(kExtensionBase) + "operationoutcome-message-id", "valueString",
                     i.message_id, 0);
    }
    w.EndArray();
  }
  w.Key("severity");
  WriteString(w, SeverityCode(i.severity));
  w.Key("code");
  WriteString(w, IssueTypeCode(i.type));
  w.Key("details");
  w.StartObject();
  w.Key("text");
  WriteString(w, i.message);
  w.EndObject();
  std::string loc = options.source_in_location ? i.source : std::string();
  if (i.location.known()) {
    if (!loc.empty()) loc += " ";
    loc += "line " + std::to_string(i.location.line) + ", col " + std::to_string(i.location.column);
  }
  if (!loc.empty()) {
    w.Key("location");
    w.StartArray();
    WriteString(w, loc);
    w.EndArray();
  }
  if (!i.expression.empty()) {
    w.Key("expression");
    w.StartArray();
    WriteString(w, i.expression);
    w.EndArray();
  }
  w.EndObject();
}

template <typename Writer>
void WriteOutcome(Writer& w, const std::vector<Issue>& issues, const OutcomeOptions& options) {
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  if (!options.file.empty()) {
    w.Key("extension");
    w.StartArray();
    WriteExtension(w, std::string(kExtensionBase) + "operationoutcome-file", "valueString",
                   options.file, 0);
    w.EndArray();
  }
  w.Key("issue");
  w.StartArray();
  if (issues.empty()) {
    w.StartObject();
    w.Key("severity");
    w.String("information");
    w.Key("code");
    w.String("informational");
    w.Key("diagnostics");
    w.String("All OK");
    w.EndObject();
  }
  for (const Issue& i : issues) WriteIssue(w, i, options);
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string ToOperationOutcomeJson(const std::vector<Issue>& issues, bool pretty) {
  OutcomeOptions options;
  options.pretty = pretty;
  return ToOperationOutcomeJson(issues, options);
}

std::string ToOperationOutcomeJson(const std::vector<Issue>& issues,
                                   const OutcomeOptions& options) {
  rapidjson::StringBuffer buffer;
  if (options.pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    WriteOutcome(w, issues, options);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    WriteOutcome(w, issues, options);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string FormatIssue(const Issue& issue) {
  std::string out;
  if (!issue.source.empty()) out += issue.source + ":";
  if (issue.location.known()) {
    out += std::to_string(issue.location.line) + ":" + std::to_string(issue.location.column) + ":";
  }
  if (!out.empty()) out += " ";
  out += SeverityCode(issue.severity);
  out += ": ";
  out += issue.message;
  if (!issue.expression.empty()) out += " [" + issue.expression + "]";
  return out;
}

}  // namespace silta
