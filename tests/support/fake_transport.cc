#include "support/fake_transport.h"

namespace silta::fhirclient {

void FakeTransport::Enqueue(HttpResult result) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(result));
}

void FakeTransport::Enqueue(int status, std::string body, HttpHeaders headers) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  Enqueue(HttpResult::Of(std::move(response)));
}

void FakeTransport::SetHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

HttpResult FakeTransport::Send(const HttpRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (!queue_.empty()) {
      HttpResult next = std::move(queue_.front());
      queue_.pop_front();
      return next;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  HttpResponse response;
  response.status = 500;
  return HttpResult::Of(std::move(response));
}

std::vector<HttpRequest> FakeTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t FakeTransport::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

}  // namespace silta::fhirclient
