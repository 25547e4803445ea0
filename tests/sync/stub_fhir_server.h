// A loopback FHIR R4 server for the sync fault tests: an in-memory store just big enough for the
// sync engine (transaction Bundles of conditional and If-Match PUTs applied all-or-nothing, read,
// vread, search by identifier, system history, /metadata), versioned resources with ETags, and
// faults a test scripts request by request: error statuses (429 with Retry-After, 503), answers
// held back beyond the client's timeout, connections dropped before or after a transaction is
// committed, and a request held open so that a test can kill the client process right there.
//
// Every first path segment names an independent store ("tenant"), so one server can stand in for
// several targets while one request counter orders everything the client sends.
#pragma once

#include <Poco/Net/Context.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "json/json.h"

namespace silta::fhirclient::testing {
class StubServer;
}

namespace silta::testing {

enum class FaultKind {
  kNone,              // answer normally (to place a later fault after some clean requests)
  kStatus,            // answer `status` (with Retry-After when set) and change nothing
  kDelay,             // apply the request, then hold the answer for `delay`
  kDropBeforeCommit,  // close the connection without an answer; nothing changed
  kDropAfterCommit,   // apply the request, then close the connection without an answer
};

struct Fault {
  FaultKind kind = FaultKind::kStatus;
  int status = 503;
  std::string retry_after;  // Retry-After header value for kStatus; empty: none
  std::chrono::milliseconds delay{0};
};

// The requests a scripted fault applies to.
enum class RequestKind { kAny, kTransaction, kGet };

struct RequestRecord {
  std::string method;
  std::string path;  // without the query
  int status = 0;    // the status answered; 0 when the connection was dropped
  std::chrono::steady_clock::time_point received;
};

class StubFhirServer {
 public:
  struct Options {
    // HTTPS with this server context (which may demand client certificates); null: plain HTTP.
    Poco::Net::Context::Ptr tls;
    // When set, POST /auth/token is a SMART Backend Services token endpoint that checks the
    // client assertion against this public key (PEM), and FHIR requests need its bearer token.
    std::string smart_public_key_file;
    std::string smart_algorithm = "ES384";  // or RS384
    std::string smart_client_id = "silta";
  };

  StubFhirServer();
  explicit StubFhirServer(Options options);
  ~StubFhirServer();
  StubFhirServer(const StubFhirServer&) = delete;
  StubFhirServer& operator=(const StubFhirServer&) = delete;

  // The FHIR base URL of store `tenant`, e.g. "http://127.0.0.1:41234/county".
  std::string base_url(const std::string& tenant) const;
  std::string token_url() const;

  // The next `count` requests of `kind` get `fault`; scripted faults apply in the order given.
  void Inject(const Fault& fault, int count = 1, RequestKind kind = RequestKind::kTransaction);
  // Holds request number `n` (1-based, over all requests this server received) before it changes
  // anything, or with `after_commit` once its changes are committed but before it answers. When
  // released (or when the server stops) its connection is closed without an answer.
  void HoldRequest(int n, bool after_commit);
  // Whether the held request arrived within `timeout`.
  bool WaitUntilHeld(std::chrono::milliseconds timeout);
  void ReleaseHeld();

  int request_count() const;
  std::vector<RequestRecord> requests() const;
  int tokens_issued() const;
  std::vector<std::string> auth_failures() const;

  // The current (not deleted) resources of a store.
  std::vector<json::Value> Resources(const std::string& tenant) const;
  // Versions written to a store, over all resources.
  int VersionCount(const std::string& tenant) const;

  // Copies of the whole state of all stores, to start several runs from the same server state.
  struct State;
  std::shared_ptr<const State> SaveState() const;
  void RestoreState(const std::shared_ptr<const State>& state);
  // Forgets the requests seen, the faults scripted and the held request.
  void ResetScript();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<fhirclient::testing::StubServer> server_;  // last: stops before impl_ goes
};

// A store's resources in a form that compares equal between two runs that should have left the
// same state: keyed "Type|value" by the resource's identifier of `identifier_system`, without
// id, meta.versionId and meta.lastUpdated, and with references to other resources of the store
// written as "Type?identifier=value" instead of their server ids. Resources sharing a key are
// listed in `duplicates`; resources without such an identifier under "?|<type>/<id>".
struct NormalizedState {
  std::map<std::string, std::string> resources;
  std::vector<std::string> duplicates;
};
NormalizedState Normalize(const std::vector<json::Value>& resources,
                          const std::string& identifier_system);

}  // namespace silta::testing
