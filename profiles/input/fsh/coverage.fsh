Profile: SiltaCoverage
Parent: Coverage
Id: silta-coverage
Title: "Silta Coverage (payment arrangement, abstract)"
Description: """
What all of Silta's payment arrangements share; one concrete profile per kind (type) below.
Abstract: a resource claims one of the concrete profiles.

Contract homes: id → identifier[recordElementId]; identifier → identifier[coverageIdentifier];
kind → type (coverage-kind); status → status; payer → payor (SiltaOrganization, or the
SiltaPatient for "client"); period; service → extension[service]; amount → extension[amount];
clientShare → costToBeneficiary[clientShare] (type copay); ceiling → costToBeneficiary[ceiling]
(type maxoutofpocket); accrued → extension[accrued]; transferableTo →
extension[transferableTo]; note → extension[note].
"""
* ^abstract = true
* insert SiltaDefinition
* insert RecordElementIdentifier
* identifier contains coverageIdentifier 0..1
* identifier[coverageIdentifier].type 1..1
* identifier[coverageIdentifier].type = SiltaIdentifierType#coverage-identifier
* identifier[coverageIdentifier].value 1..1
* extension contains
    CoverageService named service 0..1 and
    CoverageAmount named amount 0..1 and
    CoverageAccrued named accrued 0..1 and
    CoverageTransferableTo named transferableTo 0..* and
    CoverageNote named note 0..1
* status from SiltaCoverageStatusVS (required)
* type 1..1
* type from CoverageKindVS (required)
* beneficiary only Reference(SiltaPatient)
* payor 1..1
* payor only Reference(SiltaOrganization or SiltaPatient)
* costToBeneficiary ^slicing.discriminator.type = #pattern
* costToBeneficiary ^slicing.discriminator.path = "type"
* costToBeneficiary ^slicing.rules = #closed
* costToBeneficiary ^slicing.description = "The client's share and the ceiling"
* costToBeneficiary contains clientShare 0..1 and ceiling 0..1
* costToBeneficiary[clientShare] ^short = "The client's share (contract clientShare)"
* costToBeneficiary[clientShare].type 1..1
* costToBeneficiary[clientShare].type = $CopayType#copay
* costToBeneficiary[clientShare].value[x] only Money
* costToBeneficiary[clientShare].exception 0..0
* costToBeneficiary[ceiling] ^short = "The fee ceiling (contract ceiling)"
* costToBeneficiary[ceiling].type 1..1
* costToBeneficiary[ceiling].type = $CopayType#maxoutofpocket
* costToBeneficiary[ceiling].value[x] only Money
* costToBeneficiary[ceiling].exception 0..0

ValueSet: SiltaCoverageStatusVS
Id: coverage-status
Title: "Payment arrangement statuses"
Description: "The Coverage statuses a contract coverage can have."
* ^experimental = false
* http://hl7.org/fhir/fm-status#active
* http://hl7.org/fhir/fm-status#cancelled
* http://hl7.org/fhir/fm-status#draft

// The kind code, AKUSTI item and governance of one concrete payment-arrangement profile.
RuleSet: CoverageKindProfile(kind, item, level, basis)
* ^abstract = false
* insert Akusti({item}, {level}, {basis})
* type = CoverageKind#{kind}

Profile: SiltaServiceVoucher
Parent: SiltaCoverage
Id: silta-coverage-service-voucher
Title: "Silta Coverage: service voucher"
Description: "A service voucher (palveluseteli) [AKUSTI 23, shared-definition]: its value (extension[amount]) and the client's share (costToBeneficiary[clientShare]); may move between organisers and producers (extension[transferableTo]). No ceiling, no accrued sum."
* insert CoverageKindProfile(service-voucher, 23, shared-definition, workshop)
* costToBeneficiary[ceiling] 0..0
* extension[accrued] 0..0

Profile: SiltaPersonalBudget
Parent: SiltaCoverage
Id: silta-coverage-personal-budget
Title: "Silta Coverage: personal budget"
Description: "A personal budget (henkilökohtainen budjetti) [AKUSTI 24, shared-definition]: the budget (extension[amount]) and what has been used of it (extension[accrued]); its use moves across county borders (extension[transferableTo])."
* insert CoverageKindProfile(personal-budget, 24, shared-definition, workshop)
* costToBeneficiary[ceiling] 0..0

Profile: SiltaPaymentCommitment
Parent: SiltaCoverage
Id: silta-coverage-payment-commitment
Title: "Silta Coverage: payment commitment"
Description: "A payment commitment (maksusitoumus) granted to the client; a referral is a kind of payment commitment [AKUSTI 28, shared-definition]. The committed sum is extension[amount]; the payer is the committing organisation."
* insert CoverageKindProfile(payment-commitment, 28, shared-definition, workshop)
* costToBeneficiary[ceiling] 0..0

Profile: SiltaPrivateInsurance
Parent: SiltaCoverage
Id: silta-coverage-private-insurance
Title: "Silta Coverage: private insurance"
Description: "Private insurance covering social or health services, e.g. accident insurance [AKUSTI 9, national]. The insurer is the payor; the policy number is identifier[coverageIdentifier]."
* insert CoverageKindProfile(private-insurance, 9, national, workshop)
* payor only Reference(SiltaOrganization)

Profile: SiltaOccupationalHealth
Parent: SiltaCoverage
Id: silta-coverage-occupational-health
Title: "Silta Coverage: occupational health care"
Description: "The client is an occupational-health client [AKUSTI 10, county]; affects the county's capitation payments to producers. The occupational health provider or employer is the payor."
* insert CoverageKindProfile(occupational-health, 10, county, workshop)
* payor only Reference(SiltaOrganization)

Profile: SiltaUrgentCarePayer
Parent: SiltaCoverage
Id: silta-coverage-urgent-care-payer
Title: "Silta Coverage: payer of urgent care"
Description: "The county that pays for the client's urgent care, invoiced afterwards [AKUSTI 25, county]. The payor is the client's home county."
* insert CoverageKindProfile(urgent-care-payer, 25, county, workshop)
* payor only Reference(SiltaOrganization)

Profile: SiltaMedicineFeeCeiling
Parent: SiltaCoverage
Id: silta-coverage-medicine-fee-ceiling
Title: "Silta Coverage: medicine reimbursement ceiling"
Description: "The client's medicine reimbursement ceiling (lääkekorvausten maksukatto), kept by Kela [AKUSTI 26, national]: the ceiling (costToBeneficiary[ceiling]) and the accrued sum (extension[accrued]) for the period. No value and no client share."
* insert CoverageKindProfile(medicine-fee-ceiling, 26, national, workshop)
* extension[amount] 0..0
* costToBeneficiary[clientShare] 0..0

Profile: SiltaServiceFeeCeiling
Parent: SiltaCoverage
Id: silta-coverage-service-fee-ceiling
Title: "Silta Coverage: service fee ceiling"
Description: "The client's ceiling for client fees (asiakasmaksujen maksukatto) [AKUSTI 27, national]: the ceiling (costToBeneficiary[ceiling]) and the accrued sum (extension[accrued]) for the period. No value and no client share."
* insert CoverageKindProfile(service-fee-ceiling, 27, national, workshop)
* extension[amount] 0..0
* costToBeneficiary[clientShare] 0..0

Profile: SiltaServicePayer
Parent: SiltaCoverage
Id: silta-coverage-service-payer
Title: "Silta Coverage: payer of a service"
Description: "The situational payer of one service (county, insurer, the client, occupational health), not a standing choice [AKUSTI 29; the workshop left the level open, Silta routes it at county by default]. A customership names it with extension[payer]."
* insert CoverageKindProfile(service-payer, 29, county, silta-default)
