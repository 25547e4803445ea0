#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "batch/line_reader.h"
#include "temp_dir.h"

namespace silta::batch {
namespace {

struct Seen {
  uint64_t number;
  std::string text;
  uint64_t length;
  bool too_long;
  bool has_line_end;
  bool operator==(const Seen&) const = default;
};

void PrintTo(const Seen& s, std::ostream* os) {
  *os << s.number << ":'" << s.text << "' len " << s.length << (s.too_long ? " too long" : "")
      << (s.has_line_end ? "" : " no-eol");
}

std::vector<Seen> ReadAll(const std::filesystem::path& path, LineReaderOptions options) {
  auto reader = LineReader::Open(path, options);
  EXPECT_TRUE(reader.ok());
  std::vector<Seen> seen;
  Line line;
  for (;;) {
    auto more = (*reader)->Next(line);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    seen.push_back(
        {line.number, std::string(line.text), line.length, line.too_long, line.has_line_end});
  }
  return seen;
}

TEST(LineReader, SplitsLinesAcrossChunkBoundariesAndStripsCarriageReturns) {
  testing::TempDir dir;
  auto file = dir.Write("a.ndjson", "first line\r\nsecond, a bit longer line\n\nlast");
  LineReaderOptions options;
  options.chunk_bytes = 16;  // the smallest allowed: every line spans chunks
  std::vector<Seen> expected = {{1, "first line", 10, false, true},
                                {2, "second, a bit longer line", 25, false, true},
                                {3, "", 0, false, true},
                                {4, "last", 4, false, false}};
  EXPECT_EQ(ReadAll(file, options), expected);
}

TEST(LineReader, SkipsLinesOverTheLimitWithoutBufferingThem) {
  testing::TempDir dir;
  std::string long_line(5000, 'x');
  auto file = dir.Write("a.ndjson", "ok\n" + long_line + "\nafter\n" + long_line);
  LineReaderOptions options;
  options.chunk_bytes = 64;
  options.max_line_bytes = 100;
  std::vector<Seen> expected = {{1, "ok", 2, false, true},
                                {2, "", 5000, true, true},
                                {3, "after", 5, false, true},
                                {4, "", 5000, true, false}};
  EXPECT_EQ(ReadAll(file, options), expected);
}

TEST(LineReader, AFinalLineEndAddsNoEmptyLine) {
  testing::TempDir dir;
  auto file = dir.Write("a.ndjson", "a\nb\n");
  std::vector<Seen> expected = {{1, "a", 1, false, true}, {2, "b", 1, false, true}};
  EXPECT_EQ(ReadAll(file, {}), expected);
  auto empty = dir.Write("empty.ndjson", "");
  EXPECT_TRUE(ReadAll(empty, {}).empty());
}

TEST(LineReader, MissingFileIsNotFound) {
  EXPECT_EQ(LineReader::Open("/nonexistent/x.ndjson").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace silta::batch
