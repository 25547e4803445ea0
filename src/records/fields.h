// The one place that lists each part's fields with their contract names, in canonical order.
// The reader, the writer and the equality all walk these lists, so they cannot drift apart.
// Internal to the records module.
#pragma once

#include <concepts>
#include <type_traits>

#include "records/model.h"

namespace silta::records::internal {

enum FieldFlags : unsigned {
  kOptional = 0,
  kRequired = 1,  // must be present (arrays: at least one element)
  kOrdered = 2,   // an array whose element order carries meaning
};

// `Fields(part, visitor)` calls `visitor(name, member, flags)` for each field; `part` may be
// const or not.
#define SILTA_RECORDS_FIELDS(Type)                    \
  template <typename P, typename V>                   \
  requires std::same_as<std::remove_const_t<P>, Type> \
  void Fields(P& p, V& v)

SILTA_RECORDS_FIELDS(Code) {
  v("system", p.system, kRequired);
  v("code", p.code, kRequired);
  v("display", p.display, kOptional);
}

SILTA_RECORDS_FIELDS(OrgRef) {
  v("oid", p.oid, kOptional);
  v("businessId", p.business_id, kOptional);
  v("name", p.name, kOptional);
}

SILTA_RECORDS_FIELDS(PersonName) {
  v("family", p.family, kOptional);
  v("given", p.given, kOrdered);
}

SILTA_RECORDS_FIELDS(Period) {
  v("start", p.start, kRequired);
  v("end", p.end, kOptional);
}

SILTA_RECORDS_FIELDS(Money) {
  v("amount", p.amount, kRequired);
  v("currency", p.currency, kRequired);
}

SILTA_RECORDS_FIELDS(Identifier) {
  v("type", p.type, kRequired);
  v("value", p.value, kRequired);
  v("issuer", p.issuer, kOptional);
}

SILTA_RECORDS_FIELDS(Address) {
  v("lines", p.lines, kOrdered);
  v("postalCode", p.postal_code, kOptional);
  v("city", p.city, kOptional);
  v("country", p.country, kOptional);
}

SILTA_RECORDS_FIELDS(Contact) {
  v("id", p.id, kRequired);
  v("kind", p.kind, kRequired);
  v("value", p.value, kOptional);
  v("address", p.address, kOptional);
  v("use", p.use, kOptional);
  v("source", p.source, kOptional);
  v("period", p.period, kOptional);
}

SILTA_RECORDS_FIELDS(PaymentContact) {
  v("id", p.id, kRequired);
  v("iban", p.iban, kRequired);
  v("bic", p.bic, kOptional);
  v("holderName", p.holder_name, kOptional);
  v("directDebit", p.direct_debit, kOptional);
  v("appliesTo", p.applies_to, kOptional);
}

SILTA_RECORDS_FIELDS(Occupation) {
  v("code", p.code, kOptional);
  v("employmentStatus", p.employment_status, kOptional);
  v("source", p.source, kOptional);
}

SILTA_RECORDS_FIELDS(ResidencePermit) {
  v("kind", p.kind, kRequired);
  v("validity", p.validity, kOptional);
  v("permitNumber", p.permit_number, kOptional);
}

SILTA_RECORDS_FIELDS(RelatedPerson) {
  v("id", p.id, kRequired);
  v("name", p.name, kOptional);
  v("identifiers", p.identifiers, kOptional);
  v("relationship", p.relationship, kOptional);
  v("roles", p.roles, kOptional);
  v("contact", p.contact, kOptional);
  v("period", p.period, kOptional);
  v("source", p.source, kOptional);
  v("inPlan", p.in_plan, kOptional);
}

SILTA_RECORDS_FIELDS(Professional) {
  v("id", p.id, kRequired);
  v("name", p.name, kOptional);
  v("identifiers", p.identifiers, kOptional);
  v("role", p.role, kOptional);
  v("organisation", p.organisation, kOptional);
  v("period", p.period, kOptional);
  v("clientWish", p.client_wish, kOptional);
}

SILTA_RECORDS_FIELDS(Customership) {
  v("id", p.id, kRequired);
  v("status", p.status, kRequired);
  v("service", p.service, kRequired);
  v("provider", p.provider, kOptional);
  v("period", p.period, kOptional);
  v("contactProfessionals", p.contact_professionals, kOptional);
  v("teamProfessionals", p.team_professionals, kOptional);
  v("payer", p.payer, kOptional);
  v("referral", p.referral, kOptional);
}

SILTA_RECORDS_FIELDS(ProducerChoice) {
  v("producer", p.producer, kRequired);
  v("service", p.service, kOptional);
  v("period", p.period, kOptional);
  v("channel", p.channel, kRequired);
}

SILTA_RECORDS_FIELDS(Plan) {
  v("id", p.id, kRequired);
  v("kind", p.kind, kRequired);
  v("status", p.status, kRequired);
  v("title", p.title, kOptional);
  v("period", p.period, kOptional);
  v("customership", p.customership, kOptional);
  v("relatedPersons", p.related_persons, kOptional);
  v("goals", p.goals, kOptional);
  v("author", p.author, kOptional);
}

SILTA_RECORDS_FIELDS(Coverage) {
  v("id", p.id, kRequired);
  v("kind", p.kind, kRequired);
  v("status", p.status, kRequired);
  v("payer", p.payer, kOptional);
  v("period", p.period, kOptional);
  v("identifier", p.identifier, kOptional);
  v("service", p.service, kOptional);
  v("amount", p.amount, kOptional);
  v("clientShare", p.client_share, kOptional);
  v("ceiling", p.ceiling, kOptional);
  v("accrued", p.accrued, kOptional);
  v("transferableTo", p.transferable_to, kOptional);
  v("note", p.note, kOptional);
}

SILTA_RECORDS_FIELDS(Consent) {
  v("id", p.id, kRequired);
  v("kind", p.kind, kRequired);
  v("decision", p.decision, kRequired);
  v("status", p.status, kRequired);
  v("dateTime", p.date_time, kOptional);
  v("period", p.period, kOptional);
  v("organisation", p.organisation, kOptional);
  v("source", p.source, kOptional);
}

SILTA_RECORDS_FIELDS(Assessment) {
  v("id", p.id, kRequired);
  v("code", p.code, kRequired);
  v("qualifier", p.qualifier, kRequired);
  v("assessor", p.assessor, kOptional);
  v("date", p.date, kOptional);
  v("note", p.note, kOptional);
}

SILTA_RECORDS_FIELDS(ServiceUseLevel) {
  v("code", p.code, kRequired);
  v("assessedAt", p.assessed_at, kOptional);
}

SILTA_RECORDS_FIELDS(Guidance) {
  v("id", p.id, kRequired);
  v("status", p.status, kRequired);
  v("service", p.service, kOptional);
  v("channel", p.channel, kOptional);
  v("period", p.period, kOptional);
  v("provider", p.provider, kOptional);
  v("note", p.note, kOptional);
}

SILTA_RECORDS_FIELDS(ClientCommunication) {
  v("id", p.id, kRequired);
  v("status", p.status, kRequired);
  v("category", p.category, kOptional);
  v("channel", p.channel, kOptional);
  v("sent", p.sent, kOptional);
  v("topic", p.topic, kOptional);
  v("sender", p.sender, kOptional);
  v("customership", p.customership, kOptional);
  v("note", p.note, kOptional);
}

SILTA_RECORDS_FIELDS(ClientFee) {
  v("id", p.id, kRequired);
  v("status", p.status, kRequired);
  v("service", p.service, kRequired);
  v("amount", p.amount, kOptional);
  v("period", p.period, kOptional);
  v("producer", p.producer, kOptional);
  v("customership", p.customership, kOptional);
  v("note", p.note, kOptional);
}

SILTA_RECORDS_FIELDS(ClientRecord) {
  v("recordVersion", p.record_version, kRequired);
  v("clientId", p.client_id, kRequired);
  v("county", p.county, kRequired);
  v("updatedAt", p.updated_at, kRequired);
  v("identifiers", p.identifiers, kRequired);
  v("name", p.name, kOptional);
  v("birthDate", p.birth_date, kOptional);
  v("gender", p.gender, kOptional);
  v("homeMunicipality", p.home_municipality, kOptional);
  v("nonDisclosure", p.non_disclosure, kOptional);
  v("contactDetails", p.contact_details, kOptional);
  v("paymentContacts", p.payment_contacts, kOptional);
  v("occupation", p.occupation, kOptional);
  v("education", p.education, kOptional);
  v("residencePermit", p.residence_permit, kOptional);
  v("relatedPersons", p.related_persons, kOptional);
  v("professionals", p.professionals, kOptional);
  v("customerships", p.customerships, kOptional);
  v("producerChoice", p.producer_choice, kOptional);
  v("plans", p.plans, kOptional);
  v("coverages", p.coverages, kOptional);
  v("consents", p.consents, kOptional);
  v("functionalAbility", p.functional_ability, kOptional);
  v("serviceUseLevel", p.service_use_level, kOptional);
  v("guidance", p.guidance, kOptional);
  v("communications", p.communications, kOptional);
  v("clientFees", p.client_fees, kOptional);
}

#undef SILTA_RECORDS_FIELDS

// True for the parts above (they are read and written field by field).
template <typename T>
concept Part = std::same_as<T, Code> || std::same_as<T, OrgRef> || std::same_as<T, PersonName> ||
    std::same_as<T, Period> || std::same_as<T, Money> || std::same_as<T, Identifier> ||
    std::same_as<T, Address> || std::same_as<T, Contact> || std::same_as<T, PaymentContact> ||
    std::same_as<T, Occupation> || std::same_as<T, ResidencePermit> ||
    std::same_as<T, RelatedPerson> || std::same_as<T, Professional> ||
    std::same_as<T, Customership> || std::same_as<T, ProducerChoice> || std::same_as<T, Plan> ||
    std::same_as<T, Coverage> || std::same_as<T, Consent> || std::same_as<T, Assessment> ||
    std::same_as<T, ServiceUseLevel> || std::same_as<T, Guidance> ||
    std::same_as<T, ClientCommunication> || std::same_as<T, ClientFee> ||
    std::same_as<T, ClientRecord>;

template <typename T>
concept Enum = requires {
  EnumTraits<T>::kCodes;
};

}  // namespace silta::records::internal
