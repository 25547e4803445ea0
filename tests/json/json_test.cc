#include "json/json.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace silta::json {
namespace {

Value Parsed(std::string_view text) {
  auto parsed = Value::Parse(text, "test.json");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : Value();
}

TEST(JsonValue, KeepsNumberTextAndComparesArraysUnordered) {
  Value a = Parsed(R"({"x":[1,2.50,{"y":true}],"s":"t"})");
  EXPECT_EQ(a.ToString(), R"({"x":[1,2.50,{"y":true}],"s":"t"})");
  Value b = Parsed(R"({"s":"t","x":[{"y":true},2.50,1]})");
  EXPECT_TRUE(Value::EqualUnordered(a, b));
  EXPECT_FALSE(Value::EqualUnordered(a, b, {"x"}));
  EXPECT_FALSE(Value::EqualUnordered(a, Parsed(R"({"s":"t","x":[1,2.5,{"y":true}]})")));
  EXPECT_FALSE(a == b);  // arrays keep their order under ==
  EXPECT_TRUE(a == Parsed(R"({"s":"t","x":[1,2.50,{"y":true}]})"));
}

TEST(JsonValue, RefusesWhatCouldNotBeWrittenBackWithLineAndColumn) {
  struct Case {
    std::string_view text;
    std::string_view message;
  };
  const Case cases[] = {
      {"{\"a\":1,\n \"a\":2}", "test.json:2:5: invalid JSON: duplicate member \"a\""},
      {"{\"a\":1,}", "test.json:1:8: invalid JSON: "},
      {"[1] [2]", "test.json:1:5: invalid JSON: "},
      {"", "test.json:1:1: invalid JSON: "},
      {R"({"quarant\uDDDEine": 1})", "not valid Unicode"},
      {R"("a\udc00b")", "not valid Unicode"},
      {R"(["\ud800"])", "test.json:1:"},
  };
  for (const Case& c : cases) {
    auto parsed = Value::Parse(c.text, "test.json");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << parsed.status().message();
  }
  std::string deep(129, '[');
  deep += std::string(129, ']');
  auto too_deep = Value::Parse(deep, "deep.json");
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("nested too deeply"), std::string::npos);
  EXPECT_TRUE(Value::Parse(std::string(128, '[') + std::string(128, ']'), "ok.json").ok());
  auto pair = Value::Parse(R"(["\ud83d\ude00"])", "x.json");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->items()[0].text(), "\xF0\x9F\x98\x80");
}

// Config loaders point at the member they refuse: every value knows where it starts.
TEST(JsonValue, ValuesKnowWhereTheyStart) {
  Value v =
      Parsed("{\n  \"port\": 80,\n  \"tls\" : {\"ca\":\"x\"},\n  \"list\": [true,\n   null]\n}");
  auto at = [](const Value* value) {
    return std::to_string(value->location().line) + ":" + std::to_string(value->location().column);
  };
  EXPECT_EQ(at(&v), "1:1");
  EXPECT_EQ(at(v.Find("port")), "2:11");
  EXPECT_EQ(at(v.Find("tls")), "3:11");
  EXPECT_EQ(at(v.Find("tls")->Find("ca")), "3:17");
  EXPECT_EQ(at(&v.Find("list")->items()[0]), "4:12");
  EXPECT_EQ(at(&v.Find("list")->items()[1]), "5:4");
  EXPECT_FALSE(Value::String("built").location().known());
}

TEST(JsonValue, BuildsObjectsAndArraysInPlace) {
  Value v;
  v["b"] = Value::Number("1.0");
  v["a"]["c"].Append(Value::Bool(false));
  v["b"] = Value::String("x");  // replaces, keeps its place
  EXPECT_EQ(v.ToString(), R"({"b":"x","a":{"c":[false]}})");
  v.Remove("b");
  EXPECT_EQ(v.ToString(true), "{\n  \"a\": {\n    \"c\": [\n      false\n    ]\n  }\n}");
  EXPECT_EQ(std::string(KindName(v.kind())), "object");
}

TEST(RapidHelpers, ReadAndEditMembers) {
  rapidjson::Document doc;
  doc.Parse<kRapidParseFlags>(R"({"s":"t","n":1.50,"b":true,"a":[1],"o":{}})");
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_EQ(StringMember(doc, "s"), "t");
  EXPECT_EQ(StringMember(doc, "missing"), "");
  EXPECT_EQ(PrimitiveText(*Member(doc, "n")), "1.50");
  EXPECT_EQ(PrimitiveText(*Member(doc, "b")), "true");
  EXPECT_EQ(ArrayMember(doc, "a").Size(), 1u);
  EXPECT_EQ(ArrayMember(doc, "o").Size(), 0u);  // not an array: empty
  SetMember(doc, "s", MakeString("u", doc.GetAllocator()), doc.GetAllocator());
  SetMember(doc, "z", rapidjson::Value(1), doc.GetAllocator());
  EraseMember(doc, "n");
  EraseMembersIf(doc, [](std::string_view name) { return name == "b"; });
  std::string names;
  ForEachMember(doc, [&](std::string_view name, const rapidjson::Value&) {
    names += std::string(name) + ",";
  });
  EXPECT_EQ(names, "s,a,o,z,");
  EXPECT_EQ(StringMember(doc, "s"), "u");
}

}  // namespace
}  // namespace silta::json
