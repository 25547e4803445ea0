#include "kanta-phr/phr_transform.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "identifiers/identifiers.h"

namespace silta::adapters::phr {
namespace {

constexpr std::string_view kContentHashSuffix = "/CodeSystem/content-hash";
// A keyed-hash table larger than this is emptied before the next transaction's hashes go in:
// the engine reads a hash back only within the push that wrote it.
constexpr size_t kMaxKeyedHashes = 1 << 16;

// The extension's context (fiphr-ext-creatingapplication 0.2.1, StructureDefinition.context).
constexpr std::string_view kCreatingApplicationContext[] = {
    "Observation",   "MedicationAdministration", "MedicationStatement", "CarePlan",
    "Questionnaire", "QuestionnaireResponse",    "StructureDefinition"};

std::string TextAt(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

// The resource type a literal reference names: "Patient/1", ".../fhir/Patient/1/_history/2".
std::string ReferencedType(std::string_view reference) {
  if (size_t history = reference.find("/_history/"); history != std::string_view::npos) {
    reference = reference.substr(0, history);
  }
  size_t id_slash = reference.rfind('/');
  if (id_slash == std::string_view::npos || id_slash == 0) return "";
  std::string_view before = reference.substr(0, id_slash);
  size_t type_slash = before.rfind('/');
  return std::string(type_slash == std::string_view::npos ? before : before.substr(type_slash + 1));
}

// What the transformation must have removed: the client's (and any person's) names, contact
// details, addresses and identifiers as they were in the transaction before it, and the CRM
// client ids inside the business identifiers. Each with what it is, for the message.
struct Sensitive {
  std::string text;  // lower case
  std::string_view what;
};

void CollectSensitive(const json::Value& resource, std::string_view business_system,
                      std::vector<Sensitive>& out) {
  auto add = [&](const std::string& text, std::string_view what) {
    // Two-letter given names and the like would match ordinary words; identifiers and the
    // longer parts of names still catch a leak.
    if (text.size() < 3) return;
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.push_back({std::move(lower), what});
  };
  const std::string type = TextAt(resource, "resourceType");
  const bool person = type == "Patient" || type == "RelatedPerson" || type == "Practitioner";
  if (const json::Value* ids = resource.Find("identifier")) {
    for (const auto& id : ids->items()) {
      std::string value = TextAt(id, "value");
      if (TextAt(id, "system") == business_system) {
        // county/clientId/module/part: the client id is the CRM's.
        size_t first = value.find('/');
        size_t second = first == std::string::npos ? first : value.find('/', first + 1);
        if (second != std::string::npos) {
          add(value.substr(first + 1, second - first - 1), "CRM client id");
        }
      } else if (person) {
        // A person's identifiers (HETU, CRM and local client ids); the other resources' own
        // ones ("fa1") say nothing about anybody.
        add(value, "personal identifier");
      }
    }
  }
  if (!person) return;
  if (const json::Value* names = resource.Find("name")) {
    for (const auto& name : names->items()) {
      add(TextAt(name, "family"), "name");
      add(TextAt(name, "text"), "name");
      if (const json::Value* given = name.Find("given")) {
        for (const auto& g : given->items()) add(g.text(), "name");
      }
    }
  }
  if (const json::Value* telecoms = resource.Find("telecom")) {
    for (const auto& t : telecoms->items()) add(TextAt(t, "value"), "contact detail");
  }
  if (const json::Value* addresses = resource.Find("address")) {
    for (const auto& a : addresses->items()) {
      add(TextAt(a, "text"), "address");
      add(TextAt(a, "postalCode"), "address");
      if (const json::Value* lines = a.Find("line")) {
        for (const auto& l : lines->items()) add(l.text(), "address");
      }
    }
  }
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Whether `haystack` (lower case) holds `needle` as a whole word.
bool ContainsWord(std::string_view haystack, std::string_view needle) {
  for (size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    bool starts = at == 0 || !IsWordChar(haystack[at - 1]);
    size_t end = at + needle.size();
    bool ends = end == haystack.size() || !IsWordChar(haystack[end]);
    if (starts && ends) return true;
  }
  return false;
}

bool HoldsHetu(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (IsWordChar(text[i]) || text[i] == '-' || text[i] == '+')) ++i;
    if (i - start == 11 && identifiers::CheckHetu(text.substr(start, 11)).ok()) return true;
    if (i == start) ++i;
  }
  return false;
}

// The first leak in `node`: what it is, or empty.
std::string_view FindLeak(const json::Value& node, const std::vector<Sensitive>& sensitive) {
  if (node.is_array()) {
    for (const auto& item : node.items()) {
      if (auto leak = FindLeak(item, sensitive); !leak.empty()) return leak;
    }
    return {};
  }
  if (node.is_object()) {
    for (const auto& [name, value] : node.members()) {
      if (auto leak = FindLeak(value, sensitive); !leak.empty()) return leak;
    }
    return {};
  }
  if (node.kind() != json::Value::Kind::kString) return {};
  if (HoldsHetu(node.text())) return "HETU";
  std::string lower = node.text();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const Sensitive& s : sensitive) {
    if (ContainsWord(lower, s.text)) return s.what;
  }
  return {};
}

Status Refuse(const std::string& why) {
  return FailedPreconditionError("kanta-phr: " + why + "; nothing was sent");
}

}  // namespace

const std::set<std::string, std::less<>>& KantaPhrResourceTypes() {
  static const std::set<std::string, std::less<>> kTypes = {
      "CarePlan",      "Observation",           "Patient",  "MedicationAdministration",
      "Questionnaire", "QuestionnaireResponse", "ValueSet", "StructureDefinition",
      "CodeSystem"};
  return kTypes;
}

StatusOr<std::string> PhrTransform::TransformUrl(std::string_view url) const {
  size_t question = url.find('?');
  std::string_view path = url.substr(0, question);
  if (path.ends_with("/_history") || path == "_history") {
    return Refuse(
        "a pseudonymous target cannot be pulled from: what it holds no longer says whose it is");
  }
  if (question == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, question + 1));
  std::string_view query = url.substr(question + 1);
  bool first = true;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t equals = param.find('=');
    std::string name = UrlDecode(param.substr(0, equals));
    std::string rewritten(param);
    if (name == "identifier") {
      std::string value =
          equals == std::string_view::npos ? std::string() : UrlDecode(param.substr(equals + 1));
      size_t bar = value.find('|');
      if (bar == std::string::npos || value.substr(0, bar) != options_.business_identifier_system) {
        return Refuse(
            "a search by an identifier other than the business identifier could "
            "re-identify the client");
      }
      rewritten = "identifier=" + fhirclient::UrlEncode(kUriSystem) + "%7C" +
                  fhirclient::UrlEncode(PseudonymOf(value.substr(bar + 1)));
    }
    out += (first ? "" : "&") + rewritten;
    first = false;
  }
  return out;
}

void PhrTransform::TransformMeta(const json::Value* meta, json::Value& out, bool patient) {
  json::Value result = json::Value::Object();
  if (meta != nullptr && meta->is_object()) {
    for (const char* kept : {"versionId", "lastUpdated", "security"}) {
      if (const json::Value* v = meta->Find(kept)) result[kept] = *v;
    }
    if (const json::Value* tags = meta->Find("tag")) {
      json::Value& out_tags = result["tag"] = json::Value::Array();
      for (const auto& tag : tags->items()) {
        json::Value copy = tag;
        if (TextAt(tag, "system").ends_with(kContentHashSuffix)) {
          std::string keyed = pseudonymiser_.ContentHash(TextAt(tag, "code"));
          {
            std::lock_guard lock(mutex_);
            keyed_hashes_[keyed] = TextAt(tag, "code");
          }
          copy["code"] = json::Value::String(keyed);
        }
        out_tags.Append(std::move(copy));
      }
    }
  }
  // Silta's profiles describe the identified record and no longer hold; a Patient claims the
  // Kanta PHR profile it now conforms to.
  if (patient) result["profile"].Append(json::Value::String(std::string(kPatientProfile)));
  if (!result.members().empty()) out["meta"] = std::move(result);
}

json::Value PhrTransform::PseudonymousPatient(const json::Value& patient,
                                              const std::string& pseudonym,
                                              const UrlMap& full_urls) {
  // Built up from nothing: whatever the Patient carried that is not named here (name, HETU,
  // address, telecom, birth date, gender, contained organisations, narrative...) never leaves.
  json::Value out = json::Value::Object();
  out["resourceType"] = json::Value::String("Patient");
  if (const json::Value* id = patient.Find("id")) out["id"] = *id;
  TransformMeta(patient.Find("meta"), out, /*patient=*/true);
  if (const json::Value* extensions = patient.Find("extension")) {
    json::Value kept = json::Value::Array();
    for (const auto& e : extensions->items()) {
      if (!options_.patient_extensions.contains(TextAt(e, "url"))) continue;
      json::Value copy = e;
      if (Scrub(copy, full_urls)) kept.Append(std::move(copy));
    }
    if (!kept.items().empty()) out["extension"] = std::move(kept);
  }
  json::Value identifier = json::Value::Object();
  identifier["system"] = json::Value::String(std::string(kUriSystem));
  identifier["value"] = json::Value::String(pseudonym);
  out["identifier"].Append(std::move(identifier));
  return out;
}

bool PhrTransform::ScrubReference(json::Value& reference, const UrlMap& full_urls) const {
  // Names of people show up in displays; the PHR resolves references itself.
  reference.Remove("display");
  const std::string type = TextAt(reference, "type");
  if (!type.empty() && !options_.accepted_types.contains(type)) return false;
  if (const json::Value* literal = reference.Find("reference")) {
    const std::string text = literal->text();
    std::string kept;
    if (auto mapped = full_urls.find(text); mapped != full_urls.end()) {
      kept = mapped->second;
    } else if (!text.starts_with('#') && !text.starts_with("urn:") &&
               options_.accepted_types.contains(ReferencedType(text))) {
      kept = text;  // the PHR store's own id of a resource it holds
    }
    if (kept.empty()) {
      reference.Remove("reference");
    } else {
      reference["reference"] = json::Value::String(kept);
    }
  }
  if (const json::Value* identifier = reference.Find("identifier")) {
    if (TextAt(*identifier, "system") == options_.business_identifier_system) {
      std::string pseudonym = PseudonymOf(TextAt(*identifier, "value"));
      json::Value replaced = json::Value::Object();
      replaced["system"] = json::Value::String(std::string(kUriSystem));
      replaced["value"] = json::Value::String(pseudonym);
      reference["identifier"] = std::move(replaced);
    } else {
      reference.Remove("identifier");
    }
  }
  if (json::Value* extensions = reference.Find("extension")) {
    if (!Scrub(*extensions, full_urls)) reference.Remove("extension");
  }
  return reference.Find("reference") != nullptr || reference.Find("identifier") != nullptr;
}

bool PhrTransform::Scrub(json::Value& node, const UrlMap& full_urls) const {
  if (node.is_array()) {
    auto& items = node.items();
    items.erase(std::remove_if(items.begin(), items.end(),
                               [&](json::Value& item) { return !Scrub(item, full_urls); }),
                items.end());
    return !items.empty();
  }
  if (!node.is_object()) return true;
  const json::Value* identifier = node.Find("identifier");
  const json::Value* literal = node.Find("reference");
  if ((literal != nullptr && literal->kind() == json::Value::Kind::kString) ||
      (identifier != nullptr && identifier->is_object())) {
    return ScrubReference(node, full_urls);
  }
  auto& members = node.members();
  auto carries_value = [&] {
    return std::any_of(members.begin(), members.end(), [](const json::Value::Member& m) {
      return m.first.starts_with("value") || m.first == "extension";
    });
  };
  const bool was_extension = node.Find("url") != nullptr && carries_value();
  members.erase(std::remove_if(members.begin(), members.end(),
                               [&](json::Value::Member& m) { return !Scrub(m.second, full_urls); }),
                members.end());
  // An extension whose value went (a reference to something the PHR does not hold) is no
  // extension (ext-1).
  return !members.empty() && !(was_extension && !carries_value());
}

StatusOr<json::Value> PhrTransform::TransformResource(const json::Value& resource,
                                                      const UrlMap& full_urls) {
  const std::string type = TextAt(resource, "resourceType");
  if (!options_.accepted_types.contains(type)) {
    return Refuse("the PHR store does not take " +
                  (type.empty() ? "resources without a type" : type) +
                  " (its CapabilityStatement); the routing policy sends it to this target: narrow "
                  "the target's \"items\"");
  }
  std::string business;
  if (const json::Value* ids = resource.Find("identifier")) {
    for (const auto& id : ids->items()) {
      if (TextAt(id, "system") == options_.business_identifier_system) {
        business = TextAt(id, "value");
      }
    }
  }
  if (type == "Patient") {
    if (business.empty()) {
      return Refuse("a Patient without the business identifier cannot be given a pseudonym");
    }
    return PseudonymousPatient(resource, PseudonymOf(business), full_urls);
  }
  json::Value out = json::Value::Object();
  for (const auto& [name, value] : resource.members()) {
    // The narrative may show the client's name; contained resources are other people and
    // organisations the PHR does not hold.
    if (name == "text" || name == "contained" || name == "meta") continue;
    if (name == "identifier") {
      // Only the business identifier, as its pseudonym: others (HETUs, CRM and local ids)
      // could re-identify.
      if (business.empty()) continue;
      json::Value id = json::Value::Object();
      id["system"] = json::Value::String(std::string(kUriSystem));
      id["value"] = json::Value::String(PseudonymOf(business));
      out["identifier"].Append(std::move(id));
      continue;
    }
    json::Value copy = value;
    if (name == "resourceType" || name == "id" || Scrub(copy, full_urls))
      out[name] = std::move(copy);
  }
  TransformMeta(resource.Find("meta"), out, /*patient=*/false);
  if (std::find(std::begin(kCreatingApplicationContext), std::end(kCreatingApplicationContext),
                type) != std::end(kCreatingApplicationContext)) {
    json::Value extension = json::Value::Object();
    extension["url"] = json::Value::String(std::string(kCreatingApplicationUrl));
    json::Value& parts = extension["extension"] = json::Value::Array();
    json::Value name = json::Value::Object();
    name["url"] = json::Value::String("name");
    name["valueString"] = json::Value::String(options_.application_name);
    parts.Append(std::move(name));
    json::Value id = json::Value::Object();
    id["url"] = json::Value::String("applicationId");
    id["valueString"] = json::Value::String(options_.application_id);
    parts.Append(std::move(id));
    out["extension"].Append(std::move(extension));
  }
  return out;
}

StatusOr<json::Value> PhrTransform::TransformBundle(const json::Value& bundle) {
  const json::Value* entries = bundle.Find("entry");
  std::vector<Sensitive> sensitive;
  UrlMap full_urls;
  if (entries != nullptr) {
    for (const auto& entry : entries->items()) {
      std::string full_url = TextAt(entry, "fullUrl");
      if (!full_url.empty()) full_urls[full_url] = pseudonymiser_.FullUrl(full_url);
      if (const json::Value* resource = entry.Find("resource")) {
        CollectSensitive(*resource, options_.business_identifier_system, sensitive);
      }
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (keyed_hashes_.size() > kMaxKeyedHashes) keyed_hashes_.clear();
  }
  json::Value out = json::Value::Object();
  for (const auto& [name, value] : bundle.members()) {
    if (name != "entry") out[name] = value;
  }
  if (entries != nullptr) {
    json::Value& out_entries = out["entry"] = json::Value::Array();
    for (const auto& entry : entries->items()) {
      json::Value copy = json::Value::Object();
      if (auto it = full_urls.find(TextAt(entry, "fullUrl")); it != full_urls.end()) {
        copy["fullUrl"] = json::Value::String(it->second);
      }
      if (const json::Value* resource = entry.Find("resource")) {
        SILTA_ASSIGN_OR_RETURN(copy["resource"], TransformResource(*resource, full_urls));
      }
      if (const json::Value* request = entry.Find("request")) {
        json::Value r = *request;
        if (const json::Value* url = request->Find("url")) {
          SILTA_ASSIGN_OR_RETURN(std::string rewritten, TransformUrl(url->text()));
          r["url"] = json::Value::String(rewritten);
        }
        if (const json::Value* condition = request->Find("ifNoneExist")) {
          SILTA_ASSIGN_OR_RETURN(std::string rewritten, TransformUrl("?" + condition->text()));
          r["ifNoneExist"] = json::Value::String(rewritten.substr(1));
        }
        copy["request"] = std::move(r);
      }
      out_entries.Append(std::move(copy));
    }
  }
  // The transformation works by rules; this checks their result against what the transaction
  // held, so that a rule missing for some element cannot send a person's data anyway.
  if (std::string_view leak = FindLeak(out, sensitive); !leak.empty()) {
    return Refuse("after pseudonymisation the transaction would still carry a " +
                  std::string(leak));
  }
  return out;
}

StatusOr<fhirclient::HttpRequest> PhrTransform::Outgoing(const fhirclient::HttpRequest& request) {
  fhirclient::HttpRequest out = request;
  SILTA_ASSIGN_OR_RETURN(out.url, TransformUrl(request.url));
  for (auto& [name, value] : out.headers) {
    if (fhirclient::EqualsIgnoreCase(name, "If-None-Exist")) {
      SILTA_ASSIGN_OR_RETURN(std::string rewritten, TransformUrl("?" + value));
      value = rewritten.substr(1);
    }
  }
  if (request.body.empty()) return out;
  auto body = json::Value::Parse(request.body, "request");
  if (!body.ok())
    return Refuse("a request body that is not JSON cannot be checked for personal data");
  if (TextAt(*body, "resourceType") == "Bundle") {
    SILTA_ASSIGN_OR_RETURN(json::Value transformed, TransformBundle(*body));
    out.body = transformed.ToString();
  } else {
    // One resource alone: checked as a transaction of one.
    json::Value bundle = json::Value::Object();
    bundle["resourceType"] = json::Value::String("Bundle");
    json::Value entry = json::Value::Object();
    entry["resource"] = std::move(*body);
    bundle["entry"].Append(std::move(entry));
    SILTA_ASSIGN_OR_RETURN(json::Value transformed, TransformBundle(bundle));
    out.body = transformed.Find("entry")->items().front().Find("resource")->ToString();
  }
  return out;
}

namespace {

bool RestoreHashes(json::Value& node,
                   const std::map<std::string, std::string, std::less<>>& keyed) {
  bool changed = false;
  if (node.is_array()) {
    for (auto& item : node.items()) changed = RestoreHashes(item, keyed) || changed;
    return changed;
  }
  if (!node.is_object()) return false;
  if (TextAt(node, "system").ends_with(kContentHashSuffix)) {
    if (auto it = keyed.find(TextAt(node, "code")); it != keyed.end()) {
      node["code"] = json::Value::String(it->second);
      return true;
    }
  }
  for (auto& [name, value] : node.members()) changed = RestoreHashes(value, keyed) || changed;
  return changed;
}

}  // namespace

std::string PhrTransform::Incoming(std::string body) const {
  if (body.find(kContentHashSuffix) == std::string::npos) return body;
  auto json = json::Value::Parse(body, "response");
  if (!json.ok()) return body;
  std::lock_guard lock(mutex_);
  if (!RestoreHashes(*json, keyed_hashes_)) return body;
  return json->ToString();
}

}  // namespace silta::adapters::phr
