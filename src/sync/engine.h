// The sync engine: pushes client records to FHIR servers and pulls their changes back.
//
// Push, per record: map (mapping module) → check every resource against its profile → project
// each resource for each target (only the elements of the AKUSTI items its levels govern, plus
// the identity core; sync/projection.h), withhold what a target must not get and check the
// projection against its profiles, rejecting the record whole if any target's share fails →
// diff against the journal (unchanged resources are not sent) → one transaction per record and
// target, with the FI Base information-custodian Provenance of the data it sends → journal the
// confirmed versions.
//   - New resources go as conditional updates by business identifier (PUT Type?identifier=...),
//     so a repeat after a crash updates instead of duplicating.
//   - Known resources go as updates of the server's id with If-Match of the journalled version:
//     a remote change meanwhile is a conflict (HTTP 412), reported and kept, never overwritten.
//   - Each resource carries its content hash in meta.tag, so after a crash between the server's
//     commit and the journal write the engine recognises its own write instead of calling it a
//     conflict.
// Pull, per target: read the server's change feed since the watermark (minus an overlap window),
// skip versions the journal already knows, and rebuild the records of the clients that changed.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "fhirclient/client.h"
#include "mapping/mapping.h"
#include "sync/journal.h"
#include "sync/routing.h"

namespace silta::sync {

// Checks the transaction Bundle mapped from one record; errors make the record rejected. The
// Bundle is checked whole, not resource by resource: invariants that follow references between
// its entries (such as ctm-1 on CareTeam) cannot be decided for a resource on its own.
using ResourceCheck =
    std::function<void(const json::Value& bundle, const std::string& source_name, IssueSink& sink)>;

struct SyncOptions {
  bool dry_run = false;
  // Rejected records go here with their OperationOutcome; empty: not kept.
  std::filesystem::path quarantine_dir;
  std::chrono::seconds pull_overlap{120};
};

struct TargetCounts {
  int resources = 0;  // resources routed to the target (sent, unchanged or not)
  int sent = 0;       // resources created or updated on the server
  int unchanged = 0;  // resources the journal shows as already there
  int conflicts = 0;
  int errors = 0;
  // Information-custodian Provenances created or updated (never in `resources` or `sent`).
  int provenances = 0;
  std::map<int, int> items;  // AKUSTI item → resources routed that carry it
};

struct SyncSummary {
  int records = 0;
  int rejected = 0;  // records that failed mapping or validation (quarantined)
  // Transactions a server refused as the data's fault (HTTP 400, 410, 413, 422): sending the
  // same data again would be refused again, unlike a server that is down or busy.
  int refused = 0;
  std::map<std::string, TargetCounts> targets;
  std::vector<std::string> messages;  // one line per problem, without personal data
  int total(int TargetCounts::*field) const;
};

struct PullSummary {
  int changes_seen = 0;
  int already_known = 0;
  int records_written = 0;
  int errors = 0;
  std::vector<std::string> messages;
};

class SyncEngine {
 public:
  // `clients` maps target names (of the policy) to connected clients; all must outlive this.
  SyncEngine(const mapping::Mapper& mapper, const RoutingPolicy& policy,
             std::map<std::string, fhirclient::FhirClient*> clients, JournalStore& journal,
             ResourceCheck check, SyncOptions options = {});

  // Pushes one record (contract JSON). `source_name` names it in messages and quarantine.
  // Problems with the record or one server land in `summary` and the run goes on; an error
  // Status means the journal could not be read or written, and the run must stop there: what a
  // server confirmed but the journal missed is sent again by the next run, as conditional
  // updates, so the servers stay consistent and nothing is duplicated.
  Status Push(const json::Value& record, const std::string& source_name, SyncSummary& summary);

  // Pulls the changes of `target` and hands each rebuilt record to `write_record`. An error
  // Status (server unreachable, journal not readable or writable) stops the pull; the watermark
  // moves only at the end of a complete pull, so the next one reads the same changes again.
  StatusOr<PullSummary> Pull(const std::string& target,
                             const std::function<Status(const json::Value&)>& write_record);

  // The tag system of the content hash in meta.tag.
  std::string ContentHashSystem() const;
  // The tag system of the key that makes a custodian Provenance one per client, register and
  // target (Provenance has no identifier): "<SHA-256 of county/client, 32 hex>/<register>".
  std::string CustodianKeySystem() const;

 private:
  struct Planned;
  // What `target` receives of a record's resources (projected by AKUSTI item, withheld, checked
  // against its profiles); resources it does not receive come back with no module.
  std::vector<Planned> Route(const Target& target, const std::vector<Planned>& planned,
                             const std::string& source_name, IssueSink& issues) const;
  static void RequireProfiles(const Target& target, json::Value& resource);
  // Appends to `planned` the information-custodian Provenance of each register the routed
  // resources belong to, targeting all of them; `recorded` is the record's updatedAt.
  void AddCustodianProvenances(const Target& target, std::vector<Planned>& planned,
                               const std::string& client_key, const std::string& recorded) const;
  Status PushToTarget(const Target& target, fhirclient::FhirClient* client,
                      std::vector<Planned>& planned, const std::string& client_key,
                      const std::string& recorded, const std::string& source_name,
                      SyncSummary& summary);
  void Quarantine(const json::Value& record, const std::string& source_name,
                  const std::vector<Issue>& issues, SyncSummary& summary);

  const mapping::Mapper& mapper_;
  const RoutingPolicy& policy_;
  std::map<std::string, fhirclient::FhirClient*> clients_;
  JournalStore& journal_;
  ResourceCheck check_;
  SyncOptions options_;
};

// Seconds since the epoch of a FHIR instant ("2026-12-07T04:00:00.123+02:00"); -1 when it is not
// one (no time zone, an offset that is not ±hh:mm).
int64_t ParseInstant(std::string_view text);

}  // namespace silta::sync
