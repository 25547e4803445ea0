// Canonical URLs used across the FSH files.
Alias: $HETU = urn:oid:1.2.246.21
Alias: $v2-0203 = http://terminology.hl7.org/CodeSystem/v2-0203
Alias: $v3-RoleCode = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $FiPatient = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-patient
Alias: $FiOrganization = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-organization
Alias: $FiPractitioner = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-practitioner
Alias: $FiEpisodeOfCare = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-episode-of-care
Alias: $FiObservation = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/fi-base-observation
Alias: $FiMunicipality = https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/municipality-code
Alias: $FiSecurityLabel = https://hl7.fi/fhir/finnish-base-profiles/CodeSystem/fi-base-security-label-cs
Alias: $THLMunicipality = urn:oid:1.2.246.537.6.21
Alias: $THLService50 = urn:oid:1.2.246.537.6.50
Alias: $THLService1221 = urn:oid:1.2.246.537.6.1221
Alias: $ICF = urn:oid:1.2.246.537.6.48
Alias: $ConsentScope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $CopayType = http://terminology.hl7.org/CodeSystem/coverage-copay-type
Alias: $ObsCategory = http://terminology.hl7.org/CodeSystem/observation-category
