// What `silta sync push|pull` and `silta serve` (its queue consumer) need to sync: the mapping
// modules, the routing policy, the journal and a connection per target.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters.h"
#include "base/status.h"
#include "context/resource_check.h"
#include "mapping/mapping.h"
#include "sync/sync.h"

namespace silta::context {

struct SyncSetupOptions {
  std::string policy_file;
  std::string journal_file = "silta-journal.db";  // or a postgresql:// URI
  std::string mappings_dir;  // empty: $SILTA_MAPPINGS, else the installed mappings
  bool verbose = false;      // log HTTP requests (query values masked) to stderr
  // Leave the targets' capability check (checkCapabilities) to SyncSetup::CheckCapabilities
  // instead of failing the set-up: a service starts while a target is down and checks later.
  bool defer_capability_check = false;
};

struct SyncSetup {
  std::shared_ptr<const mapping::Mapper> mapper;
  sync::RoutingPolicy policy;
  std::unique_ptr<sync::JournalStore> journal;
  std::map<std::string, std::unique_ptr<adapters::Connection>> connections;
  std::map<std::string, fhirclient::FhirClient*> clients;
  // With defer_capability_check: the targets whose check has not passed yet.
  std::vector<std::string> unchecked;

  // Runs the deferred capability checks that have not passed yet; the first failure, named by
  // its target. Not thread-safe: one caller (the sync worker) at a time.
  Status CheckCapabilities();
};

// Connects only the targets named in `only` (all when empty); with `connect` false, none.
StatusOr<SyncSetup> SetUpSync(const SyncSetupOptions& options, const std::vector<std::string>& only,
                              bool connect);

// The check every resource passes before it is sent: its Silta profile, zero errors.
sync::ResourceCheck PushResourceCheck(std::shared_ptr<const ResourceChecker> checker);

}  // namespace silta::context
