#include "support/synthetic_ndjson.h"

#include <cstdio>

namespace silta::bench {

namespace {

const char* const kMaleNames[] = {"Matti", "Juha",  "Timo",  "Mikko",  "Jari", "Antti",
                                  "Pekka", "Jukka", "Mika",  "Heikki", "Eino", "Väinö",
                                  "Aatu",  "Onni",  "Leevi", "Lauri"};
const char* const kFemaleNames[] = {"Aino",    "Liisa", "Anna",  "Helena", "Sanna", "Maria",
                                    "Johanna", "Päivi", "Elina", "Tuula",  "Sofia", "Aada",
                                    "Eevi",    "Ellen", "Lilja", "Kerttu"};
const char* const kFamilyNames[] = {"Virtanen",   "Korhonen",  "Mäkinen",   "Nieminen", "Mäkelä",
                                    "Hämäläinen", "Laine",     "Heikkinen", "Koskinen", "Järvinen",
                                    "Lehtonen",   "Lehtinen",  "Saarinen",  "Salminen", "Heinonen",
                                    "Niemi",      "Heikkilä",  "Kinnunen",  "Salonen",  "Turunen",
                                    "Öhman",      "Lindqvist", "Åberg"};
const char* const kStreets[] = {"Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu",
                                "Kauppakatu",      "Puistokatu", "Koulukatu",
                                "Rantatie",        "Myllytie",   "Koivukuja",
                                "Pihlajatie",      "Satamakatu", "Yliopistonkatu"};
struct City {
  const char* name;
  const char* postal_code;
};
const City kCities[] = {{"Helsinki", "00100"},  {"Espoo", "02100"},     {"Tampere", "33100"},
                        {"Vantaa", "01300"},    {"Oulu", "90100"},      {"Turku", "20100"},
                        {"Jyväskylä", "40100"}, {"Kuopio", "70100"},    {"Lahti", "15100"},
                        {"Pori", "28100"},      {"Rovaniemi", "96100"}, {"Vaasa", "65100"},
                        {"Seinäjoki", "60100"}, {"Joensuu", "80100"},   {"Maarianhamina", "22100"}};
const char* const kOrganizations[] = {"Pirkanmaan hyvinvointialue",
                                      "Varsinais-Suomen hyvinvointialue",
                                      "Pohjois-Pohjanmaan hyvinvointialue",
                                      "Keski-Suomen hyvinvointialue",
                                      "Helsingin kaupunki, sosiaali- ja terveystoimi",
                                      "Itä-Uudenmaan hyvinvointialue",
                                      "Lapin hyvinvointialue",
                                      "Pohjois-Savon hyvinvointialue"};
const char* const kEpisodeTypes[] = {"Kotihoito",         "Omaishoidon tuki",
                                     "Lastensuojelu",     "Vammaispalvelut",
                                     "Aikuissosiaalityö", "Mielenterveyspalvelut"};
const char* const kEncounterTypes[] = {"Vastaanottokäynti", "Kotikäynti", "Puhelinkontakti",
                                       "Etävastaanotto", "Sosiaalityön tapaaminen"};
struct Code {
  const char* code;
  const char* display;
};
const Code kEncounterClasses[] = {{"AMB", "ambulatory"},
                                  {"HH", "home health"},
                                  {"VR", "virtual"},
                                  {"IMP", "inpatient encounter"}};
const Code kConditions[] = {{"E11.9", "Tyypin 2 diabetes ilman komplikaatioita"},
                            {"I10", "Essentiaalinen verenpainetauti"},
                            {"J45.9", "Astma, määrittämätön"},
                            {"F32.1", "Keskivaikea masennustila"},
                            {"M54.5", "Alaselkäkipu"},
                            {"G30.1", "Myöhäin alkava Alzheimerin tauti"}};

struct VitalSign {
  const char* loinc;
  const char* display;
  const char* text;
  const char* unit;
  int low;
  int high;
  int decimals;
  bool laboratory;
};
const VitalSign kObservations[] = {
    {"8867-4", "Heart rate", "Syke", "/min", 45, 120, 0, false},
    {"29463-7", "Body weight", "Paino", "kg", 40, 140, 1, false},
    {"8302-2", "Body height", "Pituus", "cm", 145, 205, 0, false},
    {"8310-5", "Body temperature", "Lämpö", "Cel", 360, 395, 1, false},
    {"718-7", "Hemoglobin [Mass/volume] in Blood", "B-Hb", "g/L", 95, 175, 0, true},
    {"15074-8", "Glucose [Moles/volume] in Blood", "B-Gluk", "mmol/L", 35, 150, 1, true},
    {"85354-9", "Blood pressure panel with all children optional", "Verenpaine", "mm[Hg]", 0, 0, 0,
     false},
};

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string Decimal(int scaled, int decimals) {
  if (decimals == 0) return std::to_string(scaled);
  return std::to_string(scaled / 10) + "." + std::to_string(scaled % 10);
}

std::string Two(uint64_t n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(n % 100));
  return buf;
}

}  // namespace

std::string TestHetu(int year, int month, int day, int individual_number) {
  static constexpr char kCheck[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  char century = year >= 2000 ? 'A' : (year >= 1900 ? '-' : '+');
  long number =
      (static_cast<long>(day) * 10000 + month * 100 + year % 100) * 1000 + individual_number;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%c%03d%c", day, month, year % 100, century,
                individual_number, kCheck[number % 31]);
  return buf;
}

SyntheticResources::SyntheticResources(uint64_t seed) : state_(seed) {}

// splitmix64: tiny, fast and the same everywhere, unlike the standard distributions.
uint64_t SyntheticResources::Random() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string SyntheticResources::Reference(const char* type, const char* prefix, uint64_t count) {
  std::string out = R"({"reference":")";
  out += type;
  out += "/";
  out += prefix;
  out += std::to_string(Below(count > 0 ? count : 1) + 1);
  out += "\"}";
  return out;
}

std::string SyntheticResources::DateTime() {
  return "20" + Two(20 + Below(5)) + "-" + Two(1 + Below(12)) + "-" + Two(1 + Below(28)) + "T" +
         Two(7 + Below(12)) + ":" + Two(Below(60)) + ":00+02:00";
}

std::string SyntheticResources::Patient() {
  std::string id = "pat-" + std::to_string(++patients_);
  int year = 1925 + static_cast<int>(Below(99));
  int month = 1 + static_cast<int>(Below(12));
  int day = 1 + static_cast<int>(Below(28));
  int individual = 900 + static_cast<int>(Below(100));
  bool male = individual % 2 == 1;  // as in real HETUs: odd men, even women
  std::string out =
      R"({"resourceType":"Patient","id":")" + id + R"(","meta":{"lastUpdated":")" + DateTime() +
      R"("},"identifier":[{"use":"official","system":"urn:oid:1.2.246.21","value":")" +
      TestHetu(year, month, day, individual) +
      R"("}],"active":true,"name":[{"use":"official","family":)";
  AppendQuoted(out, Pick(kFamilyNames));
  out += R"(,"given":[)";
  AppendQuoted(out, male ? Pick(kMaleNames) : Pick(kFemaleNames));
  if (Below(2) == 0) {
    out += ",";
    AppendQuoted(out, male ? Pick(kMaleNames) : Pick(kFemaleNames));
  }
  out += R"(]}],"telecom":[{"system":"phone","value":"+358 4)" + std::to_string(Below(10)) + " " +
         std::to_string(1000000 + Below(9000000)) + R"(","use":"mobile"}],"gender":")" +
         (male ? "male" : "female") + R"(","birthDate":")" + std::to_string(year) + "-" +
         Two(month) + "-" + Two(day) + R"(","address":[{"use":"home","line":[)";
  const City& city = Pick(kCities);
  AppendQuoted(out, std::string(Pick(kStreets)) + " " + std::to_string(1 + Below(80)) +
                        (Below(3) == 0 ? " B " + std::to_string(1 + Below(40)) : ""));
  out += R"(],"postalCode":")" + std::string(city.postal_code) + R"(","city":)";
  AppendQuoted(out, city.name);
  out +=
      R"(,"country":"FI"}],"communication":[{"language":{"coding":[{"system":"urn:ietf:bcp:47","code":")";
  out += Below(10) == 0 ? "sv" : "fi";
  out += R"("}]},"preferred":true}],"managingOrganization":)" +
         Reference("Organization", "org-", organizations_) + "}";
  return out;
}

std::string SyntheticResources::Organization() {
  std::string id = "org-" + std::to_string(++organizations_);
  // A made-up business ID (Y-tunnus) shape: seven digits, a dash, a check digit.
  std::string business_id =
      std::to_string(1000000 + Below(9000000)) + "-" + std::to_string(Below(10));
  std::string out =
      R"({"resourceType":"Organization","id":")" + id +
      R"(","identifier":[{"system":"urn:oid:1.2.246.10","value":")" + business_id +
      R"("}],"active":true,"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/organization-type","code":"prov","display":"Healthcare Provider"}]}],"name":)";
  AppendQuoted(out, Pick(kOrganizations));
  const City& city = Pick(kCities);
  out += R"(,"telecom":[{"system":"phone","value":"+358 9 )" +
         std::to_string(100000 + Below(900000)) +
         R"(","use":"work"}],"address":[{"use":"work","line":[)";
  AppendQuoted(out, std::string(Pick(kStreets)) + " " + std::to_string(1 + Below(80)));
  out += R"(],"postalCode":")" + std::string(city.postal_code) + R"(","city":)";
  AppendQuoted(out, city.name);
  out += R"(,"country":"FI"}]})";
  return out;
}

std::string SyntheticResources::Practitioner() {
  std::string id = "prac-" + std::to_string(++practitioners_);
  bool male = Below(2) == 0;
  std::string out = R"({"resourceType":"Practitioner","id":")" + id +
                    R"(","identifier":[{"system":"urn:oid:1.2.246.537.25","value":")" +
                    std::to_string(10000000000ULL + Below(90000000000ULL)) +
                    R"("}],"active":true,"name":[{"family":)";
  AppendQuoted(out, Pick(kFamilyNames));
  out += R"(,"given":[)";
  AppendQuoted(out, male ? Pick(kMaleNames) : Pick(kFemaleNames));
  out += R"(]}],"gender":")";
  out += male ? "male" : "female";
  static const char* const kQualifications[] = {"Lääkäri", "Sairaanhoitaja", "Sosiaalityöntekijä",
                                                "Lähihoitaja"};
  out += R"(","qualification":[{"code":{"text":)";
  AppendQuoted(out, Pick(kQualifications));
  out += "}}]}";
  return out;
}

std::string SyntheticResources::Coverage() {
  std::string id = "cov-" + std::to_string(++coverages_);
  return R"({"resourceType":"Coverage","id":")" + id +
         R"(","status":"active","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PUBLICPOL","display":"public healthcare"}]},"beneficiary":)" +
         Reference("Patient", "pat-", patients_) + R"(,"period":{"start":"20)" +
         Two(20 + Below(4)) + "-01-01\"},\"payor\":[" +
         Reference("Organization", "org-", organizations_) + "]}";
}

std::string SyntheticResources::EpisodeOfCare() {
  std::string id = "eoc-" + std::to_string(++episodes_);
  bool finished = Below(3) == 0;
  std::string out = R"({"resourceType":"EpisodeOfCare","id":")" + id + R"(","status":")" +
                    (finished ? "finished" : "active") + R"(","type":[{"text":)";
  AppendQuoted(out, Pick(kEpisodeTypes));
  out += R"(}],"patient":)" + Reference("Patient", "pat-", patients_) +
         R"(,"managingOrganization":)" + Reference("Organization", "org-", organizations_) +
         R"(,"period":{"start":"20)" + Two(18 + Below(4)) + "-" + Two(1 + Below(12)) + "-" +
         Two(1 + Below(28)) + "\"";
  if (finished) out += R"(,"end":"2023-12-31")";
  out += R"(},"careManager":)" + Reference("Practitioner", "prac-", practitioners_) + "}";
  return out;
}

std::string SyntheticResources::Encounter() {
  std::string id = "enc-" + std::to_string(++encounters_);
  const Code& cls = Pick(kEncounterClasses);
  std::string start = DateTime();
  std::string end = start.substr(0, 11) + "23:30:00+02:00";
  std::string out =
      R"({"resourceType":"Encounter","id":")" + id +
      R"(","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":")" +
      cls.code + R"(","display":")" + cls.display + R"("},"type":[{"text":)";
  AppendQuoted(out, Pick(kEncounterTypes));
  out += R"(}],"subject":)" + Reference("Patient", "pat-", patients_) + R"(,"episodeOfCare":[)" +
         Reference("EpisodeOfCare", "eoc-", episodes_) + R"(],"participant":[{"individual":)" +
         Reference("Practitioner", "prac-", practitioners_) + R"(}],"period":{"start":")" + start +
         R"(","end":")" + end + R"("},"serviceProvider":)" +
         Reference("Organization", "org-", organizations_) + "}";
  return out;
}

std::string SyntheticResources::Condition() {
  std::string id = "cond-" + std::to_string(++conditions_);
  const Code& c = Pick(kConditions);
  std::string out =
      R"({"resourceType":"Condition","id":")" + id +
      R"(","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis"}]}],"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":")" +
      std::string(c.code) + R"(","display":)";
  AppendQuoted(out, c.display);
  out += R"(}]},"subject":)" + Reference("Patient", "pat-", patients_) + R"(,"encounter":)" +
         Reference("Encounter", "enc-", encounters_) + R"(,"recordedDate":")" + DateTime() + "\"}";
  return out;
}

std::string SyntheticResources::Observation() {
  std::string id = "obs-" + std::to_string(++observations_);
  const VitalSign& v = Pick(kObservations);
  const char* category = v.laboratory ? "laboratory" : "vital-signs";
  const char* category_display = v.laboratory ? "Laboratory" : "Vital Signs";
  std::string out =
      R"({"resourceType":"Observation","id":")" + id +
      R"(","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":")" +
      category + R"(","display":")" + category_display +
      R"("}]}],"code":{"coding":[{"system":"http://loinc.org","code":")" + v.loinc +
      R"(","display":")" + v.display + R"("}],"text":)";
  AppendQuoted(out, v.text);
  out += R"(},"subject":)" + Reference("Patient", "pat-", patients_) + R"(,"encounter":)" +
         Reference("Encounter", "enc-", encounters_) + R"(,"effectiveDateTime":")" + DateTime() +
         R"(","performer":[)" + Reference("Practitioner", "prac-", practitioners_) + "]";
  auto quantity = [](const std::string& value, const char* unit) {
    return R"({"value":)" + value + R"(,"unit":")" + unit +
           R"(","system":"http://unitsofmeasure.org","code":")" + unit + "\"}";
  };
  if (std::string_view(v.loinc) == "85354-9") {
    out +=
        R"(,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},"valueQuantity":)" +
        quantity(std::to_string(100 + Below(80)), "mm[Hg]") +
        R"(},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}]},"valueQuantity":)" +
        quantity(std::to_string(55 + Below(45)), "mm[Hg]") + "}]";
  } else {
    int scaled = v.low + static_cast<int>(Below(static_cast<uint64_t>(v.high - v.low + 1)));
    out += R"(,"valueQuantity":)" + quantity(Decimal(scaled, v.decimals), v.unit);
  }
  out += "}";
  return out;
}

std::string SyntheticResources::Next() {
  // The first few lines set up organizations and practitioners for the references that follow.
  if (organizations_ < 3) return Organization();
  if (practitioners_ < 3) return Practitioner();
  if (patients_ < 3) return Patient();
  uint64_t roll = Below(100);
  if (roll < 2) return Organization();
  if (roll < 5) return Practitioner();
  if (roll < 25) return Patient();
  if (roll < 30) return Coverage();
  if (roll < 35) return EpisodeOfCare();
  if (roll < 55) return Encounter();
  if (roll < 60) return Condition();
  return Observation();
}

uint64_t WriteSyntheticNdjson(std::ostream& out, uint64_t count, uint64_t seed) {
  SyntheticResources resources(seed);
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::string line = resources.Next();
    line += '\n';
    bytes += line.size();
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  return bytes;
}

}  // namespace silta::bench
