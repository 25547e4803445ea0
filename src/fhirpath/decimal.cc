#include "fhirpath/decimal.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace silta::fhirpath {

namespace {

constexpr Int128 kMaxMantissa = (static_cast<Int128>(1) << 125);  // headroom for * 10

bool MulOverflow(Int128 a, Int128 b, Int128* out) { return __builtin_mul_overflow(a, b, out); }

// Divides with rounding half away from zero.
Int128 DivRound(Int128 n, Int128 d) {
  Int128 q = n / d;
  Int128 r = n % d;
  if (r < 0) r = -r;
  Int128 ad = d < 0 ? -d : d;
  if (r * 2 >= ad) q += ((n < 0) != (d < 0)) ? -1 : 1;
  return q;
}

// Brings both operands to the same scale; false if that overflows.
bool Align(const Decimal& a, const Decimal& b, Int128* am, Int128* bm, int* scale) {
  *scale = a.scale() > b.scale() ? a.scale() : b.scale();
  if (MulOverflow(a.mantissa(), Pow10(*scale - a.scale()), am)) return false;
  if (MulOverflow(b.mantissa(), Pow10(*scale - b.scale()), bm)) return false;
  return true;
}

// Rounds away decimals beyond kMaxScale.
Decimal Clamp(Int128 mantissa, int scale) {
  if (scale > Decimal::kMaxScale) {
    mantissa = DivRound(mantissa, Pow10(scale - Decimal::kMaxScale));
    scale = Decimal::kMaxScale;
  }
  return Decimal(mantissa, scale);
}

}  // namespace

Int128 Pow10(int n) {
  static const auto table = [] {
    struct T {
      Int128 v[39];
    } t{};
    t.v[0] = 1;
    for (int i = 1; i < 39; ++i) t.v[i] = t.v[i - 1] * 10;
    return t;
  }();
  if (n < 0) return 1;
  if (n > 38) n = 38;
  return table.v[n];
}

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  Int128 m = 0;
  int scale = 0;
  int digits = 0;
  bool point = false;
  int dropped = 0;  // integer digits beyond the mantissa's capacity
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (point || digits == 0) return std::nullopt;
      point = true;
      if (i + 1 >= text.size() || text[i + 1] < '0' || text[i + 1] > '9') return std::nullopt;
      continue;
    }
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return std::nullopt;
    ++digits;
    if (m < kMaxMantissa / 10) {
      m = m * 10 + (c - '0');
      if (point) ++scale;
    } else if (!point) {
      ++dropped;
    }
  }
  if (digits == 0) return std::nullopt;
  int exponent = dropped;
  if (i < text.size()) {  // exponent
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i >= text.size()) return std::nullopt;
    int e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || e > 1000) return std::nullopt;
      e = e * 10 + (text[i] - '0');
    }
    exponent += eneg ? -e : e;
  }
  scale -= exponent;
  if (scale < 0) {
    if (-scale > 38 || MulOverflow(m, Pow10(-scale), &m)) return std::nullopt;
    scale = 0;
  }
  if (negative) m = -m;
  return Clamp(m, scale);
}

std::optional<Decimal> Decimal::FromDouble(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  std::optional<Decimal> d = Parse(buf);
  if (!d) return d;
  return d->Normalize();
}

std::string Decimal::ToString() const {
  Int128 m = mantissa_ < 0 ? -mantissa_ : mantissa_;
  char digits[64];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m != 0);
  while (n <= scale_) digits[n++] = '0';  // at least one digit before the point
  std::string out;
  out.reserve(static_cast<size_t>(n) + 2);
  if (mantissa_ < 0) out += '-';
  for (int i = n - 1; i >= 0; --i) {
    out += digits[i];
    if (i == scale_ && i != 0) out += '.';
  }
  return out;
}

double Decimal::ToDouble() const {
  return static_cast<double>(static_cast<long double>(mantissa_) /
                             static_cast<long double>(Pow10(scale_)));
}

std::optional<int64_t> Decimal::ToInt64() const {
  Int128 p = Pow10(scale_);
  if (mantissa_ % p != 0) return std::nullopt;
  Int128 v = mantissa_ / p;
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(v);
}

int Decimal::Compare(const Decimal& other) const {
  Int128 a, b;
  int scale;
  if (!Align(*this, other, &a, &b, &scale)) {
    double x = ToDouble(), y = other.ToDouble();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

std::optional<Decimal> Decimal::Add(const Decimal& o) const {
  Int128 a, b, r;
  int scale;
  if (!Align(*this, o, &a, &b, &scale) || __builtin_add_overflow(a, b, &r)) return std::nullopt;
  return Decimal(r, scale);
}

std::optional<Decimal> Decimal::Sub(const Decimal& o) const { return Add(o.Negate()); }

std::optional<Decimal> Decimal::Mul(const Decimal& o) const {
  Int128 r;
  Decimal a = *this, b = o;
  // Trailing zeros cost headroom and no information.
  if (MulOverflow(a.mantissa_, b.mantissa_, &r)) {
    a = a.Normalize();
    b = b.Normalize();
    if (MulOverflow(a.mantissa_, b.mantissa_, &r)) return std::nullopt;
  }
  return Clamp(r, a.scale_ + b.scale_);
}

std::optional<Decimal> Decimal::Div(const Decimal& o) const {
  if (o.mantissa_ == 0) return std::nullopt;
  // Result scale: enough digits that 1/3 reads 0.33333333..., trimmed afterwards.
  for (int target = 20; target >= 0; target -= 4) {
    int shift = target + o.scale_ - scale_;
    Int128 n = mantissa_;
    if (shift >= 0) {
      if (MulOverflow(n, Pow10(shift), &n)) continue;
    } else {
      n = DivRound(n, Pow10(-shift));
    }
    return Decimal(DivRound(n, o.mantissa_), target).Normalize();
  }
  return std::nullopt;
}

std::optional<Decimal> Decimal::IntDiv(const Decimal& o) const {
  Int128 a, b;
  int scale;
  if (o.mantissa_ == 0 || !Align(*this, o, &a, &b, &scale)) return std::nullopt;
  return Decimal(a / b, 0);
}

std::optional<Decimal> Decimal::Mod(const Decimal& o) const {
  Int128 a, b;
  int scale;
  if (o.mantissa_ == 0 || !Align(*this, o, &a, &b, &scale)) return std::nullopt;
  return Decimal(a % b, scale);
}

Decimal Decimal::Round(int digits) const {
  if (digits >= scale_) return *this;
  return Decimal(DivRound(mantissa_, Pow10(scale_ - digits)), digits);
}

Decimal Decimal::Truncate() const { return Decimal(mantissa_ / Pow10(scale_), 0); }

Decimal Decimal::Floor() const {
  Int128 p = Pow10(scale_);
  Int128 q = mantissa_ / p;
  if (mantissa_ % p != 0 && mantissa_ < 0) --q;
  return Decimal(q, 0);
}

Decimal Decimal::Ceiling() const {
  Int128 p = Pow10(scale_);
  Int128 q = mantissa_ / p;
  if (mantissa_ % p != 0 && mantissa_ > 0) ++q;
  return Decimal(q, 0);
}

Decimal Decimal::Rescale(int scale) const {
  if (scale >= scale_) {
    Int128 r;
    if (MulOverflow(mantissa_, Pow10(scale - scale_), &r)) return *this;
    return Decimal(r, scale);
  }
  return Round(scale);
}

Decimal Decimal::Normalize() const {
  Int128 m = mantissa_;
  int s = scale_;
  while (s > 0 && m % 10 == 0) {
    m /= 10;
    --s;
  }
  return Decimal(m, s);
}

}  // namespace silta::fhirpath
