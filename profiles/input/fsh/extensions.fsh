// Silta's extensions: homes for client-record fields that FHIR R4 and FI Base have no element
// for. Each names the AKUSTI item it carries, so routing can work per element.

Extension: InformationSourceExt
Id: information-source
Title: "Information source"
Description: "Where a fact came from (the contract's source): self-reported, professional, population-register, kela, county-register, producer. On RelatedPerson it also decides the governance level: population-register means official family relations [AKUSTI 4, national], self-reported means related persons the client names [AKUSTI 3, joint-county]."
Context: Element
* insert SiltaDefinition
* value[x] only code
* valueCode 1..1
* valueCode from InformationSourceVS (required)

Extension: RecordUpdatedAt
Id: record-updated-at
Title: "Client record updated at"
Description: "When the exporting CRM last changed the client record (the contract's updatedAt). Not meta.lastUpdated, which a FHIR server overwrites."
Context: Patient
* insert SiltaDefinition
* value[x] only instant
* valueInstant 1..1

Extension: OrganisingCounty
Id: organising-county
Title: "Organising county"
Description: "The wellbeing services county (or the City of Helsinki) organising the client's services (the contract's county)."
Context: Patient
* insert SiltaDefinition
* value[x] only Coding
* valueCoding 1..1
* valueCoding from MunicipalityVS (extensible)

Extension: NonDisclosure
Id: non-disclosure
Title: "Non-disclosure for personal safety"
Description: "The contract's nonDisclosure (turvakielto) as a boolean, so that an explicit false survives a round trip. When true, the FI Base security label TURVAKIELTO must be present too (silta-nd-1)."
Context: Patient
* insert SiltaDefinition
* value[x] only boolean
* valueBoolean 1..1

Extension: PaymentContact
Id: payment-contact
Title: "Payment contact details"
Description: "A bank account for payments, possibly for some services only [AKUSTI 5]. Extension.id holds the contract's paymentContact id."
Context: Patient
* insert SiltaDefinition
* insert Akusti(5, national, workshop)
* id 1..1
* extension contains iban 1..1 and bic 0..1 and holderName 0..1 and directDebit 0..1 and appliesTo 0..*
* extension[iban].value[x] only string
* extension[iban].valueString obeys silta-iban-1
* extension[bic].value[x] only string
* extension[holderName].value[x] only string
* extension[directDebit].value[x] only boolean
* extension[appliesTo] ^short = "Services this account is for (none: all)"
* extension[appliesTo].value[x] only Coding
* extension[appliesTo].valueCoding from ThlServiceVS (extensible)

Invariant: silta-iban-1
Description: "An IBAN: two letters, two check digits, up to 30 letters and digits, no spaces."
Expression: "matches('^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$')"
Severity: #error

Extension: Occupation
Id: occupation
Title: "Employment status and the source of the occupation"
Description: "The client's employment status and where the occupation data came from [AKUSTI 6]. The occupation itself is FI Base's patient-profession extension (Patient.extension[patientProfession], Statistics Finland's occupation classification, urn:oid:1.2.246.537.6.74). That extension allows no sub-extensions, so the status and the source, which the contract also carries, live here."
Context: Patient
* insert SiltaDefinition
* insert Akusti(6, national, workshop)
* extension contains employmentStatus 0..1 and source 0..1
* extension[employmentStatus].value[x] only Coding
* extension[source].value[x] only code
* extension[source].valueCode from InformationSourceVS (required)

Extension: Education
Id: education
Title: "Education"
Description: "One education or degree of the client [AKUSTI 2], coded in Statistics Finland's education classification (Koulutusluokitus). No identifier for that classification could be verified in FI Base or what THL publishes, so the system is Silta's placeholder CodeSystem education-classification-placeholder until one is (mappings/README.md, 'Code systems and OIDs'). Not urn:oid:1.2.246.537.6.1264: that OID identifies the social welfare register (FI Base ValueSet fi-base-register-identifier)."
Context: Patient
* insert SiltaDefinition
* insert Akusti(2, national, workshop)
* value[x] only Coding
* valueCoding 1..1
* valueCoding.system 1..1
* valueCoding.system = "https://silta.example.fi/fhir/CodeSystem/education-classification-placeholder"

Extension: ResidencePermit
Id: residence-permit
Title: "Residence permit or asylum"
Description: "A foreign national's residence permit, asylum-seeker or refugee status [AKUSTI 8]."
Context: Patient
* insert SiltaDefinition
* insert Akusti(8, national, workshop)
* extension contains kind 1..1 and validity 0..1 and permitNumber 0..1
* extension[kind].value[x] only code
* extension[kind].valueCode from ResidencePermitKindVS (required)
* extension[validity].value[x] only Period
* extension[permitNumber].value[x] only string

Extension: ProducerChoice
Id: producer-choice
Title: "Producer choice"
Description: "A producer the client chose for a service [AKUSTI 20]."
Context: Patient
* insert SiltaDefinition
* insert Akusti(20, national, workshop)
* extension contains producer 1..1 and service 0..1 and period 0..1 and channel 1..1
* extension[producer].value[x] only Reference(SiltaOrganization)
* extension[service].value[x] only Coding
* extension[service].valueCoding from ThlServiceVS (extensible)
* extension[period].value[x] only Period
* extension[channel].value[x] only code
* extension[channel].valueCode from ProducerChoiceChannelVS (required)

Extension: ServiceUseLevel
Id: service-use-level
Title: "Extent of service use"
Description: "The identified extent of the client's service use [AKUSTI 14]."
Context: Patient
* insert SiltaDefinition
* insert Akusti(14, shared-definition, workshop)
* extension contains level 1..1 and assessedAt 0..1
* extension[level].value[x] only Coding
* extension[assessedAt].value[x] only dateTime

Extension: InPlan
Id: in-plan
Title: "Named in plan"
Description: "The client's plan that names this related person and their role [AKUSTI 3, 21]."
Context: RelatedPerson
* insert SiltaDefinition
* insert Akusti(3, joint-county, workshop)
* value[x] only Reference(SiltaCarePlan)

Extension: ClientWish
Id: client-wish
Title: "Client's wish about a professional"
Description: "The client's wishes about this professional [AKUSTI 17]."
Context: CareTeam.participant
* insert SiltaDefinition
* insert Akusti(17, joint-county, workshop)
* value[x] only string

Extension: ContactProfessional
Id: contact-professional
Title: "Contact professional"
Description: "A contact person of the customership [AKUSTI 18]."
Context: EpisodeOfCare
* insert SiltaDefinition
* insert Akusti(18, joint-county, workshop)
* value[x] only Reference(SiltaPractitioner)

Extension: TeamProfessional
Id: team-professional
Title: "Team professional"
Description: "A professional working in the customership [AKUSTI 17, 18]."
Context: EpisodeOfCare
* insert SiltaDefinition
* insert Akusti(17, joint-county, workshop)
* value[x] only Reference(SiltaPractitioner)

Extension: CustomershipPayer
Id: customership-payer
Title: "Payer of the customership"
Description: "The payment arrangement paying for this customership's service [AKUSTI 29]."
Context: EpisodeOfCare
* insert SiltaDefinition
* insert Akusti(29, county, silta-default)
* value[x] only Reference(SiltaCoverage)

Extension: PlanCustomership
Id: plan-customership
Title: "Plan's customership"
Description: "The customership this plan is for [AKUSTI 21]."
Context: CarePlan
* insert SiltaDefinition
* insert Akusti(21, joint-county, workshop)
* value[x] only Reference(SiltaEpisodeOfCare)

Extension: PlanRelatedPerson
Id: plan-related-person
Title: "Related person in plan"
Description: "A related person the plan names (contact person, support person) [AKUSTI 3, 21]."
Context: CarePlan
* insert SiltaDefinition
* insert Akusti(21, joint-county, workshop)
* value[x] only Reference(SiltaRelatedPerson)

Extension: PlanGoal
Id: plan-goal
Title: "Plan goal"
Description: "A goal of the plan as free text [AKUSTI 21]. Kept as text: the contract has no coded goals, and Goal resources would need a lifecycle the CRM does not record."
Context: CarePlan
* insert SiltaDefinition
* insert Akusti(21, joint-county, workshop)
* value[x] only string

Extension: CoverageService
Id: coverage-service
Title: "Covered service"
Description: "The service a payment arrangement is for (the contract's coverage.service)."
Context: Coverage
* insert SiltaDefinition
* value[x] only Coding
* valueCoding from ThlServiceVS (extensible)

Extension: CoverageAmount
Id: coverage-amount
Title: "Value of the arrangement"
Description: "The value of a voucher, the size of a budget, the sum of a commitment (the contract's coverage.amount)."
Context: Coverage
* insert SiltaDefinition
* value[x] only Money

Extension: CoverageAccrued
Id: coverage-accrued
Title: "Accrued sum"
Description: "What has accrued against a ceiling, or been used of a budget (the contract's coverage.accrued)."
Context: Coverage
* insert SiltaDefinition
* value[x] only Money

Extension: CoverageTransferableTo
Id: coverage-transferable-to
Title: "Transferable to"
Description: "An organiser or producer the arrangement may move to, across county borders [AKUSTI 23, 24, 28]."
Context: Coverage
* insert SiltaDefinition
* value[x] only Reference(SiltaOrganization)

Extension: CoverageNote
Id: coverage-note
Title: "Note"
Description: "Free-text note on the arrangement (the contract's coverage.note)."
Context: Coverage
* insert SiltaDefinition
* value[x] only string
