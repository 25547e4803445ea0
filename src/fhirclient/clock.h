// Time as a seam: backoff, token expiry and JWT lifetimes are tested with a fake clock that
// advances on Sleep instead of sleeping (tests/support/fake_clock.h).
#pragma once

#include <chrono>

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

}  // namespace silta::fhirclient
