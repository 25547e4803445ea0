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

StatusOr<LineReader::Skipped> LineReader::SkipRestOfLine(bool after_cr) {
  Skipped result;
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr) {
      size_t n = static_cast<size_t>(static_cast<const char*>(nl) - start);
      result.bytes += n;
      result.line_end = true;
      result.cr_at_end = n > 0 ? start[n - 1] == '\r' : after_cr;
      begin_ += n + 1;
      return result;
    }
    if (end_ > begin_) after_cr = buffer_[end_ - 1] == '\r';
    result.bytes += end_ - begin_;
    begin_ = end_ = 0;
    SILTA_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) {
      result.cr_at_end = after_cr;
      return result;
    }
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
    // A '\r' at the end may be the first half of a "\r\n" line end, which does not count:
    // a line of exactly max_line_bytes must not be too long because a chunk ended inside it.
    const bool ends_with_cr = available > 0 && start[available - 1] == '\r';
    if (available - (ends_with_cr ? 1 : 0) > options_.max_line_bytes) {
      line = Line{};
      line.number = ++line_number_;
      line.too_long = true;
      begin_ = end_ = 0;
      SILTA_ASSIGN_OR_RETURN(Skipped rest, SkipRestOfLine(ends_with_cr));
      // A '\r' before the line end (or the end of the file) is the line end's, not the line's.
      line.length = available + rest.bytes - (rest.cr_at_end ? 1 : 0);
      line.has_line_end = rest.line_end;
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
    // A '\r' cut short of its '\n' is a line end, as in the other paths: not text, not length.
    if (available > 0 && start[available - 1] == '\r') --available;
    line.length = available;
    line.text = std::string_view(start, available);
    return true;
  }
}

}  // namespace silta::batch
