// Time as a seam: backoff, token expiry and JWT lifetimes are tested with a fake clock that
// advances on Sleep instead of sleeping.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

namespace silta::fhirclient {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::milliseconds;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  virtual void Sleep(Duration duration) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() override;
  void Sleep(Duration duration) override;
  static SystemClock& Instance();
};

// Starts at a fixed instant; Sleep advances Now and is recorded.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1'800'000'000)))
      : now_(start) {}
  TimePoint Now() override;
  void Sleep(Duration duration) override;
  void Advance(Duration duration);
  std::vector<Duration> sleeps() const;

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
  std::vector<Duration> sleeps_;
};

}  // namespace silta::fhirclient
