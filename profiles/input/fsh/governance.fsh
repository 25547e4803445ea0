// Machine-readable routing metadata: every Silta profile and extension states which AKUSTI items
// it carries and at which governance level, with the akusti-governance extension on its
// StructureDefinition (repeated, one per item) and the item as a StructureDefinition.keyword.
// The sync engine reads the extension; keyword only helps search.

Extension: AkustiGovernance
Id: akusti-governance
Title: "AKUSTI item and governance level"
Description: "On a StructureDefinition: an AKUSTI item the profile or extension carries and the governance level (county, shared-definition, joint-county, national) Silta routes it at by default. Repeated when a definition carries several items."
Context: StructureDefinition
* insert SiltaDefinition
* extension contains item 1..1 and level 1..1 and basis 0..1
* extension[item] ^short = "The AKUSTI item"
* extension[item].value[x] only Coding
* extension[item].valueCoding from AkustiItemVS (required)
* extension[level] ^short = "Default governance level"
* extension[level].value[x] only code
* extension[level].valueCode from GovernanceLevelVS (required)
* extension[basis] ^short = "workshop, or silta-default where the workshop left the item open"
* extension[basis].value[x] only code
* extension[basis].valueCode from GovernanceBasisVS (required)

RuleSet: SiltaDefinition
* ^status = #draft
* ^experimental = false

// Akusti(item number, level, basis): one item carried by the definition. The level and basis
// must be the item's in docs/akusti-items.json, the single table; tests/akusti/akusti_items_test.cc
// checks every insert in profiles/generated against it.
RuleSet: Akusti(item, level, basis)
* ^extension[+].url = "https://silta.example.fi/fhir/StructureDefinition/akusti-governance"
* ^extension[=].extension[+].url = "item"
* ^extension[=].extension[=].valueCoding = AkustiItem#{item}
* ^extension[=].extension[+].url = "level"
* ^extension[=].extension[=].valueCode = #{level}
* ^extension[=].extension[+].url = "basis"
* ^extension[=].extension[=].valueCode = #{basis}
* ^keyword[+] = AkustiItem#{item}

// The stable id of the client-record array element a resource was mapped from. The system is
// the exporting CRM's namespace (a deployment setting); together with the subject it supports
// conditional updates.
RuleSet: RecordElementIdentifier
* identifier ^slicing.discriminator.type = #pattern
* identifier ^slicing.discriminator.path = "type"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "By identifier type"
* identifier contains recordElementId 1..1
* identifier[recordElementId] ^short = "The client-record element id (the contract's id)"
* identifier[recordElementId].type 1..1
* identifier[recordElementId].type = SiltaIdentifierType#record-element
* identifier[recordElementId].system 1..1
* identifier[recordElementId].value 1..1

// Contact details with the contract's stable id and source.
RuleSet: ContactDetails
* telecom.id 1..1
* telecom.id ^short = "The contract's contact id"
* telecom.system 1..1
* telecom.system obeys silta-contact-1
* telecom.value 1..1
* telecom.extension contains InformationSourceExt named source 0..1
* address.id 1..1
* address.id ^short = "The contract's contact id"
* address.extension contains InformationSourceExt named source 0..1

Invariant: silta-contact-1
Description: "A contact is a phone number or an e-mail address (or an address, in address)."
Expression: "$this = 'phone' or $this = 'email'"
Severity: #error

Invariant: silta-hetu-1
Description: "A personal identity code (HETU, system urn:oid:1.2.246.21) has the form DDMMYYCNNNT and a correct check character."
Expression: "identifier.where(system = 'urn:oid:1.2.246.21').all(value.matches('^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]$') and '0123456789ABCDEFHJKLMNPRSTUVWXY'.substring((value.substring(0,6) + value.substring(7,3)).toInteger() mod 31, 1) = value.substring(10,1))"
Severity: #error

Invariant: silta-hetu-2
Description: "At most one personal identity code (HETU)."
Expression: "identifier.where(system = 'urn:oid:1.2.246.21').count() <= 1"
Severity: #error

Invariant: silta-tmp-1
Description: "A temporary personal identifier is issued under urn:oid:1.2.246.10.<business id digits>.22.<year>."
Expression: "identifier.where(type.coding.where(system = 'https://silta.example.fi/fhir/CodeSystem/identifier-type' and code = 'temporary').exists()).all(system.matches('^urn:oid:1[.]2[.]246[.]10[.][0-9]+[.]22[.][0-9]{4}$') and value.exists())"
Severity: #error

Invariant: silta-oid-1
Description: "An issuer-scoped identifier (temporary or local) has a system urn:oid:<issuer OID>."
Expression: "identifier.where(type.coding.where(system = 'https://silta.example.fi/fhir/CodeSystem/identifier-type' and (code = 'temporary' or code = 'local')).exists()).all(system.matches('^urn:oid:[0-2]([.][0-9]+)+$'))"
Severity: #error
