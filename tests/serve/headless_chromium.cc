#include "headless_chromium.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace silta::serve::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A copy of `fd` numbered above the descriptors the child gets (3 and 4), close-on-exec.
int MoveHigh(int fd) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("chromium: write to the DevTools pipe failed");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

std::optional<fs::path> FindChromium() {
  if (const char* configured = std::getenv("SILTA_CHROMIUM"); configured && *configured) {
    return fs::exists(configured) ? std::optional<fs::path>(configured) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    fs::path candidate = fs::path(dirs.substr(0, colon)) / "chromium";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return std::nullopt;
}

StatusOr<std::unique_ptr<HeadlessChromium>> HeadlessChromium::Launch(const fs::path& binary,
                                                                     const fs::path& profile_dir,
                                                                     int width, int height) {
  // A browser that died must fail the next write, not kill the test.
  signal(SIGPIPE, SIG_IGN);
  int to_browser[2];
  int from_browser[2];
  if (pipe(to_browser) != 0 || pipe(from_browser) != 0) return IoError("chromium: pipe failed");
  for (int* fd : {&to_browser[0], &to_browser[1], &from_browser[0], &from_browser[1]}) {
    *fd = MoveHigh(*fd);
  }
  std::string log = (profile_dir / "chromium.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_browser[0], 3);
  posix_spawn_file_actions_adddup2(&actions, from_browser[1], 4);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that the renderers can be stopped with it.
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args = {
      binary.string(), "--headless=new",
      // CI runs the tests as root, where Chromium's sandbox cannot start.
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--hide-scrollbars", "--force-device-scale-factor=1", "--remote-debugging-pipe",
      "--user-data-dir=" + profile_dir.string(),
      "--window-size=" + std::to_string(width) + "," + std::to_string(height), "about:blank"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(to_browser[0]);
  close(from_browser[1]);
  if (rc != 0) {
    close(to_browser[1]);
    close(from_browser[0]);
    return UnavailableError("chromium: cannot start " + binary.string() + ": " + std::strerror(rc));
  }
  return std::unique_ptr<HeadlessChromium>(
      new HeadlessChromium(pid, to_browser[1], from_browser[0]));
}

HeadlessChromium::~HeadlessChromium() {
  if (to_browser_ >= 0) {
    std::string close_message = R"({"id":999999,"method":"Browser.close","params":{}})";
    close_message.push_back('\0');
    (void)WriteAll(to_browser_, close_message);
    close(to_browser_);
  }
  close(from_browser_);
  int status = 0;
  Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > give_up) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

StatusOr<json::Value> HeadlessChromium::Receive() {
  while (true) {
    size_t end = pending_.find('\0');
    if (end != std::string::npos) {
      std::string message = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      return json::Value::Parse(message, "DevTools message");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) return UnavailableError("chromium: no answer in time");
    pollfd fd{from_browser_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[65536];
    ssize_t n = read(from_browser_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UnavailableError("chromium: the browser closed the DevTools pipe");
    pending_.append(buffer, static_cast<size_t>(n));
  }
}

StatusOr<json::Value> HeadlessChromium::Call(const std::string& method, const json::Value& params,
                                             const std::string& session) {
  int id = next_id_++;
  json::Value message = json::Value::Object();
  message["id"] = json::Value::Number(std::to_string(id));
  message["method"] = json::Value::String(method);
  message["params"] = params;
  if (!session.empty()) message["sessionId"] = json::Value::String(session);
  std::string text = message.ToString();
  text.push_back('\0');
  SILTA_RETURN_IF_ERROR(WriteAll(to_browser_, text));
  while (true) {
    SILTA_ASSIGN_OR_RETURN(json::Value answer, Receive());
    const json::Value* answer_id = answer.Find("id");
    if (answer_id == nullptr) {
      events_.push_back(std::move(answer));
      continue;
    }
    if (answer_id->text() != std::to_string(id)) continue;
    if (const json::Value* error = answer.Find("error")) {
      return InternalError("chromium: " + method + " failed: " + error->ToString());
    }
    const json::Value* result = answer.Find("result");
    return result != nullptr ? *result : json::Value::Object();
  }
}

StatusOr<json::Value> HeadlessChromium::WaitForEvent(const std::string& method,
                                                     const std::string& session) {
  auto matches = [&](const json::Value& event) {
    const json::Value* name = event.Find("method");
    const json::Value* event_session = event.Find("sessionId");
    return name != nullptr && name->text() == method &&
           (event_session != nullptr ? event_session->text() : std::string()) == session;
  };
  for (size_t i = 0;; ++i) {
    if (i == events_.size()) {
      SILTA_ASSIGN_OR_RETURN(json::Value event, Receive());
      events_.push_back(std::move(event));
    }
    if (matches(events_[i])) {
      const json::Value* params = events_[i].Find("params");
      json::Value found = params != nullptr ? *params : json::Value::Object();
      events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(i));
      return found;
    }
  }
}

StatusOr<std::string> HeadlessChromium::OpenTab() {
  json::Value create = json::Value::Object();
  create["url"] = json::Value::String("about:blank");
  SILTA_ASSIGN_OR_RETURN(json::Value created, Call("Target.createTarget", create, ""));
  const json::Value* target = created.Find("targetId");
  if (target == nullptr) return InternalError("chromium: no targetId");
  json::Value attach = json::Value::Object();
  attach["targetId"] = *target;
  attach["flatten"] = json::Value::Bool(true);
  SILTA_ASSIGN_OR_RETURN(json::Value attached, Call("Target.attachToTarget", attach, ""));
  const json::Value* session = attached.Find("sessionId");
  if (session == nullptr) return InternalError("chromium: no sessionId");
  return session->text();
}

StatusOr<Image> DecodePng(std::string_view png) {
  const auto* data = reinterpret_cast<const unsigned char*>(png.data());
  constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (png.size() < 8 || std::memcmp(data, kSignature, 8) != 0) {
    return InvalidArgumentError("not a PNG");
  }
  Image image;
  int bit_depth = 0;
  int colour_type = 0;
  int interlace = 0;
  std::string compressed;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t length = BigEndian32(data + at);
    std::string_view type = png.substr(at + 4, 4);
    if (at + 12 + length > png.size()) return InvalidArgumentError("PNG chunk past the end");
    const unsigned char* body = data + at + 8;
    if (type == "IHDR" && length >= 13) {
      image.width = static_cast<int>(BigEndian32(body));
      image.height = static_cast<int>(BigEndian32(body + 4));
      bit_depth = body[8];
      colour_type = body[9];
      interlace = body[12];
    } else if (type == "IDAT") {
      compressed.append(reinterpret_cast<const char*>(body), length);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  int channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : colour_type == 6 ? 4 : 0;
  if (bit_depth != 8 || channels == 0 || interlace != 0 || image.width <= 0 || image.height <= 0) {
    return InvalidArgumentError("unsupported PNG layout");
  }
  size_t stride = static_cast<size_t>(image.width) * static_cast<size_t>(channels);
  std::vector<uint8_t> raw((stride + 1) * static_cast<size_t>(image.height));
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()),
                 compressed.size()) != Z_OK ||
      raw_size != raw.size()) {
    return InvalidArgumentError("PNG image data does not inflate to the declared size");
  }
  // Undo the per-row filters (PNG specification, section 9).
  std::vector<uint8_t> pixels(stride * static_cast<size_t>(image.height));
  auto paeth = [](int a, int b, int c) {
    int p = a + b - c;
    int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (size_t y = 0; y < static_cast<size_t>(image.height); ++y) {
    uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &pixels[y * stride];
    const uint8_t* up = y > 0 ? &pixels[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= static_cast<size_t>(channels) ? out[x - static_cast<size_t>(channels)] : 0;
      int b = up != nullptr ? up[x] : 0;
      int c = up != nullptr && x >= static_cast<size_t>(channels)
                  ? up[x - static_cast<size_t>(channels)]
                  : 0;
      int predictor = filter == 0   ? 0
                      : filter == 1 ? a
                      : filter == 2 ? b
                      : filter == 3 ? (a + b) / 2
                      : filter == 4 ? paeth(a, b, c)
                                    : -1;
      if (predictor < 0) return InvalidArgumentError("unknown PNG filter");
      out[x] = static_cast<uint8_t>(in[x] + predictor);
    }
  }
  image.rgba.resize(static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 4);
  for (size_t i = 0; i < static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
       ++i) {
    const uint8_t* p = &pixels[i * static_cast<size_t>(channels)];
    uint8_t* q = &image.rgba[i * 4];
    q[0] = p[0];
    q[1] = channels >= 3 ? p[1] : p[0];
    q[2] = channels >= 3 ? p[2] : p[0];
    q[3] = channels == 4 ? p[3] : 255;
  }
  return image;
}

}  // namespace silta::serve::testing
