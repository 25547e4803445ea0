// A Clock for the tests of the client and of what is built on it: it starts at a fixed instant,
// and Sleep advances Now and is recorded instead of sleeping. Test code only.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "fhirclient/fhirclient.h"

namespace silta::fhirclient {

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
