// Narrative XHTML rules, each expectation written from the text it cites: R4 Narrative.div and
// its invariants txt-1/txt-2 (StructureDefinition-Narrative in hl7.fhir.r4.core 4.0.1), the R4
// narrative page, HTML 4.01 and XML 1.0. Through the library and through `silta validate`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/files.h"
#include "fixture.h"
#include "support/r4.h"

namespace silta::validation {
namespace {

using ::testing::HasSubstr;
using testing::Outcome;
using testing::ValidateText;
namespace fs = std::filesystem;

// A Basic resource whose narrative div holds `inner` (JSON-escaped by the caller).
std::string WithNarrative(std::string_view inner) {
  return R"({"resourceType":"Basic","code":{"text":"x"},"text":{"status":"generated",
    "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" +
         std::string(inner) + R"(</div>"}})";
}

Outcome Check(std::string_view inner) {
  return ValidateText(*testing::R4Validator(), WithNarrative(inner));
}

std::vector<std::string> ErrorIds(const Outcome& o) {
  std::vector<std::string> ids;
  for (const Issue* i : o.Errors()) ids.push_back(i->message_id);
  return ids;
}

// txt-1: "The narrative SHALL contain only the basic html formatting elements and attributes
// described in chapters 7-11 (except section 4 of chapter 9) and 15 of the HTML 4.0 standard,
// <a> elements (either name or href), images and internally contained style attributes".
TEST(NarrativeRules, FormattingMarkupOfHtml4ChaptersSevenToElevenAndFifteenPasses) {
  for (
      const char* allowed : {
          // 7: div, span, headings, address; 8: bdo; 9: phrases, quotations, sub/sup, p, br, pre
          R"(<h1>t</h1><address>a</address><p><bdo dir=\"rtl\">x</bdo> <kbd>k</kbd> )"
          R"(<abbr title=\"t\">a</abbr><q cite=\"http://acme.test/\">q</q>x<sub>1</sub><br/></p>)"
          R"(<pre>p</pre><blockquote cite=\"http://acme.test/\"><p>b</p></blockquote>)",
          // 10: lists
          R"(<ul><li>a</li></ul><ol><li>b</li></ol><dl><dt>t</dt><dd><p>d</p></dd></dl>)",
          // 11: tables, with their structure attributes
          R"(<table summary=\"s\" frame=\"box\" rules=\"all\" border=\"1\" cellpadding=\"2\">)"
          R"(<caption>c</caption><colgroup><col span=\"2\"/></colgroup><thead><tr><th )"
          R"(scope=\"col\" colspan=\"2\">h</th></tr></thead><tbody><tr><td nowrap=\"nowrap\" )"
          R"(valign=\"top\">x</td><td align=\"char\" char=\".\">1.5</td></tr></tbody></table>)",
          // 15: font-style elements and hr
          R"(<p><tt>t</tt> <i>i</i> <b>b</b> <big>B</big> <small>s</small></p><hr/>)",
          // links, images and client-side image maps
          R"(<a name=\"top\">x</a><a href=\"http://acme.test/a?b=1#c\" hreflang=\"fi\" )"
          R"(rel=\"help\" type=\"text/html\">x</a><img src=\"#pic\" alt=\"x\" usemap=\"#m\"/>)"
          R"(<map name=\"m\"><area shape=\"rect\" coords=\"0,0,1,1\" href=\"#a\" alt=\"a\"/></map>)",
          // "internally contained style attributes"
          R"(<p style=\"color: red; background-image: url(#x)\" class=\"c\" id=\"p1\">x</p>)",
      }) {
    Outcome o = Check(allowed);
    EXPECT_TRUE(o.Errors().empty()) << allowed << "\n" << o.Describe();
  }
}

// txt-1's XPath lists element names; each is allowed where HTML 4's DTD lets it stand.
TEST(NarrativeRules, EveryElementTxt1XPathListsIsAllowed) {
  auto text = ReadFile(silta::testing::R4PackageDir() / "StructureDefinition-Narrative.json");
  ASSERT_TRUE(text.ok());
  size_t at = text->find("\"key\" : \"txt-1\"");
  if (at == std::string::npos) at = text->find("\"key\":\"txt-1\"");
  ASSERT_NE(at, std::string::npos);
  size_t xpath = text->find("not(descendant-or-self", at);
  std::string_view rule = std::string_view(*text).substr(xpath, text->find('"', xpath) - xpath);
  std::string_view element_list = rule.substr(0, rule.find("/@*"));
  std::vector<std::string> elements;
  for (size_t q = element_list.find('\''); q != std::string_view::npos;
       q = element_list.find('\'', q + 1)) {
    size_t close = element_list.find('\'', q + 1);
    elements.emplace_back(element_list.substr(q + 1, close - q - 1));
    q = close;
  }
  ASSERT_GT(elements.size(), 40u);
  // Where HTML 4's DTD puts the elements that cannot stand in a div.
  const std::map<std::string, std::pair<std::string, std::string>> context = {
      {"li", {"<ul>", "</ul>"}},
      {"dd", {"<dl>", "</dl>"}},
      {"dt", {"<dl>", "</dl>"}},
      {"tr", {"<table>", "</table>"}},
      {"td", {"<table><tr>", "</tr></table>"}},
      {"th", {"<table><tr>", "</tr></table>"}},
      {"thead", {"<table>", "</table>"}},
      {"tbody", {"<table>", "</table>"}},
      {"tfoot", {"<table>", "</table>"}},
      {"caption", {"<table>", "</table>"}},
      {"colgroup", {"x<table>", "</table>"}},
      {"col", {"x<table>", "</table>"}},
  };
  for (const std::string& element : elements) {
    std::string content = element == "tr" ? "<td>x</td>"
                          : element == "thead" || element == "tbody" || element == "tfoot"
                              ? "<tr><td>x</td></tr>"
                          : element == "ul" || element == "ol" ? "<li>x</li>"
                          : element == "dl"                    ? "<dt>x</dt>"
                          : element == "table"                 ? "<tr><td>x</td></tr>"
                          : element == "colgroup"              ? "<col/>"
                                                               : "x";
    std::string markup = "<" + element + ">" + content + "</" + element + ">";
    if (element == "br" || element == "hr") markup = "x<" + element + "/>";
    if (element == "col") markup = "<col/>";
    if (element == "img") markup = R"(<img src=\"#a\" alt=\"x\"/>)";
    auto where = context.find(element);
    if (where != context.end()) markup = where->second.first + markup + where->second.second;
    Outcome o = Check(markup);
    EXPECT_TRUE(o.Errors().empty()) << element << ": " << markup << "\n" << o.Describe();
  }
}

// The same XPath lists attribute names. HTML 4.01's attribute index says which element each
// belongs to; those it marks deprecated (bgcolor, compact, hspace, vspace, start, value) and
// those it does not define at all (cellhalign, cellvalign) are not "basic html formatting
// attributes", and the reference validator refuses them as well.
TEST(NarrativeRules, AttributesBelongToTheirHtml4Elements) {
  struct Case {
    const char* markup;
    bool allowed;
  };
  for (const Case& c : {
           Case{R"(<p abbr=\"a\" axis=\"a\" headers=\"h\" scope=\"row\" span=\"1\">x</p>)", true},
           Case{R"(<p accesskey=\"k\" tabindex=\"1\" title=\"t\" lang=\"fi\" dir=\"ltr\">x</p>)",
                true},
           Case{R"(<a charset=\"utf-8\" shape=\"rect\" coords=\"0,0,1,1\" rev=\"r\" )"
                R"(href=\"#x\">x</a>)",
                true},
           Case{R"(<img src=\"#a\" alt=\"a\" height=\"1\" width=\"1\" longdesc=\"#d\" )"
                R"(border=\"0\" ismap=\"ismap\"/>)",
                true},
           Case{R"(<table cellspacing=\"1\"><tr><td>x</td></tr></table>)", true},
           Case{R"(<table bgcolor=\"red\"><tr><td>x</td></tr></table>)", false},
           Case{R"(<ul compact=\"compact\"><li>x</li></ul>)", false},
           Case{R"(<img src=\"#a\" alt=\"a\" hspace=\"1\"/>)", false},
           Case{R"(<img src=\"#a\" alt=\"a\" vspace=\"1\"/>)", false},
           Case{R"(<ol start=\"3\"><li>x</li></ol>)", false},
           Case{R"(<ol><li value=\"4\">x</li></ol>)", false},
           Case{R"(<table cellhalign=\"left\"><tr><td>x</td></tr></table>)", false},
           Case{R"(<table><tr><td cellvalign=\"top\">x</td></tr></table>)", false},
           // href and src belong to links and images, not to paragraphs.
           Case{R"(<p href=\"#x\">x</p>)", false},
           Case{R"(<p src=\"#x\">x</p>)", false},
       }) {
    Outcome o = Check(c.markup);
    if (c.allowed) {
      EXPECT_TRUE(o.Errors().empty()) << c.markup << "\n" << o.Describe();
    } else {
      EXPECT_THAT(ErrorIds(o), ::testing::ElementsAre("XHTML_ATTRIBUTE_ILLEGAL"))
          << c.markup << "\n"
          << o.Describe();
    }
  }
}

// Narrative.div: "The XHTML content SHALL NOT contain a head, a body, external stylesheet
// references, scripts, forms, base/link/xlink, frames, iframes and objects"; the narrative page
// also forbids "deprecated elements" and "event related attributes (e.g. onClick)".
TEST(NarrativeRules, ActiveAndExternalContentIsRefused) {
  struct Case {
    const char* markup;
    const char* id;
  };
  for (const Case& c : {
           Case{"<script>x()</script>", "XHTML_ACTIVE_CONTENT"},
           Case{"<p>a<object data=\\\"x\\\">o</object></p>", "XHTML_ACTIVE_CONTENT"},
           Case{"<form>x</form>", "XHTML_ACTIVE_CONTENT"},
           Case{"<iframe src=\\\"http://acme.test/\\\">x</iframe>", "XHTML_ACTIVE_CONTENT"},
           Case{"<link rel=\\\"stylesheet\\\" href=\\\"http://acme.test/s.css\\\"/>x",
                "XHTML_ACTIVE_CONTENT"},
           Case{"<style>p {color: red}</style>x", "XHTML_ACTIVE_CONTENT"},
           Case{"<base href=\\\"http://acme.test/\\\"/>x", "XHTML_ACTIVE_CONTENT"},
           Case{"<p>x<?xml-stylesheet href=\\\"http://acme.test/s.css\\\"?></p>",
                "XHTML_ACTIVE_CONTENT"},
           Case{"<p onclick=\\\"x()\\\">x</p>", "XHTML_EVENT_ATTRIBUTE"},
           Case{"<img src=\\\"#a\\\" alt=\\\"a\\\" onError=\\\"x()\\\"/>", "XHTML_EVENT_ATTRIBUTE"},
           // Deprecated in HTML 4 (15.2.1 / 15.2.2), so not narrative markup.
           Case{"<p><u>x</u></p>", "XHTML_ELEMENT_ILLEGAL"},
           Case{"<p><strike>x</strike></p>", "XHTML_ELEMENT_ILLEGAL"},
           Case{"<p><font>x</font></p>", "XHTML_ELEMENT_ILLEGAL"},
           Case{"<center>x</center>", "XHTML_ELEMENT_ILLEGAL"},
           // txt-1 excepts HTML 4 9.4 (ins, del).
           Case{"<p><ins>x</ins></p>", "XHTML_ELEMENT_ILLEGAL"},
           // "internally contained style attributes": no stylesheet imported, no script in CSS.
           Case{"<p style=\\\"@import url(http://acme.test/s.css)\\\">x</p>", "XHTML_STYLE_ACTIVE"},
           Case{"<p style=\\\"width: expression(alert(1))\\\">x</p>", "XHTML_STYLE_ACTIVE"},
           Case{"<p style=\\\"background: url(javascript:x())\\\">x</p>", "XHTML_STYLE_ACTIVE"},
       }) {
    Outcome o = Check(c.markup);
    EXPECT_THAT(ErrorIds(o), ::testing::Contains(c.id)) << c.markup << "\n" << o.Describe();
  }
}

// The narrative is XHTML: "The narrative ... XHTML fragment" (Narrative.div), so its elements are
// in the XHTML namespace, not another one declared inside it.
TEST(NarrativeRules, ElementsOutsideTheXhtmlNamespaceAreErrors) {
  Outcome o = Check(R"(<p>a</p><svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>)");
  EXPECT_TRUE(o.HasError("XHTML_NAMESPACE")) << o.Describe();
  o = Check(R"(<x:p xmlns:x=\"http://example.org\">a</x:p>)");
  EXPECT_TRUE(o.HasError("XHTML_NAMESPACE")) << o.Describe();
  // A prefix bound to XHTML's own namespace is XHTML.
  o = Check(R"(<h:p xmlns:h=\"http://www.w3.org/1999/xhtml\">a</h:p>)");
  EXPECT_FALSE(o.HasError("XHTML_NAMESPACE")) << o.Describe();
}

// Links and images hold URLs (HTML 4 12.2 href, 13.2 src: "%URI"): RFC 3986 characters only; a
// data: URL (RFC 2397) carries base64 data under a media type; script URLs are active content.
TEST(NarrativeRules, LinkAndImageUrls) {
  struct Case {
    const char* markup;
    const char* id;  // null: fine
  };
  for (const Case& c : {
           Case{R"(<a href=\"#local\">x</a>)", nullptr},
           Case{R"(<a href=\"Patient/123\">x</a>)", nullptr},
           Case{R"(<a href=\"https://acme.test/a%20b?q=[1]&amp;r=(2)\">x</a>)", nullptr},
           Case{R"(<a href=\"http://acme.test/p\u00e4\u00e4\">x</a>)", nullptr},
           Case{R"(<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"a\"/>)", nullptr},
           Case{R"(<a href=\"http://acme.test/a b\">x</a>)", "XHTML_URL_INVALID_CHARS"},
           Case{R"(<a href=\"http://acme.test/{x}\">x</a>)", "XHTML_URL_INVALID_CHARS"},
           Case{R"(<a href=\"http://acme.test/&lt;x&gt;\">x</a>)", "XHTML_URL_INVALID_CHARS"},
           Case{R"(<a href=\"\">x</a>)", "XHTML_URL_EMPTY"},
           Case{R"(<a href=\"javascript:alert(1)\">x</a>)", "XHTML_URL_SCRIPT"},
           Case{R"(<a href=\" JavaScript:alert(1)\">x</a>)", "XHTML_URL_SCRIPT"},
           Case{R"(<img src=\"data:image/png,abc\" alt=\"a\"/>)", "XHTML_URL_INVALID"},
           Case{R"(<img src=\"data:image/png;base64,***\" alt=\"a\"/>)", "XHTML_URL_INVALID"},
           Case{R"(<img src=\"data:png;base64,iVBORw0KGgo=\" alt=\"a\"/>)", "XHTML_URL_INVALID"},
           Case{R"(<img src=\"data:image/png;base64\" alt=\"a\"/>)", "XHTML_URL_INVALID"},
       }) {
    Outcome o = Check(c.markup);
    if (c.id == nullptr) {
      EXPECT_TRUE(o.Errors().empty()) << c.markup << "\n" << o.Describe();
    } else {
      EXPECT_THAT(ErrorIds(o), ::testing::ElementsAre(c.id)) << c.markup << "\n" << o.Describe();
    }
  }
}

// HTML 4.01's DTD: "The P element ... cannot contain block-level elements (including P itself)"
// (9.3.1), LI only in UL/OL (10.2), TR in tables, TD/TH in TR (11.2), EMPTY elements (BR, HR,
// IMG, AREA, COL) have no content, and "Links and anchors defined by the A element must not be
// nested" (12.2.2).
TEST(NarrativeRules, Html4ContentModels) {
  struct Case {
    const char* markup;
    const char* id;
  };
  for (const Case& c : {
           Case{"<p>a<div>b</div></p>", "XHTML_BLOCK_IN_INLINE"},
           Case{"<p>a<p>b</p></p>", "XHTML_BLOCK_IN_INLINE"},
           Case{"<p>a<table><tr><td>b</td></tr></table></p>", "XHTML_BLOCK_IN_INLINE"},
           Case{"<span><ul><li>b</li></ul></span>", "XHTML_BLOCK_IN_INLINE"},
           Case{"<h1>a<blockquote>q</blockquote></h1>", "XHTML_BLOCK_IN_INLINE"},
           Case{"<li>x</li>", "XHTML_OUT_OF_PLACE"},
           Case{"<table><td>x</td></table>", "XHTML_OUT_OF_PLACE"},
           Case{"<ul>text<li>x</li></ul>", "XHTML_ILLEGAL_CHILDREN"},
           Case{"<ul><p>x</p></ul>", "XHTML_ILLEGAL_CHILDREN"},
           Case{"x<br>b</br>", "XHTML_ILLEGAL_CHILDREN"},
           Case{"<a href=\\\"#a\\\">x<b><a href=\\\"#b\\\">y</a></b></a>", "XHTML_NESTED_LINK"},
       }) {
    Outcome o = Check(c.markup);
    EXPECT_THAT(ErrorIds(o), ::testing::Contains(c.id)) << c.markup << "\n" << o.Describe();
  }
  // A definition's description and a list item may hold blocks (HTML 4: %flow).
  Outcome o =
      Check("<dl><dt>t</dt><dd><p>a</p><ul><li>b</li></ul></dd></dl><ol><li><p>c</p></li></ol>");
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
}

// txt-2: "The narrative SHALL have some non-whitespace content" (its XPath: non-blank text or
// an img with a src).
TEST(NarrativeRules, Txt2NeedsTextOrAnImage) {
  EXPECT_TRUE(Check("<p> </p>").HasError("XHTML_EMPTY"));
  EXPECT_FALSE(Check("<p>x</p>").HasError("XHTML_EMPTY"));
  EXPECT_FALSE(Check(R"(<img src=\"#a\" alt=\"\"/>)").HasError("XHTML_EMPTY"));
}

// HTML 4 7.5.2: an id "must be unique in a document"; a duplicate is a warning (as the reference
// validator gives it), and <a id="x" name="x"> names one anchor.
TEST(NarrativeRules, DuplicateIdsWarn) {
  Outcome o = Check(R"(<p id=\"a\">x</p><p id=\"a\">y</p>)");
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
  EXPECT_TRUE(o.HasIssue("XHTML_DUPLICATE_IDS")) << o.Describe();
  EXPECT_FALSE(Check(R"(<a id=\"a\" name=\"a\">x</a>)").HasIssue("XHTML_DUPLICATE_IDS"));
}

// Language sections are the root's child divs with xml:lang (narrative-language-control); content
// beside them is in no section: a warning, as the reference validator gives it.
TEST(NarrativeRules, ContentOutsideLanguageSectionsWarns) {
  Outcome o = Check(R"(text<div xml:lang=\"en\">English</div>)");
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
  EXPECT_TRUE(o.HasIssue("XHTML_MIXED_LANGUAGES")) << o.Describe();
  o = Check(R"( <div xml:lang=\"en\">English</div> <div xml:lang=\"fi\">Suomi</div> )");
  EXPECT_FALSE(o.HasIssue("XHTML_MIXED_LANGUAGES")) << o.Describe();
  EXPECT_FALSE(Check("<p>no sections</p>").HasIssue("XHTML_MIXED_LANGUAGES"));
}

// XML 1.0 defines five entities and no others without a DTD (FHIR forbids DTDs); "Characters
// referred to using character references MUST match the production for Char". Both are reported
// by the parser, once, on the div.
TEST(NarrativeRules, EntitiesAndCharacterReferences) {
  // One finding: the div is there (kept for validation), only its markup is wrong.
  Outcome o = Check("a&nbsp;b");
  EXPECT_THAT(ErrorIds(o), ::testing::ElementsAre("XHTML_ENTITY_UNDEFINED")) << o.Describe();
  EXPECT_FALSE(o.HasIssue("CONSTRAINT_FAILED")) << o.Describe();  // dom-6: no narrative
  o = Check("a&#x7;b");
  EXPECT_THAT(ErrorIds(o), ::testing::ElementsAre("XHTML_CHARACTER_ILLEGAL")) << o.Describe();
  o = Check("<p>a</div>");
  EXPECT_THAT(ErrorIds(o), ::testing::ElementsAre("XHTML_MALFORMED")) << o.Describe();
  o = Check("a&#160;&#xA0;&amp;&lt;&gt;&quot;&apos;&#x1F600;b");
  EXPECT_TRUE(o.Errors().empty()) << o.Describe();
}

// The same rules on a narrative read from XML, reported at the div.
TEST(NarrativeRules, XmlInputIsJudgedAlike) {
  Outcome o =
      ValidateText(*testing::R4Validator(),
                   R"X(<Basic xmlns="http://hl7.org/fhir"><text><status value="generated"/>)X"
                   R"X(<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">a</p>)X"
                   R"X(<a href="http://acme.test/a b">x</a></div></text>)X"
                   R"X(<code><text value="x"/></code></Basic>)X");
  EXPECT_THAT(ErrorIds(o),
              ::testing::UnorderedElementsAre("XHTML_EVENT_ATTRIBUTE", "XHTML_URL_INVALID_CHARS"))
      << o.Describe();
  for (const Issue& i : o.issues) {
    if (i.message_id == std::string("XHTML_EVENT_ATTRIBUTE")) {
      EXPECT_EQ(i.expression, "Basic.text.div");
      EXPECT_EQ(i.location.line, 1u);
    }
  }
}

// --- through the CLI --------------------------------------------------------------------------

struct RunResult {
  int exit_code;
  std::string out;
};

TEST(NarrativeCli, ValidateReportsTheFindingWithItsPlaceAndFails) {
  fs::path dir = fs::temp_directory_path() / ("silta-narrative-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "bad-narrative.json";
  {
    std::ofstream out(file);
    out << "{\n  \"resourceType\": \"Patient\",\n  \"text\": {\n    \"status\": \"generated\",\n"
           "    \"div\": \"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\"><p>x<script>a()"
           "</script></p></div>\"\n  }\n}\n";
  }
  fs::path report = dir / "out.txt";
  std::string cmd = std::string(SILTA_BINARY) + " validate " + file.string() + " > " +
                    report.string() + " 2>&1 < /dev/null";
  int status = std::system(cmd.c_str());
  auto text = ReadFile(report);
  fs::remove_all(dir);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << *text;
  // File, line and column of the div's value, the finding, and the element's FHIRPath.
  EXPECT_THAT(*text, HasSubstr("bad-narrative.json:5:12: error:")) << *text;
  EXPECT_THAT(*text, HasSubstr("<script>")) << *text;
  EXPECT_THAT(*text, HasSubstr("div/p/script")) << *text;
  EXPECT_THAT(*text, HasSubstr("[Patient.text.div]")) << *text;
}

}  // namespace
}  // namespace silta::validation
