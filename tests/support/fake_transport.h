// A scripted HttpTransport for the tests of the client and of what is built on it (sync, serve,
// adapters): answers come from a queue or a handler, every request is recorded. Test code only:
// nothing in the product uses it.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "fhirclient/fhirclient.h"

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
