// Data suites: every example instance of the R4 core package validates against R4 core without
// errors (except the genuine defects in r4-example-defects.txt), and the Finnish Base examples
// validate against their declared profiles.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "base/files.h"
#include "fixture.h"
#include "formats/formats.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> ReadList(const fs::path& path) {
  std::map<std::string, std::string> list;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find_first_of(" \t");
    list[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return list;
}

// Conformance resources are definitions, not example data.
bool IsConformanceResource(std::string_view type) {
  static const std::set<std::string_view> kTypes = {
      "StructureDefinition", "ValueSet",
      "CodeSystem",          "ConceptMap",
      "CapabilityStatement", "SearchParameter",
      "OperationDefinition", "CompartmentDefinition",
      "ImplementationGuide", "NamingSystem",
      "StructureMap",        "GraphDefinition",
      "MessageDefinition",   "TerminologyCapabilities",
      "ExampleScenario"};
  return kTypes.count(type) != 0;
}

std::string TypeOfFile(const std::string& name) { return name.substr(0, name.find('-')); }

// The message ids a defect-list entry pins: its first word, ids joined by '+'.
std::set<std::string> PinnedIds(const std::string& entry) {
  std::set<std::string> ids;
  std::string word = entry.substr(0, entry.find_first_of(" \t"));
  if (!word.empty() && word.back() == ':') word.pop_back();
  size_t start = 0;
  while (start <= word.size()) {
    size_t plus = word.find('+', start);
    if (plus == std::string::npos) plus = word.size();
    if (plus > start) ids.insert(word.substr(start, plus - start));
    start = plus + 1;
  }
  return ids;
}

TEST(R4Examples, ValidateWithoutErrorsAgainstCore) {
  auto validator = testing::R4Validator();
  ASSERT_NE(validator, nullptr);
  auto defects = ReadList(SILTA_VALIDATION_R4_DEFECTS);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(silta::testing::R4PackageDir())) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name[0] == '.' || name == "package.json") continue;
    if (IsConformanceResource(TypeOfFile(name))) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  int with_errors = 0;
  int validated = 0;
  std::vector<std::string> fixed;
  for (const fs::path& file : files) {
    auto text = ReadFile(file);
    ASSERT_TRUE(text.ok());
    rapidjson::Document probe;
    probe.Parse(text->c_str());
    if (!probe.IsObject() || !probe.HasMember("resourceType") ||
        IsConformanceResource(probe["resourceType"].GetString())) {
      continue;
    }
    ++validated;
    testing::Outcome o = testing::ValidateText(*validator, *text);
    std::string name = file.filename().string();
    bool listed = defects.count(name) != 0;
    if (o.Errors().empty()) {
      if (listed) fixed.push_back(name);
      continue;
    }
    ++with_errors;
    std::string errors;
    std::set<std::string> ids;
    for (const Issue* i : o.Errors()) {
      errors += "\n  " + i->expression + ": " + i->message + " {" + i->message_id + "}";
      ids.insert(i->message_id);
    }
    if (!listed) {
      ADD_FAILURE() << name << " has errors:" << errors;
    } else if (ids != PinnedIds(defects[name])) {
      // An entry pins the kinds of its errors: another error in a listed file is not hidden.
      ADD_FAILURE() << name << " has other errors than its defect-list entry names:" << errors;
    }
  }
  std::cout << "[r4 examples] " << validated << " validated, " << with_errors << " with errors ("
            << defects.size() << " listed as genuine defects)\n";
  // The list stays honest: an example that validates now must leave it.
  for (const auto& f : fixed) ADD_FAILURE() << "no longer has errors, remove it: " << f;
  EXPECT_GT(validated, 500);
}

const fs::path kFinnish = fs::path(SILTA_SHARED_DIR) / "profiles-fi";

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" && name[0] != '.' &&
        name != "package.json") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const packages::Package> LoosePackage(const fs::path& dir) {
  auto manifest_text = ReadFile(dir / "package.json");
  EXPECT_TRUE(manifest_text.ok());
  auto manifest = packages::ParseManifest(*manifest_text, (dir / "package.json").string());
  EXPECT_TRUE(manifest.ok());
  // Read as loose files: the shared folder is read-only data, no index is written into it.
  auto package = packages::Package::FromFiles(manifest->id(), JsonFiles(dir));
  EXPECT_TRUE(package.ok()) << package.status().ToString();
  return package.ok() ? *package : nullptr;
}

TEST(FinnishBase, ExamplesValidateAgainstTheirProfiles) {
  fs::path base_dir = kFinnish / "hl7.fhir.fi.base-2.0.0-rc2";
  auto base = LoosePackage(base_dir);
  auto scheduling = LoosePackage(kFinnish / "hl7.fhir.fi.scheduling-0.3.1");
  ASSERT_NE(base, nullptr);
  ASSERT_NE(scheduling, nullptr);
  EXPECT_GT(base->entries().size(), 40u);
  auto context =
      packages::ConformanceContext::FromPackages({base, scheduling, testing::R4Package()});
  // hl7.terminology.r4 and hl7.fhir.uv.extensions.r4 are not available offline: their
  // extensions are reported as warnings, not errors.
  ValidatorOptions options;
  options.allow_unknown_extensions = true;
  auto validator = Validator::Create(context, silta::testing::R4Model(), options);
  ASSERT_TRUE(validator.ok()) << validator.status().ToString();
  int validated = 0;
  for (const fs::path& file : JsonFiles(base_dir / "examples")) {
    auto text = ReadFile(file);
    ASSERT_TRUE(text.ok());
    testing::Outcome o = testing::ValidateText(**validator, *text);
    ++validated;
    std::string errors;
    for (const Issue* i : o.Errors()) {
      errors += "\n  " + i->expression + ": " + i->message + " {" + i->message_id + "}";
    }
    EXPECT_TRUE(errors.empty()) << file.filename() << errors;
  }
  EXPECT_GT(validated, 30);
  // Every profile of the package compiles.
  for (const auto& entry : base->entries()) {
    if (!entry.IsStructureDefinition()) continue;
    Status s = (*validator)->CheckProfile(entry.url);
    EXPECT_TRUE(s.ok()) << entry.url << ": " << s.ToString();
  }
}

// Silta's Patient profile carries the HETU invariant (check character, century sign, form):
// validated against it, exactly the Finnish Base example Patients whose HETU has a wrong check
// character (../shared/profiles-fi/README.md names them) fail it.
TEST(FinnishBase, SiltaHetuInvariantCatchesWrongCheckCharacters) {
  fs::path base_dir = kFinnish / "hl7.fhir.fi.base-2.0.0-rc2";
  auto base = LoosePackage(base_dir);
  auto silta = packages::Package::Load(SILTA_SOURCE_DIR "/profiles/generated");
  ASSERT_NE(base, nullptr);
  ASSERT_TRUE(silta.ok()) << silta.status().ToString();
  auto context = packages::ConformanceContext::FromPackages({*silta, base, testing::R4Package()});
  auto validator = Validator::Create(context, silta::testing::R4Model());
  ASSERT_TRUE(validator.ok()) << validator.status().ToString();
  const std::string profile = "https://silta.example.fi/fhir/StructureDefinition/silta-patient";
  std::set<std::string> caught;
  int patients = 0;
  for (const fs::path& file : JsonFiles(base_dir / "examples")) {
    if (!file.filename().string().starts_with("Patient-")) continue;
    ++patients;
    auto text = ReadFile(file);
    ASSERT_TRUE(text.ok());
    testing::Outcome o = testing::ValidateText(**validator, *text, {profile});
    for (const Issue* i : o.Errors()) {
      if (i->message.find("silta-hetu-1") != std::string::npos) {
        caught.insert(file.filename().string());
      }
    }
  }
  EXPECT_GE(patients, 4);
  // The three wrong check characters sit in these examples; the HETUs of the others are valid.
  std::set<std::string> expected;
  for (const fs::path& file : JsonFiles(base_dir / "examples")) {
    std::string text = *ReadFile(file);
    for (std::string_view bad : {"010190-999Y", "010190-999X", "250810A999Y"}) {
      if (file.filename().string().starts_with("Patient-") && text.find(bad) != std::string::npos) {
        expected.insert(file.filename().string());
      }
    }
  }
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(caught, expected);
}

}  // namespace
}  // namespace silta::validation
