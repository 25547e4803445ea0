// Fetching packages with the npm client, run as a child process with an argument vector (never
// through a shell), its output captured for the error message.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "packages/packages.h"

extern char** environ;

namespace silta::packages {

namespace {

// Names and versions go on npm's command line: anything that could read as an option or a path
// is refused before npm sees it.
bool SafeArgument(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.front() == '.' || s.size() > 214) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '+';
    if (!ok) return false;
  }
  return true;
}

class Fd {
 public:
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Status MakePipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return IoError(std::string("pipe: ") + std::strerror(errno));
  p.read.Reset(fds[0]);
  p.write.Reset(fds[1]);
  return Status::Ok();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t start = s.find_first_not_of(" \r\n");
  return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

StatusOr<std::filesystem::path> NpmPackageSource::Fetch(
    std::string_view name, std::string_view version, const std::filesystem::path& destination_dir) {
  std::string spec = std::string(name) + "@" + std::string(version);
  if (!SafeArgument(name) || !SafeArgument(version)) {
    return InvalidArgumentError("not a valid package name and version: '" + spec + "'");
  }
  std::error_code ec;
  std::filesystem::create_directories(destination_dir, ec);
  if (ec) return IoError("cannot create " + destination_dir.string() + ": " + ec.message());

  Pipe out, err;
  SILTA_RETURN_IF_ERROR(MakePipe(out));
  SILTA_RETURN_IF_ERROR(MakePipe(err));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
  std::string dir = destination_dir.string();
  std::vector<std::string> args = {npm_, "pack", spec, "--pack-destination", dir, "--silent"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawn_error = ::posix_spawnp(&pid, npm_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return UnavailableError("cannot run '" + npm_ + "' to fetch " + spec + ": " +
                            std::strerror(spawn_error) + " (is Node.js with npm installed?)");
  }
  out.write.Reset();
  err.write.Reset();

  std::string stdout_text, stderr_text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds_);
  bool timed_out = false;
  pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&stdout_text, &stderr_text};
  int open_streams = 2;
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        // Keep the output bounded: only its start and end matter for a message.
        if (sinks[i]->size() < (1 << 20)) sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return UnavailableError("'" + npm_ + " pack " + spec + "' did not finish within " +
                            std::to_string(timeout_seconds_) + " seconds");
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    std::string detail = Trim(stderr_text);
    if (detail.size() > 2000) detail = detail.substr(0, 2000) + "...";
    std::string how = WIFEXITED(wait_status)
                          ? "exit code " + std::to_string(WEXITSTATUS(wait_status))
                          : "killed by signal " + std::to_string(WTERMSIG(wait_status));
    return UnavailableError("'" + npm_ + " pack " + spec + "' failed (" + how + ")" +
                            (detail.empty() ? "" : ": " + detail));
  }
  // npm prints the tarball's file name as its last line of output.
  std::string printed = Trim(stdout_text);
  if (size_t nl = printed.rfind('\n'); nl != std::string::npos) printed = printed.substr(nl + 1);
  for (const std::string& candidate :
       {printed, std::string(name) + "-" + std::string(version) + ".tgz"}) {
    if (candidate.empty() || candidate.find('/') != std::string::npos) continue;
    std::filesystem::path path = destination_dir / candidate;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return UnavailableError("'" + npm_ + " pack " + spec + "' succeeded but left no tarball in " +
                          dir);
}

}  // namespace silta::packages
