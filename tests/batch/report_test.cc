#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <string>

#include "base/files.h"
#include "batch/report.h"
#include "temp_dir.h"

namespace silta::batch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Issue MakeIssue(Severity severity, std::string message, uint32_t line, std::string file) {
  Issue issue;
  issue.severity = severity;
  issue.type = IssueType::kStructure;
  issue.message_id = "TEST_RULE";
  issue.message = std::move(message);
  issue.expression = "Patient.name[0].given[1]";
  issue.location = {line, 5};
  issue.source = std::move(file);
  return issue;
}

BatchReport TwoFileReport() {
  BatchReport report;
  InputFile a{"a.json", "a.json", InputFormat::kJson, 10};
  InputFile b{"b.ndjson", "b.ndjson", InputFormat::kNdjson, 20};
  UnitResult ra;
  ra.input_index = 0;
  ra.resources = 1;
  ra.last_of_input = true;
  ra.issues.push_back(
      MakeIssue(Severity::kError, "bad <script>alert(1)</script> & more", 3, "a.json"));
  ra.issues.push_back(MakeIssue(Severity::kWarning, "odd", 4, "a.json"));
  report.Add(a, std::move(ra));
  UnitResult rb1;
  rb1.input_index = 1;
  rb1.resources = 2;
  rb1.issues.push_back(MakeIssue(Severity::kInformation, "note", 2, "b.ndjson"));
  report.Add(b, std::move(rb1));
  UnitResult rb2;
  rb2.input_index = 1;
  rb2.resources = 3;
  rb2.last_of_input = true;
  report.Add(b, std::move(rb2));
  return report;
}

TEST(BatchReport, SumsUnitsPerInput) {
  BatchReport report = TwoFileReport();
  ASSERT_EQ(report.inputs().size(), 2u);
  EXPECT_EQ(report.inputs()[1].resources, 5u);
  EXPECT_EQ(report.resources(), 6u);
  SeverityCounts totals = report.Totals();
  EXPECT_EQ(totals[static_cast<size_t>(Severity::kError)], 1u);
  EXPECT_EQ(totals[static_cast<size_t>(Severity::kWarning)], 1u);
  EXPECT_EQ(totals[static_cast<size_t>(Severity::kInformation)], 1u);
  EXPECT_EQ(ExitCodeFor(report), kExitErrors);
}

TEST(BatchReport, KeepsIssuesUpToTheLimitButCountsAll) {
  BatchReport report(1);
  UnitResult r;
  for (int i = 0; i < 3; ++i) r.issues.push_back(MakeIssue(Severity::kWarning, "w", 1, "x"));
  report.Add({"x", "x", InputFormat::kJson, 1}, std::move(r));
  EXPECT_EQ(report.inputs()[0].issues.size(), 1u);
  EXPECT_EQ(report.inputs()[0].issues_omitted, 2u);
  EXPECT_EQ(report.Totals()[static_cast<size_t>(Severity::kWarning)], 3u);
  EXPECT_EQ(ExitCodeFor(report), kExitOk);
  EXPECT_THAT(RenderOperationOutcomes(report), HasSubstr("BATCH_ISSUES_OMITTED"));
}

TEST(OperationOutcomeReport, OneInputIsOneOutcome) {
  BatchReport report;
  UnitResult r;
  r.issues.push_back(MakeIssue(Severity::kError, "bad", 3, "a.json"));
  report.Add({"a.json", "a.json", InputFormat::kJson, 1}, std::move(r));
  rapidjson::Document doc;
  std::string json = RenderOperationOutcomes(report);
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError());
  EXPECT_STREQ(doc["resourceType"].GetString(), "OperationOutcome");
  const auto& issue = doc["issue"][0];
  EXPECT_STREQ(issue["location"][0].GetString(), "line 3, col 5");
}

TEST(OperationOutcomeReport, SeveralInputsMakeABundleOfOutcomesWithTheFullIssueShape) {
  std::string json = RenderOperationOutcomes(TwoFileReport());
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  EXPECT_STREQ(doc["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(doc["type"].GetString(), "collection");
  ASSERT_EQ(doc["entry"].Size(), 2u);
  const auto& first = doc["entry"][0]["resource"];
  EXPECT_STREQ(first["resourceType"].GetString(), "OperationOutcome");
  EXPECT_STREQ(first["extension"][0]["url"].GetString(),
               "http://hl7.org/fhir/StructureDefinition/operationoutcome-file");
  EXPECT_STREQ(first["extension"][0]["valueString"].GetString(), "a.json");
  const auto& issue = first["issue"][0];
  EXPECT_STREQ(issue["severity"].GetString(), "error");
  EXPECT_STREQ(issue["code"].GetString(), "structure");
  EXPECT_STREQ(issue["details"]["text"].GetString(), "bad <script>alert(1)</script> & more");
  EXPECT_STREQ(issue["expression"][0].GetString(), "Patient.name[0].given[1]");
  EXPECT_STREQ(issue["location"][0].GetString(), "line 3, col 5");
  bool has_message_id = false;
  for (const auto& ext : issue["extension"].GetArray()) {
    has_message_id =
        has_message_id || (std::string(ext["url"].GetString()).ends_with("message-id") &&
                           std::string(ext["valueString"].GetString()) == "TEST_RULE");
  }
  EXPECT_TRUE(has_message_id);
  // An input without issues still has a valid outcome.
  EXPECT_STREQ(doc["entry"][1]["resource"]["issue"][0]["severity"].GetString(), "information");
}

TEST(TextReport, ListsFilesThenIssuesThenTotals) {
  std::string text = RenderTextReport(TwoFileReport());
  EXPECT_THAT(text, HasSubstr("a.json: 1 resource, 1 error, 1 warning, 0 notes\n"));
  EXPECT_THAT(text, HasSubstr("b.ndjson: 5 resources, 0 errors, 0 warnings, 1 note\n"));
  EXPECT_THAT(text, HasSubstr("a.json:3:5: error: bad <script>alert(1)</script> & more "
                              "[Patient.name[0].given[1]]\n"));
  EXPECT_THAT(text, HasSubstr("2 files, 6 resources: 1 error, 1 warning, 1 note; 1 file with "
                              "errors\n"));
  EXPECT_LT(text.find("b.ndjson: 5"), text.find("a.json:3:5"));
}

TEST(HtmlReport, ShowsTheCountsAndEscapesEverything) {
  BatchReport report = TwoFileReport();
  report.info().profiles = {"http://example.org/<b>"};
  std::string html = RenderHtmlReport(report);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("id=total-files><b>2</b>"));
  EXPECT_THAT(html, HasSubstr("id=total-resources><b>6</b>"));
  EXPECT_THAT(html, HasSubstr("id=total-error><b>1</b>"));
  EXPECT_THAT(html, HasSubstr("id=total-warning><b>1</b>"));
  EXPECT_THAT(html, HasSubstr("bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("http://example.org/&lt;b&gt;"));
  // Grouped by rule and by element (repetition indexes dropped).
  EXPECT_THAT(html, HasSubstr("id=by-rule"));
  EXPECT_THAT(html, HasSubstr("<code>Patient.name.given</code>"));
  // Self-contained: no external scripts, styles or images.
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
}

TEST(HtmlReport, GroupsIssuesByProfile) {
  BatchReport report;
  UnitResult r;
  Issue from_profile = MakeIssue(Severity::kError, "too few names", 2, "a.json");
  from_profile.profile = "https://silta.example.fi/fhir/StructureDefinition/silta-patient";
  r.issues.push_back(from_profile);
  r.issues.push_back(MakeIssue(Severity::kWarning, "base rule", 4, "a.json"));
  report.Add({"a.json", "a.json", InputFormat::kJson, 1}, std::move(r));
  std::string html = RenderHtmlReport(report);
  size_t table = html.find("id=by-profile");
  ASSERT_NE(table, std::string::npos);
  std::string_view rest =
      std::string_view(html).substr(table, html.find("</table>", table) - table);
  EXPECT_THAT(std::string(rest),
              HasSubstr("<code>https://silta.example.fi/fhir/StructureDefinition/silta-patient"));
  EXPECT_THAT(std::string(rest), HasSubstr("<code>Patient (base definition)</code>"));
  EXPECT_THAT(html, HasSubstr(">silta-patient</td>"));
}

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(WriteReport, ReplacesTheFileAtomicallyAndLeavesNoTemporaries) {
  testing::TempDir dir;
  auto path = dir.path() / "outcome.json";
  ASSERT_TRUE(WriteReport(path, "first").ok());
  ASSERT_TRUE(WriteReport(path, RenderOperationOutcomes(TwoFileReport())).ok());
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("\"Bundle\""));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  EXPECT_FALSE(WriteReport(dir.path() / "missing" / "r.html", "x").ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace
}  // namespace silta::batch
