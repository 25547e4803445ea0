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
void WriteOutcome(Writer& w, const std::vector<Issue>& issues) {
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
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
  for (const Issue& i : issues) {
    w.StartObject();
    if (!i.message_id.empty()) {
      w.Key("extension");
      w.StartArray();
      w.StartObject();
      w.Key("url");
      w.String("http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id");
      w.Key("valueString");
      w.String(i.message_id.c_str(), static_cast<rapidjson::SizeType>(i.message_id.size()));
      w.EndObject();
      w.EndArray();
    }
    std::string_view sev = SeverityCode(i.severity);
    std::string_view code = IssueTypeCode(i.type);
    w.Key("severity");
    w.String(sev.data(), static_cast<rapidjson::SizeType>(sev.size()));
    w.Key("code");
    w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
    w.Key("details");
    w.StartObject();
    w.Key("text");
    w.String(i.message.c_str(), static_cast<rapidjson::SizeType>(i.message.size()));
    w.EndObject();
    if (!i.source.empty() || i.location.known()) {
      w.Key("location");
      w.StartArray();
      std::string loc = i.source;
      if (i.location.known()) {
        if (!loc.empty()) loc += " ";
        loc += "line " + std::to_string(i.location.line) + ", col " +
               std::to_string(i.location.column);
      }
      w.String(loc.c_str(), static_cast<rapidjson::SizeType>(loc.size()));
      w.EndArray();
    }
    if (!i.expression.empty()) {
      w.Key("expression");
      w.StartArray();
      w.String(i.expression.c_str(), static_cast<rapidjson::SizeType>(i.expression.size()));
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string ToOperationOutcomeJson(const std::vector<Issue>& issues, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    WriteOutcome(w, issues);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    WriteOutcome(w, issues);
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
