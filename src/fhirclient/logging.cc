#include "fhirclient/logging.h"

#include <cstdio>

namespace silta::fhirclient {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

NullLogger& NullLogger::Instance() {
  static NullLogger logger;
  return logger;
}

void StderrLogger::Log(LogLevel level, std::string_view message) {
  if (level < min_level_) return;
  std::lock_guard lock(mutex_);
  std::fprintf(stderr, "fhirclient %.*s: %.*s\n", static_cast<int>(LevelName(level).size()),
               LevelName(level).data(), static_cast<int>(message.size()), message.data());
}

void MemoryLogger::Log(LogLevel level, std::string_view message) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::string(LevelName(level)) + ": " + std::string(message));
}

std::vector<std::string> MemoryLogger::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string MaskUrl(std::string_view url) {
  std::string_view fragmentless = url.substr(0, url.find('#'));
  size_t query_start = fragmentless.find('?');
  std::string_view before_query = fragmentless.substr(0, query_start);

  std::string out;
  // Drop userinfo between "scheme://" and the host.
  size_t scheme_end = before_query.find("://");
  if (scheme_end != std::string_view::npos) {
    size_t authority_start = scheme_end + 3;
    size_t authority_end = before_query.find('/', authority_start);
    std::string_view authority = before_query.substr(
        authority_start, authority_end == std::string_view::npos ? std::string_view::npos
                                                                 : authority_end - authority_start);
    size_t at = authority.rfind('@');
    out.append(before_query.substr(0, authority_start));
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    out.append(authority);
    if (authority_end != std::string_view::npos) out.append(before_query.substr(authority_end));
  } else {
    out.append(before_query);
  }
  if (query_start == std::string_view::npos) return out;

  std::string_view query = fragmentless.substr(query_start + 1);
  out.push_back('?');
  bool first = true;
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      if (!first) out.push_back('&');
      first = false;
      size_t eq = pair.find('=');
      // A bare token ("?010101-123N") may itself be the identifier.
      out.append(eq == std::string_view::npos ? "***" : pair.substr(0, eq));
      if (eq != std::string_view::npos) out.append("=***");
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace silta::fhirclient
