#include "records/records.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/files.h"

namespace silta::records {
namespace {

namespace fs = std::filesystem;

const fs::path kExamples = SILTA_RECORDS_EXAMPLES;
const fs::path kBad = SILTA_RECORDS_BAD;

std::string Load(const fs::path& path) {
  auto text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << path << ": " << text.status().message();
  return text.ok() ? *text : std::string();
}

Format FormatOf(const fs::path& path) {
  return path.extension() == ".xml" ? Format::kXml : Format::kJson;
}

std::string Describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) out += FormatIssue(i) + "\n";
  return out;
}

std::vector<fs::path> Files(const fs::path& dir, std::initializer_list<std::string_view> exts) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string ext = entry.path().extension().string();
    if (std::find(exts.begin(), exts.end(), ext) != exts.end()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ClientRecord ReadOk(std::string_view text, Format format, const std::string& what) {
  IssueCollector issues;
  auto record = Read(text, format, issues, {.source_name = what});
  EXPECT_TRUE(record.has_value()) << what << "\n" << Describe(issues.issues());
  EXPECT_TRUE(issues.issues().empty()) << what << "\n" << Describe(issues.issues());
  return record.value_or(ClientRecord{});
}

TEST(Examples, ThereAreEnoughOfThemInBothFormats) {
  auto json = Files(kExamples, {".json"});
  auto xml = Files(kExamples, {".xml"});
  EXPECT_GE(json.size() + xml.size(), 12u);
  EXPECT_GE(xml.size(), 4u);
}

TEST(Examples, EveryCoverageKindAndEveryPartOccurs) {
  std::vector<bool> kinds(EnumTraits<CoverageKind>::kCodes.size(), false);
  ClientRecord all;
  for (const fs::path& path : Files(kExamples, {".json", ".xml"})) {
    ClientRecord r = ReadOk(Load(path), FormatOf(path), path.string());
    for (const Coverage& c : r.coverages) kinds[static_cast<size_t>(c.kind)] = true;
    auto append = [](auto& into, const auto& from) {
      into.insert(into.end(), from.begin(), from.end());
    };
    append(all.contact_details, r.contact_details);
    append(all.payment_contacts, r.payment_contacts);
    append(all.education, r.education);
    append(all.related_persons, r.related_persons);
    append(all.professionals, r.professionals);
    append(all.customerships, r.customerships);
    append(all.producer_choice, r.producer_choice);
    append(all.plans, r.plans);
    append(all.consents, r.consents);
    append(all.functional_ability, r.functional_ability);
    append(all.guidance, r.guidance);
    append(all.communications, r.communications);
    append(all.client_fees, r.client_fees);
    if (r.occupation) all.occupation = r.occupation;
    if (r.residence_permit) all.residence_permit = r.residence_permit;
    if (r.service_use_level) all.service_use_level = r.service_use_level;
    if (r.non_disclosure) all.non_disclosure = r.non_disclosure;
  }
  for (size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_TRUE(kinds[i]) << "no example has a coverage of kind "
                          << EnumTraits<CoverageKind>::kCodes[i];
  }
  EXPECT_FALSE(all.contact_details.empty());
  EXPECT_FALSE(all.payment_contacts.empty());
  EXPECT_FALSE(all.education.empty());
  EXPECT_FALSE(all.related_persons.empty());
  EXPECT_FALSE(all.professionals.empty());
  EXPECT_FALSE(all.customerships.empty());
  EXPECT_FALSE(all.producer_choice.empty());
  EXPECT_FALSE(all.plans.empty());
  EXPECT_FALSE(all.consents.empty());
  EXPECT_FALSE(all.functional_ability.empty());
  EXPECT_FALSE(all.guidance.empty());
  EXPECT_FALSE(all.communications.empty());
  EXPECT_FALSE(all.client_fees.empty());
  EXPECT_TRUE(all.occupation && all.residence_permit && all.service_use_level &&
              all.non_disclosure);
}

std::string TestName(const ::testing::TestParamInfo<fs::path>& param) {
  std::string name = param.param.filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ExampleRoundTrip : public ::testing::TestWithParam<fs::path> {};

TEST_P(ExampleRoundTrip, SameFormatAndOtherFormat) {
  const fs::path& path = GetParam();
  Format format = FormatOf(path);
  Format other = format == Format::kJson ? Format::kXml : Format::kJson;
  ClientRecord first = ReadOk(Load(path), format, path.string());

  // model → same format → model: identity; and the canonical text is a fixed point.
  std::string canonical = Write(first, format);
  ClientRecord again = ReadOk(canonical, format, path.string() + " (rewritten)");
  EXPECT_TRUE(again == first) << canonical;
  EXPECT_EQ(Write(again, format), canonical);

  // model → other format → model: the same record.
  std::string converted = Write(first, other);
  ClientRecord crossed = ReadOk(converted, other, path.string() + " (converted)");
  EXPECT_TRUE(crossed == first) << converted;
  EXPECT_TRUE(RecordsEqual(crossed, first));
  // ...and back to the original format, byte for byte canonical.
  EXPECT_EQ(Write(crossed, format), canonical);

  // Compact output reads back the same.
  ClientRecord compact =
      ReadOk(Write(first, format, {.pretty = false}), format, path.string() + " (compact)");
  EXPECT_TRUE(compact == first);
}

INSTANTIATE_TEST_SUITE_P(Records, ExampleRoundTrip,
                         ::testing::ValuesIn(Files(kExamples, {".json", ".xml"})), TestName);

TEST(Ndjson, ReadsEveryLineWithItsLineNumber) {
  std::string text = Load(kExamples / "batch.ndjson");
  IssueCollector issues;
  auto entries = ReadNdjson(text, issues);
  ASSERT_EQ(entries.size(), 3u) << Describe(issues.issues());
  EXPECT_TRUE(issues.issues().empty()) << Describe(issues.issues());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].line, i + 1);
    EXPECT_TRUE(entries[i].record.has_value());
  }
  std::vector<ClientRecord> records;
  for (auto& e : entries) records.push_back(*e.record);
  EXPECT_EQ(WriteNdjson(records), text);
}

TEST(Ndjson, ABadLineRejectsOnlyItsRecordAndIssuesCarryItsLine) {
  std::string minimal = Load(kExamples / "minimal.json");
  IssueCollector issues;
  ClientRecord record = ReadOk(minimal, Format::kJson, "minimal");
  std::string good = WriteJson(record, {.pretty = false});
  std::string bad = good;
  bad.replace(bad.find("\"clientId\""), 10, "\"clientID\"");
  std::string text = good + "\n\n" + bad + "\n" + good + "\n";
  auto entries = ReadNdjson(text, issues);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].line, 1u);
  EXPECT_EQ(entries[1].line, 3u);
  EXPECT_EQ(entries[2].line, 4u);
  EXPECT_TRUE(entries[0].record && !entries[1].record && entries[2].record);
  auto list = issues.Take();
  ASSERT_EQ(list.size(), 2u) << Describe(list);
  for (const Issue& i : list) EXPECT_EQ(i.location.line, 3u) << FormatIssue(i);
  EXPECT_EQ(list[0].message_id, "RECORD_MISSING_FIELD");
  EXPECT_EQ(list[0].expression, "$.clientId");
  EXPECT_EQ(list[1].message_id, "RECORD_UNKNOWN_FIELD");
  EXPECT_EQ(list[1].expression, "$.clientID");
  EXPECT_EQ(list[1].location.column, bad.find("\"clientID\"") + 1);
}

// ---- bad records ------------------------------------------------------------------------------
// Each tests/records/testdata/bad/<name>.(json|xml) breaks one rule; <name>.expected lists the
// problems exactly: "MESSAGE_ID path line:column" per line.

class BadRecord : public ::testing::TestWithParam<fs::path> {};

TEST_P(BadRecord, RejectedWithExactlyTheExpectedProblems) {
  const fs::path& path = GetParam();
  fs::path expected_path = path;
  expected_path.replace_extension(".expected");
  std::vector<std::string> expected;
  {
    std::istringstream in(Load(expected_path));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') expected.push_back(line);
    }
  }
  IssueCollector issues;
  auto record = Read(Load(path), FormatOf(path), issues);
  EXPECT_FALSE(record.has_value());
  std::vector<std::string> actual;
  for (const Issue& i : issues.issues()) {
    actual.push_back(i.message_id + " " + i.expression + " " + std::to_string(i.location.line) +
                     ":" + std::to_string(i.location.column));
    EXPECT_EQ(i.severity, Severity::kError);
    EXPECT_FALSE(i.message.empty());
  }
  std::string listed;
  for (const std::string& line : actual) listed += line + "\n";
  EXPECT_EQ(actual, expected) << "actual problems:\n" << listed << Describe(issues.issues());
}

INSTANTIATE_TEST_SUITE_P(Records, BadRecord, ::testing::ValuesIn(Files(kBad, {".json", ".xml"})),
                         TestName);

TEST(BadRecords, MessagesNeverQuoteTheRecord) {
  for (const fs::path& path : Files(kBad, {".json", ".xml"})) {
    IssueCollector issues;
    (void)Read(Load(path), FormatOf(path), issues);
    for (const Issue& i : issues.issues()) {
      for (const char* secret : {"Virtanen", "Aino", "150386"}) {
        EXPECT_EQ(i.message.find(secret), std::string::npos) << FormatIssue(i);
      }
    }
  }
}

// ---- equality and validation ------------------------------------------------------------------

TEST(Equality, ArraysAreUnorderedExceptGivenNamesAndAddressLines) {
  ClientRecord a = ReadOk(Load(kExamples / "aino-virtanen.json"), Format::kJson, "aino");
  ClientRecord b = a;
  std::reverse(b.contact_details.begin(), b.contact_details.end());
  std::reverse(b.customerships[0].team_professionals.begin(),
               b.customerships[0].team_professionals.end());
  std::reverse(b.identifiers.begin(), b.identifiers.end());
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(RecordsEqual(a, b));
  EXPECT_EQ(EqualityKey(a), EqualityKey(b));

  ClientRecord c = a;
  std::reverse(c.name->given.begin(), c.name->given.end());
  EXPECT_FALSE(RecordsEqual(a, c));

  ClientRecord d = a;
  d.coverages[0].amount->amount = "32.51";
  EXPECT_FALSE(RecordsEqual(a, d));
}

TEST(Validate, ARecordBuiltInCode) {
  ClientRecord r;
  r.client_id = "X-1";
  r.county = {"urn:oid:1.2.246.537.6.21", "286", std::nullopt};
  r.updated_at = {"2026-01-01T00:00:00Z"};
  r.identifiers.push_back({IdentifierType::kHetu, "010190-999W", std::nullopt});
  IssueCollector ok;
  EXPECT_TRUE(Validate(r, ok)) << Describe(ok.issues());

  r.identifiers[0].value = "010190-999X";
  Customership cs;
  cs.id = "cs1";
  cs.service = {"urn:oid:1.2.246.537.6.1221", "SPAT1234", std::nullopt};
  cs.contact_professionals.push_back("nobody");
  r.customerships.push_back(cs);
  IssueCollector bad;
  EXPECT_FALSE(Validate(r, bad));
  auto list = bad.Take();
  ASSERT_EQ(list.size(), 2u) << Describe(list);
  EXPECT_EQ(list[0].message_id, "HETU_CHECK_CHARACTER");
  EXPECT_EQ(list[0].expression, "$.identifiers[0].value");
  EXPECT_EQ(list[1].message_id, "RECORD_DANGLING_REFERENCE");
  EXPECT_EQ(list[1].expression, "$.customerships[0].contactProfessionals[0]");
  EXPECT_FALSE(list[1].location.known());
}

TEST(Json, TextThatXmlCannotCarryIsRejected) {
  ClientRecord base = ReadOk(Load(kExamples / "minimal.json"), Format::kJson, "minimal");
  std::string good = WriteJson(base, {.pretty = false});
  for (const char* bad : {"MIN\\u0001", "MIN\\r1", "MIN\\uFFFF", "MIN\\uDC00", " "}) {
    std::string text = good;
    text.replace(text.find("MIN-1"), 5, bad);
    IssueCollector issues;
    EXPECT_FALSE(ReadJson(text, issues)) << bad;
    ASSERT_EQ(issues.issues().size(), 1u) << bad << "\n" << Describe(issues.issues());
    EXPECT_EQ(issues.issues()[0].expression, "$.clientId");
  }
}

TEST(Xml, NamespaceAndRootAreChecked) {
  IssueCollector issues;
  EXPECT_FALSE(ReadXml("<clientRecord><clientId>1</clientId></clientRecord>", issues));
  ASSERT_EQ(issues.issues().size(), 1u);
  EXPECT_EQ(issues.issues()[0].message_id, "RECORD_XML_ROOT");
}

TEST(Xml, DoctypeIsRefused) {
  IssueCollector issues;
  EXPECT_FALSE(
      ReadXml("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"x\">]><clientRecord "
              "xmlns=\"urn:silta:client-record:1\"/>",
              issues));
  ASSERT_EQ(issues.issues().size(), 1u);
  EXPECT_EQ(issues.issues()[0].message_id, "RECORD_XML_DTD");
}

TEST(Json, MalformedJsonIsOneProblemWithItsPosition) {
  IssueCollector issues;
  EXPECT_FALSE(ReadJson("{\n  \"clientId\": \"x\",\n  oops\n}", issues));
  ASSERT_EQ(issues.issues().size(), 1u);
  EXPECT_EQ(issues.issues()[0].message_id, "RECORD_SYNTAX");
  EXPECT_EQ(issues.issues()[0].location.line, 3u);
}

}  // namespace
}  // namespace silta::records
