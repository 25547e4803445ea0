// The terminology service over the real R4 core package: representative bindings, and every
// ValueSet of the package expanded to show that each outcome has a reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "packages/packages.h"
#include "support/r4.h"
#include "terminology/terminology.h"

namespace silta::terminology {
namespace {

class R4TerminologyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto package = packages::Package::Load(silta::testing::R4PackageDir());
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    context_ = new std::shared_ptr<const packages::ConformanceContext>(
        packages::ConformanceContext::FromPackages({*package}));
    service_ = new TerminologyService(*context_);
  }
  static void TearDownTestSuite() {
    delete service_;
    delete context_;
  }

  static Validity Check(std::string_view vs, std::string_view system, std::string_view code) {
    auto result = service_->ValidateCode(vs, system, code);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return Validity::kCannotTell;
    return result->validity;
  }

  static std::shared_ptr<const packages::ConformanceContext>* context_;
  static TerminologyService* service_;
};

std::shared_ptr<const packages::ConformanceContext>* R4TerminologyTest::context_ = nullptr;
TerminologyService* R4TerminologyTest::service_ = nullptr;

constexpr std::string_view kV3ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

TEST_F(R4TerminologyTest, AdministrativeGender) {
  constexpr std::string_view kVs = "http://hl7.org/fhir/ValueSet/administrative-gender";
  EXPECT_EQ(Check(kVs, "http://hl7.org/fhir/administrative-gender", "female"), Validity::kValid);
  EXPECT_EQ(Check(kVs, "", "female"), Validity::kValid);  // Patient.gender is a bare code
  EXPECT_EQ(Check(kVs, "", "F"), Validity::kInvalid);
  EXPECT_EQ(Check("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1", "", "male"),
            Validity::kValid);
}

TEST_F(R4TerminologyTest, ObservationStatusRejectsDone) {
  EXPECT_EQ(Check("http://hl7.org/fhir/ValueSet/observation-status", "", "final"),
            Validity::kValid);
  auto done = service_->ValidateCode("http://hl7.org/fhir/ValueSet/observation-status", "", "done");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->validity, Validity::kInvalid);
  EXPECT_FALSE(done->message.empty());
}

TEST_F(R4TerminologyTest, MaritalStatusWithNullFlavor) {
  constexpr std::string_view kVs = "http://hl7.org/fhir/ValueSet/marital-status";
  EXPECT_EQ(Check(kVs, "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "M"),
            Validity::kValid);
  EXPECT_EQ(Check(kVs, "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "UNK"),
            Validity::kValid);
  EXPECT_EQ(Check(kVs, "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "NI"),
            Validity::kInvalid);
  auto display = service_->ValidateCode(
      kVs, "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "M", "Married");
  ASSERT_TRUE(display.ok());
  EXPECT_FALSE(display->display_mismatch);
}

TEST_F(R4TerminologyTest, SnomedValueSetIsUnknownSystem) {
  constexpr std::string_view kVs = "http://hl7.org/fhir/ValueSet/condition-code";
  EXPECT_EQ(Check(kVs, "http://snomed.info/sct", "22298006"), Validity::kUnknownSystem);
  // The explicit SNOMED code listed by the value set is known to be in it.
  EXPECT_EQ(Check(kVs, "http://snomed.info/sct", "160245001"), Validity::kValid);
}

TEST_F(R4TerminologyTest, Languages) {
  EXPECT_EQ(Check("http://hl7.org/fhir/ValueSet/languages", "urn:ietf:bcp:47", "fi"),
            Validity::kValid);
  EXPECT_EQ(Check("http://hl7.org/fhir/ValueSet/all-languages", "urn:ietf:bcp:47", "fi-FI"),
            Validity::kUnknownSystem);
  EXPECT_EQ(Check("http://hl7.org/fhir/ValueSet/mimetypes", "urn:ietf:bcp:13", "text/plain"),
            Validity::kUnknownSystem);
}

TEST_F(R4TerminologyTest, V3IsAFilterWithExclude) {
  constexpr std::string_view kVs = "http://terminology.hl7.org/ValueSet/v3-ActEncounterCode";
  EXPECT_EQ(Check(kVs, kV3ActCode, "AMB"), Validity::kValid);
  EXPECT_EQ(Check(kVs, kV3ActCode, "EMER"), Validity::kValid);
  EXPECT_EQ(Check(kVs, kV3ActCode, "_ActEncounterCode"), Validity::kInvalid);  // excluded
  EXPECT_EQ(Check(kVs, kV3ActCode, "CASH"), Validity::kInvalid);               // another branch
  EXPECT_EQ(*service_->Subsumes(kV3ActCode, "_ActAccountCode", "CASH"), Subsumption::kSubsumes);
  EXPECT_EQ(service_->LookupDisplay(kV3ActCode, "AMB"), "ambulatory");
}

TEST_F(R4TerminologyTest, RepeatedMembershipTestsAgree) {
  constexpr std::string_view kVs = "http://hl7.org/fhir/ValueSet/c80-doc-typecodes";
  ASSERT_TRUE(service_->ValidateCode(kVs, "http://loinc.org", "11488-4").ok());
  constexpr int kRounds = 10'000;
  int valid = 0;
  for (int i = 0; i < kRounds; ++i) {
    auto result = service_->ValidateCode(kVs, "http://loinc.org", i % 2 ? "11488-4" : "nope");
    valid += result.ok() && result->valid();
  }
  EXPECT_EQ(valid, kRounds / 2);
}

TEST_F(R4TerminologyTest, ConcurrentExpansionOfEverything) {
  // A fresh service so every expansion is a first one; threads walk the value sets in different
  // orders so imports are computed from every direction.
  TerminologyService fresh(*context_);
  auto value_sets = fresh.context().AllOfType("ValueSet");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < value_sets.size(); ++i) {
        size_t k = t % 2 == 0 ? i : value_sets.size() - 1 - i;
        const packages::ResourceRef& ref = value_sets[(k + t * 97) % value_sets.size()];
        auto result = fresh.ValidateCode(ref.entry->url + "|" + ref.entry->version, "", "x");
        if (!result.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(R4TerminologyTest, ExpandEveryValueSet) {
  std::map<ExpansionOutcome, int> outcomes;
  std::map<std::string, int> unknown_systems;
  int errors = 0;
  int with_notes = 0;
  size_t largest = 0;
  std::string largest_url;
  auto value_sets = service_->context().AllOfType("ValueSet");
  for (const packages::ResourceRef& ref : value_sets) {
    std::string canonical = ref.entry->url + "|" + ref.entry->version;
    auto info = service_->DescribeExpansion(canonical);
    if (!info.ok()) {
      ++errors;
      ADD_FAILURE() << canonical << ": " << info.status().ToString();
      continue;
    }
    ++outcomes[info->outcome];
    for (const std::string& s : info->unknown_systems) ++unknown_systems[s];
    if (!info->notes.empty()) ++with_notes;
    // The unusual outcomes, listed so a reader can judge each reason.
    if (!info->incomplete_systems.empty() || (info->outcome != ExpansionOutcome::kComplete &&
                                              info->outcome != ExpansionOutcome::kPartial)) {
      std::cout << "  [" << ExpansionOutcomeName(info->outcome) << "] " << canonical << ": "
                << info->message << "\n";
    }
    for (const std::string& note : info->notes)
      std::cout << "  [note] " << canonical << ": " << note << "\n";
    if (info->code_count > largest) {
      largest = info->code_count;
      largest_url = canonical;
    }
    // Anything short of complete must say why.
    if (info->outcome != ExpansionOutcome::kComplete) {
      EXPECT_FALSE(info->message.empty()) << canonical;
    }
    EXPECT_NE(info->outcome, ExpansionOutcome::kFailed) << canonical << ": " << info->message;
  }
  std::cout << "R4 ValueSets: " << value_sets.size() << "\n";
  for (const auto& [outcome, count] : outcomes) {
    std::cout << "  " << ExpansionOutcomeName(outcome) << ": " << count << "\n";
  }
  std::cout << "  with notes: " << with_notes << "; largest: " << largest << " codes ("
            << largest_url << ")\n  unknown systems:";
  for (const auto& [system, count] : unknown_systems) std::cout << " " << system << "=" << count;
  std::cout << "\n";
  EXPECT_EQ(errors, 0);
  EXPECT_GT(outcomes[ExpansionOutcome::kComplete], 1000);
}

}  // namespace
}  // namespace silta::terminology
