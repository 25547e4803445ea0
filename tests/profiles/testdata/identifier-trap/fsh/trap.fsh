// The FSH trap scripts/example-identifiers.js exists for: identifier[+] after a named slice
// addresses the element the slice already fills, so SUSHI 3.21.0 merged the two identifiers.
// generated/ holds what SUSHI made of these rules (ids renamed); the check must report both.
Alias: $CrmSystem = https://silta.example.fi/fhir/sid/crm-client-id

Instance: trap-practitioner
InstanceOf: SiltaPractitioner
* identifier[Terhikki].system = "urn:oid:1.2.246.537.26"
* identifier[Terhikki].value = "10101010101"
* identifier[+].system = "urn:oid:1.2.246.10.3442003.10.7"
* identifier[=].type = SiltaIdentifierType#local
* identifier[=].value = "EMP-4411"

Instance: trap-patient
InstanceOf: SiltaPatient
* identifier[PIC].use = #official
* identifier[PIC].system = "urn:oid:1.2.246.21"
* identifier[PIC].value = "131052-308T"
* identifier[clientId].system = $CrmSystem
* identifier[clientId].value = "C-1"
* identifier[+].system = "urn:oid:1.2.246.10.3442003.10.7"
* identifier[=].value = "X-1"
