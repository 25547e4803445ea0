Profile: SiltaEpisodeOfCare
Parent: $FiEpisodeOfCare
Id: silta-episode-of-care
Title: "Silta EpisodeOfCare (customership)"
Description: """
A customership of the client with one service of one provider [AKUSTI 18 open customerships,
AKUSTI 19 service history; both joint-county]. Open = status active; history = finished.

Contract homes: id → identifier[recordElementId]; status → status (planned → planned,
open → active, on-hold → onhold, closed → finished, cancelled → cancelled); service → type
(THL service classification 6.50 or 6.1221); provider → managingOrganization (SiltaOrganization,
identified by OID); period; contactProfessionals → extension[contactProfessional];
teamProfessionals → extension[teamProfessional]; payer → extension[payer] (SiltaCoverage);
referral → referralRequest.identifier.value (system https://silta.example.fi/fhir/sid/referral).
"""
* insert SiltaDefinition
* insert Akusti(18, joint-county, workshop)
* insert Akusti(19, joint-county, workshop)
* insert RecordElementIdentifier
* obeys silta-eoc-1
* extension contains
    ContactProfessional named contactProfessional 0..* and
    TeamProfessional named teamProfessional 0..* and
    CustomershipPayer named payer 0..1
* status from SiltaCustomershipStatusVS (required)
* type 1..1
* type from ThlServiceVS (extensible)
* patient only Reference(SiltaPatient)
* managingOrganization only Reference(SiltaOrganization)
* referralRequest 0..1
* referralRequest ^short = "The referral, by identifier (contract referral)"

Invariant: silta-eoc-1
Description: "A referral is carried as an identifier with Silta's referral system."
Expression: "referralRequest.exists() implies referralRequest.identifier.where(system = 'https://silta.example.fi/fhir/sid/referral' and value.exists()).exists()"
Severity: #error

ValueSet: SiltaCustomershipStatusVS
Id: customership-status
Title: "Customership statuses"
Description: "The EpisodeOfCare statuses a contract customership maps to (waitlist and entered-in-error have no contract status)."
* ^experimental = false
* http://hl7.org/fhir/episode-of-care-status#planned
* http://hl7.org/fhir/episode-of-care-status#active
* http://hl7.org/fhir/episode-of-care-status#onhold
* http://hl7.org/fhir/episode-of-care-status#finished
* http://hl7.org/fhir/episode-of-care-status#cancelled

Profile: SiltaCarePlan
Parent: CarePlan
Id: silta-care-plan
Title: "Silta CarePlan (client plan)"
Description: """
A client's plan: personal plan, service plan or care plan, e.g. the implementation plan of one
customership [AKUSTI 21, joint-county].

Contract homes: id → identifier[recordElementId]; kind → category (plan-kind); status → status;
title; period; customership → extension[customership]; relatedPersons →
extension[relatedPerson]; goals → extension[goal] (text); author → author (SiltaPractitioner, or
the SiltaPatient for "client"). intent is always plan.
"""
* insert SiltaDefinition
* insert Akusti(21, joint-county, workshop)
* insert RecordElementIdentifier
* extension contains
    PlanCustomership named customership 0..1 and
    PlanRelatedPerson named relatedPerson 0..* and
    PlanGoal named goal 0..*
* status from SiltaPlanStatusVS (required)
* intent = #plan
* category 1..1
* category from PlanKindVS (required)
* subject only Reference(SiltaPatient)
* author only Reference(SiltaPractitioner or SiltaPatient)

ValueSet: SiltaPlanStatusVS
Id: plan-status
Title: "Plan statuses"
Description: "The CarePlan statuses a contract plan can have."
* ^experimental = false
* http://hl7.org/fhir/request-status#draft
* http://hl7.org/fhir/request-status#active
* http://hl7.org/fhir/request-status#completed
* http://hl7.org/fhir/request-status#revoked

Profile: SiltaFunctionalAbility
Parent: $FiObservation
Id: silta-functional-ability
Title: "Silta Observation: functional ability (ICF)"
Description: """
One assessment of the client's functional ability as an ICF category and qualifier
[AKUSTI 13, shared-definition].

Contract homes: id → identifier[recordElementId]; code → code (ICF, urn:oid:1.2.246.537.6.48,
e.g. d450); qualifier → valueInteger (0-4, 8 not specified, 9 not applicable); assessor →
performer (SiltaPractitioner, or the SiltaPatient for "client"); date → effectiveDateTime; note →
note.text. status is always final.
"""
* insert SiltaDefinition
* insert Akusti(13, shared-definition, workshop)
* insert RecordElementIdentifier
* status = #final
* category 1..1
* category = SiltaObservationCategory#functional-ability
* code.coding 1..1
* code.coding.system 1..1
* code.coding.system = "urn:oid:1.2.246.537.6.48"
* code.coding.code 1..1
* code from IcfVS (extensible)
* subject 1..1
* subject only Reference(SiltaPatient)
* effective[x] only dateTime
* performer 0..1
* performer only Reference(SiltaPractitioner or SiltaPatient)
* value[x] 1..1
* value[x] only integer
* valueInteger obeys silta-icf-1
* note 0..1
* component 0..0
* hasMember 0..0

Invariant: silta-icf-1
Description: "An ICF qualifier is 0-4, 8 (not specified) or 9 (not applicable)."
Expression: "$this in (0 | 1 | 2 | 3 | 4 | 8 | 9)"
Severity: #error
