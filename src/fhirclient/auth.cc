#include "fhirclient/auth.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cstdlib>

#include "base/files.h"
#include "json/json.h"

namespace silta::fhirclient {
namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

}  // namespace

StatusOr<std::string> ReadSecretFile(const std::string& path) {
  StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  std::string secret = Trim(*content);
  if (secret.empty()) return InvalidArgumentError("the secret file " + path + " is empty");
  return secret;
}

StatusOr<std::string> ReadSecretEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || Trim(value).empty()) {
    return NotFoundError("environment variable " + name + " is not set");
  }
  return Trim(value);
}

StatusOr<std::unique_ptr<StaticBearerAuth>> StaticBearerAuth::FromFile(const std::string& path) {
  SILTA_ASSIGN_OR_RETURN(std::string token, ReadSecretFile(path));
  return std::make_unique<StaticBearerAuth>(std::move(token));
}

StatusOr<std::unique_ptr<StaticBearerAuth>> StaticBearerAuth::FromEnv(const std::string& name) {
  SILTA_ASSIGN_OR_RETURN(std::string token, ReadSecretEnv(name));
  return std::make_unique<StaticBearerAuth>(std::move(token));
}

TokenAuthBase::TokenAuthBase(TokenEndpointOptions options, HttpTransport& transport, Clock& clock,
                             Logger& logger)
    : options_(std::move(options)),
      clock_(clock),
      transport_(transport),
      logger_(logger),
      rng_(options_.retry.jitter_seed != 0 ? options_.retry.jitter_seed : std::random_device()()) {}

StatusOr<std::string> TokenAuthBase::Authorization() {
  std::lock_guard lock(mutex_);
  if (!cached_header_.empty() && clock_.Now() + options_.expiry_margin < expires_at_) {
    return cached_header_;
  }
  cached_header_.clear();
  StatusOr<std::string> token = FetchToken();
  if (!token.ok()) return token.status();
  cached_header_ = "Bearer " + *token;
  return cached_header_;
}

bool TokenAuthBase::OnUnauthorized(const std::string& authorization) {
  std::lock_guard lock(mutex_);
  // Another thread may already have replaced the token that the server refused.
  if (authorization == cached_header_) cached_header_.clear();
  return true;
}

StatusOr<std::string> TokenAuthBase::FetchToken() {
  HttpResult result;
  for (int attempt = 1;; ++attempt) {
    // A fresh body per attempt: a SMART assertion's jti must never be sent twice.
    SILTA_ASSIGN_OR_RETURN(std::string body, TokenRequestBody());
    HttpRequest request;
    request.method = "POST";
    request.url = options_.token_url;
    request.headers = TokenRequestHeaders();
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("Accept", "application/json");
    request.body = std::move(body);
    result = transport_.Send(request);
    if (attempt >= options_.retry.max_attempts || !IsRetryable(result, Idempotency::kIdempotent)) {
      break;
    }
    std::chrono::milliseconds delay = BackoffDelay(options_.retry, attempt, rng_);
    if (result.ok()) {
      if (auto after =
              ParseRetryAfter(FindHeader(result.response.headers, "Retry-After"), clock_.Now())) {
        if (*after > options_.retry.max_retry_after) break;
        delay = *after;
      }
    }
    logger_.Log(LogLevel::kWarning, "token request to " + MaskUrl(options_.token_url) +
                                        " failed, retrying (attempt " + std::to_string(attempt) +
                                        ")");
    clock_.Sleep(delay);
  }
  if (!result.ok()) {
    return UnavailableError("token endpoint " + MaskUrl(options_.token_url) + ": " +
                            std::string(TransportErrorKindName(result.error_kind)) + ": " +
                            result.error_message);
  }
  rapidjson::Document doc;
  doc.Parse(result.response.body.data(), result.response.body.size());
  if (result.response.status != 200) {
    // RFC 6749 §5.2 error codes are not personal data; error_description is left out on purpose.
    std::string error = std::string(json::StringMember(doc, "error"));
    return FailedPreconditionError("token endpoint refused: HTTP " +
                                   std::to_string(result.response.status) +
                                   (error.empty() ? "" : " " + error));
  }
  if (doc.HasParseError() || !doc.IsObject()) {
    return DataLossError("token endpoint answered with something other than a JSON object");
  }
  std::string token = std::string(json::StringMember(doc, "access_token"));
  if (token.empty()) return DataLossError("token endpoint answer has no access_token");
  std::string type = std::string(json::StringMember(doc, "token_type"));
  if (!type.empty() && !EqualsIgnoreCase(type, "bearer")) {
    return DataLossError("token endpoint issued an unsupported token_type " + type);
  }
  long long expires_in = 300;  // RFC 6749 makes it optional; assume short rather than forever
  if (const rapidjson::Value* v = json::Member(doc, "expires_in")) {
    if (v->IsInt64()) expires_in = v->GetInt64();
  }
  expires_at_ = clock_.Now() + std::chrono::seconds(expires_in);
  logger_.Log(LogLevel::kInfo, "obtained an access token from " + MaskUrl(options_.token_url) +
                                   ", valid " + std::to_string(expires_in) + " s");
  return token;
}

ClientCredentialsAuth::ClientCredentialsAuth(TokenEndpointOptions options,
                                             std::string client_secret, HttpTransport& transport,
                                             Clock& clock, Logger& logger)
    : TokenAuthBase(std::move(options), transport, clock, logger),
      client_secret_(std::move(client_secret)) {}

StatusOr<std::string> ClientCredentialsAuth::TokenRequestBody() {
  QueryParams form = {{"grant_type", "client_credentials"}};
  if (!options_.scope.empty()) form.emplace_back("scope", options_.scope);
  return EncodeQuery(form);
}

HttpHeaders ClientCredentialsAuth::TokenRequestHeaders() {
  // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded before base64.
  return {{"Authorization", "Basic " + Base64Encode(UrlEncode(options_.client_id) + ":" +
                                                    UrlEncode(client_secret_))}};
}

SmartBackendAuth::SmartBackendAuth(TokenEndpointOptions options, SigningKey key, std::string key_id,
                                   HttpTransport& transport, Clock& clock, Logger& logger)
    : TokenAuthBase(std::move(options), transport, clock, logger),
      key_(std::move(key)),
      key_id_(std::move(key_id)) {}

StatusOr<std::string> SmartBackendAuth::MakeAssertion() {
  auto string_value = [](const std::string& s, rapidjson::Document::AllocatorType& a) {
    return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  auto serialize = [](const rapidjson::Document& doc) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
  };

  rapidjson::Document header(rapidjson::kObjectType);
  auto& ha = header.GetAllocator();
  header.AddMember("alg", string_value(std::string(JwtAlgorithmName(key_.algorithm())), ha), ha);
  header.AddMember("typ", "JWT", ha);
  if (!key_id_.empty()) header.AddMember("kid", string_value(key_id_, ha), ha);

  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  rapidjson::Document claims(rapidjson::kObjectType);
  auto& ca = claims.GetAllocator();
  claims.AddMember("iss", string_value(options_.client_id, ca), ca);
  claims.AddMember("sub", string_value(options_.client_id, ca), ca);
  claims.AddMember("aud", string_value(options_.token_url, ca), ca);
  claims.AddMember("iat", rapidjson::Value(static_cast<int64_t>(now)), ca);
  // The SMART specification allows at most five minutes; stay under it for clock skew.
  claims.AddMember("exp", rapidjson::Value(static_cast<int64_t>(now + 240)), ca);
  claims.AddMember("jti", string_value(RandomId(), ca), ca);
  return key_.Sign(serialize(header), serialize(claims));
}

StatusOr<std::string> SmartBackendAuth::TokenRequestBody() {
  SILTA_ASSIGN_OR_RETURN(std::string assertion, MakeAssertion());
  QueryParams form = {
      {"grant_type", "client_credentials"},
      {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
      {"client_assertion", assertion}};
  if (!options_.scope.empty()) form.emplace_back("scope", options_.scope);
  return EncodeQuery(form);
}

}  // namespace silta::fhirclient
