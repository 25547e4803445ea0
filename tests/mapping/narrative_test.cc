// The generated narrative: expected XHTML written by hand from the rules of narrative.h (Finnish
// labels, displays before codes, Finnish dates, escaping), and the engine's use of it.
#include "mapping/narrative.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mapping/mapping.h"
#include "support/r4.h"

namespace silta::mapping {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kCanonical = "https://silta.example.fi/fhir";
constexpr std::string_view kDivStart =
    R"(<div xmlns="http://www.w3.org/1999/xhtml" lang="fi" xml:lang="fi">)";

json::Value Json(std::string_view text) {
  auto parsed = json::Value::Parse(text, "test");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : json::Value();
}

std::string Div(std::string_view resource, const NarrativeSettings& settings = {}) {
  json::Value r = Json(resource);
  json::Value text =
      GenerateNarrative(r, NarrativeTableFor(r.Find("resourceType")->text(), kCanonical), settings);
  EXPECT_EQ(text.Find("status")->text(), "generated");
  return text.Find("div")->text();
}

TEST(NarrativeTest, PatientShowsItsRowsInTableOrderWithDisplaysAndFinnishDates) {
  std::string div = Div(R"({
    "resourceType": "Patient",
    "extension": [
      {"url": "https://silta.example.fi/fhir/StructureDefinition/record-updated-at",
       "valueInstant": "2026-11-20T09:14:03+02:00"},
      {"url": "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/municipality-code",
       "valueCoding": {"system": "urn:oid:1.2.246.537.6.21", "code": "286", "display": "Kouvola"}},
      {"url": "https://silta.example.fi/fhir/StructureDefinition/non-disclosure",
       "valueBoolean": false}
    ],
    "identifier": [
      {"system": "https://silta.example.fi/fhir/sid/client-record-part", "value": "286/K-1/client"},
      {"use": "usual", "system": "https://crm.example/id", "value": "K-1"},
      {"use": "official", "system": "urn:oid:1.2.246.21", "value": "010190-999W"}
    ],
    "name": [{"family": "Virtanen", "given": ["Aino", "Maria"]}],
    "telecom": [{"system": "phone", "value": "+358 40 1234567"},
                {"system": "email", "value": "aino@example.fi"}],
    "gender": "female",
    "birthDate": "1990-01-01",
    "address": [{"line": ["Kauppalankatu 12 B 7"], "postalCode": "45100", "city": "Kouvola"}]
  })");
  EXPECT_EQ(div, std::string(kDivStart) +
                     "<p><b>Asiakas</b></p><table>"
                     "<tr><th>nimi</th><td>Aino Maria Virtanen</td></tr>"
                     "<tr><th>henkilötunnus</th><td>010190-999W</td></tr>"
                     "<tr><th>asiakasnumero</th><td>K-1</td></tr>"
                     "<tr><th>syntymäaika</th><td>1.1.1990</td></tr>"
                     "<tr><th>sukupuoli</th><td>female</td></tr>"
                     "<tr><th>kotikunta</th><td>Kouvola</td></tr>"
                     "<tr><th>osoite</th><td>Kauppalankatu 12 B 7, 45100 Kouvola</td></tr>"
                     "<tr><th>yhteystiedot</th><td>+358 40 1234567 (puhelin), aino@example.fi "
                     "(sähköposti)</td></tr>"
                     "<tr><th>turvakielto</th><td>ei</td></tr>"
                     "<tr><th>tiedot päivitetty</th><td>20.11.2026 klo 9.14</td></tr>"
                     "</table></div>");
}

TEST(NarrativeTest, CodesShowTheirDisplayElseTheCodeAndConceptTextFirst) {
  std::string div = Div(R"({
    "resourceType": "Communication",
    "status": "completed",
    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/communication-category",
                               "code": "reminder"}]}],
    "medium": [{"coding": [{"system": "s", "code": "PHONE", "display": "puhelin"},
                           {"system": "t", "code": "X"}]}],
    "topic": {"coding": [{"code": "ignored"}], "text": "Muistutus"},
    "sent": "2026-11-18T10:00:00+02:00",
    "sender": {"reference": "#org1", "display": "Kymenlaakson hyvinvointialue"},
    "recipient": [{"reference": "urn:uuid:0f"}]
  })");
  EXPECT_EQ(div, std::string(kDivStart) +
                     "<p><b>Viestintä</b></p><table>"
                     "<tr><th>laji</th><td>reminder</td></tr>"
                     "<tr><th>kanava</th><td>puhelin, X</td></tr>"
                     "<tr><th>aihe</th><td>Muistutus</td></tr>"
                     "<tr><th>tila</th><td>completed</td></tr>"
                     "<tr><th>lähetetty</th><td>18.11.2026 klo 10.00</td></tr>"
                     "<tr><th>lähettäjä</th><td>Kymenlaakson hyvinvointialue</td></tr>"
                     "</table></div>");
}

TEST(NarrativeTest, PeriodsMoneyAndPartialDates) {
  std::string div = Div(R"({
    "resourceType": "ChargeItem",
    "status": "billed",
    "occurrencePeriod": {"start": "2024-03"},
    "priceOverride": {"value": 91.20, "currency": "EUR"}
  })");
  EXPECT_THAT(div, HasSubstr("<tr><th>maksu</th><td>91,20 EUR</td></tr>"));
  EXPECT_THAT(div, HasSubstr("<tr><th>ajanjakso</th><td>3/2024 alkaen</td></tr>"));
  EXPECT_THAT(Div(R"({"resourceType": "EpisodeOfCare", "period": {"end": "2025-12-31"}})"),
              HasSubstr("<td>31.12.2025 asti</td>"));
  EXPECT_THAT(Div(R"({"resourceType": "EpisodeOfCare",
                      "period": {"start": "2025-02-01", "end": "2025-12-31"}})"),
              HasSubstr("<td>1.2.2025–31.12.2025</td>"));
  EXPECT_THAT(Div(R"({"resourceType": "Procedure",
                      "performedPeriod": {"start": "2025-01-20", "end": "2025-01-20"}})"),
              HasSubstr("<td>20.1.2025</td>"));
}

TEST(NarrativeTest, EscapesMarkupAndDropsWhatXmlCannotHold) {
  std::string div = Div(R"({"resourceType": "Practitioner",
              "name": [{"text": "<script>alert(\"x\")</script> & \u0001Co"}]})");
  EXPECT_THAT(div,
              HasSubstr("<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;  Co</td>"));
  EXPECT_THAT(div, Not(HasSubstr("<script")));
  EXPECT_EQ(EscapeXhtml("a\tb\nc\rd\x1f"), "a\tb\nc\rd ");
}

TEST(NarrativeTest, AResourceWithNothingToShowStillHasItsHeading) {
  EXPECT_EQ(Div(R"({"resourceType": "CarePlan"})"),
            std::string(kDivStart) + "<p><b>Suunnitelma</b></p></div>");
  // A type without a table is named by its type.
  EXPECT_EQ(Div(R"({"resourceType": "Basic"})"),
            std::string(kDivStart) + "<p><b>Basic</b></p></div>");
}

TEST(NarrativeTest, ModulesMayRetitleAndRelabel) {
  NarrativeSettings settings;
  settings.title = "Huoltaja";
  settings.labels["name"] = "koko nimi";
  EXPECT_EQ(Div(R"({"resourceType": "RelatedPerson", "name": [{"family": "Virtanen"}]})", settings),
            std::string(kDivStart) +
                "<p><b>Huoltaja</b></p><table><tr><th>koko nimi</th><td>Virtanen</td></tr>"
                "</table></div>");
}

TEST(NarrativeTest, EveryTablePathParses) {
  for (std::string_view type :
       {"Patient", "RelatedPerson", "Practitioner", "CareTeam", "EpisodeOfCare", "CarePlan",
        "Observation", "Consent", "Coverage", "Procedure", "Communication", "ChargeItem"}) {
    EXPECT_EQ(NarrativeTableFor(type, kCanonical).rows.size(), NarrativeRowKeys(type).size())
        << type;
    EXPECT_FALSE(NarrativeRowKeys(type).empty()) << type;
  }
}

class NarrativeMapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("silta-narrative-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(SILTA_MAPPING_TESTDATA "/features", dir_,
                          std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Adds `member` (JSON text "name": value) to a module's mapping.json.
  void AddToModule(const std::string& module, const std::string& member) {
    std::filesystem::path file = dir_ / module / "mapping.json";
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.insert(text.find('{') + 1, member + ",");
    std::ofstream(file) << text;
  }

  std::filesystem::path dir_;
};

// The record of mapping_test's feature modules: contained organisations, several modules.
constexpr std::string_view kFeatureRecord = R"({
  "recordVersion": "1",
  "clientId": "C1",
  "county": {"system": "urn:oid:1.2.246.537.6.21", "code": "09"},
  "flag": true,
  "producer": {"businessId": "2797321-6", "name": "Kaari Oy"},
  "members": [
    {"id": "m1", "family": "Laine",
     "organisation": {"oid": "1.2.246.10.32004516.10", "businessId": "3200451-6", "name": "HVA"}},
    {"id": "m2", "family": "Heikkinen"}
  ],
  "payments": [
    {"id": "p1", "kind": "voucher", "payer": "client",
     "transferableTo": [{"businessId": "3101238-9"}, {"businessId": "3101238-9", "name": "Helmi"},
                        {"businessId": "3101238-9"}]},
    {"id": "p2", "kind": "other",
     "payer": {"oid": "1.2.246.10.32004516.10", "businessId": "3200451-6", "name": "HVA"}}
  ]
})";

TEST_F(NarrativeMapperTest, EveryResourceGetsAGeneratedNarrativeAndTheWayBackIgnoresIt) {
  auto mapper = Mapper::Load(dir_, testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().message();
  IssueCollector issues;
  auto bundle = (*mapper)->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle.has_value());
  int with_contained = 0;
  for (const json::Value& entry : bundle->Find("entry")->items()) {
    const json::Value& resource = *entry.Find("resource");
    const json::Value* text = resource.Find("text");
    ASSERT_NE(text, nullptr) << resource.ToString();
    EXPECT_EQ(text->Find("status")->text(), "generated");
    EXPECT_THAT(text->Find("div")->text(), ::testing::StartsWith(std::string(kDivStart)));
    // R4 puts text right after meta (and implicitRules, language).
    EXPECT_EQ(resource.members()[3].first, "text");
    // R4 DomainResource.text: "Contained resources do not have narrative".
    if (const json::Value* contained = resource.Find("contained")) {
      ++with_contained;
      for (const json::Value& c : contained->items()) EXPECT_EQ(c.Find("text"), nullptr);
    }
  }
  EXPECT_GT(with_contained, 0);
  auto back = (*mapper)->FromFhir(*bundle, issues);
  ASSERT_TRUE(back.has_value());
  // A narrative someone edited on a server changes nothing on the way back.
  json::Value edited = *bundle;
  (*edited.Find("entry")->items()[0].Find("resource"))["text"]["div"] =
      json::Value::String(std::string(kDivStart) + "muokattu</div>");
  auto back_from_edited = (*mapper)->FromFhir(edited, issues);
  ASSERT_TRUE(back_from_edited.has_value());
  EXPECT_EQ(*back, *back_from_edited);
  EXPECT_TRUE(json::Value::EqualUnordered(*back, Json(kFeatureRecord))) << back->ToString(true);
}

TEST_F(NarrativeMapperTest, AModuleCanTurnItOff) {
  AddToModule("client", R"("narrative": false)");
  auto mapper = Mapper::Load(dir_, testing::R4Model());
  ASSERT_TRUE(mapper.ok()) << mapper.status().message();
  IssueCollector issues;
  auto bundle = (*mapper)->ToFhir(Json(kFeatureRecord), issues);
  ASSERT_TRUE(bundle.has_value());
  EXPECT_EQ(bundle->Find("entry")->items()[0].Find("resource")->Find("text"), nullptr);
}

TEST_F(NarrativeMapperTest, ALabelForARowTheTableLacksIsAProblem) {
  AddToModule("client", R"("narrative": {"labels": {"nmae": "nimi"}, "colour": "red"})");
  auto mapper = Mapper::Load(dir_, testing::R4Model());
  ASSERT_FALSE(mapper.ok());
  EXPECT_THAT(mapper.status().message(), HasSubstr("narrative.labels.nmae"));
  EXPECT_THAT(mapper.status().message(), HasSubstr("has no row \"nmae\""));
  EXPECT_THAT(mapper.status().message(), HasSubstr("narrative.colour"));
}

}  // namespace
}  // namespace silta::mapping
