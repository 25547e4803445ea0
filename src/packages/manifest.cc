#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "json/json.h"
#include "packages/packages.h"

namespace silta::packages {

namespace {

struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::string_view prerelease;  // without the '-'
};

std::optional<uint64_t> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "1.2.3", "1.2.3-ballot+build", and the shortened "1.2" / "1" some packages use.
std::optional<SemVer> ParseSemVer(std::string_view text) {
  if (size_t plus = text.find('+'); plus != std::string_view::npos) text = text.substr(0, plus);
  SemVer v;
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    v.prerelease = text.substr(dash + 1);
    text = text.substr(0, dash);
  }
  uint64_t* parts[] = {&v.major, &v.minor, &v.patch};
  size_t part = 0;
  while (true) {
    if (part == 3) return std::nullopt;
    size_t dot = text.find('.');
    std::optional<uint64_t> n = ParseNumber(text.substr(0, dot));
    if (!n) return std::nullopt;
    *parts[part++] = *n;
    if (dot == std::string_view::npos) break;
    text = text.substr(dot + 1);
  }
  // "2018-08-12" (the date versions of older terminology) is not version 2018.
  if (!v.prerelease.empty() && part < 2) return std::nullopt;
  return v;
}

int Sign(auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Semantic versioning precedence of pre-release identifiers.
int ComparePrerelease(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? 1 : -1);
  while (!a.empty() && !b.empty()) {
    size_t da = a.find('.'), db = b.find('.');
    std::string_view ia = a.substr(0, da), ib = b.substr(0, db);
    std::optional<uint64_t> na = ParseNumber(ia), nb = ParseNumber(ib);
    int c = 0;
    if (na && nb) {
      c = Sign(*na, *nb);
    } else if (na || nb) {
      c = na ? -1 : 1;  // numeric identifiers sort first
    } else {
      c = Sign(ia.compare(ib), 0);
    }
    if (c != 0) return c;
    a = da == std::string_view::npos ? std::string_view() : a.substr(da + 1);
    b = db == std::string_view::npos ? std::string_view() : b.substr(db + 1);
  }
  return Sign(a.size(), b.size());
}

}  // namespace

int CompareVersions(std::string_view a, std::string_view b) {
  std::optional<SemVer> va = ParseSemVer(a), vb = ParseSemVer(b);
  if (va && vb) {
    if (int c = Sign(va->major, vb->major)) return c;
    if (int c = Sign(va->minor, vb->minor)) return c;
    if (int c = Sign(va->patch, vb->patch)) return c;
    if (int c = ComparePrerelease(va->prerelease, vb->prerelease)) return c;
    return Sign(a.compare(b), 0);  // a total order even for "1.0" vs "1.0.0"
  }
  if (va || vb) return va ? 1 : -1;
  return Sign(a.compare(b), 0);
}

StatusOr<PackageManifest> ParseManifest(std::string_view json, std::string_view source) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return DataLossError(std::string(source) + " is not a JSON object");
  }
  PackageManifest m;
  m.name = json::StringMember(doc, "name");
  m.version = json::StringMember(doc, "version");
  if (m.name.empty() || m.version.empty()) {
    return DataLossError(std::string(source) + " has no \"name\" or \"version\"");
  }
  m.type = json::StringMember(doc, "type");
  m.canonical = json::StringMember(doc, "canonical");
  m.installed_from = json::StringMember(doc, "silta-installed-from");
  if (const rapidjson::Value* versions = json::Member(doc, "fhirVersions");
      versions != nullptr && versions->IsArray()) {
    for (const auto& v : versions->GetArray()) {
      if (v.IsString()) m.fhir_versions.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  if (const rapidjson::Value* deps = json::Member(doc, "dependencies"); deps != nullptr) {
    if (!deps->IsObject()) {
      return DataLossError(std::string(source) + ": \"dependencies\" is not an object");
    }
    std::string bad;
    json::ForEachMember(*deps, [&](std::string_view dep, const rapidjson::Value& version) {
      if (version.IsString()) {
        m.dependencies[std::string(dep)] = version.GetString();
      } else if (bad.empty()) {
        bad = dep;
      }
    });
    if (!bad.empty()) {
      return DataLossError(std::string(source) + ": the version of dependency " + bad +
                           " is not a string");
    }
  }
  return m;
}

}  // namespace silta::packages
