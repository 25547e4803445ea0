// Reads a text file line by line in fixed-size chunks, so files of any size stream through
// bounded memory: at most one chunk plus the longest accepted line is held at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silta::batch {

struct LineReaderOptions {
  size_t chunk_bytes = size_t{1} << 20;
  // Longer lines are skipped (never buffered whole) and reported as too long.
  size_t max_line_bytes = size_t{64} << 20;
};

struct Line {
  uint64_t number = 0;    // 1-based
  std::string_view text;  // without the line end (\n or \r\n); empty when too_long
  uint64_t length = 0;    // bytes of the line as it is in the file, without the line end
  bool too_long = false;
  bool has_line_end = true;  // false only for a last line cut short of its line end
};

class LineReader {
 public:
  static StatusOr<std::unique_ptr<LineReader>> Open(const std::filesystem::path& path,
                                                    const LineReaderOptions& options = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Fills `line` with the next line and returns true, or false at the end of the file. The
  // text stays valid until the next call.
  StatusOr<bool> Next(Line& line);

  uint64_t bytes_read() const { return bytes_read_; }

 private:
  LineReader(int fd, std::string path, const LineReaderOptions& options);
  // Appends up to one chunk to the buffer; false at end of file.
  StatusOr<bool> Fill();
  // Discards bytes up to and including the next '\n'. `after_cr`: the byte before the unread
  // data (already counted by the caller) was a '\r'.
  struct Skipped {
    uint64_t bytes = 0;      // skipped before the '\n' (or the end of the file)
    bool line_end = false;   // a '\n' was found
    bool cr_at_end = false;  // the byte before that '\n' (or the end of the file) was a '\r'
  };
  StatusOr<Skipped> SkipRestOfLine(bool after_cr);

  int fd_;
  std::string path_;
  LineReaderOptions options_;
  std::string buffer_;
  size_t begin_ = 0;  // unread data is buffer_[begin_, end_)
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace silta::batch
