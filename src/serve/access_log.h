// One line per request for operators: when, from which address, method, route, status, bytes
// sent and duration. Never the query string or a body (both can carry identifiers), and for
// an unknown route not even the path: only paths of known routes are free of personal data.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silta::serve {

struct AccessLogEntry {
  std::string_view client_address;
  std::string_view method;
  std::string_view path;  // a known route's path, or "-"
  int status = 0;
  size_t bytes = 0;  // of the response body as sent
  double milliseconds = 0;
};

class AccessLog {
 public:
  // `destination`: "stderr", "off" (nullptr is returned) or a file, appended to.
  static StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& destination);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Thread-safe; each line is written whole.
  void Write(const AccessLogEntry& entry);

 private:
  AccessLog(std::FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::FILE* file_;
  bool owned_;
  std::mutex mu_;
};

}  // namespace silta::serve
