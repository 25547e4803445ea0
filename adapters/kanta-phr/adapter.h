// The Kanta PHR adapter (kind "kanta-phr"): a pseudonymous target in the style of Kanta's
// Omatietovaranto. Its connection hands the sync engine a FhirClient whose transport
// pseudonymises every request (phr_transform.h) and passes it to a generic R4 connection
// (adapters/generic-r4), which does the HTTP, authentication, TLS and retries. Config format and
// rules: adapters/kanta-phr/README.md.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "adapters.h"
#include "base/status.h"
#include "fhirclient/fhirclient.h"
#include "kanta-phr/phr_transform.h"

namespace silta::adapters {

struct KantaPhrConfig {
  std::string name;
  std::filesystem::path connection;  // a generic-r4 config file: base URL, auth, TLS, retries
  std::string secret_file;           // the pseudonym secret, from a file...
  std::string secret_env;            // ...or an environment variable
  phr::TransformOptions transform;
};

// Reads a config; relative file names in it are taken relative to the config's folder.
StatusOr<KantaPhrConfig> LoadKantaPhrConfig(const std::filesystem::path& file);

// The deployment secret the config names; refused when missing, empty or too short.
StatusOr<phr::Pseudonymiser> LoadPseudonymiser(const KantaPhrConfig& config);

// Sends through `inner` (the generic client) what `transform` makes of each request, and gives
// back the answers with the engine's own content hashes. Thread-safe.
class PseudonymisingTransport : public fhirclient::HttpTransport {
 public:
  PseudonymisingTransport(phr::PhrTransform& transform, fhirclient::FhirClient& inner)
      : transform_(transform), inner_(inner) {}
  fhirclient::HttpResult Send(const fhirclient::HttpRequest& request) override;

 private:
  phr::PhrTransform& transform_;
  fhirclient::FhirClient& inner_;
};

class KantaPhrConnection : public Connection {
 public:
  static StatusOr<std::unique_ptr<KantaPhrConnection>> Open(const KantaPhrConfig& config,
                                                            phr::Pseudonymiser pseudonymiser,
                                                            const OpenOptions& options);
  // Opens over an existing connection (a test's, over a fake transport).
  static std::unique_ptr<KantaPhrConnection> Wrap(std::unique_ptr<Connection> inner,
                                                  phr::TransformOptions transform,
                                                  phr::Pseudonymiser pseudonymiser,
                                                  fhirclient::Logger& logger);
  fhirclient::FhirClient& client() override { return *client_; }
  Status CheckCapabilities() override { return inner_->CheckCapabilities(); }
  const phr::PhrTransform& transform() const { return *transform_; }

 private:
  KantaPhrConnection() = default;
  std::unique_ptr<Connection> inner_;
  std::unique_ptr<phr::PhrTransform> transform_;
  std::unique_ptr<PseudonymisingTransport> transport_;
  std::unique_ptr<fhirclient::FhirClient> client_;
};

// The registry's entry: loads the config and the secret, and opens the connection.
StatusOr<std::unique_ptr<Connection>> OpenKantaPhr(const std::filesystem::path& config_file,
                                                   const OpenOptions& options);

}  // namespace silta::adapters
