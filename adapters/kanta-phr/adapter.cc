#include "kanta-phr/adapter.h"

#include <vector>

#include "base/files.h"
#include "fhirclient/bundle.h"
#include "generic-r4/adapter.h"
#include "json/json.h"

namespace silta::adapters {
namespace {

// A request the inner client may repeat after an ambiguous failure: the same rule the client
// applies to its own operations (retry.h), decided from the request as it will be sent.
fhirclient::Idempotency IdempotencyOf(const fhirclient::HttpRequest& request) {
  if (request.method != "POST") return fhirclient::Idempotency::kIdempotent;
  if (!fhirclient::FindHeader(request.headers, "If-None-Exist").empty()) {
    return fhirclient::Idempotency::kIdempotent;
  }
  auto bundle = fhirclient::BundleIsIdempotent(request.body);
  return bundle.ok() && *bundle ? fhirclient::Idempotency::kIdempotent
                                : fhirclient::Idempotency::kNonIdempotent;
}

}  // namespace

StatusOr<KantaPhrConfig> LoadKantaPhrConfig(const std::filesystem::path& file) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  SILTA_ASSIGN_OR_RETURN(json::Value json, json::Value::Parse(text, file.string()));
  if (!json.is_object()) return InvalidArgumentError(file.string() + ": expected an object");
  std::vector<std::string> problems;
  // Points at the top-level member `key` when the file has it.
  auto problem = [&](const std::string& key, const std::string& message) {
    const json::Value* value = json.Find(key);
    SourceLocation at = value != nullptr ? value->location() : SourceLocation{};
    problems.push_back(
        file.string() +
        (at.known() ? ":" + std::to_string(at.line) + ":" + std::to_string(at.column) : "") + ": " +
        message);
  };
  auto resolve = [&](const std::string& name) {
    std::filesystem::path p(name);
    return p.is_relative() ? file.parent_path() / p : p;
  };
  auto strings = [&](const std::string& key, const json::Value& value,
                     std::set<std::string, std::less<>>& into) {
    if (!value.is_array()) return problem(key, "\"" + key + "\" must be an array of strings");
    into.clear();
    for (const auto& item : value.items()) {
      if (item.kind() != json::Value::Kind::kString) {
        return problem(key, "\"" + key + "\" must be an array of strings");
      }
      into.insert(item.text());
    }
  };
  KantaPhrConfig config;
  for (const auto& [key, value] : json.members()) {
    const std::string& v = value.text();
    if (key == "kind") {
      if (v != "kanta-phr") problem(key, "\"kind\" must be kanta-phr for this adapter");
    } else if (key == "name") {
      config.name = v;
    } else if (key == "connection") {
      config.connection = resolve(v);
    } else if (key == "pseudonymSecretFile") {
      config.secret_file = resolve(v).string();
    } else if (key == "pseudonymSecretEnv") {
      config.secret_env = v;
    } else if (key == "businessIdentifierSystem") {
      config.transform.business_identifier_system = v;
    } else if (key == "creatingApplication") {
      for (const auto& [k, a] : value.members()) {
        if (k == "name") {
          config.transform.application_name = a.text();
        } else if (k == "applicationId") {
          config.transform.application_id = a.text();
        } else {
          problem(key, "creatingApplication: unknown member \"" + k + "\"");
        }
      }
    } else if (key == "acceptedTypes") {
      strings(key, value, config.transform.accepted_types);
      for (const std::string& type : config.transform.accepted_types) {
        if (!phr::KantaPhrResourceTypes().contains(type)) {
          problem(key, "\"acceptedTypes\": the Kanta PHR store does not take " + type);
        }
      }
    } else if (key == "patientExtensions") {
      strings(key, value, config.transform.patient_extensions);
    } else if (key != "comment") {
      problem(key, "unknown member \"" + key + "\"");
    }
  }
  if (config.connection.empty()) {
    problems.push_back(file.string() +
                       ": \"connection\" (a generic-r4 config file for the server) is required");
  }
  if (config.secret_file.empty() == config.secret_env.empty()) {
    problems.push_back(file.string() +
                       ": exactly one of \"pseudonymSecretFile\" and \"pseudonymSecretEnv\" is "
                       "required (the secret itself never goes in the config)");
  }
  if (config.transform.application_name.empty() || config.transform.application_id.empty()) {
    problems.push_back(file.string() +
                       ": \"creatingApplication\" needs \"name\" and \"applicationId\" (Kanta "
                       "PHR's fiphr-ext-creatingapplication)");
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    return InvalidArgumentError(message);
  }
  if (config.name.empty()) config.name = file.stem().string();
  return config;
}

StatusOr<phr::Pseudonymiser> LoadPseudonymiser(const KantaPhrConfig& config) {
  const bool from_file = !config.secret_file.empty();
  const std::string where =
      from_file ? "file " + config.secret_file : "environment variable " + config.secret_env;
  StatusOr<std::string> secret = from_file ? fhirclient::ReadSecretFile(config.secret_file)
                                           : fhirclient::ReadSecretEnv(config.secret_env);
  if (!secret.ok()) {
    return Status(secret.status().code(),
                  config.name + ": the pseudonym secret: " + secret.status().message());
  }
  auto pseudonymiser = phr::Pseudonymiser::Create(std::move(secret).value(), where);
  if (!pseudonymiser.ok()) {
    return Status(pseudonymiser.status().code(),
                  config.name + ": " + pseudonymiser.status().message());
  }
  return pseudonymiser;
}

fhirclient::HttpResult PseudonymisingTransport::Send(const fhirclient::HttpRequest& request) {
  StatusOr<fhirclient::HttpRequest> outgoing = transform_.Outgoing(request);
  if (!outgoing.ok()) {
    return fhirclient::HttpResult::Failure(fhirclient::TransportErrorKind::kOther,
                                           outgoing.status().message());
  }
  const fhirclient::Idempotency idempotency = IdempotencyOf(*outgoing);
  StatusOr<fhirclient::HttpResponse> response =
      inner_.Execute(std::move(outgoing).value(), idempotency);
  if (!response.ok()) {
    return fhirclient::HttpResult::Failure(fhirclient::TransportErrorKind::kOther,
                                           response.status().message());
  }
  response->body = transform_.Incoming(std::move(response->body));
  return fhirclient::HttpResult::Of(std::move(response).value());
}

std::unique_ptr<KantaPhrConnection> KantaPhrConnection::Wrap(std::unique_ptr<Connection> inner,
                                                             phr::TransformOptions transform,
                                                             phr::Pseudonymiser pseudonymiser,
                                                             fhirclient::Logger& logger) {
  std::unique_ptr<KantaPhrConnection> c(new KantaPhrConnection());
  c->inner_ = std::move(inner);
  c->transform_ =
      std::make_unique<phr::PhrTransform>(std::move(transform), std::move(pseudonymiser));
  fhirclient::FhirClient& inner_client = c->inner_->client();
  c->transport_ = std::make_unique<PseudonymisingTransport>(*c->transform_, inner_client);
  fhirclient::FhirClientOptions options;
  options.base_url = inner_client.base_url();
  // The generic client underneath retries, with the idempotency of what is really sent.
  options.retry.max_attempts = 1;
  c->client_ = std::make_unique<fhirclient::FhirClient>(
      options, *c->transport_, nullptr, fhirclient::SystemClock::Instance(), logger);
  return c;
}

StatusOr<std::unique_ptr<KantaPhrConnection>> KantaPhrConnection::Open(
    const KantaPhrConfig& config, phr::Pseudonymiser pseudonymiser, const OpenOptions& options) {
  auto inner = OpenGenericR4(config.connection, options);
  if (!inner.ok()) {
    return Status(inner.status().code(), config.name + ": " + inner.status().message());
  }
  return Wrap(std::move(inner).value(), config.transform, std::move(pseudonymiser),
              *options.logger);
}

StatusOr<std::unique_ptr<Connection>> OpenKantaPhr(const std::filesystem::path& config_file,
                                                   const OpenOptions& options) {
  SILTA_ASSIGN_OR_RETURN(KantaPhrConfig config, LoadKantaPhrConfig(config_file));
  // The secret first: a deployment without it must not start, even when the server is down.
  SILTA_ASSIGN_OR_RETURN(phr::Pseudonymiser pseudonymiser, LoadPseudonymiser(config));
  SILTA_ASSIGN_OR_RETURN(std::unique_ptr<KantaPhrConnection> connection,
                         KantaPhrConnection::Open(config, std::move(pseudonymiser), options));
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace silta::adapters
