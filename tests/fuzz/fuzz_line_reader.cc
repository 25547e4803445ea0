// libFuzzer target for the NDJSON line reader (batch::LineReader). The first two bytes pick the
// chunk size and the line length limit (small, so that lines cross chunk boundaries and hit the
// limit often); the rest is the file. Every line must come out as a plain split at '\n' gives it
// (a "\r\n" end or a '\r' cut short at the end of the file does not count as text), whatever
// the chunking, never a crash, a leak or undefined behaviour.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "batch/line_reader.h"

namespace {

std::filesystem::path g_file;

struct Expected {
  std::string text;
  uint64_t length = 0;
  bool too_long = false;
  bool has_line_end = true;
};

std::vector<Expected> Split(std::string_view content, size_t max_line_bytes) {
  std::vector<Expected> lines;
  while (!content.empty()) {
    size_t nl = content.find('\n');
    Expected e;
    e.has_line_end = nl != std::string_view::npos;
    std::string_view line = content.substr(0, nl);
    content.remove_prefix(e.has_line_end ? nl + 1 : content.size());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    e.length = line.size();
    e.too_long = line.size() > max_line_bytes;
    if (!e.too_long) e.text = std::string(line);
    lines.push_back(std::move(e));
  }
  return lines;
}

[[noreturn]] void Fail(const std::string& what, uint64_t number) {
  std::cerr << "line " << number << ": " << what << "\n";
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One file per process: parallel fuzzing jobs (-jobs=N) must not share it.
  std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  g_file = dir / ("silta-fuzz-line-reader-" + std::to_string(::getpid()) + ".ndjson");
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove(g_file, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  silta::batch::LineReaderOptions options;
  options.chunk_bytes = 16 + data[0] % 48;
  options.max_line_bytes = 1 + data[1] % 64;
  std::string_view content(reinterpret_cast<const char*>(data) + 2, size - 2);
  {
    std::ofstream out(g_file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) std::abort();
  }
  auto reader = silta::batch::LineReader::Open(g_file, options);
  if (!reader.ok()) {
    std::cerr << reader.status().message() << "\n";
    std::abort();
  }
  std::vector<Expected> expected = Split(content, options.max_line_bytes);
  silta::batch::Line line;
  size_t count = 0;
  for (;;) {
    auto more = (*reader)->Next(line);
    if (!more.ok()) Fail(std::string(more.status().message()), count + 1);
    if (!*more) break;
    if (count == expected.size()) Fail("one line too many", line.number);
    const Expected& e = expected[count++];
    if (line.number != count) Fail("wrong line number " + std::to_string(line.number), count);
    if (line.text != e.text) Fail("wrong text '" + std::string(line.text) + "'", count);
    if (line.length != e.length) Fail("wrong length " + std::to_string(line.length), count);
    if (line.too_long != e.too_long) Fail("wrong too_long", count);
    if (line.has_line_end != e.has_line_end) Fail("wrong has_line_end", count);
  }
  if (count != expected.size()) Fail("lines missing", count);
  if ((*reader)->bytes_read() != content.size()) Fail("wrong bytes_read", count);
  return 0;
}
