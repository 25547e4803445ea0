// The reference validator cases (../shared/conformance/validator), each run through the CLI as
// its users run the HL7 validator (`silta validate CASE --ig SUPPORTING... --profile URL
// --output out.json`). Two criteria: lenient (zero vs non-zero errors, and every expected error
// location reported) and strict (the exact error count, and every expected location).
// known-failures.txt lists the cases that do not agree by the lenient one, each with a reason.
// SILTA_VALIDATOR_SUITE (a folder with index.json and cases/) runs another set of cases in the same
// layout instead, e.g. a local development set drawn from the same public source; the
// known-failures list belongs to the shared set, so with another suite disagreements are printed,
// not failed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include "base/files.h"
#include "fixture.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

namespace fs = std::filesystem;

// The shared set unless SILTA_VALIDATOR_SUITE names another folder of the same layout.
const fs::path& Suite() {
  static const fs::path suite = [] {
    const char* other = std::getenv("SILTA_VALIDATOR_SUITE");
    if (other != nullptr && *other != '\0') return fs::path(other);
    return fs::path(SILTA_SHARED_DIR) / "conformance" / "validator";
  }();
  return suite;
}

bool IsOtherSuite() {
  const char* other = std::getenv("SILTA_VALIDATOR_SUITE");
  return other != nullptr && *other != '\0';
}

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
  bool lenient = true;  // zero vs non-zero errors, and every expected error location reported
  bool strict = true;   // the exact error count, and every expected error location reported
  std::string detail;
};

struct Reported {
  int errors = 0;
  std::set<std::string> locations;
  std::string listing;  // for failure messages
  std::string failure;  // the run itself failed
};

// The errors of the OperationOutcome `silta validate --output` wrote.
Reported ReadOutcome(const fs::path& file) {
  Reported reported;
  auto text = ReadFile(file);
  if (!text.ok()) {
    reported.failure = "no outcome written: " + text.status().ToString();
    return reported;
  }
  rapidjson::Document outcome;
  outcome.Parse(text->c_str());
  if (!outcome.IsObject() || !outcome.HasMember("issue") || !outcome["issue"].IsArray()) {
    reported.failure = "the outcome is not an OperationOutcome";
    return reported;
  }
  for (const auto& issue : outcome["issue"].GetArray()) {
    std::string severity = issue["severity"].GetString();
    if (severity != "error" && severity != "fatal") continue;
    ++reported.errors;
    std::string expression;
    if (issue.HasMember("expression") && issue["expression"].IsArray() &&
        !issue["expression"].Empty()) {
      expression = issue["expression"][0].GetString();
    }
    reported.locations.insert(NormalizeExpression(expression));
    reported.locations.insert(AsXPath(NormalizeExpression(expression)));
    std::string message;
    if (issue.HasMember("details") && issue["details"].HasMember("text")) {
      message = issue["details"]["text"].GetString();
    }
    reported.listing += "\n    got: " + expression + ": " + message;
  }
  return reported;
}

std::string Quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Runs `silta validate CASE --ig SUPPORTING... [--profile URL] --output out.json`, the way a
// user of the HL7 validator would, and compares the outcome with the reference's.
StepResult RunStep(const rapidjson::Value& expected, const std::vector<std::string>& supporting,
                   const fs::path& instance, const std::string& profile, const fs::path& work) {
  StepResult result;
  fs::path out = work / "outcome.json";
  fs::remove(out);
  std::string command = std::string(SILTA_BINARY) + " validate " + Quoted(instance);
  for (const std::string& s : supporting) command += " --ig " + Quoted(Suite() / "cases" / s);
  if (!profile.empty()) command += " --profile '" + profile + "'";
  command += " --output " + Quoted(out) + " > " + Quoted(work / "stdout.txt") + " 2> " +
             Quoted(work / "stderr.txt");
  int status = std::system(command.c_str());
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  Reported reported;
  if (code != 0 && code != 1) {
    auto err = ReadFile(work / "stderr.txt");
    reported.failure =
        "silta validate exited with " + std::to_string(code) + ": " + (err.ok() ? *err : "");
  } else {
    reported = ReadOutcome(out);
  }
  std::ostringstream why;
  if (!reported.failure.empty()) {
    result.lenient = result.strict = false;
    result.detail = reported.failure;
    return result;
  }
  int expected_errors = expected["error"].GetInt();
  if ((expected_errors == 0) != (reported.errors == 0)) {
    result.lenient = false;
    why << "expected " << expected_errors << " errors, found " << reported.errors << ". ";
  }
  if (expected_errors != reported.errors) {
    result.strict = false;
    if (result.lenient) {
      why << "(strict) expected " << expected_errors << " errors, found " << reported.errors
          << ". ";
    }
  }
  for (const auto& e : expected["errorExpressions"].GetArray()) {
    if (!e.IsString()) continue;  // an error the reference validator gave no location
    std::string want = NormalizeExpression(e.GetString());
    // "(xml)"/"(json)" is the reference's location for the document as a whole: no expression.
    if (want == "(xml)" || want == "(json)") want.clear();
    if (reported.locations.count(want) == 0) {
      result.lenient = result.strict = false;
      why << "missing error at " << want << ". ";
    }
  }
  if (!result.strict) why << reported.listing;
  result.detail = why.str();
  return result;
}

// The canonical URL of the profile in `file` (JSON or XML).
std::string ProfileUrl(const fs::path& file) {
  auto json = ResourceJson(file);
  if (!json) return {};
  rapidjson::Document sd;
  sd.Parse(json->c_str());
  if (sd.IsObject() && sd.HasMember("url") && sd["url"].IsString()) return sd["url"].GetString();
  return {};
}

TEST(ValidatorConformance, ReferenceCasesThroughTheCli) {
  auto index_text = ReadFile(Suite() / "index.json");
  ASSERT_TRUE(index_text.ok()) << index_text.status().ToString();
  rapidjson::Document index;
  index.Parse(index_text->c_str());
  ASSERT_TRUE(index.IsArray());
  const bool other_suite = IsOtherSuite();
  auto known = other_suite ? std::map<std::string, std::string>{}
                           : ReadKnownFailures(SILTA_VALIDATION_KNOWN_FAILURES);
  fs::path work = fs::temp_directory_path() / ("silta-conformance-" + std::to_string(::getpid()));
  fs::create_directories(work);
  int total = 0;
  int lenient = 0;
  int strict = 0;
  std::vector<std::string> unexpected;
  std::vector<std::string> fixed;
  std::vector<std::string> strict_misses;
  for (const auto& c : index.GetArray()) {
    std::string name = c["name"].GetString();
    ++total;
    std::vector<std::string> supporting;
    for (const auto& s : c["supporting"].GetArray()) supporting.push_back(s.GetString());
    fs::path instance = Suite() / "cases" / c["file"].GetString();
    StepResult base = RunStep(c["expected"]["base"], supporting, instance, {}, work);
    StepResult profile;
    if (c["profile"].IsObject() && c["expected"].HasMember("profile")) {
      const auto& p = c["profile"];
      std::vector<std::string> profile_supporting = supporting;
      for (const auto& s : p["supporting"].GetArray()) profile_supporting.push_back(s.GetString());
      std::string source = p["source"].GetString();
      profile_supporting.push_back(source);
      profile = RunStep(c["expected"]["profile"], profile_supporting, instance,
                        ProfileUrl(Suite() / "cases" / source), work);
    }
    bool agrees = base.lenient && profile.lenient;
    if (agrees) ++lenient;
    if (base.strict && profile.strict) {
      ++strict;
    } else if (agrees) {
      strict_misses.push_back(name + ": base: " + base.detail + " profile: " + profile.detail);
    }
    bool is_known = known.count(name) != 0;
    if (!agrees && !is_known) {
      unexpected.push_back(name + ": base: " + base.detail + " profile: " + profile.detail);
    }
    if (agrees && is_known) fixed.push_back(name);
  }
  fs::remove_all(work);
  auto percent = [&](int n) { return total == 0 ? 0.0 : 100.0 * n / total; };
  std::cout << "[validator conformance, through silta validate, " << Suite().string()
            << "] lenient: " << lenient << " of " << total << " (" << percent(lenient)
            << " %); strict: " << strict << " of " << total << " (" << percent(strict) << " %); "
            << known.size() << " known failures listed\n";
  for (const std::string& s : strict_misses) std::cout << "  strict only: " << s << "\n";
  if (other_suite) {
    // Measurement only: the known-failures list does not describe this suite.
    for (const std::string& u : unexpected) std::cout << "  disagrees: " << u << "\n";
    return;
  }
  // The list stays honest: an entry that agrees now must go.
  for (const std::string& f : fixed) {
    ADD_FAILURE() << "now agrees, remove it from known-failures.txt: " << f;
  }
  for (const std::string& u : unexpected) ADD_FAILURE() << "unexpected failure: " << u;
}

}  // namespace
}  // namespace silta::validation
