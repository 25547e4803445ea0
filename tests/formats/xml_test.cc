#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/formats.h"
#include "support/r4.h"

namespace silta::formats {
namespace {

using ::testing::HasSubstr;

std::vector<Issue> Errors(const IssueCollector& sink) {
  std::vector<Issue> out;
  for (const Issue& i : sink.issues()) {
    if (i.severity >= Severity::kError) out.push_back(i);
  }
  return out;
}

TEST(XmlParse, ReadsValuesAttributesExtensionsAndNarrative) {
  constexpr std::string_view kXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml"><p>Aino &amp; <b>Virtanen</b></p></div>
  </text>
  <contained>
    <Organization><id value="org"/><name value="Hyvinvointialue"/></Organization>
  </contained>
  <name id="n1">
    <family value="Virtanen">
      <extension url="http://example.org/ext"><valueString value="x"/></extension>
    </family>
    <given value="Aino"/>
    <given value="Maria&#10;Liisa"/>
  </name>
  <multipleBirthInteger value="2"/>
</Patient>)";
  IssueCollector sink;
  auto doc = ParseXml(kXml, testing::R4Model(), sink);
  ASSERT_NE(doc, nullptr);
  EXPECT_TRUE(Errors(sink).empty()) << FormatIssue(sink.issues()[0]);
  const model::Element* root = doc->root();
  EXPECT_EQ(root->Child("id")->value(), "p1");
  EXPECT_EQ(root->Child("text")->Child("div")->value(),
            R"(<div xmlns="http://www.w3.org/1999/xhtml"><p>Aino &amp; <b>Virtanen</b></p></div>)");
  EXPECT_EQ(root->Child("contained")->type()->name, "Organization");
  const model::Element* name = root->Child("name");
  EXPECT_EQ(name->Child("id")->value(), "n1");
  EXPECT_EQ(name->Children("given")[1]->value(), "Maria\nLiisa");
  EXPECT_EQ(name->Child("family")->Child("extension")->Child("url")->value(),
            "http://example.org/ext");
  EXPECT_EQ(root->Child("multipleBirth")->type()->name, "integer");
  EXPECT_EQ(root->Child("multipleBirth")->location().line, 18u);

  // And back: the XML writer produces the same tree.
  std::string xml = WriteXml(*root);
  IssueCollector again;
  auto doc2 = ParseXml(xml, testing::R4Model(), again);
  ASSERT_NE(doc2, nullptr);
  EXPECT_TRUE(Errors(again).empty());
  EXPECT_TRUE(model::DeepEquals(*root, *doc2->root())) << xml;
  EXPECT_THAT(xml, HasSubstr(R"(<given value="Maria&#10;Liisa"/>)"));
  EXPECT_THAT(xml, HasSubstr(R"(<Patient xmlns="http://hl7.org/fhir">)"));
  EXPECT_THAT(xml, HasSubstr(R"(<name id="n1">)"));
}

struct BadXmlCase {
  const char* name;
  const char* text;
  const char* message_id;
};

class BadXml : public ::testing::TestWithParam<BadXmlCase> {};

TEST_P(BadXml, GivesOneClearError) {
  IssueCollector sink;
  ParseXml(GetParam().text, testing::R4Model(), sink);
  auto errors = Errors(sink);
  ASSERT_EQ(errors.size(), 1u) << GetParam().text;
  EXPECT_EQ(errors[0].message_id, GetParam().message_id) << errors[0].message;
  EXPECT_TRUE(errors[0].location.known());
}

INSTANTIATE_TEST_SUITE_P(
    Spec, BadXml,
    ::testing::Values(
        BadXmlCase{"truncated", R"(<Patient xmlns="http://hl7.org/fhir"><active value="true")",
                   "XML_SYNTAX"},
        BadXmlCase{
            "dtd",
            R"(<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
            R"(<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>)",
            "XML_DTD"},
        BadXmlCase{"no_namespace", R"(<Patient><active value="true"/></Patient>)",
                   "XML_WRONG_NAMESPACE"},
        BadXmlCase{"unknown_element",
                   R"(<Patient xmlns="http://hl7.org/fhir"><nmae value="x"/></Patient>)",
                   "XML_UNKNOWN_ELEMENT"},
        BadXmlCase{
            "unknown_attribute",
            R"(<Patient xmlns="http://hl7.org/fhir"><active value="true" foo="1"/></Patient>)",
            "XML_UNKNOWN_ATTRIBUTE"},
        BadXmlCase{"text_content",
                   R"(<Patient xmlns="http://hl7.org/fhir"><active>true</active></Patient>)",
                   "XML_TEXT_CONTENT"},
        BadXmlCase{"bad_boolean",
                   R"(<Patient xmlns="http://hl7.org/fhir"><active value="yes"/></Patient>)",
                   "PRIMITIVE_BAD_BOOLEAN"},
        BadXmlCase{"bad_decimal",
                   R"(<Observation xmlns="http://hl7.org/fhir"><status value="final"/>)"
                   R"(<code><text value="x"/></code><valueQuantity><value value="1,5"/>)"
                   R"(</valueQuantity></Observation>)",
                   "PRIMITIVE_BAD_DECIMAL"},
        BadXmlCase{"empty_value",
                   R"(<Patient xmlns="http://hl7.org/fhir"><gender value=""/></Patient>)",
                   "PRIMITIVE_EMPTY"},
        BadXmlCase{"out_of_order",
                   R"(<Patient xmlns="http://hl7.org/fhir"><gender value="male"/>)"
                   R"(<active value="true"/></Patient>)",
                   "XML_ELEMENT_ORDER"},
        BadXmlCase{"repeated_single",
                   R"(<Patient xmlns="http://hl7.org/fhir"><active value="true"/>)"
                   R"(<active value="false"/></Patient>)",
                   "XML_REPEATED_ELEMENT"},
        BadXmlCase{"div_wrong_namespace",
                   R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>)"
                   R"(<div><p>x</p></div></text></Patient>)",
                   "XML_WRONG_NAMESPACE"},
        BadXmlCase{"empty_complex",
                   R"(<Patient xmlns="http://hl7.org/fhir"><name></name></Patient>)",
                   "XML_EMPTY_ELEMENT"},
        BadXmlCase{"empty_primitive", R"(<Patient xmlns="http://hl7.org/fhir"><active/></Patient>)",
                   "XML_EMPTY_ELEMENT"},
        BadXmlCase{"unknown_resource", R"(<Potilas xmlns="http://hl7.org/fhir"/>)",
                   "XML_UNKNOWN_RESOURCE_TYPE"},
        BadXmlCase{"control_character",
                   "<Patient xmlns=\"http://hl7.org/fhir\"><gender value=\"ma\x01le\"/></Patient>",
                   "XML_ILLEGAL_CHARACTER"},
        BadXmlCase{"undefined_entity",
                   R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>)"
                   R"(<div xmlns="http://www.w3.org/1999/xhtml">CPT&reg;</div></text></Patient>)",
                   "XML_UNDEFINED_ENTITY"},
        BadXmlCase{"control_character_reference",
                   R"(<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>)"
                   R"(<div xmlns="http://www.w3.org/1999/xhtml">a&#1;b</div></text></Patient>)",
                   "XML_ILLEGAL_CHARACTER"},
        BadXmlCase{"bare_ampersand",
                   R"(<Patient xmlns="http://hl7.org/fhir"><id value="a&b"/></Patient>)",
                   "XML_UNDEFINED_ENTITY"},
        BadXmlCase{"invalid_utf8",
                   "<Patient xmlns=\"http://hl7.org/fhir\"><gender value=\"\xc3\x28\"/></Patient>",
                   "XML_BAD_UTF8"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(XmlParse, LocatesUnknownContentOnItsParentWithTheChosenType) {
  IssueCollector sink;
  ParseXml(R"(<Observation xmlns="http://hl7.org/fhir"><status value="final"/>)"
           R"(<valueInteger><value value="0"/></valueInteger></Observation>)",
           testing::R4Model(), sink);
  auto errors = Errors(sink);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].message_id, "XML_UNKNOWN_ELEMENT");
  EXPECT_EQ(errors[0].expression, "Observation.value.ofType(integer)");
}

TEST(XmlParse, AcceptsPredefinedAndCharacterReferencesAndABom) {
  std::string text =
      "\xEF\xBB\xBF<!-- &nbsp; in a comment --><Patient xmlns=\"http://hl7.org/fhir\">"
      "<text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">"
      "&amp;&lt;&gt;&quot;&apos;&#169;&#xA9;<![CDATA[&x]]></div></text></Patient>";
  EXPECT_EQ(SniffFormat(text), Format::kXml);
  IssueCollector sink;
  EXPECT_NE(ParseXml(text, testing::R4Model(), sink), nullptr);
  EXPECT_TRUE(Errors(sink).empty());
}

TEST(XmlParse, BillionLaughsIsRefusedNotExpanded) {
  std::string text = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)";
  for (int i = 1; i < 10; ++i) {
    text += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k)
      text += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    text += "\">";
  }
  text += R"(]><Patient xmlns="http://hl7.org/fhir"><id value="&lol9;"/></Patient>)";
  IssueCollector sink;
  EXPECT_EQ(ParseXml(text, testing::R4Model(), sink), nullptr);
  ASSERT_EQ(Errors(sink).size(), 1u);
  EXPECT_EQ(Errors(sink)[0].message_id, "XML_DTD");
}

TEST(XmlParse, RejectsExcessiveNestingWithoutCrashing) {
  std::string text = R"(<Patient xmlns="http://hl7.org/fhir">)";
  std::string close;
  for (int i = 0; i < 20000; ++i) {
    text += R"(<extension url="u">)";
    close += "</extension>";
  }
  text += close + "</Patient>";
  IssueCollector sink;
  ParseXml(text, testing::R4Model(), sink);
  ASSERT_FALSE(Errors(sink).empty());
  EXPECT_THAT(Errors(sink)[0].message, HasSubstr("deeper"));
}

}  // namespace
}  // namespace silta::formats
