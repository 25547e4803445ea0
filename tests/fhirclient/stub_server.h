// Loopback HTTP(S) servers for the integration tests: a Poco HTTPServer driven by a handler
// function, and a raw socket server that cuts connections mid-response.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace silta::fhirclient::testing {

class StubServer {
 public:
  using Handler =
      std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

  // Plain HTTP when `tls` is null.
  explicit StubServer(Handler handler, Poco::Net::Context::Ptr tls = nullptr);
  ~StubServer();

  std::string base_url() const;  // "http://127.0.0.1:<port>" or https
  int hits() const { return hits_; }
  bool stopping() const { return stopping_; }
  // Sleeps up to `ms`, returning early when the server shuts down.
  void SleepUnlessStopping(int ms) const;

 private:
  class Factory;
  Handler handler_;
  bool tls_;
  std::atomic<int> hits_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

// Accepts connections, reads one request, answers with a status line and headers promising
// `promised_length` body bytes, sends `partial_body`, and closes the connection.
class DroppingServer {
 public:
  DroppingServer(std::string partial_body, int promised_length);
  ~DroppingServer();
  std::string base_url() const;
  int hits() const { return hits_; }

 private:
  void Run();
  std::string partial_body_;
  int promised_length_;
  Poco::Net::ServerSocket socket_;
  std::atomic<bool> stop_{false};
  std::atomic<int> hits_{0};
  std::thread thread_;
};

// Gzip-compresses `text`.
std::string Gzip(const std::string& text);

}  // namespace silta::fhirclient::testing
