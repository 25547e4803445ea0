#include "sync/engine.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "base/digest.h"
#include "base/files.h"
#include "base/numbers.h"
#include "fhirclient/bundle.h"
#include "sync/projection.h"

namespace silta::sync {

int SyncSummary::total(int TargetCounts::*field) const {
  int sum = 0;
  for (const auto& [name, counts] : targets) sum += counts.*field;
  return sum;
}

namespace {

// Refusals that name the request's content; 401/403 (credentials), 404 (a wrong base URL), 408,
// 409, 412 and 429 are about the server or the moment and may pass on a later attempt.
bool IsDataRefusal(int http_status) {
  return http_status == 400 || http_status == 410 || http_status == 413 || http_status == 422;
}

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

// "Patient/123/_history/7" (relative or absolute) → id 123, version 7.
bool ParseLocation(std::string_view location, std::string* id, std::string* version) {
  size_t history = location.find("/_history/");
  std::string_view before = location.substr(0, history);
  if (history != std::string_view::npos) *version = std::string(location.substr(history + 10));
  size_t slash = before.rfind('/');
  if (slash == std::string_view::npos) return false;
  *id = std::string(before.substr(slash + 1));
  return !id->empty();
}

// W/"7" → 7.
std::string VersionFromEtag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

int64_t ParseInstant(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t seconds = timegm(&tm);
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  while (!rest.empty() &&
         (rest.front() == '.' || std::isdigit(static_cast<unsigned char>(rest.front())))) {
    rest.remove_prefix(1);
  }
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    std::optional<int> hours = ParseInteger<int>(rest.substr(1, 2), 0, 14);
    std::optional<int> minutes = ParseInteger<int>(rest.substr(4, 2), 0, 59);
    if (!hours || !minutes) return -1;
    int offset = (*hours * 60 + *minutes) * 60;
    seconds += rest[0] == '+' ? -offset : offset;
  } else if (rest != "Z") {
    return -1;
  }
  return seconds;
}

struct SyncEngine::Planned {
  const mapping::Module* module = nullptr;
  std::string full_url;
  std::string type;
  std::string key;  // Type|system|value
  std::string identifier_value;
  json::Value resource;
  std::set<int> items;  // the AKUSTI items of the resource as projected for one target
  bool custodian_provenance = false;  // made by the engine, not mapped from the record
  // Per target, filled while planning:
  std::string hash;
  std::optional<JournalEntry> known;
  bool send = false;
};

SyncEngine::SyncEngine(const mapping::Mapper& mapper, const RoutingPolicy& policy,
                       std::map<std::string, fhirclient::FhirClient*> clients,
                       JournalStore& journal, ResourceCheck check, SyncOptions options)
    : mapper_(mapper),
      policy_(policy),
      clients_(std::move(clients)),
      journal_(journal),
      check_(std::move(check)),
      options_(std::move(options)) {}

std::string SyncEngine::ContentHashSystem() const {
  return mapper_.options().canonical_base + "/CodeSystem/content-hash";
}

std::string SyncEngine::CustodianKeySystem() const {
  return mapper_.options().canonical_base + "/CodeSystem/custodian-provenance";
}

void SyncEngine::Quarantine(const json::Value& record, const std::string& source_name,
                            const std::vector<Issue>& issues, SyncSummary& summary) {
  ++summary.rejected;
  size_t errors = std::count_if(issues.begin(), issues.end(),
                                [](const Issue& i) { return i.severity >= Severity::kError; });
  summary.messages.push_back(source_name + ": rejected with " + std::to_string(errors) +
                             " error(s)");
  if (options_.quarantine_dir.empty() || options_.dry_run) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.quarantine_dir, ec);
  std::string base = std::filesystem::path(source_name).filename().string();
  if (base.empty()) base = "record";
  Status a = WriteFileAtomically(options_.quarantine_dir / (base + ".record.json"),
                                 record.ToString(true) + "\n");
  Status b = WriteFileAtomically(options_.quarantine_dir / (base + ".outcome.json"),
                                 ToOperationOutcomeJson(issues) + "\n");
  if (!a.ok() || !b.ok()) {
    summary.messages.push_back(source_name +
                               ": cannot write to quarantine: " + (a.ok() ? b : a).message());
  }
}

Status SyncEngine::Push(const json::Value& record, const std::string& source_name,
                        SyncSummary& summary) {
  ++summary.records;
  IssueCollector issues;
  std::optional<json::Value> bundle = mapper_.ToFhir(record, issues);
  std::vector<Planned> planned;
  if (bundle) {
    const std::string system = mapper_.PartIdentifierSystem();
    for (const auto& entry : bundle->Find("entry")->items()) {
      Planned p;
      p.resource = *entry.Find("resource");
      p.full_url = TextAt(entry, "fullUrl");
      p.type = TextAt(p.resource, "resourceType");
      for (const auto& id : p.resource.Find("identifier")->items()) {
        if (TextAt(id, "system") == system) p.identifier_value = TextAt(id, "value");
      }
      auto identity = mapping::Mapper::ParsePartIdentifierValue(p.identifier_value);
      for (const auto& m : mapper_.modules()) {
        if (identity && m->name == identity->module) p.module = m.get();
      }
      p.key = p.type + "|" + system + "|" + p.identifier_value;
      planned.push_back(std::move(p));
    }
    if (check_) check_(*bundle, source_name, issues);
  }
  if (!bundle || issues.HasErrors()) {
    Quarantine(record, source_name, issues.Take(), summary);
    return Status::Ok();
  }
  auto root = mapping::Mapper::ParsePartIdentifierValue(planned.front().identifier_value);
  std::string client_key = root ? root->county_code + "/" + root->client_id : std::string();
  // Every target's share is projected and checked before anything is sent, so that a record
  // whose projection fails for one target is rejected whole rather than half delivered.
  std::vector<std::pair<const Target*, std::vector<Planned>>> routes;
  for (const Target& target : policy_.targets()) {
    if (clients_.find(target.name) == clients_.end()) continue;
    routes.emplace_back(&target, Route(target, planned, source_name, issues));
  }
  if (issues.HasErrors()) {
    Quarantine(record, source_name, issues.Take(), summary);
    return Status::Ok();
  }
  for (auto& [target, routed] : routes) {
    TargetCounts& counts = summary.targets[target->name];
    for (const Planned& p : routed) {
      if (p.module == nullptr) continue;
      ++counts.resources;
      for (int item : p.items) ++counts.items[item];
    }
    SILTA_RETURN_IF_ERROR(PushToTarget(*target, clients_.at(target->name), routed, client_key,
                                       TextAt(record, "updatedAt"), source_name, summary));
  }
  return Status::Ok();
}

std::vector<SyncEngine::Planned> SyncEngine::Route(const Target& target,
                                                   const std::vector<Planned>& planned,
                                                   const std::string& source_name,
                                                   IssueSink& issues) const {
  const std::string system = mapper_.PartIdentifierSystem();
  std::vector<Planned> routed;
  json::Value sent = json::Value::Object();
  sent["resourceType"] = json::Value::String("Bundle");
  sent["type"] = json::Value::String("collection");
  json::Value& entries = sent["entry"] = json::Value::Array();
  // The client's Patient last: its identity core goes wherever another resource of the record
  // goes, as what they refer to.
  std::vector<const Planned*> order;
  for (const auto& p : planned) {
    if (p.module != nullptr && !p.module->is_client()) order.push_back(&p);
  }
  for (const auto& p : planned) {
    if (p.module != nullptr && p.module->is_client()) order.push_back(&p);
  }
  for (const Planned* planned_resource : order) {
    const Planned& p = *planned_resource;
    bool anchor = p.module->is_client() && !routed.empty();
    Projection projection = Project(*p.module, p.resource, policy_, target, system, anchor);
    for (const std::string& element : projection.unaccounted) {
      issues.Report({Severity::kError,
                     IssueType::kProcessing,
                     "ROUTING_ITEM_UNKNOWN",
                     "module " + p.module->name + " writes " + element +
                         " without a rule that says which AKUSTI item it expresses, so no "
                         "target may receive it",
                     element,
                     {},
                     source_name,
                     ""});
    }
    if (!projection.resource) continue;
    Planned copy = p;
    copy.resource = std::move(*projection.resource);
    copy.items = std::move(projection.items);
    RoutingPolicy::Withhold(target, copy.resource);
    RequireProfiles(target, copy.resource);
    // A resource the target receives whole was checked with the record's Bundle already.
    if (!(copy.resource == p.resource)) {
      json::Value entry = json::Value::Object();
      entry["fullUrl"] = json::Value::String(copy.full_url);
      entry["resource"] = copy.resource;
      entries.Append(std::move(entry));
    }
    routed.push_back(std::move(copy));
  }
  // What a target receives must still conform to its profiles: a projection that leaves out
  // what a profile requires is an error, never a silent send.
  if (check_ && !entries.items().empty()) {
    IssueCollector found;
    check_(sent, source_name, found);
    for (Issue& issue : found.Take()) {
      if (issue.severity >= Severity::kError) {
        // The OperationOutcome has no place for the profile a rule comes from, and the reviewer
        // of the quarantine needs it to tell the target's requirement from the record's error.
        issue.message = "as projected for target " + target.name +
                        (issue.profile.empty() ? "" : " (profile " + issue.profile + ")") + ": " +
                        issue.message;
      }
      issues.Report(std::move(issue));
    }
  }
  // Resources not routed here still matter: references to them become logical ones.
  for (const auto& p : planned) {
    bool present = std::any_of(routed.begin(), routed.end(),
                               [&](const Planned& r) { return r.full_url == p.full_url; });
    if (!present) {
      Planned absent = p;
      absent.module = nullptr;
      routed.push_back(std::move(absent));
    }
  }
  return routed;
}

// The profiles a target names for a resource type are claimed in meta.profile, so that the
// check validates the projection against them too.
void SyncEngine::RequireProfiles(const Target& target, json::Value& resource) {
  auto it = target.profiles.find(TextAt(resource, "resourceType"));
  if (it == target.profiles.end()) return;
  json::Value& profiles = resource["meta"]["profile"];
  if (!profiles.is_array()) profiles = json::Value::Array();
  for (const std::string& url : it->second) {
    bool present = std::any_of(profiles.items().begin(), profiles.items().end(),
                               [&](const json::Value& p) { return p.text() == url; });
    if (!present) profiles.Append(json::Value::String(url));
  }
}

namespace {

constexpr std::string_view kFiBase =
    "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/";
// eArkisto - Rekisterinpitäjän laji: 1 public, 2 private (FI Base information custodian).
constexpr std::string_view kCustodianKindSystem = "urn:oid:1.2.246.537.5.40172";
// Where the keeper's id comes from: the register keeper register for a public organisation, the
// SOTE organisation register for a private one (fi-base-information-custodian-public/-private).
constexpr std::string_view kKeeperRegisterSystem = "urn:oid:1.2.246.537.6.40174";
constexpr std::string_view kSoteOrganisationSystem = "urn:oid:1.2.246.537.6.202";

// The register identifier systems of FI Base's fi-base-register-identifier ValueSet.
std::string_view RegisterSystem(Register kind) {
  return kind == Register::kHealthCare ? "urn:oid:1.2.246.537.5.40150"  // patient records
                                       : "urn:oid:1.2.246.537.6.1264";  // social welfare
}
std::string_view RegisterDisplay(Register kind) {
  return kind == Register::kHealthCare ? "Potilasrekisteri" : "Sosiaalihuollon asiakasrekisteri";
}

json::Value Coding(std::string_view system, std::string_view code, std::string_view display = {}) {
  json::Value coding = json::Value::Object();
  coding["system"] = json::Value::String(std::string(system));
  coding["code"] = json::Value::String(std::string(code));
  if (!display.empty()) coding["display"] = json::Value::String(std::string(display));
  return coding;
}

// A urn:uuid for an entry the engine makes, stable for its key (a transaction needs a fullUrl
// that no mapped entry has).
std::string UuidOf(std::string_view key) {
  std::string hex = Sha256Hex(key).substr(0, 32);
  hex[12] = '5';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

json::Value CodeableConcept(json::Value coding) {
  json::Value codeable = json::Value::Object();
  codeable["coding"].Append(std::move(coding));
  return codeable;
}

}  // namespace

// The register keeper and register of what a target receives go with every transaction, as FI
// Base information-custodian Provenances: one per register the data belongs to, keyed by client,
// register (and target, being on its server), targeting every resource of the record the target
// holds in that register. Its content depends only on the record and the routing, so a repeated
// or resumed transaction rewrites the same Provenance instead of adding one.
void SyncEngine::AddCustodianProvenances(const Target& target, std::vector<Planned>& planned,
                                         const std::string& client_key,
                                         const std::string& recorded) const {
  const std::optional<Custodian>& custodian = policy_.custodian();
  if (!custodian || !target.receives_custodian) return;
  std::map<Register, std::vector<const Planned*>> by_register;
  std::vector<const Planned*> identity_only;  // the client's identity core: every register's
  for (const auto& p : planned) {
    if (p.module == nullptr) continue;
    if (p.items.empty()) identity_only.push_back(&p);
    for (int item : p.items) {
      auto& list = by_register[policy_.RegisterOf(item)];
      if (list.empty() || list.back() != &p) list.push_back(&p);
    }
  }
  if (by_register.empty()) by_register[custodian->default_register];
  std::vector<Planned> provenances;
  for (auto& [kind, resources] : by_register) {
    resources.insert(resources.end(), identity_only.begin(), identity_only.end());
    json::Value provenance = json::Value::Object();
    provenance["resourceType"] = json::Value::String("Provenance");
    std::string profile =
        std::string(kFiBase) + (custodian->is_public ? "fi-base-information-custodian-public"
                                                     : "fi-base-information-custodian-private");
    provenance["meta"]["profile"].Append(json::Value::String(profile));
    // The client in the key is hashed: the tag is visible on every target, and a target that
    // must not receive the client's CRM id (a pseudonymous store) gets the Provenance too.
    std::string key = Sha256Hex(client_key).substr(0, 32) + "/" + std::string(RegisterName(kind));
    provenance["meta"]["tag"].Append(Coding(CustodianKeySystem(), key));
    for (const Planned* r : resources) {
      json::Value reference = json::Value::Object();
      reference["reference"] = json::Value::String(r->full_url);
      provenance["target"].Append(std::move(reference));
    }
    provenance["recorded"] = json::Value::String(
        ParseInstant(recorded) >= 0 ? recorded
                                    : UtcInstant(static_cast<int64_t>(std::time(nullptr))));
    json::Value agent = json::Value::Object();
    agent["type"] = CodeableConcept(
        Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "CST", "custodian"));
    agent["role"].Append(
        CodeableConcept(Coding(kCustodianKindSystem, custodian->is_public ? "1" : "2",
                               custodian->is_public ? "Julkinen" : "Yksityinen")));
    json::Value& who = agent["who"];
    who["type"] = json::Value::String("Organization");
    who["identifier"]["type"] =
        CodeableConcept(Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "PRN"));
    who["identifier"]["system"] = json::Value::String(
        std::string(custodian->is_public ? kKeeperRegisterSystem : kSoteOrganisationSystem));
    who["identifier"]["value"] = json::Value::String("urn:oid:" + custodian->oid);
    who["display"] = json::Value::String(custodian->name);
    provenance["agent"].Append(std::move(agent));
    // FI Base 2.0.0-rc2 leaves open how to name the register; this follows the entity form of
    // its 1.0.0-rc21 ballot, with the systems of its fi-base-register-identifier ValueSet.
    json::Value entity = json::Value::Object();
    entity["role"] = json::Value::String("source");
    entity["what"]["identifier"]["system"] = json::Value::String(std::string(RegisterSystem(kind)));
    if (auto code = custodian->register_codes.find(kind); code != custodian->register_codes.end()) {
      entity["what"]["identifier"]["value"] = json::Value::String(code->second);
    }
    entity["what"]["display"] = json::Value::String(std::string(RegisterDisplay(kind)));
    provenance["entity"].Append(std::move(entity));
    RequireProfiles(target, provenance);

    Planned p;
    p.custodian_provenance = true;
    p.type = "Provenance";
    p.identifier_value = key;
    p.key = "Provenance|" + CustodianKeySystem() + "|" + key;
    p.full_url = "urn:uuid:" + UuidOf(p.key);
    p.resource = std::move(provenance);
    provenances.push_back(std::move(p));
  }
  for (auto& p : provenances) planned.push_back(std::move(p));
}

Status SyncEngine::PushToTarget(const Target& target, fhirclient::FhirClient* client,
                                std::vector<Planned>& planned, const std::string& client_key,
                                const std::string& recorded_at, const std::string& source_name,
                                SyncSummary& summary) {
  TargetCounts& counts = summary.targets[target.name];
  // A journal that cannot be read or written ends the run: going on would send what the journal
  // cannot record, and every later record would meet the same failure.
  auto journal_failed = [&](const Status& status) {
    ++counts.errors;
    summary.messages.push_back(target.name + ": " + status.message());
    return status.Annotate("sync journal unusable, run stopped");
  };
  auto is_routed = [](const Planned& p) { return p.module != nullptr || p.custodian_provenance; };
  auto plan = [&](Planned& p) -> Status {
    p.hash = Sha256Hex(p.resource.ToString());
    SILTA_ASSIGN_OR_RETURN(p.known, journal_.Get(target.name, p.key));
    p.send = !p.known || p.known->content_hash != p.hash;
    return Status::Ok();
  };
  for (auto& p : planned) {
    if (!is_routed(p)) continue;
    if (Status planned_ok = plan(p); !planned_ok.ok()) return journal_failed(planned_ok);
    if (!p.send) ++counts.unchanged;
  }
  auto to_send = [&] {
    return std::count_if(planned.begin(), planned.end(),
                         [&](const Planned& p) { return is_routed(p) && p.send; });
  };
  if (to_send() == 0) return Status::Ok();
  // Only a transaction that sends something carries the custodian: nothing changed, nothing sent.
  const size_t first_provenance = planned.size();
  AddCustodianProvenances(target, planned, client_key, recorded_at);
  for (size_t i = first_provenance; i < planned.size(); ++i) {
    if (Status planned_ok = plan(planned[i]); !planned_ok.ok()) return journal_failed(planned_ok);
    planned[i].send = true;  // every transaction carries it, changed or not
  }
  const int provenances = static_cast<int>(planned.size() - first_provenance);
  if (options_.dry_run) {
    counts.sent += static_cast<int>(to_send()) - provenances;
    counts.provenances += provenances;
    summary.messages.push_back(
        source_name + " → " + target.name + ": would send " +
        std::to_string(to_send() - provenances) + " resource(s)" +
        (provenances > 0 ? " and " + std::to_string(provenances) + " custodian Provenance(s)"
                         : std::string()) +
        " (dry run)");
    return Status::Ok();
  }

  for (int attempt = 0; attempt < 2 && to_send() > 0; ++attempt) {
    json::Value bundle = json::Value::Object();
    bundle["resourceType"] = json::Value::String("Bundle");
    bundle["type"] = json::Value::String("transaction");
    json::Value& entries = bundle["entry"] = json::Value::Array();
    std::vector<Planned*> sent;
    for (auto& p : planned) {
      if (!is_routed(p) || !p.send) continue;
      json::Value resource = p.resource;
      json::Value tag = json::Value::Object();
      tag["system"] = json::Value::String(ContentHashSystem());
      tag["code"] = json::Value::String(p.hash);
      resource["meta"]["tag"].Append(std::move(tag));
      // References to resources outside this transaction: the server's id when the journal
      // knows it, otherwise a logical reference by business identifier.
      mapping::ForEachReference(resource, [&](json::Value& ref) {
        std::string url = ref.Find("reference")->text();
        auto other = std::find_if(planned.begin(), planned.end(),
                                  [&](const Planned& o) { return o.full_url == url; });
        if (other == planned.end() || (is_routed(*other) && other->send)) return;
        if (is_routed(*other) && other->known) {
          ref["reference"] = json::Value::String(other->type + "/" + other->known->server_id);
          return;
        }
        ref.Remove("reference");
        ref["type"] = json::Value::String(other->type);
        ref["identifier"]["system"] = json::Value::String(mapper_.PartIdentifierSystem());
        ref["identifier"]["value"] = json::Value::String(other->identifier_value);
      });
      json::Value entry = json::Value::Object();
      entry["fullUrl"] = json::Value::String(p.full_url);
      json::Value& request = entry["request"];
      request["method"] = json::Value::String("PUT");
      if (p.known) {
        resource["id"] = json::Value::String(p.known->server_id);
        request["url"] = json::Value::String(p.type + "/" + p.known->server_id);
        request["ifMatch"] = json::Value::String("W/\"" + p.known->version_id + "\"");
      } else if (p.custodian_provenance) {
        // Provenance has no identifier: its key tag is what a repeat finds it by.
        resource.Remove("id");
        request["url"] =
            json::Value::String("Provenance?_tag=" + fhirclient::UrlEncode(CustodianKeySystem()) +
                                "%7C" + fhirclient::UrlEncode(p.identifier_value));
      } else {
        resource.Remove("id");
        request["url"] = json::Value::String(
            p.type + "?identifier=" + fhirclient::UrlEncode(mapper_.PartIdentifierSystem()) +
            "%7C" + fhirclient::UrlEncode(p.identifier_value));
      }
      entry["resource"] = std::move(resource);
      entries.Append(std::move(entry));
      sent.push_back(&p);
    }

    auto outcome = client->Transaction(bundle.ToString());
    if (outcome.ok()) {
      std::vector<JournalEntry> confirmed;
      for (size_t i = 0; i < sent.size() && i < outcome->entries.size(); ++i) {
        const auto& e = outcome->entries[i];
        // A Provenance is journalled without the client, so that a pull does not read it back
        // as part of the record.
        JournalEntry j{target.name,
                       sent[i]->key,
                       sent[i]->hash,
                       "",
                       "",
                       sent[i]->custodian_provenance ? std::string() : client_key,
                       static_cast<int64_t>(std::time(nullptr))};
        if (!e.ok() || !ParseLocation(e.location, &j.server_id, &j.version_id)) {
          ++counts.errors;
          summary.messages.push_back(source_name + " → " + target.name + ": entry " +
                                     std::to_string(i) + " answered " + std::to_string(e.status));
          continue;
        }
        if (!e.etag.empty()) j.version_id = VersionFromEtag(e.etag);
        if (j.version_id.empty()) j.version_id = e.resource_version_id;
        if (j.version_id.empty()) {
          // The server named no version: ask, so that the next update can be conditional.
          auto current = client->Read(sent[i]->type, j.server_id);
          if (current.ok()) j.version_id = current->version_id;
        }
        confirmed.push_back(std::move(j));
      }
      if (Status written = journal_.Put(confirmed); !written.ok()) {
        return journal_failed(written);
      }
      for (const JournalEntry& j : confirmed) {
        ++(j.resource_key.starts_with("Provenance|" + CustodianKeySystem()) ? counts.provenances
                                                                            : counts.sent);
      }
      return Status::Ok();
    }
    if (outcome.http_status() != 412) {
      ++counts.errors;
      if (IsDataRefusal(outcome.http_status())) ++summary.refused;
      summary.messages.push_back(source_name + " → " + target.name + ": " +
                                 outcome.status().message());
      return Status::Ok();
    }
    // 412: some resource changed on the server since the journal saw it. Tell our own
    // unconfirmed writes (same content hash) from real conflicts, then retry without both.
    for (Planned* p : sent) {
      if (!p->known) continue;
      auto current = client->Read(p->type, p->known->server_id);
      if (!current.ok()) continue;
      std::string version =
          !current->version_id.empty() ? current->version_id : VersionFromEtag(current->etag);
      if (version == p->known->version_id) continue;
      bool own_write = false;
      if (auto body = json::Value::Parse(current->body, "server"); body.ok()) {
        if (const json::Value* meta = body->Find("meta"); meta != nullptr) {
          if (const json::Value* tags = meta->Find("tag")) {
            for (const auto& tag : tags->items()) {
              own_write = own_write || (TextAt(tag, "system") == ContentHashSystem() &&
                                        TextAt(tag, "code") == p->hash);
            }
          }
        }
      }
      p->send = false;
      if (own_write) {
        JournalEntry j = *p->known;
        j.content_hash = p->hash;
        j.version_id = version;
        j.updated_at = static_cast<int64_t>(std::time(nullptr));
        if (Status written = journal_.Put({j}); !written.ok()) return journal_failed(written);
        ++(p->custodian_provenance ? counts.provenances : counts.sent);
        p->known = j;
        continue;
      }
      ++counts.conflicts;
      summary.messages.push_back(source_name + " → " + target.name + ": conflict on " + p->type +
                                 " (server version " + version + ", journal " +
                                 p->known->version_id + "), kept for review");
      // The journal is where conflicts wait for review; one that is not recorded there is lost
      // to the reviewers once this run's output is gone.
      if (Status recorded = journal_.AddConflict({target.name, p->key, p->known->version_id,
                                                  version, "HTTP 412 on update",
                                                  static_cast<int64_t>(std::time(nullptr))});
          !recorded.ok()) {
        return journal_failed(recorded);
      }
    }
  }
  // Refused with 412 in every round and neither confirmed as our own write nor as a conflict
  // (the reads that would tell failed, or the 412 was about something else): the run must not
  // pass for a success. The journal still holds the old state, so the next run sends them again.
  if (to_send() > 0) {
    ++counts.errors;
    summary.messages.push_back(source_name + " → " + target.name + ": " +
                               std::to_string(to_send()) +
                               " resource(s) refused with HTTP 412 and not confirmed");
  }
  return Status::Ok();
}

StatusOr<PullSummary> SyncEngine::Pull(
    const std::string& target, const std::function<Status(const json::Value&)>& write_record) {
  auto found = clients_.find(target);
  if (found == clients_.end()) return NotFoundError("no client for target \"" + target + "\"");
  fhirclient::FhirClient& client = *found->second;
  SILTA_ASSIGN_OR_RETURN(std::optional<std::string> watermark, journal_.Watermark(target));
  std::string since;
  if (watermark) {
    int64_t seconds = ParseInstant(*watermark);
    if (seconds >= 0) since = UtcInstant(seconds - options_.pull_overlap.count());
  }
  PullSummary summary;
  const std::string system = mapper_.PartIdentifierSystem();
  std::map<std::string, std::set<std::string>> changed;  // client key → "Type/id"
  struct FeedItem {
    mapping::PartIdentity identity;
    std::string key;
    std::string version;
    std::string updated;
  };
  std::map<std::string, FeedItem> newest_by_resource;
  int64_t newest = -1;
  std::string newest_text;
  fhirclient::Pager pager = client.History("", since);
  while (true) {
    SILTA_ASSIGN_OR_RETURN(std::optional<fhirclient::FhirResponse> page, pager.NextPage());
    if (!page) break;
    SILTA_ASSIGN_OR_RETURN(json::Value bundle, json::Value::Parse(page->body, "history page"));
    const json::Value* entries = bundle.Find("entry");
    if (entries == nullptr) continue;
    for (const auto& entry : entries->items()) {
      const json::Value* resource = entry.Find("resource");
      if (resource == nullptr) continue;  // a deletion: the record keeps what the CRM says
      const json::Value* ids = resource->Find("identifier");
      std::string value;
      if (ids != nullptr) {
        for (const auto& id : ids->items()) {
          if (TextAt(id, "system") == system) value = TextAt(id, "value");
        }
      }
      auto identity = mapping::Mapper::ParsePartIdentifierValue(value);
      if (!identity) continue;  // not made from a client record
      ++summary.changes_seen;
      const json::Value* meta = resource->Find("meta");
      std::string version = meta != nullptr ? TextAt(*meta, "versionId") : std::string();
      std::string updated = meta != nullptr ? TextAt(*meta, "lastUpdated") : std::string();
      if (int64_t t = ParseInstant(updated); t > newest) {
        newest = t;
        newest_text = updated;
      }
      // The feed holds every version; only the newest of each resource matters. Servers write
      // lastUpdated in one UTC form, so the text orders like the instant (and keeps the
      // sub-second part that tells two versions of the same second apart); on a tie the
      // first seen wins, as feeds run newest first.
      std::string ref = TextAt(*resource, "resourceType") + "/" + TextAt(*resource, "id");
      FeedItem& item = newest_by_resource[ref];
      if (item.updated.empty() || updated > item.updated) {
        item = FeedItem{*identity, TextAt(*resource, "resourceType") + "|" + system + "|" + value,
                        version, updated};
      }
    }
  }
  for (const auto& [ref, item] : newest_by_resource) {
    SILTA_ASSIGN_OR_RETURN(auto known, journal_.Get(target, item.key));
    if (known && known->version_id == item.version) {
      ++summary.already_known;
      continue;
    }
    changed[item.identity.county_code + "/" + item.identity.client_id].insert(ref);
  }
  for (auto& [client_key, resources] : changed) {
    SILTA_ASSIGN_OR_RETURN(std::vector<JournalEntry> journalled,
                           journal_.ForClient(target, client_key));
    for (const auto& j : journalled) {
      resources.insert(j.resource_key.substr(0, j.resource_key.find('|')) + "/" + j.server_id);
    }
    json::Value bundle = json::Value::Object();
    bundle["resourceType"] = json::Value::String("Bundle");
    bundle["type"] = json::Value::String("collection");
    json::Value& entries = bundle["entry"] = json::Value::Array();
    std::vector<JournalEntry> seen;
    for (const auto& ref : resources) {
      size_t slash = ref.find('/');
      auto current = client.Read(ref.substr(0, slash), ref.substr(slash + 1));
      if (!current.ok()) continue;  // deleted meanwhile
      auto resource = json::Value::Parse(current->body, ref);
      if (!resource.ok()) continue;
      json::Value entry = json::Value::Object();
      entry["fullUrl"] = json::Value::String(client.base_url() + "/" + ref);
      entry["resource"] = *resource;
      entries.Append(std::move(entry));
      std::string value;
      for (const auto& id : resource->Find("identifier")->items()) {
        if (TextAt(id, "system") == system) value = TextAt(id, "value");
      }
      std::string key = ref.substr(0, slash) + "|" + system + "|" + value;
      SILTA_ASSIGN_OR_RETURN(std::optional<JournalEntry> known, journal_.Get(target, key));
      JournalEntry j{target,
                     key,
                     "",
                     ref.substr(slash + 1),
                     current->version_id,
                     client_key,
                     static_cast<int64_t>(std::time(nullptr))};
      if (known) j.content_hash = known->content_hash;
      seen.push_back(std::move(j));
    }
    IssueCollector issues;
    std::optional<json::Value> record = mapper_.FromFhir(bundle, issues);
    if (!record) {
      ++summary.errors;
      summary.messages.push_back(target + ": client " + std::to_string(summary.errors) +
                                 " could not be mapped back: " +
                                 (issues.issues().empty() ? "" : issues.issues()[0].message));
      continue;
    }
    Status written = write_record(*record);
    if (!written.ok()) {
      ++summary.errors;
      summary.messages.push_back(written.message());
      continue;
    }
    ++summary.records_written;
    SILTA_RETURN_IF_ERROR(journal_.Put(seen));
  }
  if (!newest_text.empty()) SILTA_RETURN_IF_ERROR(journal_.SetWatermark(target, newest_text));
  return summary;
}

}  // namespace silta::sync
