// The real mapping modules (mappings/*/mapping.json) on the example records, for what the
// golden cases cannot show. The golden cases themselves (record -> validated Bundle -> golden
// files -> record) are run by `silta mappings test mappings`, the runner integrators use: ctest
// mappings_golden (tests/mappings/CMakeLists.txt).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>

#include "base/files.h"
#include "formats/formats.h"
#include "mapping/mapping.h"
#include "records/records.h"
#include "support/r4.h"

namespace silta {
namespace {

namespace fs = std::filesystem;
using mapping::Mapper;

struct Example {
  std::string name;  // file stem; "<stem>.<line>" for NDJSON lines
  records::ClientRecord record;
};

std::string Describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    out += issue.message_id + " " + issue.expression + ": " + issue.message + "\n";
  }
  return out;
}

std::vector<Example> ReadExamples() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(SILTA_EXAMPLE_RECORDS_DIR)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Example> out;
  for (const auto& file : files) {
    auto text = ReadFile(file);
    EXPECT_TRUE(text.ok()) << file;
    if (!text.ok()) continue;
    IssueCollector issues;
    std::string ext = file.extension().string();
    if (ext == ".ndjson") {
      for (auto& entry : records::ReadNdjson(*text, issues)) {
        EXPECT_TRUE(entry.record) << file << ":" << entry.line;
        if (entry.record) {
          out.push_back({file.stem().string() + "." + std::to_string(entry.line), *entry.record});
        }
      }
    } else if (ext == ".json" || ext == ".xml") {
      auto record = records::Read(
          *text, ext == ".xml" ? records::Format::kXml : records::Format::kJson, issues);
      EXPECT_TRUE(record) << file << "\n" << Describe(issues.issues());
      if (record) out.push_back({file.stem().string(), *record});
    }
  }
  return out;
}

class MappingsGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Mapper::Load(SILTA_MAPPINGS_DIR, testing::R4Model());
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    mapper_ = new std::shared_ptr<const Mapper>(*loaded);
  }
  static void TearDownTestSuite() {
    delete mapper_;
    mapper_ = nullptr;
  }
  const Mapper& mapper() const { return **mapper_; }

  std::optional<json::Value> ToFhir(const records::ClientRecord& record, std::string* problems) {
    IssueCollector issues;
    auto bundle = mapper().ToFhir(record, issues);
    *problems = Describe(issues.issues());
    return bundle;
  }

  static std::shared_ptr<const Mapper>* mapper_;
};

std::shared_ptr<const Mapper>* MappingsGoldenTest::mapper_ = nullptr;

// RecordJson builds the contract JSON straight from the typed record: it must be the value the
// JSON writer's text parses to, for every example.
TEST_F(MappingsGoldenTest, RecordJsonIsTheContractJsonOfTheRecord) {
  std::vector<Example> examples = ReadExamples();
  ASSERT_FALSE(examples.empty());
  for (const Example& example : examples) {
    SCOPED_TRACE(example.name);
    auto parsed = json::Value::Parse(records::WriteJson(example.record), "record");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    json::Value built = mapping::RecordJson(example.record);
    EXPECT_EQ(built.ToString(), parsed->ToString());
    EXPECT_TRUE(built == *parsed);
  }
}

// The mapped Bundle is validated as an element tree built from the json::Value directly: it must
// be the tree its text parses to.
TEST_F(MappingsGoldenTest, ToDocumentGivesTheTreeTheTextParsesTo) {
  for (const Example& example : ReadExamples()) {
    SCOPED_TRACE(example.name);
    std::string problems;
    std::optional<json::Value> bundle = ToFhir(example.record, &problems);
    ASSERT_TRUE(bundle) << problems;
    IssueCollector direct_issues;
    IssueCollector text_issues;
    auto direct = formats::ToDocument(*bundle, testing::R4Model(), direct_issues);
    auto parsed = formats::ParseJson(bundle->ToString(), testing::R4Model(), text_issues);
    ASSERT_TRUE(direct != nullptr && parsed != nullptr);
    EXPECT_EQ(formats::WriteJson(*direct->root()), formats::WriteJson(*parsed->root()));
    EXPECT_EQ(direct_issues.issues().size(), text_issues.issues().size());
  }
  // What the text reader refuses, the tree builder refuses alike.
  json::Value bad = json::Value::Object();
  bad["resourceType"] = json::Value::String("Patient");
  bad["gender"] = json::Value::String("\xff");
  json::Value bad_name = json::Value::Object();
  bad_name["resourceType"] = json::Value::String("Patient");
  bad_name["gend\xffr"] = json::Value::String("male");
  json::Value deep = json::Value::Object();
  deep["resourceType"] = json::Value::String("Patient");
  json::Value* at = &deep["extension"];
  for (int i = 0; i < 300; ++i) at = &(*at)["extension"];  // past ParseOptions::max_depth
  *at = json::Value::String("x");
  for (const json::Value* refused : {&bad, &bad_name, &deep}) {
    IssueCollector issues;
    EXPECT_EQ(formats::ToDocument(*refused, testing::R4Model(), issues), nullptr);
    ASSERT_FALSE(issues.issues().empty());
    EXPECT_EQ(issues.issues()[0].message_id, "JSON_SYNTAX");
  }
}

// A deployment with a canonical base of its own (MapperOptions::canonical_base): the mapping
// files write the base as {canonical}, so every profile, extension URL, identifier system and
// code system Silta defines follows it, and the way back reads them at that base. The URLs below
// are Silta's own names (profiles/README.md), written out here by hand.
TEST_F(MappingsGoldenTest, ACanonicalBaseOfItsOwnIsFollowedBothWays) {
  const std::string base = "https://fhir.county.example/silta";
  const std::string default_base = mapping::MapperOptions().canonical_base;
  // A record's own code system is data, not the mapping's: the placeholder education system.
  const std::string record_data_system =
      default_base + "/CodeSystem/education-classification-placeholder";
  mapping::MapperOptions options;
  options.canonical_base = base;
  auto loaded = Mapper::Load(SILTA_MAPPINGS_DIR, testing::R4Model(), options);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const Mapper& rebased = **loaded;

  std::set<std::string> seen;  // the URLs at `base` found in the Bundles
  std::vector<Example> examples = ReadExamples();
  ASSERT_FALSE(examples.empty());
  for (const Example& example : examples) {
    SCOPED_TRACE(example.name);
    IssueCollector issues;
    std::optional<json::Value> bundle = rebased.ToFhir(example.record, issues);
    ASSERT_TRUE(bundle) << Describe(issues.issues());
    std::function<void(const json::Value&)> walk = [&](const json::Value& value) {
      if (value.kind() == json::Value::Kind::kString) {
        if (value.text().starts_with(base)) seen.insert(value.text().substr(base.size()));
        if (value.text().find(default_base) != std::string::npos) {
          EXPECT_EQ(value.text(), record_data_system) << "the default base is left in a Bundle";
        }
      }
      for (const auto& [name, member] : value.members()) walk(member);
      for (const json::Value& item : value.items()) walk(item);
    };
    walk(*bundle);
    for (const json::Value& entry : bundle->Find("entry")->items()) {
      const json::Value& resource = *entry.Find("resource");
      const json::Value* profiles =
          resource.Find("meta") ? resource.Find("meta")->Find("profile") : nullptr;
      ASSERT_TRUE(profiles != nullptr && profiles->items().size() == 1u) << resource.ToString();
      EXPECT_TRUE(profiles->items()[0].text().starts_with(base + "/StructureDefinition/silta-"))
          << profiles->items()[0].text();
    }

    IssueCollector back_issues;
    std::optional<json::Value> back = rebased.FromFhir(*bundle, back_issues);
    ASSERT_TRUE(back) << Describe(back_issues.issues());
    auto record = records::ReadJson(back->ToString(), back_issues, records::ReadOptions());
    ASSERT_TRUE(record) << Describe(back_issues.issues());
    EXPECT_TRUE(records::RecordsEqual(example.record, *record));
  }
  for (std::string_view url :
       {"/StructureDefinition/silta-patient", "/StructureDefinition/silta-coverage-service-voucher",
        "/StructureDefinition/record-updated-at", "/sid/client-record-part", "/sid/y-tunnus",
        "/CodeSystem/identifier-type", "/CodeSystem/coverage-kind"}) {
    EXPECT_TRUE(seen.contains(std::string(url))) << base << url << " is in no Bundle";
  }
}

// A contact address with use "mobile" has no FHIR form (Address.use has no mobile): the record
// is rejected, not silently changed.
TEST_F(MappingsGoldenTest, RejectsAnAddressWithUseMobile) {
  std::vector<Example> examples = ReadExamples();
  for (Example& example : examples) {
    for (auto& contact : example.record.contact_details) {
      if (contact.kind == records::ContactKind::kAddress) {
        contact.use = records::ContactUse::kMobile;
        std::string problems;
        EXPECT_FALSE(ToFhir(example.record, &problems));
        EXPECT_NE(problems.find("MAP_CODE_UNMAPPED"), std::string::npos) << problems;
        return;
      }
    }
  }
  FAIL() << "no example record has an address";
}

}  // namespace
}  // namespace silta
