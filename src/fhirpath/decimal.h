// An exact decimal for FHIRPath: a 128-bit mantissa and a decimal scale. FHIR decimals keep
// their precision ("1.50" has two decimals) and FHIRPath arithmetic must not pick up binary
// floating point noise (0.1 + 0.2 = 0.3), so doubles are used only for the transcendental
// functions (ln, exp, power...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silta::fhirpath {

__extension__ typedef __int128 Int128;

class Decimal {
 public:
  // The largest scale kept; deeper results are rounded (division, multiplication).
  static constexpr int kMaxScale = 28;

  constexpr Decimal() = default;
  constexpr Decimal(Int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {}
  static Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  // FHIR / FHIRPath lexical form: [-+]digits[.digits][e[-+]digits]. Nullopt if malformed.
  static std::optional<Decimal> Parse(std::string_view text);
  static std::optional<Decimal> FromDouble(double v);

  Int128 mantissa() const { return mantissa_; }
  int scale() const { return scale_; }
  bool is_zero() const { return mantissa_ == 0; }
  bool is_negative() const { return mantissa_ < 0; }

  std::string ToString() const;
  double ToDouble() const;
  // Whole part if it fits int64 and there is no fractional part.
  std::optional<int64_t> ToInt64() const;

  // -1, 0, 1; numeric comparison (1.0 == 1).
  int Compare(const Decimal& other) const;

  // Nullopt on overflow (or division by zero).
  std::optional<Decimal> Add(const Decimal& o) const;
  std::optional<Decimal> Sub(const Decimal& o) const;
  std::optional<Decimal> Mul(const Decimal& o) const;
  std::optional<Decimal> Div(const Decimal& o) const;
  std::optional<Decimal> IntDiv(const Decimal& o) const;  // truncated quotient, scale 0
  std::optional<Decimal> Mod(const Decimal& o) const;
  Decimal Negate() const { return Decimal(-mantissa_, scale_); }
  Decimal Abs() const { return mantissa_ < 0 ? Negate() : *this; }

  // Half away from zero to `digits` decimals (digits >= 0).
  Decimal Round(int digits) const;
  Decimal Truncate() const;  // toward zero, scale 0
  Decimal Floor() const;
  Decimal Ceiling() const;
  // Same value with exactly `scale` decimals (padding with zeros or rounding).
  Decimal Rescale(int scale) const;
  // Drops trailing fractional zeros.
  Decimal Normalize() const;

 private:
  Int128 mantissa_ = 0;
  int scale_ = 0;
};

// 10^n for 0 <= n <= 38.
Int128 Pow10(int n);

}  // namespace silta::fhirpath
