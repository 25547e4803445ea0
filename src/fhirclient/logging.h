// The client's log seam. Every URL passes through MaskUrl before it reaches a logger: query
// values may be identifiers such as a HETU, so all of them are masked, never just "known" ones.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace silta::fhirclient {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

class NullLogger final : public Logger {
 public:
  void Log(LogLevel, std::string_view) override {}
  static NullLogger& Instance();
};

class StderrLogger final : public Logger {
 public:
  explicit StderrLogger(LogLevel min_level = LogLevel::kInfo) : min_level_(min_level) {}
  void Log(LogLevel level, std::string_view message) override;

 private:
  LogLevel min_level_;
  std::mutex mutex_;
};

// Keeps lines in memory (tests, diagnostics bundles).
class MemoryLogger final : public Logger {
 public:
  void Log(LogLevel level, std::string_view message) override;
  std::vector<std::string> lines() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// "https://h/fhir/Patient?identifier=urn%3Aoid%3A1.2.246.21%7C010101-123N&_count=5#x" becomes
// "https://h/fhir/Patient?identifier=***&_count=***". Userinfo ("user:pw@") is dropped too.
std::string MaskUrl(std::string_view url);

}  // namespace silta::fhirclient
