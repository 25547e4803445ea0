// Keeps docs/client-record.schema.json and the XML example of docs/client-record-contract.md in
// step with the codec's field lists.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <set>
#include <string>

#include "base/files.h"
#include "records/fields.h"
#include "records/records.h"

namespace silta::records {
namespace {

struct FieldList {
  std::set<std::string> names;
  std::set<std::string> required;
  template <typename T>
  void operator()(std::string_view name, T&, unsigned flags) {
    names.emplace(name);
    if ((flags & internal::kRequired) != 0) required.emplace(name);
  }
};

template <typename T>
FieldList FieldsOf() {
  T part{};
  FieldList list;
  internal::Fields(part, list);
  return list;
}

std::set<std::string> Keys(const rapidjson::Value& object) {
  std::set<std::string> out;
  for (const auto& m : object.GetObject()) out.emplace(m.name.GetString());
  return out;
}

std::set<std::string> Strings(const rapidjson::Value& array) {
  std::set<std::string> out;
  for (const auto& v : array.GetArray()) out.emplace(v.GetString());
  return out;
}

class Schema : public ::testing::Test {
 protected:
  void SetUp() override {
    auto text = ReadFile(SILTA_RECORDS_SCHEMA);
    ASSERT_TRUE(text.ok());
    text_ = *text;
    doc_.Parse(text_.c_str());
    ASSERT_FALSE(doc_.HasParseError());
  }

  template <typename T>
  void ExpectInStep(const rapidjson::Value& def, const char* what) {
    FieldList fields = FieldsOf<T>();
    ASSERT_TRUE(def.HasMember("properties")) << what;
    EXPECT_EQ(Keys(def["properties"]), fields.names) << what;
    std::set<std::string> required;
    if (def.HasMember("required")) required = Strings(def["required"]);
    EXPECT_EQ(required, fields.required) << what;
    EXPECT_TRUE(def.HasMember("additionalProperties") && def["additionalProperties"].IsFalse())
        << what;
  }

  const rapidjson::Value& Def(const char* name) { return doc_["$defs"][name]; }

  std::string text_;
  rapidjson::Document doc_;
};

TEST_F(Schema, IsDraft202012) {
  EXPECT_STREQ(doc_["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
}

TEST_F(Schema, PropertiesAndRequiredMatchTheCodec) {
  ExpectInStep<ClientRecord>(doc_, "root");
  ExpectInStep<Code>(Def("code"), "code");
  ExpectInStep<OrgRef>(Def("orgRef"), "orgRef");
  ExpectInStep<PersonName>(Def("personName"), "personName");
  ExpectInStep<Period>(Def("period"), "period");
  ExpectInStep<Money>(Def("money"), "money");
  ExpectInStep<Identifier>(Def("identifier"), "identifier");
  ExpectInStep<Address>(Def("address"), "address");
  ExpectInStep<Contact>(Def("contact"), "contact");
  ExpectInStep<PaymentContact>(Def("paymentContact"), "paymentContact");
  ExpectInStep<Occupation>(Def("occupation"), "occupation");
  ExpectInStep<ResidencePermit>(Def("residencePermit"), "residencePermit");
  ExpectInStep<RelatedPerson>(Def("relatedPerson"), "relatedPerson");
  ExpectInStep<Professional>(Def("professional"), "professional");
  ExpectInStep<Customership>(Def("customership"), "customership");
  ExpectInStep<ProducerChoice>(Def("producerChoice"), "producerChoice");
  ExpectInStep<Plan>(Def("plan"), "plan");
  ExpectInStep<Coverage>(Def("coverage"), "coverage");
  ExpectInStep<Consent>(Def("consent"), "consent");
  ExpectInStep<Assessment>(Def("assessment"), "assessment");
  ExpectInStep<ServiceUseLevel>(Def("serviceUseLevel"), "serviceUseLevel");
  ExpectInStep<Guidance>(Def("guidance"), "guidance");
  ExpectInStep<ClientCommunication>(Def("communication"), "communication");
  ExpectInStep<ClientFee>(Def("clientFee"), "clientFee");
}

template <typename E>
std::set<std::string> CodesOf() {
  std::set<std::string> out;
  for (std::string_view c : EnumTraits<E>::kCodes) out.emplace(c);
  return out;
}

TEST_F(Schema, EnumerationsMatchTheCodec) {
  EXPECT_EQ(Strings(doc_["properties"]["gender"]["enum"]), CodesOf<Gender>());
  EXPECT_EQ(Strings(Def("coverage")["properties"]["kind"]["enum"]), CodesOf<CoverageKind>());
  EXPECT_EQ(Strings(Def("coverage")["properties"]["status"]["enum"]), CodesOf<CoverageStatus>());
  EXPECT_EQ(Strings(Def("customership")["properties"]["status"]["enum"]),
            CodesOf<CustomershipStatus>());
  EXPECT_EQ(Strings(Def("plan")["properties"]["kind"]["enum"]), CodesOf<PlanKind>());
  EXPECT_EQ(Strings(Def("plan")["properties"]["status"]["enum"]), CodesOf<PlanStatus>());
  EXPECT_EQ(Strings(Def("consent")["properties"]["kind"]["enum"]), CodesOf<ConsentKind>());
  EXPECT_EQ(Strings(Def("contact")["properties"]["kind"]["enum"]), CodesOf<ContactKind>());
  EXPECT_EQ(Strings(Def("contact")["properties"]["use"]["enum"]), CodesOf<ContactUse>());
  EXPECT_EQ(Strings(Def("contact")["properties"]["source"]["enum"]), CodesOf<Source>());
  EXPECT_EQ(Strings(Def("identifier")["properties"]["type"]["enum"]), CodesOf<IdentifierType>());
  EXPECT_EQ(Strings(Def("relatedPerson")["properties"]["roles"]["items"]["enum"]),
            CodesOf<RelatedPersonRole>());
  EXPECT_EQ(Strings(Def("residencePermit")["properties"]["kind"]["enum"]),
            CodesOf<ResidencePermitKind>());
  EXPECT_EQ(Strings(Def("producerChoice")["properties"]["channel"]["enum"]),
            CodesOf<ChoiceChannel>());
  EXPECT_EQ(Strings(Def("guidance")["properties"]["status"]["enum"]), CodesOf<GuidanceStatus>());
  EXPECT_EQ(Strings(Def("channel")["enum"]), CodesOf<Channel>());
  EXPECT_EQ(Strings(Def("communication")["properties"]["status"]["enum"]),
            CodesOf<CommunicationStatus>());
  EXPECT_EQ(Strings(Def("communication")["properties"]["category"]["enum"]),
            CodesOf<CommunicationCategory>());
  EXPECT_EQ(Strings(Def("clientFee")["properties"]["status"]["enum"]), CodesOf<FeeStatus>());
}

TEST(ContractDoc, TheXmlExampleReads) {
  auto text = ReadFile(SILTA_RECORDS_CONTRACT_DOC);
  ASSERT_TRUE(text.ok());
  size_t start = text->find("```xml\n");
  ASSERT_NE(start, std::string::npos);
  start += 7;
  std::string xml = text->substr(start, text->find("\n```", start) - start);
  IssueCollector issues;
  auto record = ReadXml(xml, issues);
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(issues.issues().empty());
  ASSERT_EQ(record->coverages.size(), 1u);
  EXPECT_EQ(record->coverages[0].amount->amount, "32.50");
}

}  // namespace
}  // namespace silta::records
