// The PHR target as a deployment runs it: `silta sync push examples/records` with the PHR target
// of examples/deployment/policy.json and its adapter config (examples/deployment/phr.json), into
// the real FHIR server peer. Then everything the server holds is
//   (a) validated by `silta validate` against the Kanta PHR profiles (the folder of
//       ../shared/profiles-fi installed into this test's own package cache) with 0 errors,
//   (b) searched for every HETU, name, address, contact detail and CRM client id of the example
//       records, read from the records themselves, and none is found;
// and (c) a second push sends nothing, while a push with a new journal (conditional updates by
// the pseudonymous identifiers only) leaves the server with exactly the same resources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/files.h"
#include "json/json.h"
#include "sync/example_records.h"
#include "sync/fhir_peer.h"

namespace silta {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kKantaPhrFolder = SILTA_SHARED_DIR "/profiles-fi/kanta-phr-r4-0.2.1";
constexpr const char* kPatientProfile = "http://phr.kanta.fi/StructureDefinition/fiphr-sd-patient";
// Every type the mapping modules make, and every type the Kanta PHR store takes.
constexpr const char* kTypes[] = {"Patient",
                                  "Observation",
                                  "CarePlan",
                                  "Coverage",
                                  "RelatedPerson",
                                  "Consent",
                                  "CareTeam",
                                  "EpisodeOfCare",
                                  "Practitioner",
                                  "Organization",
                                  "MedicationAdministration",
                                  "Questionnaire",
                                  "QuestionnaireResponse"};

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Whether `text` holds `word` with no letter or digit right before or after it.
bool ContainsWord(const std::string& text, const std::string& word) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    size_t end = at + word.size();
    if ((at == 0 || !is_word(text[at - 1])) && (end == text.size() || !is_word(text[end]))) {
      return true;
    }
  }
  return false;
}

// The personal data of the example records, by what it is, read from the records as the
// client-record contract names it (docs/client-record-contract.md): the client id, every
// identifier (HETUs, temporary and local ids), names, contact details and addresses of the
// client and of everyone else in the record, account holders' names.
void CollectPersonal(const json::Value& node, const std::string& member,
                     std::map<std::string, std::string>& out) {
  auto add = [&](const std::string& value, const std::string& what) {
    if (value.size() >= 3) out.emplace(value, what);
  };
  if (node.is_array()) {
    for (const auto& item : node.items()) CollectPersonal(item, member, out);
    return;
  }
  if (!node.is_object()) return;
  if (member == "identifiers") add(TextAt(node, "value"), "identifier");
  if (member == "name") {
    add(TextAt(node, "family"), "name");
    if (const json::Value* given = node.Find("given")) {
      for (const auto& g : given->items()) add(g.text(), "name");
    }
  }
  if (member == "address") {
    add(TextAt(node, "postalCode"), "postal code");
    if (const json::Value* lines = node.Find("lines")) {
      for (const auto& l : lines->items()) add(l.text(), "address");
    }
  }
  if (member == "contactDetails") add(TextAt(node, "value"), "contact detail");
  for (const auto& [name, value] : node.members()) {
    if (name == "clientId" || name == "holderName" || name == "iban" || name == "hetu") {
      add(value.text(), name);
    }
    CollectPersonal(value, name, out);
  }
}

class PhrPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FhirPeer::InstalledDir().empty()) {
      GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
    }
    if (!fs::is_directory(kKantaPhrFolder)) GTEST_SKIP() << kKantaPhrFolder << " is not there";
    dir_ = fs::path(::testing::TempDir()) / ("silta-phr-peer-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string error;
    ASSERT_TRUE(peer_.Start(&error)) << error;
    // The deployment's own PHR target and adapter config, with the base URL it reads from the
    // environment pointed at this test's server.
    ::setenv("SILTA_PHR_URL", peer_.base_url().c_str(), 1);
    auto policy = json::Value::Parse(*ReadFile(SILTA_SOURCE_DIR "/examples/deployment/policy.json"),
                                     "policy.json");
    ASSERT_TRUE(policy.ok()) << policy.status().message();
    json::Value phr;
    for (const auto& target : policy->Find("targets")->items()) {
      if (TextAt(target, "name") == "phr") phr = target;
    }
    ASSERT_TRUE(phr.is_object()) << "examples/deployment/policy.json has no target \"phr\"";
    phr["adapter"] =
        json::Value::String(SILTA_SOURCE_DIR "/examples/deployment/" + TextAt(phr, "adapter"));
    json::Value only_phr = *policy;
    only_phr["targets"] = json::Value::Array();
    only_phr["targets"].Append(phr);
    std::ofstream(dir_ / "policy.json") << only_phr.ToString(true);
  }
  void TearDown() override {
    peer_.Stop();
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  // Runs `silta ARGS` with `env` before it; the exit code, its output in *out.
  int Silta(const std::string& args, std::string* out, const std::string& env = "") {
    std::string cmd =
        env + " " + SILTA_BINARY + " " + args + " > '" + (dir_ / "out").string() + "' 2>&1";
    int status = std::system(cmd.c_str());
    auto printed = ReadFile(dir_ / "out");
    *out = printed.ok() ? *printed : "";
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int Push(const std::string& journal, std::string* out) {
    return Silta("sync push '" SILTA_SOURCE_DIR "/examples/records' --policy '" +
                     (dir_ / "policy.json").string() + "' --journal '" + (dir_ / journal).string() +
                     "' --quarantine '" + (dir_ / "quarantine").string() + "'",
                 out);
  }

  // Every resource the server holds, by type.
  std::map<std::string, std::vector<json::Value>> Held() {
    std::map<std::string, std::vector<json::Value>> held;
    fhirclient::CurlTransport transport;
    fhirclient::FhirClientOptions options;
    options.base_url = peer_.base_url();
    fhirclient::FhirClient client(options, transport);
    for (const char* type : kTypes) {
      fhirclient::Pager pager = client.Search(type, {{"_count", "200"}});
      while (true) {
        auto page = pager.NextPage();
        EXPECT_TRUE(page.ok()) << page.status().message();
        if (!page.ok() || !page->has_value()) break;
        json::Value bundle = *json::Value::Parse((*page)->body, "search");
        if (const json::Value* entries = bundle.Find("entry")) {
          for (const auto& entry : entries->items()) held[type].push_back(*entry.Find("resource"));
        }
      }
    }
    return held;
  }

  fs::path dir_;
  testing::FhirPeer peer_;
};

TEST_F(PhrPeerTest, ThePhrHoldsValidPseudonymousResourcesAndASecondPushSendsNothing) {
  std::string out;
  ASSERT_EQ(Push("journal.db", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("phr: sent ")) << out;

  auto held = Held();
  // What the target's items bring (adapters/kanta-phr/README.md), counted by hand from the
  // records: the functional-ability assessments (item 13) of aino-virtanen (2),
  // disability-personal-budget (2) and matti-korhonen (3), and the Patients of these three
  // clients, which also carry their service-use level (14); nothing else.
  EXPECT_EQ(held["Observation"].size(), 7u) << out;
  EXPECT_EQ(held["Patient"].size(), 3u) << out;
  for (const auto& [type, resources] : held) {
    if (type != "Patient" && type != "Observation") {
      EXPECT_TRUE(resources.empty()) << type << " reached the PHR";
    }
  }

  // (b) No personal datum of any example record is anywhere in what the server holds.
  std::map<std::string, std::string> personal;
  for (const auto& [name, record] : testing::ExampleRecords()) {
    CollectPersonal(record, "", personal);
  }
  ASSERT_GT(personal.size(), 50u);
  for (const char* sure : {"150386-902C", "KYM-000184", "Virtanen", "Kauppalankatu 12 B 7"}) {
    EXPECT_TRUE(personal.contains(sure)) << sure << " was not read from the records";
  }
  for (const auto& [type, resources] : held) {
    for (const json::Value& resource : resources) {
      const std::string json = Lower(resource.ToString());
      for (const auto& [value, what] : personal) {
        EXPECT_FALSE(ContainsWord(json, Lower(value)))
            << type << "/" << TextAt(resource, "id") << " holds a " << what;
      }
    }
  }

  // (a) Valid against the Kanta PHR profiles: every Patient claims fiphr-sd-patient, and
  // `silta validate` finds 0 errors. The profiles go into a package cache of this test's own,
  // beside the R4 core of the usual one.
  fs::path cache = dir_ / "packages";
  fs::create_directories(cache);
  const char* usual_env = std::getenv("SILTA_PACKAGE_CACHE");
  fs::path usual = usual_env != nullptr ? fs::path(usual_env)
                                        : fs::path(std::getenv("HOME")) / ".fhir" / "packages";
  for (const auto& e : fs::directory_iterator(usual)) {
    if (e.path().filename().string().starts_with("hl7.fhir.")) {
      fs::create_symlink(e.path(), cache / e.path().filename());
    }
  }
  const std::string in_cache = "SILTA_PACKAGE_CACHE='" + cache.string() + "'";
  std::string installed;
  ASSERT_EQ(
      Silta(std::string("packages install '") + kKantaPhrFolder + "' --as fi.kanta.phr.r4@0.2.1",
            &installed, in_cache),
      0)
      << installed;
  fs::path files = dir_ / "held";
  fs::create_directories(files);
  for (const auto& [type, resources] : held) {
    for (const json::Value& resource : resources) {
      if (type == "Patient") {
        EXPECT_EQ(resource.Find("meta")->Find("profile")->ToString(),
                  std::string(R"([")") + kPatientProfile + R"("])");
      }
      std::ofstream(files / (type + "-" + TextAt(resource, "id") + ".json")) << resource.ToString();
    }
  }
  const std::string igs =
      " --ig fi.kanta.phr.r4#0.2.1 --ig '" SILTA_SOURCE_DIR "/profiles/generated' ";
  std::string report;
  EXPECT_EQ(Silta("validate" + igs + "'" + files.string() + "'", &report, in_cache), 0) << report;
  EXPECT_THAT(report, HasSubstr("10 resources: 0 errors,")) << report;
  // The same validation does see what fiphr-sd-patient forbids: a Patient with a name.
  json::Value named = held["Patient"].front();
  named["name"].Append(*json::Value::Parse(R"({"family": "Testinen"})", "name"));
  fs::create_directories(dir_ / "named");
  std::ofstream(dir_ / "named" / "patient.json") << named.ToString();
  EXPECT_EQ(Silta("validate" + igs + "'" + (dir_ / "named").string() + "'", &report, in_cache), 1)
      << report;

  // (c) A second push sends nothing.
  std::string again;
  ASSERT_EQ(Push("journal.db", &again), 0) << again;
  EXPECT_THAT(again, HasSubstr("phr: sent 0, unchanged 10,")) << again;

  // Conditional updates match on the pseudonymous identifiers: with a journal that knows
  // nothing every resource goes again, and the server still holds each exactly once.
  std::string fresh;
  ASSERT_EQ(Push("fresh-journal.db", &fresh), 0) << fresh;
  EXPECT_THAT(fresh, HasSubstr("phr: sent 10,")) << fresh;
  auto after = Held();
  for (const char* type : {"Patient", "Observation"}) {
    EXPECT_EQ(after[type].size(), held[type].size()) << type;
    std::set<std::string> identifiers;
    for (const json::Value& r : after[type]) {
      identifiers.insert(r.Find("identifier")->items()[0].ToString());
    }
    EXPECT_EQ(identifiers.size(), after[type].size()) << type << ": one identifier, one resource";
  }
}

}  // namespace
}  // namespace silta
