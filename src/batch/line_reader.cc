#include "batch/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace silta::batch {

StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::filesystem::path& path,
                                                       const LineReaderOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path.string());
    return IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  return std::unique_ptr<LineReader>(new LineReader(fd, path.string(), options));
}

LineReader::LineReader(int fd, std::string path, const LineReaderOptions& options)
    : fd_(fd), path_(std::move(path)), options_(options) {
  options_.chunk_bytes = std::max<size_t>(options_.chunk_bytes, 16);
  options_.max_line_bytes = std::max<size_t>(options_.max_line_bytes, 1);
}

LineReader::~LineReader() { ::close(fd_); }

StatusOr<bool> LineReader::Fill() {
  if (eof_) return false;
  // Move the unread tail to the front so the buffer never grows past one line plus one chunk.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() < end_ + options_.chunk_bytes) buffer_.resize(end_ + options_.chunk_bytes);
  for (;;) {
    ssize_t n = ::read(fd_, buffer_.data() + end_, options_.chunk_bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read " + path_ + ": " + std::strerror(errno));
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
    return true;
  }
}

StatusOr<std::pair<uint64_t, bool>> LineReader::SkipRestOfLine() {
  uint64_t skipped = 0;
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr) {
      size_t n = static_cast<size_t>(static_cast<const char*>(nl) - start);
      skipped += n;
      begin_ += n + 1;
      return std::make_pair(skipped, true);
    }
    skipped += end_ - begin_;
    begin_ = end_ = 0;
    SILTA_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) return std::make_pair(skipped, false);
  }
}

StatusOr<bool> LineReader::Next(Line& line) {
  size_t scanned = 0;  // bytes after begin_ known to hold no line end
  for (;;) {
    const char* start = buffer_.data() + begin_;
    size_t available = end_ - begin_;
    const void* nl = std::memchr(start + scanned, '\n', available - scanned);
    if (nl != nullptr) {
      size_t length = static_cast<size_t>(static_cast<const char*>(nl) - start);
      begin_ += length + 1;
      line = Line{};
      line.number = ++line_number_;
      if (length > 0 && start[length - 1] == '\r') --length;
      if (length > options_.max_line_bytes) {
        line.too_long = true;
        line.length = length;
      } else {
        line.text = std::string_view(start, length);
        line.length = length;
      }
      return true;
    }
    scanned = available;
    if (available > options_.max_line_bytes) {
      line = Line{};
      line.number = ++line_number_;
      line.too_long = true;
      begin_ = end_ = 0;
      SILTA_ASSIGN_OR_RETURN(auto rest, SkipRestOfLine());
      line.length = available + rest.first;
      line.has_line_end = rest.second;
      return true;
    }
    SILTA_ASSIGN_OR_RETURN(bool more, Fill());
    if (more) continue;
    if (end_ == begin_) return false;
    // The last line has no line end.
    start = buffer_.data() + begin_;
    available = end_ - begin_;
    begin_ = end_;
    line = Line{};
    line.number = ++line_number_;
    line.has_line_end = false;
    line.length = available;
    if (available > 0 && start[available - 1] == '\r') --available;
    line.text = std::string_view(start, available);
    return true;
  }
}

}  // namespace silta::batch
