#include "stub_server.h"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <chrono>
#include <sstream>

namespace silta::fhirclient::testing {
namespace {

class FunctionHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  FunctionHandler(const StubServer::Handler& handler, std::atomic<int>& in_flight)
      : handler_(handler), in_flight_(in_flight) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    struct Done {
      std::atomic<int>& count;
      ~Done() { --count; }
    } done{in_flight_};
    handler_(request, response);
  }

 private:
  const StubServer::Handler& handler_;
  std::atomic<int>& in_flight_;
};

}  // namespace

class StubServer::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(StubServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    ++server_.hits_;
    ++server_.in_flight_;
    return new FunctionHandler(server_.handler_, server_.in_flight_);
  }

 private:
  StubServer& server_;
};

StubServer::StubServer(Handler handler, Poco::Net::Context::Ptr tls)
    : handler_(std::move(handler)), tls_(!tls.isNull()) {
  Poco::Net::SocketAddress address("127.0.0.1", 0);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(1, 0));
  params->setMaxThreads(8);
  if (tls_) {
    Poco::Net::SecureServerSocket socket(address, 16, tls);
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  } else {
    Poco::Net::ServerSocket socket(address, 16);
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  }
  server_->start();
}

StubServer::~StubServer() {
  stopping_ = true;
  server_->stopAll(true);
  // Handlers refer to this object: wait until the last one has returned.
  while (in_flight_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::string StubServer::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void StubServer::SleepUnlessStopping(int ms) const {
  for (int waited = 0; waited < ms && !stopping_; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

DroppingServer::DroppingServer(std::string partial_body, int promised_length)
    : partial_body_(std::move(partial_body)),
      promised_length_(promised_length),
      socket_(Poco::Net::SocketAddress("127.0.0.1", 0), 16),
      thread_([this] { Run(); }) {}

DroppingServer::~DroppingServer() {
  stop_ = true;
  thread_.join();
}

std::string DroppingServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(socket_.address().port());
}

void DroppingServer::Run() {
  while (!stop_) {
    if (!socket_.poll(Poco::Timespan(0, 20'000), Poco::Net::Socket::SELECT_READ)) continue;
    Poco::Net::StreamSocket connection = socket_.acceptConnection();
    ++hits_;
    // Ample for a request to arrive on a loaded machine; a shorter wait would drop it unanswered
    // instead of giving the scripted partial answer.
    connection.setReceiveTimeout(Poco::Timespan(10, 0));
    // Read the head and as much body as Content-Length announces.
    std::string received;
    char buffer[4096];
    size_t head_end = std::string::npos;
    size_t wanted = 0;
    try {
      while (true) {
        int n = connection.receiveBytes(buffer, sizeof buffer);
        if (n <= 0) break;
        received.append(buffer, static_cast<size_t>(n));
        if (head_end == std::string::npos) {
          head_end = received.find("\r\n\r\n");
          if (head_end != std::string::npos) {
            size_t cl = received.find("Content-Length: ");
            if (cl != std::string::npos && cl < head_end)
              wanted = std::stoul(received.substr(cl + 16));
          }
        }
        if (head_end != std::string::npos && received.size() >= head_end + 4 + wanted) break;
      }
      std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
          "Content-Length: " +
          std::to_string(promised_length_) + "\r\n\r\n" + partial_body_;
      connection.sendBytes(answer.data(), static_cast<int>(answer.size()));
      connection.shutdown();
    } catch (const Poco::Exception&) {
      // The client gave up first: nothing to answer.
    }
    connection.close();
  }
}

std::string Gzip(const std::string& text) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream deflater(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    deflater << text;
    deflater.close();
  }
  return out.str();
}

}  // namespace silta::fhirclient::testing
