// A one-line progress bar on a terminal: resources done, rate and time left, redrawn at most
// ten times a second. Shown only when stderr is a terminal and not in CI; silent otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace silta::batch {

// True when `fd` is a terminal and the CI environment variable is unset.
bool ShouldShowProgress(int fd);

struct ProgressSnapshot {
  uint64_t resources = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // of all inputs; the basis of the percentage and the time left
  uint64_t inputs_done = 0;
  uint64_t inputs_total = 0;
  double elapsed_seconds = 0;
};

// "[########------------]  40%  81,920 resources  12.3k/s  2/5 files  ETA 0:07"
std::string RenderProgressLine(const ProgressSnapshot& snapshot, size_t bar_width = 24);

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  Progress(std::ostream& out, uint64_t bytes_total, uint64_t inputs_total);

  // Redraws when 100 ms have passed since the last redraw.
  void Update(uint64_t resources, uint64_t bytes_done, uint64_t inputs_done);
  // Draws the final state and ends the line.
  void Finish();

 private:
  void Draw();

  std::ostream& out_;
  ProgressSnapshot snapshot_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
  size_t last_width_ = 0;
};

}  // namespace silta::batch
