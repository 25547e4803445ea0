// Batch results gathered per input, and the reports made from them: FHIR OperationOutcomes
// (one, or a Bundle of them for several inputs, as the HL7 validator writes for -output), a
// text summary for terminals and logs, and a self-contained HTML page.
//
// Reports hold only what the issues say (messages come from the parsers and the validator,
// which never include personal data) plus file names and counts; never resource contents.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "base/text.h"
#include "batch/inputs.h"
#include "batch/runner.h"

namespace silta::batch {

// Issue counts indexed by Severity.
using SeverityCounts = std::array<uint64_t, 4>;

struct InputSummary {
  std::string name;
  InputFormat format = InputFormat::kJson;
  uint64_t resources = 0;
  uint64_t bytes = 0;
  SeverityCounts counts{};    // all issues, including any not kept
  std::vector<Issue> issues;  // in input order, up to the report's limit
  uint64_t issues_omitted = 0;
  bool io_error = false;

  bool has_errors() const;
};

struct ReportInfo {
  std::vector<std::string> profiles;  // what the run validated against, for the report header
  std::string tool_version;
  double seconds = 0;
  unsigned threads = 0;
};

class BatchReport {
 public:
  // Keeps at most `max_issues_per_input` issues of each input (0: all); counts stay exact.
  explicit BatchReport(size_t max_issues_per_input = 0);

  // Adds a runner result; meant to be the runner's ResultFn.
  void Add(const InputFile& input, UnitResult&& result);

  const std::vector<InputSummary>& inputs() const { return inputs_; }
  SeverityCounts Totals() const;
  uint64_t resources() const;
  bool has_errors() const;     // an error or fatal issue anywhere
  bool has_io_errors() const;  // an input could not be read

  ReportInfo& info() { return info_; }
  const ReportInfo& info() const { return info_; }

 private:
  size_t max_issues_;
  std::vector<InputSummary> inputs_;
  size_t last_index_ = SIZE_MAX;
  ReportInfo info_;
};

// The process exit code: 0 no errors, 1 errors found, 2 an input could not be read.
inline constexpr int kExitOk = 0;
inline constexpr int kExitErrors = 1;
inline constexpr int kExitUsageOrIo = 2;
int ExitCodeFor(const BatchReport& report);

// One input: its OperationOutcome. Several: a Bundle (type collection) of OperationOutcomes,
// each naming its file in the operationoutcome-file extension.
std::string RenderOperationOutcomes(const BatchReport& report, bool pretty = true);

// Per-file counts, then each issue as "file:line:col: severity: message [expression]", then
// totals.
std::string RenderTextReport(const BatchReport& report);

struct HtmlOptions {
  std::string title = "Silta validation report";
  size_t max_issue_rows = 20000;  // the page stays usable; the counts stay complete
};
std::string RenderHtmlReport(const BatchReport& report, const HtmlOptions& options = {});

// The reports' escaping, shared with FHIRPath's escape('html').
using silta::HtmlEscape;

// Writes a rendered report atomically (a reader never sees half a file).
Status WriteReport(const std::filesystem::path& path, std::string_view content);

}  // namespace silta::batch
