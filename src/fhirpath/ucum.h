// Just enough UCUM to compare and convert the units found in clinical data: the SI base units
// with prefixes, the common customary units (inch, pound...), time, volume, pressure, %, arbitrary
// units, and products/quotients/powers of them ("mg/dL", "kg/m2", "mmol/L", "10*3/uL").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fhirpath/decimal.h"

namespace silta::fhirpath {

struct UcumUnit {
  // value_in_base_units = value * factor (+ offset for Cel / [degF], only when alone)
  Decimal factor = Decimal(1, 0);
  Decimal offset = Decimal(0, 0);
  // Exponents of m, g, s, K, mol, A, cd, rad, and one slot for arbitrary units.
  std::array<int8_t, 9> dims{};
  bool special = false;  // has an offset (temperature): not multipliable
};

std::optional<UcumUnit> ParseUcum(std::string_view unit);

// The FHIRPath calendar duration keywords: "year", "years", "month"... "millisecond(s)".
// Returns the singular form, or empty if `unit` is not one.
std::string_view CalendarUnit(std::string_view unit);
// The UCUM code that a calendar duration equals exactly (week → "wk"); empty for year and
// month, which equal no UCUM unit.
std::string_view CalendarToUcum(std::string_view calendar_singular);
// The calendar keyword for a UCUM time unit usable in date arithmetic ("d" → "day"); empty for
// "a" and "mo" (not calendar durations) and for everything else.
std::string_view UcumToCalendar(std::string_view ucum);

}  // namespace silta::fhirpath
