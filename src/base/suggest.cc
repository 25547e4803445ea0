#include "base/suggest.h"

#include <algorithm>
#include <vector>

namespace silta {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> NearestName(std::string_view name,
                                       std::span<const std::string> candidates) {
  // Beyond this, a "suggestion" is another name, not the intended one.
  size_t limit = std::clamp<size_t>(name.size() / 3, 1, 3);
  size_t best = limit + 1;
  const std::string* found = nullptr;
  bool tie = false;
  for (const std::string& candidate : candidates) {
    size_t d = EditDistance(name, candidate);
    if (d < best) {
      best = d;
      found = &candidate;
      tie = false;
    } else if (d == best) {
      tie = true;
    }
  }
  if (found == nullptr || tie || best == 0) return std::nullopt;
  return *found;
}

}  // namespace silta
