// Checks on Silta's generated profiles (profiles/generated): what SUSHI cannot check for us.
// The folder loads as a FHIR package and resolves against FI Base and R4 core, every resource
// parses strictly, every invariant compiles in strict mode and holds on the examples, the HETU
// invariant accepts and rejects the right values, and the governance metadata agrees with the
// akusti-item CodeSystem.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "base/files.h"
#include "base/issues.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "packages/packages.h"
#include "support/r4.h"

namespace silta {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCanonical = "https://silta.example.fi/fhir/StructureDefinition/";
constexpr std::string_view kGovernanceUrl =
    "https://silta.example.fi/fhir/StructureDefinition/akusti-governance";

std::string_view ChildValue(const model::Element* e, std::string_view name) {
  const model::Element* c = e == nullptr ? nullptr : e->Child(name);
  return c != nullptr && c->has_value() ? c->value() : std::string_view();
}

// The type at an element path ("Patient.telecom.system" → code), or "" if not unique.
std::string TypeAtPath(const model::TypeModel& m, std::string_view path) {
  size_t dot = path.find('.');
  const model::TypeDef* t = m.Find(path.substr(0, dot));
  while (t != nullptr && dot != std::string_view::npos) {
    size_t next = path.find('.', dot + 1);
    std::string_view segment = path.substr(
        dot + 1, next == std::string_view::npos ? std::string_view::npos : next - dot - 1);
    const model::ElementDef* e = t->FindElement(segment);
    if (e == nullptr || e->types.size() != 1) return "";
    t = e->types[0];
    dot = next;
  }
  return t == nullptr ? "" : t->name;
}

struct Constraint {
  std::string key;
  std::string element_id;  // with slice names
  std::string path;
  std::string context_type;
  std::string expression;
};

struct Resource {
  std::string filename;
  std::unique_ptr<model::Document> doc;
};

// Copies a folder to a fresh temporary one: loading a package writes index files beside it,
// which must not land in the source tree or the shared data.
fs::path CopyToTemp(const fs::path& from, const std::string& name) {
  fs::path to = fs::temp_directory_path() /
                ("silta-profiles-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    if (entry.is_regular_file()) fs::copy_file(entry.path(), to / entry.path().filename());
  }
  return to;
}

class GeneratedProfiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto& model = testing::R4Model();
    generated_dir_ = new fs::path(CopyToTemp(SILTA_GENERATED_PROFILES_DIR, "generated"));
    fi_base_dir_ = new fs::path(CopyToTemp(
        fs::path(SILTA_SHARED_DIR) / "profiles-fi" / "hl7.fhir.fi.base-2.0.0-rc2", "fi-base"));
    resources_ = new std::map<std::string, Resource>();
    for (const auto& entry : fs::directory_iterator(*generated_dir_)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".json" || name == "package.json" || name[0] == '.') {
        continue;
      }
      auto text = ReadFile(entry.path());
      ASSERT_TRUE(text.ok()) << name;
      IssueCollector issues;
      auto doc = formats::ParseJson(*text, model, issues, {.source_name = name});
      ASSERT_NE(doc, nullptr) << name;
      for (const Issue& issue : issues.issues()) {
        ADD_FAILURE() << name << ": " << issue.message;
      }
      (*resources_)[name] = Resource{name, std::move(doc)};
    }
  }

  static void TearDownTestSuite() {
    fs::remove_all(*generated_dir_);
    fs::remove_all(*fi_base_dir_);
  }

  static const model::Element* Definition(std::string_view url) {
    for (const auto& [name, r] : *resources_) {
      const model::Element* root = r.doc->root();
      if (root->name() == "StructureDefinition" && ChildValue(root, "url") == url) return root;
    }
    return nullptr;
  }

  static std::vector<Constraint> DifferentialConstraints(const model::Element* sd) {
    const auto& model = *testing::R4Model();
    std::vector<Constraint> out;
    const model::Element* differential = sd->Child("differential");
    if (differential == nullptr) return out;
    for (const model::Element* element : differential->Children("element")) {
      for (const model::Element* constraint : element->Children("constraint")) {
        Constraint c;
        c.key = ChildValue(constraint, "key");
        c.element_id = ChildValue(element, "id");
        c.path = ChildValue(element, "path");
        c.expression = ChildValue(constraint, "expression");
        auto types = element->Children("type");
        c.context_type = types.size() == 1 ? std::string(ChildValue(types[0], "code"))
                                           : TypeAtPath(model, c.path);
        out.push_back(std::move(c));
      }
    }
    return out;
  }

  static fhirpath::DescribedValue EvaluateOne(const std::string& expression,
                                              const std::string& context_type,
                                              const model::Element* input) {
    auto compiled = fhirpath::CompiledExpression::Compile(
        expression, {.model = testing::R4Model(), .context_type = context_type});
    if (!compiled.ok()) return {"error", std::string(compiled.status().message())};
    auto result = fhirpath::Evaluate(**compiled, input);
    if (!result.ok()) return {"error", std::string(result.status().message())};
    if (result->size() != 1) return {"collection", std::to_string(result->size())};
    return fhirpath::Describe((*result)[0]);
  }

  static inline fs::path* generated_dir_ = nullptr;
  static inline fs::path* fi_base_dir_ = nullptr;
  static inline std::map<std::string, Resource>* resources_ = nullptr;
};

TEST_F(GeneratedProfiles, LoadAsAPackageThatResolvesAgainstFiBaseAndCore) {
  auto silta = packages::Package::Load(*generated_dir_);
  ASSERT_TRUE(silta.ok()) << silta.status().message();
  EXPECT_EQ((*silta)->manifest().name, "silta.fhir.profiles");
  EXPECT_EQ((*silta)->manifest().canonical, "https://silta.example.fi/fhir");
  EXPECT_EQ((*silta)->manifest().dependencies.at("hl7.fhir.fi.base"), "2.0.0-rc2");
  auto fi_base = packages::Package::Load(*fi_base_dir_);
  ASSERT_TRUE(fi_base.ok()) << fi_base.status().message();
  auto core = packages::Package::Load(testing::R4PackageDir());
  ASSERT_TRUE(core.ok()) << core.status().message();
  auto context = packages::ConformanceContext::FromPackages({*silta, *fi_base, *core});

  int profiles = 0, extensions = 0;
  for (const packages::ResourceEntry* sd : (*silta)->OfType("StructureDefinition")) {
    EXPECT_EQ(sd->derivation, "constraint") << sd->filename;
    EXPECT_TRUE(context->FindByUrl(sd->base_definition))
        << sd->filename << ": base " << sd->base_definition << " not found";
    (sd->type == "Extension" ? extensions : profiles)++;
  }
  EXPECT_EQ(profiles, 24);
  EXPECT_EQ(extensions, 25);
  EXPECT_EQ((*silta)->OfType("CodeSystem").size(), 14u);
  EXPECT_EQ((*silta)->OfType("ValueSet").size(), 21u);
  // Every profile that is not abstract has an example.
  std::set<std::string> exemplified;
  for (const auto& [name, r] : *resources_) {
    const model::Element* meta = r.doc->root()->Child("meta");
    if (meta == nullptr) continue;
    for (const model::Element* profile : meta->Children("profile")) {
      exemplified.insert(std::string(profile->value()));
    }
  }
  for (const packages::ResourceEntry* sd : (*silta)->OfType("StructureDefinition")) {
    const model::Element* def = Definition(sd->url);
    ASSERT_NE(def, nullptr);
    if (sd->type == "Extension" || ChildValue(def, "abstract") == "true") continue;
    EXPECT_TRUE(exemplified.contains(sd->url)) << "no example for " << sd->url;
  }
}

TEST_F(GeneratedProfiles, EveryInvariantCompilesStrictly) {
  int count = 0;
  for (const auto& [name, r] : *resources_) {
    const model::Element* root = r.doc->root();
    if (root->name() != "StructureDefinition") continue;
    for (const Constraint& c : DifferentialConstraints(root)) {
      ++count;
      EXPECT_FALSE(c.context_type.empty()) << c.key << " on " << c.element_id;
      auto compiled = fhirpath::CompiledExpression::Compile(
          c.expression,
          {.model = testing::R4Model(), .context_type = c.context_type, .strict = true});
      EXPECT_TRUE(compiled.ok()) << name << " " << c.key << " on " << c.element_id << ": "
                                 << compiled.status().message();
    }
  }
  EXPECT_GE(count, 15);
}

// Resource-level invariants and element-level ones outside slices, over each example, for its
// profile and every Silta profile it derives from.
TEST_F(GeneratedProfiles, ExamplesSatisfyTheirProfilesInvariants) {
  int evaluations = 0;
  for (const auto& [name, r] : *resources_) {
    const model::Element* root = r.doc->root();
    const model::Element* meta = root->Child("meta");
    if (meta == nullptr || meta->Children("profile").empty()) continue;
    std::string url(meta->Children("profile")[0]->value());
    while (url.starts_with(kCanonical)) {
      const model::Element* sd = Definition(url);
      ASSERT_NE(sd, nullptr) << name << ": profile " << url;
      for (const Constraint& c : DifferentialConstraints(sd)) {
        if (c.element_id.find(':') != std::string::npos) continue;
        std::string expression = c.expression;
        std::string type(root->name());
        ASSERT_TRUE(c.path == type || c.path.starts_with(type + ".")) << c.key << " " << c.path;
        if (c.path != root->name()) {
          std::string relative = c.path.substr(root->name().size() + 1);
          if (relative.ends_with("[x]")) relative.resize(relative.size() - 3);
          expression = relative + ".all(" + c.expression + ")";
        }
        auto result = EvaluateOne(expression, type, root);
        ++evaluations;
        EXPECT_EQ(result.type + "=" + result.value, "boolean=true")
            << name << ": " << c.key << " (" << url << ")";
      }
      url = ChildValue(sd, "baseDefinition");
    }
  }
  EXPECT_GE(evaluations, 30);
}

// The R4 core invariants of each example's resource type (resource level, severity error) hold
// too: SUSHI does not evaluate them.
TEST_F(GeneratedProfiles, ExamplesSatisfyR4ResourceInvariants) {
  auto core = packages::Package::Load(testing::R4PackageDir());
  ASSERT_TRUE(core.ok()) << core.status().message();
  int evaluations = 0;
  for (const auto& [name, r] : *resources_) {
    const model::Element* root = r.doc->root();
    std::string type(root->name());
    if (type == "StructureDefinition" || type == "ValueSet" || type == "CodeSystem") continue;
    const packages::ResourceEntry* entry =
        (*core)->FindByUrl("http://hl7.org/fhir/StructureDefinition/" + type);
    ASSERT_NE(entry, nullptr) << type;
    auto text = (*core)->ReadResource(*entry);
    ASSERT_TRUE(text.ok());
    IssueCollector issues;
    auto sd = formats::ParseJson(*text, testing::R4Model(), issues);
    ASSERT_NE(sd, nullptr);
    const model::Element* first = sd->root()->Child("snapshot")->Children("element")[0];
    for (const model::Element* constraint : first->Children("constraint")) {
      if (ChildValue(constraint, "severity") != "error") continue;
      auto result = EvaluateOne(std::string(ChildValue(constraint, "expression")), type, root);
      ++evaluations;
      EXPECT_EQ(result.type + "=" + result.value, "boolean=true")
          << name << ": " << ChildValue(constraint, "key");
    }
  }
  EXPECT_GE(evaluations, 80);
}

TEST_F(GeneratedProfiles, HetuInvariantChecksFormAndCheckCharacter) {
  const model::Element* patient = Definition(std::string(kCanonical) + "silta-patient");
  ASSERT_NE(patient, nullptr);
  std::string hetu_expression;
  for (const Constraint& c : DifferentialConstraints(patient)) {
    if (c.key == "silta-hetu-1") hetu_expression = c.expression;
  }
  ASSERT_FALSE(hetu_expression.empty());

  const std::map<std::string, bool> cases = {
      {"131052-308T", true},  {"010181-900C", true},   {"150315A912C", true},
      {"131052X308T", true},  {"010190-999W", true},   {"250810A999C", true},
      {"131052-308U", false},  // wrong check character
      {"010190-999Y", false},  // FI Base's own examples with a wrong check character
      {"250810A999Y", false}, {"131052G308T", false},  // not a century sign
      {"131052-3O8T", false},                          // letter O for zero
      {"13105-308T", false},  {"131052-308TT", false}, {"131052-308G", false},
  };
  for (const auto& [value, valid] : cases) {
    std::string json =
        R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.246.21","value":")" +
        value + R"("}]})";
    IssueCollector issues;
    auto doc = formats::ParseJson(json, testing::R4Model(), issues);
    ASSERT_NE(doc, nullptr);
    auto result = EvaluateOne(hetu_expression, "Patient", doc->root());
    EXPECT_EQ(result.type + "=" + result.value, valid ? "boolean=true" : "boolean=false") << value;
  }
  // An identifier under another system is not a HETU, however it looks.
  IssueCollector issues;
  auto other = formats::ParseJson(
      R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.3","value":"x"}]})",
      testing::R4Model(), issues);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(EvaluateOne(hetu_expression, "Patient", other->root()).value, "true");
}

// Each Silta invariant, evaluated as the examples test does, rejects the data it is about.
TEST_F(GeneratedProfiles, InvariantsRejectBrokenData) {
  std::map<std::string, Constraint> by_key;
  for (const auto& [name, r] : *resources_) {
    if (r.doc->root()->name() != "StructureDefinition") continue;
    // The same key sits on several profiles (silta-hetu-1 on Patient, RelatedPerson, ...).
    for (Constraint& c : DifferentialConstraints(r.doc->root())) {
      by_key[c.key + "@" + c.path.substr(0, c.path.find('.'))] = c;
    }
  }
  const std::string temporary_type =
      R"("type":{"coding":[{"system":"https://silta.example.fi/fhir/CodeSystem/identifier-type",)"
      R"("code":"temporary"}]})";
  const std::string non_disclosure =
      R"("extension":[{"url":"https://silta.example.fi/fhir/StructureDefinition/non-disclosure",)";
  const std::string turvakielto =
      R"("meta":{"security":[{"system":"https://hl7.fi/fhir/finnish-base-profiles/CodeSystem/)"
      R"(fi-base-security-label-cs","code":"TURVAKIELTO"}]},)";
  struct Case {
    std::string key;
    std::string json;
    bool holds;
  };
  const std::vector<Case> cases = {
      {"silta-tmp-1",
       R"({"resourceType":"Patient","identifier":[{)" + temporary_type +
           R"(,"system":"urn:oid:1.2.246.10.1234567.22.2026","value":"T1"}]})",
       true},
      {"silta-tmp-1",
       R"({"resourceType":"Patient","identifier":[{)" + temporary_type +
           R"(,"system":"urn:oid:1.2.246.10.1234567.10.2026","value":"T1"}]})",
       false},
      {"silta-hetu-2",
       R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.246.21",)"
       R"("value":"131052-308T"},{"system":"urn:oid:1.2.246.21","value":"010181-900C"}]})",
       false},
      {"silta-nd-1", R"({"resourceType":"Patient",)" + non_disclosure + R"("valueBoolean":true}]})",
       false},
      {"silta-nd-1",
       R"({"resourceType":"Patient",)" + turvakielto + non_disclosure + R"("valueBoolean":true}]})",
       true},
      {"silta-nd-1",
       R"({"resourceType":"Patient",)" + turvakielto + non_disclosure +
           R"("valueBoolean":false}]})",
       false},
      {"silta-contact-1", R"({"resourceType":"Patient","telecom":[{"system":"fax","value":"1"}]})",
       false},
      {"silta-org-1",
       R"({"resourceType":"Organization","identifier":[{"system":"urn:x","value":"1"}]})", false},
      {"silta-icf-1",
       R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
       R"("valueInteger":5})",
       false},
      {"silta-icf-1",
       R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
       R"("valueInteger":9})",
       true},
      {"silta-consent-1",
       R"({"resourceType":"Consent","category":[{"coding":[{"code":"biobank"}]}],)"
       R"("policyRule":{"coding":[{"code":"data-sharing"}]}})",
       false},
      {"silta-eoc-1",
       R"({"resourceType":"EpisodeOfCare","referralRequest":[{"reference":"ServiceRequest/1"}]})",
       false},
  };
  for (const Case& c : cases) {
    IssueCollector issues;
    auto doc = formats::ParseJson(c.json, testing::R4Model(), issues);
    ASSERT_NE(doc, nullptr) << c.json;
    ASSERT_FALSE(issues.HasErrors()) << c.json;
    std::string type(doc->root()->name());
    auto found = by_key.find(c.key + "@" + type);
    ASSERT_NE(found, by_key.end()) << c.key << " on " << type;
    const Constraint& constraint = found->second;
    std::string expression = constraint.expression;
    if (constraint.path != type) {
      std::string relative = constraint.path.substr(type.size() + 1);
      if (relative.ends_with("[x]")) relative.resize(relative.size() - 3);
      expression = relative + ".all(" + constraint.expression + ")";
    }
    auto result = EvaluateOne(expression, type, doc->root());
    EXPECT_EQ(result.type + "=" + result.value, c.holds ? "boolean=true" : "boolean=false")
        << c.key << " on " << c.json;
  }
}

// The level each definition states for an item is the item's level in the akusti-item
// CodeSystem: within the package the two must agree. Both are copies of docs/akusti-items.json,
// which tests/akusti/akusti_items_test.cc holds them to.
TEST_F(GeneratedProfiles, GovernanceMetadataAgreesWithTheItemTable) {
  auto cs = resources_->find("CodeSystem-akusti-item.json");
  ASSERT_NE(cs, resources_->end());
  std::map<std::string, std::string> level_of;
  for (const model::Element* item_concept : cs->second.doc->root()->Children("concept")) {
    for (const model::Element* property : item_concept->Children("property")) {
      if (ChildValue(property, "code") == "governance-level") {
        level_of[std::string(ChildValue(item_concept, "code"))] = ChildValue(property, "value");
      }
    }
  }
  ASSERT_EQ(level_of.size(), 29u);
  const std::set<std::string> levels = {"county", "shared-definition", "joint-county", "national"};
  // Profiles that carry no item of their own.
  const std::set<std::string> without_item = {"silta-organization", "silta-coverage",
                                              "silta-consent"};
  for (const auto& [name, r] : *resources_) {
    const model::Element* root = r.doc->root();
    if (root->name() != "StructureDefinition") continue;
    std::string id(ChildValue(root, "id"));
    int items = 0;
    for (const model::Element* ext : root->Children("extension")) {
      if (ChildValue(ext, "url") != kGovernanceUrl) continue;
      ++items;
      std::string item, level;
      for (const model::Element* part : ext->Children("extension")) {
        if (ChildValue(part, "url") == "item") {
          item = ChildValue(part->Child("value"), "code");
        } else if (ChildValue(part, "url") == "level") {
          level = ChildValue(part, "value");
        }
      }
      EXPECT_TRUE(levels.contains(level)) << id << ": level " << level;
      EXPECT_EQ(level, level_of[item]) << id << ": item " << item;
    }
    bool is_profile = ChildValue(root, "type") != "Extension";
    if (is_profile && !without_item.contains(id)) {
      EXPECT_GT(items, 0) << id << " names no AKUSTI item";
    }
  }
}

}  // namespace
}  // namespace silta
