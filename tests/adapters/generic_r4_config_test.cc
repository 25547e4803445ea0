// The generic-r4 adapter config's integer members: what atoi used to turn silently into 0 (a
// zero timeout, no attempts) is refused with the member's file:line:column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "generic-r4/adapter.h"

namespace silta::adapters {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AdapterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("silta-adapter-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Loads a config whose second line is `member` (so that it sits at line 2, column 3).
  StatusOr<AdapterConfig> Load(const std::string& member) {
    fs::path file = dir_ / "target.json";
    std::ofstream(file) << "{\"baseUrl\": \"http://127.0.0.1:1/fhir\",\n  " << member << "\n}\n";
    return LoadAdapterConfig(file);
  }
  std::string File() const { return (dir_ / "target.json").string(); }

  fs::path dir_;
};

TEST_F(AdapterConfigTest, WholeNumbersInRangeAreRead) {
  auto config = Load(R"("timeoutSeconds": 30, "maxAttempts": "7")");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->timeout_seconds, 30);
  EXPECT_EQ(config->max_attempts, 7);
  auto defaults = Load(R"("name": "county")");
  ASSERT_TRUE(defaults.ok()) << defaults.status().message();
  EXPECT_EQ(defaults->timeout_seconds, 60);
  EXPECT_EQ(defaults->max_attempts, 4);
}

TEST_F(AdapterConfigTest, GarbageIsRefusedWithItsLocation) {
  auto config = Load(R"("timeoutSeconds": "abc")");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  // Line 2, column 21: where the value starts.
  EXPECT_THAT(config.status().message(),
              HasSubstr(File() + ":2:21: \"timeoutSeconds\" must be a whole number from 1 to "
                                 "86400, not \"abc\""));
  // A number followed by text is garbage too, not its leading digits.
  auto suffixed = Load(R"("maxAttempts": "3x")");
  ASSERT_FALSE(suffixed.ok());
  EXPECT_THAT(suffixed.status().message(), HasSubstr(":2:18: \"maxAttempts\""));
  auto fraction = Load(R"("maxAttempts": 1.5)");
  EXPECT_FALSE(fraction.ok());
  auto object = Load(R"("maxAttempts": {"n": 3})");
  ASSERT_FALSE(object.ok());
  EXPECT_THAT(object.status().message(), HasSubstr("not \"a JSON object\""));
}

TEST_F(AdapterConfigTest, OverflowIsRefused) {
  auto config = Load(R"("timeoutSeconds": 99999999999999999999)");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(File() + ":2:21: \"timeoutSeconds\""));
  // In int's range but not in the member's.
  auto beyond = Load(R"("maxAttempts": 101)");
  ASSERT_FALSE(beyond.ok());
  EXPECT_THAT(beyond.status().message(), HasSubstr("from 1 to 100, not \"101\""));
}

TEST_F(AdapterConfigTest, NegativeAndZeroAreRefused) {
  auto negative = Load(R"("timeoutSeconds": -5)");
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.status().message(), HasSubstr(":2:21: \"timeoutSeconds\""));
  EXPECT_THAT(negative.status().message(), HasSubstr("not \"-5\""));
  auto zero = Load(R"("maxAttempts": 0)");
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("\"maxAttempts\" must be a whole number"));
}

TEST_F(AdapterConfigTest, EmptyIsRefused) {
  auto config = Load(R"("maxAttempts": "")");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr(File() + ":2:18: \"maxAttempts\" must be a whole number from 1 to 100, "
                                 "not \"\""));
  auto null = Load(R"("timeoutSeconds": null)");
  ASSERT_FALSE(null.ok());
  EXPECT_THAT(null.status().message(), HasSubstr("\"timeoutSeconds\" must be a whole number"));
}

}  // namespace
}  // namespace silta::adapters

namespace silta::adapters {
namespace {

// One config for every environment: the base URL from an environment variable, which must be
// set (a missing one is a config error with its location, not an empty URL).
TEST(AdapterConfigEnvTest, BaseUrlFromTheEnvironment) {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("silta-adapter-env-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "county.json";
  std::ofstream(file) << "{\"name\": \"county\",\n  \"baseUrlEnv\": \"SILTA_TEST_COUNTY_URL\"}\n";
  ::setenv("SILTA_TEST_COUNTY_URL", "http://127.0.0.1:8091/fhir", 1);
  auto config = LoadAdapterConfig(file);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->base_url, "http://127.0.0.1:8091/fhir");
  ::unsetenv("SILTA_TEST_COUNTY_URL");
  auto unset = LoadAdapterConfig(file);
  ASSERT_FALSE(unset.ok());
  EXPECT_THAT(unset.status().message(),
              HasSubstr(file.string() + ":2:17: \"baseUrlEnv\" names SILTA_TEST_COUNTY_URL, which "
                                        "is not set"));
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace silta::adapters
