// silta sync push | pull: client records to and from FHIR servers, routed by the policy.
#include <unistd.h>
#include <cstdlib>
#include <filesystem>

#include <cstdio>
#include <iostream>

#include "base/files.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/record_inputs.h"
#include "context/context.h"
#include "context/resource_check.h"
#include "context/targets.h"
#include "mapping/mapping.h"
#include "records/records.h"
#include "sync/sync.h"

namespace silta::cli {
namespace {

namespace fs = std::filesystem;

using CommonOptions = context::SyncSetupOptions;

void AddCommonOptions(CLI::App& app, CommonOptions& o) {
  app.add_option("--policy", o.policy_file,
                 "routing policy: targets, their levels and adapter configs")
      ->required();
  app.add_option("--journal", o.journal_file,
                 "the sync journal: a SQLite file or a postgresql:// URI (password from PGPASSFILE "
                 "or PGPASSWORD)")
      ->capture_default_str();
  app.add_option("--mappings", o.mappings_dir, "folder of mapping modules (env SILTA_MAPPINGS)");
  app.add_flag("--verbose", o.verbose, "log HTTP requests (query values masked) to stderr");
}

int RunPush(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Push client records to the FHIR servers of the routing policy: map, validate, route,\n"
      "send what changed since the journal's last confirmed state, record the outcome.\n"
      "Rejected records go to the quarantine folder with their OperationOutcome; the run goes on.",
      "silta sync push"};
  CommonOptions common;
  std::vector<std::string> inputs;
  std::string quarantine = "quarantine";
  bool dry_run = false;
  AddCommonOptions(app, common);
  app.add_option("records", inputs, "record files or folders")->required();
  app.add_option("--quarantine", quarantine, "folder for rejected records")->capture_default_str();
  app.add_flag("--dry-run", dry_run, "show what would be sent; send and journal nothing");
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  auto setup = context::SetUpSync(common, {}, !dry_run);
  if (!setup.ok()) return Fail(err, "sync", setup.status());
  auto checker = context::ResourceChecker::Create();
  if (!checker.ok()) return Fail(err, "sync", checker.status());
  auto paths = ExpandInputs(inputs, {".json", ".xml", ".ndjson", ".jsonl"});
  if (!paths.ok()) return Fail(err, "sync", paths.status());
  sync::SyncOptions options;
  options.dry_run = dry_run;
  options.quarantine_dir = quarantine;
  std::map<std::string, fhirclient::FhirClient*> clients = setup->clients;
  if (dry_run) {
    // A dry run never talks to a server; the journal alone says what would change.
    for (const auto& t : setup->policy.targets()) clients[t.name] = nullptr;
  }
  sync::SyncEngine engine(*setup->mapper, setup->policy, clients, *setup->journal,
                          context::PushResourceCheck(std::move(*checker)), options);
  sync::SyncSummary summary;
  bool tty = isatty(fileno(stderr)) && std::getenv("CI") == nullptr;
  Status stopped;
  for (const fs::path& path : *paths) {
    if (!stopped.ok()) break;
    auto text = ReadFile(path);
    if (!text.ok()) return Fail(err, "sync", text.status());
    IssueCollector issues;
    for (auto& input : ReadRecords(path, *text, issues)) {
      if (!input.record) {
        ++summary.records;
        ++summary.rejected;
        summary.messages.push_back(input.name + ": rejected by the contract check");
        continue;
      }
      stopped = engine.Push(mapping::RecordJson(*input.record), input.name, summary);
      if (tty) err << "\rsilta sync push: " << summary.records << " record(s)" << std::flush;
      if (!stopped.ok()) break;
    }
    PrintIssues(issues.issues(), err);
  }
  if (tty) err << "\n";
  for (const auto& m : summary.messages) err << "silta sync: " << m << "\n";
  out << (dry_run ? "Dry run: nothing was sent.\n" : "") << "records: " << summary.records
      << ", rejected: " << summary.rejected << "\n";
  for (const auto& [name, c] : summary.targets) {
    out << "  " << name << ": " << (dry_run ? "would send " : "sent ") << c.sent << ", unchanged "
        << c.unchanged << ", conflicts " << c.conflicts << ", errors " << c.errors
        << ", custodian Provenances " << c.provenances << "\n";
    // What the target governs, as routed: each AKUSTI item with the number of resources that
    // carry it (a Patient carries several).
    out << "    " << c.resources << " resource(s); AKUSTI items:";
    if (c.items.empty()) out << " none";
    for (const auto& [item, resources] : c.items) out << " " << item << " (" << resources << ")";
    out << "\n";
  }
  if (!stopped.ok()) {
    // What the servers confirmed and the journal missed goes again, as conditional updates,
    // with the next run: the servers are consistent, only the journal is behind.
    err << "silta sync: " << stopped.message()
        << "; the records after this one were not pushed, the next run resends what the journal "
           "lacks\n";
    return kExitUsage;
  }
  if (summary.total(&sync::TargetCounts::errors) > 0) return kExitUsage;
  if (summary.rejected > 0 || summary.total(&sync::TargetCounts::conflicts) > 0) {
    return kExitDataProblem;
  }
  return kExitOk;
}

int RunPull(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Pull the changes a target has since the last pull (with an overlap window) and write\n"
      "the affected clients' records.",
      "silta sync pull"};
  CommonOptions common;
  std::string target;
  std::string out_dir = "out/pulled";
  std::string format_name = "json";
  AddCommonOptions(app, common);
  app.add_option("--target", target, "the target to read from")->required();
  app.add_option("--out", out_dir, "folder for the records")->capture_default_str();
  app.add_option("--format", format_name, "record format")
      ->check(CLI::IsMember({"json", "xml"}))
      ->capture_default_str();
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;
  auto setup = context::SetUpSync(common, {target}, true);
  if (!setup.ok()) return Fail(err, "sync", setup.status());
  if (setup->clients.empty()) {
    err << "silta sync: the policy has no target \"" << target << "\"\n";
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  records::Format format = format_name == "xml" ? records::Format::kXml : records::Format::kJson;
  sync::SyncEngine engine(*setup->mapper, setup->policy, setup->clients, *setup->journal, nullptr);
  int invalid = 0;
  auto summary = engine.Pull(target, [&](const json::Value& json) -> Status {
    IssueCollector issues;
    auto record = records::ReadJson(json.ToString(), issues, {.source_name = target});
    if (!record) {
      ++invalid;
      PrintIssues(issues.issues(), err);
      return InvalidArgumentError("a pulled record breaks the contract; not written");
    }
    std::string name = record->client_id + (format == records::Format::kXml ? ".xml" : ".json");
    for (char& c : name) {
      if (c == '/' || c == '\\') c = '_';
    }
    return WriteFileAtomically(fs::path(out_dir) / name, records::Write(*record, format));
  });
  if (!summary.ok()) return Fail(err, "sync", summary.status());
  for (const auto& m : summary->messages) err << "silta sync: " << m << "\n";
  out << "changes seen: " << summary->changes_seen << ", already known: " << summary->already_known
      << ", records written: " << summary->records_written << ", errors: " << summary->errors
      << "\n";
  return summary->errors > 0 ? kExitDataProblem : kExitOk;
}

}  // namespace

int RunSyncCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "push") return RunPush({args.begin() + 1, args.end()}, out, err);
  if (!args.empty() && args[0] == "pull") return RunPull({args.begin() + 1, args.end()}, out, err);
  bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  if (!help && !args.empty()) err << "silta sync: unknown subcommand '" << args[0] << "'\n";
  (help ? out : err) << "Usage: silta sync push RECORD... --policy FILE [--journal FILE] "
                        "[--dry-run] [--quarantine DIR]\n"
                        "       silta sync pull --policy FILE --target NAME [--out DIR]\n"
                        "Run 'silta sync push --help' for details.\n";
  return help ? kExitOk : kExitUsage;
}

}  // namespace silta::cli
