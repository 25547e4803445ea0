// FhirClient: the FHIR R4 RESTful API over an HttpTransport, with retries, authorization and
// masked logging. Operations return the server's answer for 2xx; other statuses become a Status
// whose message starts "HTTP <code>" and carries the OperationOutcome's issues, coded parts only
// unless FhirClientOptions::outcome_text says otherwise. The code itself is a field of the result
// (FhirResult::http_status), so callers never read it back out of message text.
// Thread-safe once Connect() has returned.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "fhirclient/auth.h"
#include "fhirclient/bundle.h"
#include "fhirclient/clock.h"
#include "fhirclient/http.h"
#include "fhirclient/logging.h"
#include "fhirclient/retry.h"

namespace silta::fhirclient {

struct FhirClientOptions {
  std::string base_url;  // e.g. "https://fhir.example.fi/r4" (a trailing '/' is ignored)
  RetryPolicy retry;
  // Connect() fails unless the CapabilityStatement lists these interactions for every type
  // named here, e.g. {"Patient", {"read", "update"}}; type "*" means a system interaction
  // ("transaction", "batch", "history-system").
  std::map<std::string, std::set<std::string>> required_interactions;
  // Whether error Statuses and entry outcomes quote the server's OperationOutcome free text.
  // Off by default because that text may echo personal data and Status messages get logged;
  // turn on for diagnosing against test servers.
  OutcomeText outcome_text = OutcomeText::kCodesOnly;
  // Sent as "Prefer: return=..." with creates, updates and Bundles when set: "minimal",
  // "representation" or "OperationOutcome".
  std::string prefer_return;
};

// The server's answer to one successful interaction.
struct FhirResponse {
  int status = 0;
  std::string etag;        // opaque, as sent (e.g. W/"3"): give it back in If-Match unchanged
  std::string version_id;  // from the ETag or Location, when the server names one
  std::string location;    // Content-Location or Location
  std::string last_modified;
  std::string body;  // JSON text, possibly empty (Prefer: return=minimal)
};

// The result of one interaction: a StatusOr (the answer, or why there is none) that also carries
// the HTTP status the server answered with, in success and in failure alike; 0 when no answer
// arrived (transport failures) or the request never left (local errors). Decisions such as "was
// this refused with 412" read http_status(): message texts are for people and may change.
template <typename T>
class [[nodiscard]] FhirResult : public StatusOr<T> {
 public:
  FhirResult(T value, int http_status) : StatusOr<T>(std::move(value)), http_status_(http_status) {}
  // NOLINTNEXTLINE(runtime/explicit): lets SILTA_ASSIGN_OR_RETURN pass a Status through.
  FhirResult(Status status, int http_status = 0)
      : StatusOr<T>(std::move(status)), http_status_(http_status) {}
  int http_status() const { return http_status_; }

 private:
  int http_status_ = 0;
};

struct CapabilitySummary {
  std::string fhir_version;
  std::map<std::string, std::set<std::string>> interactions;  // type -> codes; "*" system level
  std::set<std::string> formats;
};

class FhirClient;

// Walks a searchset or history Bundle page by page along its "next" links.
class Pager {
 public:
  // The next page, nullopt after the last one.
  StatusOr<std::optional<FhirResponse>> NextPage();
  int pages_read() const { return pages_read_; }

 private:
  friend class FhirClient;
  Pager(FhirClient& client, std::string first_url)
      : client_(&client), next_url_(std::move(first_url)) {}
  FhirClient* client_;
  std::string next_url_;
  int pages_read_ = 0;
};

class FhirClient {
 public:
  // `auth` may be null (no Authorization header, e.g. mTLS only). All references must outlive
  // the client.
  FhirClient(FhirClientOptions options, HttpTransport& transport, AuthProvider* auth = nullptr,
             Clock& clock = SystemClock::Instance(), Logger& logger = NullLogger::Instance());

  // Reads /metadata and checks FHIR 4.0.x, JSON support and the required interactions.
  Status Connect();
  const CapabilitySummary& capabilities() const { return capabilities_; }

  FhirResult<FhirResponse> Read(const std::string& type, const std::string& id);
  FhirResult<FhirResponse> VRead(const std::string& type, const std::string& id,
                                 const std::string& version_id);
  // Plain create: not idempotent, so retried only when the request cannot have arrived.
  FhirResult<FhirResponse> Create(const std::string& type, const std::string& resource_json);
  // Conditional create (If-None-Exist): the server creates only when nothing matches `match`.
  FhirResult<FhirResponse> CreateIfNoneExist(const std::string& type,
                                             const std::string& resource_json,
                                             const QueryParams& match);
  // Update; with a non-empty `if_match` (an ETag from an earlier response) the server refuses
  // (HTTP 412) when the resource changed meanwhile.
  FhirResult<FhirResponse> Update(const std::string& type, const std::string& id,
                                  const std::string& resource_json,
                                  const std::string& if_match = "");
  // Conditional update: PUT [type]?[match].
  FhirResult<FhirResponse> ConditionalUpdate(const std::string& type, const QueryParams& match,
                                             const std::string& resource_json);
  FhirResult<FhirResponse> Delete(const std::string& type, const std::string& id);

  // Posts a transaction or batch Bundle and parses the per-entry outcomes. A transaction is
  // retried after an ambiguous failure only when every entry is idempotent (see retry.h).
  FhirResult<BundleOutcome> Transaction(const std::string& bundle_json);
  FhirResult<BundleOutcome> Batch(const std::string& bundle_json);

  // GET [type]?params; follow the pages with the Pager.
  Pager Search(const std::string& type, const QueryParams& params);
  // Resources of `type` changed after `since` (FHIR instant), via _lastUpdated=gt.
  Pager SearchUpdatedSince(const std::string& type, const std::string& since,
                           QueryParams extra = {});
  // [type]/_history?_since= (system history when `type` is empty).
  Pager History(const std::string& type, const std::string& since, QueryParams extra = {});

  // POST [type]/$validate on the server; the body of the answer is the OperationOutcome (also
  // for HTTP 400/422, which here is a successful call).
  FhirResult<FhirResponse> Validate(const std::string& type, const std::string& resource_json,
                                    const std::string& profile = "");

  // One request with retries, auth and logging; any HTTP status is returned as a response.
  // For operations this class does not name. `url` may be relative to the base.
  StatusOr<HttpResponse> Execute(HttpRequest request, Idempotency idempotency);

  const std::string& base_url() const { return base_url_; }

 private:
  friend class Pager;
  std::string Url(const std::string& path) const;
  FhirResult<FhirResponse> Interact(HttpRequest request, Idempotency idempotency,
                                    bool accept_4xx_outcome = false);
  FhirResult<BundleOutcome> PostBundle(const std::string& bundle_json, const char* expected_type);
  StatusOr<std::optional<FhirResponse>> FetchPage(Pager& pager);
  HttpResult SendOnce(const HttpRequest& request, const std::string& authorization);
  std::chrono::milliseconds NextDelay(int attempt);

  FhirClientOptions options_;
  std::string base_url_;
  HttpTransport& transport_;
  AuthProvider* auth_;
  Clock& clock_;
  Logger& logger_;
  CapabilitySummary capabilities_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace silta::fhirclient
