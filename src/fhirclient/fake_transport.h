// A scripted HttpTransport for unit tests (here and in modules built on the client): answers
// come from a queue or a handler, every request is recorded.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "fhirclient/http.h"

namespace silta::fhirclient {

class FakeTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResult(const HttpRequest&)>;

  // Queued answers are used first, in order; then the handler; then HTTP 500.
  void Enqueue(HttpResult result);
  void Enqueue(int status, std::string body = {}, HttpHeaders headers = {});
  void SetHandler(Handler handler);

  HttpResult Send(const HttpRequest& request) override;
  std::vector<HttpRequest> requests() const;
  size_t request_count() const;

 private:
  mutable std::mutex mutex_;
  std::deque<HttpResult> queue_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

}  // namespace silta::fhirclient
