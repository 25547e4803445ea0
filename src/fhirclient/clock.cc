#include "fhirclient/clock.h"

#include <thread>

namespace silta::fhirclient {

Clock::TimePoint SystemClock::Now() { return std::chrono::system_clock::now(); }
void SystemClock::Sleep(Duration duration) { std::this_thread::sleep_for(duration); }
SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace silta::fhirclient
