// The "data is wrong" channel: problems found in input data are reported to an IssueSink and
// end up in a FHIR OperationOutcome. They never travel as Status.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace silta {

enum class Severity : uint8_t { kInformation, kWarning, kError, kFatal };

// The subset of http://hl7.org/fhir/issue-type that Silta reports.
enum class IssueType : uint8_t {
  kInvalid,
  kStructure,
  kRequired,
  kValue,
  kInvariant,
  kCodeInvalid,
  kNotSupported,
  kDuplicate,
  kNotFound,
  kTooLong,
  kBusinessRule,
  kTooCostly,
  kInformational,
  kProcessing,
  kSecurity,
  kException,
};

std::string_view SeverityCode(Severity s);    // "error", "warning"...
std::string_view IssueTypeCode(IssueType t);  // "structure", "code-invalid"...

// 1-based line and column; 0 means unknown.
struct SourceLocation {
  uint32_t line = 0;
  uint32_t column = 0;
  bool known() const { return line != 0; }
};

struct Issue {
  Severity severity = Severity::kError;
  IssueType type = IssueType::kInvalid;
  std::string message_id;  // stable id for tools, e.g. "JSON_UNKNOWN_ELEMENT"
  std::string message;     // clear English, never personal data
  std::string expression;  // FHIRPath location, e.g. "Patient.identifier[0].value"
  SourceLocation location;
  std::string source;  // the file (or stream) the issue is about, when known
  // The canonical URL of the profile whose rule this is; empty for the resource type's own
  // definition and for issues that no profile states (syntax, Bundle rules).
  std::string profile;
};

class IssueSink {
 public:
  virtual ~IssueSink() = default;
  virtual void Report(Issue issue) = 0;
};

// Collects issues in order; thread-safe so parallel workers can share one.
class IssueCollector : public IssueSink {
 public:
  void Report(Issue issue) override;
  std::vector<Issue> Take();
  const std::vector<Issue>& issues() const { return issues_; }
  size_t Count(Severity at_least) const;
  bool HasErrors() const { return Count(Severity::kError) > 0; }

 private:
  mutable std::mutex mu_;
  std::vector<Issue> issues_;
};

// Renders issues as a FHIR R4 OperationOutcome (JSON). An empty list yields the conventional
// single "information / All OK" issue so the resource stays valid.
std::string ToOperationOutcomeJson(const std::vector<Issue>& issues, bool pretty = true);

struct OutcomeOptions {
  bool pretty = true;
  // Off for an outcome about one file: the file is named once (see `file`), not on every issue.
  bool source_in_location = true;
  // The issue-line/issue-col extensions the HL7 validator writes, for tools that read those.
  bool line_column_extensions = false;
  // When set, the outcome carries the operationoutcome-file extension naming the input, as the
  // HL7 validator does in its Bundle of outcomes for several inputs.
  std::string file;
};
std::string ToOperationOutcomeJson(const std::vector<Issue>& issues, const OutcomeOptions& options);

// "file:12:5: error: message [Patient.name[0]]" for terminals and logs.
std::string FormatIssue(const Issue& issue);

}  // namespace silta
