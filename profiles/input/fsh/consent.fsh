Profile: SiltaConsent
Parent: Consent
Id: silta-consent
Title: "Silta Consent"
Description: """
A client's consent as the contract carries it: kind biobank [AKUSTI 11], service-need-assessment
[AKUSTI 12] (each with its own profile below) or data-sharing (no AKUSTI item: routed at county
unless a deployment says otherwise).

Contract homes: id → identifier[recordElementId]; kind → category (consent-kind) and policyRule
(the same code: R4 requires a policy, ppc-1, and no Finnish policy code system exists);
decision → provision.type; status → status; dateTime; period → provision.period; organisation →
organization; source → extension[source]. scope follows the kind: research (biobank), treatment
(service-need assessment), patient-privacy (data sharing).
"""
* insert SiltaDefinition
* insert RecordElementIdentifier
* extension contains InformationSourceExt named source 0..1
* status from SiltaConsentStatusVS (required)
* category 1..1
* category from ConsentKindVS (required)
* patient 1..1
* patient only Reference(SiltaPatient)
* organization 0..1
* organization only Reference(SiltaOrganization)
* policy 0..0
* policyRule 1..1
* policyRule from ConsentKindVS (required)
* provision 1..1
* provision.type 1..1
* provision.provision 0..0
* obeys silta-consent-1

Invariant: silta-consent-1
Description: "policyRule repeats the consent kind of category."
Expression: "policyRule.coding.code = category.coding.code"
Severity: #error

ValueSet: SiltaConsentStatusVS
Id: consent-status
Title: "Consent statuses"
Description: "The Consent statuses a contract consent can have."
* ^experimental = false
* http://hl7.org/fhir/consent-state-codes#active
* http://hl7.org/fhir/consent-state-codes#inactive

Profile: SiltaBiobankConsent
Parent: SiltaConsent
Id: silta-consent-biobank
Title: "Silta Consent: biobank"
Description: "A biobank consent (biopankkisuostumus) [AKUSTI 11, national]: all social and health care consents go to Kanta."
* insert Akusti(11, national, workshop)
* scope = $ConsentScope#research
* category = ConsentKind#biobank
* policyRule = ConsentKind#biobank

Profile: SiltaServiceNeedAssessmentConsent
Parent: SiltaConsent
Id: silta-consent-service-need-assessment
Title: "Silta Consent: service-need assessment"
Description: "Consent to service-need assessment and guidance without a care relationship: may services be proposed to the client without the client's own initiative (e.g. a virtual health check) [AKUSTI 12, national]."
* insert Akusti(12, national, workshop)
* scope = $ConsentScope#treatment
* category = ConsentKind#service-need-assessment
* policyRule = ConsentKind#service-need-assessment
