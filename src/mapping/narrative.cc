#include "mapping/narrative.h"

#include <algorithm>
#include <array>

#include "base/base.h"

namespace silta::mapping {
namespace {

constexpr std::string_view kFiBase =
    "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/";
// Stands for Silta's canonical base in the paths below; replaced when a table is made.
constexpr std::string_view kCanonical = "{canonical}";

struct RowSpec {
  std::string_view key;
  std::string_view label;
  std::string_view path;
  NarrativeShow show;
};

struct TableSpec {
  std::string_view resource_type;
  std::string_view title;
  std::vector<RowSpec> rows;
};

using S = NarrativeShow;

// What a reader of each resource Silta makes wants to see first, in Finnish. Identifiers other
// than the person's own (record-element ids, the part identifier) mean nothing to a person and
// are left out; so are references without a display (they point at other entries).
const std::vector<TableSpec>& Specs() {
  static const std::vector<TableSpec> specs = {
      {"Patient",
       "Asiakas",
       {
           {"name", "nimi", "name", S::kName},
           {"hetu", "henkilötunnus", "identifier.where(system='urn:oid:1.2.246.21').value",
            S::kText},
           {"clientId", "asiakasnumero", "identifier.where(use='usual').value", S::kText},
           {"temporaryId", "väliaikainen tunniste", "identifier.where(use='temp').value", S::kText},
           {"birthDate", "syntymäaika", "birthDate", S::kDate},
           {"gender", "sukupuoli", "gender", S::kCode},
           {"homeMunicipality", "kotikunta", "extension('{fi}municipality-code').valueCoding",
            S::kCode},
           {"county", "järjestäjä",
            "extension('{canonical}/StructureDefinition/organising-county')"
            ".valueCoding",
            S::kCode},
           {"address", "osoite", "address", S::kAddress},
           {"telecom", "yhteystiedot", "telecom", S::kContact},
           {"occupation", "ammatti", "extension('{fi}patient-profession').valueCoding", S::kCode},
           {"education", "koulutus",
            "extension('{canonical}/StructureDefinition/education').valueCoding", S::kCode},
           {"nonDisclosure", "turvakielto",
            "extension('{canonical}/StructureDefinition/non-disclosure').valueBoolean",
            S::kBoolean},
           {"updatedAt", "tiedot päivitetty",
            "extension('{canonical}/StructureDefinition/record-updated-at').valueInstant",
            S::kDateTime},
       }},
      {"RelatedPerson",
       "Läheinen",
       {
           {"name", "nimi", "name", S::kName},
           {"relationship", "suhde asiakkaaseen", "relationship", S::kCode},
           {"telecom", "yhteystiedot", "telecom", S::kContact},
           {"address", "osoite", "address", S::kAddress},
           {"period", "voimassa", "period", S::kPeriod},
       }},
      {"Practitioner",
       "Ammattilainen",
       {
           {"name", "nimi", "name", S::kName},
           {"terhikki", "Terhikki-numero",
            "identifier.where(system='urn:oid:1.2.246.537.26').value", S::kText},
       }},
      {"CareTeam",
       "Asiakkaan ammattilaiset",
       {
           {"status", "tila", "status", S::kCode},
           {"role", "roolit", "participant.role", S::kCode},
           {"organisation", "organisaatio", "participant.onBehalfOf", S::kReference},
       }},
      {"EpisodeOfCare",
       "Asiakkuus",
       {
           {"service", "palvelu", "type", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"period", "ajanjakso", "period", S::kPeriod},
           {"provider", "järjestäjä tai tuottaja", "managingOrganization", S::kReference},
       }},
      {"CarePlan",
       "Suunnitelma",
       {
           {"title", "otsikko", "title", S::kText},
           {"kind", "laji", "category", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"period", "ajanjakso", "period", S::kPeriod},
           {"goals", "tavoitteet",
            "extension('{canonical}/StructureDefinition/plan-goal').valueString", S::kText},
       }},
      {"Observation",
       "Toimintakyky",
       {
           {"code", "arvioitu", "code", S::kCode},
           {"qualifier", "arvio (ICF-tarkenne)", "valueInteger", S::kText},
           {"date", "arvioitu pvm", "effectiveDateTime", S::kDateTime},
           {"status", "tila", "status", S::kCode},
           {"note", "huomautus", "note.text", S::kText},
       }},
      {"Consent",
       "Suostumus",
       {
           {"kind", "laji", "category", S::kCode},
           {"decision", "päätös", "provision.type", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"dateTime", "annettu", "dateTime", S::kDateTime},
           {"period", "voimassa", "provision.period", S::kPeriod},
           {"organisation", "organisaatio", "organization", S::kReference},
       }},
      {"Coverage",
       "Maksujärjestely",
       {
           {"kind", "laji", "type", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"service", "palvelu",
            "extension('{canonical}/StructureDefinition/coverage-service').valueCoding", S::kCode},
           {"period", "voimassa", "period", S::kPeriod},
           {"payer", "maksaja", "payor", S::kReference},
           {"amount", "määrä",
            "extension('{canonical}/StructureDefinition/coverage-amount').valueMoney", S::kMoney},
           {"clientShare", "asiakkaan osuus",
            "costToBeneficiary.where(type.coding.code='copay').valueMoney", S::kMoney},
           {"ceiling", "maksukatto",
            "costToBeneficiary.where(type.coding.code='maxoutofpocket').valueMoney", S::kMoney},
       }},
      {"Procedure",
       "Ohjaus ja neuvonta",
       {
           {"service", "palvelu", "code", S::kCode},
           {"channel", "kanava",
            "extension('{canonical}/StructureDefinition/guidance-channel').valueCoding", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"period", "ajankohta", "performedPeriod", S::kPeriod},
           {"provider", "antaja", "performer.actor", S::kReference},
           {"note", "huomautus", "note.text", S::kText},
       }},
      {"Communication",
       "Viestintä",
       {
           {"category", "laji", "category", S::kCode},
           {"channel", "kanava", "medium", S::kCode},
           {"topic", "aihe", "topic", S::kCode},
           {"status", "tila", "status", S::kCode},
           {"sent", "lähetetty", "sent", S::kDateTime},
           {"sender", "lähettäjä", "sender", S::kReference},
       }},
      {"ChargeItem",
       "Asiakasmaksu",
       {
           {"service", "palvelu", "code", S::kCode},
           {"amount", "maksu", "priceOverride", S::kMoney},
           {"status", "tila", "status", S::kCode},
           {"period", "ajanjakso", "occurrencePeriod", S::kPeriod},
           {"producer", "tuottaja", "performingOrganization", S::kReference},
           {"note", "huomautus", "note.text", S::kText},
       }},
      {"Organization",
       "Organisaatio",
       {
           {"name", "nimi", "name", S::kText},
       }},
  };
  return specs;
}

const TableSpec* FindSpec(std::string_view resource_type) {
  for (const TableSpec& spec : Specs()) {
    if (spec.resource_type == resource_type) return &spec;
  }
  return nullptr;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

const std::string* TextMember(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() && !v->text().empty() ? &v->text() : nullptr;
}

// 2026-11-20 → 20.11.2026, 2026-11 → 11/2026, 2026 → 2026; anything else as it is.
std::string FinnishDate(std::string_view date) {
  auto number = [](std::string_view digits) {
    size_t start = 0;
    while (start + 1 < digits.size() && digits[start] == '0') ++start;
    return std::string(digits.substr(start));
  };
  auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (date.size() == 10 && date[4] == '-' && date[7] == '-' && digits(date.substr(0, 4)) &&
      digits(date.substr(5, 2)) && digits(date.substr(8, 2))) {
    return number(date.substr(8, 2)) + "." + number(date.substr(5, 2)) + "." +
           std::string(date.substr(0, 4));
  }
  if (date.size() == 7 && date[4] == '-' && digits(date.substr(0, 4)) &&
      digits(date.substr(5, 2))) {
    return number(date.substr(5, 2)) + "/" + std::string(date.substr(0, 4));
  }
  return std::string(date);
}

// The date and the clock time as the text gives them (no time zone arithmetic: the reader sees
// the local time the source system wrote): 2026-11-20T09:14:03+02:00 → 20.11.2026 klo 9.14.
std::string FinnishDateTime(std::string_view value) {
  size_t t = value.find('T');
  if (t == std::string_view::npos) return FinnishDate(value);
  std::string out = FinnishDate(value.substr(0, t));
  std::string_view time = value.substr(t + 1);
  if (time.size() >= 5 && time[2] == ':') {
    std::string_view hours = time.substr(0, 2);
    if (hours[0] == '0') hours.remove_prefix(1);
    out += " klo " + std::string(hours) + "." + std::string(time.substr(3, 2));
  }
  return out;
}

std::string CodingText(const json::Value& coding) {
  if (const std::string* display = TextMember(coding, "display")) return *display;
  if (const std::string* code = TextMember(coding, "code")) return *code;
  return {};
}

void AddDistinct(std::vector<std::string>& out, std::string text) {
  if (!text.empty() && std::find(out.begin(), out.end(), text) == out.end()) {
    out.push_back(std::move(text));
  }
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// The texts of one selected value; several for a CodeableConcept with several codings.
void Render(const json::Value& value, NarrativeShow show, std::vector<std::string>& out) {
  switch (show) {
    case S::kText:
      if (value.is_scalar()) AddDistinct(out, value.text());
      return;
    case S::kDate:
      if (value.is_scalar()) AddDistinct(out, FinnishDate(value.text()));
      return;
    case S::kDateTime:
      if (value.is_scalar()) AddDistinct(out, FinnishDateTime(value.text()));
      return;
    case S::kBoolean:
      if (value.kind() == json::Value::Kind::kBool) {
        AddDistinct(out, value.text() == "true" ? "kyllä" : "ei");
      }
      return;
    case S::kCode:
      if (value.is_scalar()) {
        AddDistinct(out, value.text());
      } else if (const std::string* text = TextMember(value, "text")) {
        AddDistinct(out, *text);
      } else if (const json::Value* codings = value.Find("coding")) {
        for (const json::Value& coding : codings->items()) AddDistinct(out, CodingText(coding));
      } else {
        AddDistinct(out, CodingText(value));
      }
      return;
    case S::kName: {
      if (const std::string* text = TextMember(value, "text")) {
        AddDistinct(out, *text);
        return;
      }
      std::vector<std::string> parts;
      if (const json::Value* given = value.Find("given")) {
        for (const json::Value& g : given->items()) parts.push_back(g.text());
      }
      if (const std::string* family = TextMember(value, "family")) parts.push_back(*family);
      AddDistinct(out, Join(parts, " "));
      return;
    }
    case S::kPeriod: {
      const std::string* start = TextMember(value, "start");
      const std::string* end = TextMember(value, "end");
      if (start != nullptr && end != nullptr && *start == *end) {
        AddDistinct(out, FinnishDateTime(*start));
      } else if (start != nullptr && end != nullptr) {
        AddDistinct(out, FinnishDateTime(*start) + "–" + FinnishDateTime(*end));
      } else if (start != nullptr) {
        AddDistinct(out, FinnishDateTime(*start) + " alkaen");
      } else if (end != nullptr) {
        AddDistinct(out, FinnishDateTime(*end) + " asti");
      }
      return;
    }
    case S::kMoney: {
      const std::string* amount = TextMember(value, "value");
      if (amount == nullptr) return;
      std::string text = ReplaceAll(*amount, ".", ",");
      if (const std::string* currency = TextMember(value, "currency")) text += " " + *currency;
      AddDistinct(out, std::move(text));
      return;
    }
    case S::kReference:
      if (const std::string* display = TextMember(value, "display")) AddDistinct(out, *display);
      return;
    case S::kContact: {
      const std::string* contact = TextMember(value, "value");
      if (contact == nullptr) return;
      static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kKinds = {{
          {"phone", "puhelin"},
          {"email", "sähköposti"},
          {"sms", "tekstiviesti"},
          {"fax", "faksi"},
          {"url", "verkko"},
      }};
      std::string text = *contact;
      if (const std::string* system = TextMember(value, "system")) {
        for (const auto& [code, finnish] : kKinds) {
          if (*system == code) text += " (" + std::string(finnish) + ")";
        }
      }
      AddDistinct(out, std::move(text));
      return;
    }
    case S::kAddress: {
      if (const std::string* text = TextMember(value, "text")) {
        AddDistinct(out, *text);
        return;
      }
      std::vector<std::string> parts;
      if (const json::Value* lines = value.Find("line")) {
        for (const json::Value& line : lines->items()) parts.push_back(line.text());
      }
      std::vector<std::string> city;
      if (const std::string* postal = TextMember(value, "postalCode")) city.push_back(*postal);
      if (const std::string* name = TextMember(value, "city")) city.push_back(*name);
      parts.push_back(Join(city, " "));
      if (const std::string* country = TextMember(value, "country")) parts.push_back(*country);
      AddDistinct(out, Join(parts, ", "));
      return;
    }
  }
}

}  // namespace

NarrativeTable NarrativeTableFor(std::string_view resource_type, std::string_view canonical_base) {
  NarrativeTable table;
  const TableSpec* spec = FindSpec(resource_type);
  if (spec == nullptr) {
    table.title = std::string(resource_type);
    return table;
  }
  table.title = std::string(spec->title);
  for (const RowSpec& row : spec->rows) {
    std::string text = ReplaceAll(std::string(row.path), kCanonical, canonical_base);
    text = ReplaceAll(std::move(text), "{fi}", kFiBase);
    StatusOr<Path> path = ParsePath(text);
    // The table is fixed text; a path it cannot parse is a bug caught by the unit tests.
    if (!path.ok()) continue;
    table.rows.push_back(
        {std::string(row.key), std::string(row.label), std::move(*path), row.show});
  }
  return table;
}

std::vector<std::string> NarrativeRowKeys(std::string_view resource_type) {
  std::vector<std::string> keys;
  if (const TableSpec* spec = FindSpec(resource_type)) {
    for (const RowSpec& row : spec->rows) keys.emplace_back(row.key);
  }
  return keys;
}

std::string EscapeXhtml(std::string_view text) {
  std::string xml_chars(text);
  for (char& c : xml_chars) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') c = ' ';
  }
  return HtmlEscape(xml_chars);
}

json::Value GenerateNarrative(const json::Value& resource, const NarrativeTable& table,
                              const NarrativeSettings& settings) {
  std::string div =
      "<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"fi\" xml:lang=\"fi\"><p><b>";
  div += EscapeXhtml(settings.title ? *settings.title : table.title);
  div += "</b></p>";
  std::string rows;
  std::vector<const json::Value*> selected;
  std::vector<std::string> texts;
  for (const NarrativeRow& row : table.rows) {
    Select(resource, row.path, selected);
    texts.clear();
    for (const json::Value* value : selected) Render(*value, row.show, texts);
    if (texts.empty()) continue;
    auto relabel = settings.labels.find(row.key);
    rows += "<tr><th>";
    rows += EscapeXhtml(relabel != settings.labels.end() ? relabel->second : row.label);
    rows += "</th><td>";
    rows += EscapeXhtml(Join(texts, ", "));
    rows += "</td></tr>";
  }
  if (!rows.empty()) div += "<table>" + rows + "</table>";
  div += "</div>";
  json::Value text = json::Value::Object();
  text["status"] = json::Value::String("generated");
  text["div"] = json::Value::String(std::move(div));
  return text;
}

}  // namespace silta::mapping
