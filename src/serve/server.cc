// The Poco Net glue: sockets, TLS, the worker pool, bounded body reading, gzip, and graceful
// shutdown. Everything a route does lives in router.cc.
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "serve/access_log.h"
#include "serve/router.h"
#include "serve/serve.h"
#include "serve_http/serve_http.h"

namespace silta::serve {
namespace {

using Clock = std::chrono::steady_clock;

// An oversize body up to this much is read and dropped before the 413 goes out, so that the
// client, still sending, reads the answer instead of a connection reset. Larger ones are cut.
constexpr size_t kDrainLimit = 1u << 20;

// Responses smaller than this go out uncompressed: gzip would cost more than it saves.
constexpr size_t kGzipThreshold = 512;

class InFlight {
 public:
  explicit InFlight(std::atomic<int>& count) : count_(count) { count_.fetch_add(1); }
  ~InFlight() { count_.fetch_sub(1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int>& count_;
};

// The server's parts every request handler uses; they outlive the handlers.
struct HandlerContext {
  Router& router;
  const ServeConfig& config;
  AccessLog* access_log;
  std::atomic<int>& in_flight;
  const std::atomic<bool>& stopping;
};

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(const HandlerContext& context) : context_(context) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    InFlight guard(context_.in_flight);
    Clock::time_point start = Clock::now();
    std::string label = "(unmatched)";
    // The path of a known route only: an unknown one may be anything the client typed.
    std::string log_path = "-";
    std::string accept = request.get("Accept", "");
    Response result;
    try {
      result = Process(request, accept, label, log_path, response);
    } catch (const Poco::TimeoutException&) {
      response.setKeepAlive(false);
      result = BodyTimedOut(accept);
    } catch (const std::exception&) {
      // The exception text may quote the request: it stays out of the response and the log.
      result = context_.router.Outcome(500,
                                       {Router::MakeIssue(Severity::kError, IssueType::kException,
                                                          "SERVE_INTERNAL", "Internal error")},
                                       accept);
    }
    // While stopping, the connection closes after this response instead of idling.
    if (context_.stopping.load()) response.setKeepAlive(false);
    Send(request, result, response);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    context_.router.metrics().RecordRequest(label, result.status, seconds);
    if (context_.access_log != nullptr) {
      context_.access_log->Write({request.clientAddress().host().toString(), request.getMethod(),
                                  log_path, result.status, result.body.size(), seconds * 1000});
    }
  }

 private:
  Response Process(Poco::Net::HTTPServerRequest& request, const std::string& accept,
                   std::string& label, std::string& log_path,
                   Poco::Net::HTTPServerResponse& response) {
    Request parsed;
    Poco::URI uri;
    try {
      uri = Poco::URI(request.getURI());
    } catch (const Poco::SyntaxException&) {
      return context_.router.Outcome(
          400,
          {Router::MakeIssue(Severity::kError, IssueType::kInvalid, "SERVE_BAD_URI",
                             "The request URI is malformed")},
          accept);
    }
    parsed.method = request.getMethod();
    parsed.path = uri.getPath();
    for (auto& [key, value] : uri.getQueryParameters()) parsed.query.emplace_back(key, value);
    parsed.content_type = request.get("Content-Type", "");
    parsed.accept = accept;

    auto resolved = context_.router.Resolve(parsed.method, parsed.path,
                                            request.get("Authorization", ""), accept);
    if (auto* refusal = std::get_if<Response>(&resolved)) {
      if (refusal->status != 404) {
        label = "(refused)";
        log_path = parsed.path;
      }
      // An unread body would be taken for the next request on this connection.
      if (request.getContentLength64() != 0) response.setKeepAlive(false);
      return std::move(*refusal);
    }
    const RouteMatch& route = std::get<RouteMatch>(resolved);
    label = route.label;
    log_path = parsed.path;
    if (route.needs_body) {
      if (auto refusal = ReadBody(request, parsed, response)) return std::move(*refusal);
    }
    return context_.router.Dispatch(route, parsed);
  }

  // Reads and drops what is left of the body, up to kDrainLimit.
  static void Drain(std::istream& in) {
    char buffer[16384];
    size_t dropped = 0;
    while (dropped < kDrainLimit && (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)) {
      dropped += static_cast<size_t>(in.gcount());
    }
  }

  Response BodyTimedOut(const std::string& accept) {
    return context_.router.Outcome(
        408,
        {Router::MakeIssue(Severity::kError, IssueType::kException, "SERVE_TIMEOUT",
                           "The request body timed out")},
        accept);
  }

  Response TooLarge(const std::string& accept) {
    return context_.router.Outcome(
        413,
        {Router::MakeIssue(Severity::kError, IssueType::kTooLong, "SERVE_BODY_TOO_LARGE",
                           "The body exceeds the limit of " +
                               std::to_string(context_.config.max_body_bytes) + " bytes")},
        accept);
  }

  std::optional<Response> ReadBody(Poco::Net::HTTPServerRequest& request, Request& parsed,
                                   Poco::Net::HTTPServerResponse& response) {
    const size_t max = context_.config.max_body_bytes;
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<Poco::Int64>(max)) {
      response.setKeepAlive(false);
      if (request.getContentLength64() <= static_cast<Poco::Int64>(max + kDrainLimit)) {
        Drain(request.stream());
      }
      return TooLarge(parsed.accept);
    }
    std::istream& in = request.stream();
    std::string body;
    char buffer[16384];
    while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
      body.append(buffer, static_cast<size_t>(in.gcount()));
      if (body.size() > max) {
        response.setKeepAlive(false);
        Drain(in);
        return TooLarge(parsed.accept);
      }
    }
    // The stream swallows the socket's timeout and just ends: a body shorter than announced
    // did not arrive in time.
    if (request.hasContentLength() &&
        static_cast<Poco::Int64>(body.size()) < request.getContentLength64()) {
      response.setKeepAlive(false);
      return BodyTimedOut(parsed.accept);
    }
    auto decoded = DecodeRequestBody(request.get("Content-Encoding", ""), std::move(body), max);
    if (!decoded.ok()) {
      switch (decoded.status().code()) {
        case StatusCode::kFailedPrecondition:
          return TooLarge(parsed.accept);
        case StatusCode::kUnimplemented:
          return context_.router.Outcome(
              415,
              {Router::MakeIssue(Severity::kError, IssueType::kNotSupported, "SERVE_BAD_ENCODING",
                                 decoded.status().message())},
              parsed.accept);
        default:
          return context_.router.Outcome(
              400,
              {Router::MakeIssue(Severity::kError, IssueType::kStructure, "SERVE_BAD_GZIP",
                                 decoded.status().message())},
              parsed.accept);
      }
    }
    parsed.body = std::move(*decoded);
    return std::nullopt;
  }

  void Send(Poco::Net::HTTPServerRequest& request, Response& result,
            Poco::Net::HTTPServerResponse& response) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(result.status));
    if (!result.content_type.empty()) response.setContentType(result.content_type);
    for (const auto& [name, value] : result.headers) response.add(name, value);
    if (result.body.size() >= kGzipThreshold && AcceptsGzip(request.get("Accept-Encoding", ""))) {
      result.body = Gzip(result.body);
      response.set("Content-Encoding", "gzip");
    }
    response.set("Vary", "Accept-Encoding");
    response.sendBuffer(result.body.data(), result.body.size());
  }

  HandlerContext context_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const HandlerContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(context_);
  }

 private:
  HandlerContext context_;
};

StatusOr<Poco::Net::Context::Ptr> MakeTlsContext(const TlsConfig& tls) {
  static std::once_flag init;
  std::call_once(init, [] { Poco::Net::initializeSSL(); });
  try {
    Poco::Net::Context::Params params;
    params.privateKeyFile = tls.private_key_file;
    params.certificateFile = tls.certificate_file;
    params.caLocation = tls.ca_file;
    params.verificationMode = tls.require_client_certificate ? Poco::Net::Context::VERIFY_STRICT
                                                             : Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    // Poco would otherwise match a client certificate's name against the client's address;
    // the CA signature is what authenticates a client.
    context->enableExtendedCertificateVerification(false);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  } catch (const Poco::Exception& e) {
    return InvalidArgumentError("TLS set-up failed: " + e.displayText());
  }
}

}  // namespace

class Server::Impl {
 public:
  ServeConfig config;
  std::unique_ptr<Router> router;
  std::unique_ptr<AccessLog> access_log;
  std::unique_ptr<SyncWorker> sync_worker;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }
bool Server::tls() const { return impl_->config.tls.has_value(); }

StatusOr<std::unique_ptr<Server>> Server::Start(const ServeConfig& config, Services services,
                                                TokenStore tokens) {
  if (services.model == nullptr) return InvalidArgumentError("serve: no type model");
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  SILTA_ASSIGN_OR_RETURN(impl->access_log, AccessLog::Open(config.access_log));
  SILTA_ASSIGN_OR_RETURN(auto queue, RecordQueue::Open(config.queue_file));
  std::unique_ptr<sync::JournalStore> journal;
  if (!config.journal_file.empty()) {
    SILTA_ASSIGN_OR_RETURN(journal, sync::OpenJournal(config.journal_file));
  }
  std::shared_ptr<sync::SyncEngine> engine = std::move(services.sync_engine);
  std::function<Status()> preflight = std::move(services.sync_preflight);
  fhirclient::Clock* sync_clock = services.sync_clock;
  impl->router = std::make_unique<Router>(impl->config, std::move(services), std::move(tokens),
                                          std::move(queue), std::move(journal));
  if (engine != nullptr) {
    SyncWorkerOptions options;
    options.retry_initial = config.sync_retry;
    options.lease = config.sync_lease;
    options.heartbeat = config.sync_heartbeat;
    options.park_after = config.sync_park_after;
    options.quarantine_dir = config.quarantine_dir;
    options.preflight = std::move(preflight);
    options.clock = sync_clock;
    impl->sync_worker = std::make_unique<SyncWorker>(
        impl->router->queue(), std::move(engine), options,
        [](const std::string& line) { std::fprintf(stderr, "silta serve: %s\n", line.c_str()); });
    impl->router->set_sync_worker(impl->sync_worker.get());
  }
  unsigned threads =
      config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  try {
    Poco::Net::SocketAddress address(config.host, config.port);
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (config.tls) {
      SILTA_ASSIGN_OR_RETURN(auto context, MakeTlsContext(*config.tls));
      socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>();
    }
    socket->bind(address, /*reuseAddress=*/true);
    socket->listen(256);
    impl->port = socket->address().port();

    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(static_cast<int>(threads));
    params->setMaxQueued(1024);
    Poco::Timespan timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(config.request_timeout).count());
    params->setTimeout(timeout);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    // One extra thread for the acceptor.
    impl->pool = std::make_unique<Poco::ThreadPool>(static_cast<int>(threads) + 1,
                                                    static_cast<int>(threads) + 1);
    impl->http = std::make_unique<Poco::Net::HTTPServer>(
        new Factory(HandlerContext{*impl->router, impl->config, impl->access_log.get(),
                                   impl->in_flight, impl->stopping}),
        *impl->pool, *socket, params);
    impl->http->start();
    impl->socket = std::move(socket);
    if (impl->sync_worker) impl->sync_worker->Start();
  } catch (const Poco::Exception& e) {
    return UnavailableError("serve: cannot listen on " + config.host + ":" +
                            std::to_string(config.port) + ": " + e.displayText());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  // Stop accepting and close the listening socket at once (Poco closes it only on
  // destruction, and the kernel would queue new connections that nobody serves).
  impl_->http->stop();
  impl_->socket->close();
  // Requests in flight finish (their connections close after the response), up to the grace
  // period.
  Clock::time_point deadline = Clock::now() + impl_->config.shutdown_grace;
  while (impl_->in_flight.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Idle keep-alive connections (and requests past the grace period) are cut.
  impl_->http->stopAll(true);
  impl_->pool->joinAll();
  impl_->http.reset();
  // After the requests: the record being pushed finishes, the rest stay queued.
  if (impl_->sync_worker) impl_->sync_worker->Stop();
}

}  // namespace silta::serve
