// The official FHIRPath suite (tests-fhir-r4.xml) as data, shared by the in-process runner and
// the one that goes through `silta fhirpath`: its cases, the known-failures list, and how a
// result item is compared with an expected output.
#pragma once

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace silta::fhirpath::suite {

std::filesystem::path SuiteDir();

struct Output {
  std::string type;  // "" when the suite gives none
  std::string value;
};

struct SuiteCase {
  std::string name;  // unique gtest-safe name
  std::string group;
  std::string input_file;
  std::string expression;
  std::string invalid;  // "", "syntax", "semantic", "execution"...
  bool strict = false;
  bool ordered = true;
  bool predicate = false;  // the result is read as a Boolean (exists)
  std::vector<Output> outputs;
};

// gtest prints parameters of failing tests: show the expression, not bytes.
void PrintTo(const SuiteCase& c, std::ostream* os);

const std::vector<SuiteCase>& Cases();

// testName → reason, from the checked-in list.
const std::map<std::string, std::string>& KnownFailures();

// One result item as `silta fhirpath` prints it and fhirpath::Describe gives it.
struct Item {
  std::string type;     // FHIR type of an element, System type of a computed value
  std::string value;    // the string form
  std::string literal;  // the literal form the suite writes untyped outputs in ("@2014-01")
};

bool Matches(const Item& item, const Output& expected);

// Compares a result with the case's expected outputs (order as the case says); "" when they
// agree, else why not.
std::string CompareOutputs(const SuiteCase& c, const std::vector<Item>& result);

std::string Render(const std::vector<Item>& result);

// Checks a case's outcome ("" = passed) against the known-failures list: a listed case is
// skipped with its reason, and fails when it passes, so that the list stays honest.
void ExpectOutcome(const SuiteCase& c, const std::string& failure);

}  // namespace silta::fhirpath::suite
