#include "context/targets.h"

#include <algorithm>
#include <cstdlib>

#include "context/context.h"
#include "context/definitions.h"

namespace silta::context {

StatusOr<SyncSetup> SetUpSync(const SyncSetupOptions& o, const std::vector<std::string>& only,
                              bool connect) {
  SyncSetup s;
  std::string mappings = o.mappings_dir.empty() ? DefaultMappingsDir() : o.mappings_dir;
  SILTA_ASSIGN_OR_RETURN(s.mapper, LoadMappingsToRun(mappings));
  SILTA_ASSIGN_OR_RETURN(s.policy, sync::RoutingPolicy::Load(o.policy_file));
  SILTA_ASSIGN_OR_RETURN(s.journal, sync::OpenJournal(o.journal_file));
  static fhirclient::StderrLogger stderr_logger;
  fhirclient::Logger& logger = o.verbose ? static_cast<fhirclient::Logger&>(stderr_logger)
                                         : fhirclient::NullLogger::Instance();
  for (const auto& target : s.policy.targets()) {
    if (!connect) break;
    if (!only.empty() && std::find(only.begin(), only.end(), target.name) == only.end()) continue;
    if (target.adapter.empty()) {
      return InvalidArgumentError("target \"" + target.name + "\" names no adapter config");
    }
    adapters::OpenOptions open;
    open.logger = &logger;
    open.check_capabilities_now = !o.defer_capability_check;
    auto connection = adapters::OpenConnection(target.adapter, open);
    if (!connection.ok()) {
      return Status(connection.status().code(),
                    "target \"" + target.name + "\": " + connection.status().message());
    }
    if (o.defer_capability_check) s.unchecked.push_back(target.name);
    s.clients[target.name] = &(*connection)->client();
    s.connections[target.name] = std::move(*connection);
  }
  return s;
}

Status SyncSetup::CheckCapabilities() {
  while (!unchecked.empty()) {
    const std::string& name = unchecked.front();
    Status connected = connections.at(name)->CheckCapabilities();
    if (!connected.ok()) {
      return Status(connected.code(), "target \"" + name + "\": " + connected.message());
    }
    unchecked.erase(unchecked.begin());
  }
  return Status::Ok();
}

sync::ResourceCheck PushResourceCheck(std::shared_ptr<const ResourceChecker> checker) {
  // The whole Bundle is checked, so that invariants following references between its
  // entries (CareTeam's ctm-1) see what they point to.
  return [checker = std::move(checker)](const json::Value& bundle, const std::string& source_name,
                                        IssueSink& sink) {
    checker->CheckBundle(bundle, source_name, sink);
  };
}

}  // namespace silta::context
