// silta queue: what operators do with the record queue of `silta serve` (src/serve, docs/serve.md
// "Operating the queue"): list the records that failed, are parked or were quarantined, show one,
// requeue one after a fix, discard one with an audit line. Works on the queue the service is
// configured with (SQLite file or postgresql:// URI), also while instances run on it.
#include <pwd.h>
#include <unistd.h>

#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "serve/serve.h"

namespace silta::cli {
namespace {

// The operator in audit lines: the login of the user running the command.
std::string Actor() {
  if (const passwd* user = getpwuid(geteuid()); user != nullptr && user->pw_name != nullptr) {
    return std::string("cli:") + user->pw_name;
  }
  return "cli:uid-" + std::to_string(geteuid());
}

}  // namespace

int RunQueueCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Operate the record queue of silta serve: list the records that failed, are parked or\n"
      "quarantined (no personal data), show one, requeue it after a fix, or discard it (with an\n"
      "audit line). The queue is the one --config names (queueFile, quarantineDir), or --queue.",
      "silta queue"};
  app.require_subcommand(1);
  app.fallthrough();  // --config and --queue after the subcommand too
  std::string config_file, queue_location, quarantine_dir, reason, quarantined_name;
  bool as_json = false;
  int64_t id = 0;
  app.add_option("--config", config_file, "the serve configuration file")->expected(1);
  app.add_option("--queue", queue_location,
                 "the queue: a SQLite file or a postgresql:// URI (the password from PGPASSFILE "
                 "or PGPASSWORD); overrides --config");
  app.add_option("--quarantine", quarantine_dir,
                 "the quarantine folder (quarantineDir); overrides --config");
  CLI::App* list = app.add_subcommand("list", "records that failed, are parked or quarantined");
  list->add_flag("--json", as_json, "JSON instead of text");
  CLI::App* show = app.add_subcommand("show", "one queued record's state and OperationOutcome");
  show->add_option("id", id, "the record's id (queued-<id>)")->required();
  CLI::App* requeue = app.add_subcommand(
      "requeue", "make a parked record claimable again, or queue a quarantined one again");
  CLI::Option* requeue_id = requeue->add_option("id", id, "the record's id");
  CLI::Option* requeue_quarantined =
      requeue->add_option("--quarantined", quarantined_name,
                          "the name of a quarantined record as listed (after correcting its "
                          "<name>.record.json or .xml in the quarantine folder)");
  requeue_id->excludes(requeue_quarantined);
  requeue->add_option("--reason", reason, "why, for the audit line");
  CLI::App* discard = app.add_subcommand("discard", "remove a record without pushing it");
  discard->add_option("id", id, "the record's id")->required();
  discard->add_option("--reason", reason, "why, for the audit line")->required();
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  auto config = serve::LoadConfig(config_file, serve::ProcessEnvironment());
  if (!config.ok()) return Fail(err, "queue", config.status());
  if (!queue_location.empty()) config->queue_file = queue_location;
  if (!quarantine_dir.empty()) config->quarantine_dir = quarantine_dir;
  if (requeue->parsed() && requeue_id->count() == 0 && requeue_quarantined->count() == 0) {
    return Fail(err, "queue", "requeue needs a record id or --quarantined NAME");
  }
  auto queue = serve::RecordQueue::Open(config->queue_file.string());
  if (!queue.ok()) return Fail(err, "queue", queue.status());

  if (list->parsed()) {
    auto counts = (*queue)->Counts();
    if (!counts.ok()) return Fail(err, "queue", counts.status());
    auto problems = (*queue)->Problems(10000);
    if (!problems.ok()) return Fail(err, "queue", problems.status());
    auto quarantined = serve::ListQuarantine(config->quarantine_dir);
    if (!quarantined.ok()) return Fail(err, "queue", quarantined.status());
    out << (as_json
                ? serve::QueueListingJson(*counts, *problems, *quarantined).ToString(true) + "\n"
                : serve::QueueListingText(*counts, *problems, *quarantined));
    return kExitOk;
  }
  serve::QueueAction action{Actor(), reason};
  if (requeue->parsed() && requeue_quarantined->count() > 0) {
    auto requeued = serve::RequeueQuarantined(**queue, config->quarantine_dir, quarantined_name);
    if (!requeued.ok()) return Fail(err, "queue", requeued.status());
    if (!requeued->id) {
      PrintErrors(requeued->issues, err);
      return Fail(err, "queue",
                  quarantined_name + " is still not a valid client record; it stays in quarantine",
                  kExitDataProblem);
    }
    err << "silta queue: "
        << serve::AuditLine("requeue " + quarantined_name + " from quarantine as", *requeued->id,
                            requeued->client_key, action)
        << "\n";
    return kExitOk;
  }
  auto found = (*queue)->Find(id);
  if (!found.ok()) return Fail(err, "queue", found.status());
  if (!*found) return Fail(err, "queue", "no queued record " + std::to_string(id));
  if (show->parsed()) {
    out << serve::QueueProblemJson(**found, true).ToString(true) << "\n";
    return kExitOk;
  }
  const bool discarding = discard->parsed();
  auto result = discarding ? (*queue)->Discard(id, action) : (*queue)->Requeue(id, action);
  if (!result.ok()) return Fail(err, "queue", result.status());
  if (*result == serve::OperatorResult::kNotFound) {
    return Fail(err, "queue", "no queued record " + std::to_string(id));
  }
  if (*result == serve::OperatorResult::kBeingPushed) {
    return Fail(err, "queue",
                "queued-" + std::to_string(id) +
                    " is being pushed now; try again once its attempt is over");
  }
  // The audit line goes to standard error like the service's log lines; the queue's audit
  // table keeps it too.
  err << "silta queue: "
      << serve::AuditLine(discarding ? "discard" : "requeue", id, (*found)->client_key, action)
      << "\n";
  return kExitOk;
}

}  // namespace silta::cli
