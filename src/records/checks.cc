// The contract's rules beyond field types: identifier checksums, code systems, periods,
// kind-dependent fields, and the ids that references point at.
#include <array>

#include "identifiers/identifiers.h"
#include "records/decoder.h"

namespace silta::records::internal {

namespace {

constexpr std::string_view kMunicipalitySystem = "urn:oid:1.2.246.537.6.21";
constexpr std::string_view kIcfSystem = "urn:oid:1.2.246.537.6.48";
constexpr std::array<std::string_view, 2> kServiceSystems = {"urn:oid:1.2.246.537.6.50",
                                                             "urn:oid:1.2.246.537.6.1221"};
constexpr std::string_view kRoleCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
// Fixed by FI Base's patient-profession extension (Statistics Finland's occupation classification).
constexpr std::string_view kOccupationSystem = "urn:oid:1.2.246.537.6.74";
// Silta's stand-in for Statistics Finland's education classification until its identifier is
// verified (mappings/README.md, "Code systems and OIDs"); the Silta education extension fixes it.
constexpr std::string_view kEducationSystem =
    "https://silta.example.fi/fhir/CodeSystem/education-classification-placeholder";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

int Number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool DigitsAt(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

bool IsCodeSystem(std::string_view system) {
  if (system.rfind("urn:oid:", 0) == 0) {
    return identifiers::CheckOid(system.substr(8)).ok();
  }
  if (system.find_first_of(" \t\n") != std::string_view::npos) return false;
  return system.rfind("http://", 0) == 0 || system.rfind("https://", 0) == 0 ||
         (system.rfind("urn:", 0) == 0 && system.size() > 4);
}

void CheckSystem(const std::optional<Code>& code, std::string_view field, std::string_view system,
                 std::string_view what, ObjectReader& o) {
  if (code && !code->system.empty() && code->system != system) {
    o.Error(std::string(field) + ".system", IssueType::kValue, "RECORD_WRONG_CODE_SYSTEM",
            std::string(what) + " must use the code system " + std::string(system));
  }
}

// The identifiers module's reason codes become the issue's message id.
void ReportIdCheck(const identifiers::Check& check, std::string_view field, ObjectReader& o) {
  if (!check.ok()) o.Error(field, IssueType::kValue, check.code.data(), std::string(check.message));
}

// Identifier types a list may hold (the client and related persons vs professionals).
void CheckIdentifierTypes(const std::vector<Identifier>& ids, bool professional, ObjectReader& o) {
  for (size_t i = 0; i < ids.size(); ++i) {
    IdentifierType t = ids[i].type;
    bool allowed = professional ? t != IdentifierType::kTemporary : t != IdentifierType::kTerhikki;
    if (!allowed) {
      o.Error("identifiers", static_cast<int>(i), IssueType::kValue, "RECORD_IDENTIFIER_TYPE",
              professional ? "a professional's identifier type is hetu, terhikki or local"
                           : "a person's identifier type is hetu, temporary or local");
    }
  }
}

bool IsEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view domain = s.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         s.find_first_of(" \t\n") == std::string_view::npos;
}

bool IsPhone(std::string_view s) {
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (IsDigit(c)) {
      ++digits;
    } else if (!(c == ' ' || c == '-' || (c == '+' && i == 0))) {
      return false;
    }
  }
  return digits >= 5 && digits <= 15;
}

// ISO 13616: country, check digits, BBAN; the whole moved and read as a number mod 97 is 1.
bool IsIban(std::string_view s) {
  if (s.size() < 15 || s.size() > 34 || !IsUpper(s[0]) || !IsUpper(s[1]) || !IsDigit(s[2]) ||
      !IsDigit(s[3])) {
    return false;
  }
  std::string moved = std::string(s.substr(4)) + std::string(s.substr(0, 4));
  int remainder = 0;
  for (char c : moved) {
    if (IsDigit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (IsUpper(c)) {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool IsBic(std::string_view s) {
  if (s.size() != 8 && s.size() != 11) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i < 6 ? !IsUpper(s[i]) : !(IsUpper(s[i]) || IsDigit(s[i]))) return false;
  }
  return true;
}

void CheckServiceSystem(const Code& service, std::string_view what, ObjectReader& o) {
  if (!service.system.empty() && service.system != kServiceSystems[0] &&
      service.system != kServiceSystems[1]) {
    o.Error("service.system", IssueType::kValue, "RECORD_WRONG_CODE_SYSTEM",
            std::string(what) +
                " must use the THL service classification "
                "urn:oid:1.2.246.537.6.50 or urn:oid:1.2.246.537.6.1221");
  }
}

bool IsCeilingKind(CoverageKind kind) {
  return kind == CoverageKind::kMedicineFeeCeiling || kind == CoverageKind::kServiceFeeCeiling;
}

}  // namespace

bool IsDate(std::string_view s) {
  if (s.size() != 10 || !DigitsAt(s, 0, 4) || s[4] != '-' || !DigitsAt(s, 5, 2) || s[7] != '-' ||
      !DigitsAt(s, 8, 2)) {
    return false;
  }
  int year = Number(s.substr(0, 4));
  int month = Number(s.substr(5, 2));
  int day = Number(s.substr(8, 2));
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

bool IsInstant(std::string_view s) {
  if (s.size() < 20 || !IsDate(s.substr(0, 10)) || s[10] != 'T' || !DigitsAt(s, 11, 2) ||
      s[13] != ':' || !DigitsAt(s, 14, 2) || s[16] != ':' || !DigitsAt(s, 17, 2)) {
    return false;
  }
  if (Number(s.substr(11, 2)) > 23 || Number(s.substr(14, 2)) > 59 ||
      Number(s.substr(17, 2)) > 59) {
    return false;
  }
  size_t i = 19;
  if (s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start || i - start > 9) return false;
  }
  std::string_view zone = s.substr(i);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && DigitsAt(zone, 1, 2) &&
         zone[3] == ':' && DigitsAt(zone, 4, 2) && Number(zone.substr(1, 2)) <= 23 &&
         Number(zone.substr(4, 2)) <= 59;
}

void Check(const Code& p, ObjectReader& o) {
  if (!p.system.empty() && !IsCodeSystem(p.system)) {
    o.Error("system", IssueType::kValue, "RECORD_BAD_CODE_SYSTEM",
            "a code system is an absolute URI (http://, https://, urn:) or urn:oid: with a valid "
            "OID");
  }
}

void Check(const OrgRef& p, ObjectReader& o) {
  if (!p.oid && !p.business_id) {
    o.Error("", IssueType::kRequired, "RECORD_ORGANISATION_ID",
            "an organisation reference needs an oid or a businessId (or both)");
  }
  if (p.oid) ReportIdCheck(identifiers::CheckOrganisationOid(*p.oid), "oid", o);
  if (p.business_id) ReportIdCheck(identifiers::CheckBusinessId(*p.business_id), "businessId", o);
}

void Check(const PersonName& p, ObjectReader& o) {
  if (!p.family && p.given.empty()) {
    o.Error("", IssueType::kRequired, "RECORD_EMPTY_NAME",
            "a person name needs a family name or at least one given name");
  }
}

void Check(const Period& p, ObjectReader& o) {
  if (p.end && !p.start.value.empty() && p.end->value < p.start.value) {
    o.Error("end", IssueType::kValue, "RECORD_PERIOD_ORDER", "the period ends before it starts");
  }
}

void Check(const Money& p, ObjectReader& o) {
  std::string_view a = p.amount;
  if (!a.empty()) {
    size_t dot = a.find('.');
    std::string_view whole = a.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? "" : a.substr(dot + 1);
    bool ok = !whole.empty() && DigitsAt(whole, 0, whole.size()) &&
              (whole.size() == 1 || whole[0] != '0') &&
              (dot == std::string_view::npos ||
               (!fraction.empty() && DigitsAt(fraction, 0, fraction.size())));
    if (!ok) {
      o.Error("amount", IssueType::kValue, "RECORD_BAD_MONEY",
              "a money amount is a non-negative decimal string such as \"12.50\"");
    }
  }
  if (!p.currency.empty() && !(p.currency.size() == 3 && IsUpper(p.currency[0]) &&
                               IsUpper(p.currency[1]) && IsUpper(p.currency[2]))) {
    o.Error("currency", IssueType::kValue, "RECORD_BAD_CURRENCY",
            "a currency is a three-letter ISO 4217 code such as EUR");
  }
}

void Check(const Identifier& p, ObjectReader& o) {
  if (p.value.empty()) return;
  switch (p.type) {
    case IdentifierType::kHetu:
      ReportIdCheck(identifiers::CheckHetu(p.value), "value", o);
      if (p.issuer) ReportIdCheck(identifiers::CheckOid(*p.issuer), "issuer", o);
      break;
    case IdentifierType::kTemporary:
      if (!p.issuer) {
        o.Error("issuer", IssueType::kRequired, "RECORD_MISSING_ISSUER",
                "a temporary identifier needs its issuer OID");
      } else {
        ReportIdCheck(identifiers::ParseTemporaryIdIssuer(*p.issuer).check, "issuer", o);
      }
      if (p.value.find_first_of(" \t\n") != std::string::npos) {
        o.Error("value", IssueType::kValue, "TEMPORARY_ID_SYNTAX",
                "a temporary identifier must not contain spaces or control characters");
      }
      break;
    case IdentifierType::kLocal:
      if (!p.issuer) {
        o.Error("issuer", IssueType::kRequired, "RECORD_MISSING_ISSUER",
                "a local identifier needs its issuer OID");
      } else {
        ReportIdCheck(identifiers::CheckOid(*p.issuer), "issuer", o);
      }
      break;
    case IdentifierType::kTerhikki:
      if (!DigitsAt(p.value, 0, p.value.size())) {
        o.Error("value", IssueType::kValue, "RECORD_BAD_TERHIKKI",
                "a Terhikki registration number consists of digits");
      }
      if (p.issuer) ReportIdCheck(identifiers::CheckOid(*p.issuer), "issuer", o);
      break;
  }
}

void Check(const Address& p, ObjectReader& o) {
  if (p.lines.empty() && !p.postal_code && !p.city) {
    o.Error("", IssueType::kRequired, "RECORD_EMPTY_ADDRESS",
            "an address needs lines, a postal code or a city");
  }
  if (p.country &&
      !(p.country->size() == 2 && IsUpper((*p.country)[0]) && IsUpper((*p.country)[1]))) {
    o.Error("country", IssueType::kValue, "RECORD_BAD_COUNTRY",
            "a country is a two-letter ISO 3166-1 code such as FI");
  }
}

void Check(const Contact& p, ObjectReader& o) {
  o.DefineId(RefKind::kContact, p.id);
  if (p.kind == ContactKind::kAddress) {
    if (!p.address) {
      o.Error("address", IssueType::kRequired, "RECORD_CONTACT_VALUE",
              "an address contact needs 'address'");
    }
    if (p.value) {
      o.Error("value", IssueType::kStructure, "RECORD_CONTACT_VALUE",
              "an address contact carries 'address', not 'value'");
    }
    return;
  }
  if (p.address) {
    o.Error("address", IssueType::kStructure, "RECORD_CONTACT_VALUE",
            "a phone or email contact carries 'value', not 'address'");
  }
  if (!p.value) {
    o.Error("value", IssueType::kRequired, "RECORD_CONTACT_VALUE",
            "a phone or email contact needs 'value'");
  } else if (p.kind == ContactKind::kEmail && !IsEmail(*p.value)) {
    o.Error("value", IssueType::kValue, "RECORD_BAD_EMAIL", "not an e-mail address");
  } else if (p.kind == ContactKind::kPhone && !IsPhone(*p.value)) {
    o.Error("value", IssueType::kValue, "RECORD_BAD_PHONE",
            "a phone number is 5-15 digits, optionally with a leading + and spaces or hyphens");
  }
}

void Check(const PaymentContact& p, ObjectReader& o) {
  o.DefineId(RefKind::kPaymentContact, p.id);
  if (!p.iban.empty() && !IsIban(p.iban)) {
    o.Error("iban", IssueType::kValue, "RECORD_BAD_IBAN",
            "not a valid IBAN (upper case, no spaces, check digits verified)");
  }
  if (p.bic && !IsBic(*p.bic)) {
    o.Error("bic", IssueType::kValue, "RECORD_BAD_BIC", "a BIC is 8 or 11 letters and digits");
  }
}

void Check(const RelatedPerson& p, ObjectReader& o) {
  o.DefineId(RefKind::kRelatedPerson, p.id);
  CheckIdentifierTypes(p.identifiers, false, o);
  if (p.relationship)
    CheckSystem(p.relationship, "relationship", kRoleCodeSystem, "a relationship", o);
  if (p.in_plan) o.UseRef("inPlan", -1, RefKind::kPlan, *p.in_plan);
}

void Check(const Professional& p, ObjectReader& o) {
  o.DefineId(RefKind::kProfessional, p.id);
  CheckIdentifierTypes(p.identifiers, true, o);
}

void Check(const Customership& p, ObjectReader& o) {
  o.DefineId(RefKind::kCustomership, p.id);
  CheckServiceSystem(p.service, "a customership's service", o);
  for (size_t i = 0; i < p.contact_professionals.size(); ++i) {
    o.UseRef("contactProfessionals", static_cast<int>(i), RefKind::kProfessional,
             p.contact_professionals[i]);
  }
  for (size_t i = 0; i < p.team_professionals.size(); ++i) {
    o.UseRef("teamProfessionals", static_cast<int>(i), RefKind::kProfessional,
             p.team_professionals[i]);
  }
  if (p.payer) o.UseRef("payer", -1, RefKind::kCoverage, *p.payer);
}

void Check(const Plan& p, ObjectReader& o) {
  o.DefineId(RefKind::kPlan, p.id);
  if (p.customership) o.UseRef("customership", -1, RefKind::kCustomership, *p.customership);
  for (size_t i = 0; i < p.related_persons.size(); ++i) {
    o.UseRef("relatedPersons", static_cast<int>(i), RefKind::kRelatedPerson, p.related_persons[i]);
  }
  if (p.author) o.UseRef("author", -1, RefKind::kProfessional, *p.author, true);
}

void Check(const Coverage& p, ObjectReader& o) {
  o.DefineId(RefKind::kCoverage, p.id);
  bool ceiling_kind = IsCeilingKind(p.kind);
  auto not_for = [&](const std::optional<Money>& money, std::string_view field) {
    if (!money) return;
    o.Error(field, IssueType::kBusinessRule, "RECORD_COVERAGE_FIELD",
            "'" + std::string(field) + "' does not apply to a coverage of kind " +
                std::string(CodeOf(p.kind)) +
                (ceiling_kind ? " (a fee ceiling has 'ceiling' and 'accrued')"
                              : " ('ceiling' and 'accrued' are for the fee ceilings)"));
  };
  if (ceiling_kind) {
    not_for(p.amount, "amount");
    not_for(p.client_share, "clientShare");
  } else {
    not_for(p.ceiling, "ceiling");
    not_for(p.accrued, "accrued");
  }
}

void Check(const Consent& p, ObjectReader& o) { o.DefineId(RefKind::kConsent, p.id); }

void Check(const Assessment& p, ObjectReader& o) {
  o.DefineId(RefKind::kAssessment, p.id);
  if (!p.code.system.empty() && p.code.system != kIcfSystem) {
    o.Error("code.system", IssueType::kValue, "RECORD_WRONG_CODE_SYSTEM",
            "a functional ability assessment is coded in ICF (" + std::string(kIcfSystem) + ")");
  }
  if (!(p.qualifier >= 0 && p.qualifier <= 4) && p.qualifier != 8 && p.qualifier != 9) {
    o.Error("qualifier", IssueType::kValue, "RECORD_BAD_QUALIFIER",
            "an ICF qualifier is 0-4, 8 (not specified) or 9 (not applicable)");
  }
  if (p.assessor) o.UseRef("assessor", -1, RefKind::kProfessional, *p.assessor, true);
}

void Check(const Occupation& p, ObjectReader& o) {
  CheckSystem(p.code, "code", kOccupationSystem,
              "an occupation (FI Base patient-profession, Statistics Finland's classification)", o);
}

void Check(const Guidance& p, ObjectReader& o) {
  o.DefineId(RefKind::kGuidance, p.id);
  if (p.service) CheckServiceSystem(*p.service, "the service of guidance", o);
}

void Check(const ClientCommunication& p, ObjectReader& o) {
  o.DefineId(RefKind::kCommunication, p.id);
  if (p.customership) o.UseRef("customership", -1, RefKind::kCustomership, *p.customership);
}

void Check(const ClientFee& p, ObjectReader& o) {
  o.DefineId(RefKind::kClientFee, p.id);
  CheckServiceSystem(p.service, "the service of a client fee", o);
  if (p.customership) o.UseRef("customership", -1, RefKind::kCustomership, *p.customership);
}

void Check(const ClientRecord& p, ObjectReader& o) {
  if (!p.record_version.empty() && p.record_version != "1") {
    o.Error("recordVersion", IssueType::kNotSupported, "RECORD_VERSION",
            "this reader knows contract version \"1\" only");
  }
  CheckIdentifierTypes(p.identifiers, false, o);
  int hetus = 0;
  for (size_t i = 0; i < p.identifiers.size(); ++i) {
    if (p.identifiers[i].type == IdentifierType::kHetu && ++hetus == 2) {
      o.Error("identifiers", static_cast<int>(i), IssueType::kBusinessRule, "RECORD_SECOND_HETU",
              "a record holds at most one identifier of type hetu");
    }
  }
  CheckSystem(p.home_municipality, "homeMunicipality", kMunicipalitySystem, "the home municipality",
              o);
  for (size_t i = 0; i < p.education.size(); ++i) {
    if (!p.education[i].system.empty() && p.education[i].system != kEducationSystem) {
      o.Error("education", static_cast<int>(i), IssueType::kValue, "RECORD_WRONG_CODE_SYSTEM",
              "an education must use the code system " + std::string(kEducationSystem) +
                  " (Silta's stand-in for Statistics Finland's education classification)");
    }
  }
}

}  // namespace silta::records::internal
