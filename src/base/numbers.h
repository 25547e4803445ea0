// Numbers read from text: the whole text must be the number, and it must fit. std::from_chars
// underneath, so nothing throws (std::stoi does on overflow) and nothing is silently read as 0
// (atoi and strtol do for garbage).
#pragma once

#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace silta {

// Decimal digits (base 10, or `base`), an optional '-' for signed types, no '+', no spaces;
// nullopt when the text is empty, has anything else, or lies outside [min, max].
template <typename T>
std::optional<T> ParseInteger(std::string_view text, T min = std::numeric_limits<T>::min(),
                              T max = std::numeric_limits<T>::max(), int base = 10) {
  static_assert(std::is_integral_v<T>);
  if (text.empty()) return std::nullopt;
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (ec != std::errc() || ptr != end || value < min || value > max) return std::nullopt;
  return value;
}

// A decimal number in the form from_chars reads ("-1.5", "2e3"); nullopt for anything else,
// and for values that do not fit a double.
inline std::optional<double> ParseDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace silta
