// Silta's own code systems and the value sets over them. Codes from national classifications
// (THL service classifications, ICF, municipalities) stay in their own systems; Silta only
// names value sets that include them whole, since they cannot be expanded offline.

// A copy of the item table docs/akusti-items.json (the single source): SUSHI cannot read it, so
// tests/akusti/akusti_items_test.cc holds the generated CodeSystem to it. Open items are
// county with basis silta-default.
CodeSystem: AkustiItem
Id: akusti-item
Title: "AKUSTI data items"
Description: "The 29 items of the AKUSTI common customer-management data set (docs: akusti-data-set.md). The property governance-level is the level Silta routes an item at by default; basis says whether the workshop set it or Silta chose a default where the workshop left the item open (a deployment may override both)."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* ^property[0].code = #governance-level
* ^property[=].uri = "https://silta.example.fi/fhir/CodeSystem/governance-level"
* ^property[=].description = "Default governance level of the item"
* ^property[=].type = #code
* ^property[+].code = #basis
* ^property[=].uri = "https://silta.example.fi/fhir/CodeSystem/governance-basis"
* ^property[=].description = "Where the default level comes from"
* ^property[=].type = #code
* insert Item(1, "Self-reported contact details", national, workshop)
* insert Item(2, "Education", national, workshop)
* insert Item(3, "Related persons and roles", joint-county, workshop)
* insert Item(4, "Family relations", national, workshop)
* insert Item(5, "Payment contact details", national, workshop)
* insert Item(6, "Occupation and employment status", national, workshop)
* insert Item(7, "Temporary personal identifiers", shared-definition, workshop)
* insert Item(8, "Asylum\, residence permit", national, workshop)
* insert Item(9, "Private insurance", national, workshop)
* insert Item(10, "Occupational health care", county, workshop)
* insert Item(11, "Biobank consents", national, workshop)
* insert Item(12, "Consent to service-need assessment and guidance", national, workshop)
* insert Item(13, "Functional ability", shared-definition, workshop)
* insert Item(14, "Extent of service use", shared-definition, workshop)
* insert Item(15, "Guidance and counselling", county, silta-default)
* insert Item(16, "Client communication", county, silta-default)
* insert Item(17, "Professionals", joint-county, workshop)
* insert Item(18, "Open customerships", joint-county, workshop)
* insert Item(19, "Service history", joint-county, workshop)
* insert Item(20, "Producer choice", national, workshop)
* insert Item(21, "Service implementation plan", joint-county, workshop)
* insert Item(22, "Client fees", shared-definition, workshop)
* insert Item(23, "Service voucher", shared-definition, workshop)
* insert Item(24, "Personal budget", shared-definition, workshop)
* insert Item(25, "Payer of urgent care", county, workshop)
* insert Item(26, "Medicine reimbursement ceiling", national, workshop)
* insert Item(27, "Service fee ceiling", national, workshop)
* insert Item(28, "Payment commitments", shared-definition, workshop)
* insert Item(29, "Payer of a service", county, silta-default)

RuleSet: Item(code, display, level, basis)
* #{code} {display}
* #{code} ^property[0].code = #governance-level
* #{code} ^property[=].valueCode = #{level}
* #{code} ^property[+].code = #basis
* #{code} ^property[=].valueCode = #{basis}

CodeSystem: GovernanceLevel
Id: governance-level
Title: "AKUSTI governance levels"
Description: "The workshop's four ways to govern a data item; the sync engine routes each item by its level."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #county "County" "Maakuntakohtainen toteutus: only between one county and its producers; lives in the county's own CRM."
* #shared-definition "Shared definition" "Yhteisesti määritelty: every county manages it, with common definitions; exchanged in a common format."
* #joint-county "Joint county" "Maakuntien yhteinen toteutus: one implementation shared by the counties."
* #national "National" "Kansallinen toteutus: a national register or service."

CodeSystem: GovernanceBasis
Id: governance-basis
Title: "Basis of a governance level"
Description: "Whether an item's governance level comes from the AKUSTI workshop or is Silta's default for an item the workshop left open."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #workshop "Workshop" "The AKUSTI workshop's results point to this level."
* #silta-default "Silta default" "The workshop left the item open; Silta routes it at the most restrictive level (county) until a deployment says otherwise."

CodeSystem: InformationSource
Id: information-source
Title: "Information source"
Description: "Where a fact in a client record came from (the contract's `source`)."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #self-reported "Self-reported" "Given by the client."
* #professional "Professional" "Recorded by a professional."
* #population-register "Population register" "The Population Information System (DVV)."
* #kela "Kela" "Kela's registers."
* #county-register "County register" "A register of the county."
* #producer "Producer" "The service producer's system."

// Not Silta's codes: a stand-in system URL for a national classification whose identifier could
// not be verified (mappings/README.md, "Code systems and OIDs"). Replace the URL when it is.
CodeSystem: EducationClassificationPlaceholder
Id: education-classification-placeholder
Title: "Education classification (Statistics Finland), placeholder system"
Description: "Stands for Statistics Finland's education classification (Koulutusluokitus: six-digit education codes whose first digit is the level of education) until the identifier THL or HL7 Finland publish for it is verified; every use of this URL is then replaced by that one. Silta defines no codes here: they are Statistics Finland's. It is not urn:oid:1.2.246.537.6.1264, which identifies the social welfare register (FI Base ValueSet fi-base-register-identifier)."
* ^caseSensitive = true
* ^content = #not-present
* ^experimental = false

CodeSystem: SiltaIdentifierType
Id: identifier-type
Title: "Silta identifier types"
Description: "Identifier types for identifiers the client-record contract carries and R4's identifier-type value set (HL7 v2 table 0203) has no code for. The personal identity code (HETU) uses v2-0203 NNFIN as in FI Base, the client id in the CRM v2-0203 MR."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #temporary "Temporary personal identifier" "A county-issued temporary identifier for a person without a known HETU; system is urn:oid: followed by the issuer OID 1.2.246.10.<business id digits>.22.<year> [AKUSTI 7]."
* #local "Local identifier" "Any other identifier; system is urn:oid: followed by the issuer OID."
* #record-element "Client-record element id" "The stable id of the client-record array element this resource was mapped from (unique within the client's record)."
* #coverage-identifier "Coverage identifier" "The identifier of a voucher, budget, commitment, policy or ceiling decision (the contract's coverage.identifier)."

CodeSystem: RelatedPersonRole
Id: related-person-role
Title: "Roles of related persons"
Description: "Roles a related person has for the client, usually defined in the client's plan [AKUSTI 3]."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #contact-person "Contact person" "Yhteyshenkilö."
* #support-person "Support person" "Tukihenkilö."
* #guardian "Guardian" "Huoltaja (custody of a child), as in the population register [AKUSTI 4]."
* #next-of-kin "Next of kin" "Lähiomainen."
* #legal-representative "Legal representative" "Laillinen edustaja, e.g. an appointed guardian (edunvalvoja)."

CodeSystem: CoverageKind
Id: coverage-kind
Title: "Kinds of payment arrangement"
Description: "The contract's coverage kinds: who pays for a client's services and on what terms."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #service-voucher "Service voucher" "Palveluseteli [AKUSTI 23]."
* #personal-budget "Personal budget" "Henkilökohtainen budjetti [AKUSTI 24]."
* #payment-commitment "Payment commitment" "Maksusitoumus; a referral is a kind of payment commitment [AKUSTI 28]."
* #private-insurance "Private insurance" "Private insurance covering social or health services, e.g. accident insurance [AKUSTI 9]."
* #occupational-health "Occupational health care" "The client is an occupational-health client [AKUSTI 10]."
* #urgent-care-payer "Payer of urgent care" "The county invoiced afterwards for urgent care [AKUSTI 25]."
* #medicine-fee-ceiling "Medicine reimbursement ceiling" "Lääkekorvausten maksukatto, Kela [AKUSTI 26]."
* #service-fee-ceiling "Service fee ceiling" "Asiakasmaksujen maksukatto [AKUSTI 27]."
* #service-payer "Payer of a service" "The situational payer of one service [AKUSTI 29]."

CodeSystem: ConsentKind
Id: consent-kind
Title: "Kinds of consent"
Description: "The contract's consent kinds."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #biobank "Biobank consent" "Biopankkisuostumus [AKUSTI 11]."
* #service-need-assessment "Consent to service-need assessment" "Services may be proposed to the client without the client's own initiative [AKUSTI 12]."
* #data-sharing "Data-sharing consent" "Consent to share the client's data (no AKUSTI item of its own)."

CodeSystem: PlanKind
Id: plan-kind
Title: "Kinds of client plan"
Description: "The contract's plan kinds [AKUSTI 21]."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #personal-plan "Personal plan" "Omasuunnitelma."
* #service-plan "Service plan" "Palvelusuunnitelma."
* #care-plan "Care plan" "Hoitosuunnitelma."

CodeSystem: ProducerChoiceChannel
Id: producer-choice-channel
Title: "Producer choice channels"
Description: "How a client's producer choice was made [AKUSTI 20]."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #direct-choice "Direct choice" "A direct-choice producer, recorded by Kela."
* #county "County" "Chosen through the county."

CodeSystem: ResidencePermitKind
Id: residence-permit-kind
Title: "Residence permit kinds"
Description: "A foreign national's residence status [AKUSTI 8]."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #permit "Residence permit" "Oleskelulupa."
* #asylum-seeker "Asylum seeker" "Turvapaikanhakija."
* #refugee "Refugee" "Pakolainen."

CodeSystem: SiltaObservationCategory
Id: observation-category
Title: "Silta observation categories"
Description: "Categories of the observations Silta carries."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #functional-ability "Functional ability" "An assessment of functional ability (toimintakyky) [AKUSTI 13]."

CodeSystem: SiltaCareTeamCategory
Id: care-team-category
Title: "Silta care team categories"
Description: "Categories of the care teams Silta carries."
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #client-professionals "Client's professionals" "All professionals linked to one client, with their roles, organisations and the client's wishes [AKUSTI 17]."

ValueSet: GovernanceLevelVS
Id: governance-level
Title: "AKUSTI governance levels"
Description: "All governance levels."
* ^experimental = false
* include codes from system GovernanceLevel

ValueSet: GovernanceBasisVS
Id: governance-basis
Title: "Basis of a governance level"
Description: "All bases."
* ^experimental = false
* include codes from system GovernanceBasis

ValueSet: AkustiItemVS
Id: akusti-item
Title: "AKUSTI data items"
Description: "All 29 items."
* ^experimental = false
* include codes from system AkustiItem

ValueSet: InformationSourceVS
Id: information-source
Title: "Information source"
Description: "All information sources."
* ^experimental = false
* include codes from system InformationSource

ValueSet: RelatedPersonRoleVS
Id: related-person-role
Title: "Roles of related persons"
Description: "All roles."
* ^experimental = false
* include codes from system RelatedPersonRole

ValueSet: CoverageKindVS
Id: coverage-kind
Title: "Kinds of payment arrangement"
Description: "All coverage kinds."
* ^experimental = false
* include codes from system CoverageKind

ValueSet: ConsentKindVS
Id: consent-kind
Title: "Kinds of consent"
Description: "All consent kinds."
* ^experimental = false
* include codes from system ConsentKind

ValueSet: PlanKindVS
Id: plan-kind
Title: "Kinds of client plan"
Description: "All plan kinds."
* ^experimental = false
* include codes from system PlanKind

ValueSet: ProducerChoiceChannelVS
Id: producer-choice-channel
Title: "Producer choice channels"
Description: "All channels."
* ^experimental = false
* include codes from system ProducerChoiceChannel

ValueSet: ResidencePermitKindVS
Id: residence-permit-kind
Title: "Residence permit kinds"
Description: "All kinds."
* ^experimental = false
* include codes from system ResidencePermitKind

ValueSet: ThlServiceVS
Id: thl-service
Title: "THL service classifications"
Description: "Services from THL's service classifications (urn:oid:1.2.246.537.6.50 and urn:oid:1.2.246.537.6.1221), as the contract allows for a customership's service."
* ^experimental = false
* include codes from system $THLService50
* include codes from system $THLService1221

ValueSet: IcfVS
Id: icf
Title: "ICF (THL)"
Description: "The International Classification of Functioning, Disability and Health as published by THL (urn:oid:1.2.246.537.6.48)."
* ^experimental = false
* include codes from system $ICF

ValueSet: MunicipalityVS
Id: municipality
Title: "Finnish municipalities (THL)"
Description: "Municipality codes (urn:oid:1.2.246.537.6.21)."
* ^experimental = false
* include codes from system $THLMunicipality
