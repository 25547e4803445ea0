// Hash maps keyed by std::string that can be probed with a std::string_view without
// allocating a temporary key (C++20 heterogeneous lookup).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace silta {

struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, TransparentStringHash, std::equal_to<>>;

using StringSet = std::unordered_set<std::string, TransparentStringHash, std::equal_to<>>;

}  // namespace silta
