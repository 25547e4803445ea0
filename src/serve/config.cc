// The service configuration: a JSON file, then SILTA_SERVE_* environment overrides; and the
// bearer tokens.
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>

#include "base/files.h"
#include "base/numbers.h"
#include "json/json.h"
#include "serve/serve.h"
#include "store/store.h"

namespace silta::serve {
namespace {

namespace fs = std::filesystem;

StatusOr<uint64_t> ParseUnsigned(std::string_view text, std::string_view what, uint64_t max) {
  std::optional<uint64_t> value = ParseInteger<uint64_t>(text, 0, max);
  if (!value) {
    return InvalidArgumentError(std::string(what) + ": expected a whole number up to " +
                                std::to_string(max));
  }
  return *value;
}

// Relative paths in the file are relative to the file's folder, so a config can travel with
// its tokens and queue.
fs::path Resolve(const fs::path& base_dir, std::string_view value) {
  fs::path path(value);
  return path.is_relative() && !base_dir.empty() ? base_dir / path : path;
}

Status ReadConfigFile(const fs::path& file, ServeConfig& config) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  SILTA_ASSIGN_OR_RETURN(json::Value root, json::Value::Parse(text, file.string()));
  if (!root.is_object()) return InvalidArgumentError(file.string() + ": expected a JSON object");
  fs::path base_dir = file.parent_path();
  // "file:line:column: " of a value.
  auto at = [&](const json::Value& v) {
    SourceLocation where = v.location();
    return file.string() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  };
  auto error = [&](std::string_view key, const json::Value& v, std::string_view expected) {
    return InvalidArgumentError(at(v) + ": '" + std::string(key) + "' must be " +
                                std::string(expected));
  };
  auto number = [](const json::Value& v, uint64_t min, uint64_t max) -> std::optional<uint64_t> {
    if (v.kind() != json::Kind::kNumber) return std::nullopt;
    return ParseInteger<uint64_t>(v.text(), min, max);
  };
  auto string_list = [&](std::string_view key, const json::Value& v, std::string_view expected,
                         auto add) -> Status {
    if (!v.is_array()) return error(key, v, expected);
    for (const json::Value& item : v.items()) {
      if (item.kind() != json::Kind::kString) return error(key, item, expected);
      add(item.text());
    }
    return Status::Ok();
  };
  std::string lease_at, heartbeat_at;  // where they were set, for the check across both
  for (const auto& [key, v] : root.members()) {
    bool is_string = v.kind() == json::Kind::kString;
    if (key == "host") {
      if (!is_string) return error(key, v, "a string");
      config.host = v.text();
    } else if (key == "port") {
      auto port = number(v, 0, 65535);
      if (!port) return error(key, v, "a port number (0 = any free)");
      config.port = static_cast<uint16_t>(*port);
    } else if (key == "threads") {
      auto threads = number(v, 0, 1024);
      if (!threads) return error(key, v, "a number of threads (0 = cores)");
      config.threads = static_cast<unsigned>(*threads);
    } else if (key == "maxBodyBytes") {
      auto bytes = number(v, 1, std::numeric_limits<uint64_t>::max());
      if (!bytes) return error(key, v, "a positive number");
      config.max_body_bytes = static_cast<size_t>(*bytes);
    } else if (key == "requestTimeoutMs" || key == "syncRetryMs") {
      auto ms = number(v, 1, std::numeric_limits<uint32_t>::max());
      if (!ms) return error(key, v, "a positive number");
      (key == "requestTimeoutMs" ? config.request_timeout : config.sync_retry) =
          std::chrono::milliseconds(*ms);
    } else if (key == "txServer") {
      if (!is_string || !(v.text().starts_with("http://") || v.text().starts_with("https://"))) {
        return error(key, v, "the base URL of a FHIR terminology server (http:// or https://)");
      }
      config.tx_server = v.text();
    } else if (key == "txCache") {
      if (!is_string || v.text().empty()) return error(key, v, "a folder path");
      config.tx_cache_dir = Resolve(base_dir, v.text());
    } else if (key == "txTimeoutMs") {
      auto ms = number(v, 1, 3'600'000);
      if (!ms) return error(key, v, "a number of milliseconds from 1 to 3600000");
      config.tx_timeout = std::chrono::milliseconds(*ms);
    } else if (key == "syncLeaseMs") {
      // Below a second a pause of the process (GC of a VM, a slow disk) loses leases needlessly.
      auto ms = number(v, 1000, std::numeric_limits<uint32_t>::max());
      if (!ms) return error(key, v, "a number of milliseconds, at least 1000");
      config.sync_lease = std::chrono::milliseconds(*ms);
      lease_at = at(v);
    } else if (key == "syncHeartbeatMs") {
      auto ms = number(v, 1, std::numeric_limits<uint32_t>::max());
      if (!ms) return error(key, v, "a positive number of milliseconds");
      config.sync_heartbeat = std::chrono::milliseconds(*ms);
      heartbeat_at = at(v);
    } else if (key == "syncParkAfter") {
      auto count = number(v, 1, 1000);
      if (!count) return error(key, v, "a number of refusals from 1 to 1000");
      config.sync_park_after = static_cast<int>(*count);
    } else if (key == "shutdownGraceMs") {
      auto ms = number(v, 0, std::numeric_limits<uint32_t>::max());
      if (!ms) return error(key, v, "a number");
      config.shutdown_grace = std::chrono::milliseconds(*ms);
    } else if (key == "tokensFile" || key == "queueFile" || key == "journalFile" ||
               key == "mappingsDir" || key == "syncPolicy" || key == "quarantineDir") {
      if (!is_string) return error(key, v, "a path");
      // A PostgreSQL URI is no path: kept as written.
      fs::path path = (key == "queueFile" || key == "journalFile") && store::IsPostgresUri(v.text())
                          ? fs::path(v.text())
                          : Resolve(base_dir, v.text());
      if (key == "tokensFile") config.tokens_file = path.string();
      if (key == "queueFile") config.queue_file = path;
      if (key == "journalFile") config.journal_file = path;
      if (key == "mappingsDir") config.mappings_dir = path;
      if (key == "syncPolicy") config.sync_policy = path;
      if (key == "quarantineDir") config.quarantine_dir = path;
    } else if (key == "accessLog") {
      if (!is_string) return error(key, v, "\"stderr\", \"off\" or a file path");
      const std::string& value = v.text();
      config.access_log =
          value == "stderr" || value == "off" ? value : Resolve(base_dir, value).string();
    } else if (key == "packages") {
      SILTA_RETURN_IF_ERROR(
          string_list(key, v, "an array of \"name#version\" strings",
                      [&](const std::string& package) { config.packages.push_back(package); }));
    } else if (key == "openRoutes") {
      SILTA_RETURN_IF_ERROR(
          string_list(key, v, "an array of route paths",
                      [&](const std::string& route) { config.open_routes.insert(route); }));
    } else if (key == "tls") {
      if (!v.is_object()) return error(key, v, "an object");
      TlsConfig tls;
      for (const auto& [tkey, t] : v.members()) {
        std::string name = "tls." + tkey;
        if (tkey == "requireClientCertificate") {
          if (t.kind() != json::Kind::kBool) return error(name, t, "true or false");
          tls.require_client_certificate = t.text() == "true";
          continue;
        }
        if (t.kind() != json::Kind::kString) return error(name, t, "a path");
        std::string path = Resolve(base_dir, t.text()).string();
        if (tkey == "certificateFile") {
          tls.certificate_file = path;
        } else if (tkey == "privateKeyFile") {
          tls.private_key_file = path;
        } else if (tkey == "caFile") {
          tls.ca_file = path;
        } else {
          return InvalidArgumentError(at(t) + ": unknown key '" + name + "'");
        }
      }
      config.tls = tls;
    } else {
      return InvalidArgumentError(at(v) + ": unknown key '" + key + "'");
    }
  }
  // A heartbeat that does not come well within the lease lets a live holder lose its records.
  if (config.sync_heartbeat.count() > 0 && config.sync_heartbeat * 2 > config.sync_lease) {
    return InvalidArgumentError((heartbeat_at.empty() ? lease_at : heartbeat_at) +
                                ": 'syncHeartbeatMs' must be at most half of 'syncLeaseMs' (" +
                                std::to_string(config.sync_lease.count()) + ")");
  }
  return Status::Ok();
}

Status ApplyEnvironment(const Environment& env, ServeConfig& config) {
  if (auto v = env("SILTA_SERVE_HOST")) config.host = *v;
  if (auto v = env("SILTA_SERVE_PORT")) {
    SILTA_ASSIGN_OR_RETURN(uint64_t port, ParseUnsigned(*v, "SILTA_SERVE_PORT", 65535));
    config.port = static_cast<uint16_t>(port);
  }
  if (auto v = env("SILTA_SERVE_THREADS")) {
    SILTA_ASSIGN_OR_RETURN(uint64_t threads, ParseUnsigned(*v, "SILTA_SERVE_THREADS", 1024));
    config.threads = static_cast<unsigned>(threads);
  }
  if (auto v = env("SILTA_SERVE_MAX_BODY_BYTES")) {
    SILTA_ASSIGN_OR_RETURN(uint64_t bytes,
                           ParseUnsigned(*v, "SILTA_SERVE_MAX_BODY_BYTES", uint64_t{1} << 40));
    if (bytes == 0) return InvalidArgumentError("SILTA_SERVE_MAX_BODY_BYTES must be positive");
    config.max_body_bytes = static_cast<size_t>(bytes);
  }
  if (auto v = env("SILTA_SERVE_TOKENS_FILE")) config.tokens_file = *v;
  if (auto v = env("SILTA_SERVE_QUEUE_FILE")) config.queue_file = *v;
  if (auto v = env("SILTA_SERVE_JOURNAL_FILE")) config.journal_file = *v;
  if (auto v = env("SILTA_SERVE_MAPPINGS")) config.mappings_dir = *v;
  if (auto v = env("SILTA_SERVE_ACCESS_LOG")) config.access_log = *v;
  if (auto v = env("SILTA_SERVE_SYNC_POLICY")) config.sync_policy = *v;
  if (auto v = env("SILTA_SERVE_TX_SERVER")) {
    if (!v->empty() && !v->starts_with("http://") && !v->starts_with("https://")) {
      return InvalidArgumentError("SILTA_SERVE_TX_SERVER: expected an http:// or https:// URL");
    }
    config.tx_server = *v;
  }
  if (auto v = env("SILTA_SERVE_PACKAGES")) {
    config.packages.clear();
    std::istringstream list(*v);
    for (std::string item; std::getline(list, item, ',');) {
      if (!item.empty()) config.packages.push_back(item);
    }
  }
  return Status::Ok();
}

// Equal-length comparison whose time does not depend on where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < b.size(); ++i) {
    // Index within bounds of `a` without branching on the content.
    unsigned char ca = n == 0 ? 0 : static_cast<unsigned char>(a[i % n]);
    diff = static_cast<unsigned char>(diff | (ca ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace

Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

StatusOr<ServeConfig> LoadConfig(const std::filesystem::path& file, const Environment& env) {
  ServeConfig config;
  if (!file.empty()) SILTA_RETURN_IF_ERROR(ReadConfigFile(file, config));
  SILTA_RETURN_IF_ERROR(ApplyEnvironment(env, config));
  for (const std::string& package : config.packages) {
    size_t hash = package.find('#');
    if (hash == 0 || hash == std::string::npos || hash + 1 == package.size()) {
      return InvalidArgumentError("packages: '" + package + "' is not name#version");
    }
  }
  if (config.tls &&
      (config.tls->certificate_file.empty() || config.tls->private_key_file.empty())) {
    return InvalidArgumentError("tls needs certificateFile and privateKeyFile");
  }
  if (config.tls && config.tls->require_client_certificate && config.tls->ca_file.empty()) {
    return InvalidArgumentError("tls.requireClientCertificate needs caFile");
  }
  return config;
}

StatusOr<TokenStore> TokenStore::Parse(std::string_view text) {
  TokenStore store;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::istringstream words(line);
    std::string token;
    if (!(words >> token) || token.starts_with('#')) continue;
    std::set<std::string> scopes;
    for (std::string scope; words >> scope;) scopes.insert(scope);
    if (scopes.empty()) {
      // The line number only: the token itself must never reach a message.
      return InvalidArgumentError("tokens line " + std::to_string(number) +
                                  ": a token needs "
                                  "at least one scope");
    }
    store.Add(std::move(token), std::move(scopes));
  }
  return store;
}

void TokenStore::Add(std::string token, std::set<std::string> scopes) {
  grants_.emplace_back(std::move(token), std::move(scopes));
}

void TokenStore::AddAll(const TokenStore& other) {
  grants_.insert(grants_.end(), other.grants_.begin(), other.grants_.end());
}

std::optional<std::set<std::string>> TokenStore::ScopesOf(std::string_view token) const {
  // Every grant is compared so the time does not tell which one matched.
  const std::set<std::string>* found = nullptr;
  for (const auto& [known, scopes] : grants_) {
    if (ConstantTimeEquals(token, known) && found == nullptr) found = &scopes;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

StatusOr<TokenStore> LoadTokens(const ServeConfig& config, const Environment& env) {
  TokenStore store;
  if (!config.tokens_file.empty()) {
    SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(config.tokens_file));
    auto parsed = TokenStore::Parse(text);
    if (!parsed.ok()) return parsed.status().Annotate(config.tokens_file);
    store = std::move(*parsed);
  }
  if (auto line = env("SILTA_SERVE_TOKEN")) {
    auto parsed = TokenStore::Parse(*line);
    if (!parsed.ok()) return parsed.status().Annotate("SILTA_SERVE_TOKEN");
    store.AddAll(*parsed);
  }
  return store;
}

}  // namespace silta::serve
