#include "serve/access_log.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace silta::serve {

StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& destination) {
  if (destination == "off") return std::unique_ptr<AccessLog>();
  if (destination.empty() || destination == "stderr") {
    return std::unique_ptr<AccessLog>(new AccessLog(stderr, false));
  }
  std::FILE* file = std::fopen(destination.c_str(), "a");
  if (file == nullptr) {
    return IoError("access log: cannot open " + destination + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(file, true));
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

void AccessLog::Write(const AccessLogEntry& entry) {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char time_text[32];
  std::strftime(time_text, sizeof(time_text), "%Y-%m-%dT%H:%M:%S", &tm);
  // The method is the client's word: only letters reach the log.
  std::string method(entry.method.substr(0, 16));
  for (char& c : method) {
    if (!std::isalpha(static_cast<unsigned char>(c))) c = '?';
  }
  char line[512];
  int length =
      std::snprintf(line, sizeof(line), "%s.%03dZ %.*s %.*s %.*s %d %zu %.1fms\n", time_text,
                    static_cast<int>(millis.count()), static_cast<int>(entry.client_address.size()),
                    entry.client_address.data(), static_cast<int>(method.size()), method.data(),
                    static_cast<int>(entry.path.size()), entry.path.data(), entry.status,
                    entry.bytes, entry.milliseconds);
  if (length <= 0) return;
  size_t size =
      static_cast<size_t>(length) < sizeof(line) ? static_cast<size_t>(length) : sizeof(line) - 1;
  if (size == sizeof(line) - 1) line[size - 1] = '\n';  // cut, but still one line
  std::lock_guard lock(mu_);
  std::fwrite(line, 1, size, file_);
  std::fflush(file_);
}

}  // namespace silta::serve
