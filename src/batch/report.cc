#include "batch/report.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

#include "base/files.h"

namespace silta::batch {

bool InputSummary::has_errors() const {
  return io_error || counts[static_cast<size_t>(Severity::kError)] > 0 ||
         counts[static_cast<size_t>(Severity::kFatal)] > 0;
}

BatchReport::BatchReport(size_t max_issues_per_input) : max_issues_(max_issues_per_input) {}

void BatchReport::Add(const InputFile& input, UnitResult&& result) {
  if (inputs_.empty() || last_index_ != result.input_index) {
    last_index_ = result.input_index;
    InputSummary summary;
    summary.name = input.name;
    summary.format = input.format;
    inputs_.push_back(std::move(summary));
  }
  InputSummary& summary = inputs_.back();
  summary.resources += result.resources;
  summary.bytes += result.bytes;
  summary.io_error = summary.io_error || result.io_error;
  for (Issue& issue : result.issues) {
    ++summary.counts[static_cast<size_t>(issue.severity)];
    if (max_issues_ > 0 && summary.issues.size() >= max_issues_) {
      ++summary.issues_omitted;
      continue;
    }
    summary.issues.push_back(std::move(issue));
  }
}

SeverityCounts BatchReport::Totals() const {
  SeverityCounts totals{};
  for (const InputSummary& input : inputs_) {
    for (size_t s = 0; s < totals.size(); ++s) totals[s] += input.counts[s];
  }
  return totals;
}

uint64_t BatchReport::resources() const {
  uint64_t n = 0;
  for (const InputSummary& input : inputs_) n += input.resources;
  return n;
}

bool BatchReport::has_errors() const {
  for (const InputSummary& input : inputs_) {
    if (input.has_errors()) return true;
  }
  return false;
}

bool BatchReport::has_io_errors() const {
  for (const InputSummary& input : inputs_) {
    if (input.io_error) return true;
  }
  return false;
}

int ExitCodeFor(const BatchReport& report) {
  if (report.has_io_errors()) return kExitUsageOrIo;
  return report.has_errors() ? kExitErrors : kExitOk;
}

namespace {

std::vector<Issue> OutcomeIssues(const InputSummary& input) {
  std::vector<Issue> issues = input.issues;
  if (input.issues_omitted > 0) {
    Issue note;
    note.severity = Severity::kInformation;
    note.type = IssueType::kTooCostly;
    note.message_id = "BATCH_ISSUES_OMITTED";
    note.message = std::to_string(input.issues_omitted) +
                   " further issues are not listed (limit per file reached); the counts include "
                   "them";
    issues.push_back(std::move(note));
  }
  return issues;
}

OutcomeOptions OutcomeOptionsFor(const InputSummary& input, bool pretty) {
  OutcomeOptions options;
  options.pretty = pretty;
  options.source_in_location = false;
  options.line_column_extensions = true;
  options.file = input.name;
  return options;
}

}  // namespace

std::string RenderOperationOutcomes(const BatchReport& report, bool pretty) {
  const std::vector<InputSummary>& inputs = report.inputs();
  if (inputs.size() == 1) {
    return ToOperationOutcomeJson(OutcomeIssues(inputs[0]), OutcomeOptionsFor(inputs[0], pretty));
  }
  // The Bundle is assembled from the outcomes base renders, so there is one outcome writer.
  rapidjson::Document bundle(rapidjson::kObjectType);
  auto& alloc = bundle.GetAllocator();
  bundle.AddMember("resourceType", "Bundle", alloc);
  bundle.AddMember("type", "collection", alloc);
  rapidjson::Value entries(rapidjson::kArrayType);
  for (const InputSummary& input : inputs) {
    std::string json =
        ToOperationOutcomeJson(OutcomeIssues(input), OutcomeOptionsFor(input, false));
    rapidjson::Document outcome(&alloc);  // the Bundle's allocator: moved in without a copy
    outcome.Parse(json.data(), json.size());
    rapidjson::Value entry(rapidjson::kObjectType);
    entry.AddMember("resource", static_cast<rapidjson::Value&>(outcome).Move(), alloc);
    entries.PushBack(entry, alloc);
  }
  bundle.AddMember("entry", entries, alloc);
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    bundle.Accept(w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    bundle.Accept(w);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

std::string CountsText(const SeverityCounts& c) {
  std::string out;
  auto add = [&](uint64_t n, const char* what) {
    if (!out.empty()) out += ", ";
    out += std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  add(c[static_cast<size_t>(Severity::kFatal)] + c[static_cast<size_t>(Severity::kError)], "error");
  add(c[static_cast<size_t>(Severity::kWarning)], "warning");
  add(c[static_cast<size_t>(Severity::kInformation)], "note");
  return out;
}

}  // namespace

std::string RenderTextReport(const BatchReport& report) {
  std::string out;
  for (const InputSummary& input : report.inputs()) {
    out += input.name + ": " + std::to_string(input.resources) +
           (input.resources == 1 ? " resource, " : " resources, ") + CountsText(input.counts) +
           (input.io_error ? " (could not be read)" : "") + "\n";
  }
  bool any_issue = false;
  for (const InputSummary& input : report.inputs()) {
    for (const Issue& issue : input.issues) {
      if (!any_issue) out += "\n";
      any_issue = true;
      out += FormatIssue(issue) + "\n";
    }
    if (input.issues_omitted > 0) {
      out +=
          input.name + ": " + std::to_string(input.issues_omitted) + " further issues not listed\n";
    }
  }
  SeverityCounts totals = report.Totals();
  size_t failed = 0;
  for (const InputSummary& input : report.inputs()) failed += input.has_errors() ? 1 : 0;
  out += "\n" + std::to_string(report.inputs().size()) + " files, " +
         std::to_string(report.resources()) + " resources: " + CountsText(totals) + "; " +
         std::to_string(failed) + (failed == 1 ? " file" : " files") + " with errors\n";
  return out;
}

Status WriteReport(const std::filesystem::path& path, std::string_view content) {
  return WriteFileAtomically(path, content);
}

}  // namespace silta::batch
