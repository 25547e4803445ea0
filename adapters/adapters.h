// Facade of the adapters: what a sync target needs from the connector to its system, and the
// registry that opens one from its config file. An adapter is a folder under adapters/ (its own
// config format, authentication and quirks) plus one line in registry.cc; nothing outside
// adapters/ names a particular adapter.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "fhirclient/fhirclient.h"

namespace silta::adapters {

// A live connection to one target. Owns everything its client needs.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual fhirclient::FhirClient& client() = 0;
  // Whether the server can take what the sync engine sends (FHIR version, formats, the
  // transaction interaction); OK when the config turns the check off.
  virtual Status CheckCapabilities() = 0;
};

struct OpenOptions {
  fhirclient::Logger* logger = &fhirclient::NullLogger::Instance();
  // Check the capabilities while opening; a service that must start while a target is down
  // asks later with Connection::CheckCapabilities.
  bool check_capabilities_now = true;
};

using OpenFunction = StatusOr<std::unique_ptr<Connection>> (*)(
    const std::filesystem::path& config_file, const OpenOptions& options);

struct AdapterKind {
  std::string_view name;  // what a config's "kind" says
  OpenFunction open;
};

// Every adapter this build has (registry.cc).
const std::vector<AdapterKind>& AdapterKinds();

// Opens the connection an adapter config file describes. Its "kind" member names the adapter;
// without one it is "generic-r4", the kind every config had before there were others.
StatusOr<std::unique_ptr<Connection>> OpenConnection(const std::filesystem::path& config_file,
                                                     const OpenOptions& options = {});

}  // namespace silta::adapters
