// The HTTP transport seam: FhirClient speaks to HttpTransport, never to libcurl directly, so that
// unit tests script the wire and the sync engine can be tested without a network.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace silta::fhirclient {

// Header names compare case-insensitively (RFC 9110); order and duplicates are preserved.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name`, empty when absent.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // GET, POST, PUT, DELETE
  std::string url;     // absolute
  HttpHeaders headers;
  std::string body;
  // Send on a new connection. libcurl re-sends a request on its own, once, when a reused
  // keep-alive connection closes without an answer; for a request that must not be repeated
  // (a plain create) the server may already have committed the first copy.
  bool fresh_connection = false;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;  // already decompressed
};

// Why no HTTP response arrived. The retry policy needs the distinction: after kConnect the request
// never left the client; after kTimeout or kDropped the server may have acted on it.
enum class TransportErrorKind { kNone, kConnect, kTimeout, kDropped, kTls, kOther };
std::string_view TransportErrorKindName(TransportErrorKind kind);

// The outcome of one attempt: either an HTTP response (any status) or a transport failure.
struct HttpResult {
  TransportErrorKind error_kind = TransportErrorKind::kNone;
  std::string error_message;  // without personal data: never the URL's query
  HttpResponse response;

  bool ok() const { return error_kind == TransportErrorKind::kNone; }
  static HttpResult Failure(TransportErrorKind kind, std::string message) {
    HttpResult r;
    r.error_kind = kind;
    r.error_message = std::move(message);
    return r;
  }
  static HttpResult Of(HttpResponse response) {
    HttpResult r;
    r.response = std::move(response);
    return r;
  }
};

// Thread-safe implementations may be shared by several clients.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResult Send(const HttpRequest& request) = 0;
};

// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
std::string UrlEncode(std::string_view text);

// "a=1&b=2" from pairs, each name and value encoded.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
std::string EncodeQuery(const QueryParams& params);

}  // namespace silta::fhirclient
