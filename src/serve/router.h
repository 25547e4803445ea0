// The routes of the service, independent of the HTTP library: route lookup with bearer-token
// authorisation, then the endpoint on a fully read (and decompressed) body.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "formats/formats.h"
#include "serve/metrics.h"
#include "serve/record_queue.h"
#include "serve/serve.h"
#include "serve/sync_worker.h"
#include "sync/sync.h"

namespace silta::serve {

struct Request {
  std::string method;
  std::string path;                                        // without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string content_type;
  std::string accept;
  std::string body;

  // The first value of a query parameter, empty when absent.
  std::string QueryValue(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class Endpoint {
  kPage,
  kHealth,
  kReady,
  kMetadata,
  kMetrics,
  kConvert,
  kValidate,
  kValidateType,
  kMapToFhir,
  kMapFromFhir,
  kEnqueueRecord,
  kSyncStatus,
  kQueueList,
  kQueueShow,
  kQueueRequeue,
  kQueueDiscard,
};

struct RouteMatch {
  Endpoint endpoint;
  std::string label;      // the route pattern, for metrics
  std::string path_type;  // the {type} of /{type}/$validate, the {id} of /sync/queue/{id}
  bool needs_body = false;
};

class Router {
 public:
  Router(const ServeConfig& config, Services services, TokenStore tokens,
         std::unique_ptr<RecordQueue> queue, std::unique_ptr<sync::JournalStore> journal);

  // The route of a request, or the response refusing it (404, 405, 401, 403). Runs before the
  // body is read so that unauthorised clients cannot make the service read large bodies.
  std::variant<RouteMatch, Response> Resolve(const std::string& method, const std::string& path,
                                             const std::string& authorization,
                                             const std::string& accept) const;
  Response Dispatch(const RouteMatch& route, const Request& request);

  // An OperationOutcome response in the format the client asked for (JSON by default).
  Response Outcome(int status, std::vector<Issue> issues, std::string_view accept,
                   std::string_view format_param = {}) const;
  static Issue MakeIssue(Severity severity, IssueType type, std::string message_id,
                         std::string message);

  Metrics& metrics() { return metrics_; }
  RecordQueue& queue() { return *queue_; }
  // The queue's consumer, woken by new records and reported by /sync/status and /metrics.
  void set_sync_worker(SyncWorker* worker) { sync_worker_ = worker; }

 private:
  Response Page() const;
  Response Ready() const;
  Response Metadata(const Request& request) const;
  Response MetricsText();
  Response Convert(const Request& request) const;
  Response Validate(const Request& request, const std::string& path_type);
  Response HtmlReport(int status, std::vector<Issue> issues,
                      const std::vector<std::string>& profiles) const;
  // The 501 or 415 answer to a mapping request that cannot be served; nullopt with the request's
  // and the response's formats when it can.
  std::optional<Response> RefuseMapping(const Request& request, bool has_mapper,
                                        formats::Format* in, formats::Format* out) const;
  Response MapToFhir(const Request& request) const;
  Response MapFromFhir(const Request& request) const;
  Response EnqueueRecord(const Request& request);
  Response SyncStatus();
  Response QueueList(const Request& request);
  Response QueueShow(const Request& request, const std::string& id);
  // Requeue or discard, with the audit line in the service log and the queue's audit table.
  Response QueueOperate(const Request& request, const std::string& id, bool discard);

  // The FHIR resource `json` (R4 JSON text) in `format`: as is, or converted to XML.
  Response FhirResource(int status, const std::string& json, formats::Format format) const;
  std::optional<formats::Format> RequestFormat(const Request& request) const;
  Response UnsupportedMediaType(const Request& request) const;

  ServeConfig config_;
  Services services_;
  TokenStore tokens_;
  std::unique_ptr<RecordQueue> queue_;
  std::unique_ptr<sync::JournalStore> journal_;
  Metrics metrics_;
  SyncWorker* sync_worker_ = nullptr;
};

// The self-contained page at "/": drop a file, see the validation report.
std::string_view IndexPage();

}  // namespace silta::serve
