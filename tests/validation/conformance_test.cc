// The reference validator cases (../shared/conformance/validator): every case is run and
// compared by error count (zero vs non-zero) and by the locations of the expected errors.
// known-failures.txt lists the cases that do not agree yet, each with a reason.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "base/files.h"
#include "fixture.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(SILTA_SHARED_DIR) / "conformance" / "validator";

// The Java validator annotates locations with /*Type/id*/ comments; they are not part of the
// FHIRPath location.
std::string NormalizeExpression(std::string_view e) {
  std::string out;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.substr(i, 2) == "/*") {
      size_t end = e.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 1;
      continue;
    }
    out += e[i];
  }
  return out;
}

// The reference validator names XML parse problems with XPath (/f:Observation/f:valueInteger,
// 1-based indexes); this writes a FHIRPath location in that notation for comparison.
std::string AsXPath(std::string_view fhirpath) {
  std::string out;
  size_t pos = 0;
  while (pos < fhirpath.size()) {
    size_t dot = fhirpath.find('.', pos);
    std::string_view seg = fhirpath.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    pos = dot == std::string_view::npos ? fhirpath.size() : dot + 1;
    if (seg.rfind("ofType(", 0) == 0 && seg.size() > 8) {
      std::string type(seg.substr(7, seg.size() - 8));
      type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
      out += type;  // value.ofType(integer) is the element valueInteger
      continue;
    }
    size_t bracket = seg.find('[');
    out += "/f:";
    out += seg.substr(0, bracket);
    if (bracket != std::string_view::npos) {
      out += '[' + std::to_string(std::stoi(std::string(seg.substr(bracket + 1))) + 1) + ']';
    }
  }
  return out;
}

// Resources as JSON text: XML files are converted through the element model.
std::optional<std::string> ResourceJson(const fs::path& file) {
  auto text = ReadFile(file);
  if (!text.ok()) return std::nullopt;
  if (file.extension() == ".json") return *text;
  IssueCollector ignored;
  auto doc = formats::ParseXml(*text, silta::testing::R4Model(), ignored);
  if (doc == nullptr || doc->root() == nullptr) return std::nullopt;
  return formats::WriteJson(*doc->root(), {.pretty = false});
}

std::map<std::string, std::string> ReadKnownFailures(const fs::path& path) {
  std::map<std::string, std::string> known;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find_first_of(" \t");
    std::string name = line.substr(0, space);
    std::string reason = space == std::string::npos ? "" : line.substr(space + 1);
    known[name] = reason;
  }
  return known;
}

struct StepResult {
  bool agrees = true;
  std::string detail;
};

StepResult RunStep(const rapidjson::Value& expected, const std::vector<std::string>& supporting,
                   const fs::path& instance, const std::vector<std::string>& profiles) {
  StepResult result;
  std::vector<std::string> resources;
  for (const std::string& s : supporting) {
    auto json = ResourceJson(kSuite / "cases" / s);
    if (json) resources.push_back(std::move(*json));
  }
  auto validator =
      Validator::Create(testing::R4Context(std::move(resources)), silta::testing::R4Model());
  if (!validator.ok()) {
    result.agrees = false;
    result.detail = "validator: " + validator.status().ToString();
    return result;
  }
  auto text = ReadFile(instance);
  if (!text.ok()) {
    result.agrees = false;
    result.detail = text.status().ToString();
    return result;
  }
  testing::Outcome outcome = testing::ValidateText(**validator, *text, profiles);
  int expected_errors = expected["error"].GetInt();
  std::vector<const Issue*> errors = outcome.Errors();
  std::set<std::string> reported;
  for (const Issue* i : errors) {
    reported.insert(NormalizeExpression(i->expression));
    reported.insert(AsXPath(NormalizeExpression(i->expression)));
  }
  std::ostringstream why;
  if ((expected_errors == 0) != errors.empty()) {
    result.agrees = false;
    why << "expected " << expected_errors << " errors, found " << errors.size() << ". ";
  }
  for (const auto& e : expected["errorExpressions"].GetArray()) {
    if (!e.IsString()) continue;  // an error the reference validator gave no location
    std::string want = NormalizeExpression(e.GetString());
    // "(xml)"/"(json)" is the reference's location for the document as a whole: no expression.
    if (want == "(xml)" || want == "(json)") want.clear();
    if (reported.count(want) == 0) {
      result.agrees = false;
      why << "missing error at " << want << ". ";
    }
  }
  if (!result.agrees) {
    for (const Issue* i : errors) why << "\n    got: " << i->expression << ": " << i->message;
  }
  result.detail = why.str();
  return result;
}

TEST(ValidatorConformance, ReferenceCases) {
  auto index_text = ReadFile(kSuite / "index.json");
  ASSERT_TRUE(index_text.ok()) << index_text.status().ToString();
  rapidjson::Document index;
  index.Parse(index_text->c_str());
  ASSERT_TRUE(index.IsArray());
  auto known = ReadKnownFailures(SILTA_VALIDATION_KNOWN_FAILURES);
  int total = 0;
  int agreeing = 0;
  std::vector<std::string> unexpected;
  std::vector<std::string> fixed;
  for (const auto& c : index.GetArray()) {
    std::string name = c["name"].GetString();
    ++total;
    std::vector<std::string> supporting;
    for (const auto& s : c["supporting"].GetArray()) supporting.push_back(s.GetString());
    StepResult base =
        RunStep(c["expected"]["base"], supporting, kSuite / "cases" / c["file"].GetString(), {});
    StepResult profile;
    if (c["profile"].IsObject() && c["expected"].HasMember("profile")) {
      const auto& p = c["profile"];
      std::vector<std::string> profile_supporting = supporting;
      for (const auto& s : p["supporting"].GetArray()) profile_supporting.push_back(s.GetString());
      std::string source = p["source"].GetString();
      profile_supporting.push_back(source);
      std::string url;
      if (auto json = ResourceJson(kSuite / "cases" / source)) {
        rapidjson::Document sd;
        sd.Parse(json->c_str());
        if (sd.IsObject() && sd.HasMember("url")) url = sd["url"].GetString();
      }
      profile = RunStep(c["expected"]["profile"], profile_supporting,
                        kSuite / "cases" / c["file"].GetString(), {url});
    }
    bool agrees = base.agrees && profile.agrees;
    if (agrees) ++agreeing;
    bool is_known = known.count(name) != 0;
    if (!agrees && !is_known) {
      unexpected.push_back(name + ": base: " + base.detail + " profile: " + profile.detail);
    }
    if (agrees && is_known) fixed.push_back(name);
  }
  double rate = total == 0 ? 0.0 : 100.0 * agreeing / total;
  std::cout << "[validator conformance] " << agreeing << " of " << total << " cases fully agree ("
            << rate << " %), " << known.size() << " known failures listed\n";
  for (const std::string& f : fixed) {
    std::cout << "  now passing (remove from known-failures.txt): " << f << "\n";
  }
  for (const std::string& u : unexpected) ADD_FAILURE() << "unexpected failure: " << u;
}

}  // namespace
}  // namespace silta::validation
