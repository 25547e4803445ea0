// Starts the real FHIR server of ../shared/fhir-server-peer (Medplum's router, in memory) as a
// child process on a free loopback port, and stops it by pid. Its npm install lives in
// .cache/fhir-peer (scripts/test.sh installs it); SILTA_FHIR_PEER_DIR points there.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fhirclient/fhirclient.h"

extern char** environ;

namespace silta::testing {

class FhirPeer {
 public:
  // Empty when the peer is not installed.
  static std::string InstalledDir() {
    const char* dir = std::getenv("SILTA_FHIR_PEER_DIR");
    return dir != nullptr ? dir : "";
  }

  // Starts the server on `port` (0: a free one) and waits until /metadata answers; false (with
  // `error`) when it cannot.
  bool Start(std::string* error, int port = 0) {
    port_ = port != 0 ? port : FreePort();
    std::string dir = InstalledDir();
    std::string node = dir + "/node_modules/.bin/node";
    std::string script = dir + "/fhir-peer.mjs";
    std::string port_env = "PORT=" + std::to_string(port_);
    std::vector<std::string> env_strings = {port_env, "VALIDATE=1", "ATOMIC=1"};
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (!entry.starts_with("PORT=")) env_strings.emplace_back(entry);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> argv = {node.data(), script.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // The server must not hold the test's output pipes: ctest waits for them to close, and a
    // server orphaned by a crashed test would keep them open.
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    int rc = posix_spawn(&pid_, node.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      *error = "cannot start " + node + ": " + std::strerror(rc);
      pid_ = 0;
      return false;
    }
    fhirclient::CurlTransport transport;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      auto result = transport.Send({"GET", base_url() + "/metadata", {}, {}});
      if (result.ok() && result.response.status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *error = "the FHIR peer did not answer on port " + std::to_string(port_);
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = 0;
    }
  }
  ~FhirPeer() { Stop(); }

  std::string base_url() const { return BaseUrlAt(port_); }
  static std::string BaseUrlAt(int port) {
    return "http://127.0.0.1:" + std::to_string(port) + "/fhir";
  }

  // A loopback port that nothing listens on (at the moment of the call).
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace silta::testing
