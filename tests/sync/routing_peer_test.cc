// Routing per AKUSTI item, as a deployment sees it: `silta sync push examples/records` into three
// FHIR servers (the FHIR peer), one per governance level, and then what each server holds,
// client by client, against a table written by hand from the AKUSTI data set
// (../shared/domain/akusti-data-set.md) and the example records, never from the routing code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/files.h"
#include "fhir_peer.h"
#include "json/json.h"

namespace silta::sync {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPartSystem = "https://silta.example.fi/fhir/sid/client-record-part";
constexpr const char* kTargets[] = {"county", "shared", "national"};
constexpr const char* kCountyOid = "1.2.246.10.32213182.19.0";
constexpr const char* kCustodianKeySystem =
    "https://silta.example.fi/fhir/CodeSystem/custodian-provenance";

// What one server holds of one client. Patient: whether it is there, and the AKUSTI items its
// elements carry (none when it is only the identity core that the client's other resources on
// that server refer to). Coverage: the kinds. Others: how many; guidance (Procedure), client
// communication (Communication) and client fees (ChargeItem) too.
struct Holding {
  bool patient = false;
  std::set<int> patient_items;
  std::multiset<std::string> coverage_kinds;
  int related_persons = 0;
  int consents = 0;
  int observations = 0;
  int others = 0;  // Practitioner, CareTeam, EpisodeOfCare, CarePlan: joint-county only
  int guidance = 0;
  int communications = 0;
  int fees = 0;
  bool operator==(const Holding&) const = default;
};

void PrintTo(const Holding& h, std::ostream* os) {
  *os << "{Patient " << (h.patient ? "items:" : "absent");
  for (int i : h.patient_items) *os << " " << i;
  *os << "; Coverage:";
  for (const auto& k : h.coverage_kinds) *os << " " << k;
  *os << "; RelatedPerson " << h.related_persons << ", Consent " << h.consents << ", Observation "
      << h.observations << ", joint-county resources " << h.others << ", Procedure " << h.guidance
      << ", Communication " << h.communications << ", ChargeItem " << h.fees << "}";
}

// Written by hand. Levels from the data set: national 1, 2, 4, 5, 6, 8, 9, 11, 12, 20, 26, 27;
// shared-definition 7, 13, 14, 22, 23, 24, 28; county 10, 25 and, by the default level, 15, 16
// and 29; joint-county 3, 17, 18, 19, 21 (no target here). Guidance is 15, client
// communication 16, a client fee 22. Patient elements: contact details 1,
// education 2, payment contacts 5, occupation 6, temporary id 7, residence permit 8, service-use
// level 14, producer choice 20; a RelatedPerson from the population register is 4, any other 3;
// consents are 11 (biobank, data-sharing) or 12; functional ability Observations 13. A client
// under non-disclosure keeps its contact details from every target here. A server that holds
// any resource of a client also holds the client's Patient, with at least its identity core.
using Table = std::map<std::string, std::map<std::string, Holding>>;  // client → target → held
Table Expected() {
  Table t;
  // aino-virtanen.json: phone, email, address, 2 payment contacts, education, producer choice,
  // occupation, service-use level; related persons from the population register and
  // self-reported; a service voucher; a biobank consent; 2 functional-ability assessments;
  // 2 guidance, 2 client communications, 2 client fees.
  t["286/KYM-000184"]["county"] = {true, {}, {}, 0, 0, 0, 0, 2, 2, 0};
  t["286/KYM-000184"]["shared"] = {true, {14}, {"service-voucher"}, 0, 0, 2, 0, 0, 0, 2};
  t["286/KYM-000184"]["national"] = {true, {1, 2, 5, 6, 20}, {}, 1, 1, 0, 0};
  // minimal.json and batch.ndjson#0: only a local identifier, nothing any target governs.
  // home-care-voucher.json and batch.ndjson#1: a service voucher.
  t["837/PIR-200417"]["shared"] = {true, {}, {"service-voucher"}, 0, 0, 0, 0};
  // medicine-fee-ceiling.json and batch.ndjson#2: a payment contact, both fee ceilings, a
  // service-need assessment consent.
  t["398/LAH-20019"]["national"] = {
      true, {5}, {"medicine-fee-ceiling", "service-fee-ceiling"}, 0, 1, 0, 0};
  // child-with-guardians.xml: two guardians from the population register, one self-reported
  // person; a data-sharing and a service-need assessment consent.
  t["092/VAN-K-4410"]["national"] = {true, {}, {}, 2, 2, 0, 0};
  // disability-personal-budget.json: email, payment contact, producer choice, service-use level;
  // a self-reported related person; a personal budget and a service voucher; 2 assessments.
  t["698/ROV-40022"]["shared"] = {true, {14}, {"personal-budget", "service-voucher"}, 0, 0, 2, 0};
  t["698/ROV-40022"]["national"] = {true, {1, 5, 20}, {}, 0, 0, 0, 0};
  // matti-korhonen.xml: address and phone, service-use level; a related person from the
  // population register; a personal budget and a service fee ceiling; 3 assessments.
  t["837/PIR-102938"]["shared"] = {true, {14}, {"personal-budget"}, 0, 0, 3, 0};
  t["837/PIR-102938"]["national"] = {true, {1}, {"service-fee-ceiling"}, 1, 0, 0, 0};
  // non-disclosure.json: a phone under non-disclosure, a data-sharing consent.
  t["091/HKI-88001"]["national"] = {true, {}, {}, 0, 1, 0, 0};
  // occupational-health-and-insurance.json: email, occupation; occupational health and private
  // insurance.
  t["564/OUL-77310"]["county"] = {true, {}, {"occupational-health"}, 0, 0, 0, 0};
  t["564/OUL-77310"]["national"] = {true, {1, 6}, {"private-insurance"}, 0, 0, 0, 0};
  // payment-commitment-rehab.xml: a temporary id beside the HETU, occupation; a related person
  // from the population register; a payment commitment and a medicine fee ceiling; a
  // data-sharing consent.
  t["286/KOT-60081"]["shared"] = {true, {7}, {"payment-commitment"}, 0, 0, 0, 0};
  t["286/KOT-60081"]["national"] = {true, {6}, {"medicine-fee-ceiling"}, 1, 1, 0, 0};
  // refugee-payment-commitment.xml: phone, 2 educations, occupation, residence permit; a
  // payment commitment.
  t["179/HV-55120"]["shared"] = {true, {}, {"payment-commitment"}, 0, 0, 0, 0};
  t["179/HV-55120"]["national"] = {true, {1, 2, 6, 8}, {}, 0, 0, 0, 0};
  // service-payer-client.xml: an address; two service payers (item 29, default level county);
  // one guidance, one client communication, one client fee.
  Holding esp_county = {true, {}, {"service-payer", "service-payer"}};
  esp_county.guidance = esp_county.communications = 1;
  t["049/ESP-31170"]["county"] = esp_county;
  t["049/ESP-31170"]["shared"] = {true, {}, {}, 0, 0, 0, 0, 0, 0, 1};
  t["049/ESP-31170"]["national"] = {true, {1}, {}, 0, 0, 0, 0};
  // temporary-id-asylum-seeker.json: a temporary id only, an address, a residence permit; an
  // urgent-care payer; a data-sharing consent.
  t["853/VAR-T-0091"]["county"] = {true, {}, {"urgent-care-payer"}, 0, 0, 0, 0};
  t["853/VAR-T-0091"]["shared"] = {true, {7}, {}, 0, 0, 0, 0};
  t["853/VAR-T-0091"]["national"] = {true, {1, 8}, {}, 0, 1, 0, 0};
  return t;
}

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

bool HasExtension(const json::Value& resource, std::string_view url_suffix) {
  const json::Value* extensions = resource.Find("extension");
  if (extensions == nullptr) return false;
  for (const auto& e : extensions->items()) {
    if (TextAt(e, "url").ends_with(url_suffix)) return true;
  }
  return false;
}

// The items a Patient on a server carries, read from its elements.
std::set<int> PatientItems(const json::Value& patient) {
  std::set<int> items;
  if (patient.Find("telecom") != nullptr || patient.Find("address") != nullptr) items.insert(1);
  if (HasExtension(patient, "/education")) items.insert(2);
  if (HasExtension(patient, "/payment-contact")) items.insert(5);
  // Occupation: FI Base's patient-profession; employment status and source: Silta's occupation.
  if (HasExtension(patient, "/occupation") || HasExtension(patient, "/patient-profession")) {
    items.insert(6);
  }
  if (HasExtension(patient, "/residence-permit")) items.insert(8);
  if (HasExtension(patient, "/service-use-level")) items.insert(14);
  if (HasExtension(patient, "/producer-choice")) items.insert(20);
  if (const json::Value* ids = patient.Find("identifier")) {
    for (const auto& id : ids->items()) {
      if (id.ToString().find("\"temporary\"") != std::string::npos) items.insert(7);
    }
  }
  return items;
}

class RoutingPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FhirPeer::InstalledDir().empty()) {
      GTEST_SKIP() << "SILTA_FHIR_PEER_DIR is not set (scripts/test.sh installs the FHIR peer)";
    }
    dir_ = fs::path(::testing::TempDir()) / ("silta-routing-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string targets;
    for (const char* name : kTargets) {
      auto& peer = peers_[name];
      peer = std::make_unique<testing::FhirPeer>();
      std::string error;
      ASSERT_TRUE(peer->Start(&error)) << error;
      std::ofstream(dir_ / (std::string(name) + ".json"))
          << R"({"name": ")" << name << R"(", "baseUrl": ")" << peer->base_url() << R"("})";
      std::string level = name == std::string("shared") ? "shared-definition" : name;
      targets += std::string(targets.empty() ? "" : ", ") + R"({"name": ")" + name +
                 R"(", "levels": [")" + level + R"("], "adapter": ")" + name + R"(.json"})";
    }
    std::ofstream(dir_ / "policy.json")
        << R"({"custodian": {"oid": ")" << kCountyOid
        << R"(", "name": "Test county"}, "targets": [)" << targets << "]}";
  }
  void TearDown() override {
    peers_.clear();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Runs `silta sync push examples/records`; the exit code, its standard output in *out.
  int Push(const std::string& extra, std::string* out,
           const std::string& records = SILTA_SOURCE_DIR "/examples/records",
           const std::string& env = "") {
    fs::path stdout_file = dir_ / "push.out";
    std::string cmd = env + std::string(SILTA_BINARY) + " sync push '" + records + "' --policy '" +
                      (dir_ / "policy.json").string() + "' --journal '" +
                      (dir_ / "journal.db").string() + "' " + extra + " > '" +
                      stdout_file.string() + "' 2> '" + (dir_ / "push.err").string() + "'";
    int status = std::system(cmd.c_str());
    auto printed = ReadFile(stdout_file);
    auto diagnostics = ReadFile(dir_ / "push.err");
    *out = (printed.ok() ? *printed : "") + (diagnostics.ok() ? *diagnostics : "");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Runs a command; its exit code, standard output and error in *out.
  int Run(const std::string& cmd, std::string* out) {
    int status = std::system((cmd + " > '" + (dir_ / "run.out").string() + "' 2>&1").c_str());
    auto printed = ReadFile(dir_ / "run.out");
    *out = printed.ok() ? *printed : "";
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Every resource of `types` on a target (all pages).
  std::vector<json::Value> All(const std::string& target, const std::vector<std::string>& types,
                               const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<json::Value> out;
    fhirclient::CurlTransport transport;
    fhirclient::FhirClientOptions options;
    options.base_url = peers_[target]->base_url();
    fhirclient::FhirClient client(options, transport);
    for (const auto& type : types) {
      auto query = params;
      query.emplace_back("_count", "200");
      fhirclient::Pager pager = client.Search(type, query);
      while (true) {
        auto page = pager.NextPage();
        EXPECT_TRUE(page.ok()) << page.status().message();
        if (!page.ok() || !page->has_value()) break;
        json::Value bundle = *json::Value::Parse((*page)->body, "search");
        if (const json::Value* entries = bundle.Find("entry")) {
          for (const auto& entry : entries->items()) out.push_back(*entry.Find("resource"));
        }
      }
    }
    return out;
  }

  // Every resource made from a client record on a target, by client ("county/clientId").
  std::map<std::string, Holding> Held(const std::string& target) {
    std::map<std::string, Holding> held;
    fhirclient::CurlTransport transport;
    fhirclient::FhirClientOptions options;
    options.base_url = peers_[target]->base_url();
    fhirclient::FhirClient client(options, transport);
    for (const char* type :
         {"Patient", "Coverage", "RelatedPerson", "Consent", "Observation", "Practitioner",
          "CareTeam", "EpisodeOfCare", "CarePlan", "Procedure", "Communication", "ChargeItem"}) {
      fhirclient::Pager pager =
          client.Search(type, {{"identifier", std::string(kPartSystem) + "|"}, {"_count", "200"}});
      while (true) {
        auto page = pager.NextPage();
        EXPECT_TRUE(page.ok()) << page.status().message();
        if (!page.ok() || !page->has_value()) break;
        json::Value bundle = *json::Value::Parse((*page)->body, "search");
        const json::Value* entries = bundle.Find("entry");
        if (entries == nullptr) continue;
        for (const auto& entry : entries->items()) {
          const json::Value& r = *entry.Find("resource");
          std::string value;
          for (const auto& id : r.Find("identifier")->items()) {
            if (TextAt(id, "system") == kPartSystem) value = TextAt(id, "value");
          }
          size_t second_slash = value.find('/', value.find('/') + 1);
          Holding& h = held[value.substr(0, second_slash)];
          std::string t = type;
          if (t == "Patient") {
            h.patient = true;
            h.patient_items = PatientItems(r);
          } else if (t == "Coverage") {
            for (const auto& coding : r.Find("type")->Find("coding")->items()) {
              if (TextAt(coding, "system").ends_with("/coverage-kind")) {
                h.coverage_kinds.insert(TextAt(coding, "code"));
              }
            }
          } else if (t == "RelatedPerson") {
            ++h.related_persons;
          } else if (t == "Consent") {
            ++h.consents;
          } else if (t == "Observation") {
            ++h.observations;
          } else if (t == "Procedure") {
            ++h.guidance;
          } else if (t == "Communication") {
            ++h.communications;
          } else if (t == "ChargeItem") {
            ++h.fees;
          } else {
            ++h.others;
          }
        }
      }
    }
    return held;
  }

  void CheckCustodians();

  fs::path dir_;
  std::map<std::string, std::unique_ptr<testing::FhirPeer>> peers_;
};

std::map<std::string, std::set<std::string>> ExpectedCustodians();

TEST_F(RoutingPeerTest, EachServerHoldsExactlyTheItemsOfItsLevel) {
  std::string dry;
  ASSERT_EQ(Push("--dry-run", &dry), 0) << dry;
  // The dry run names, per target, the items it would receive.
  EXPECT_THAT(dry, HasSubstr("AKUSTI items: 10 (1) 15 (3) 16 (3) 25 (1) 29 (2)")) << dry;
  // Client fees (22): two in aino-virtanen.json, one in service-payer-client.xml, all shared.
  EXPECT_THAT(dry, HasSubstr(" 22 (3) ")) << dry;

  std::string out;
  ASSERT_EQ(Push("", &out), 0) << out;
  Table expected = Expected();
  for (const char* target : kTargets) {
    std::map<std::string, Holding> want;
    for (const auto& [client, by_target] : expected) {
      auto it = by_target.find(target);
      if (it != by_target.end()) want[client] = it->second;
    }
    EXPECT_EQ(Held(target), want) << "target " << target;
  }

  // Every server holds the custodian Provenances of what it received, one per client and
  // register, each referring to resources on that server, together all of them.
  CheckCustodians();
  for (const auto& [target, keys] : ExpectedCustodians()) {
    EXPECT_THAT(out, ::testing::ContainsRegex("  " + target + ": sent [0-9]+, [^\n]*custodian " +
                                              "Provenances " + std::to_string(keys.size()) + "\n"))
        << out;
  }

  // A second push sends nothing anywhere, no Provenance either.
  std::string again;
  ASSERT_EQ(Push("", &again), 0) << again;
  for (const char* target : kTargets) {
    EXPECT_THAT(again, HasSubstr(std::string(target) + ": sent 0,")) << again;
  }
  EXPECT_THAT(again, Not(::testing::ContainsRegex("custodian Provenances [1-9]"))) << again;
  CheckCustodians();
}

// Written by hand: per target, "client/register" of each custodian Provenance. The register
// follows the items held (docs/sync.md): occupational health [10], urgent care payer [25] and
// the medicine fee ceiling [26] are patient register data, everything else the social welfare
// client register (the policy's default); a client's Patient goes under every register of its
// other resources there. Guidance [15] and client communication [16] reach the county, client
// fees [22] the shared target: Aino (286/KYM-000184) and the service-payer client
// (049/ESP-31170) carry them.
std::map<std::string, std::set<std::string>> ExpectedCustodians() {
  return {
      {"county",
       {"564/OUL-77310/health-care", "049/ESP-31170/social-welfare", "853/VAR-T-0091/health-care",
        "286/KYM-000184/social-welfare"}},
      {"shared",
       {"286/KYM-000184/social-welfare", "837/PIR-200417/social-welfare",
        "698/ROV-40022/social-welfare", "837/PIR-102938/social-welfare",
        "286/KOT-60081/social-welfare", "179/HV-55120/social-welfare",
        "853/VAR-T-0091/social-welfare", "049/ESP-31170/social-welfare"}},
      {"national",
       {"286/KYM-000184/social-welfare", "398/LAH-20019/social-welfare",
        "398/LAH-20019/health-care", "092/VAN-K-4410/social-welfare",
        "698/ROV-40022/social-welfare", "837/PIR-102938/social-welfare",
        "091/HKI-88001/social-welfare", "564/OUL-77310/social-welfare",
        "286/KOT-60081/social-welfare", "286/KOT-60081/health-care", "179/HV-55120/social-welfare",
        "049/ESP-31170/social-welfare", "853/VAR-T-0091/social-welfare"}},
  };
}

void RoutingPeerTest::CheckCustodians() {
  auto expected = ExpectedCustodians();
  const std::map<std::string, std::string> registers = {
      {"urn:oid:1.2.246.537.6.1264", "social-welfare"},
      {"urn:oid:1.2.246.537.5.40150", "health-care"}};
  std::vector<std::string> files;
  for (const char* target : kTargets) {
    std::map<std::string, std::string> client_of;  // "Type/id" → "county/clientId"
    for (const auto& r :
         All(target,
             {"Patient", "Coverage", "RelatedPerson", "Consent", "Observation", "Practitioner",
              "CareTeam", "EpisodeOfCare", "CarePlan", "Procedure", "Communication", "ChargeItem"},
             {{"identifier", std::string(kPartSystem) + "|"}})) {
      std::string value;
      for (const auto& id : r.Find("identifier")->items()) {
        if (TextAt(id, "system") == kPartSystem) value = TextAt(id, "value");
      }
      client_of[TextAt(r, "resourceType") + "/" + TextAt(r, "id")] =
          value.substr(0, value.find('/', value.find('/') + 1));
    }
    std::set<std::string> targeted;
    std::multiset<std::string> found;  // "client/register", read from what each one says
    std::set<std::string> keys;
    for (const auto& provenance : All(target, {"Provenance"}, {})) {
      std::string text = provenance.ToString();
      std::set<std::string> clients;
      for (const auto& t : provenance.Find("target")->items()) {
        std::string reference = TextAt(t, "reference");
        auto it = client_of.find(reference);
        EXPECT_TRUE(it != client_of.end()) << target << ": Provenance targets " << reference;
        if (it == client_of.end()) continue;
        targeted.insert(reference);
        clients.insert(it->second);
        // Its key tag must not carry the client's CRM id, which some targets may not receive.
        EXPECT_THAT(text, Not(HasSubstr(it->second.substr(it->second.find('/') + 1))));
      }
      EXPECT_EQ(clients.size(), 1u) << target << ": one client per Provenance\n" << text;
      std::string system =
          TextAt(*provenance.Find("entity")->items()[0].Find("what")->Find("identifier"), "system");
      EXPECT_TRUE(registers.count(system)) << system;
      if (!clients.empty() && registers.count(system)) {
        found.insert(*clients.begin() + "/" + registers.at(system));
      }
      for (const auto& tag : provenance.Find("meta")->Find("tag")->items()) {
        if (TextAt(tag, "system") == kCustodianKeySystem) {
          EXPECT_TRUE(keys.insert(TextAt(tag, "code")).second) << target << ": a key twice";
        }
      }
      fs::path file = dir_ / ("provenance-" + std::to_string(files.size()) + ".json");
      std::ofstream(file) << text;
      files.push_back(file.string());
    }
    std::set<std::string> held;
    for (const auto& [reference, client] : client_of) held.insert(reference);
    EXPECT_EQ(targeted, held) << target << ": every resource received has its custodian";
    EXPECT_EQ(std::set<std::string>(found.begin(), found.end()), expected[target]) << target;
    EXPECT_EQ(found.size(), expected[target].size()) << target << ": a Provenance twice";
    EXPECT_EQ(keys.size(), found.size()) << target << ": every Provenance has its key";
  }
  // They conform to FI Base 2.0.0-rc2 (their meta.profile claims the public custodian profile).
  std::string cmd = std::string(SILTA_BINARY) + " validate";
  for (const auto& f : files) cmd += " '" + f + "'";
  cmd +=
      " --ig hl7.fhir.fi.base#2.0.0-rc2 --profile "
      "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/"
      "fi-base-information-custodian-public";
  std::string out;
  EXPECT_EQ(Run(cmd, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr(": 0 errors, ")) << out;
  EXPECT_THAT(out, HasSubstr("; 0 files with errors")) << out;
  EXPECT_THAT(out, Not(HasSubstr(": error: "))) << out;
}

// A target that requires a profile its projection cannot meet: here the shared-definition
// target requires a Patient profile with telecom (contact details, item 1, which only the
// national level governs). The record is rejected whole, with an OperationOutcome that names
// the profile and the element, and no server receives anything of it.
TEST_F(RoutingPeerTest, AProjectionThatCannotMeetItsTargetsProfileIsQuarantinedNotSent) {
  constexpr const char* kProfile =
      "https://silta.example.fi/fhir/StructureDefinition/test-patient-with-telecom";
  fs::path profiles = dir_ / "profiles";
  fs::copy(SILTA_SOURCE_DIR "/profiles/generated", profiles, fs::copy_options::recursive);
  std::ofstream(profiles / "StructureDefinition-test-patient-with-telecom.json")
      << R"({"resourceType": "StructureDefinition", "id": "test-patient-with-telecom", "url": ")"
      << kProfile << R"(", "name": "TestPatientWithTelecom", "status": "draft",
      "fhirVersion": "4.0.1", "kind": "resource", "abstract": false, "type": "Patient",
      "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
      "derivation": "constraint", "differential": {"element": [
        {"id": "Patient", "path": "Patient"},
        {"id": "Patient.telecom", "path": "Patient.telecom", "min": 1}]}})";
  std::string targets;
  for (const char* name : kTargets) {
    std::string level = name == std::string("shared") ? "shared-definition" : name;
    targets += std::string(targets.empty() ? "" : ", ") + R"({"name": ")" + name +
               R"(", "levels": [")" + level + R"("], "adapter": ")" + name + R"(.json")" +
               (name == std::string("shared")
                    ? R"(, "profiles": {"Patient": [")" + std::string(kProfile) + R"("]}})"
                    : "}");
  }
  std::ofstream(dir_ / "policy.json")
      << R"({"custodian": {"oid": ")" << kCountyOid << R"(", "name": "Test county"}, "targets": [)"
      << targets << "]}";

  // aino-virtanen.json has a phone (national) and a service-use level (shared-definition), so
  // its Patient goes to the shared target, without the phone.
  fs::path record = fs::path(SILTA_SOURCE_DIR) / "examples/records/aino-virtanen.json";
  std::string out;
  EXPECT_EQ(Push("--quarantine '" + (dir_ / "quarantine").string() + "'", &out, record.string(),
                 "SILTA_PROFILES='" + profiles.string() + "' "),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("records: 1, rejected: 1")) << out;
  EXPECT_THAT(out, HasSubstr("aino-virtanen: rejected with 1 error(s)")) << out;

  auto outcome = ReadFile(dir_ / "quarantine" / "aino-virtanen.outcome.json");
  ASSERT_TRUE(outcome.ok()) << outcome.status().message() << "\n" << out;
  auto parsed = json::Value::Parse(*outcome, "outcome");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(TextAt(*parsed, "resourceType"), "OperationOutcome");
  std::vector<std::string> errors;
  for (const auto& issue : parsed->Find("issue")->items()) {
    if (TextAt(issue, "severity") == "error")
      errors.push_back(TextAt(*issue.Find("details"), "text"));
  }
  // The one error: the target, the profile it requires and the element the projection lacks.
  ASSERT_EQ(errors.size(), 1u) << *outcome;
  EXPECT_THAT(errors[0], HasSubstr("target shared")) << errors[0];
  EXPECT_THAT(errors[0], HasSubstr(kProfile)) << errors[0];
  EXPECT_THAT(errors[0], HasSubstr("Patient.telecom")) << errors[0];
  EXPECT_TRUE(fs::exists(dir_ / "quarantine" / "aino-virtanen.record.json"));

  // Nothing of the record reached any server: not the share that failed, nor the others.
  for (const char* target : kTargets) {
    EXPECT_THAT(All(target,
                    {"Patient", "Coverage", "RelatedPerson", "Consent", "Observation",
                     "Practitioner", "CareTeam", "EpisodeOfCare", "CarePlan", "Provenance"},
                    {}),
                ::testing::IsEmpty())
        << target;
  }
}

}  // namespace
}  // namespace silta::sync
