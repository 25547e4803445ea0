// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
// NUL-terminated JSON messages, Chromium reading fd 3 and writing fd 4. No WebDriver, no
// WebSocket: enough to load a page, drag a real file onto it and take a screenshot.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "json/json.h"

namespace silta::serve::testing {

// The Chromium binary ($SILTA_CHROMIUM, else `chromium` on the PATH); nullopt when absent.
std::optional<std::filesystem::path> FindChromium();

class HeadlessChromium {
 public:
  // Starts the browser with a fresh profile in `profile_dir` and a `width`x`height` window.
  static StatusOr<std::unique_ptr<HeadlessChromium>> Launch(
      const std::filesystem::path& binary, const std::filesystem::path& profile_dir, int width,
      int height);
  ~HeadlessChromium();  // closes the browser, killing it if it does not quit
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Opens a tab and attaches to it; later calls with an empty session go to the browser.
  StatusOr<std::string> OpenTab();
  // Sends a command (params: a JSON object) and returns its result; events that arrive
  // meanwhile are kept for WaitForEvent.
  StatusOr<json::Value> Call(const std::string& method, const json::Value& params,
                             const std::string& session);
  // The params of the first event `method` of `session`, consumed.
  StatusOr<json::Value> WaitForEvent(const std::string& method, const std::string& session);

 private:
  HeadlessChromium(pid_t pid, int to_browser, int from_browser)
      : pid_(pid), to_browser_(to_browser), from_browser_(from_browser) {}
  StatusOr<json::Value> Receive();

  pid_t pid_;
  int to_browser_;
  int from_browser_;
  std::string pending_;  // bytes read past the last message
  std::vector<json::Value> events_;
  int next_id_ = 1;
  std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(40);
};

// The pixels of a PNG (8-bit greyscale, RGB or RGBA, not interlaced), as RGBA.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;
};
StatusOr<Image> DecodePng(std::string_view png);

}  // namespace silta::serve::testing
