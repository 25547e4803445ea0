// Every JSON file of the R4 package must survive JSON → XML → JSON unchanged (as JSON values:
// member order ignored, numbers compared as written), and the XML in between must follow the
// FHIR XML rules.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "base/files.h"
#include "formats/formats.h"
#include "formats/json_tree.h"
#include "support/r4.h"

namespace silta::formats {
namespace {

std::set<std::string> KnownFailures() {
  std::set<std::string> out;
  std::ifstream in(SILTA_ROUNDTRIP_KNOWN_FAILURES);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.insert(line.substr(0, line.find(':')));
  }
  return out;
}

// FHIR XML rules: FHIR namespace on the root, data only in attributes, the narrative div in
// the XHTML namespace. Returns a description of the first breach, or "".
std::string CheckXmlRules(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return "not well-formed";
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.attribute("xmlns").value()) != "http://hl7.org/fhir") {
    return "root is not in the FHIR namespace";
  }
  std::string problem;
  // The div's own content is XHTML and may hold text; check everything else.
  std::function<bool(pugi::xml_node)> walk = [&](pugi::xml_node n) -> bool {
    for (pugi::xml_node c : n.children()) {
      if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
        problem = std::string("text content in <") + n.name() + ">";
        return false;
      }
      if (c.type() != pugi::node_element) continue;
      if (std::string_view(c.name()) == "div") {
        if (std::string_view(c.attribute("xmlns").value()) != "http://www.w3.org/1999/xhtml") {
          problem = "div outside the XHTML namespace";
          return false;
        }
        continue;
      }
      for (pugi::xml_attribute a : c.attributes()) {
        std::string_view an = a.name();
        if (an != "value" && an != "id" && an != "url" && an != "xmlns") {
          problem = "unexpected attribute " + std::string(an) + " on <" + c.name() + ">";
          return false;
        }
      }
      if (!walk(c)) return false;
    }
    return true;
  };
  walk(root);
  return problem;
}

TEST(RoundTrip, EveryJsonFileOfTheR4PackageSurvivesXml) {
  std::filesystem::path dir = testing::R4PackageDir();
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name != "package.json" && name[0] != '.') {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 5000u) << "the R4 package in " << dir << " looks incomplete";
  std::set<std::string> known = KnownFailures();
  size_t passed = 0;
  std::vector<std::string> failures;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    auto fail = [&](const std::string& why) {
      if (!known.count(name)) failures.push_back(name + ": " + why);
    };
    StatusOr<std::string> text = ReadFile(path);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    IssueCollector sink;
    auto doc = ParseJson(*text, testing::R4Model(), sink, {.source_name = name});
    if (doc == nullptr || sink.HasErrors()) {
      fail("JSON parse: " + FormatIssue(sink.issues().front()));
      continue;
    }
    std::string xml = WriteXml(*doc->root());
    if (std::string rule = CheckXmlRules(xml); !rule.empty()) {
      fail("XML rules: " + rule);
      continue;
    }
    IssueCollector xml_sink;
    auto from_xml = ParseXml(xml, testing::R4Model(), xml_sink, {.source_name = name + ".xml"});
    if (from_xml == nullptr || xml_sink.HasErrors()) {
      fail("XML parse: " + FormatIssue(xml_sink.issues().front()));
      continue;
    }
    std::string json = WriteJson(*from_xml->root());
    std::pmr::monotonic_buffer_resource arena;
    JsonNode original;
    JsonNode result;
    JsonParseError error;
    ASSERT_TRUE(ParseJsonTree(*text, &arena, 10000, &original, &error)) << name;
    ASSERT_TRUE(ParseJsonTree(json, &arena, 10000, &result, &error)) << name;
    if (!JsonEquals(original, result)) {
      fail("differs after the round trip: " + JsonDiff(original, result));
      continue;
    }
    if (known.count(name)) {
      failures.push_back(name + ": listed as a known failure but passes; remove it from the list");
    }
    ++passed;
  }
  std::cout << "[ round trip ] " << passed << " of " << files.size() << " files\n";
  for (const std::string& f : failures) ADD_FAILURE() << f;
}

}  // namespace
}  // namespace silta::formats
