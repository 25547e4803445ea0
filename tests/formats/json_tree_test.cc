// ParseJsonTree runs on simdjson with RapidJSON as its fallback: whatever the input, it must give
// what RapidJSON alone gives (ParseJsonTreeWithRapidJson), the same tree with the same offsets or
// the same error message at the same offset. The expected verdicts are RFC 8259's; the expected
// messages are RapidJSON's.
#include <gtest/gtest.h>

#include <memory_resource>
#include <string>
#include <vector>

#include "formats/json_tree.h"

namespace silta::formats {
namespace {

struct Result {
  bool ok = false;
  JsonNode root;
  JsonParseError error;
};

Result Parse(std::string_view text, std::pmr::memory_resource* arena, uint32_t max_depth = 256) {
  Result r;
  r.ok = ParseJsonTree(text, arena, max_depth, &r.root, &r.error);
  return r;
}

Result ParseReference(std::string_view text, std::pmr::memory_resource* arena,
                      uint32_t max_depth = 256) {
  Result r;
  r.ok = ParseJsonTreeWithRapidJson(text, arena, max_depth, &r.root, &r.error);
  return r;
}

// Where two trees first differ, in JsonTreesIdentical's terms.
std::string FirstDifference(const JsonNode& a, const JsonNode& b, const std::string& path) {
  auto node = [](const JsonNode& n) {
    return std::string(json::KindName(n.kind)) + "@" + std::to_string(n.offset) + " \"" +
           std::string(n.text.substr(0, 40)) + "\"";
  };
  if (a.kind != b.kind || a.offset != b.offset || a.bool_value != b.bool_value ||
      a.text != b.text || a.items.size() != b.items.size() ||
      a.members.size() != b.members.size()) {
    return path + ": " + node(a) + " vs " + node(b);
  }
  for (size_t i = 0; i < a.items.size(); ++i) {
    std::string d = FirstDifference(a.items[i], b.items[i], path + "/" + std::to_string(i));
    if (!d.empty()) return d;
  }
  for (size_t i = 0; i < a.members.size(); ++i) {
    const JsonMember& x = a.members[i];
    const JsonMember& y = b.members[i];
    if (x.name != y.name || x.name_offset != y.name_offset) {
      return path + ": member " + std::to_string(i) + " \"" + std::string(x.name) + "\"@" +
             std::to_string(x.name_offset) + " vs \"" + std::string(y.name) + "\"@" +
             std::to_string(y.name_offset);
    }
    std::string d = FirstDifference(x.value, y.value, path + "/" + std::string(x.name));
    if (!d.empty()) return d;
  }
  return "";
}

// Both parsers agree on `text`; returns a description of the disagreement, or "".
std::string Disagreement(std::string_view text, uint32_t max_depth = 256) {
  std::pmr::monotonic_buffer_resource arena;
  Result fast = Parse(text, &arena, max_depth);
  Result reference = ParseReference(text, &arena, max_depth);
  if (fast.ok != reference.ok) {
    return std::string(fast.ok ? "accepted" : "refused (" + fast.error.message + ")") +
           ", RapidJSON " +
           (reference.ok ? "accepts" : "refuses (" + reference.error.message + ")");
  }
  if (!fast.ok) {
    if (fast.error.message != reference.error.message ||
        fast.error.offset != reference.error.offset) {
      return fast.error.message + " at " + std::to_string(fast.error.offset) + ", RapidJSON " +
             reference.error.message + " at " + std::to_string(reference.error.offset);
    }
    return "";
  }
  if (!JsonTreesIdentical(fast.root, reference.root)) {
    return "different trees: " + FirstDifference(fast.root, reference.root, "");
  }
  return "";
}

void ExpectRefused(std::string_view text, std::string_view message, size_t offset) {
  std::pmr::monotonic_buffer_resource arena;
  Result r = Parse(text, &arena);
  EXPECT_FALSE(r.ok) << text;
  EXPECT_EQ(r.error.message, message) << text;
  EXPECT_EQ(r.error.offset, offset) << text;
  EXPECT_EQ(Disagreement(text), "") << text;
}

TEST(JsonTree, BuildsTheTreeWithOffsetsOrderAndDuplicates) {
  std::pmr::monotonic_buffer_resource arena;
  std::string text =
      R"( {"b" : [1.50, -0, 2e-3, true, false, null, "x"], "a":{}, "b":[], "c":""} )";
  Result r = Parse(text, &arena);
  ASSERT_TRUE(r.ok) << r.error.message;
  ASSERT_EQ(r.root.kind, JsonKind::kObject);
  // A container's offset is the byte before its bracket, as RapidJSON's reader has always given.
  EXPECT_EQ(r.root.offset, 0u);
  ASSERT_EQ(r.root.members.size(), 4u);
  const JsonMember& b = r.root.members[0];
  EXPECT_EQ(b.name, "b");
  EXPECT_EQ(b.name_offset, 2u);
  EXPECT_EQ(b.value.offset, 7u);
  ASSERT_EQ(b.value.items.size(), 7u);
  EXPECT_EQ(b.value.items[0].text, "1.50");
  EXPECT_EQ(b.value.items[0].offset, 9u);
  EXPECT_EQ(b.value.items[1].text, "-0");
  EXPECT_EQ(b.value.items[2].text, "2e-3");
  EXPECT_TRUE(b.value.items[3].bool_value);
  EXPECT_EQ(b.value.items[5].kind, JsonKind::kNull);
  EXPECT_EQ(b.value.items[6].text, "x");
  EXPECT_EQ(b.value.items[6].offset, text.find("\"x\""));
  EXPECT_EQ(r.root.members[1].name, "a");
  EXPECT_TRUE(r.root.members[1].value.members.empty());
  EXPECT_EQ(r.root.members[2].name, "b");  // the duplicate is kept, in its place
  EXPECT_EQ(r.root.members[3].value.text, "");
  EXPECT_EQ(Disagreement(text), "");
}

TEST(JsonTree, DecodesEscapesIntoTheArena) {
  std::pmr::monotonic_buffer_resource arena;
  std::string text =
      R"({"k\"ey":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e4\u20AC\ud83d\ude00\u0000z","e\u00e4":1})";
  Result r = Parse(text, &arena);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.root.members[0].name, "k\"ey");
  EXPECT_EQ(r.root.members[0].name_offset, 1u);
  EXPECT_EQ(r.root.members[0].value.text, "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(r.root.members[1].value.text,
            std::string("\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80\0z", 11));
  EXPECT_EQ(r.root.members[2].name, "e\xC3\xA4");
  EXPECT_EQ(Disagreement(text), "");
  // The decoded strings are the arena's, not the parser's buffer, which the next parse reuses.
  std::string before(r.root.members[0].value.text);
  Result other =
      Parse(R"({"x":"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""})", &arena);
  ASSERT_TRUE(other.ok);
  EXPECT_EQ(r.root.members[0].value.text, before);
}

// RFC 8259 section 6: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ).
TEST(JsonTree, RefusesNumbersOutsideTheGrammarAsRapidJsonDoes) {
  ExpectRefused(R"({"a":01})", "malformed JSON: Missing a comma or '}' after an object member.", 6);
  ExpectRefused(R"({"a":-01})", "malformed JSON: Missing a comma or '}' after an object member.",
                7);
  ExpectRefused(R"({"a":1.})", "malformed JSON: Miss fraction part in number.", 7);
  ExpectRefused(R"({"a":.5})", "malformed JSON: Invalid value.", 5);
  ExpectRefused(R"({"a":-})", "malformed JSON: Invalid value.", 6);
  ExpectRefused(R"({"a":+1})", "malformed JSON: Invalid value.", 5);
  ExpectRefused(R"({"a":1e})", "malformed JSON: Miss exponent in number.", 7);
  ExpectRefused(R"({"a":1e+})", "malformed JSON: Miss exponent in number.", 8);
  ExpectRefused(R"({"a":NaN})", "malformed JSON: Invalid value.", 5);
  ExpectRefused(R"({"a":Infinity})", "malformed JSON: Invalid value.", 5);
  ExpectRefused(R"({"a":0x1F})", "malformed JSON: Missing a comma or '}' after an object member.",
                6);
  ExpectRefused(R"([1 2])", "malformed JSON: Missing a comma or ']' after an array element.", 3);
  // Grammatical, but too big for a double: RapidJSON refuses these, so ParseJsonTree does.
  ExpectRefused(R"({"a":1e309})", "malformed JSON: Number too big to be stored in double.", 5);
  ExpectRefused("[" + std::string(310, '9') + "]",
                "malformed JSON: Number too big to be stored in double.", 1);
  // and accepts what the grammar allows, keeping the text as written.
  for (const char* n : {"0", "-0", "0.0", "10", "-1.5e+10", "1E-400", "1e308", "1.5e309",
                        "123456789012345678901234567890", "0.000000000000000000000000001"}) {
    std::pmr::monotonic_buffer_resource arena;
    std::string text = std::string(R"({"n":)") + n + "}";
    Result r = Parse(text, &arena);
    ASSERT_TRUE(r.ok) << n << ": " << r.error.message;
    EXPECT_EQ(r.root.members[0].value.text, n);
    EXPECT_EQ(Disagreement(text), "") << n;
  }
}

TEST(JsonTree, RefusesBadStringsAsRapidJsonDoes) {
  // Unescaped control characters (RFC 8259 section 7), a NUL among them.
  ExpectRefused("{\"a\":\"x\ty\"}", "malformed JSON: Invalid escape character in string.", 7);
  ExpectRefused(std::string("{\"a\":\"x\0y\"}", 11),
                "malformed JSON: Missing a closing quotation mark in string.", 7);
  ExpectRefused("{\"a\x01\":1}", "malformed JSON: Invalid escape character in string.", 3);
  ExpectRefused(R"({"a":"\x"})", "malformed JSON: Invalid escape character in string.", 6);
  ExpectRefused(R"({"a":"\u12G4"})",
                "malformed JSON: Incorrect hex digit after \\u escape in string.", 6);
  // A high surrogate must be followed by a low one.
  ExpectRefused(R"({"a":"\ud83d"})", "malformed JSON: The surrogate pair in string is invalid.", 6);
  ExpectRefused(R"({"a":"\ud83d\u0041"})",
                "malformed JSON: The surrogate pair in string is invalid.", 6);
  ExpectRefused(R"({"a":"x)", "malformed JSON: Missing a closing quotation mark in string.", 7);
  // Invalid UTF-8, in a value and in a name.
  ExpectRefused("{\"a\":\"\xff\"}", "malformed JSON: Invalid encoding in string.", 6);
  ExpectRefused("{\"\xc3\":1}", "malformed JSON: Invalid encoding in string.", 2);
  // Whatever simdjson's and RapidJSON's UTF-8 checks make of the edges of UTF-8 (overlong forms,
  // encoded surrogates, beyond U+10FFFF, truncated sequences, noncharacters), ParseJsonTree
  // agrees with RapidJSON, in values and in names.
  for (const char* bytes : {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xED\xBF\xBF",
                            "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xF0\x9F\x98", "\xE2\x82",
                            "\x80", "\xEF\xBF\xBE", "\xF4\x8F\xBF\xBF", "\xEE\x80\x80"}) {
    std::string value = std::string(R"({"a":"x)") + bytes + "\"}";
    std::string name = std::string(R"({"x)") + bytes + "\":1}";
    EXPECT_EQ(Disagreement(value), "") << value;
    EXPECT_EQ(Disagreement(name), "") << name;
  }
  // RapidJSON decodes a lone low surrogate to bytes that are not UTF-8 and leaves them to the
  // FHIR checks (PRIMITIVE_*); ParseJsonTree does the same.
  std::pmr::monotonic_buffer_resource arena;
  Result r = Parse(R"({"a":"\udc00"})", &arena);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.root.members[0].value.text, "\xED\xB0\x80");
  EXPECT_EQ(Disagreement(R"({"a":"\udc00"})"), "");
}

TEST(JsonTree, RefusesBadStructureAsRapidJsonDoes) {
  ExpectRefused("", "malformed JSON: The document is empty.", 0);
  ExpectRefused("  \n", "malformed JSON: The document is empty.", 3);
  // A byte-order mark is the caller's to strip (batch::WithoutBom, SniffFormat).
  ExpectRefused("\xEF\xBB\xBF{}", "malformed JSON: Invalid value.", 0);
  ExpectRefused(R"({"a":1}})",
                "malformed JSON: The document root must not be followed by other values.", 7);
  ExpectRefused(R"({"a":1} x)",
                "malformed JSON: The document root must not be followed by other values.", 8);
  ExpectRefused(R"({"a":1}{})",
                "malformed JSON: The document root must not be followed by other values.", 7);
  ExpectRefused(R"({"a":1,})", "malformed JSON: Missing a name for object member.", 7);
  ExpectRefused(R"([1,])", "malformed JSON: Invalid value.", 3);
  ExpectRefused(R"({"a" 1})", "malformed JSON: Missing a colon after a name of object member.", 5);
  ExpectRefused(R"({"a":[})", "malformed JSON: Invalid value.", 6);
  ExpectRefused(R"({"a":tru})", "malformed JSON: Invalid value.", 8);
  ExpectRefused(R"({"a":truex})", "malformed JSON: Missing a comma or '}' after an object member.",
                9);
  ExpectRefused(R"({"a":nul)", "malformed JSON: Invalid value.", 8);
  ExpectRefused(R"({"a":1)", "malformed JSON: Missing a comma or '}' after an object member.", 6);
  ExpectRefused(R"({a:1})", "malformed JSON: Missing a name for object member.", 1);
  ExpectRefused(R"({'a':1})", "malformed JSON: Missing a name for object member.", 1);
}

TEST(JsonTree, AgreesWithRapidJsonOnScalarRootsAndTrailingNul) {
  // Scalars at the root and text after a NUL (where RapidJSON's in-situ reading stops) are
  // RapidJSON's to read; the results are its own.
  for (std::string text : {std::string("1"), std::string("\"x\""), std::string("null"),
                           std::string(" true "), std::string("{}\0garbage", 10)}) {
    EXPECT_EQ(Disagreement(text), "") << text;
  }
  std::pmr::monotonic_buffer_resource arena;
  EXPECT_TRUE(Parse(std::string("{}\0garbage", 10), &arena).ok);
}

TEST(JsonTree, RefusesNestingDeeperThanTheLimit) {
  std::string ok = std::string(3, '[') + std::string(3, ']');
  std::string deep = std::string(4, '[') + std::string(4, ']');
  std::pmr::monotonic_buffer_resource arena;
  EXPECT_TRUE(Parse(ok, &arena, 3).ok);
  ExpectRefused(std::string(257, '[') + std::string(257, ']'),
                "JSON nesting is deeper than 256 levels", 256);
  Result r = Parse(deep, &arena, 3);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.message, "JSON nesting is deeper than 3 levels");
  EXPECT_EQ(r.error.offset, 3u);
  EXPECT_EQ(Disagreement(deep, 3), "");
  // Deeper than simdjson goes (1024), within the caller's limit: RapidJSON reads it.
  std::string very_deep = std::string(2000, '[') + std::string(2000, ']');
  EXPECT_TRUE(Parse(very_deep, &arena, 10000).ok);
  EXPECT_EQ(Disagreement(very_deep, 10000), "");
}

TEST(JsonTree, ReadsLargeDocumentsWithAParserOfTheirOwn) {
  std::string text = "{\"a\":[";
  while (text.size() < (size_t{9} << 20)) text += "\"abc\\u00e4\",12.5,";
  text += "null]}";
  EXPECT_EQ(Disagreement(text), "");
  std::pmr::monotonic_buffer_resource arena;
  EXPECT_TRUE(Parse(R"({"small":1})", &arena).ok);  // the thread's own parser still works
}

// Every one-byte change of a document holding each kind of value, names with escapes and
// whitespace everywhere: ParseJsonTree and RapidJSON must agree on each.
TEST(JsonTree, AgreesWithRapidJsonOnEveryOneByteChange) {
  const std::string seed =
      "{ \"resourceType\" : \"Patient\",\"id\":\"p-1\",\"active\":true,\"deceased\":false,"
      "\"x\":null,\"n\":[0,-1.5e+3,12, 0.25E-2],\"s\":\"a\\\"\\u00e4\\ud83d\\ude00\\n\","
      "\"k\\u00e4\":{\"e\":[],\"o\":{}},\"t\":\"\xC3\xA4\xE2\x82\xAC\"}\n";
  const std::string replacements =
      std::string("\"\\{}[],:0-+.eE u \t\x01\x7f\xff\xc3") + std::string(1, '\0');
  size_t checked = 0;
  for (size_t i = 0; i <= seed.size(); ++i) {
    if (i < seed.size()) {
      std::string removed = seed;
      removed.erase(i, 1);
      EXPECT_EQ(Disagreement(removed), "") << removed;
      ++checked;
    }
    for (char c : replacements) {
      std::string changed = seed;
      if (i < seed.size()) {
        changed[i] = c;
      } else {
        changed += c;
      }
      EXPECT_EQ(Disagreement(changed), "") << changed;
      std::string inserted = seed;
      inserted.insert(i, 1, c);
      EXPECT_EQ(Disagreement(inserted), "") << inserted;
      checked += 2;
    }
  }
  EXPECT_GT(checked, 8000u);
}

}  // namespace
}  // namespace silta::formats
