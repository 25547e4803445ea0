#include "batch/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace silta::batch {

bool ShouldShowProgress(int fd) {
  if (::isatty(fd) == 0) return false;
  const char* ci = std::getenv("CI");
  return ci == nullptr || *ci == '\0';
}

namespace {

std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Rate(double per_second) {
  char buf[32];
  if (per_second >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM/s", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk/s", per_second / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f/s", per_second);
  }
  return buf;
}

std::string Duration(double seconds) {
  auto s = static_cast<uint64_t>(std::max(0.0, seconds) + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return buf;
}

}  // namespace

std::string RenderProgressLine(const ProgressSnapshot& s, size_t bar_width) {
  double fraction =
      s.bytes_total > 0 ? std::min(1.0, static_cast<double>(s.bytes_done) / s.bytes_total) : 0.0;
  auto filled = static_cast<size_t>(fraction * static_cast<double>(bar_width));
  std::string line = "[" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "] ";
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  line += pct;
  line += "  " + Grouped(s.resources) + " resources";
  if (s.elapsed_seconds > 0) {
    line += "  " + Rate(static_cast<double>(s.resources) / s.elapsed_seconds);
  }
  line += "  " + std::to_string(s.inputs_done) + "/" + std::to_string(s.inputs_total) + " files";
  if (fraction > 0.001 && fraction < 1.0 && s.elapsed_seconds > 0.5) {
    line += "  ETA " + Duration(s.elapsed_seconds * (1.0 - fraction) / fraction);
  }
  return line;
}

Progress::Progress(std::ostream& out, uint64_t bytes_total, uint64_t inputs_total)
    : out_(out), start_(Clock::now()) {
  snapshot_.bytes_total = bytes_total;
  snapshot_.inputs_total = inputs_total;
}

void Progress::Update(uint64_t resources, uint64_t bytes_done, uint64_t inputs_done) {
  snapshot_.resources = resources;
  snapshot_.bytes_done = bytes_done;
  snapshot_.inputs_done = inputs_done;
  Clock::time_point now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void Progress::Finish() {
  if (!drawn_) return;  // finished before the first redraw was due: nothing to clean up
  Draw();
  out_ << "\n" << std::flush;
}

void Progress::Draw() {
  snapshot_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  std::string line = RenderProgressLine(snapshot_);
  size_t width = line.size();
  // Blank out what a longer previous line left behind.
  if (width < last_width_) line += std::string(last_width_ - width, ' ');
  last_width_ = width;
  out_ << "\r" << line << std::flush;
  drawn_ = true;
}

}  // namespace silta::batch
