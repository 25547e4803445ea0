#include "support/fake_clock.h"

namespace silta::fhirclient {

Clock::TimePoint FakeClock::Now() {
  std::lock_guard lock(mutex_);
  return now_;
}
void FakeClock::Sleep(Duration duration) {
  std::lock_guard lock(mutex_);
  sleeps_.push_back(duration);
  now_ += duration;
}
void FakeClock::Advance(Duration duration) {
  std::lock_guard lock(mutex_);
  now_ += duration;
}
std::vector<Clock::Duration> FakeClock::sleeps() const {
  std::lock_guard lock(mutex_);
  return sleeps_;
}

}  // namespace silta::fhirclient
