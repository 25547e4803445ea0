#include "fhirclient/curl_transport.h"

#include <curl/curl.h>

#include <array>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace silta::fhirclient {
namespace {

// curl_global_init is not thread-safe before libcurl 7.84; do it once, before any handle.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TransportErrorKind KindOf(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    // The TLS handshake did not complete, so no request left. It is most often the socket
    // (the server closed it mid-handshake: "Send failure: Broken pipe"), which a new attempt
    // fixes; certificate verdicts have the codes below.
    case CURLE_SSL_CONNECT_ERROR:
      return TransportErrorKind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportErrorKind::kTimeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
      return TransportErrorKind::kTls;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
      return TransportErrorKind::kDropped;
    default:
      return TransportErrorKind::kOther;
  }
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line (after 100 Continue or an HTTP/1 informational answer) starts over.
    response->headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return size * count;
}

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

// Keep-alive connections live in an easy handle's own connection cache, and libcurl does not
// support sharing a connection cache between concurrent threads (CURLSHOPT_SHARE(3)). So each
// request borrows an idle easy handle from a pool, one thread at a time, and returns it with its
// open connections; only DNS results and TLS sessions go through the (locked) share handle.
struct CurlTransport::Shared {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
  std::mutex pool_mutex;
  std::vector<CURL*> idle;

  CURL* Borrow() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        CURL* easy = idle.back();
        idle.pop_back();
        return easy;
      }
    }
    return curl_easy_init();
  }
  void Return(CURL* easy) {
    std::lock_guard lock(pool_mutex);
    idle.push_back(easy);
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Shared*>(user)->locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Shared*>(user)->locks[data].unlock();
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options, Logger& logger)
    : options_(std::move(options)), logger_(logger), shared_(std::make_unique<Shared>()) {
  GlobalInitOnce();
  shared_->share = curl_share_init();
  curl_share_setopt(shared_->share, CURLSHOPT_LOCKFUNC, &Shared::Lock);
  curl_share_setopt(shared_->share, CURLSHOPT_UNLOCKFUNC, &Shared::Unlock);
  curl_share_setopt(shared_->share, CURLSHOPT_USERDATA, shared_.get());
  curl_share_setopt(shared_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(shared_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (options_.insecure_skip_verify) {
    logger_.Log(LogLevel::kWarning,
                "TLS certificate verification is OFF for this transport; use only in tests");
  }
  if (!options_.client_key_password_env.empty()) {
    if (const char* password = std::getenv(options_.client_key_password_env.c_str())) {
      key_password_ = password;
    }
  }
}

CurlTransport::~CurlTransport() {
  for (CURL* easy : shared_->idle) curl_easy_cleanup(easy);
  curl_share_cleanup(shared_->share);
}

HttpResult CurlTransport::Send(const HttpRequest& request) {
  CURL* h = shared_->Borrow();
  if (h == nullptr) return HttpResult::Failure(TransportErrorKind::kOther, "curl_easy_init failed");
  struct GiveBack {
    Shared& shared;
    CURL* easy;
    ~GiveBack() {
      // Drops the pointers to this call's headers and buffers, keeps the open connections.
      curl_easy_reset(easy);
      shared.Return(easy);
    }
  } give_back{*shared_, h};
  char error[CURL_ERROR_SIZE] = {};
  HttpResponse response;

  curl_easy_setopt(h, CURLOPT_SHARE, shared_->share);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  if (request.fresh_connection) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.insecure_skip_verify ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.insecure_skip_verify ? 0L : 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.client_certificate_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, options_.client_certificate_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!options_.client_key_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY, options_.client_key_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    if (!key_password_.empty()) curl_easy_setopt(h, CURLOPT_KEYPASSWD, key_password_.c_str());
  }

  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "DELETE" || !request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    raw_headers = curl_slist_append(raw_headers, line.c_str());
  }
  // Waiting for "100 Continue" costs a round trip on every large POST for nothing here.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::unique_ptr<curl_slist, SlistFree> header_list(raw_headers);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());

  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    // libcurl's messages name host and port at most, never the query.
    std::string message = error[0] != '\0' ? error : curl_easy_strerror(code);
    return HttpResult::Failure(KindOf(code), std::move(message));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return HttpResult::Of(std::move(response));
}

}  // namespace silta::fhirclient
