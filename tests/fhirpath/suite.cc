#include "suite.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

namespace silta::fhirpath::suite {

std::filesystem::path SuiteDir() {
  if (const char* env = std::getenv("SILTA_FHIRPATH_SUITE")) return env;
  return SILTA_FHIRPATH_SUITE_DIR;
}

void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name << ": " << c.expression; }

namespace {

std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

std::vector<SuiteCase> LoadCases() {
  std::vector<SuiteCase> cases;
  pugi::xml_document doc;
  std::filesystem::path file = SuiteDir() / "tests-fhir-r4.xml";
  if (!doc.load_file(file.c_str())) return cases;
  std::set<std::string> used;
  for (pugi::xml_node group : doc.child("tests").children("group")) {
    for (pugi::xml_node test : group.children("test")) {
      SuiteCase c;
      c.group = group.attribute("name").value();
      std::string name = test.attribute("name").value();
      if (name.empty()) name = c.group + "_unnamed";
      std::string unique = Sanitize(name);
      for (int i = 2; used.count(unique) != 0; ++i)
        unique = Sanitize(name) + "_" + std::to_string(i);
      used.insert(unique);
      c.name = unique;
      c.input_file = test.attribute("inputfile").value();
      pugi::xml_node expr = test.child("expression");
      c.expression = expr.text().get();
      c.invalid = expr.attribute("invalid").value();
      c.strict = std::string_view(test.attribute("mode").value()) == "strict" ||
                 std::string_view(expr.attribute("mode").value()) == "strict";
      c.ordered = std::string_view(test.attribute("ordered").value()) != "false";
      c.predicate = std::string_view(test.attribute("predicate").value()) == "true";
      for (pugi::xml_node out : test.children("output")) {
        c.outputs.push_back({out.attribute("type").value(), out.text().get()});
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

}  // namespace

const std::vector<SuiteCase>& Cases() {
  static const std::vector<SuiteCase> cases = LoadCases();
  return cases;
}

const std::map<std::string, std::string>& KnownFailures() {
  static const std::map<std::string, std::string> known = [] {
    std::map<std::string, std::string> m;
    std::ifstream in(SILTA_FHIRPATH_KNOWN_FAILURES);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      m[line.substr(0, colon)] = line.substr(colon + 1);
    }
    return m;
  }();
  return known;
}

bool Matches(const Item& item, const Output& expected) {
  if (expected.type.empty()) {
    return item.literal == expected.value || item.value == expected.value;
  }
  if (item.type != expected.type) return false;
  std::string value = expected.value;
  // Typed date/time outputs are written as literals too.
  if ((expected.type == "date" || expected.type == "dateTime") && !value.empty() &&
      value[0] == '@') {
    value.erase(0, 1);
  }
  if (expected.type == "time" && value.rfind("@T", 0) == 0) value.erase(0, 2);
  return item.value == value;
}

std::string Render(const std::vector<Item>& result) {
  std::string s = "[";
  for (const Item& item : result) {
    if (s.size() > 1) s += ", ";
    s += item.type + " " + item.value;
  }
  return s + "]";
}

void ExpectOutcome(const SuiteCase& c, const std::string& failure) {
  auto known = KnownFailures().find(c.name);
  if (known != KnownFailures().end()) {
    if (failure.empty()) {
      FAIL() << c.name << " passes but is listed in known-failures.txt; remove it";
    }
    GTEST_SKIP() << "known failure:" << known->second << " (" << failure << ")";
  }
  EXPECT_EQ(failure, "") << c.expression;
}

std::string CompareOutputs(const SuiteCase& c, const std::vector<Item>& result) {
  if (result.size() != c.outputs.size()) {
    return "expected " + std::to_string(c.outputs.size()) + " items, got " + Render(result);
  }
  if (c.ordered) {
    for (size_t i = 0; i < c.outputs.size(); ++i) {
      if (!Matches(result[i], c.outputs[i])) {
        return "item " + std::to_string(i) + " differs: expected " + c.outputs[i].type + " " +
               c.outputs[i].value + ", got " + Render(result);
      }
    }
    return "";
  }
  std::vector<bool> used(c.outputs.size());
  for (const Item& item : result) {
    bool found = false;
    for (size_t i = 0; i < c.outputs.size() && !found; ++i) {
      if (!used[i] && Matches(item, c.outputs[i])) used[i] = found = true;
    }
    if (!found) return "unexpected item in " + Render(result);
  }
  return "";
}

}  // namespace silta::fhirpath::suite
