#include "serve/router.h"

#include "batch/report.h"

#include <cctype>
#include <cstdio>

#include "batch/report.h"
#include "formats/formats.h"
#include "json/json.h"
#include "records/records.h"
#include "serve_http/serve_http.h"
#include "store/store.h"

namespace silta::serve {
namespace {

struct RouteSpec {
  const char* method;
  const char* path;
  Endpoint endpoint;
  const char* scope;  // null: open
  bool needs_body;
};

constexpr RouteSpec kRoutes[] = {
    {"GET", "/", Endpoint::kPage, "ui", false},
    {"GET", "/healthz", Endpoint::kHealth, nullptr, false},
    {"GET", "/readyz", Endpoint::kReady, "health", false},
    {"GET", "/metadata", Endpoint::kMetadata, "metadata", false},
    {"GET", "/metrics", Endpoint::kMetrics, "metrics", false},
    {"POST", "/$convert", Endpoint::kConvert, "convert", true},
    {"POST", "/$validate", Endpoint::kValidate, "validate", true},
    {"POST", "/{type}/$validate", Endpoint::kValidateType, "validate", true},
    {"POST", "/$map-to-fhir", Endpoint::kMapToFhir, "map", true},
    {"POST", "/$map-from-fhir", Endpoint::kMapFromFhir, "map", true},
    {"POST", "/client-records", Endpoint::kEnqueueRecord, "records.write", true},
    {"GET", "/sync/status", Endpoint::kSyncStatus, "sync.read", false},
    // Operators: listings carry no personal data; changing the queue needs its own scope.
    {"GET", "/sync/queue", Endpoint::kQueueList, "sync.read", false},
    {"GET", "/sync/queue/{id}", Endpoint::kQueueShow, "sync.read", false},
    {"POST", "/sync/queue/{id}/$requeue", Endpoint::kQueueRequeue, "sync.admin", false},
    {"DELETE", "/sync/queue/{id}", Endpoint::kQueueDiscard, "sync.admin", false},
};

// Matches "/sync/queue/<digits><suffix>"; returns the digits.
std::optional<std::string> QueueRecordPath(std::string_view path, std::string_view suffix) {
  constexpr std::string_view kPrefix = "/sync/queue/";
  if (!path.starts_with(kPrefix) || !path.ends_with(suffix)) return std::nullopt;
  std::string_view id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - suffix.size());
  if (id.empty() || id.size() > 18) return std::nullopt;
  for (char c : id) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::string(id);
}

// Matches "/{type}/$validate" for an alphabetic type name; returns the type.
std::optional<std::string> TypeValidatePath(std::string_view path) {
  constexpr std::string_view kSuffix = "/$validate";
  if (!path.starts_with('/') || !path.ends_with(kSuffix)) return std::nullopt;
  std::string_view type = path.substr(1, path.size() - 1 - kSuffix.size());
  if (type.empty()) return std::nullopt;
  for (char c : type) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::string(type);
}

std::string_view RecordMediaType(records::Format format) {
  return format == records::Format::kXml ? "application/xml" : "application/json";
}

records::Format RecordFormat(formats::Format format) {
  return format == formats::Format::kXml ? records::Format::kXml : records::Format::kJson;
}

}  // namespace

std::string Request::QueryValue(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return {};
}

Router::Router(const ServeConfig& config, Services services, TokenStore tokens,
               std::unique_ptr<RecordQueue> queue, std::unique_ptr<sync::JournalStore> journal)
    : config_(config),
      services_(std::move(services)),
      tokens_(std::move(tokens)),
      queue_(std::move(queue)),
      journal_(std::move(journal)) {}

Issue Router::MakeIssue(Severity severity, IssueType type, std::string message_id,
                        std::string message) {
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = std::move(message_id);
  issue.message = std::move(message);
  return issue;
}

std::variant<RouteMatch, Response> Router::Resolve(const std::string& method,
                                                   const std::string& path,
                                                   const std::string& authorization,
                                                   const std::string& accept) const {
  const RouteSpec* spec = nullptr;
  bool path_known = false;
  std::string path_type;
  for (const RouteSpec& candidate : kRoutes) {
    bool matches = candidate.path == path;
    if (!matches && candidate.endpoint == Endpoint::kValidateType) {
      if (auto type = TypeValidatePath(path)) {
        matches = true;
        path_type = *type;
      }
    }
    if (!matches && (candidate.endpoint == Endpoint::kQueueShow ||
                     candidate.endpoint == Endpoint::kQueueDiscard ||
                     candidate.endpoint == Endpoint::kQueueRequeue)) {
      if (auto id = QueueRecordPath(
              path, candidate.endpoint == Endpoint::kQueueRequeue ? "/$requeue" : "")) {
        matches = true;
        path_type = *id;
      }
    }
    if (!matches) continue;
    path_known = true;
    if (candidate.method == method) {
      spec = &candidate;
      break;
    }
  }
  if (spec == nullptr) {
    if (path_known) {
      Response r =
          Outcome(405,
                  {MakeIssue(Severity::kError, IssueType::kNotSupported, "SERVE_METHOD_NOT_ALLOWED",
                             "Method " + method + " is not supported on this route")},
                  accept);
      return r;
    }
    return Outcome(404,
                   {MakeIssue(Severity::kError, IssueType::kNotFound, "SERVE_UNKNOWN_ROUTE",
                              "No such route; GET /metadata lists the operations")},
                   accept);
  }
  RouteMatch match{spec->endpoint, spec->path, path_type, spec->needs_body};
  if (spec->scope == nullptr || config_.open_routes.contains(spec->path)) return match;

  constexpr std::string_view kBearer = "Bearer ";
  std::optional<std::set<std::string>> scopes;
  if (authorization.size() > kBearer.size() &&
      std::string_view(authorization).substr(0, kBearer.size()) == kBearer) {
    scopes = tokens_.ScopesOf(std::string_view(authorization).substr(kBearer.size()));
  }
  if (!scopes) {
    Response r = Outcome(401,
                         {MakeIssue(Severity::kError, IssueType::kSecurity, "SERVE_UNAUTHENTICATED",
                                    "A valid bearer token is required")},
                         accept);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"silta\"");
    return r;
  }
  if (!scopes->contains(spec->scope) && !scopes->contains("*")) {
    return Outcome(403,
                   {MakeIssue(Severity::kError, IssueType::kSecurity, "SERVE_FORBIDDEN",
                              std::string("The token lacks the scope '") + spec->scope + "'")},
                   accept);
  }
  return match;
}

Response Router::Dispatch(const RouteMatch& route, const Request& request) {
  switch (route.endpoint) {
    case Endpoint::kPage:
      return Page();
    case Endpoint::kHealth:
      return {200, "text/plain; charset=utf-8", "ok\n", {}};
    case Endpoint::kReady:
      return Ready();
    case Endpoint::kMetadata:
      return Metadata(request);
    case Endpoint::kMetrics:
      return MetricsText();
    case Endpoint::kConvert:
      return Convert(request);
    case Endpoint::kValidate:
      return Validate(request, {});
    case Endpoint::kValidateType:
      return Validate(request, route.path_type);
    case Endpoint::kMapToFhir:
      return MapToFhir(request);
    case Endpoint::kMapFromFhir:
      return MapFromFhir(request);
    case Endpoint::kEnqueueRecord:
      return EnqueueRecord(request);
    case Endpoint::kSyncStatus:
      return SyncStatus();
    case Endpoint::kQueueList:
      return QueueList(request);
    case Endpoint::kQueueShow:
      return QueueShow(request, route.path_type);
    case Endpoint::kQueueRequeue:
      return QueueOperate(request, route.path_type, /*discard=*/false);
    case Endpoint::kQueueDiscard:
      return QueueOperate(request, route.path_type, /*discard=*/true);
  }
  return Outcome(500,
                 {MakeIssue(Severity::kError, IssueType::kException, "SERVE_INTERNAL",
                            "Internal error: no handler for the route")},
                 request.accept);
}

Response Router::FhirResource(int status, const std::string& json, formats::Format format) const {
  if (format == formats::Format::kJson || services_.model == nullptr) {
    return {status, std::string(FhirMediaType(formats::Format::kJson)), json, {}};
  }
  IssueCollector ignored;
  auto document = formats::ParseJson(json, services_.model, ignored);
  if (document == nullptr || document->root() == nullptr) {
    return {status, std::string(FhirMediaType(formats::Format::kJson)), json, {}};
  }
  return {status, std::string(FhirMediaType(format)), formats::WriteXml(*document->root()), {}};
}

Response Router::Outcome(int status, std::vector<Issue> issues, std::string_view accept,
                         std::string_view format_param) const {
  auto format = ResponseFormat(format_param, accept, formats::Format::kJson);
  return FhirResource(status, ToOperationOutcomeJson(issues),
                      format.value_or(formats::Format::kJson));
}

std::optional<formats::Format> Router::RequestFormat(const Request& request) const {
  return FormatOfMediaType(request.content_type);
}

Response Router::UnsupportedMediaType(const Request& request) const {
  return Outcome(
      415,
      {MakeIssue(Severity::kError, IssueType::kNotSupported, "SERVE_UNSUPPORTED_MEDIA_TYPE",
                 "Send application/fhir+json or application/fhir+xml (for client "
                 "records application/json or application/xml)")},
      request.accept);
}

Response Router::Page() const {
  return {200, "text/html; charset=utf-8", std::string(IndexPage()), {}};
}

Response Router::Ready() const {
  bool ready = services_.model != nullptr && queue_ != nullptr &&
               (config_.mappings_dir.empty() || services_.to_fhir_mapper != nullptr);
  if (!ready) return {503, "text/plain; charset=utf-8", "not ready\n", {}};
  // Records are still accepted and queued meanwhile; what waits is their sync. The reason is a
  // Status message of the client: server, path and error kind, never record data.
  if (sync_worker_ != nullptr) {
    SyncWorkerStats stats = sync_worker_->stats();
    if (!stats.ready) {
      return {503,
              "text/plain; charset=utf-8",
              "not ready: sync targets: " + stats.not_ready + "\n",
              {}};
    }
  }
  return {200, "text/plain; charset=utf-8", "ready\n", {}};
}

Response Router::Metadata(const Request& request) const {
  std::string operations;
  auto add_operation = [&](std::string_view name, std::string_view definition) {
    if (!operations.empty()) operations += ",";
    operations += R"({"name":")" + std::string(name) + R"(","definition":")" +
                  std::string(definition) + "\"}";
  };
  add_operation("validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate");
  add_operation("convert", "http://hl7.org/fhir/OperationDefinition/Resource-convert");
  if (services_.to_fhir_mapper) add_operation("map-to-fhir", "urn:silta:operation:map-to-fhir");
  if (services_.from_fhir_mapper) {
    add_operation("map-from-fhir", "urn:silta:operation:map-from-fhir");
  }
  std::string json =
      R"({"resourceType":"CapabilityStatement","status":"active","date":"2026-12-01",)"
      R"("kind":"instance","software":{"name":"Silta"},)"
      R"("implementation":{"description":"Silta FHIR R4 adapter service"},)"
      R"("fhirVersion":"4.0.1","format":["json","xml"],)"
      R"("rest":[{"mode":"server","security":{"description":"Bearer tokens with scopes per )"
      R"(route; see docs/serve.md"},"operation":[)" +
      operations + "]}]}";
  auto format =
      ResponseFormat(request.QueryValue("_format"), request.accept, formats::Format::kJson);
  if (!format) return UnsupportedMediaType(request);
  return FhirResource(200, json, *format);
}

Response Router::MetricsText() {
  std::optional<QueueCounts> counts;
  if (auto c = queue_->Counts(); c.ok()) counts = *c;
  std::string text = metrics_.Render(counts);
  if (sync_worker_ != nullptr) text += RenderSyncMetrics(sync_worker_->stats());
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}};
}

Response Router::Convert(const Request& request) const {
  auto in = RequestFormat(request);
  if (!in) return UnsupportedMediaType(request);
  // By default the other format: converting is the point of the call.
  formats::Format other =
      *in == formats::Format::kJson ? formats::Format::kXml : formats::Format::kJson;
  auto out = ResponseFormat(request.QueryValue("_format"), request.accept, other);
  if (!out) return UnsupportedMediaType(request);
  IssueCollector issues;
  formats::ParseOptions options;
  options.source_name = "request";
  auto document = formats::Parse(request.body, *in, services_.model, issues, options);
  if (document == nullptr || document->root() == nullptr || issues.HasErrors()) {
    if (!issues.HasErrors()) {
      issues.Report(MakeIssue(Severity::kError, IssueType::kStructure, "SERVE_NOT_A_RESOURCE",
                              "The body is not a FHIR resource"));
    }
    return Outcome(400, issues.Take(), request.accept, request.QueryValue("_format"));
  }
  return {200, std::string(FhirMediaType(*out)), formats::Write(*document->root(), *out), {}};
}

Response Router::Validate(const Request& request, const std::string& path_type) {
  auto in = RequestFormat(request);
  if (!in) return UnsupportedMediaType(request);
  std::string format_param = request.QueryValue("_format");
  std::vector<std::string> profiles;
  // A person's browser (the page at "/") gets the same HTML report as `silta validate --html`.
  const bool html = WantsHtml(format_param, request.accept);
  auto answer = [&](int status, std::vector<Issue> found) {
    if (html) return HtmlReport(status, std::move(found), profiles);
    return Outcome(status, std::move(found), request.accept, format_param);
  };
  IssueCollector issues;
  formats::ParseOptions options;
  options.source_name = "request";
  options.keep_refused_narratives = true;  // parsed to be validated, never written
  auto document = formats::Parse(request.body, *in, services_.model, issues, options);
  if (document == nullptr || document->root() == nullptr) {
    if (!issues.HasErrors()) {
      issues.Report(MakeIssue(Severity::kError, IssueType::kStructure, "SERVE_NOT_A_RESOURCE",
                              "The body is not a FHIR resource"));
    }
    return answer(400, issues.Take());
  }
  // The operation's Parameters form: the resource in parameter "resource", profiles in
  // "profile". Unless the client validates a Parameters resource itself (/Parameters/$validate).
  if (document->root()->name() == "Parameters" && path_type != "Parameters") {
    const model::Element* wrapped = nullptr;
    for (const model::Element* parameter : document->root()->Children("parameter")) {
      const model::Element* name = parameter->Child("name");
      if (name == nullptr) continue;
      if (name->value() == "resource") wrapped = parameter->Child("resource");
      const model::Element* value = parameter->Child("value");
      if (name->value() == "profile" && value != nullptr && value->has_value()) {
        profiles.emplace_back(value->value());
      }
    }
    if (wrapped == nullptr) {
      return answer(400, {MakeIssue(Severity::kError, IssueType::kRequired, "SERVE_NO_RESOURCE",
                                    "The Parameters have no parameter 'resource'")});
    }
    // Line numbers would point into the re-serialised text; the expressions locate issues.
    auto unwrapped =
        formats::ParseJson(formats::WriteJson(*wrapped), services_.model, issues, options);
    if (unwrapped == nullptr || unwrapped->root() == nullptr) {
      return answer(400, issues.Take());
    }
    document = std::move(unwrapped);
  }
  std::string_view root_type = document->root()->name();
  if (!path_type.empty() && root_type != path_type) {
    return answer(400, {MakeIssue(Severity::kError, IssueType::kInvalid, "SERVE_TYPE_MISMATCH",
                                  "The body is a " + std::string(root_type) + ", the URL names " +
                                      path_type)});
  }
  for (const auto& [key, value] : request.query) {
    if (key == "profile" && !value.empty()) profiles.push_back(value);
  }
  if (services_.validate) services_.validate(*document, profiles, issues);
  std::vector<Issue> found = issues.Take();
  for (const Issue& issue : found) metrics_.RecordIssue(issue.severity);
  // $validate answers 200 whatever it found: the OperationOutcome is the result.
  return answer(200, std::move(found));
}

Response Router::HtmlReport(int status, std::vector<Issue> issues,
                            const std::vector<std::string>& profiles) const {
  batch::BatchReport report;
  report.info().profiles = profiles;
  batch::UnitResult unit;
  unit.resources = status == 200 ? 1 : 0;
  unit.issues = std::move(issues);
  unit.last_of_input = true;
  report.Add({"request", "request body", batch::InputFormat::kJson, 0}, std::move(unit));
  return {status, "text/html; charset=utf-8", batch::RenderHtmlReport(report), {}};
}

std::optional<Response> Router::RefuseMapping(const Request& request, bool has_mapper,
                                              formats::Format* in, formats::Format* out) const {
  if (!has_mapper) {
    return Outcome(501,
                   {MakeIssue(Severity::kError, IssueType::kNotSupported, "SERVE_NO_MAPPINGS",
                              "The service has no mapping modules configured")},
                   request.accept);
  }
  auto request_format = RequestFormat(request);
  auto response_format =
      ResponseFormat(request.QueryValue("_format"), request.accept, formats::Format::kJson);
  if (!request_format || !response_format) return UnsupportedMediaType(request);
  *in = *request_format;
  *out = *response_format;
  return std::nullopt;
}

Response Router::MapToFhir(const Request& request) const {
  formats::Format in_format, out_format;
  if (auto refused =
          RefuseMapping(request, services_.to_fhir_mapper != nullptr, &in_format, &out_format)) {
    return *refused;
  }
  IssueCollector issues;
  records::ReadOptions options;
  options.source_name = "request";
  auto record = records::Read(request.body, RecordFormat(in_format), issues, options);
  if (!record) return Outcome(400, issues.Take(), request.accept);
  auto bundle = services_.to_fhir_mapper->ToFhir(*record, issues);
  if (bundle && services_.check_bundle) services_.check_bundle(*bundle, issues);
  if (!bundle || issues.HasErrors()) return Outcome(422, issues.Take(), request.accept);
  return FhirResource(200, bundle->ToString(false), out_format);
}

Response Router::MapFromFhir(const Request& request) const {
  formats::Format in_format, out_format;
  if (auto refused =
          RefuseMapping(request, services_.from_fhir_mapper != nullptr, &in_format, &out_format)) {
    return *refused;
  }
  IssueCollector issues;
  std::string json_text = request.body;
  if (in_format == formats::Format::kXml) {
    formats::ParseOptions options;
    options.source_name = "request";
    auto document = formats::ParseXml(request.body, services_.model, issues, options);
    if (document == nullptr || document->root() == nullptr || issues.HasErrors()) {
      return Outcome(400, issues.Take(), request.accept);
    }
    json_text = formats::WriteJson(*document->root());
  }
  auto bundle = json::Value::Parse(json_text, "request");
  if (!bundle.ok()) {
    return Outcome(400,
                   {MakeIssue(Severity::kError, IssueType::kStructure, "SERVE_MALFORMED_JSON",
                              bundle.status().message())},
                   request.accept);
  }
  std::optional<records::ClientRecord> record;
  if (auto json = services_.from_fhir_mapper->FromFhir(*bundle, issues)) {
    records::ReadOptions options;
    options.source_name = "request (mapped back)";
    record = records::ReadJson(json->ToString(), issues, options);
  }
  if (!record) return Outcome(422, issues.Take(), request.accept);
  records::Format format = RecordFormat(out_format);
  return {200, std::string(RecordMediaType(format)), records::Write(*record, format), {}};
}

Response Router::EnqueueRecord(const Request& request) {
  auto in = RequestFormat(request);
  if (!in) return UnsupportedMediaType(request);
  IssueCollector issues;
  records::ReadOptions options;
  options.source_name = "request";
  auto record = records::Read(request.body, RecordFormat(*in), issues, options);
  if (!record || issues.HasErrors()) return Outcome(400, issues.Take(), request.accept);
  // The unit of ordering: one client's records are pushed in the order queued.
  auto id = queue_->Enqueue(*in == formats::Format::kXml ? "xml" : "json", request.body,
                            record->county.code + "/" + record->client_id);
  if (!id.ok()) {
    return Outcome(503,
                   {MakeIssue(Severity::kError, IssueType::kException, "SERVE_QUEUE_UNAVAILABLE",
                              "The record queue could not store the record")},
                   request.accept);
  }
  Response r =
      Outcome(202,
              {MakeIssue(Severity::kInformation, IssueType::kInformational, "SERVE_RECORD_QUEUED",
                         "Record queued for sync as " + std::to_string(*id))},
              request.accept);
  r.headers.emplace_back("Content-Location", "/client-records/" + std::to_string(*id));
  if (sync_worker_ != nullptr) sync_worker_->Wake();
  return r;
}

Response Router::SyncStatus() {
  auto depth = queue_->Depth();
  std::string conflicts = "null";
  if (journal_) {
    if (auto count = journal_->ConflictCount(); count.ok()) conflicts = std::to_string(*count);
  }
  std::string body =
      "{\"queueDepth\":" + (depth.ok() ? std::to_string(*depth) : "null") +
      ",\"conflicts\":" + conflicts + ",\"journal\":" +
      (journal_ ? json::Value::String(store::IsPostgresUri(config_.journal_file.string())
                                          ? std::string("postgresql")
                                          : config_.journal_file.filename().string())
                      .ToString()
                : "null") +
      ",\"worker\":" + (sync_worker_ != nullptr ? SyncStatsJson(sync_worker_->stats()) : "null") +
      "}\n";
  return {200, "application/json", body, {}};
}

Response Router::QueueList(const Request& request) {
  auto unavailable = [&] {
    return Outcome(503,
                   {MakeIssue(Severity::kError, IssueType::kException, "SERVE_QUEUE_UNAVAILABLE",
                              "The record queue could not be read")},
                   request.accept);
  };
  auto counts = queue_->Counts();
  auto problems = queue_->Problems(1000);
  if (!counts.ok() || !problems.ok()) return unavailable();
  auto quarantined = ListQuarantine(config_.quarantine_dir);
  if (!quarantined.ok()) return unavailable();
  return {200,
          "application/json",
          QueueListingJson(*counts, *problems, *quarantined).ToString(true) + "\n",
          {}};
}

Response Router::QueueShow(const Request& request, const std::string& id) {
  auto found = queue_->Find(std::stoll(id));
  if (!found.ok()) {
    return Outcome(503,
                   {MakeIssue(Severity::kError, IssueType::kException, "SERVE_QUEUE_UNAVAILABLE",
                              "The record queue could not be read")},
                   request.accept);
  }
  if (!*found) {
    return Outcome(404,
                   {MakeIssue(Severity::kError, IssueType::kNotFound, "SERVE_QUEUE_NO_RECORD",
                              "No queued record " + id)},
                   request.accept);
  }
  return {200, "application/json", QueueProblemJson(**found, true).ToString(true) + "\n", {}};
}

Response Router::QueueOperate(const Request& request, const std::string& id, bool discard) {
  const int64_t record_id = std::stoll(id);
  auto found = queue_->Find(record_id);
  // The operator's name, if the caller gives one; the token itself is never recorded.
  std::string by = request.QueryValue("by");
  QueueAction action{by.empty() ? "http" : "http:" + by, request.QueryValue("reason")};
  StatusOr<OperatorResult> result =
      discard ? queue_->Discard(record_id, action) : queue_->Requeue(record_id, action);
  if (!found.ok() || !result.ok()) {
    return Outcome(503,
                   {MakeIssue(Severity::kError, IssueType::kException, "SERVE_QUEUE_UNAVAILABLE",
                              "The record queue could not be changed")},
                   request.accept);
  }
  if (*result == OperatorResult::kNotFound || !*found) {
    return Outcome(404,
                   {MakeIssue(Severity::kError, IssueType::kNotFound, "SERVE_QUEUE_NO_RECORD",
                              "No queued record " + id)},
                   request.accept);
  }
  if (*result == OperatorResult::kBeingPushed) {
    return Outcome(409,
                   {MakeIssue(Severity::kError, IssueType::kBusinessRule, "SERVE_QUEUE_RECORD_BUSY",
                              "Queued record " + id +
                                  " is being pushed now; try again once its attempt is over")},
                   request.accept);
  }
  std::string line =
      AuditLine(discard ? "discard" : "requeue", record_id, (*found)->client_key, action);
  std::fprintf(stderr, "silta serve: %s\n", line.c_str());
  // Requeued, the record is claimable; discarded, its client's next record is.
  if (sync_worker_ != nullptr) sync_worker_->Wake();
  return Outcome(
      200,
      {MakeIssue(Severity::kInformation, IssueType::kInformational,
                 discard ? "SERVE_QUEUE_DISCARDED" : "SERVE_QUEUE_REQUEUED",
                 std::string("Queued record ") + id + (discard ? " discarded" : " requeued"))},
      request.accept);
}

}  // namespace silta::serve
