#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "batch/progress.h"

namespace silta::batch {
namespace {

using ::testing::HasSubstr;

TEST(Progress, IsOffWhenStderrIsNotATerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(ShouldShowProgress(fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Progress, IsOnForATerminalUnlessInCi) {
  int controller = -1;
  int terminal = -1;
  ASSERT_EQ(::openpty(&controller, &terminal, nullptr, nullptr, nullptr), 0);
  const char* ci = std::getenv("CI");
  std::string saved = ci != nullptr ? ci : "";
  ::unsetenv("CI");
  EXPECT_TRUE(ShouldShowProgress(terminal));
  ::setenv("CI", "true", 1);
  EXPECT_FALSE(ShouldShowProgress(terminal));
  if (ci != nullptr) {
    ::setenv("CI", saved.c_str(), 1);
  } else {
    ::unsetenv("CI");
  }
  ::close(terminal);
  ::close(controller);
}

TEST(Progress, LineShowsPercentResourcesRateFilesAndTimeLeft) {
  ProgressSnapshot s;
  s.resources = 81920;
  s.bytes_done = 40;
  s.bytes_total = 100;
  s.inputs_done = 2;
  s.inputs_total = 5;
  s.elapsed_seconds = 4;
  std::string line = RenderProgressLine(s, 10);
  EXPECT_EQ(line, "[####------]  40%  81,920 resources  20.5k/s  2/5 files  ETA 0:06");
}

TEST(Progress, RedrawsAtMostTenTimesASecond) {
  std::ostringstream out;
  Progress progress(out, 1000, 1);
  for (uint64_t i = 1; i <= 1000; ++i) progress.Update(i, i, 0);
  progress.Finish();
  std::string text = out.str();
  // The first update draws, the thousand quick ones after it do not, Finish draws the end.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_THAT(text, HasSubstr("100%"));
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace silta::batch
