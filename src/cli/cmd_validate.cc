// silta validate: FHIR resources (JSON, XML, NDJSON, Bundles) against R4 and profiles, in
// parallel, with OperationOutcome, text and HTML reports.
#include <unistd.h>

#include <chrono>

#include "base/lifetime.h"
#include "batch/batch.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "context/definitions.h"
#include "terminology/terminology.h"

namespace silta::cli {

int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Validate FHIR R4 resources (JSON, XML, NDJSON, Bundles) against the R4 definitions,\n"
      "their meta.profile and the --profile given, offline unless --tx names a terminology\n"
      "server for the codes the packages cannot check.\n\n"
      "  silta validate export/**/*.ndjson --html report.html\n"
      "  silta validate patient.json --ig hl7.fhir.fi.base#2.0.0-rc2 \\\n"
      "      --profile "
      "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-patient\n\n"
      "Exit codes: 0 no errors, 1 errors found, 2 usage or I/O problems.",
      "silta validate"};
  std::vector<std::string> inputs;
  std::vector<std::string> igs;
  std::vector<std::string> profiles;
  std::string output;
  std::string html;
  bool text = false;
  bool allow_unknown = false;
  std::string tx;
  std::string tx_cache;
  double tx_timeout = 10;
  unsigned threads = 0;
  uint64_t max_file_mb = 128;
  uint64_t max_line_mb = 64;
  size_t max_issues = 100000;
  app.add_option("inputs", inputs, "files, folders or glob patterns (quote globs)")->required();
  app.add_option("--ig", igs,
                 "definitions to load (repeatable): an installed name#version, a package folder "
                 "or .tgz, a conformance resource file (JSON/XML, or a Bundle of them) or a "
                 "folder of such files");
  app.add_option("--profile", profiles, "canonical URL of a profile every input must meet");
  app.add_option("--output", output,
                 "write an OperationOutcome (a Bundle of them for several inputs)");
  app.add_option("--html", html, "write a self-contained HTML report");
  app.add_flag("--text", text, "print the text report (the default without --output/--html)");
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_option("--max-file-size", max_file_mb, "largest JSON/XML file to parse, MB")
      ->capture_default_str();
  app.add_option("--max-line-size", max_line_mb, "longest NDJSON line, MB")->capture_default_str();
  app.add_option("--max-issues-per-file", max_issues, "issues kept per file (0: all)")
      ->capture_default_str();
  app.add_flag("--allow-unknown-elements", allow_unknown,
               "report elements FHIR does not define as warnings instead of errors");
  app.add_option("--tx", tx,
                 "FHIR R4 terminology server base URL, asked ($validate-code, $expand) only about "
                 "codes the packages cannot check (SNOMED CT, LOINC, THL...); off by default");
  app.add_option("--tx-cache", tx_cache,
                 "folder of the server's cached answers (default $SILTA_TX_CACHE, else "
                 "~/.cache/silta/tx); a rerun asks the server nothing it answered before");
  app.add_option("--tx-timeout", tx_timeout, "seconds to wait for the terminology server")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  auto files = batch::DiscoverInputs(inputs);
  if (!files.ok()) return Fail(err, "validate", files.status());
  auto model = context::CoreTypeModel();
  if (!model.ok()) return Fail(err, "validate", model.status());
  validation::ValidatorOptions validator_options;
  if (!tx.empty()) {
    terminology::TxClientOptions tx_options;
    tx_options.base_url = tx;
    tx_options.cache_dir = tx_cache;
    tx_options.timeout = std::chrono::milliseconds(static_cast<int64_t>(tx_timeout * 1000));
    auto client = terminology::MakeTxClient(std::move(tx_options));
    if (!client.ok()) return Fail(err, "validate", client.status());
    validator_options.terminology_server = std::move(*client);
  } else if (!tx_cache.empty()) {
    err << "silta validate: --tx-cache needs --tx\n";
    return kExitUsage;
  }
  IssueCollector context_warnings;
  auto loaded = context::LoadValidator(igs, &context_warnings, std::move(validator_options));
  // Information about the definitions (a dependency served by a compatible version) is not
  // worth a line on every run; warnings are.
  for (const Issue& issue : context_warnings.issues()) {
    if (issue.severity >= Severity::kWarning) err << FormatIssue(issue) << "\n";
  }
  if (!loaded.ok()) return Fail(err, "validate", loaded.status());
  KeepUntilProcessExit(loaded->validator);
  KeepUntilProcessExit(loaded->context);
  const validation::Validator& validator = *loaded->validator;
  for (const std::string& profile : profiles) {
    if (Status s = validator.CheckProfile(profile); !s.ok()) {
      return Fail(err, "validate", s);
    }
  }
  // One immutable validator serves every worker thread.
  batch::ValidateFn validate = [&](const model::Document& doc, IssueSink& sink) {
    validator.Validate(doc, profiles, sink);
  };

  batch::RunOptions options;
  options.threads = threads;
  options.max_file_bytes = max_file_mb << 20;
  options.lines.max_line_bytes = static_cast<size_t>(max_line_mb << 20);
  options.allow_unknown_elements = allow_unknown;
  batch::BatchRunner runner(*model, validate, options);

  uint64_t total_bytes = 0;
  for (const auto& f : *files) total_bytes += f.size_bytes;
  std::optional<batch::Progress> progress;
  if (batch::ShouldShowProgress(STDERR_FILENO)) progress.emplace(err, total_bytes, files->size());

  batch::BatchReport report(max_issues);
  batch::RunStats stats = runner.Run(
      *files,
      [&](const batch::InputFile& in, batch::UnitResult&& r) { report.Add(in, std::move(r)); },
      progress ? &*progress : nullptr);
  report.info().profiles = profiles;
  report.info().tool_version = SILTA_VERSION;
  report.info().seconds = stats.seconds;
  report.info().threads = stats.threads;

  int code = batch::ExitCodeFor(report);
  auto write = [&](const std::string& path, const std::string& content) {
    if (path.empty()) return;
    if (Status s = batch::WriteReport(path, content); !s.ok()) {
      err << "silta validate: " << s.message() << "\n";
      code = kExitUsage;
    }
  };
  if (!output.empty()) write(output, batch::RenderOperationOutcomes(report));
  if (!html.empty()) write(html, batch::RenderHtmlReport(report));
  std::string summary = batch::RenderTextReport(report);
  if (text || (output.empty() && html.empty())) {
    out << summary;
  } else {
    out << summary.substr(summary.rfind('\n', summary.size() - 2) + 1);  // the totals line
  }
  return code;
}

}  // namespace silta::cli
