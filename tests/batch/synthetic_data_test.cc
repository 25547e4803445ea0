// The benchmark data must be what it claims: valid R4 that the parser takes without a word,
// with test HETUs only, the same for the same seed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "formats/formats.h"
#include "support/r4.h"
#include "support/synthetic_ndjson.h"

namespace silta::bench {
namespace {

TEST(SyntheticData, HetuCheckCharacterIsComputedAsForRealOnes) {
  EXPECT_EQ(TestHetu(1952, 10, 13, 308), "131052-308T");  // the DVV's published example
  EXPECT_EQ(TestHetu(2005, 1, 2, 901).substr(6, 1), "A");
}

TEST(SyntheticData, EveryResourceParsesAsR4WithoutIssues) {
  SyntheticResources resources(7);
  std::map<std::string, int> types;
  for (int i = 0; i < 3000; ++i) {
    std::string line = resources.Next();
    ASSERT_EQ(line.find('\n'), std::string::npos);
    IssueCollector sink;
    auto doc = formats::ParseJson(line, silta::testing::R4Model(), sink);
    ASSERT_NE(doc, nullptr) << line;
    ASSERT_TRUE(sink.issues().empty()) << FormatIssue(sink.issues()[0]) << "\n" << line;
    ++types[std::string(doc->root()->name())];
    if (doc->root()->name() == "Patient") {
      std::string hetu(doc->root()->Child("identifier")->Child("value")->value());
      int individual = std::stoi(hetu.substr(7, 3));
      EXPECT_GE(individual, 900) << "only test HETUs";
    }
  }
  for (const char* type : {"Patient", "Observation", "Encounter", "EpisodeOfCare", "Organization",
                           "Practitioner", "Coverage", "Condition"}) {
    EXPECT_GT(types[type], 0) << type;
  }
}

TEST(SyntheticData, SameSeedSameBytes) {
  std::ostringstream a, b, c;
  WriteSyntheticNdjson(a, 200, 1);
  WriteSyntheticNdjson(b, 200, 1);
  WriteSyntheticNdjson(c, 200, 2);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_NE(a.str(), c.str());
}

}  // namespace
}  // namespace silta::bench
