#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <random>

namespace silta {

namespace {

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path.string());
    return IoError("cannot open " + path.string() + ": " + ErrnoText());
  }
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return IoError(path.string() + " is a directory, not a file");
  }
  // Read straight into the string, sized from fstat (one copy, not two through a stack buffer);
  // the loop still follows a file that is longer or shorter than fstat said.
  size_t expected = st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  size_t filled = 0;
  data.resize(std::max<size_t>(expected + 1, 4096));
  for (;;) {
    if (filled == data.size()) data.resize(data.size() * 2);
    ssize_t n = ::read(fd, data.data() + filled, data.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = ErrnoText();
      ::close(fd);
      return IoError("cannot read " + path.string() + ": " + err);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(filled);
  return data;
}

StatusOr<std::string> ReadStdin() {
  std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return IoError("cannot read standard input");
  return data;
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data,
                           Durability durability) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::random_device rd;
  // Appended piece by piece: GCC 12 at -O3 sees `"." + string` as a possibly overlapping memcpy
  // (a false -Wrestrict, GCC bug 105329) and -Werror would stop a Release build.
  std::string tmp_name = ".";
  tmp_name += path.filename().string();
  tmp_name += ".tmp";
  tmp_name += std::to_string(rd());
  std::filesystem::path tmp = dir / tmp_name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create " + tmp.string() + ": " + ErrnoText());
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = ErrnoText();
      ::close(fd);
      ::unlink(tmp.c_str());
      return IoError("cannot write " + path.string() + ": " + err);
    }
    written += static_cast<size_t>(n);
  }
  if ((durability == Durability::kFlushedToDisk && ::fsync(fd) != 0) || ::close(fd) != 0) {
    std::string err = ErrnoText();
    ::unlink(tmp.c_str());
    return IoError("cannot flush " + path.string() + ": " + err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = ErrnoText();
    ::unlink(tmp.c_str());
    return IoError("cannot replace " + path.string() + ": " + err);
  }
  return Status::Ok();
}

LineIndex::LineIndex(std::string_view text) {
  line_starts_.push_back(0);
  if (text.empty()) return;  // its data() may be null, which memchr must not get
  const char* p = text.data();
  const char* end = p + text.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
    ++p;
    line_starts_.push_back(static_cast<size_t>(p - text.data()));
  }
}

SourceLocation LineIndex::Locate(size_t offset) const {
  if (line_starts_.empty()) return {};
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin());  // 1-based
  size_t col = offset - line_starts_[line - 1] + 1;
  return {static_cast<uint32_t>(line), static_cast<uint32_t>(col)};
}

}  // namespace silta
