Profile: SiltaPatient
Parent: $FiPatient
Id: silta-patient
Title: "Silta Patient (client)"
Description: """
The client of a county customer-management system: the top level of a client record, with the
basic data items [AKUSTI 1, 2, 5, 6, 7, 8] and extent of service use [AKUSTI 14] and producer
choice [AKUSTI 20]. Items are routed per element: each Silta extension names its own item and level.

Contract homes: clientId → identifier[clientId]; identifiers → identifier[PIC] (hetu, checked by
silta-hetu-1), identifier[temporary], identifier[local]; county → extension[organisingCounty];
updatedAt → extension[recordUpdatedAt]; recordVersion → meta.profile (this profile is
contract version 1); name, birthDate, gender → the same; homeMunicipality →
extension[municipality] (FI Base); nonDisclosure → extension[nonDisclosure] and the FI Base
security label TURVAKIELTO; contactDetails → telecom / address (id = contact id, source
extension); occupation.code → extension[patientProfession] (FI Base, Statistics Finland's
occupation classification urn:oid:1.2.246.537.6.74), occupation.employmentStatus and
occupation.source → extension[occupation]; paymentContacts, education, residencePermit,
producerChoice, serviceUseLevel → the Silta extensions of the same names.
"""
* insert SiltaDefinition
* insert Akusti(1, national, workshop)
* insert Akusti(2, national, workshop)
* insert Akusti(5, national, workshop)
* insert Akusti(6, national, workshop)
* insert Akusti(7, shared-definition, workshop)
* insert Akusti(8, national, workshop)
* insert Akusti(14, shared-definition, workshop)
* insert Akusti(20, national, workshop)
* obeys silta-hetu-1 and silta-hetu-2 and silta-tmp-1 and silta-oid-1 and silta-nd-1
* extension contains
    RecordUpdatedAt named recordUpdatedAt 1..1 and
    OrganisingCounty named organisingCounty 1..1 and
    NonDisclosure named nonDisclosure 0..1 and
    PaymentContact named paymentContact 0..* and
    Occupation named occupation 0..1 and
    Education named education 0..* and
    ResidencePermit named residencePermit 0..1 and
    ProducerChoice named producerChoice 0..* and
    ServiceUseLevel named serviceUseLevel 0..1
// homeMunicipality: FI Base's municipality extension already fixes the system urn:oid:1.2.246.537.6.21.
// occupation.code: FI Base's patientProfession slice (patient-profession) fixes urn:oid:1.2.246.537.6.74.
* extension[patientProfession] ^short = "Occupation [AKUSTI 6] (FI Base patient-profession)"
* identifier 1..*
* identifier contains clientId 1..1 and temporary 0..* and local 0..*
* identifier[PIC] ^short = "Personal identity code (HETU), check character verified"
* identifier[PIC].value 1..1
* identifier[clientId] ^short = "The client's id in the exporting CRM (clientId)"
* identifier[clientId].use = #usual
* identifier[clientId].type 1..1
// R4 binds Identifier.type to identifier-type (extensible): its MR "Medical record number", a
// patient's identifier within an organisation's records, is what the CRM's client id is.
* identifier[clientId].type = $v2-0203#MR
* identifier[clientId].system 1..1
* identifier[clientId].value 1..1
* identifier[temporary] ^short = "Temporary personal identifier [AKUSTI 7]"
* identifier[temporary].use = #temp
* identifier[temporary].type 1..1
* identifier[temporary].type = SiltaIdentifierType#temporary
* identifier[temporary].system 1..1
* identifier[temporary].value 1..1
* identifier[local] ^short = "Other identifier, system urn:oid:<issuer>"
* identifier[local].use = #secondary
* identifier[local].type 1..1
* identifier[local].type = SiltaIdentifierType#local
* identifier[local].system 1..1
* identifier[local].value 1..1
* name 0..1
* name.family ^short = "Family name (contract name.family)"
* insert ContactDetails

Invariant: silta-nd-1
Description: "The non-disclosure extension agrees with the FI Base TURVAKIELTO security label."
Expression: "extension('https://silta.example.fi/fhir/StructureDefinition/non-disclosure').exists() implies (extension('https://silta.example.fi/fhir/StructureDefinition/non-disclosure').value.first() = meta.security.where(system = 'https://hl7.fi/fhir/finnish-base-profiles/CodeSystem/fi-base-security-label-cs' and code = 'TURVAKIELTO').exists())"
Severity: #error

Profile: SiltaRelatedPerson
Parent: RelatedPerson
Id: silta-related-person
Title: "Silta RelatedPerson"
Description: """
A person close to the client with their relationship and roles (contact person, support person,
guardian, next of kin, legal representative). Two AKUSTI items share this profile and are told
apart by the required information-source extension: population-register = official family
relations and custody [AKUSTI 4, national]; any other source (self-reported, professional, ...) =
related persons and roles as the client reports them [AKUSTI 3, joint-county].

Why an extension and not meta.tag: the source is a fact about the content that must validate
against a bound value set and survive every server (servers may add, drop or rewrite tags without
a new version), and the same extension marks the source of single contact details and of
occupation data, where a resource-level tag could not.

Contract homes: id → identifier[recordElementId]; name; identifiers → identifier[hetu] (checked), identifier[temporary], identifier[local];
relationship → relationship[kinship] (v3 RoleCode); roles → relationship[role]; contact →
telecom / address; period; source → extension[source]; inPlan → extension[inPlan].
"""
* insert SiltaDefinition
* insert Akusti(3, joint-county, workshop)
* insert Akusti(4, national, workshop)
* obeys silta-hetu-1 and silta-hetu-2 and silta-tmp-1 and silta-oid-1
* insert RecordElementIdentifier
* identifier contains hetu 0..1 and temporary 0..* and local 0..*
* identifier[hetu] ^short = "Personal identity code (HETU), check character verified"
* identifier[hetu].type 1..1
* identifier[hetu].type = $v2-0203#NNFIN
* identifier[hetu].system 1..1
* identifier[hetu].system = $HETU
* identifier[hetu].value 1..1
* identifier[temporary] ^short = "Temporary personal identifier [AKUSTI 7]"
* identifier[temporary].type 1..1
* identifier[temporary].type = SiltaIdentifierType#temporary
* identifier[temporary].system 1..1
* identifier[temporary].value 1..1
* identifier[local] ^short = "Other identifier, system urn:oid:<issuer>"
* identifier[local].type 1..1
* identifier[local].type = SiltaIdentifierType#local
* identifier[local].system 1..1
* identifier[local].value 1..1
* patient only Reference(SiltaPatient)
* extension contains InformationSourceExt named source 1..1 and InPlan named inPlan 0..1
* name 0..1
* relationship ^slicing.discriminator.type = #value
* relationship ^slicing.discriminator.path = "coding.system"
* relationship ^slicing.rules = #open
* relationship ^slicing.description = "Kinship (v3 RoleCode) and roles (Silta)"
* relationship contains kinship 0..1 and role 0..*
* relationship[kinship] ^short = "Relationship to the client (v3 RoleCode: MTH, FTH, SPS, CHILD, FRND, ...)"
* relationship[kinship].coding 1..1
* relationship[kinship].coding.system 1..1
* relationship[kinship].coding.system = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
* relationship[kinship].coding.code 1..1
* relationship[role] ^short = "A role: contact-person, support-person, guardian, next-of-kin, legal-representative"
* relationship[role].coding 1..1
* relationship[role].coding.system 1..1
* relationship[role].coding.system = "https://silta.example.fi/fhir/CodeSystem/related-person-role"
* relationship[role].coding.code 1..1
* relationship[role].coding.code from RelatedPersonRoleVS (required)
* insert ContactDetails
