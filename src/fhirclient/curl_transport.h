// HttpTransport over libcurl, safe to use from many threads. Requests reuse keep-alive
// connections (through a pool of easy handles, one thread per handle at a time) and share DNS
// results and TLS sessions; HTTP/2 is negotiated over TLS where the server offers it; gzip,
// deflate, brotli and zstd responses are decompressed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "fhirclient/http.h"
#include "fhirclient/logging.h"

namespace silta::fhirclient {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};  // whole exchange
  std::string ca_file;                                // PEM bundle; empty: the system store
  // Mutual TLS (e.g. Kanta): PEM client certificate (chain) and its private key.
  std::string client_certificate_file;
  std::string client_key_file;
  std::string client_key_password_env;  // name of an environment variable, if the key is encrypted
  // Turns off certificate and host name verification. Only for tests against throw-away servers;
  // the transport logs a warning whenever it is set.
  bool insecure_skip_verify = false;
  std::string user_agent = "silta-fhirclient/0.1";
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {},
                         Logger& logger = NullLogger::Instance());
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResult Send(const HttpRequest& request) override;

 private:
  struct Shared;
  CurlTransportOptions options_;
  Logger& logger_;
  std::string key_password_;
  std::unique_ptr<Shared> shared_;
};

}  // namespace silta::fhirclient
