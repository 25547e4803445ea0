// Rules of single datatypes that need more than their element definitions: Attachment's size and
// hash against its data, Quantity against minValue/maxValue in comparable units.
#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "base/numbers.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

constexpr std::string_view kUcum = "http://unitsofmeasure.org";

// The bytes of base64 content with the whitespace R4 allows in it removed (the base64Binary
// regex is (\s*([0-9a-zA-Z\+/=]){4}\s*)+); nullopt when it does not decode. Its syntax is
// reported by the primitive check.
std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    compact += c;
    if (c == '=') ++padding;
  }
  if (compact.size() % 4 != 0 || compact.size() > (size_t{1} << 30)) return std::nullopt;
  std::string bytes(compact.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0 || static_cast<size_t>(n) < padding) return std::nullopt;
  bytes.resize(static_cast<size_t>(n) - padding);
  return bytes;
}

std::optional<std::string> Sha1Base64(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) {
    return std::nullopt;
  }
  std::string encoded(4 * ((length + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest.data(),
                          static_cast<int>(length));
  encoded.resize(static_cast<size_t>(n));
  return encoded;
}

// A UCUM unit reduced to a dimension and a factor to that dimension's unit. Only what clinical
// limits use: the metric atoms with their prefixes, the UCUM time units, percent and "1", and
// one division ("mg/dL"). A unit outside it is not comparable here (a warning says so) rather
// than compared wrongly; special units with offsets (Cel, [degF]) are never scaled.
struct UcumMagnitude {
  std::string dimension;
  double factor = 1;
};

std::optional<UcumMagnitude> UcumAtom(std::string_view code) {
  struct Atom {
    std::string_view code;
    std::string_view dimension;
    double factor;
    bool metric;  // takes a prefix
  };
  // UCUM base and derived units (unitsofmeasure.org, tables of "base units", "SI units" and
  // "other units"): the factor converts to the first atom of the same dimension.
  static constexpr Atom kAtoms[] = {
      {"g", "M", 1, true},        {"m", "L", 1, true},         {"L", "V", 1, true},
      {"l", "V", 1, true},        {"s", "T", 1, true},         {"mol", "N", 1, true},
      {"eq", "EQ", 1, true},      {"Pa", "P", 1, true},        {"U", "U", 1, true},
      {"min", "T", 60, false},    {"h", "T", 3600, false},     {"d", "T", 86400, false},
      {"wk", "T", 604800, false}, {"mo", "T", 2629800, false}, {"a", "T", 31557600, false},
      {"%", "", 0.01, false},     {"1", "", 1, false},         {"mm[Hg]", "P", 133322, false},
  };
  struct Prefix {
    std::string_view code;
    double factor;
  };
  static constexpr Prefix kPrefixes[] = {
      {"da", 1e1}, {"T", 1e12}, {"G", 1e9},  {"M", 1e6},  {"k", 1e3},   {"h", 1e2},  {"d", 1e-1},
      {"c", 1e-2}, {"m", 1e-3}, {"u", 1e-6}, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}};
  for (const Atom& atom : kAtoms) {
    if (code == atom.code) return UcumMagnitude{std::string(atom.dimension), atom.factor};
  }
  for (const Prefix& prefix : kPrefixes) {
    if (code.substr(0, prefix.code.size()) != prefix.code) continue;
    std::string_view rest = code.substr(prefix.code.size());
    for (const Atom& atom : kAtoms) {
      if (atom.metric && rest == atom.code) {
        return UcumMagnitude{std::string(atom.dimension), atom.factor * prefix.factor};
      }
    }
  }
  return std::nullopt;
}

std::optional<UcumMagnitude> UcumUnit(std::string_view code) {
  size_t slash = code.find('/');
  if (slash == std::string_view::npos) return UcumAtom(code);
  if (code.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  auto numerator = UcumAtom(code.substr(0, slash));
  auto denominator = UcumAtom(code.substr(slash + 1));
  if (!numerator || !denominator) return std::nullopt;
  return UcumMagnitude{numerator->dimension + "/" + denominator->dimension,
                       numerator->factor / denominator->factor};
}

}  // namespace

// Attachment.size is "number of bytes of content" and Attachment.hash "the calculated hash of the
// data using SHA-1, represented using base64" (R4 datatypes.html#Attachment): with data present,
// both are facts about it that can be checked.
void Walker::CheckAttachment(const model::Element& e) {
  std::string_view data = ChildValue(e, "data");
  if (data.empty()) return;
  std::string_view size = ChildValue(e, "size");
  std::string_view hash = ChildValue(e, "hash");
  if (size.empty() && hash.empty()) return;
  std::optional<std::string> bytes = DecodeBase64(data);
  if (!bytes) return;  // reported as bad base64
  if (!size.empty()) {
    std::optional<uint64_t> declared = ParseInteger<uint64_t>(size, 0, UINT64_MAX);
    if (declared && *declared != bytes->size()) {
      Report(Severity::kError, IssueType::kStructure, "ATTACHMENT_SIZE",
             "the attachment's size is " + std::string(size) + " but its data has " +
                 std::to_string(bytes->size()) + " bytes",
             e);
    }
  }
  if (!hash.empty()) {
    std::optional<std::string> expected = Sha1Base64(*bytes);
    std::optional<std::string> declared = DecodeBase64(hash);
    std::optional<std::string> computed = expected ? DecodeBase64(*expected) : std::nullopt;
    if (computed && declared != computed) {
      Report(Severity::kError, IssueType::kStructure, "ATTACHMENT_HASH",
             "the attachment's hash is not the SHA-1 of its data (which is " + *expected + ")", e);
    }
  }
}

// ElementDefinition.minValue[x]/maxValue[x] (inclusive) on a Quantity: the R4 Quantity rules say
// quantities compare only in comparable units, so the instance and the limit are brought to a
// common UCUM unit when their codes differ; when they cannot be, the limit is not applied and a
// warning says it could not be checked.
void Walker::CheckQuantityLimits(const model::Element& e, const ElementPlan& plan) {
  std::string_view value = ChildValue(e, "value");
  if (value.empty()) return;
  // A value that is not a decimal is reported by the primitive check; no limit applies to it.
  std::optional<double> amount = ParseDouble(value);
  if (!amount) return;
  std::string_view system = ChildValue(e, "system");
  std::string_view code = ChildValue(e, "code");
  auto check = [&](const rapidjson::Value* limit, bool is_min) {
    if (limit == nullptr || !limit->IsObject()) return;
    auto v = limit->FindMember("value");
    if (v == limit->MemberEnd()) return;
    std::optional<double> bound = ParseDouble(json::PrimitiveText(v->value));
    if (!bound) return;
    auto limit_code = limit->FindMember("code");
    auto limit_system = limit->FindMember("system");
    std::string_view bound_code = limit_code == limit->MemberEnd()
                                      ? std::string_view()
                                      : json::PrimitiveText(limit_code->value);
    std::string_view bound_system = limit_system == limit->MemberEnd()
                                        ? std::string_view()
                                        : json::PrimitiveText(limit_system->value);
    double compared = *amount;
    if (!bound_code.empty() && bound_code != code) {
      std::optional<UcumMagnitude> mine;
      std::optional<UcumMagnitude> theirs;
      if (system == kUcum && (bound_system.empty() || bound_system == kUcum)) {
        mine = UcumUnit(code);
        theirs = UcumUnit(bound_code);
      }
      if (!mine || !theirs || mine->dimension != theirs->dimension) {
        Report(Severity::kWarning, IssueType::kBusinessRule, "QUANTITY_LIMIT_UNITS",
               "the quantity's unit '" + std::string(code) + "' cannot be compared with the " +
                   (is_min ? "minimum" : "maximum") + "'s unit '" + std::string(bound_code) +
                   "': the limit is not checked",
               e);
        return;
      }
      compared = *amount * mine->factor / theirs->factor;
    }
    // Relative tolerance: 1 mg against 0.001 g is at the limit, not beyond it.
    double slack = 1e-9 * std::max(std::fabs(compared), std::fabs(*bound));
    if (is_min ? compared < *bound - slack : compared > *bound + slack) {
      Report(Severity::kError, IssueType::kValue, is_min ? "VALUE_BELOW_MIN" : "VALUE_ABOVE_MAX",
             std::string("the quantity is ") + (is_min ? "less" : "more") + " than the " +
                 (is_min ? "minimum " : "maximum ") + std::string(json::PrimitiveText(v->value)) +
                 (bound_code.empty() ? "" : " " + std::string(bound_code)) + " the profile allows",
             e);
    }
  };
  check(plan.min_value, true);
  check(plan.max_value, false);
}

}  // namespace silta::validation::internal
