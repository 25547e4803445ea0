#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "batch/inputs.h"
#include "temp_dir.h"

namespace silta::batch {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Names(const std::vector<InputFile>& inputs, const std::string& prefix) {
  std::vector<std::string> names;
  for (const InputFile& input : inputs) {
    std::string name = input.name;
    if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    names.push_back(name + ":" + std::string(InputFormatName(input.format)));
  }
  return names;
}

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("b.json", "{}");
    dir_.Write("a.xml", "<Patient/>");
    dir_.Write("notes.txt", "not a resource");
    dir_.Write("sub/c.ndjson", "{}\n");
    dir_.Write("sub/deeper/d.jsonl", "{}\n");
    dir_.Write("sub/deeper/e.JSON", "{}");
    dir_.Write(".hidden/f.json", "{}");
    dir_.Write("sub/.g.json", "{}");
    root_ = dir_.path().string() + "/";
  }
  testing::TempDir dir_;
  std::string root_;
};

TEST_F(DiscoveryTest, FolderIsWalkedRecursivelyInSortedOrderSkippingHiddenAndUnknownFiles) {
  std::vector<std::string> args = {dir_.path().string()};
  auto inputs = DiscoverInputs(args);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_THAT(Names(*inputs, root_),
              ElementsAre("a.xml:xml", "b.json:json", "sub/c.ndjson:ndjson",
                          "sub/deeper/d.jsonl:ndjson", "sub/deeper/e.JSON:json"));
  EXPECT_EQ((*inputs)[1].size_bytes, 2u);
}

TEST_F(DiscoveryTest, GlobsMatchOneFolderOrAnyDepthWithDoubleStar) {
  std::vector<std::string> one = {root_ + "*.json"};
  auto inputs = DiscoverInputs(one);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_THAT(Names(*inputs, root_), ElementsAre("b.json:json"));

  std::vector<std::string> deep = {root_ + "**/*.ndjson", root_ + "sub/**/*.jsonl"};
  inputs = DiscoverInputs(deep);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_THAT(Names(*inputs, root_),
              ElementsAre("sub/c.ndjson:ndjson", "sub/deeper/d.jsonl:ndjson"));
}

TEST_F(DiscoveryTest, ArgumentsKeepTheirOrderAndEachFileAppearsOnce) {
  std::vector<std::string> args = {root_ + "sub/c.ndjson", dir_.path().string(), root_ + "b.json"};
  auto inputs = DiscoverInputs(args);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_THAT(Names(*inputs, root_),
              ElementsAre("sub/c.ndjson:ndjson", "a.xml:xml", "b.json:json",
                          "sub/deeper/d.jsonl:ndjson", "sub/deeper/e.JSON:json"));
}

TEST_F(DiscoveryTest, AnExplicitFileWithAnUnknownExtensionIsSniffed) {
  dir_.Write("export.fhir", "  \n<Bundle xmlns=\"http://hl7.org/fhir\"/>");
  std::vector<std::string> args = {root_ + "export.fhir"};
  auto inputs = DiscoverInputs(args);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_THAT(Names(*inputs, root_), ElementsAre("export.fhir:xml"));

  std::vector<std::string> text = {root_ + "notes.txt"};
  EXPECT_EQ(DiscoverInputs(text).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DiscoveryTest, ArgumentsThatMatchNothingAreUsageErrors) {
  std::vector<std::string> missing = {root_ + "missing.json"};
  EXPECT_EQ(DiscoverInputs(missing).status().code(), StatusCode::kNotFound);
  std::vector<std::string> no_match = {root_ + "*.xml.gz"};
  EXPECT_EQ(DiscoverInputs(no_match).status().code(), StatusCode::kNotFound);
  std::vector<std::string> no_folder = {root_ + "nowhere/*.json"};
  EXPECT_EQ(DiscoverInputs(no_folder).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(DiscoverInputs({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(GlobMatches, DoubleStarSpansFoldersButNotHiddenOnes) {
  EXPECT_TRUE(GlobMatches("**/*.json", "a.json"));
  EXPECT_TRUE(GlobMatches("**/*.json", "x/y/a.json"));
  EXPECT_FALSE(GlobMatches("**/*.json", "x/.git/a.json"));
  EXPECT_FALSE(GlobMatches("*.json", "x/a.json"));
  EXPECT_FALSE(GlobMatches("*.json", ".a.json"));
  EXPECT_TRUE(GlobMatches("data/p[0-9].xml", "data/p7.xml"));
  EXPECT_TRUE(GlobMatches("a/**/b/*.ndjson", "a/b/c.ndjson"));
  EXPECT_TRUE(GlobMatches("a/**/b/*.ndjson", "a/x/y/b/c.ndjson"));
}

TEST(InputFormat, ComesFromTheExtension) {
  EXPECT_EQ(InputFormatFromPath("a.ndjson"), InputFormat::kNdjson);
  EXPECT_EQ(InputFormatFromPath("a.JSONL"), InputFormat::kNdjson);
  EXPECT_EQ(InputFormatFromPath("a.Xml"), InputFormat::kXml);
  EXPECT_EQ(InputFormatFromPath("a.json"), InputFormat::kJson);
  EXPECT_EQ(InputFormatFromPath("a.txt"), std::nullopt);
}

}  // namespace
}  // namespace silta::batch
