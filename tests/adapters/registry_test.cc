// The adapter registry: a config's "kind" picks the adapter, "generic-r4" when it names none,
// and an unknown kind is refused naming the kinds this build has.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "adapters.h"

namespace silta::adapters {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("silta-registry-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path Write(const std::string& text) {
    fs::path file = dir_ / "target.json";
    std::ofstream(file) << text;
    return file;
  }
  fs::path dir_;
};

TEST_F(RegistryTest, KindPicksTheAdapterAndDefaultsToGenericR4) {
  ASSERT_FALSE(AdapterKinds().empty());
  EXPECT_EQ(AdapterKinds().front().name, "generic-r4");
  // Nothing listens on port 9: opening without the capability check still gives a connection.
  OpenOptions later;
  later.check_capabilities_now = false;
  for (const char* config : {R"({"baseUrl": "http://127.0.0.1:9/fhir"})",
                             R"({"kind": "generic-r4", "baseUrl": "http://127.0.0.1:9/fhir"})"}) {
    auto connection = OpenConnection(Write(config), later);
    ASSERT_TRUE(connection.ok()) << connection.status().message();
    // The deferred check is made on request, and fails against a dead port.
    EXPECT_FALSE((*connection)->CheckCapabilities().ok());
  }
}

TEST_F(RegistryTest, AnUnknownKindNamesTheKindsThereAre) {
  auto connection =
      OpenConnection(Write(R"({"kind": "hl7-v2", "baseUrl": "http://127.0.0.1:9/fhir"})"));
  ASSERT_FALSE(connection.ok());
  EXPECT_THAT(connection.status().message(),
              HasSubstr("no adapter of kind \"hl7-v2\" (this build has: generic-r4, kanta-phr)"));
}

TEST_F(RegistryTest, TheCapabilityCheckRunsWhileOpeningByDefault) {
  auto connection = OpenConnection(Write(R"({"baseUrl": "http://127.0.0.1:9/fhir",
                                             "timeoutSeconds": 2, "maxAttempts": 1})"));
  EXPECT_FALSE(connection.ok());
  auto unchecked = OpenConnection(Write(R"({"baseUrl": "http://127.0.0.1:9/fhir",
                                            "checkCapabilities": false})"));
  ASSERT_TRUE(unchecked.ok()) << unchecked.status().message();
  EXPECT_TRUE((*unchecked)->CheckCapabilities().ok());
}

}  // namespace
}  // namespace silta::adapters
