// The typed client record: one struct per part of the intake contract
// (docs/client-record-contract.md). Field names follow the contract (camelCase there,
// snake_case here); optional fields are std::optional, arrays std::vector. The codec keeps
// array order as read; the contract treats every array as unordered except PersonName::given
// and Address::lines (RecordsEqual honours that).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace silta::records {

// A calendar date "YYYY-MM-DD" and an RFC 3339 instant with offset, kept as written so that
// read → write is byte-stable.
struct Date {
  std::string value;
  bool operator==(const Date&) const = default;
};
struct Instant {
  std::string value;
  bool operator==(const Instant&) const = default;
};

// ---- Enumerations: each has EnumTraits listing its contract codes in declaration order. ----

template <typename E>
struct EnumTraits;

#define SILTA_RECORDS_ENUM(Name, what, ...)                                        \
  template <>                                                                      \
  struct EnumTraits<Name> {                                                        \
    static constexpr std::string_view kWhat = what;                                \
    static constexpr auto kCodes = std::to_array<std::string_view>({__VA_ARGS__}); \
  }

enum class Gender : uint8_t { kMale, kFemale, kOther, kUnknown };
SILTA_RECORDS_ENUM(Gender, "gender", "male", "female", "other", "unknown");

enum class IdentifierType : uint8_t { kHetu, kTemporary, kLocal, kTerhikki };
SILTA_RECORDS_ENUM(IdentifierType, "identifier type", "hetu", "temporary", "local", "terhikki");

enum class Source : uint8_t {
  kSelfReported,
  kProfessional,
  kPopulationRegister,
  kKela,
  kCountyRegister,
  kProducer
};
SILTA_RECORDS_ENUM(Source, "source", "self-reported", "professional", "population-register", "kela",
                   "county-register", "producer");

enum class ContactKind : uint8_t { kPhone, kEmail, kAddress };
SILTA_RECORDS_ENUM(ContactKind, "contact kind", "phone", "email", "address");

enum class ContactUse : uint8_t { kHome, kWork, kMobile, kTemp };
SILTA_RECORDS_ENUM(ContactUse, "contact use", "home", "work", "mobile", "temp");

enum class ResidencePermitKind : uint8_t { kPermit, kAsylumSeeker, kRefugee };
SILTA_RECORDS_ENUM(ResidencePermitKind, "residence permit kind", "permit", "asylum-seeker",
                   "refugee");

enum class RelatedPersonRole : uint8_t {
  kContactPerson,
  kSupportPerson,
  kGuardian,
  kNextOfKin,
  kLegalRepresentative
};
SILTA_RECORDS_ENUM(RelatedPersonRole, "related person role", "contact-person", "support-person",
                   "guardian", "next-of-kin", "legal-representative");

enum class CustomershipStatus : uint8_t { kPlanned, kOpen, kOnHold, kClosed, kCancelled };
SILTA_RECORDS_ENUM(CustomershipStatus, "customership status", "planned", "open", "on-hold",
                   "closed", "cancelled");

enum class ChoiceChannel : uint8_t { kDirectChoice, kCounty };
SILTA_RECORDS_ENUM(ChoiceChannel, "producer choice channel", "direct-choice", "county");

enum class PlanKind : uint8_t { kPersonalPlan, kServicePlan, kCarePlan };
SILTA_RECORDS_ENUM(PlanKind, "plan kind", "personal-plan", "service-plan", "care-plan");

enum class PlanStatus : uint8_t { kDraft, kActive, kCompleted, kRevoked };
SILTA_RECORDS_ENUM(PlanStatus, "plan status", "draft", "active", "completed", "revoked");

enum class CoverageKind : uint8_t {
  kServiceVoucher,
  kPersonalBudget,
  kPaymentCommitment,
  kPrivateInsurance,
  kOccupationalHealth,
  kUrgentCarePayer,
  kMedicineFeeCeiling,
  kServiceFeeCeiling,
  kServicePayer
};
SILTA_RECORDS_ENUM(CoverageKind, "coverage kind", "service-voucher", "personal-budget",
                   "payment-commitment", "private-insurance", "occupational-health",
                   "urgent-care-payer", "medicine-fee-ceiling", "service-fee-ceiling",
                   "service-payer");

enum class CoverageStatus : uint8_t { kActive, kCancelled, kDraft };
SILTA_RECORDS_ENUM(CoverageStatus, "coverage status", "active", "cancelled", "draft");

enum class ConsentKind : uint8_t { kBiobank, kServiceNeedAssessment, kDataSharing };
SILTA_RECORDS_ENUM(ConsentKind, "consent kind", "biobank", "service-need-assessment",
                   "data-sharing");

enum class ConsentDecision : uint8_t { kPermit, kDeny };
SILTA_RECORDS_ENUM(ConsentDecision, "consent decision", "permit", "deny");

enum class ConsentStatus : uint8_t { kActive, kInactive };
SILTA_RECORDS_ENUM(ConsentStatus, "consent status", "active", "inactive");

// How guidance or a message reaches the client (one code each of HL7 v3 ParticipationMode).
enum class Channel : uint8_t { kFaceToFace, kPhone, kVideo, kOnlineMessage, kEmail, kLetter };
SILTA_RECORDS_ENUM(Channel, "channel", "face-to-face", "phone", "video", "online-message", "e-mail",
                   "letter");

enum class GuidanceStatus : uint8_t { kPlanned, kInProgress, kCompleted, kCancelled };
SILTA_RECORDS_ENUM(GuidanceStatus, "guidance status", "planned", "in-progress", "completed",
                   "cancelled");

enum class CommunicationStatus : uint8_t { kPlanned, kSent, kFailed };
SILTA_RECORDS_ENUM(CommunicationStatus, "communication status", "planned", "sent", "failed");

// The codes of HL7's communication-category code system.
enum class CommunicationCategory : uint8_t { kAlert, kNotification, kReminder, kInstruction };
SILTA_RECORDS_ENUM(CommunicationCategory, "communication category", "alert", "notification",
                   "reminder", "instruction");

enum class FeeStatus : uint8_t { kPlanned, kBillable, kBilled, kWaived, kCancelled };
SILTA_RECORDS_ENUM(FeeStatus, "client fee status", "planned", "billable", "billed", "waived",
                   "cancelled");

#undef SILTA_RECORDS_ENUM

// The contract code of an enumerator ("on-hold").
template <typename E>
constexpr std::string_view CodeOf(E value) {
  return EnumTraits<E>::kCodes[static_cast<size_t>(value)];
}

// ---- Building blocks ------------------------------------------------------------------------

struct Code {
  std::string system;  // a URI, "urn:oid:..." for OIDs
  std::string code;
  std::optional<std::string> display;
  bool operator==(const Code&) const = default;
};

// At least one of oid / business_id.
struct OrgRef {
  std::optional<std::string> oid;  // under 1.2.246.10
  std::optional<std::string> business_id;
  std::optional<std::string> name;
  bool operator==(const OrgRef&) const = default;
};

// At least one of family / given.
struct PersonName {
  std::optional<std::string> family;
  std::vector<std::string> given;  // ordered
  bool operator==(const PersonName&) const = default;
};

struct Period {
  Date start;
  std::optional<Date> end;  // open when absent; never before start
  bool operator==(const Period&) const = default;
};

struct Money {
  std::string amount;    // a non-negative decimal string, "12.50"
  std::string currency;  // ISO 4217, "EUR"
  bool operator==(const Money&) const = default;
};

struct Identifier {
  IdentifierType type = IdentifierType::kLocal;
  std::string value;
  std::optional<std::string> issuer;  // an OID; required for temporary and local
  bool operator==(const Identifier&) const = default;
};

struct Address {
  std::vector<std::string> lines;  // ordered
  std::optional<std::string> postal_code;
  std::optional<std::string> city;
  std::optional<std::string> country;  // ISO 3166-1 alpha-2
  bool operator==(const Address&) const = default;
};

// ---- Parts ----------------------------------------------------------------------------------

struct Contact {  // [1]
  std::string id;
  ContactKind kind = ContactKind::kPhone;
  std::optional<std::string> value;  // phone and email
  std::optional<Address> address;    // address
  std::optional<ContactUse> use;
  std::optional<Source> source;
  std::optional<Period> period;
  bool operator==(const Contact&) const = default;
};

struct PaymentContact {  // [5]
  std::string id;
  std::string iban;
  std::optional<std::string> bic;
  std::optional<std::string> holder_name;
  std::optional<bool> direct_debit;
  std::vector<Code> applies_to;  // service codes; empty = all services
  bool operator==(const PaymentContact&) const = default;
};

struct Occupation {  // [6]
  std::optional<Code> code;
  std::optional<Code> employment_status;
  std::optional<Source> source;
  bool operator==(const Occupation&) const = default;
};

struct ResidencePermit {  // [8]
  ResidencePermitKind kind = ResidencePermitKind::kPermit;
  std::optional<Period> validity;
  std::optional<std::string> permit_number;
  bool operator==(const ResidencePermit&) const = default;
};

struct RelatedPerson {  // [3], [4]
  std::string id;
  std::optional<PersonName> name;
  std::vector<Identifier> identifiers;
  std::optional<Code> relationship;  // v3 RoleCode
  std::vector<RelatedPersonRole> roles;
  std::vector<Contact> contact;
  std::optional<Period> period;
  std::optional<Source> source;
  std::optional<std::string> in_plan;  // a plan id
  bool operator==(const RelatedPerson&) const = default;
};

struct Professional {  // [17]
  std::string id;
  std::optional<PersonName> name;
  std::vector<Identifier> identifiers;  // hetu, terhikki or local
  std::optional<Code> role;
  std::optional<OrgRef> organisation;
  std::optional<Period> period;
  std::optional<std::string> client_wish;
  bool operator==(const Professional&) const = default;
};

struct Customership {  // [18], [19]
  std::string id;
  CustomershipStatus status = CustomershipStatus::kOpen;
  Code service;  // THL service classification
  std::optional<OrgRef> provider;
  std::optional<Period> period;
  std::vector<std::string> contact_professionals;  // professional ids
  std::vector<std::string> team_professionals;     // professional ids
  std::optional<std::string> payer;                // a coverage id
  std::optional<std::string> referral;
  bool operator==(const Customership&) const = default;
};

struct ProducerChoice {  // [20]
  OrgRef producer;
  std::optional<Code> service;
  std::optional<Period> period;
  ChoiceChannel channel = ChoiceChannel::kDirectChoice;
  bool operator==(const ProducerChoice&) const = default;
};

struct Plan {  // [21]
  std::string id;
  PlanKind kind = PlanKind::kPersonalPlan;
  PlanStatus status = PlanStatus::kDraft;
  std::optional<std::string> title;
  std::optional<Period> period;
  std::optional<std::string> customership;   // a customership id
  std::vector<std::string> related_persons;  // related person ids
  std::vector<std::string> goals;
  std::optional<std::string> author;  // a professional id or "client"
  bool operator==(const Plan&) const = default;
};

// Who pays: an organisation, or the client ("client" in the contract).
struct Payer {
  bool client = false;
  OrgRef organisation;  // when !client
  bool operator==(const Payer&) const = default;
};

struct Coverage {  // [9], [10], [23]-[29]
  std::string id;
  CoverageKind kind = CoverageKind::kServiceVoucher;
  CoverageStatus status = CoverageStatus::kActive;
  std::optional<Payer> payer;
  std::optional<Period> period;
  std::optional<std::string> identifier;
  std::optional<Code> service;
  std::optional<Money> amount;        // not for the fee ceilings
  std::optional<Money> client_share;  // not for the fee ceilings
  std::optional<Money> ceiling;       // fee ceilings only
  std::optional<Money> accrued;       // fee ceilings only
  std::vector<OrgRef> transferable_to;
  std::optional<std::string> note;
  bool operator==(const Coverage&) const = default;
};

struct Consent {  // [11], [12]
  std::string id;
  ConsentKind kind = ConsentKind::kDataSharing;
  ConsentDecision decision = ConsentDecision::kPermit;
  ConsentStatus status = ConsentStatus::kActive;
  std::optional<Instant> date_time;
  std::optional<Period> period;
  std::optional<OrgRef> organisation;
  std::optional<Source> source;
  bool operator==(const Consent&) const = default;
};

struct Assessment {  // [13]
  std::string id;
  Code code;                            // ICF
  int qualifier = 0;                    // 0-4, 8 or 9
  std::optional<std::string> assessor;  // a professional id or "client"
  std::optional<Date> date;
  std::optional<std::string> note;
  bool operator==(const Assessment&) const = default;
};

struct ServiceUseLevel {  // [14]
  Code code;
  std::optional<Date> assessed_at;
  bool operator==(const ServiceUseLevel&) const = default;
};

struct Guidance {  // [15]
  std::string id;
  GuidanceStatus status = GuidanceStatus::kPlanned;
  std::optional<Code> service;  // THL service classification
  std::optional<Channel> channel;
  std::optional<Period> period;
  std::optional<OrgRef> provider;
  std::optional<std::string> note;
  bool operator==(const Guidance&) const = default;
};

// A message from the county or a producer to the client; its content stays in the source system.
struct ClientCommunication {  // [16]
  std::string id;
  CommunicationStatus status = CommunicationStatus::kPlanned;
  std::optional<CommunicationCategory> category;
  std::optional<Channel> channel;
  std::optional<Instant> sent;
  std::optional<std::string> topic;
  std::optional<OrgRef> sender;
  std::optional<std::string> customership;  // a customership id
  std::optional<std::string> note;
  bool operator==(const ClientCommunication&) const = default;
};

struct ClientFee {  // [22]
  std::string id;
  FeeStatus status = FeeStatus::kPlanned;
  Code service;  // THL service classification
  std::optional<Money> amount;
  std::optional<Period> period;
  std::optional<OrgRef> producer;           // who charges it
  std::optional<std::string> customership;  // a customership id
  std::optional<std::string> note;
  bool operator==(const ClientFee&) const = default;
};

struct ClientRecord {
  std::string record_version = "1";
  std::string client_id;
  Code county;
  Instant updated_at;
  std::vector<Identifier> identifiers;  // 1..*, at most one hetu
  std::optional<PersonName> name;
  std::optional<Date> birth_date;
  std::optional<Gender> gender;
  std::optional<Code> home_municipality;
  std::optional<bool> non_disclosure;
  std::vector<Contact> contact_details;
  std::vector<PaymentContact> payment_contacts;
  std::optional<Occupation> occupation;
  std::vector<Code> education;
  std::optional<ResidencePermit> residence_permit;
  std::vector<RelatedPerson> related_persons;
  std::vector<Professional> professionals;
  std::vector<Customership> customerships;
  std::vector<ProducerChoice> producer_choice;
  std::vector<Plan> plans;
  std::vector<Coverage> coverages;
  std::vector<Consent> consents;
  std::vector<Assessment> functional_ability;
  std::optional<ServiceUseLevel> service_use_level;
  std::vector<Guidance> guidance;
  std::vector<ClientCommunication> communications;
  std::vector<ClientFee> client_fees;
  // Member-wise, arrays in order; RecordsEqual is the contract's equality.
  bool operator==(const ClientRecord&) const = default;
};

}  // namespace silta::records
