#include "snapshot/snapshot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <thread>

#include "context/context.h"

namespace silta::snapshot {
namespace {

using ::testing::ElementsAre;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto package = context::CorePackage();
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    core_ = *package;
    lookup_ = [this](std::string_view canonical) -> std::optional<std::string> {
      if (auto it = extra_.find(std::string(canonical)); it != extra_.end()) return it->second;
      const packages::ResourceEntry* entry = core_->FindByUrl(canonical);
      if (entry == nullptr) return std::nullopt;
      auto text = core_->ReadResource(*entry);
      if (!text.ok()) return std::nullopt;
      return std::move(*text);
    };
  }

  // A constraint profile `id` on `type` with the given differential elements (JSON array body).
  static std::string Profile(const std::string& id, const std::string& type,
                             const std::string& elements, const std::string& base = std::string()) {
    std::string base_url = base.empty() ? "http://hl7.org/fhir/StructureDefinition/" + type : base;
    return R"({"resourceType":"StructureDefinition","id":")" + id +
           R"(","url":"http://example.org/StructureDefinition/)" + id +
           R"(","name":"T","status":"draft","kind":"resource","abstract":false,"type":")" + type +
           R"(","baseDefinition":")" + base_url +
           R"(","derivation":"constraint","differential":{"element":[)" + elements + "]}}";
  }

  // Generates and parses; fails the test when generation fails.
  rapidjson::Document Generate(const std::string& sd) {
    rapidjson::Document doc;
    StatusOr<std::string> out = GenerateSnapshot(sd, lookup_, &issues_);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (out.ok()) doc.Parse(out->data(), out->size());
    return doc;
  }

  static std::vector<std::string> Ids(const rapidjson::Document& sd) {
    std::vector<std::string> ids;
    for (const auto& e : sd["snapshot"]["element"].GetArray()) ids.push_back(e["id"].GetString());
    return ids;
  }

  static const rapidjson::Value* Element(const rapidjson::Document& sd, const std::string& id) {
    for (const auto& e : sd["snapshot"]["element"].GetArray()) {
      if (id == e["id"].GetString()) return &e;
    }
    return nullptr;
  }

  static std::vector<std::string> TypeCodes(const rapidjson::Value& element) {
    std::vector<std::string> codes;
    for (const auto& t : element["type"].GetArray()) codes.push_back(t["code"].GetString());
    return codes;
  }

  std::vector<std::string> IssueIds() {
    std::vector<std::string> ids;
    for (const Issue& issue : issues_.issues()) ids.push_back(issue.message_id);
    return ids;
  }

  std::shared_ptr<const packages::Package> core_;
  std::map<std::string, std::string> extra_;
  DefinitionLookup lookup_;
  IssueCollector issues_;
};

TEST_F(SnapshotTest, ExpandsADatatypeWhenTheDifferentialConstrainsInsideIt) {
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.identifier.system","path":"Patient.identifier.system","min":1})"));
  ASSERT_TRUE(sd.IsObject());
  std::vector<std::string> ids = Ids(sd);
  auto at = std::find(ids.begin(), ids.end(), "Patient.identifier");
  ASSERT_NE(at, ids.end());
  EXPECT_THAT(
      std::vector<std::string>(at, at + 9),
      ElementsAre("Patient.identifier", "Patient.identifier.id", "Patient.identifier.extension",
                  "Patient.identifier.use", "Patient.identifier.type", "Patient.identifier.system",
                  "Patient.identifier.value", "Patient.identifier.period",
                  "Patient.identifier.assigner"));
  const auto* system = Element(sd, "Patient.identifier.system");
  EXPECT_STREQ((*system)["path"].GetString(), "Patient.identifier.system");
  EXPECT_EQ((*system)["min"].GetInt(), 1);
  // `base` keeps the element's origin in the datatype.
  EXPECT_STREQ((*system)["base"]["path"].GetString(), "Identifier.system");
  EXPECT_EQ((*system)["base"]["min"].GetInt(), 0);
  EXPECT_TRUE(issues_.issues().empty());
}

TEST_F(SnapshotTest, InsertsSlicesAfterTheSlicedElementInDifferentialOrder) {
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.identifier","path":"Patient.identifier",
     "slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
    {"id":"Patient.identifier:hetu","path":"Patient.identifier","sliceName":"hetu","max":"1"},
    {"id":"Patient.identifier:hetu.system","path":"Patient.identifier.system","min":1,
     "fixedUri":"urn:oid:1.2.246.21"},
    {"id":"Patient.identifier:other","path":"Patient.identifier","sliceName":"other"})"));
  ASSERT_TRUE(sd.IsObject());
  std::vector<std::string> ids = Ids(sd);
  auto at = std::find(ids.begin(), ids.end(), "Patient.identifier");
  ASSERT_NE(at, ids.end());
  EXPECT_EQ(*(at + 1), "Patient.identifier:hetu");
  EXPECT_EQ(*(at + 2), "Patient.identifier:hetu.id");
  EXPECT_EQ(*(at + 10), "Patient.identifier:other");
  EXPECT_EQ(*(at + 11), "Patient.active");
  const auto* hetu = Element(sd, "Patient.identifier:hetu");
  EXPECT_STREQ((*hetu)["path"].GetString(), "Patient.identifier");
  EXPECT_STREQ((*hetu)["sliceName"].GetString(), "hetu");
  EXPECT_STREQ((*hetu)["max"].GetString(), "1");
  EXPECT_FALSE(hetu->HasMember("slicing"));
  const auto* system = Element(sd, "Patient.identifier:hetu.system");
  EXPECT_STREQ((*system)["fixedUri"].GetString(), "urn:oid:1.2.246.21");
  EXPECT_STREQ((*system)["path"].GetString(), "Patient.identifier.system");
  EXPECT_TRUE(issues_.issues().empty());
}

TEST_F(SnapshotTest, ReSlicesGoUnderTheirSlice) {
  extra_["http://example.org/StructureDefinition/base"] = Profile("base", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.identifier","path":"Patient.identifier",
     "slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
    {"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a",
     "slicing":{"discriminator":[{"type":"value","path":"value"}],"rules":"open"}})");
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.identifier:a/b","path":"Patient.identifier","sliceName":"a/b","min":1},
    {"id":"Patient.identifier:a/b.value","path":"Patient.identifier.value","min":1})",
                             "http://example.org/StructureDefinition/base"));
  ASSERT_TRUE(sd.IsObject());
  std::vector<std::string> ids = Ids(sd);
  auto at = std::find(ids.begin(), ids.end(), "Patient.identifier:a");
  ASSERT_NE(at, ids.end());
  EXPECT_EQ(*(at + 1), "Patient.identifier:a/b");
  EXPECT_STREQ((*Element(sd, "Patient.identifier:a/b.value"))["path"].GetString(),
               "Patient.identifier.value");
  EXPECT_TRUE(issues_.issues().empty()) << FormatIssue(issues_.issues()[0]);
}

TEST_F(SnapshotTest, DifferentialWithoutIdsIsPlacedByPathAndSliceName) {
  auto sd = Generate(Profile("p", "Patient", R"(
    {"path":"Patient"},
    {"path":"Patient.identifier",
     "slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
    {"path":"Patient.identifier","sliceName":"hetu","max":"1"},
    {"path":"Patient.identifier.system","min":1},
    {"path":"Patient.active","min":1})"));
  ASSERT_TRUE(sd.IsObject());
  EXPECT_EQ((*Element(sd, "Patient.identifier:hetu.system"))["min"].GetInt(), 1);
  EXPECT_EQ(Element(sd, "Patient.identifier.system"), nullptr);
  EXPECT_EQ((*Element(sd, "Patient.active"))["min"].GetInt(), 1);
  EXPECT_TRUE(issues_.issues().empty());
}

TEST_F(SnapshotTest, RenamedChoiceBecomesATypeSliceOfTheChoice) {
  auto sd = Generate(Profile("p", "Observation", R"(
    {"id":"Observation","path":"Observation"},
    {"id":"Observation.valueQuantity","path":"Observation.valueQuantity","min":1},
    {"id":"Observation.valueQuantity.code","path":"Observation.valueQuantity.code","min":1})"));
  ASSERT_TRUE(sd.IsObject());
  const auto* choice = Element(sd, "Observation.value[x]");
  ASSERT_NE(choice, nullptr);
  EXPECT_STREQ((*choice)["slicing"]["discriminator"][0]["type"].GetString(), "type");
  EXPECT_STREQ((*choice)["slicing"]["rules"].GetString(), "closed");
  EXPECT_THAT(TypeCodes(*choice), ElementsAre("Quantity"));
  const auto* slice = Element(sd, "Observation.value[x]:valueQuantity");
  ASSERT_NE(slice, nullptr);
  EXPECT_STREQ((*slice)["path"].GetString(), "Observation.value[x]");
  EXPECT_THAT(TypeCodes(*slice), ElementsAre("Quantity"));
  const auto* code = Element(sd, "Observation.value[x]:valueQuantity.code");
  ASSERT_NE(code, nullptr);
  EXPECT_STREQ((*code)["path"].GetString(), "Observation.value[x].code");
  EXPECT_STREQ((*code)["base"]["path"].GetString(), "Quantity.code");
}

TEST_F(SnapshotTest, ChoiceSliceWithoutSlicingClosesTheChoiceToItsSliceTypes) {
  auto sd = Generate(Profile("p", "Observation", R"(
    {"id":"Observation","path":"Observation"},
    {"id":"Observation.value[x]:valueString","path":"Observation.value[x]",
     "sliceName":"valueString","maxLength":10})"));
  ASSERT_TRUE(sd.IsObject());
  const auto* choice = Element(sd, "Observation.value[x]");
  EXPECT_STREQ((*choice)["slicing"]["rules"].GetString(), "closed");
  EXPECT_THAT(TypeCodes(*choice), ElementsAre("string"));
  EXPECT_THAT(TypeCodes(*Element(sd, "Observation.value[x]:valueString")), ElementsAre("string"));
  EXPECT_TRUE(issues_.issues().empty());
}

TEST_F(SnapshotTest, ExplicitOpenTypeSlicingKeepsTheOtherTypes) {
  auto sd = Generate(Profile("p", "Observation", R"(
    {"id":"Observation","path":"Observation"},
    {"id":"Observation.value[x]","path":"Observation.value[x]",
     "slicing":{"discriminator":[{"type":"type","path":"$this"}],"ordered":false,"rules":"open"}},
    {"id":"Observation.value[x]:valueString","path":"Observation.value[x]",
     "sliceName":"valueString","type":[{"code":"string"}]})"));
  ASSERT_TRUE(sd.IsObject());
  const auto* choice = Element(sd, "Observation.value[x]");
  EXPECT_STREQ((*choice)["slicing"]["rules"].GetString(), "open");
  EXPECT_GT(TypeCodes(*choice).size(), 5u);
  EXPECT_THAT(TypeCodes(*Element(sd, "Observation.value[x]:valueString")), ElementsAre("string"));
}

TEST_F(SnapshotTest, ExtensionSliceWithProfileTakesChildrenFromTheExtension) {
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.extension:birthPlace","path":"Patient.extension","sliceName":"birthPlace",
     "type":[{"code":"Extension",
              "profile":["http://hl7.org/fhir/StructureDefinition/patient-birthPlace"]}]},
    {"id":"Patient.extension:birthPlace.value[x].city","path":"Patient.extension.value[x].city",
     "min":1})"));
  ASSERT_TRUE(sd.IsObject());
  const auto* ext = Element(sd, "Patient.extension");
  // Resource extension elements get the standard url slicing when sliced.
  EXPECT_STREQ((*ext)["slicing"]["discriminator"][0]["path"].GetString(), "url");
  const auto* url = Element(sd, "Patient.extension:birthPlace.url");
  ASSERT_NE(url, nullptr);
  EXPECT_STREQ((*url)["fixedUri"].GetString(),
               "http://hl7.org/fhir/StructureDefinition/patient-birthPlace");
  const auto* value = Element(sd, "Patient.extension:birthPlace.value[x]");
  EXPECT_THAT(TypeCodes(*value), ElementsAre("Address"));
  EXPECT_EQ((*Element(sd, "Patient.extension:birthPlace.value[x].city"))["min"].GetInt(), 1);
  EXPECT_TRUE(issues_.issues().empty()) << FormatIssue(issues_.issues()[0]);
}

TEST_F(SnapshotTest, ConstraintsAreAddedWithTheirSource) {
  auto sd = Generate(Profile("p", "Patient", R"j(
    {"id":"Patient","path":"Patient",
     "constraint":[{"key":"p-1","severity":"error","human":"h","expression":"name.exists()"}]})j"));
  ASSERT_TRUE(sd.IsObject());
  const auto& constraints = (*Element(sd, "Patient"))["constraint"];
  const auto& added = constraints[constraints.Size() - 1];
  EXPECT_STREQ(added["key"].GetString(), "p-1");
  EXPECT_STREQ(added["source"].GetString(), "http://example.org/StructureDefinition/p");
  EXPECT_GT(constraints.Size(), 1u);  // the inherited dom-* invariants stay
}

TEST_F(SnapshotTest, ContentReferenceIsExpandedWhenConstrainedInside) {
  auto sd = Generate(Profile("q", "Questionnaire", R"(
    {"id":"Questionnaire","path":"Questionnaire"},
    {"id":"Questionnaire.item.item.linkId","path":"Questionnaire.item.item.linkId",
     "maxLength":5})"));
  ASSERT_TRUE(sd.IsObject());
  const auto* link = Element(sd, "Questionnaire.item.item.linkId");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ((*link)["maxLength"].GetInt(), 5);
  EXPECT_STREQ((*link)["base"]["path"].GetString(), "Questionnaire.item.linkId");
}

TEST_F(SnapshotTest, ReportsDifferentialProblems) {
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},
    {"id":"Patient.active","path":"Patient.active","max":"2"},
    {"id":"Patient.nosuch","path":"Patient.nosuch"},
    {"id":"Patient.name:x","path":"Patient.name","sliceName":"x"},
    {"id":"Patient.gender","path":"Patient.gender","type":[{"code":"string"}]},
    {"id":"Patient.birthDate","path":"Patient.birthDate"},
    {"id":"Patient.identifier","path":"Patient.identifier"})"));
  ASSERT_TRUE(sd.IsObject());
  EXPECT_THAT(IssueIds(), ElementsAre(kMaxWidened, kUnknownPath, kSliceWithoutSlicing,
                                      kTypeNotInBase, kOutOfOrder));
  const Issue& unknown = issues_.issues()[1];
  EXPECT_EQ(unknown.expression, "Patient.nosuch");
  EXPECT_EQ(unknown.source, "http://example.org/StructureDefinition/p");
  EXPECT_EQ(issues_.issues()[4].expression, "Patient.identifier");
}

TEST_F(SnapshotTest, ReportsMinWideningOnInheritedElements) {
  extra_["http://example.org/StructureDefinition/base"] = Profile("base", "Patient", R"(
    {"id":"Patient","path":"Patient"},{"id":"Patient.active","path":"Patient.active","min":1})");
  auto sd = Generate(Profile("p", "Patient", R"(
    {"id":"Patient","path":"Patient"},{"id":"Patient.active","path":"Patient.active","min":0})",
                             "http://example.org/StructureDefinition/base"));
  EXPECT_THAT(IssueIds(), ElementsAre(kMinWidened));
}

TEST_F(SnapshotTest, GeneratesBasesWithoutSnapshotsAndDetectsCycles) {
  extra_["http://example.org/StructureDefinition/mid"] = Profile("mid", "Patient", R"(
    {"id":"Patient","path":"Patient"},{"id":"Patient.active","path":"Patient.active","min":1})");
  auto sd = Generate(Profile("leaf", "Patient", R"({"id":"Patient","path":"Patient"})",
                             "http://example.org/StructureDefinition/mid"));
  ASSERT_TRUE(sd.IsObject());
  EXPECT_EQ((*Element(sd, "Patient.active"))["min"].GetInt(), 1);

  extra_["http://example.org/StructureDefinition/a"] =
      Profile("a", "Patient", R"({"id":"Patient","path":"Patient"})",
              "http://example.org/StructureDefinition/b");
  extra_["http://example.org/StructureDefinition/b"] =
      Profile("b", "Patient", R"({"id":"Patient","path":"Patient"})",
              "http://example.org/StructureDefinition/a");
  StatusOr<std::string> cyclic =
      GenerateSnapshot(extra_["http://example.org/StructureDefinition/a"], lookup_);
  ASSERT_FALSE(cyclic.ok());
  EXPECT_EQ(cyclic.status().code(), StatusCode::kFailedPrecondition);

  StatusOr<std::string> orphan = GenerateSnapshot(
      Profile("o", "Patient", R"({"id":"Patient","path":"Patient"})", "http://nowhere/x"), lookup_);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(GenerateSnapshot("{not json", lookup_).ok());
}

TEST_F(SnapshotTest, LogicalModelSpecializationAddsElements) {
  std::string model = R"({"resourceType":"StructureDefinition","id":"m",
    "url":"http://example.org/StructureDefinition/M","name":"M","status":"draft",
    "kind":"logical","abstract":false,"type":"http://example.org/StructureDefinition/M",
    "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Element",
    "derivation":"specialization","differential":{"element":[
      {"id":"M","path":"M","min":0,"max":"*"},
      {"id":"M.name","path":"M.name","min":1,"max":"1","type":[{"code":"string"}]},
      {"id":"M.part","path":"M.part","min":0,"max":"*","type":[{"code":"BackboneElement"}]},
      {"id":"M.part.code","path":"M.part.code","min":1,"max":"1","type":[{"code":"code"}]}]}})";
  auto sd = Generate(model);
  ASSERT_TRUE(sd.IsObject());
  // A new backbone element gets the members of BackboneElement before its own.
  EXPECT_THAT(Ids(sd), ElementsAre("M", "M.id", "M.extension", "M.name", "M.part", "M.part.id",
                                   "M.part.extension", "M.part.modifierExtension", "M.part.code"));
  EXPECT_STREQ((*Element(sd, "M.name"))["constraint"][0]["key"].GetString(), "ele-1");
  EXPECT_STREQ((*Element(sd, "M.name"))["base"]["path"].GetString(), "M.name");
  EXPECT_STREQ((*Element(sd, "M.id"))["base"]["path"].GetString(), "Element.id");
  EXPECT_TRUE(issues_.issues().empty());
}

TEST_F(SnapshotTest, CacheGeneratesOnceAndIsSharedAcrossThreads) {
  auto core = context::CorePackage();
  ASSERT_TRUE(core.ok());
  auto context = packages::ConformanceContext::FromPackages({*core});
  std::map<std::string, std::string> own = {
      {"http://example.org/StructureDefinition/p",
       Profile("p", "Patient", R"({"id":"Patient","path":"Patient"},
         {"id":"Patient.active","path":"Patient.active","min":1})")}};
  SnapshotCache cache(context, [&own](std::string_view url) -> std::optional<std::string> {
    auto it = own.find(std::string(url));
    if (it == own.end()) return std::nullopt;
    return it->second;
  });
  std::vector<std::shared_ptr<const std::string>> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      auto got = cache.Get("http://example.org/StructureDefinition/p");
      if (got.ok()) results[i] = *got;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_NE(r, nullptr);
    EXPECT_NE(r->find("\"snapshot\""), std::string::npos);
  }
  auto again = cache.Get("http://example.org/StructureDefinition/p");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), results[0].get());
  auto core_profile = cache.Get("http://hl7.org/fhir/StructureDefinition/bodyweight");
  ASSERT_TRUE(core_profile.ok());
  EXPECT_EQ(cache.Get("http://nowhere/x").status().code(), StatusCode::kNotFound);
}

// A chain of profiles without snapshots, each on the one before, asked for from eight threads in
// different orders: a thread may need a base another thread is generating (both generate, the
// first kept), and each thread's cycle check must see only its own work. Every thread gets the
// snapshots one thread alone gets.
TEST_F(SnapshotTest, CacheServesADerivationChainToManyThreadsAtOnce) {
  auto core = context::CorePackage();
  ASSERT_TRUE(core.ok());
  auto context = packages::ConformanceContext::FromPackages({*core});
  const std::string kUrl = "http://example.org/StructureDefinition/";
  std::map<std::string, std::string> own = {
      {kUrl + "c0", Profile("c0", "Patient", R"({"id":"Patient.active","path":"Patient.active",
         "min":1})")},
      {kUrl + "c1", Profile("c1", "Patient", R"({"id":"Patient.name","path":"Patient.name",
         "min":1})",
                            kUrl + "c0")},
      {kUrl + "c2", Profile("c2", "Patient", R"({"id":"Patient.name.family","path":
         "Patient.name.family","min":1})",
                            kUrl + "c1")},
      {kUrl + "c3", Profile("c3", "Patient", R"({"id":"Patient.gender","path":"Patient.gender",
         "min":1})",
                            kUrl + "c2")},
      {kUrl + "loop", Profile("loop", "Patient", R"({"id":"Patient.active","path":
         "Patient.active","min":1})",
                              kUrl + "loop")}};
  auto source = [&own](std::string_view url) -> std::optional<std::string> {
    auto it = own.find(std::string(url));
    if (it == own.end()) return std::nullopt;
    return it->second;
  };
  const std::vector<std::string> urls = {kUrl + "c3", kUrl + "c1", kUrl + "loop", kUrl + "c2",
                                         kUrl + "c0"};
  SnapshotCache alone(context, source);
  std::vector<std::string> expected;
  for (const std::string& url : urls) {
    auto got = alone.Get(url);
    expected.push_back(got.ok() ? **got : got.status().ToString());
  }
  EXPECT_NE(expected[0].find("\"snapshot\""), std::string::npos);
  EXPECT_FALSE(alone.Get(kUrl + "loop").ok());

  SnapshotCache shared(context, source);
  constexpr size_t kThreads = 8;
  std::vector<std::vector<std::string>> seen(kThreads, std::vector<std::string>(urls.size()));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < urls.size(); ++k) {
        size_t i = (t + k) % urls.size();
        auto got = shared.Get(urls[i]);
        seen[t][i] = got.ok() ? **got : got.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t t = 0; t < kThreads; ++t) {
    for (size_t i = 0; i < urls.size(); ++i) {
      EXPECT_EQ(seen[t][i], expected[i]) << urls[i] << " on thread " << t;
    }
  }
}

}  // namespace
}  // namespace silta::snapshot
