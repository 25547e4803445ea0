#include "stub_fhir_server.h"

#include "mapping/mapping.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <set>

#include "../fhirclient/stub_server.h"

namespace silta::testing {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

// Object members sorted by name, so that two resources with the same content print the same.
std::string Canonical(const json::Value& value) {
  if (value.is_object()) {
    std::vector<const json::Value::Member*> members;
    for (const auto& m : value.members()) members.push_back(&m);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    std::string out = "{";
    for (const auto* m : members) {
      if (out.size() > 1) out += ",";
      out += json::Value::String(m->first).ToString() + ":" + Canonical(m->second);
    }
    return out + "}";
  }
  if (value.is_array()) {
    std::string out = "[";
    for (const auto& item : value.items()) {
      if (out.size() > 1) out += ",";
      out += Canonical(item);
    }
    return out + "]";
  }
  return value.ToString();
}

std::string VersionFromEtag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string FormatInstantMs(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// Milliseconds since the epoch of a FHIR instant (UTC 'Z' or an offset); -1 when malformed.
int64_t ParseInstantMs(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  std::string_view rest = std::string_view(text).substr(static_cast<size_t>(consumed));
  if (rest.starts_with(".")) {
    rest.remove_prefix(1);
    int scale = 100;
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      ms += (rest.front() - '0') * scale;
      scale /= 10;
      rest.remove_prefix(1);
    }
  }
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-')) {
    int offset = (std::atoi(std::string(rest.substr(1, 2)).c_str()) * 60 +
                  std::atoi(std::string(rest.substr(4, 2)).c_str())) *
                 60'000;
    ms += rest[0] == '+' ? -offset : offset;
  }
  return ms;
}

struct Answer {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Answer Outcome(int status, const std::string& code, const std::string& text) {
  json::Value outcome = json::Value::Object();
  outcome["resourceType"] = json::Value::String("OperationOutcome");
  json::Value issue = json::Value::Object();
  issue["severity"] = json::Value::String("error");
  issue["code"] = json::Value::String(code);
  issue["diagnostics"] = json::Value::String(text);
  outcome["issue"].Append(std::move(issue));
  return {status, outcome.ToString(), {}};
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

struct Version {
  json::Value resource;
  std::string last_updated;
  int64_t last_updated_ms = 0;
};

struct StoredResource {
  std::string type;
  std::string id;
  std::vector<Version> versions;  // versions[i] is version i + 1
};

struct Tenant {
  std::map<std::string, StoredResource> resources;   // by "Type/id"
  std::vector<std::pair<std::string, int>> history;  // ("Type/id", version) in commit order
  int next_id = 1;
};

struct StubFhirServer::State {
  std::map<std::string, Tenant> tenants;
};

struct StubFhirServer::Impl {
  struct Scripted {
    Fault fault;
    int remaining;
    RequestKind kind;
  };

  Options options;
  std::string token_url;
  mutable std::mutex mu;
  std::condition_variable cv;
  State state;
  std::deque<Scripted> faults;
  int held_request = 0;
  bool held_after_commit = false;
  bool held_arrived = false;
  // Each HoldRequest is a new generation; a handler waits for the release of its own, so that a
  // late waker from an earlier hold cannot be caught by the next one.
  int hold_generation = 0;
  int released_generation = 0;
  bool stopping = false;
  int request_count = 0;
  std::vector<RequestRecord> log;
  int64_t last_ms = 0;
  // SMART Backend Services.
  std::unique_ptr<Poco::JWT::Signer> signer;
  std::set<std::string> tokens;
  std::set<std::string> jtis;
  std::vector<std::string> auth_failures;

  void Handle(HTTPServerRequest& request, HTTPServerResponse& response);
  Answer Dispatch(const std::string& method, const std::vector<std::string>& segments,
                  const Poco::URI::QueryParameters& query, const std::string& body);
  Answer Token(const std::string& body);
  Answer Transaction(Tenant& tenant, const std::string& body);
  Answer Search(const Tenant& tenant, const std::string& type,
                const Poco::URI::QueryParameters& query) const;
  Answer History(const Tenant& tenant, const Poco::URI::QueryParameters& query) const;
  std::vector<const StoredResource*> Matching(const Tenant& tenant, const std::string& type,
                                              const std::string& identifier) const;
  std::string NextInstant(int64_t* ms);
  // Waits (the lock held by `lock`) until the held request is released or the server stops.
  void WaitWhileHeld(std::unique_lock<std::mutex>& lock) {
    const int generation = hold_generation;
    held_arrived = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released_generation >= generation || stopping; });
  }
};

namespace {

void Send(HTTPServerResponse& response, const Answer& answer) {
  response.setStatus(static_cast<HTTPServerResponse::HTTPStatus>(answer.status));
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  if (!answer.body.empty()) {
    response.setContentType(answer.body.front() == '{' ? "application/fhir+json" : "text/plain");
  }
  response.sendBuffer(answer.body.data(), answer.body.size());
}

// Closes the connection without an answer: the client sees the server hang up mid-request.
void Drop(HTTPServerRequest& request, HTTPServerResponse& response) {
  response.setKeepAlive(false);
  try {
    static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().shutdown();
  } catch (const Poco::Exception&) {
    // Already gone.
  }
}

}  // namespace

void StubFhirServer::Impl::Handle(HTTPServerRequest& request, HTTPServerResponse& response) {
  std::string body;
  Poco::StreamCopier::copyToString(request.stream(), body);
  Poco::URI uri(request.getURI());
  const std::vector<std::string> segments = Segments(uri.getPath());
  const std::string& method = request.getMethod();
  const bool is_transaction = method == "POST" && segments.size() == 1;
  RequestRecord record{method, uri.getPath(), 0, std::chrono::steady_clock::now()};

  std::unique_lock lock(mu);
  const int number = ++request_count;
  std::optional<Fault> fault;
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->kind == RequestKind::kAny ||
        (it->kind == RequestKind::kTransaction && is_transaction) ||
        (it->kind == RequestKind::kGet && method == "GET")) {
      fault = it->fault;
      if (--it->remaining <= 0) faults.erase(it);
      break;
    }
  }
  const bool held = number == held_request;
  auto finish = [&](int status) {
    record.status = status;
    log.push_back(record);
  };

  if (fault && fault->kind == FaultKind::kStatus) {
    Answer answer = Outcome(fault->status, "transient", "scripted fault");
    if (!fault->retry_after.empty()) answer.headers.emplace_back("Retry-After", fault->retry_after);
    finish(answer.status);
    lock.unlock();
    Send(response, answer);
    return;
  }
  if ((held && !held_after_commit) || (fault && fault->kind == FaultKind::kDropBeforeCommit)) {
    if (held) WaitWhileHeld(lock);
    finish(0);
    lock.unlock();
    Drop(request, response);
    return;
  }
  if (!options.smart_public_key_file.empty() && !(segments.size() == 2 && segments[0] == "auth")) {
    std::string authorization = request.get("Authorization", "");
    if (!authorization.starts_with("Bearer ") || !tokens.contains(authorization.substr(7))) {
      Answer answer = Outcome(401, "login", "no valid bearer token");
      finish(401);
      lock.unlock();
      Send(response, answer);
      return;
    }
  }
  Answer answer = Dispatch(method, segments, uri.getQueryParameters(), body);
  if (held || (fault && fault->kind == FaultKind::kDropAfterCommit)) {
    if (held) WaitWhileHeld(lock);
    finish(0);
    lock.unlock();
    Drop(request, response);
    return;
  }
  if (fault && fault->kind == FaultKind::kDelay) {
    cv.wait_for(lock, fault->delay, [&] { return stopping; });
  }
  finish(answer.status);
  lock.unlock();
  try {
    Send(response, answer);
  } catch (const Poco::Exception&) {
    // The client gave up waiting (the delay fault): nobody is listening any more.
  }
}

Answer StubFhirServer::Impl::Dispatch(const std::string& method,
                                      const std::vector<std::string>& segments,
                                      const Poco::URI::QueryParameters& query,
                                      const std::string& body) {
  if (segments.size() == 2 && segments[0] == "auth" && segments[1] == "token" && method == "POST") {
    return Token(body);
  }
  if (segments.empty()) return Outcome(404, "not-found", "no tenant");
  Tenant& tenant = state.tenants[segments[0]];
  const std::vector<std::string> rest(segments.begin() + 1, segments.end());
  if (method == "POST" && rest.empty()) return Transaction(tenant, body);
  if (method == "PUT" && rest.size() == 2) {
    // A plain update (a remote edit in a test) is a transaction of one entry.
    auto resource = json::Value::Parse(body, "resource");
    if (!resource.ok()) return Outcome(400, "structure", "not JSON");
    json::Value bundle = json::Value::Object();
    bundle["resourceType"] = json::Value::String("Bundle");
    bundle["type"] = json::Value::String("transaction");
    json::Value entry = json::Value::Object();
    entry["resource"] = *resource;
    entry["request"]["method"] = json::Value::String("PUT");
    entry["request"]["url"] = json::Value::String(rest[0] + "/" + rest[1]);
    bundle["entry"].Append(std::move(entry));
    Answer answer = Transaction(tenant, bundle.ToString());
    if (answer.status != 200) return answer;
    const Version& current = tenant.resources[rest[0] + "/" + rest[1]].versions.back();
    return {200,
            current.resource.ToString(),
            {{"ETag",
              "W/\"" + std::to_string(tenant.resources[rest[0] + "/" + rest[1]].versions.size()) +
                  "\""}}};
  }
  if (method != "GET") return Outcome(405, "not-supported", "method not supported");
  if (rest.size() == 1 && rest[0] == "metadata") {
    return {200,
            R"({"resourceType":"CapabilityStatement","status":"active","kind":"instance",)"
            R"("fhirVersion":"4.0.1","format":["json"],"rest":[{"mode":"server",)"
            R"("interaction":[{"code":"transaction"},{"code":"history-system"}]}]})",
            {}};
  }
  if (rest.size() == 1 && rest[0] == "_history") return History(tenant, query);
  if (rest.size() == 1) return Search(tenant, rest[0], query);
  if (rest.size() == 2 || (rest.size() == 4 && rest[2] == "_history")) {
    auto found = tenant.resources.find(rest[0] + "/" + rest[1]);
    if (found == tenant.resources.end()) return Outcome(404, "not-found", "no such resource");
    const auto& versions = found->second.versions;
    size_t index = versions.size() - 1;
    if (rest.size() == 4) {
      int wanted = std::atoi(rest[3].c_str());
      if (wanted < 1 || static_cast<size_t>(wanted) > versions.size()) {
        return Outcome(404, "not-found", "no such version");
      }
      index = static_cast<size_t>(wanted - 1);
    }
    return {200,
            versions[index].resource.ToString(),
            {{"ETag", "W/\"" + std::to_string(index + 1) + "\""}}};
  }
  return Outcome(404, "not-found", "unknown path");
}

std::string StubFhirServer::Impl::NextInstant(int64_t* ms) {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  last_ms = std::max(now, last_ms + 1);
  *ms = last_ms;
  return FormatInstantMs(last_ms);
}

std::vector<const StoredResource*> StubFhirServer::Impl::Matching(
    const Tenant& tenant, const std::string& type, const std::string& identifier) const {
  size_t bar = identifier.find('|');
  const bool any_system = bar == std::string::npos;
  const std::string system = any_system ? "" : identifier.substr(0, bar);
  const std::string value = any_system ? identifier : identifier.substr(bar + 1);
  std::vector<const StoredResource*> out;
  for (const auto& [ref, stored] : tenant.resources) {
    if (stored.type != type) continue;
    const json::Value* ids = stored.versions.back().resource.Find("identifier");
    if (ids == nullptr) continue;
    for (const auto& id : ids->items()) {
      if ((any_system || TextAt(id, "system") == system) &&
          (value.empty() || TextAt(id, "value") == value)) {
        out.push_back(&stored);
        break;
      }
    }
  }
  return out;
}

Answer StubFhirServer::Impl::Transaction(Tenant& tenant, const std::string& body) {
  auto bundle = json::Value::Parse(body, "transaction");
  if (!bundle.ok() || TextAt(*bundle, "resourceType") != "Bundle" ||
      TextAt(*bundle, "type") != "transaction") {
    return Outcome(400, "structure", "not a transaction Bundle");
  }
  struct Op {
    std::string type;
    std::string id;
    bool create = false;
    json::Value resource;
  };
  std::vector<Op> ops;
  std::map<std::string, std::string> full_urls;
  std::set<std::string> targets;
  int next_id = tenant.next_id;
  if (const json::Value* entries = bundle->Find("entry")) {
    for (const auto& entry : entries->items()) {
      const json::Value* request = entry.Find("request");
      const json::Value* resource = entry.Find("resource");
      if (request == nullptr || resource == nullptr) {
        return Outcome(400, "structure", "an entry without request or resource");
      }
      const std::string method = TextAt(*request, "method");
      const std::string url = TextAt(*request, "url");
      Op op;
      op.resource = *resource;
      const StoredResource* existing = nullptr;
      if (method == "PUT" && url.find('?') != std::string::npos) {
        op.type = url.substr(0, url.find('?'));
        Poco::URI parsed("/x?" + url.substr(url.find('?') + 1));
        std::string identifier;
        for (const auto& [name, value] : parsed.getQueryParameters()) {
          if (name != "identifier") return Outcome(400, "not-supported", "search by " + name);
          identifier = value;
        }
        auto matches = Matching(tenant, op.type, identifier);
        if (matches.size() > 1) return Outcome(412, "multiple-matches", "several resources match");
        if (!matches.empty()) existing = matches.front();
      } else if (method == "PUT") {
        size_t slash = url.find('/');
        if (slash == std::string::npos) return Outcome(400, "structure", "PUT needs Type/id");
        op.type = url.substr(0, slash);
        op.id = url.substr(slash + 1);
        auto found = tenant.resources.find(url);
        if (found != tenant.resources.end()) existing = &found->second;
        if (TextAt(*resource, "id") != op.id) return Outcome(400, "invalid", "id mismatch");
      } else if (method == "POST") {
        op.type = url;
      } else {
        return Outcome(400, "not-supported", "method " + method + " in a transaction");
      }
      if (TextAt(*resource, "resourceType") != op.type) {
        return Outcome(400, "invalid", "resource type differs from the request URL");
      }
      if (std::string if_match = TextAt(*request, "ifMatch"); !if_match.empty()) {
        if (existing == nullptr ||
            VersionFromEtag(if_match) != std::to_string(existing->versions.size())) {
          return Outcome(412, "conflict", "version mismatch");
        }
      }
      if (existing != nullptr) {
        op.id = existing->id;
      } else {
        op.create = true;
        if (op.id.empty()) op.id = std::to_string(next_id++);
      }
      if (!targets.insert(op.type + "/" + op.id).second) {
        return Outcome(400, "duplicate", "two entries for one resource");
      }
      if (std::string full_url = TextAt(entry, "fullUrl"); !full_url.empty()) {
        full_urls[full_url] = op.type + "/" + op.id;
      }
      ops.push_back(std::move(op));
    }
  }
  // Everything checked: commit all entries at once.
  tenant.next_id = next_id;
  json::Value answer = json::Value::Object();
  answer["resourceType"] = json::Value::String("Bundle");
  answer["type"] = json::Value::String("transaction-response");
  json::Value& answer_entries = answer["entry"] = json::Value::Array();
  for (Op& op : ops) {
    mapping::ForEachReference(op.resource, [&](json::Value& ref) {
      auto local = full_urls.find(ref.Find("reference")->text());
      if (local != full_urls.end()) ref["reference"] = json::Value::String(local->second);
    });
    const std::string ref = op.type + "/" + op.id;
    StoredResource& stored = tenant.resources[ref];
    stored.type = op.type;
    stored.id = op.id;
    Version version;
    version.last_updated = NextInstant(&version.last_updated_ms);
    const std::string number = std::to_string(stored.versions.size() + 1);
    op.resource["id"] = json::Value::String(op.id);
    json::Value& meta = op.resource["meta"];
    if (!meta.is_object()) meta = json::Value::Object();
    meta["versionId"] = json::Value::String(number);
    meta["lastUpdated"] = json::Value::String(version.last_updated);
    version.resource = std::move(op.resource);
    json::Value outcome = json::Value::Object();
    outcome["status"] = json::Value::String(op.create ? "201 Created" : "200 OK");
    outcome["location"] = json::Value::String(ref + "/_history/" + number);
    outcome["etag"] = json::Value::String("W/\"" + number + "\"");
    outcome["lastModified"] = json::Value::String(version.last_updated);
    json::Value entry = json::Value::Object();
    entry["response"] = std::move(outcome);
    answer_entries.Append(std::move(entry));
    stored.versions.push_back(std::move(version));
    tenant.history.emplace_back(ref, static_cast<int>(stored.versions.size()));
  }
  return {200, answer.ToString(), {}};
}

Answer StubFhirServer::Impl::Search(const Tenant& tenant, const std::string& type,
                                    const Poco::URI::QueryParameters& query) const {
  std::string identifier;
  bool count_only = false;
  for (const auto& [name, value] : query) {
    if (name == "identifier") {
      identifier = value;
    } else if (name == "_summary" && value == "count") {
      count_only = true;
    } else {
      return Outcome(400, "not-supported", "search parameter " + name);
    }
  }
  auto matches = Matching(tenant, type, identifier);
  json::Value bundle = json::Value::Object();
  bundle["resourceType"] = json::Value::String("Bundle");
  bundle["type"] = json::Value::String("searchset");
  bundle["total"] = json::Value::Number(std::to_string(matches.size()));
  if (!count_only) {
    json::Value& entries = bundle["entry"] = json::Value::Array();
    for (const StoredResource* stored : matches) {
      json::Value entry = json::Value::Object();
      entry["fullUrl"] = json::Value::String(stored->type + "/" + stored->id);
      entry["resource"] = stored->versions.back().resource;
      entries.Append(std::move(entry));
    }
  }
  return {200, bundle.ToString(), {}};
}

Answer StubFhirServer::Impl::History(const Tenant& tenant,
                                     const Poco::URI::QueryParameters& query) const {
  int64_t since = -1;
  for (const auto& [name, value] : query) {
    if (name != "_since") return Outcome(400, "not-supported", "history parameter " + name);
    since = ParseInstantMs(value);
    if (since < 0) return Outcome(400, "invalid", "_since is not an instant");
  }
  json::Value bundle = json::Value::Object();
  bundle["resourceType"] = json::Value::String("Bundle");
  bundle["type"] = json::Value::String("history");
  json::Value& entries = bundle["entry"] = json::Value::Array();
  for (auto it = tenant.history.rbegin(); it != tenant.history.rend(); ++it) {
    const StoredResource& stored = tenant.resources.at(it->first);
    const Version& version = stored.versions[static_cast<size_t>(it->second - 1)];
    if (version.last_updated_ms < since) continue;
    json::Value entry = json::Value::Object();
    entry["fullUrl"] = json::Value::String(it->first);
    entry["resource"] = version.resource;
    entry["request"]["method"] = json::Value::String("PUT");
    entry["request"]["url"] = json::Value::String(it->first);
    entry["response"]["status"] = json::Value::String(it->second == 1 ? "201" : "200");
    entries.Append(std::move(entry));
  }
  bundle["total"] = json::Value::Number(std::to_string(entries.items().size()));
  return {200, bundle.ToString(), {}};
}

Answer StubFhirServer::Impl::Token(const std::string& body) {
  if (signer == nullptr) return Outcome(404, "not-found", "no token endpoint");
  Poco::Net::HTMLForm form;
  form.read(body);
  auto fail = [&](const std::string& why) {
    auth_failures.push_back(why);
    return Answer{401, R"({"error":"invalid_client"})", {}};
  };
  if (form.get("grant_type", "") != "client_credentials") return fail("grant_type");
  if (form.get("client_assertion_type", "") !=
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return fail("client_assertion_type");
  }
  Poco::JWT::Token token;
  if (!signer->tryVerify(form.get("client_assertion", ""), token)) return fail("signature");
  if (token.getIssuer() != options.smart_client_id ||
      token.getSubject() != options.smart_client_id) {
    return fail("iss/sub");
  }
  std::vector<std::string> audience = token.getAudience();
  if (audience.size() != 1 || audience[0] != token_url) return fail("aud");
  const auto exp = token.getExpiration().epochTime();
  const auto now = std::time(nullptr);
  if (exp <= now || exp > now + 300) return fail("exp");
  if (token.getId().empty() || !jtis.insert(token.getId()).second) return fail("jti reused");
  std::string issued = "stub-token-" + std::to_string(tokens.size() + 1);
  tokens.insert(issued);
  return {200,
          R"({"access_token":")" + issued +
              R"(","token_type":"bearer","expires_in":300,"scope":"system/*.write"})",
          {}};
}

StubFhirServer::StubFhirServer() : StubFhirServer(Options{}) {}

StubFhirServer::StubFhirServer(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (!impl_->options.smart_public_key_file.empty()) {
    impl_->signer = std::make_unique<Poco::JWT::Signer>();
    if (impl_->options.smart_algorithm == "RS384") {
      impl_->signer->setRSAKey(new Poco::Crypto::RSAKey(impl_->options.smart_public_key_file));
      impl_->signer->setAlgorithms({Poco::JWT::Signer::ALGO_RS384});
    } else {
      impl_->signer->setECKey(new Poco::Crypto::ECKey(impl_->options.smart_public_key_file, ""));
      impl_->signer->setAlgorithms({Poco::JWT::Signer::ALGO_ES384});
    }
  }
  Impl* impl = impl_.get();
  server_ = std::make_unique<fhirclient::testing::StubServer>(
      [impl](HTTPServerRequest& request, HTTPServerResponse& response) {
        impl->Handle(request, response);
      },
      impl_->options.tls);
  impl_->token_url = server_->base_url() + "/auth/token";
}

StubFhirServer::~StubFhirServer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  server_.reset();  // waits for the handlers still running
}

std::string StubFhirServer::base_url(const std::string& tenant) const {
  return server_->base_url() + "/" + tenant;
}

std::string StubFhirServer::token_url() const { return impl_->token_url; }

void StubFhirServer::Inject(const Fault& fault, int count, RequestKind kind) {
  std::lock_guard lock(impl_->mu);
  impl_->faults.push_back({fault, count, kind});
}

void StubFhirServer::HoldRequest(int n, bool after_commit) {
  std::lock_guard lock(impl_->mu);
  impl_->held_request = n;
  impl_->held_after_commit = after_commit;
  impl_->held_arrived = false;
  ++impl_->hold_generation;
}

bool StubFhirServer::WaitUntilHeld(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->held_arrived; });
}

void StubFhirServer::ReleaseHeld() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->released_generation = impl_->hold_generation;
  }
  impl_->cv.notify_all();
}

int StubFhirServer::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->request_count;
}

std::vector<RequestRecord> StubFhirServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->log;
}

int StubFhirServer::tokens_issued() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(impl_->tokens.size());
}

std::vector<std::string> StubFhirServer::auth_failures() const {
  std::lock_guard lock(impl_->mu);
  return impl_->auth_failures;
}

std::vector<json::Value> StubFhirServer::Resources(const std::string& tenant) const {
  std::lock_guard lock(impl_->mu);
  std::vector<json::Value> out;
  auto found = impl_->state.tenants.find(tenant);
  if (found == impl_->state.tenants.end()) return out;
  for (const auto& [ref, stored] : found->second.resources) {
    out.push_back(stored.versions.back().resource);
  }
  return out;
}

int StubFhirServer::VersionCount(const std::string& tenant) const {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->state.tenants.find(tenant);
  return found == impl_->state.tenants.end() ? 0 : static_cast<int>(found->second.history.size());
}

std::shared_ptr<const StubFhirServer::State> StubFhirServer::SaveState() const {
  std::lock_guard lock(impl_->mu);
  return std::make_shared<const State>(impl_->state);
}

void StubFhirServer::RestoreState(const std::shared_ptr<const State>& state) {
  std::lock_guard lock(impl_->mu);
  impl_->state = state != nullptr ? *state : State{};
}

void StubFhirServer::ResetScript() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->faults.clear();
    impl_->log.clear();
    impl_->request_count = 0;
    impl_->held_request = 0;
    impl_->held_arrived = false;
    impl_->released_generation = impl_->hold_generation;
  }
  impl_->cv.notify_all();
}

NormalizedState Normalize(const std::vector<json::Value>& resources,
                          const std::string& identifier_system) {
  std::map<std::string, std::string> key_of_ref;  // "Type/id" → "Type|value"
  std::vector<std::string> keys;
  for (const json::Value& resource : resources) {
    const std::string type = TextAt(resource, "resourceType");
    std::string value;
    if (const json::Value* ids = resource.Find("identifier")) {
      for (const auto& id : ids->items()) {
        if (TextAt(id, "system") == identifier_system) value = TextAt(id, "value");
      }
    }
    const std::string ref = type + "/" + TextAt(resource, "id");
    keys.push_back(value.empty() ? "?|" + ref : type + "|" + value);
    if (!value.empty()) key_of_ref[ref] = type + "?identifier=" + value;
  }
  NormalizedState state;
  for (size_t i = 0; i < resources.size(); ++i) {
    json::Value copy = resources[i];
    copy.Remove("id");
    if (json::Value* meta = copy.Find("meta")) {
      meta->Remove("versionId");
      meta->Remove("lastUpdated");
      if (meta->members().empty()) copy.Remove("meta");
    }
    mapping::ForEachReference(copy, [&](json::Value& ref) {
      auto known = key_of_ref.find(ref.Find("reference")->text());
      if (known != key_of_ref.end()) ref["reference"] = json::Value::String(known->second);
    });
    if (!state.resources.emplace(keys[i], Canonical(copy)).second) {
      state.duplicates.push_back(keys[i]);
    }
  }
  return state;
}

}  // namespace silta::testing
