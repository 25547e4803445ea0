#include "fhirclient/client.h"

#include <rapidjson/document.h>

#include "json/json.h"

namespace silta::fhirclient {
namespace {

constexpr char kFhirJson[] = "application/fhir+json";

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

StatusCode CodeForHttp(int status) {
  switch (status) {
    case 400:
    case 422:
      return StatusCode::kInvalidArgument;
    case 404:
    case 410:
      return StatusCode::kNotFound;
    case 401:
    case 403:
    case 405:
    case 409:
    case 412:
      return StatusCode::kFailedPrecondition;
    case 429:
    case 502:
    case 503:
    case 504:
      return StatusCode::kUnavailable;
    default:
      return status >= 500 ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
}

Status HttpError(const HttpResponse& response, OutcomeText text) {
  std::string message = "HTTP " + std::to_string(response.status);
  std::string_view reason = ReasonPhrase(response.status);
  if (!reason.empty()) message += " " + std::string(reason);
  std::string outcome = SummarizeOperationOutcome(response.body, text);
  if (!outcome.empty()) message += ": " + outcome;
  return Status(CodeForHttp(response.status), std::move(message));
}

// W/"3" -> 3; "abc" -> abc.
std::string VersionFromEtag(std::string_view etag) {
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

// .../Patient/1/_history/3 -> 3
std::string VersionFromLocation(std::string_view location) {
  size_t marker = location.rfind("/_history/");
  if (marker == std::string_view::npos) return {};
  std::string_view version = location.substr(marker + 10);
  return std::string(version.substr(0, version.find('/')));
}

FhirResponse ToFhirResponse(HttpResponse http) {
  FhirResponse out;
  out.status = http.status;
  out.etag = std::string(FindHeader(http.headers, "ETag"));
  out.location = std::string(FindHeader(http.headers, "Location"));
  if (out.location.empty())
    out.location = std::string(FindHeader(http.headers, "Content-Location"));
  out.last_modified = std::string(FindHeader(http.headers, "Last-Modified"));
  out.version_id =
      !out.etag.empty() ? VersionFromEtag(out.etag) : VersionFromLocation(out.location);
  out.body = std::move(http.body);
  return out;
}

std::string PathOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t slash = url.find('/', scheme + 3);
  return slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
}

}  // namespace

FhirClient::FhirClient(FhirClientOptions options, HttpTransport& transport, AuthProvider* auth,
                       Clock& clock, Logger& logger)
    : options_(std::move(options)),
      transport_(transport),
      auth_(auth),
      clock_(clock),
      logger_(logger),
      rng_(options_.retry.jitter_seed != 0 ? options_.retry.jitter_seed : std::random_device()()) {
  base_url_ = options_.base_url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string FhirClient::Url(const std::string& path) const {
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) return path;
  return base_url_ + "/" + path;
}

std::chrono::milliseconds FhirClient::NextDelay(int attempt) {
  std::lock_guard lock(rng_mutex_);
  return BackoffDelay(options_.retry, attempt, rng_);
}

HttpResult FhirClient::SendOnce(const HttpRequest& request, const std::string& authorization) {
  if (authorization.empty()) return transport_.Send(request);
  HttpRequest sent = request;
  sent.headers.emplace_back("Authorization", authorization);
  return transport_.Send(sent);
}

StatusOr<HttpResponse> FhirClient::Execute(HttpRequest request, Idempotency idempotency) {
  request.url = Url(request.url);
  if (FindHeader(request.headers, "Accept").empty()) {
    request.headers.emplace_back("Accept", kFhirJson);
  }
  if (!request.body.empty() && FindHeader(request.headers, "Content-Type").empty()) {
    request.headers.emplace_back("Content-Type", std::string(kFhirJson) + "; charset=utf-8");
  }
  if (!options_.prefer_return.empty() && (request.method == "POST" || request.method == "PUT") &&
      FindHeader(request.headers, "Prefer").empty()) {
    request.headers.emplace_back("Prefer", "return=" + options_.prefer_return);
  }
  request.fresh_connection = idempotency == Idempotency::kNonIdempotent;
  const std::string masked = request.method + " " + MaskUrl(request.url);
  bool refreshed_auth = false;
  const int max_attempts = std::max(1, options_.retry.max_attempts);

  for (int attempt = 1;; ++attempt) {
    std::string authorization;
    if (auth_ != nullptr) {
      // The token endpoint has its own retries; its refusal is final here.
      StatusOr<std::string> header = auth_->Authorization();
      if (!header.ok()) return header.status().Annotate("authorizing " + masked);
      authorization = std::move(header).value();
    }
    const Clock::TimePoint started = clock_.Now();
    HttpResult result = SendOnce(request, authorization);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started).count();

    if (result.ok()) {
      logger_.Log(LogLevel::kDebug, masked + " -> " + std::to_string(result.response.status) +
                                        " in " + std::to_string(elapsed) + " ms");
      // One new token per request: a second 401 means the credentials themselves are refused.
      if (result.response.status == 401 && auth_ != nullptr && !refreshed_auth &&
          auth_->OnUnauthorized(authorization)) {
        refreshed_auth = true;
        logger_.Log(LogLevel::kInfo, masked + ": 401, renewing the access token");
        --attempt;
        continue;
      }
    } else {
      logger_.Log(LogLevel::kWarning, masked + " failed (" +
                                          std::string(TransportErrorKindName(result.error_kind)) +
                                          "): " + result.error_message);
    }

    if (attempt >= max_attempts || !IsRetryable(result, idempotency)) {
      if (!result.ok()) {
        std::string message = request.method + " " + PathOf(MaskUrl(request.url)) + ": " +
                              std::string(TransportErrorKindName(result.error_kind)) + ": " +
                              result.error_message;
        if (attempt > 1) message += " (after " + std::to_string(attempt) + " attempts)";
        return UnavailableError(std::move(message));
      }
      return std::move(result.response);
    }

    std::chrono::milliseconds delay = NextDelay(attempt);
    if (result.ok()) {
      std::string_view retry_after = FindHeader(result.response.headers, "Retry-After");
      if (auto after = ParseRetryAfter(retry_after, clock_.Now())) {
        if (*after > options_.retry.max_retry_after) {
          logger_.Log(LogLevel::kWarning, masked + ": Retry-After beyond the limit, giving up");
          return std::move(result.response);
        }
        delay = *after;
      }
    }
    logger_.Log(LogLevel::kInfo, masked + ": retrying in " + std::to_string(delay.count()) +
                                     " ms (attempt " + std::to_string(attempt + 1) + " of " +
                                     std::to_string(max_attempts) + ")");
    clock_.Sleep(delay);
  }
}

FhirResult<FhirResponse> FhirClient::Interact(HttpRequest request, Idempotency idempotency,
                                              bool accept_4xx_outcome) {
  SILTA_ASSIGN_OR_RETURN(HttpResponse response, Execute(std::move(request), idempotency));
  const bool outcome_answer = accept_4xx_outcome &&
                              (response.status == 400 || response.status == 422) &&
                              !SummarizeOperationOutcome(response.body).empty();
  if ((response.status < 200 || response.status >= 300) && !outcome_answer) {
    return FhirResult<FhirResponse>(HttpError(response, options_.outcome_text), response.status);
  }
  const int status = response.status;
  return FhirResult<FhirResponse>(ToFhirResponse(std::move(response)), status);
}

Status FhirClient::Connect() {
  HttpRequest request{"GET", "metadata", {}, {}};
  StatusOr<FhirResponse> response = Interact(std::move(request), Idempotency::kIdempotent);
  if (!response.ok()) return response.status().Annotate("reading the CapabilityStatement");

  rapidjson::Document doc;
  doc.Parse(response->body.data(), response->body.size());
  if (doc.HasParseError() || !doc.IsObject() ||
      std::string(json::StringMember(doc, "resourceType")) != "CapabilityStatement") {
    return FailedPreconditionError("the server's /metadata is not a CapabilityStatement");
  }
  CapabilitySummary summary;
  summary.fhir_version = std::string(json::StringMember(doc, "fhirVersion"));
  if (const rapidjson::Value* formats = &json::ArrayMember(doc, "format")) {
    for (const rapidjson::Value& f : formats->GetArray()) {
      if (f.IsString()) summary.formats.insert(f.GetString());
    }
  }
  if (const rapidjson::Value* rests = &json::ArrayMember(doc, "rest")) {
    for (const rapidjson::Value& rest : rests->GetArray()) {
      if (std::string(json::StringMember(rest, "mode")) != "server") continue;
      auto codes = [](const rapidjson::Value& holder, std::set<std::string>& into) {
        if (const rapidjson::Value* list = &json::ArrayMember(holder, "interaction")) {
          for (const rapidjson::Value& i : list->GetArray()) {
            into.insert(std::string(json::StringMember(i, "code")));
          }
        }
      };
      codes(rest, summary.interactions["*"]);
      if (const rapidjson::Value* resources = &json::ArrayMember(rest, "resource")) {
        for (const rapidjson::Value& r : resources->GetArray()) {
          codes(r, summary.interactions[std::string(json::StringMember(r, "type"))]);
        }
      }
    }
  }
  if (summary.fhir_version.rfind("4.0.", 0) != 0) {
    return FailedPreconditionError("the server speaks FHIR " + summary.fhir_version +
                                   ", this client needs 4.0.x (R4)");
  }
  if (!summary.formats.empty()) {
    bool json = false;
    for (const std::string& f : summary.formats) {
      json = json || f == "json" || f.find("json") != std::string::npos;
    }
    if (!json) return FailedPreconditionError("the server does not offer JSON");
  }
  std::string missing;
  for (const auto& [type, needed] : options_.required_interactions) {
    const std::set<std::string>& offered = summary.interactions[type];
    for (const std::string& code : needed) {
      if (offered.count(code) == 0) {
        missing += (missing.empty() ? "" : ", ") + (type == "*" ? code : type + "." + code);
      }
    }
  }
  if (!missing.empty()) {
    return FailedPreconditionError("the server's CapabilityStatement lacks: " + missing);
  }
  capabilities_ = std::move(summary);
  logger_.Log(LogLevel::kInfo,
              "connected to " + MaskUrl(base_url_) + " (FHIR " + capabilities_.fhir_version + ")");
  return Status::Ok();
}

FhirResult<FhirResponse> FhirClient::Read(const std::string& type, const std::string& id) {
  return Interact({"GET", type + "/" + UrlEncode(id), {}, {}}, Idempotency::kIdempotent);
}

FhirResult<FhirResponse> FhirClient::VRead(const std::string& type, const std::string& id,
                                           const std::string& version_id) {
  return Interact(
      {"GET", type + "/" + UrlEncode(id) + "/_history/" + UrlEncode(version_id), {}, {}},
      Idempotency::kIdempotent);
}

FhirResult<FhirResponse> FhirClient::Create(const std::string& type,
                                            const std::string& resource_json) {
  return Interact({"POST", type, {}, resource_json}, Idempotency::kNonIdempotent);
}

FhirResult<FhirResponse> FhirClient::CreateIfNoneExist(const std::string& type,
                                                       const std::string& resource_json,
                                                       const QueryParams& match) {
  if (match.empty()) {
    return FhirResult<FhirResponse>(
        InvalidArgumentError("a conditional create needs search parameters"));
  }
  return Interact({"POST", type, {{"If-None-Exist", EncodeQuery(match)}}, resource_json},
                  Idempotency::kIdempotent);
}

FhirResult<FhirResponse> FhirClient::Update(const std::string& type, const std::string& id,
                                            const std::string& resource_json,
                                            const std::string& if_match) {
  HttpRequest request{"PUT", type + "/" + UrlEncode(id), {}, resource_json};
  if (!if_match.empty()) request.headers.emplace_back("If-Match", if_match);
  return Interact(std::move(request), Idempotency::kIdempotent);
}

FhirResult<FhirResponse> FhirClient::ConditionalUpdate(const std::string& type,
                                                       const QueryParams& match,
                                                       const std::string& resource_json) {
  if (match.empty()) {
    return FhirResult<FhirResponse>(
        InvalidArgumentError("a conditional update needs search parameters"));
  }
  return Interact({"PUT", type + "?" + EncodeQuery(match), {}, resource_json},
                  Idempotency::kIdempotent);
}

FhirResult<FhirResponse> FhirClient::Delete(const std::string& type, const std::string& id) {
  return Interact({"DELETE", type + "/" + UrlEncode(id), {}, {}}, Idempotency::kIdempotent);
}

FhirResult<BundleOutcome> FhirClient::PostBundle(const std::string& bundle_json,
                                                 const char* expected_type) {
  SILTA_ASSIGN_OR_RETURN(bool idempotent, BundleIsIdempotent(bundle_json));
  HttpRequest request{"POST", base_url_, {}, bundle_json};
  FhirResult<FhirResponse> response = Interact(
      std::move(request), idempotent ? Idempotency::kIdempotent : Idempotency::kNonIdempotent);
  if (!response.ok()) return FhirResult<BundleOutcome>(response.status(), response.http_status());
  StatusOr<BundleOutcome> outcome = ParseBundleOutcome(response->body, options_.outcome_text);
  if (!outcome.ok()) return FhirResult<BundleOutcome>(outcome.status(), response.http_status());
  if (outcome->type != expected_type) {
    return FhirResult<BundleOutcome>(
        DataLossError("expected a " + std::string(expected_type) + " Bundle, got " +
                      (outcome->type.empty() ? "none" : outcome->type)),
        response.http_status());
  }
  return FhirResult<BundleOutcome>(std::move(outcome).value(), response.http_status());
}

FhirResult<BundleOutcome> FhirClient::Transaction(const std::string& bundle_json) {
  return PostBundle(bundle_json, "transaction-response");
}

FhirResult<BundleOutcome> FhirClient::Batch(const std::string& bundle_json) {
  return PostBundle(bundle_json, "batch-response");
}

Pager FhirClient::Search(const std::string& type, const QueryParams& params) {
  std::string url = Url(type);
  if (!params.empty()) url += "?" + EncodeQuery(params);
  return Pager(*this, url);
}

Pager FhirClient::SearchUpdatedSince(const std::string& type, const std::string& since,
                                     QueryParams extra) {
  extra.insert(extra.begin(), {"_lastUpdated", "gt" + since});
  return Search(type, extra);
}

Pager FhirClient::History(const std::string& type, const std::string& since, QueryParams extra) {
  if (!since.empty()) extra.insert(extra.begin(), {"_since", since});
  std::string url = Url(type.empty() ? "_history" : type + "/_history");
  if (!extra.empty()) url += "?" + EncodeQuery(extra);
  return Pager(*this, url);
}

FhirResult<FhirResponse> FhirClient::Validate(const std::string& type,
                                              const std::string& resource_json,
                                              const std::string& profile) {
  std::string path = type + "/$validate";
  if (!profile.empty()) path += "?" + EncodeQuery({{"profile", profile}});
  // $validate changes nothing on the server: safe to repeat.
  return Interact({"POST", path, {}, resource_json}, Idempotency::kIdempotent,
                  /*accept_4xx_outcome=*/true);
}

StatusOr<std::optional<FhirResponse>> FhirClient::FetchPage(Pager& pager) {
  if (pager.next_url_.empty()) return std::optional<FhirResponse>();
  // A next link elsewhere would carry our Authorization header to another host.
  if (pager.next_url_.rfind(base_url_ + "/", 0) != 0 && pager.next_url_ != base_url_ &&
      pager.next_url_.rfind(base_url_ + "?", 0) != 0) {
    return FailedPreconditionError("the server's next link leaves the base URL: " +
                                   MaskUrl(pager.next_url_));
  }
  std::string url = std::move(pager.next_url_);
  pager.next_url_.clear();
  SILTA_ASSIGN_OR_RETURN(FhirResponse page,
                         Interact({"GET", url, {}, {}}, Idempotency::kIdempotent));
  SILTA_ASSIGN_OR_RETURN(pager.next_url_, NextLink(page.body));
  ++pager.pages_read_;
  return std::optional<FhirResponse>(std::move(page));
}

StatusOr<std::optional<FhirResponse>> Pager::NextPage() { return client_->FetchPage(*this); }

}  // namespace silta::fhirclient
