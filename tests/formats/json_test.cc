#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory_resource>

#include "formats/formats.h"
#include "formats/json_tree.h"
#include "support/r4.h"

namespace silta::formats {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::unique_ptr<model::Document> doc;
  std::vector<Issue> issues;
  std::vector<Issue> errors() const {
    std::vector<Issue> out;
    for (const Issue& i : issues) {
      if (i.severity >= Severity::kError) out.push_back(i);
    }
    return out;
  }
};

Parsed ParseJsonText(std::string_view text) {
  IssueCollector sink;
  ParseOptions options;
  options.source_name = "test.json";
  Parsed p;
  p.doc = ParseJson(text, testing::R4Model(), sink, options);
  p.issues = sink.Take();
  return p;
}

TEST(JsonParse, KeepsDecimalTextAndResolvesChoices) {
  Parsed p = ParseJsonText(R"({"resourceType":"Observation","status":"final",
    "code":{"text":"x"},"valueQuantity":{"value":1.50,"unit":"mg"}})");
  ASSERT_NE(p.doc, nullptr);
  EXPECT_TRUE(p.errors().empty());
  const model::Element* value = p.doc->root()->Child("value");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->type()->name, "Quantity");
  EXPECT_EQ(value->WireName(), "valueQuantity");
  EXPECT_EQ(value->Child("value")->value(), "1.50");
  EXPECT_EQ(value->Child("value")->type()->name, "decimal");
  EXPECT_EQ(WriteJson(*p.doc->root(), {.pretty = false}),
            R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
            R"("valueQuantity":{"value":1.50,"unit":"mg"}})");
}

TEST(JsonParse, AlignsPrimitiveExtensionsWithNulls) {
  std::string text = R"({"resourceType":"Patient","name":[{"given":["Aino",null],)"
                     R"("_given":[null,{"extension":[{"url":"http://e.x","valueString":"v"}]}]}]})";
  Parsed p = ParseJsonText(text);
  ASSERT_NE(p.doc, nullptr);
  EXPECT_TRUE(p.errors().empty());
  auto given = p.doc->root()->Child("name")->Children("given");
  ASSERT_EQ(given.size(), 2u);
  EXPECT_EQ(given[0]->value(), "Aino");
  EXPECT_FALSE(given[1]->has_value());
  EXPECT_EQ(given[1]->Child("extension")->Child("url")->value(), "http://e.x");
  EXPECT_EQ(given[1]->index(), 1u);
  EXPECT_EQ(given[1]->Path(), "Patient.name[0].given[1]");
  EXPECT_EQ(WriteJson(*p.doc->root(), {.pretty = false}), text);
}

TEST(JsonParse, ContainedAndBundleResourcesGetTheirOwnType) {
  Parsed p = ParseJsonText(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"resource":{"resourceType":"Patient","id":"p1",
      "contained":[{"resourceType":"Organization","id":"o"}]}}]})");
  ASSERT_NE(p.doc, nullptr);
  EXPECT_TRUE(p.errors().empty());
  const model::Element* patient = p.doc->root()->Child("entry")->Child("resource");
  EXPECT_EQ(patient->type()->name, "Patient");
  EXPECT_TRUE(patient->is_resource());
  EXPECT_EQ(patient->Child("contained")->type()->name, "Organization");
}

// Every string and member name records the offset of its opening quote, escapes or not.
TEST(JsonTree, StringsStartAtTheirOpeningQuote) {
  const std::string text = R"({"a": "plain", "b\"q" : "x\\\"y\\", "c":["\u00e4\\", "", "\"\"", 1],)"
                           "\n"
                           R"( "\\": {"e\\\\": "\\\\\""}, "f": "ä\"\\n"})";
  // The opening quotes, found by reading the text as a state machine.
  std::vector<uint32_t> expected;
  bool in_string = false;
  bool escaped = false;
  for (uint32_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        expected.push_back(i);
      }
    } else if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = false;
    }
  }
  std::pmr::monotonic_buffer_resource arena;
  JsonNode root;
  JsonParseError error;
  ASSERT_TRUE(ParseJsonTree(text, &arena, 100, &root, &error)) << error.message;
  std::vector<uint32_t> found;
  std::function<void(const JsonNode&)> walk = [&](const JsonNode& node) {
    if (node.kind == JsonKind::kString) found.push_back(node.offset);
    for (const JsonNode& item : node.items) walk(item);
    for (const JsonMember& m : node.members) {
      found.push_back(m.name_offset);
      walk(m.value);
    }
  };
  walk(root);
  EXPECT_EQ(found, expected);
}

TEST(JsonParse, ReportsUnknownElementWithLineAndColumn) {
  Parsed p = ParseJsonText("{\n  \"resourceType\": \"Patient\",\n  \"nmae\": []\n}");
  std::vector<Issue> errors = p.errors();
  ASSERT_EQ(errors.size(), 1u);
  const Issue& e = errors[0];
  EXPECT_EQ(e.message_id, "JSON_UNKNOWN_ELEMENT");
  EXPECT_THAT(e.message, HasSubstr("nmae"));
  EXPECT_EQ(e.location.line, 3u);
  EXPECT_EQ(e.location.column, 3u);
  EXPECT_EQ(e.source, "test.json");
}

TEST(JsonParse, AllowsUnknownElementsWhenAsked) {
  IssueCollector sink;
  ParseOptions options;
  options.allow_unknown_elements = true;
  auto doc = ParseJson(R"({"resourceType":"Patient","nmae":1,"active":true})", testing::R4Model(),
                       sink, options);
  ASSERT_NE(doc, nullptr);
  EXPECT_FALSE(sink.HasErrors());
  EXPECT_EQ(doc->root()->Child("active")->value(), "true");
}

struct BadJsonCase {
  const char* name;
  const char* text;
  const char* message_id;
  const char* path;
};

class BadJson : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(BadJson, GivesOneClearError) {
  Parsed p = ParseJsonText(GetParam().text);
  auto errors = p.errors();
  ASSERT_EQ(errors.size(), 1u) << GetParam().text;
  EXPECT_EQ(errors[0].message_id, GetParam().message_id) << errors[0].message;
  EXPECT_EQ(errors[0].expression, GetParam().path);
  EXPECT_TRUE(errors[0].location.known());
  EXPECT_FALSE(errors[0].message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Spec, BadJson,
    ::testing::Values(
        BadJsonCase{"truncated", R"({"resourceType":"Patient","active":tr)", "JSON_SYNTAX", ""},
        BadJsonCase{"not_object", R"([1,2])", "JSON_NOT_OBJECT", ""},
        BadJsonCase{"no_type", R"({"id":"x"})", "JSON_NO_RESOURCE_TYPE", ""},
        BadJsonCase{"unknown_type", R"({"resourceType":"Patientti"})", "JSON_UNKNOWN_RESOURCE_TYPE",
                    ""},
        BadJsonCase{"abstract_type", R"({"resourceType":"DomainResource"})",
                    "JSON_UNKNOWN_RESOURCE_TYPE", ""},
        BadJsonCase{"string_for_boolean", R"({"resourceType":"Patient","active":"true"})",
                    "JSON_WRONG_TYPE", "Patient.active"},
        BadJsonCase{"number_for_string", R"({"resourceType":"Patient","gender":1})",
                    "JSON_WRONG_TYPE", "Patient.gender"},
        BadJsonCase{"decimal_for_integer",
                    R"({"resourceType":"Patient","multipleBirthInteger":1.5})",
                    "PRIMITIVE_BAD_INTEGER", "Patient.multipleBirth.ofType(integer)"},
        BadJsonCase{"empty_string", R"({"resourceType":"Patient","gender":""})", "PRIMITIVE_EMPTY",
                    "Patient.gender"},
        BadJsonCase{"duplicate_key", R"({"resourceType":"Patient","active":true,"active":false})",
                    "JSON_DUPLICATE_KEY", "Patient"},
        BadJsonCase{"array_expected", R"({"resourceType":"Patient","name":{"family":"x"}})",
                    "JSON_EXPECTED_ARRAY", "Patient.name"},
        BadJsonCase{"single_expected", R"({"resourceType":"Patient","gender":["male"]})",
                    "JSON_UNEXPECTED_ARRAY", "Patient.gender"},
        BadJsonCase{"empty_array", R"({"resourceType":"Patient","name":[]})", "JSON_EMPTY_ARRAY",
                    "Patient.name"},
        BadJsonCase{"empty_object", R"({"resourceType":"Patient","name":[{}]})",
                    "JSON_EMPTY_OBJECT", "Patient.name[0]"},
        BadJsonCase{"lone_null", R"({"resourceType":"Patient","name":[null]})", "JSON_NULL_ITEM",
                    "Patient.name[0]"},
        BadJsonCase{"two_choices",
                    R"({"resourceType":"Patient","deceasedBoolean":true,)"
                    R"("deceasedDateTime":"2020"})",
                    "JSON_MULTIPLE_CHOICES", "Patient"},
        BadJsonCase{"misaligned",
                    R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null]}]})",
                    "JSON_ARRAY_MISALIGNED", "Patient.name[0]"},
        BadJsonCase{"underscore_on_complex", R"({"resourceType":"Patient","_name":[{"id":"x"}]})",
                    "JSON_BAD_UNDERSCORE", "Patient.name"},
        BadJsonCase{"object_for_primitive", R"({"resourceType":"Patient","gender":{"x":1}})",
                    "JSON_WRONG_TYPE", "Patient.gender"},
        BadJsonCase{"wrong_contained",
                    R"({"resourceType":"Patient","contained":[{"resourceType":"Nope"}]})",
                    "JSON_UNKNOWN_RESOURCE_TYPE", "Patient.contained[0]"},
        BadJsonCase{"bad_xhtml",
                    R"({"resourceType":"Patient","text":{"status":"generated",)"
                    R"("div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</div>"}})",
                    "XHTML_MALFORMED", "Patient.text.div"},
        BadJsonCase{
            "text_around_xhtml",
            R"({"resourceType":"Patient","text":{"status":"generated",)"
            R"("div":"<?xml version=\"1.0\"?><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}})",
            "XHTML_MALFORMED", "Patient.text.div"},
        BadJsonCase{"bare_ampersand_in_xhtml",
                    R"({"resourceType":"Patient","text":{"status":"generated",)"
                    R"("div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">A & B</div>"}})",
                    "XHTML_ENTITY_UNDEFINED", "Patient.text.div"},
        BadJsonCase{"html_entity_in_xhtml",
                    R"({"resourceType":"Patient","text":{"status":"generated",)"
                    R"("div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">&reg;</div>"}})",
                    "XHTML_ENTITY_UNDEFINED", "Patient.text.div"},
        // XML 1.0, well-formedness constraint "Legal Character": "Characters referred to using
        // character references MUST match the production for Char" (no C0 controls but tab,
        // LF and CR).
        BadJsonCase{"control_character_reference_in_xhtml",
                    R"({"resourceType":"Patient","text":{"status":"generated",)"
                    R"("div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a&#x1B;b</div>"}})",
                    "XHTML_CHARACTER_ILLEGAL", "Patient.text.div"},
        BadJsonCase{"control_character", R"({"resourceType":"Patient","gender":"ma\u0001le"})",
                    "PRIMITIVE_CONTROL_CHARACTER", "Patient.gender"},
        BadJsonCase{"lone_surrogate", R"({"resourceType":"Patient","gender":"ma\udc00le"})",
                    "PRIMITIVE_BAD_UNICODE", "Patient.gender"},
        BadJsonCase{"invalid_utf8", "{\"resourceType\":\"Patient\",\"gender\":\"\xff\"}",
                    "JSON_SYNTAX", ""}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

// The parser keeps each narrative it accepts as a tree, so that the validator does not parse the
// markup again: names, the namespace in force, decoded text and attributes.
TEST(JsonParse, KeepsTheNarrativeTree) {
  Parsed p =
      ParseJsonText(R"({"resourceType":"Patient","text":{"status":"generated","div":)"
                    R"("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p class=\"c\">A &amp; B</p>)"
                    R"(<x:b xmlns:x=\"http://example.org\">y</x:b></div>"}})");
  ASSERT_NE(p.doc, nullptr);
  EXPECT_TRUE(p.errors().empty());
  const model::Element* div = p.doc->root()->Child("text")->Child("div");
  ASSERT_NE(div, nullptr);
  const model::XhtmlNode* tree = p.doc->Xhtml(*div);
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(tree->local_name, "div");
  EXPECT_EQ(tree->ns, "http://www.w3.org/1999/xhtml");
  ASSERT_EQ(tree->children.size(), 2u);
  const model::XhtmlNode& para = tree->children[0];
  EXPECT_EQ(para.name, "p");
  EXPECT_EQ(para.ns, "http://www.w3.org/1999/xhtml");
  ASSERT_NE(para.Attribute("class"), nullptr);
  EXPECT_EQ(para.Attribute("class")->value, "c");
  ASSERT_EQ(para.children.size(), 1u);
  EXPECT_EQ(para.children[0].text, "A & B");
  const model::XhtmlNode& other = tree->children[1];
  EXPECT_EQ(other.name, "x:b");
  EXPECT_EQ(other.local_name, "b");
  EXPECT_EQ(other.ns, "http://example.org");
  // The element keeps the markup byte for byte.
  EXPECT_THAT(std::string(div->value()), HasSubstr("A &amp; B"));
}

// A refused narrative is dropped (its XML form would be broken), unless the document is read
// only to be validated: then the markup stays, without a tree, and the finding is made once.
TEST(JsonParse, KeepsARefusedNarrativeOnlyWhenAsked) {
  std::string text = R"({"resourceType":"Patient","text":{"status":"generated",)"
                     R"("div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">&reg;</div>"}})";
  for (bool keep : {false, true}) {
    IssueCollector sink;
    ParseOptions options;
    options.keep_refused_narratives = keep;
    auto doc = ParseJson(text, testing::R4Model(), sink, options);
    ASSERT_NE(doc, nullptr);
    const model::Element* div = doc->root()->Child("text")->Child("div");
    EXPECT_EQ(div != nullptr, keep);
    if (div != nullptr) {
      EXPECT_EQ(doc->Xhtml(*div), nullptr);
    }
    ASSERT_EQ(sink.issues().size(), 1u);
    EXPECT_EQ(sink.issues()[0].message_id, std::string("XHTML_ENTITY_UNDEFINED"));
  }
}

TEST(JsonParse, RejectsExcessiveNestingWithoutCrashing) {
  std::string deep = R"({"resourceType":"Patient","extension":[)";
  std::string close;
  for (int i = 0; i < 100000; ++i) {
    deep += R"({"url":"u","extension":[)";
    close += "]}";
  }
  deep += close + "]}";
  Parsed p = ParseJsonText(deep);
  EXPECT_EQ(p.doc, nullptr);
  ASSERT_FALSE(p.errors().empty());
  EXPECT_THAT(p.errors()[0].message, HasSubstr("deeper"));
}

}  // namespace
}  // namespace silta::formats

namespace silta::model {
namespace {

// A StructureDefinition's max came through std::stoul, which threw on a number past its range;
// package content is input like any other.
TEST(TypeModelLoad, RejectsAMaxThatIsNotACardinality) {
  auto definition = [](std::string_view max) {
    return std::string(R"({"resourceType":"StructureDefinition","url":"http://x/Thing",
      "name":"Thing","kind":"resource","abstract":false,"type":"Thing",
      "derivation":"specialization","snapshot":{"element":[
        {"id":"Thing","path":"Thing","min":0,"max":"*"},
        {"id":"Thing.part","path":"Thing.part","min":0,"max":")") +
           std::string(max) + R"(","type":[{"code":"string"}]}]}})";
  };
  for (std::string_view bad : {"99999999999999999999", "4294967295", "-1", "x", "1.5"}) {
    auto model = TypeModel::FromStructureDefinitions({definition(bad)});
    ASSERT_FALSE(model.ok()) << bad;
    EXPECT_THAT(model.status().message(),
                ::testing::HasSubstr("Thing.part has max '" + std::string(bad) + "'"))
        << bad;
  }
}

}  // namespace
}  // namespace silta::model
