// A throw-away PostgreSQL for tests: initdb in a temporary folder, a free loopback port, trust
// authentication for loopback and the socket in that folder, stopped and removed at the end.
// The binaries are Debian's (package `postgresql`, /usr/lib/postgresql/<major>/bin) or those in
// $SILTA_PG_BIN. They are required: a missing one is a test failure with the reason, never a
// skip (CI installs `postgresql`). PostgreSQL refuses to run as root; as root the server runs as
// the `postgres` user that the Debian package creates.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace silta::testing {

class PostgresServer {
 public:
  PostgresServer() = default;
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer() { Stop(); }

  // The folder with initdb and pg_ctl; empty when none is found.
  static std::filesystem::path BinDir() {
    if (const char* dir = std::getenv("SILTA_PG_BIN"); dir != nullptr && *dir != '\0') return dir;
    std::filesystem::path best;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(entry.path() / "bin/initdb") &&
          (best.empty() || entry.path().filename() > best.parent_path().filename())) {
        best = entry.path() / "bin";
      }
    }
    return best;
  }

  // False, with the reason in `error`, when the server cannot be started.
  bool Start(std::string* error) {
    std::filesystem::path bin = BinDir();
    if (bin.empty() || !std::filesystem::exists(bin / "initdb") ||
        !std::filesystem::exists(bin / "pg_ctl")) {
      *error =
          "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb and no "
          "SILTA_PG_BIN): install the Debian package `postgresql` (scripts/common.sh lists it)";
      return false;
    }
    char tmpl[] = "/tmp/silta-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      *error = "cannot create a temporary folder for PostgreSQL";
      return false;
    }
    dir_ = tmpl;
    as_ = geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (!as_.empty() && std::system(("chown postgres " + dir_.string()).c_str()) != 0) {
      *error = "cannot hand " + dir_.string() + " to the postgres user";
      return false;
    }
    port_ = FreePort();
    std::string data = (dir_ / "data").string();
    std::string log = (dir_ / "log").string();
    std::string initdb = as_ + (bin / "initdb").string() + " -D " + data +
                         " -U silta --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync > " + log +
                         " 2>&1";
    if (std::system(initdb.c_str()) != 0) {
      *error = "initdb failed: " + Tail(log);
      return false;
    }
    // fsync off: the tests check the stores' logic, not the disk; a crash loses the folder anyway.
    std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                          " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60";
    // The server writes its own log, as its own user: not a file this process created.
    std::string server_log = (dir_ / "data/server.log").string();
    std::string start = as_ + (bin / "pg_ctl").string() + " -D " + data + " -l " + server_log +
                        " -w -t 60 -o '" + options + "' start > " + log + " 2>&1";
    if (std::system(start.c_str()) != 0) {
      *error = "pg_ctl start failed: " + Tail(log) + Tail(server_log);
      return false;
    }
    pg_ctl_ = (bin / "pg_ctl").string();
    psql_ = (bin / "psql").string();
    return true;
  }

  void Stop() {
    if (!pg_ctl_.empty()) {
      std::string stop = as_ + pg_ctl_ + " -D " + (dir_ / "data").string() +
                         " -m immediate -w stop > /dev/null 2>&1";
      (void)std::system(stop.c_str());
      pg_ctl_.clear();
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  // A connection URI to database `db` (created by CreateDatabase, or "postgres").
  std::string Uri(const std::string& db = "postgres") const {
    return "postgresql://silta@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  // Creates an empty database; false when psql fails.
  bool CreateDatabase(const std::string& name) const { return Psql("CREATE DATABASE " + name); }

  // Runs one SQL command as the superuser.
  bool Psql(const std::string& sql, const std::string& db = "postgres") const {
    std::string command =
        psql_ + " -q -v ON_ERROR_STOP=1 -d '" + Uri(db) + "' -c \"" + sql + "\" > /dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }

  int port() const { return port_; }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
  }

  static std::string Tail(const std::string& file) {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  std::filesystem::path dir_;
  std::string as_;
  std::string pg_ctl_;
  std::string psql_;
  int port_ = 0;
};

}  // namespace silta::testing

namespace silta::testing {

// One server per test process, started on first use and stopped when the process exits. Null
// (with the reason in `error`) when it cannot start.
inline PostgresServer* SharedPostgres(std::string* error) {
  static PostgresServer server;
  static std::string start_error;
  static const bool started = server.Start(&start_error);
  if (!started) *error = start_error;
  return started ? &server : nullptr;
}

// The URI of a new, empty database on the shared server; empty (with `error`) on failure.
inline std::string FreshPostgresDatabase(const std::string& prefix, std::string* error) {
  PostgresServer* server = SharedPostgres(error);
  if (server == nullptr) return "";
  static int counter = 0;
  std::string name = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  if (!server->CreateDatabase(name)) {
    *error = "CREATE DATABASE " + name + " failed";
    return "";
  }
  return server->Uri(name);
}

}  // namespace silta::testing
