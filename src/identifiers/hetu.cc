#include <algorithm>
#include <array>

#include "identifiers/identifiers.h"

namespace silta::identifiers {

namespace {

constexpr std::string_view kCheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

int Number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// The century a sign stands for; 0 if the character is not a century sign.
int CenturyOf(char sign) {
  switch (sign) {
    case '+':
      return 1800;
    case '-':
    case 'Y':
    case 'X':
    case 'W':
    case 'V':
    case 'U':
      return 1900;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
      return 2000;
    default:
      return 0;
  }
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

HetuFacts Fail(std::string_view code, std::string_view message) {
  HetuFacts facts;
  facts.check = {code, message};
  return facts;
}

}  // namespace

std::optional<char> HetuCheckCharacter(std::string_view nine_digits) {
  if (nine_digits.size() != 9 || !AllDigits(nine_digits)) return std::nullopt;
  return kCheckCharacters[static_cast<size_t>(Number(nine_digits) % 31)];
}

HetuFacts ParseHetu(std::string_view value) {
  if (value.empty()) return Fail("HETU_EMPTY", "the personal identity code is empty");
  if (value.size() != 11) {
    return Fail("HETU_LENGTH", "a personal identity code has exactly 11 characters");
  }
  std::string_view date = value.substr(0, 6);
  std::string_view individual = value.substr(7, 3);
  if (!AllDigits(date)) {
    return Fail("HETU_DATE_SYNTAX",
                "the first six characters of a personal identity code must be digits (DDMMYY)");
  }
  int century = CenturyOf(value[6]);
  if (century == 0) {
    return Fail("HETU_CENTURY_SIGN",
                "the seventh character of a personal identity code must be a century sign "
                "(+, -, Y, X, W, V, U, A, B, C, D, E or F)");
  }
  if (!AllDigits(individual)) {
    return Fail("HETU_INDIVIDUAL_SYNTAX",
                "characters 8-10 of a personal identity code must be digits (the individual "
                "number)");
  }
  int day = Number(date.substr(0, 2));
  int month = Number(date.substr(2, 2));
  int year = century + Number(date.substr(4, 2));
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return Fail("HETU_DATE", "the birth date in the personal identity code is not a real date");
  }
  int number = Number(individual);
  if (number < 2) {
    return Fail("HETU_INDIVIDUAL_NUMBER",
                "the individual number of a personal identity code must be 002-999 (000 and "
                "001 are never issued)");
  }
  std::string nine;
  nine.reserve(9);
  nine.append(date).append(individual);
  if (*HetuCheckCharacter(nine) != value[10]) {
    return Fail("HETU_CHECK_CHARACTER",
                "the check character of the personal identity code does not match its digits");
  }
  HetuFacts facts;
  facts.year = year;
  facts.month = month;
  facts.day = day;
  facts.individual_number = number;
  facts.temporary_or_test = number >= 900;
  facts.odd_individual_number = number % 2 == 1;
  return facts;
}

std::string MaskHetu(std::string_view value) {
  if (value.size() != 11) return "****";
  std::string masked(value.substr(0, 7));
  masked += "****";
  return masked;
}

std::string MaskIdentifier(std::string_view value, size_t keep) {
  size_t shown = std::min(keep, value.size() / 2);
  std::string masked(value.substr(0, shown));
  masked.append(value.size() - shown, '*');
  return masked;
}

}  // namespace silta::identifiers
