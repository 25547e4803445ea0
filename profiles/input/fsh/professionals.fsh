Profile: SiltaOrganization
Parent: $FiOrganization
Id: silta-organization
Title: "Silta Organization"
Description: """
An organisation named in a client record (the contract's organisation ref): a county, a producer,
a payer. Identified by its OID (SOTE organisation register, identifier system urn:ietf:rfc:3986,
value urn:oid:...), its business id (Y-tunnus), or both; name is the display name.
Business ids use the system https://silta.example.fi/fhir/sid/y-tunnus until HL7 Finland names
one. Carries no AKUSTI item of its own: its governance follows the resource that references it.
"""
* insert SiltaDefinition
* obeys silta-org-1
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "By system"
* identifier contains oid 0..1 and businessId 0..1
* identifier[oid].system 1..1
* identifier[oid].system = "urn:ietf:rfc:3986"
* identifier[oid].value 1..1
* identifier[oid].value obeys silta-org-2
* identifier[businessId].system 1..1
* identifier[businessId].system = "https://silta.example.fi/fhir/sid/y-tunnus"
* identifier[businessId].value 1..1
* identifier[businessId].value obeys silta-org-3

Invariant: silta-org-1
Description: "An organisation has an OID or a business id."
Expression: "identifier.where(system = 'urn:ietf:rfc:3986' or system = 'https://silta.example.fi/fhir/sid/y-tunnus').exists()"
Severity: #error

Invariant: silta-org-2
Description: "An organisation OID is written urn:oid:1.2.246.10...."
Expression: "matches('^urn:oid:1[.]2[.]246[.]10([.][0-9]+)+$')"
Severity: #error

Invariant: silta-org-3
Description: "A business id (Y-tunnus) is seven digits, a hyphen and a check digit."
Expression: "matches('^[0-9]{7}-[0-9]$')"
Severity: #error

Profile: SiltaPractitioner
Parent: $FiPractitioner
Id: silta-practitioner
Title: "Silta Practitioner"
Description: """
A professional linked to a client [AKUSTI 17]. Contract homes: name; identifiers → identifier[PIC]
(hetu, checked), identifier[Terhikki] (FI Base) and local identifiers (type local, system
urn:oid:<issuer>, checked by silta-prac-1).
The professional's id, role, organisation, period and the client's wish live on the
CareTeam participant that references this Practitioner.
"""
* insert SiltaDefinition
* insert Akusti(17, joint-county, workshop)
* obeys silta-hetu-1 and silta-hetu-2 and silta-oid-1 and silta-prac-1
* name 0..1

// Local identifiers are told apart by their type, not their system (the issuer OID varies), so
// they cannot be a slice of FI Base's slicing by system: an invariant says what a slice would.
Invariant: silta-prac-1
Description: "A local identifier (type local) has a value and the system urn:oid:<issuer OID>."
Expression: "identifier.where(type.coding.where(system = 'https://silta.example.fi/fhir/CodeSystem/identifier-type' and code = 'local').exists()).all(value.exists() and system.matches('^urn:oid:[0-2]([.][0-9]+)+$'))"
Severity: #error

Profile: SiltaCareTeam
Parent: CareTeam
Id: silta-care-team
Title: "Silta CareTeam (client's professionals)"
Description: """
All professionals linked to one client, with their roles, organisations and the client's wishes
about them [AKUSTI 17, joint-county]. One participant per contract professional: participant.id =
professional id, role, member → SiltaPractitioner (name, identifiers), onBehalfOf → the
organisation, period, extension[clientWish].
"""
* insert SiltaDefinition
* insert Akusti(17, joint-county, workshop)
* category 1..1
* category = SiltaCareTeamCategory#client-professionals
* subject 1..1
* subject only Reference(SiltaPatient)
* participant.id 1..1
* participant.id ^short = "The contract's professional id"
* participant.extension contains ClientWish named clientWish 0..1
* participant.role 0..1
* participant.member 1..1
* participant.member only Reference(SiltaPractitioner)
* participant.onBehalfOf only Reference(SiltaOrganization)
