// silta serve: the adapter as a long-lived HTTP service (src/serve, docs/serve.md).
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <functional>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "context/context.h"
#include "context/definitions.h"
#include "context/resource_check.h"
#include "context/targets.h"
#include "mapping/mapping.h"
#include "serve/serve.h"
#include "terminology/terminology.h"
#include "validation/validation.h"

namespace silta::cli {
namespace {

// What the queue consumer pushes with: the setup of `silta sync push`, kept alive by the engine.
struct ServeSync {
  context::SyncSetup setup;
  std::unique_ptr<sync::SyncEngine> engine;
};

// The engine, and the targets' capability check that the worker runs before pushing.
struct ServeSyncParts {
  std::shared_ptr<sync::SyncEngine> engine;
  std::function<Status()> preflight;
};

StatusOr<ServeSyncParts> LoadServeSync(serve::ServeConfig& config,
                                       std::shared_ptr<const context::ResourceChecker> checker) {
  if (config.journal_file.empty()) config.journal_file = context::SyncSetupOptions().journal_file;
  context::SyncSetupOptions options;
  options.policy_file = config.sync_policy.string();
  options.journal_file = config.journal_file.string();
  options.mappings_dir = config.mappings_dir.string();
  // A target that is down at start delays the sync, not the service (see SyncWorker).
  options.defer_capability_check = true;
  SILTA_ASSIGN_OR_RETURN(context::SyncSetup setup,
                         context::SetUpSync(options, {}, /*connect=*/true));
  auto sync = std::make_shared<ServeSync>();
  sync->setup = std::move(setup);
  sync::SyncOptions sync_options;
  sync_options.quarantine_dir = config.quarantine_dir;
  sync->engine = std::make_unique<sync::SyncEngine>(
      *sync->setup.mapper, sync->setup.policy, sync->setup.clients, *sync->setup.journal,
      context::PushResourceCheck(std::move(checker)), sync_options);
  ServeSyncParts parts;
  parts.engine = std::shared_ptr<sync::SyncEngine>(sync, sync->engine.get());
  parts.preflight = [sync] { return sync->setup.CheckCapabilities(); };
  return parts;
}

StatusOr<std::shared_ptr<const mapping::Mapper>> LoadServeMapper(const std::filesystem::path& dir,
                                                                 mapping::BundleKind kind) {
  mapping::MapperOptions options;
  options.bundle_kind = kind;
  return context::LoadMappingsToRun(dir.string(), options);
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Run Silta as an HTTP service: $validate, $convert, $map-to-fhir, $map-from-fhir, a\n"
      "durable record queue, health, readiness and Prometheus metrics. Stops gracefully on\n"
      "SIGTERM or SIGINT. Configuration and environment variables: docs/serve.md.",
      "silta serve"};
  std::string config_file;
  int port = -1;
  app.add_option("--config", config_file, "JSON configuration file");
  app.add_option("--port", port, "port to listen on (0: any free port; overrides the config)")
      ->check(CLI::Range(0, 65535));
  if (int code = ParseArgs(app, args, out, err); code >= 0) return code;

  serve::Environment env = serve::ProcessEnvironment();
  auto config = serve::LoadConfig(config_file, env);
  if (!config.ok()) return Fail(err, "serve", config.status());
  if (port >= 0) config->port = static_cast<uint16_t>(port);
  if (config->mappings_dir.empty()) config->mappings_dir = context::DefaultMappingsDir();
  auto tokens = serve::LoadTokens(*config, env);
  if (!tokens.ok()) return Fail(err, "serve", tokens.status());
  if (tokens->size() == 0) {
    err << "silta serve: warning: no bearer tokens configured; only /healthz and the open "
           "routes answer\n";
  }
  auto model = context::CoreTypeModel();
  if (!model.ok()) return Fail(err, "serve", model.status());
  serve::Services services;
  services.model = *model;
  auto core = context::CorePackage();
  if (!core.ok()) return Fail(err, "serve", core.status());
  std::shared_ptr<const packages::ConformanceContext> conformance =
      packages::ConformanceContext::FromPackages({*core});
  if (!config->packages.empty()) {
    packages::PackageCache cache;
    std::vector<packages::PackageId> roots = {
        {std::string(context::kCorePackageName), std::string(context::kCorePackageVersion)}};
    for (const std::string& package : config->packages) {
      size_t hash = package.find('#');
      roots.push_back({package.substr(0, hash), package.substr(hash + 1)});
    }
    // A missing dependency only hides the profiles it holds: a warning, not a refusal to start.
    packages::ContextOptions options;
    options.allow_missing_dependencies = true;
    if (auto r4 = context::CorePackage(); r4.ok()) options.loaded.push_back(*r4);
    IssueCollector warnings;
    auto built = packages::ConformanceContext::Build(cache, roots, &warnings, options);
    for (const Issue& warning : warnings.issues()) {
      err << "silta serve: warning: " << warning.message << "\n";
    }
    if (!built.ok()) return Fail(err, "serve", built.status());
    conformance = *built;
  }
  validation::ValidatorOptions validator_options;
  if (!config->tx_server.empty()) {
    terminology::TxClientOptions tx;
    tx.base_url = config->tx_server;
    tx.cache_dir = config->tx_cache_dir;
    tx.timeout = config->tx_timeout;
    auto client = terminology::MakeTxClient(std::move(tx));
    if (!client.ok()) return Fail(err, "serve", client.status());
    validator_options.terminology_server = std::move(*client);
  }
  auto validator = validation::Validator::Create(conformance, *model, std::move(validator_options));
  if (!validator.ok()) return Fail(err, "serve", validator.status());
  services.validate = [v = *validator](const model::Document& document,
                                       std::span<const std::string> profiles,
                                       IssueSink& sink) { v->Validate(document, profiles, sink); };
  auto to_fhir = LoadServeMapper(config->mappings_dir, mapping::BundleKind::kTransaction);
  auto from_fhir = LoadServeMapper(config->mappings_dir, mapping::BundleKind::kCollection);
  if (to_fhir.ok() && from_fhir.ok()) {
    services.to_fhir_mapper = *to_fhir;
    services.from_fhir_mapper = *from_fhir;
  } else if (!to_fhir.ok() && to_fhir.status().code() == StatusCode::kFailedPrecondition) {
    // Mappings that are there but wrong would lose or misplace data: refuse to serve them.
    return Fail(err, "serve", to_fhir.status());
  } else {
    // The validation and conversion endpoints are useful without mappings.
    err << "silta serve: warning: no mappings, $map-to-fhir and $map-from-fhir answer 501: "
        << (to_fhir.ok() ? from_fhir.status() : to_fhir.status()).message() << "\n";
    config->mappings_dir.clear();
  }
  auto checker = context::ResourceChecker::Create();
  if (!checker.ok()) return Fail(err, "serve", checker.status());
  std::shared_ptr<const context::ResourceChecker> shared_checker = std::move(*checker);
  services.check_bundle = [shared_checker](const json::Value& bundle, IssueSink& sink) {
    shared_checker->CheckBundle(bundle, "request", sink);
  };
  if (!config->sync_policy.empty()) {
    auto engine = LoadServeSync(*config, shared_checker);
    if (!engine.ok()) {
      err << "silta serve: sync: " << engine.status().message() << "\n";
      return kExitUsage;
    }
    services.sync_engine = std::move(engine->engine);
    services.sync_preflight = std::move(engine->preflight);
  }

  // Block the stop signals in every thread (the workers inherit the mask) and wait for them
  // here, so a signal never interrupts a request.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = serve::Server::Start(*config, std::move(services), std::move(*tokens));
  if (!server.ok()) return Fail(err, "serve", server.status());
  out << "silta serve: listening on " << ((*server)->tls() ? "https" : "http") << "://"
      << config->host << ":" << (*server)->port() << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  err << "silta serve: stopping (signal " << signal_number << "), finishing requests in flight\n";
  (*server)->Stop();
  return Fail(err, "serve", "stopped", kExitOk);
}

}  // namespace silta::cli
