#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "base/base.h"

namespace silta {
namespace {

using ::testing::HasSubstr;

StatusOr<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgumentError(std::to_string(n) + " is odd");
  return n / 2;
}

Status Quarter(int n, int* out) {
  SILTA_ASSIGN_OR_RETURN(int half, Half(n));
  SILTA_ASSIGN_OR_RETURN(*out, Half(half));
  return Status::Ok();
}

TEST(Status, PropagatesErrorsAndValues) {
  int q = 0;
  EXPECT_TRUE(Quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = Quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "3 is odd");
  EXPECT_EQ(s.Annotate("quartering").ToString(), "INVALID_ARGUMENT: quartering: 3 is odd");
}

TEST(LineIndex, MapsOffsetsToLinesAndColumns) {
  LineIndex index("ab\ncde\n\nf");
  EXPECT_EQ(index.Locate(0).line, 1u);
  EXPECT_EQ(index.Locate(1).column, 2u);
  EXPECT_EQ(index.Locate(3).line, 2u);
  EXPECT_EQ(index.Locate(3).column, 1u);
  EXPECT_EQ(index.Locate(8).line, 4u);
}

TEST(Files, WritesAtomicallyAndReadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("silta-files-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "out.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two").ok());
  EXPECT_EQ(*ReadFile(path), "two");
  // Only the target remains: no temporary files left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_EQ(ReadFile(dir / "missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadFile(dir).status().code(), StatusCode::kIoError);
  EXPECT_FALSE(WriteFileAtomically(dir / "no" / "such" / "dir", "x").ok());
  std::filesystem::remove_all(dir);
}

TEST(Issues, BecomeAnOperationOutcome) {
  Issue issue;
  issue.severity = Severity::kError;
  issue.type = IssueType::kStructure;
  issue.message_id = "JSON_UNKNOWN_ELEMENT";
  issue.message = "unknown element 'x'";
  issue.expression = "Patient.name[0]";
  issue.location = {3, 7};
  issue.source = "p.json";
  std::string json = ToOperationOutcomeJson({issue}, false);
  EXPECT_THAT(json, HasSubstr(R"("resourceType":"OperationOutcome")"));
  EXPECT_THAT(json, HasSubstr(R"("severity":"error","code":"structure")"));
  EXPECT_THAT(json, HasSubstr(R"("expression":["Patient.name[0]"])"));
  EXPECT_THAT(json, HasSubstr(R"("location":["p.json line 3, col 7"])"));
  EXPECT_THAT(ToOperationOutcomeJson({}, false), HasSubstr("All OK"));
  EXPECT_EQ(FormatIssue(issue), "p.json:3:7: error: unknown element 'x' [Patient.name[0]]");
}

TEST(Issues, OutcomeForOneFileNamesTheFileOnceAndCarriesLineColumnExtensions) {
  Issue issue;
  issue.message_id = "X_ID";
  issue.message = "m";
  issue.location = {3, 7};
  issue.source = "p.json";
  OutcomeOptions options;
  options.pretty = false;
  options.source_in_location = false;
  options.line_column_extensions = true;
  options.file = "p.json";
  std::string json = ToOperationOutcomeJson({issue}, options);
  EXPECT_THAT(json, HasSubstr(R"("location":["line 3, col 7"])"));
  EXPECT_THAT(json, HasSubstr("operationoutcome-file\",\"valueString\":\"p.json\""));
  EXPECT_THAT(json, HasSubstr("operationoutcome-issue-line\",\"valueInteger\":3"));
  EXPECT_THAT(json, HasSubstr("operationoutcome-issue-col\",\"valueInteger\":7"));
  EXPECT_THAT(json, HasSubstr("operationoutcome-message-id\",\"valueString\":\"X_ID\""));
}

}  // namespace
}  // namespace silta

namespace silta {

// The word-at-a-time paths must agree with the byte-by-byte rules at every position, including
// the bytes a final overlapping word reads twice.
TEST(Text, Utf8AndControlCharactersAtEveryPosition) {
  for (size_t length = 0; length <= 20; ++length) {
    std::string ascii(length, 'a');
    EXPECT_TRUE(IsValidUtf8(ascii));
    EXPECT_EQ(FindControlCharacter(ascii), std::string_view::npos);
    for (size_t at = 0; at < length; ++at) {
      std::string text = ascii;
      text[at] = '\x01';
      EXPECT_EQ(FindControlCharacter(text), at) << length << " " << at;
      for (char allowed : {'\t', '\n', '\r', '\x7f'}) {
        text[at] = allowed;
        EXPECT_EQ(FindControlCharacter(text), std::string_view::npos);
      }
      text[at] = '\xff';  // never in UTF-8
      size_t bad = 99;
      EXPECT_FALSE(IsValidUtf8(text, &bad));
      EXPECT_EQ(bad, at);
    }
  }
  EXPECT_TRUE(IsValidUtf8("Jyväskylä, Åland ja Föglö"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));                    // cut short
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80 surrogate"));  // U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));        // above U+10FFFF
}

// "Did you mean": Levenshtein distance (kitten → sitting is the textbook 3) and the one near
// candidate, never a far or ambiguous one.
TEST(Suggest, NearestNameIsTheOnlyCloseCandidate) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  std::vector<std::string> fields = {"kind", "validity", "permitNumber"};
  EXPECT_EQ(NearestName("permitNumbr", fields), "permitNumber");
  EXPECT_EQ(NearestName("valdity", fields), "validity");
  EXPECT_EQ(NearestName("address", fields), std::nullopt);
  EXPECT_EQ(NearestName("kind", fields), std::nullopt);
  std::vector<std::string> tie = {"code", "mode"};
  EXPECT_EQ(NearestName("xode", tie), std::nullopt);
}

}  // namespace silta
