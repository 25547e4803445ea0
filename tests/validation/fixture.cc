#include "fixture.h"

#include <gtest/gtest.h>

#include "formats/formats.h"
#include "support/r4.h"

namespace silta::validation::testing {

std::shared_ptr<const packages::Package> R4Package() {
  static std::shared_ptr<const packages::Package> package = [] {
    auto loaded = packages::Package::Load(silta::testing::R4PackageDir());
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? *loaded : nullptr;
  }();
  return package;
}

std::shared_ptr<const packages::ConformanceContext> R4Context(std::vector<std::string> extra) {
  std::vector<std::shared_ptr<const packages::Package>> packages;
  if (!extra.empty()) {
    packages.push_back(packages::Package::FromResources({"test.local", "0.0.0"}, std::move(extra)));
  }
  packages.push_back(R4Package());
  return packages::ConformanceContext::FromPackages(std::move(packages));
}

std::shared_ptr<const Validator> R4Validator() {
  static std::shared_ptr<const Validator> validator = [] {
    auto created = Validator::Create(R4Context(), silta::testing::R4Model());
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : nullptr;
  }();
  return validator;
}

std::vector<const Issue*> Outcome::Errors() const {
  std::vector<const Issue*> out;
  for (const Issue& i : issues) {
    if (i.severity >= Severity::kError) out.push_back(&i);
  }
  return out;
}

bool Outcome::HasError(std::string_view message_id) const {
  for (const Issue& i : issues) {
    if (i.severity >= Severity::kError && i.message_id == message_id) return true;
  }
  return false;
}

bool Outcome::HasIssue(std::string_view message_id) const {
  for (const Issue& i : issues) {
    if (i.message_id == message_id) return true;
  }
  return false;
}

std::string Outcome::Describe() const {
  std::string out;
  for (const Issue& i : issues) out += FormatIssue(i) + " {" + i.message_id + "}\n";
  return out;
}

Outcome ValidateText(const Validator& validator, std::string_view text,
                     const std::vector<std::string>& profiles) {
  Outcome outcome;
  IssueCollector collector;
  auto format = formats::SniffFormat(text);
  if (!format) return outcome;
  // As `silta validate` reads its inputs (batch runner).
  formats::ParseOptions options;
  options.keep_refused_narratives = true;
  auto doc = formats::Parse(text, *format, silta::testing::R4Model(), collector, options);
  if (doc != nullptr) {
    outcome.parsed = true;
    validator.Validate(*doc, profiles, collector);
  }
  outcome.issues = collector.Take();
  return outcome;
}

}  // namespace silta::validation::testing
