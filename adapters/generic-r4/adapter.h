// The generic FHIR R4 server adapter (kind "generic-r4"): a connection (transport, authorization,
// client) built from an adapter config file. Server-specific adapters take the same shape: their
// own folder, their own config members (declared capabilities, auth, quirks), and a
// Connection (adapters.h) registered in registry.cc.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "adapters.h"
#include "base/status.h"
#include "fhirclient/fhirclient.h"

namespace silta::adapters {

// The parsed config file; see adapters/generic-r4/README.md for the format.
struct AdapterConfig {
  std::string name;
  std::string base_url;
  std::string auth_kind = "none";  // none | bearer | client-credentials | smart-backend
  std::string token_file;          // bearer: the token; client-credentials: the client secret
  std::string token_env;           // ...or the name of an environment variable holding it
  std::string token_url;
  std::string client_id;
  std::string scope;
  std::string private_key_file;  // smart-backend
  std::string key_id;
  std::string algorithm = "RS384";
  std::string ca_file;
  std::string client_certificate_file;  // mutual TLS
  std::string client_key_file;
  bool insecure_skip_verify = false;
  int timeout_seconds = 60;
  int max_attempts = 4;
  bool check_capabilities = true;
};

// The bounds of the integer members: a request may wait up to a day, and a request is tried at
// most 100 times; anything beyond is a typo, not a setting.
inline constexpr int kMaxTimeoutSeconds = 86400;
inline constexpr int kMaxAttempts = 100;

// Reads a config; relative file names in it are taken relative to the config's folder.
StatusOr<AdapterConfig> LoadAdapterConfig(const std::filesystem::path& file);

// A live connection: owns everything the client needs. Open checks the capabilities when the
// config asks for it (checkCapabilities, the default), unless `check_now` defers that to
// CheckCapabilities.
class GenericR4Connection : public Connection {
 public:
  static StatusOr<std::unique_ptr<GenericR4Connection>> Open(const AdapterConfig& config,
                                                             fhirclient::Logger& logger,
                                                             bool check_now = true);
  fhirclient::FhirClient& client() override { return *client_; }
  Status CheckCapabilities() override;
  const AdapterConfig& config() const { return config_; }

 private:
  GenericR4Connection() = default;
  AdapterConfig config_;
  std::unique_ptr<fhirclient::CurlTransport> transport_;
  std::unique_ptr<fhirclient::AuthProvider> auth_;
  std::unique_ptr<fhirclient::FhirClient> client_;
};

// The registry's entry: loads the config and opens the connection.
StatusOr<std::unique_ptr<Connection>> OpenGenericR4(const std::filesystem::path& config_file,
                                                    const OpenOptions& options);

}  // namespace silta::adapters
