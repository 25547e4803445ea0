#include "serve/queue_admin.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "base/digest.h"
#include "base/files.h"
#include "identifiers/identifiers.h"
#include "records/records.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string MaskPersonalData(std::string_view text) {
  // Birth date, century sign (the 2023 additions included), individual number, check character.
  static const std::regex kHetu(R"(\b[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]\b)");
  std::string input(text);
  std::string out;
  auto last = input.cbegin();
  for (std::sregex_iterator it(input.begin(), input.end(), kHetu), end; it != end; ++it) {
    out.append(last, input.cbegin() + it->position());
    out += identifiers::MaskHetu(it->str());
    last = input.cbegin() + it->position() + it->length();
  }
  out.append(last, input.cend());
  return out;
}

StatusOr<std::vector<QuarantinedRecord>> ListQuarantine(const fs::path& dir) {
  std::vector<QuarantinedRecord> out;
  std::error_code ec;
  if (dir.empty() || !fs::exists(dir, ec)) return out;
  constexpr std::string_view kSuffix = ".outcome.json";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (!file.ends_with(kSuffix)) continue;
    QuarantinedRecord record;
    record.name = file.substr(0, file.size() - kSuffix.size());
    SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path()));
    auto outcome = json::Value::Parse(text, file);
    if (outcome.ok() && outcome->Find("issue") != nullptr) {
      for (const json::Value& issue : outcome->Find("issue")->items()) {
        const json::Value* severity = issue.Find("severity");
        if (severity == nullptr || (severity->text() != "error" && severity->text() != "fatal")) {
          continue;
        }
        if (record.errors++ == 0) {
          const json::Value* diagnostics = issue.Find("diagnostics");
          if (diagnostics != nullptr) record.first_problem = MaskPersonalData(diagnostics->text());
        }
      }
    }
    out.push_back(std::move(record));
  }
  if (ec) return IoError("quarantine " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

json::Value QueueProblemJson(const QueueProblem& problem, bool with_outcome) {
  json::Value v = json::Value::Object();
  v["id"] = json::Value::Number(std::to_string(problem.id));
  v["client"] = json::Value::String(MaskClientKey(problem.client_key));
  v["state"] = json::Value::String(problem.parked ? "parked" : "retrying");
  v["attempts"] = json::Value::Number(std::to_string(problem.attempts));
  v["refusals"] = json::Value::Number(std::to_string(problem.refusals));
  v["heldBack"] = json::Value::Number(std::to_string(problem.held_back));
  v["receivedAt"] = json::Value::String(UtcInstant(problem.received_at));
  if (problem.parked) v["parkedAt"] = json::Value::String(UtcInstant(problem.parked_at));
  if (!problem.last_error.empty()) {
    v["lastError"] = json::Value::String(MaskPersonalData(problem.last_error));
  }
  if (with_outcome && !problem.outcome.empty()) {
    if (auto outcome = json::Value::Parse(MaskPersonalData(problem.outcome), "outcome");
        outcome.ok()) {
      v["outcome"] = std::move(*outcome);
    }
  }
  return v;
}

json::Value QueueListingJson(const QueueCounts& counts, const std::vector<QueueProblem>& problems,
                             const std::vector<QuarantinedRecord>& quarantined) {
  json::Value v = json::Value::Object();
  json::Value& queue = v["queue"] = json::Value::Object();
  queue["depth"] = json::Value::Number(std::to_string(counts.depth));
  queue["parked"] = json::Value::Number(std::to_string(counts.parked));
  queue["blockedClients"] = json::Value::Number(std::to_string(counts.blocked_clients));
  json::Value& records = v["records"] = json::Value::Array();
  for (const QueueProblem& p : problems) records.Append(QueueProblemJson(p, false));
  json::Value& files = v["quarantined"] = json::Value::Array();
  for (const QuarantinedRecord& q : quarantined) {
    json::Value item = json::Value::Object();
    item["name"] = json::Value::String(q.name);
    item["errors"] = json::Value::Number(std::to_string(q.errors));
    if (!q.first_problem.empty()) item["firstProblem"] = json::Value::String(q.first_problem);
    files.Append(std::move(item));
  }
  return v;
}

std::string QueueListingText(const QueueCounts& counts, const std::vector<QueueProblem>& problems,
                             const std::vector<QuarantinedRecord>& quarantined) {
  std::ostringstream out;
  out << "queue: " << counts.depth << " record(s), " << counts.parked << " parked, "
      << counts.blocked_clients << " client(s) blocked\n";
  for (const QueueProblem& p : problems) {
    out << "queued-" << p.id << "  " << (p.parked ? "parked  " : "retrying") << "  client "
        << MaskClientKey(p.client_key) << "  refusals " << p.refusals << "  attempts " << p.attempts
        << "  held back " << p.held_back;
    if (!p.last_error.empty()) out << "\n    " << MaskPersonalData(p.last_error);
    out << "\n";
  }
  for (const QuarantinedRecord& q : quarantined) {
    out << q.name << "  quarantined  " << q.errors << " error(s)";
    if (!q.first_problem.empty()) out << "\n    " << q.first_problem;
    out << "\n";
  }
  return out.str();
}

StatusOr<QuarantineRequeue> RequeueQuarantined(RecordQueue& queue, const fs::path& dir,
                                               const std::string& name) {
  // A name, not a path: nothing outside the quarantine folder is read or removed.
  if (name.empty() || name.find('/') != std::string::npos || name.starts_with('.')) {
    return InvalidArgumentError("'" + name + "' is not the name of a quarantined record");
  }
  fs::path record_file;
  std::string format;
  for (const char* ext : {"json", "xml"}) {
    fs::path candidate = dir / (name + ".record." + ext);
    std::error_code ec;
    if (fs::exists(candidate, ec)) {
      record_file = candidate;
      format = ext;
    }
  }
  if (record_file.empty()) {
    return NotFoundError("no quarantined record " + name + " in " + dir.string());
  }
  SILTA_ASSIGN_OR_RETURN(std::string body, ReadFile(record_file));
  IssueCollector issues;
  records::ReadOptions options;
  options.source_name = record_file.filename().string();
  auto record = records::Read(
      body, format == "xml" ? records::Format::kXml : records::Format::kJson, issues, options);
  QuarantineRequeue result;
  if (!record || issues.HasErrors()) {
    result.issues = issues.Take();
    return result;
  }
  result.client_key = record->county.code + "/" + record->client_id;
  SILTA_ASSIGN_OR_RETURN(int64_t id, queue.Enqueue(format, body, result.client_key));
  result.id = id;
  // Queued first, removed after: a failure between leaves a copy that is pushed twice to the same
  // effect, never a record lost.
  std::error_code ec;
  fs::remove(record_file, ec);
  if (!ec) fs::remove(dir / (name + ".outcome.json"), ec);
  if (ec) {
    return IoError("queued " + name + " as queued-" + std::to_string(id) +
                   " but could not remove it from " + dir.string() + ": " + ec.message());
  }
  return result;
}

std::string AuditLine(std::string_view action, int64_t id, const std::string& client_key,
                      const QueueAction& who) {
  return "queue audit: " + std::string(action) + " queued-" + std::to_string(id) + " (client " +
         MaskClientKey(client_key) + ") by " + who.actor +
         (who.reason.empty() ? std::string() : ": " + MaskPersonalData(who.reason));
}

}  // namespace silta::serve
