#include "generic-r4/adapter.h"

#include <cstdlib>
#include <optional>
#include <set>

#include "base/files.h"
#include "base/numbers.h"
#include "json/json.h"

namespace silta::adapters {
namespace {

// A problem with the config, at a "line:column" when known.
struct Problem {
  Problem(std::string t) : text(std::move(t)) {}  // NOLINT(runtime/explicit)
  Problem(const char* t) : text(t) {}             // NOLINT(runtime/explicit)
  Problem(std::string l, std::string t) : location(std::move(l)), text(std::move(t)) {}
  std::string location;
  std::string text;
};

}  // namespace

StatusOr<AdapterConfig> LoadAdapterConfig(const std::filesystem::path& file) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  SILTA_ASSIGN_OR_RETURN(json::Value json, json::Value::Parse(text, file.string()));
  if (!json.is_object()) return InvalidArgumentError(file.string() + ": expected an object");
  AdapterConfig config;
  std::vector<Problem> problems;
  // "line:column" of a value, for messages that point into the file.
  auto location_of = [](const json::Value& value) {
    SourceLocation at = value.location();
    return at.known() ? std::to_string(at.line) + ":" + std::to_string(at.column) : std::string();
  };
  auto integer = [&](const std::string& key, const json::Value& value, int min, int max,
                     int& into) {
    std::optional<int> parsed;
    if (value.kind() == json::Value::Kind::kNumber || value.kind() == json::Value::Kind::kString) {
      // The whole text, in range: atoi would read "abc" or "" as 0 and "30s" as 30, and
      // silently make a zero timeout or no attempts of a typo.
      parsed = ParseInteger<int>(value.text(), min, max);
    }
    if (parsed) {
      into = *parsed;
      return;
    }
    std::string shown =
        value.is_scalar() ? value.text() : std::string("a JSON ") + json::KindName(value.kind());
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    problems.emplace_back(location_of(value), "\"" + key + "\" must be a whole number from " +
                                                  std::to_string(min) + " to " +
                                                  std::to_string(max) + ", not \"" + shown + "\"");
  };
  auto resolve = [&](const std::string& name) {
    std::filesystem::path p(name);
    return p.is_relative() ? (file.parent_path() / p).string() : name;
  };
  for (const auto& [key, value] : json.members()) {
    const std::string& v = value.text();
    if (key == "kind") {
      if (v != "generic-r4") problems.push_back("\"kind\" must be generic-r4 for this adapter");
    } else if (key == "name") {
      config.name = v;
    } else if (key == "baseUrl") {
      config.base_url = v;
    } else if (key == "baseUrlEnv") {
      // One config file serves every environment of a deployment; the address comes from
      // where it runs.
      const char* from_env = std::getenv(v.c_str());
      if (from_env == nullptr || *from_env == '\0') {
        problems.emplace_back(location_of(value),
                              "\"baseUrlEnv\" names " + v + ", which is not set");
      } else {
        config.base_url = from_env;
      }
    } else if (key == "timeoutSeconds") {
      integer(key, value, 1, kMaxTimeoutSeconds, config.timeout_seconds);
    } else if (key == "maxAttempts") {
      integer(key, value, 1, kMaxAttempts, config.max_attempts);
    } else if (key == "checkCapabilities") {
      config.check_capabilities = v == "true";
    } else if (key == "auth") {
      for (const auto& [k, a] : value.members()) {
        const std::string& t = a.text();
        if (k == "kind") {
          config.auth_kind = t;
        } else if (k == "tokenFile" || k == "clientSecretFile") {
          config.token_file = resolve(t);
        } else if (k == "tokenEnv" || k == "clientSecretEnv") {
          config.token_env = t;
        } else if (k == "tokenUrl") {
          config.token_url = t;
        } else if (k == "clientId") {
          config.client_id = t;
        } else if (k == "scope") {
          config.scope = t;
        } else if (k == "privateKeyFile") {
          config.private_key_file = resolve(t);
        } else if (k == "keyId") {
          config.key_id = t;
        } else if (k == "algorithm") {
          config.algorithm = t;
        } else {
          problems.push_back("auth: unknown member \"" + k + "\"");
        }
      }
    } else if (key == "tls") {
      for (const auto& [k, a] : value.members()) {
        if (k == "caFile") {
          config.ca_file = resolve(a.text());
        } else if (k == "clientCertificateFile") {
          config.client_certificate_file = resolve(a.text());
        } else if (k == "clientKeyFile") {
          config.client_key_file = resolve(a.text());
        } else if (k == "insecureSkipVerify") {
          config.insecure_skip_verify = a.text() == "true";
        } else {
          problems.push_back("tls: unknown member \"" + k + "\"");
        }
      }
    } else if (key != "comment") {
      problems.push_back("unknown member \"" + key + "\"");
    }
  }
  if (config.base_url.empty() && json.Find("baseUrlEnv") == nullptr) {
    problems.push_back("\"baseUrl\" (or \"baseUrlEnv\") is required");
  }
  static const std::set<std::string> kKinds = {"none", "bearer", "client-credentials",
                                               "smart-backend"};
  if (!kKinds.contains(config.auth_kind)) {
    problems.push_back("auth.kind must be none, bearer, client-credentials or smart-backend");
  }
  if ((config.auth_kind == "client-credentials" || config.auth_kind == "smart-backend") &&
      (config.token_url.empty() || config.client_id.empty())) {
    problems.push_back("auth: " + config.auth_kind + " needs tokenUrl and clientId");
  }
  if (config.auth_kind == "smart-backend" && config.private_key_file.empty()) {
    problems.push_back("auth: smart-backend needs privateKeyFile");
  }
  if (config.algorithm != "RS384" && config.algorithm != "ES384") {
    problems.push_back("auth.algorithm must be RS384 or ES384");
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) {
      message += (message.empty() ? "" : "\n") + file.string() +
                 (p.location.empty() ? "" : ":" + p.location) + ": " + p.text;
    }
    return InvalidArgumentError(message);
  }
  if (config.name.empty()) config.name = file.stem().string();
  return config;
}

StatusOr<std::unique_ptr<GenericR4Connection>> GenericR4Connection::Open(
    const AdapterConfig& config, fhirclient::Logger& logger, bool check_now) {
  std::unique_ptr<GenericR4Connection> c(new GenericR4Connection());
  c->config_ = config;
  fhirclient::CurlTransportOptions transport;
  transport.request_timeout = std::chrono::seconds(config.timeout_seconds);
  transport.ca_file = config.ca_file;
  transport.client_certificate_file = config.client_certificate_file;
  transport.client_key_file = config.client_key_file;
  transport.insecure_skip_verify = config.insecure_skip_verify;
  c->transport_ = std::make_unique<fhirclient::CurlTransport>(transport, logger);

  auto secret = [&]() -> StatusOr<std::string> {
    if (!config.token_file.empty()) return fhirclient::ReadSecretFile(config.token_file);
    if (!config.token_env.empty()) return fhirclient::ReadSecretEnv(config.token_env);
    return InvalidArgumentError(config.name + ": auth needs tokenFile or tokenEnv");
  };
  fhirclient::TokenEndpointOptions endpoint;
  endpoint.token_url = config.token_url;
  endpoint.client_id = config.client_id;
  endpoint.scope = config.scope;
  if (config.auth_kind == "bearer") {
    SILTA_ASSIGN_OR_RETURN(std::string token, secret());
    c->auth_ = std::make_unique<fhirclient::StaticBearerAuth>(std::move(token));
  } else if (config.auth_kind == "client-credentials") {
    SILTA_ASSIGN_OR_RETURN(std::string client_secret, secret());
    c->auth_ = std::make_unique<fhirclient::ClientCredentialsAuth>(
        endpoint, std::move(client_secret), *c->transport_, fhirclient::SystemClock::Instance(),
        logger);
  } else if (config.auth_kind == "smart-backend") {
    SILTA_ASSIGN_OR_RETURN(fhirclient::SigningKey key,
                           fhirclient::SigningKey::FromPemFile(
                               config.private_key_file, config.algorithm == "ES384"
                                                            ? fhirclient::JwtAlgorithm::kES384
                                                            : fhirclient::JwtAlgorithm::kRS384));
    c->auth_ = std::make_unique<fhirclient::SmartBackendAuth>(
        endpoint, std::move(key), config.key_id, *c->transport_,
        fhirclient::SystemClock::Instance(), logger);
  }
  fhirclient::FhirClientOptions options;
  options.base_url = config.base_url;
  options.retry.max_attempts = config.max_attempts;
  options.required_interactions = {{"*", {"transaction"}}};
  c->client_ = std::make_unique<fhirclient::FhirClient>(
      options, *c->transport_, c->auth_.get(), fhirclient::SystemClock::Instance(), logger);
  if (check_now) SILTA_RETURN_IF_ERROR(c->CheckCapabilities());
  return c;
}

Status GenericR4Connection::CheckCapabilities() {
  return config_.check_capabilities ? client_->Connect() : Status::Ok();
}

StatusOr<std::unique_ptr<Connection>> OpenGenericR4(const std::filesystem::path& config_file,
                                                    const OpenOptions& options) {
  SILTA_ASSIGN_OR_RETURN(AdapterConfig config, LoadAdapterConfig(config_file));
  SILTA_ASSIGN_OR_RETURN(
      std::unique_ptr<GenericR4Connection> connection,
      GenericR4Connection::Open(config, *options.logger, options.check_capabilities_now));
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace silta::adapters
