// Facade of the serve module: the adapter as a long-lived HTTP service (silta serve).
//
//   auto config = serve::LoadConfig("serve.json", serve::ProcessEnvironment());
//   auto tokens = serve::LoadTokens(*config, serve::ProcessEnvironment());
//   serve::Services services{.model = model, .validate = ..., ...};
//   auto server = serve::Server::Start(*config, std::move(services), std::move(*tokens));
//   ... (*server)->port() ...
//   (*server)->Stop();  // stops accepting, finishes the requests in flight
//
// Operators reach the record queue through RecordQueue::Open and queue_admin.h (`silta queue`).
// Routes, scopes and the configuration keys are documented in docs/serve.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "fhirclient/clock.h"
#include "json/json.h"
#include "mapping/mapping.h"
#include "model/element.h"
#include "model/type_model.h"
#include "serve/queue_admin.h"
#include "serve/record_queue.h"
#include "sync/sync.h"

namespace silta::serve {

struct TlsConfig {
  std::string certificate_file;  // PEM
  std::string private_key_file;  // PEM
  std::string ca_file;           // PEM; needed to verify client certificates
  bool require_client_certificate = false;
};

struct ServeConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;              // 0 picks a free port
  unsigned threads = 0;              // 0: one per core
  size_t max_body_bytes = 8u << 20;  // after decompression too
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds shutdown_grace{10000};  // how long Stop() waits for requests in flight
  std::string tokens_file;                          // lines "token scope1 scope2..."
  std::filesystem::path queue_file = "silta-queue.sqlite";
  std::filesystem::path journal_file;  // the sync journal, for /sync/status; empty: none
  // The routing policy of `silta sync push`; when set, the front end builds a SyncEngine
  // (Services::sync_engine) and queued records are pushed by a background worker.
  std::filesystem::path sync_policy;
  std::filesystem::path quarantine_dir = "quarantine";  // records the sync rejects
  std::chrono::milliseconds sync_retry{1000};           // first delay after a failed push
  // A claimed record's lease: how long a dead instance's records wait before another takes
  // them over. Renewed every `sync_heartbeat` (zero: a third of the lease) while it is pushed.
  std::chrono::milliseconds sync_lease{30000};
  std::chrono::milliseconds sync_heartbeat{0};
  // Refusals that are the data's fault (HTTP 400, 410, 413, 422) after which a queued record is
  // parked and its client blocked until an operator requeues or discards it.
  int sync_park_after = 5;
  std::filesystem::path mappings_dir;  // empty: the map endpoints answer 501
  // FHIR packages ("name#version", in the package cache) whose profiles $validate knows, on
  // top of R4 core; their dependencies are loaded too.
  std::vector<std::string> packages;
  // A FHIR R4 terminology server $validate asks about codes the packages cannot check (as
  // `silta validate --tx`); empty: offline. Its answers are kept in `tx_cache_dir` (empty:
  // terminology::DefaultTxCacheDir()).
  std::string tx_server;
  std::filesystem::path tx_cache_dir;
  std::chrono::milliseconds tx_timeout{10000};
  // Routes that need no token (besides /healthz, which never does), e.g. "/" and "/metadata".
  std::set<std::string> open_routes;
  // One line per request without query strings or bodies: "stderr", "off", or a file.
  std::string access_log = "stderr";
  std::optional<TlsConfig> tls;
};

// Reads environment variables; a seam so tests need not touch the process environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment ProcessEnvironment();

// The JSON configuration file (empty path: defaults), then SILTA_SERVE_* overrides.
StatusOr<ServeConfig> LoadConfig(const std::filesystem::path& file, const Environment& env);

// Bearer tokens and their scopes. Tokens are compared in constant time and never logged.
class TokenStore {
 public:
  // Lines "token scope1 scope2 ..."; '#' starts a comment line.
  static StatusOr<TokenStore> Parse(std::string_view text);
  void Add(std::string token, std::set<std::string> scopes);
  void AddAll(const TokenStore& other);
  // The scopes of `token`, nullopt when it is unknown.
  std::optional<std::set<std::string>> ScopesOf(std::string_view token) const;
  size_t size() const { return grants_.size(); }

 private:
  std::vector<std::pair<std::string, std::set<std::string>>> grants_;
};

// The tokens file of the config, plus SILTA_SERVE_TOKEN ("token scope1 scope2...") when set.
StatusOr<TokenStore> LoadTokens(const ServeConfig& config, const Environment& env);

// Validates a parsed resource against its type, its meta.profile and `profiles`.
using ValidateHook = std::function<void(const model::Document& document,
                                        std::span<const std::string> profiles, IssueSink& sink)>;
// Checks every resource of a Bundle made by the mapper before it leaves the service.
using BundleCheckHook = std::function<void(const json::Value& bundle, IssueSink& sink)>;

// What the endpoints work with. The model is required; every other member is optional and its
// endpoint says so (501 for missing mappers; a structural parse check without `validate`).
struct Services {
  std::shared_ptr<const model::TypeModel> model;
  ValidateHook validate;
  std::shared_ptr<const mapping::Mapper> to_fhir_mapper;
  std::shared_ptr<const mapping::Mapper> from_fhir_mapper;
  BundleCheckHook check_bundle;
  // Pushes the queued client records (see sync_worker.h); null: they wait in the queue.
  std::shared_ptr<sync::SyncEngine> sync_engine;
  // The sync targets' capability check. The worker runs it before its first push and repeats it
  // with back-off (syncRetryMs, doubling up to 60 s) until it passes; meanwhile /readyz answers
  // 503 with its message. Null: no check.
  std::function<Status()> sync_preflight;
  // Times the worker's back-off; null: real time (tests pass a fake clock).
  fhirclient::Clock* sync_clock = nullptr;
};

class Server {
 public:
  // Binds, opens the record queue and starts serving. Returns once the socket accepts.
  static StatusOr<std::unique_ptr<Server>> Start(const ServeConfig& config, Services services,
                                                 TokenStore tokens);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  bool tls() const;
  // Stops accepting connections and lets the requests in flight finish (up to shutdown_grace).
  // Idempotent. The record queue is closed when the Server is destroyed.
  void Stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace silta::serve
