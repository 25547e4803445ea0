#include <array>

#include "identifiers/identifiers.h"

namespace silta::identifiers {

std::optional<char> BusinessIdCheckDigit(std::string_view seven_digits) {
  static constexpr std::array<int, 7> kWeights = {7, 9, 10, 5, 8, 4, 2};
  if (seven_digits.size() != 7) return std::nullopt;
  int sum = 0;
  for (size_t i = 0; i < 7; ++i) {
    char c = seven_digits[i];
    if (c < '0' || c > '9') return std::nullopt;
    sum += (c - '0') * kWeights[i];
  }
  int remainder = sum % 11;
  if (remainder == 1) return std::nullopt;  // no business id is issued with these digits
  return static_cast<char>('0' + (remainder == 0 ? 0 : 11 - remainder));
}

Check CheckBusinessId(std::string_view value) {
  if (value.empty()) return {"BUSINESS_ID_EMPTY", "the business id is empty"};
  if (value.size() != 9 || value[7] != '-') {
    return {"BUSINESS_ID_SYNTAX",
            "a business id (Y-tunnus) is seven digits, a hyphen and a check digit (NNNNNNN-C)"};
  }
  std::string_view digits = value.substr(0, 7);
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return {"BUSINESS_ID_SYNTAX",
              "a business id (Y-tunnus) is seven digits, a hyphen and a check digit (NNNNNNN-C)"};
    }
  }
  std::optional<char> expected = BusinessIdCheckDigit(digits);
  if (!expected) {
    return {"BUSINESS_ID_REMAINDER_ONE",
            "no valid business id has these seven digits (their weighted sum leaves remainder 1)"};
  }
  if (*expected != value[8]) {
    return {"BUSINESS_ID_CHECK_DIGIT", "the check digit of the business id does not match"};
  }
  return Check::Valid();
}

}  // namespace silta::identifiers
