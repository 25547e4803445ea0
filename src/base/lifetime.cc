#include "base/lifetime.h"

#include <atomic>
#include <mutex>
#include <vector>

namespace silta {

namespace {

std::atomic<bool> keep_enabled{false};

struct Kept {
  std::mutex mu;
  std::vector<std::shared_ptr<const void>> objects;
};

// Never destroyed (the point of it), and reachable from this static for leak checkers.
Kept& KeptObjects() {
  static Kept* kept = new Kept;
  return *kept;
}

}  // namespace

void EnableKeepUntilProcessExit() { keep_enabled.store(true, std::memory_order_relaxed); }

void KeepUntilProcessExit(std::shared_ptr<const void> object) {
  if (!keep_enabled.load(std::memory_order_relaxed) || object == nullptr) return;
  Kept& kept = KeptObjects();
  std::lock_guard<std::mutex> lock(kept.mu);
  kept.objects.push_back(std::move(object));
}

}  // namespace silta
