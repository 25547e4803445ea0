// Authorization for FHIR requests. Secrets come from files or environment variables, never
// command-line arguments, and never reach a log line. Mutual TLS is configured on the transport
// (CurlTransportOptions::client_certificate_file), not here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "fhirclient/clock.h"
#include "fhirclient/http.h"
#include "fhirclient/jwt.h"
#include "fhirclient/logging.h"
#include "fhirclient/retry.h"

namespace silta::fhirclient {

class AuthProvider {
 public:
  virtual ~AuthProvider() = default;
  // The Authorization header value for the next request, empty for none.
  virtual StatusOr<std::string> Authorization() = 0;
  // The server answered 401 to a request sent with `authorization`: forget that token so that
  // the next Authorization() fetches a new one. Returns whether a retry can help.
  virtual bool OnUnauthorized(const std::string& authorization) {
    (void)authorization;
    return false;
  }
};

// A fixed bearer token.
class StaticBearerAuth final : public AuthProvider {
 public:
  explicit StaticBearerAuth(std::string token) : token_(std::move(token)) {}
  // The file's content with surrounding whitespace trimmed.
  static StatusOr<std::unique_ptr<StaticBearerAuth>> FromFile(const std::string& path);
  // The value of environment variable `name` (the variable's name is what a user passes).
  static StatusOr<std::unique_ptr<StaticBearerAuth>> FromEnv(const std::string& name);
  StatusOr<std::string> Authorization() override { return "Bearer " + token_; }

 private:
  std::string token_;
};

// Reads a secret from a file (trimmed) or an environment variable.
StatusOr<std::string> ReadSecretFile(const std::string& path);
StatusOr<std::string> ReadSecretEnv(const std::string& name);

struct TokenEndpointOptions {
  std::string token_url;
  std::string client_id;
  std::string scope;  // e.g. "system/*.read system/*.write"; empty: none sent
  // Renew this long before expiry, so that a token does not lapse in flight.
  std::chrono::seconds expiry_margin{30};
  RetryPolicy retry;
};

// Shared by the OAuth2 flows: caches an access token until shortly before its expiry and fetches
// a new one through `transport` (the token POST is safe to repeat).
class TokenAuthBase : public AuthProvider {
 public:
  StatusOr<std::string> Authorization() final;
  bool OnUnauthorized(const std::string& authorization) final;

 protected:
  TokenAuthBase(TokenEndpointOptions options, HttpTransport& transport, Clock& clock,
                Logger& logger);
  // The form body of the token request (without the leading '?').
  virtual StatusOr<std::string> TokenRequestBody() = 0;
  virtual HttpHeaders TokenRequestHeaders() { return {}; }

  const TokenEndpointOptions options_;
  Clock& clock_;

 private:
  StatusOr<std::string> FetchToken();

  HttpTransport& transport_;
  Logger& logger_;
  std::mutex mutex_;
  std::string cached_header_;
  Clock::TimePoint expires_at_{};
  std::mt19937_64 rng_;
};

// OAuth2 client credentials grant with client_secret_basic.
class ClientCredentialsAuth final : public TokenAuthBase {
 public:
  ClientCredentialsAuth(TokenEndpointOptions options, std::string client_secret,
                        HttpTransport& transport, Clock& clock = SystemClock::Instance(),
                        Logger& logger = NullLogger::Instance());

 private:
  StatusOr<std::string> TokenRequestBody() override;
  HttpHeaders TokenRequestHeaders() override;
  std::string client_secret_;
};

// SMART Backend Services (HL7 SMART App Launch 2.x, "client-confidential-asymmetric"): a JWT
// assertion signed with the client's private key, iss = sub = client_id, aud = token URL,
// exp at most five minutes ahead, a fresh jti for every request.
class SmartBackendAuth final : public TokenAuthBase {
 public:
  SmartBackendAuth(TokenEndpointOptions options, SigningKey key, std::string key_id,
                   HttpTransport& transport, Clock& clock = SystemClock::Instance(),
                   Logger& logger = NullLogger::Instance());
  // The signed assertion for the next token request (exposed for tests and diagnostics).
  StatusOr<std::string> MakeAssertion();

 private:
  StatusOr<std::string> TokenRequestBody() override;
  SigningKey key_;
  std::string key_id_;
};

}  // namespace silta::fhirclient
