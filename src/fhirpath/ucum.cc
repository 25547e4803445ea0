#include "fhirpath/ucum.h"

#include <optional>
#include <string>

#include "base/numbers.h"

namespace silta::fhirpath {

namespace {

enum Dim { kM, kG, kS, kK, kMol, kA, kCd, kRad, kArb };

struct Atom {
  std::string_view code;
  const char* factor;  // in base units
  std::array<int8_t, 9> dims;
  bool metric;  // takes prefixes
  const char* offset = "0";
};

constexpr std::array<int8_t, 9> D(int m, int g, int s, int k = 0, int mol = 0, int a = 0,
                                  int cd = 0, int rad = 0, int arb = 0) {
  return {static_cast<int8_t>(m),  static_cast<int8_t>(g),   static_cast<int8_t>(s),
          static_cast<int8_t>(k),  static_cast<int8_t>(mol), static_cast<int8_t>(a),
          static_cast<int8_t>(cd), static_cast<int8_t>(rad), static_cast<int8_t>(arb)};
}

const Atom kAtoms[] = {
    {"m", "1", D(1, 0, 0), true},
    {"g", "1", D(0, 1, 0), true},
    {"s", "1", D(0, 0, 1), true},
    {"K", "1", D(0, 0, 0, 1), true},
    {"mol", "1", D(0, 0, 0, 0, 1), true},
    {"A", "1", D(0, 0, 0, 0, 0, 1), true},
    {"cd", "1", D(0, 0, 0, 0, 0, 0, 1), true},
    {"rad", "1", D(0, 0, 0, 0, 0, 0, 0, 1), true},
    {"deg", "0.0174532925199432957692", D(0, 0, 0, 0, 0, 0, 0, 1), false},
    {"sr", "1", D(0, 0, 0, 0, 0, 0, 0, 2), true},
    {"min", "60", D(0, 0, 1), false},
    {"h", "3600", D(0, 0, 1), false},
    {"d", "86400", D(0, 0, 1), false},
    {"wk", "604800", D(0, 0, 1), false},
    {"mo", "2629800", D(0, 0, 1), false},
    {"a", "31557600", D(0, 0, 1), false},
    {"Hz", "1", D(0, 0, -1), true},
    {"L", "0.001", D(3, 0, 0), true},
    {"l", "0.001", D(3, 0, 0), true},
    {"N", "1000", D(1, 1, -2), true},
    {"Pa", "1000", D(-1, 1, -2), true},
    {"bar", "100000000", D(-1, 1, -2), true},
    {"J", "1000", D(2, 1, -2), true},
    {"W", "1000", D(2, 1, -3), true},
    {"cal", "4184", D(2, 1, -2), true},
    {"C", "1", D(0, 0, 1, 0, 0, 1), true},
    {"V", "1000", D(2, 1, -3, 0, 0, -1), true},
    {"kat", "1", D(0, 0, -1, 0, 1), true},
    {"U", "0.0000000166666666666666667", D(0, 0, -1, 0, 1), true},
    {"eq", "1", D(0, 0, 0, 0, 1), true},
    {"osm", "1", D(0, 0, 0, 0, 1), true},
    {"Cel", "1", D(0, 0, 0, 1), true, "273.15"},
    {"[degF]", "0.5555555555555555556", D(0, 0, 0, 1), false, "255.3722222222222222"},
    {"mm[Hg]", "133322", D(-1, 1, -2), false},
    {"cm[H2O]", "98066.5", D(-1, 1, -2), false},
    {"[in_i]", "0.0254", D(1, 0, 0), false},
    {"[ft_i]", "0.3048", D(1, 0, 0), false},
    {"[yd_i]", "0.9144", D(1, 0, 0), false},
    {"[mi_i]", "1609.344", D(1, 0, 0), false},
    {"[lb_av]", "453.59237", D(0, 1, 0), false},
    {"[oz_av]", "28.349523125", D(0, 1, 0), false},
    {"[gr]", "0.06479891", D(0, 1, 0), false},
    {"[stone_av]", "6350.29318", D(0, 1, 0), false},
    {"[gal_us]", "0.003785411784", D(3, 0, 0), false},
    {"[foz_us]", "0.0000295735295625", D(3, 0, 0), false},
    {"[pt_us]", "0.000473176473", D(3, 0, 0), false},
    {"[qt_us]", "0.000946352946", D(3, 0, 0), false},
    {"[tsp_us]", "0.00000492892159375", D(3, 0, 0), false},
    {"[tbs_us]", "0.0000147867647813", D(3, 0, 0), false},
    {"[cup_us]", "0.0002365882365", D(3, 0, 0), false},
    {"%", "0.01", D(0, 0, 0), false},
    {"[ppm]", "0.000001", D(0, 0, 0), false},
    {"[ppb]", "0.000000001", D(0, 0, 0), false},
    {"[pi]", "3.1415926535897932385", D(0, 0, 0), false},
    {"[iU]", "1", D(0, 0, 0, 0, 0, 0, 0, 0, 1), true},
    {"[IU]", "1", D(0, 0, 0, 0, 0, 0, 0, 0, 1), true},
    {"[arb'U]", "1", D(0, 0, 0, 0, 0, 0, 0, 0, 1), false},
    {"[USP'U]", "1", D(0, 0, 0, 0, 0, 0, 0, 0, 1), false},
    {"[drp]", "0.00000005", D(3, 0, 0), false},
    {"[HPF]", "1", D(0, 0, 0), false},
    {"[LPF]", "100", D(0, 0, 0), false},
    {"[beth'U]", "1", D(0, 0, 0, 0, 0, 0, 0, 0, 1), false},
    {"Ao", "0.0000000001", D(1, 0, 0), false},
    {"t", "1000000", D(0, 1, 0), true},
    {"u", "0.0000000000000000000000016605402", D(0, 1, 0), true},
    {"[ly]", "9460730472580800", D(1, 0, 0), true},
};

struct Prefix {
  std::string_view code;
  int exponent;
};
const Prefix kPrefixes[] = {{"Y", 24},  {"Z", 21},  {"E", 18},  {"P", 15},  {"T", 12},
                            {"G", 9},   {"M", 6},   {"k", 3},   {"h", 2},   {"da", 1},
                            {"d", -1},  {"c", -2},  {"m", -3},  {"u", -6},  {"n", -9},
                            {"p", -12}, {"f", -15}, {"a", -18}, {"z", -21}, {"y", -24}};

const Atom* FindAtom(std::string_view code) {
  for (const Atom& a : kAtoms) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

Decimal PowerOfTen(int e) {
  if (e >= 0) return Decimal(Pow10(e), 0);
  return Decimal(1, -e);
}

std::optional<Decimal> DecPow(Decimal base, int exponent) {
  Decimal result(1, 0);
  int n = exponent < 0 ? -exponent : exponent;
  for (int i = 0; i < n; ++i) {
    auto r = result.Mul(base);
    if (!r) return std::nullopt;
    result = *r;
  }
  if (exponent < 0) return Decimal(1, 0).Div(result);
  return result;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<UcumUnit> Parse() {
    if (text_.empty()) return UcumUnit{};
    auto unit = Term();
    if (!unit || pos_ != text_.size()) return std::nullopt;
    return unit;
  }

 private:
  std::optional<UcumUnit> Term() {
    UcumUnit acc;
    bool divide = false;
    if (pos_ < text_.size() && text_[pos_] == '/') {
      divide = true;
      ++pos_;
    }
    for (;;) {
      auto c = Component();
      if (!c) return std::nullopt;
      if (!Combine(&acc, *c, divide)) return std::nullopt;
      if (pos_ >= text_.size() || (text_[pos_] != '.' && text_[pos_] != '/')) break;
      divide = text_[pos_] == '/';
      ++pos_;
    }
    return acc;
  }

  static bool Combine(UcumUnit* acc, const UcumUnit& c, bool divide) {
    auto f = divide ? acc->factor.Div(c.factor) : acc->factor.Mul(c.factor);
    if (!f) return false;
    acc->factor = *f;
    for (size_t i = 0; i < acc->dims.size(); ++i) {
      acc->dims[i] = static_cast<int8_t>(acc->dims[i] + (divide ? -c.dims[i] : c.dims[i]));
    }
    if (c.special) {
      acc->special = true;
      acc->offset = c.offset;
    }
    return true;
  }

  std::optional<UcumUnit> Component() {
    if (pos_ >= text_.size()) return std::nullopt;
    if (text_[pos_] == '(') {
      ++pos_;
      auto inner = Term();
      if (!inner || pos_ >= text_.size() || text_[pos_] != ')') return std::nullopt;
      ++pos_;
      return inner;
    }
    if (text_[pos_] == '{') {  // a bare annotation is unity
      if (!SkipAnnotation()) return std::nullopt;
      return UcumUnit{};
    }
    // A number: a plain factor ("1", "100"), or "10*3" / "10^3".
    if (text_[pos_] >= '0' && text_[pos_] <= '9') {
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      std::string_view digits = text_.substr(start, pos_ - start);
      UcumUnit u;
      if (digits == "10" && pos_ < text_.size() && (text_[pos_] == '*' || text_[pos_] == '^')) {
        ++pos_;
        int e;
        if (!Exponent(&e)) return std::nullopt;
        u.factor = PowerOfTen(e);
      } else {
        auto d = Decimal::Parse(digits);
        if (!d) return std::nullopt;
        u.factor = *d;
      }
      if (pos_ < text_.size() && text_[pos_] == '{' && !SkipAnnotation()) return std::nullopt;
      return u;
    }
    // A symbol: the longest run up to an operator, then split off an exponent.
    size_t start = pos_;
    int brackets = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '[') ++brackets;
      if (c == ']') --brackets;
      if (brackets == 0 && (c == '.' || c == '/' || c == '(' || c == ')' || c == '{')) break;
      ++pos_;
    }
    std::string_view symbol = text_.substr(start, pos_ - start);
    size_t exp_start = symbol.size();
    while (exp_start > 0 && ((symbol[exp_start - 1] >= '0' && symbol[exp_start - 1] <= '9'))) {
      --exp_start;
    }
    if (exp_start > 0 && exp_start < symbol.size() &&
        (symbol[exp_start - 1] == '-' || symbol[exp_start - 1] == '+')) {
      --exp_start;
    }
    int exponent = 1;
    if (exp_start < symbol.size() && exp_start > 0) {
      // UCUM exponents are small; a longer digit run is not a unit this code can use.
      std::string_view digits = symbol.substr(exp_start);
      if (digits[0] == '+') digits.remove_prefix(1);
      std::optional<int> written = ParseInteger<int>(digits, -99, 99);
      if (!written) return std::nullopt;
      exponent = *written;
      symbol = symbol.substr(0, exp_start);
    }
    auto base = Symbol(symbol);
    if (!base) return std::nullopt;
    if (pos_ < text_.size() && text_[pos_] == '{' && !SkipAnnotation()) return std::nullopt;
    if (exponent == 1) return base;
    if (base->special) return std::nullopt;
    UcumUnit u;
    auto f = DecPow(base->factor, exponent);
    if (!f) return std::nullopt;
    u.factor = *f;
    for (size_t i = 0; i < u.dims.size(); ++i) {
      u.dims[i] = static_cast<int8_t>(base->dims[i] * exponent);
    }
    return u;
  }

  static std::optional<UcumUnit> FromAtom(const Atom& a, int prefix_exponent) {
    UcumUnit u;
    u.factor = *Decimal::Parse(a.factor);
    u.dims = a.dims;
    if (std::string_view(a.offset) != "0") {
      u.special = true;
      u.offset = *Decimal::Parse(a.offset);
    }
    if (prefix_exponent != 0) {
      auto f = u.factor.Mul(PowerOfTen(prefix_exponent));
      if (!f) return std::nullopt;
      u.factor = *f;
    }
    return u;
  }

  static std::optional<UcumUnit> Symbol(std::string_view symbol) {
    if (symbol.empty()) return std::nullopt;
    if (const Atom* a = FindAtom(symbol)) return FromAtom(*a, 0);
    for (const Prefix& p : kPrefixes) {
      if (symbol.size() > p.code.size() && symbol.substr(0, p.code.size()) == p.code) {
        const Atom* a = FindAtom(symbol.substr(p.code.size()));
        if (a != nullptr && a->metric) return FromAtom(*a, p.exponent);
      }
    }
    return std::nullopt;
  }

  bool Exponent(int* out) {
    bool negative = false;
    if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) {
      negative = text_[pos_] == '-';
      ++pos_;
    }
    int v = 0;
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9' && v < 100) {
      v = v * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start) return false;
    *out = negative ? -v : v;
    return true;
  }

  bool SkipAnnotation() {
    size_t close = text_.find('}', pos_);
    if (close == std::string_view::npos) return false;
    pos_ = close + 1;
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

struct CalendarName {
  std::string_view name;
  std::string_view singular;
  std::string_view ucum;
};
constexpr CalendarName kCalendar[] = {
    {"year", "year", ""},
    {"years", "year", ""},
    {"month", "month", ""},
    {"months", "month", ""},
    {"week", "week", "wk"},
    {"weeks", "week", "wk"},
    {"day", "day", "d"},
    {"days", "day", "d"},
    {"hour", "hour", "h"},
    {"hours", "hour", "h"},
    {"minute", "minute", "min"},
    {"minutes", "minute", "min"},
    {"second", "second", "s"},
    {"seconds", "second", "s"},
    {"millisecond", "millisecond", "ms"},
    {"milliseconds", "millisecond", "ms"},
};

}  // namespace

std::optional<UcumUnit> ParseUcum(std::string_view unit) { return Parser(unit).Parse(); }

std::string_view CalendarUnit(std::string_view unit) {
  for (const CalendarName& c : kCalendar) {
    if (c.name == unit) return c.singular;
  }
  return {};
}

std::string_view CalendarToUcum(std::string_view calendar_singular) {
  for (const CalendarName& c : kCalendar) {
    if (c.singular == calendar_singular) return c.ucum;
  }
  return {};
}

std::string_view UcumToCalendar(std::string_view ucum) {
  if (ucum.empty()) return {};
  for (const CalendarName& c : kCalendar) {
    if (c.ucum == ucum) return c.singular;
  }
  return {};
}

}  // namespace silta::fhirpath
