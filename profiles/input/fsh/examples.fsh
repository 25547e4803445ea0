// Examples: one client (Aino) of Pirkanmaa with every part of the contract, and a client with a
// temporary identifier. HETUs are valid test values (check characters verified).

Alias: $CrmSystem = https://crm.pirkanmaa.example.fi/fhir/sid/client-record

Instance: silta-example-county
InstanceOf: SiltaOrganization
Title: "Example county"
Usage: #example
* identifier[oid].value = "urn:oid:1.2.246.10.3442003.10"
* identifier[businessId].value = "3221308-6"
* name = "Pirkanmaan hyvinvointialue"

Instance: silta-example-producer
InstanceOf: SiltaOrganization
Title: "Example producer"
Usage: #example
* identifier[businessId].value = "1234567-1"
* name = "Hoivapalvelu Esimerkki Oy"

Instance: silta-example-practitioner
InstanceOf: SiltaPractitioner
Title: "Example professional"
Usage: #example
* identifier[Terhikki].system = "urn:oid:1.2.246.537.26"
* identifier[Terhikki].value = "10101010101"
// A local identifier has no slice (its system is the issuer's OID). Not identifier[+]: after a
// named slice, [+] addresses index 0, the element the Terhikki slice already fills, and SUSHI
// silently overwrote the Terhikki identifier with this one. The slice is element 0, so this is 1
// (scripts/example-identifiers.js, ctest profiles_example_identifiers, checks the result).
* identifier[1].system = "urn:oid:1.2.246.10.3442003.10.7"
* identifier[1].type = SiltaIdentifierType#local
* identifier[1].value = "EMP-4411"
* name.family = "Virtanen"
* name.given = "Liisa"

Instance: silta-example-patient
InstanceOf: SiltaPatient
Title: "Example client with a HETU"
Usage: #example
* extension[recordUpdatedAt].valueInstant = "2026-11-30T09:15:00+02:00"
* extension[organisingCounty].valueCoding = urn:oid:1.2.246.537.6.21#908 "Pirkanmaan hyvinvointialue"
* extension[municipality].valueCoding = urn:oid:1.2.246.537.6.21#837 "Tampere"
* extension[nonDisclosure].valueBoolean = false
* extension[paymentContact].id = "pay-1"
* extension[paymentContact].extension[iban].valueString = "FI2112345600000785"
* extension[paymentContact].extension[bic].valueString = "NDEAFIHH"
* extension[paymentContact].extension[holderName].valueString = "Aino Korhonen"
* extension[paymentContact].extension[directDebit].valueBoolean = true
* extension[patientProfession].valueCoding = urn:oid:1.2.246.537.6.74#12292 "Sosiaali- ja terveydenhuoltoalan johtajat"
* extension[occupation].extension[employmentStatus].valueCoding = urn:oid:1.2.246.537.6.1265#11 "Palkansaaja"
* extension[occupation].extension[source].valueCode = InformationSource#population-register
* extension[education].valueCoding = https://silta.example.fi/fhir/CodeSystem/education-classification-placeholder#671101 "Sairaanhoitaja (AMK)"
* extension[producerChoice].extension[producer].valueReference = Reference(silta-example-producer)
* extension[producerChoice].extension[service].valueCoding = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"
* extension[producerChoice].extension[period].valuePeriod.start = "2026-01-01"
* extension[producerChoice].extension[channel].valueCode = ProducerChoiceChannel#county
* extension[serviceUseLevel].extension[level].valueCoding = https://crm.pirkanmaa.example.fi/fhir/CodeSystem/service-use#2 "Moderate"
* extension[serviceUseLevel].extension[assessedAt].valueDateTime = "2026-06-01"
* identifier[PIC].use = #official
* identifier[PIC].type = http://terminology.hl7.org/CodeSystem/v2-0203#NNFIN
* identifier[PIC].system = "urn:oid:1.2.246.21"
* identifier[PIC].value = "131052-308T"
* identifier[clientId].system = $CrmSystem
* identifier[clientId].value = "C-000123"
* name.family = "Korhonen"
* name.given[0] = "Aino"
* name.given[1] = "Maria"
* gender = #female
* birthDate = "1952-10-13"
* telecom[0].id = "contact-1"
* telecom[0].system = #phone
* telecom[0].value = "+358401234567"
* telecom[0].use = #mobile
* telecom[0].extension[source].valueCode = InformationSource#self-reported
* telecom[1].id = "contact-2"
* telecom[1].system = #email
* telecom[1].value = "aino.korhonen@example.fi"
* telecom[1].use = #home
* telecom[1].period.start = "2025-03-01"
* telecom[1].extension[source].valueCode = InformationSource#self-reported
* address[0].id = "contact-3"
* address[0].use = #home
* address[0].line = "Hämeenkatu 1 A 2"
* address[0].postalCode = "33100"
* address[0].city = "Tampere"
* address[0].country = "FI"
* address[0].extension[source].valueCode = InformationSource#population-register

Instance: silta-example-patient-temporary
InstanceOf: SiltaPatient
Title: "Example client with a temporary identifier"
Usage: #example
* extension[recordUpdatedAt].valueInstant = "2026-11-30T10:00:00+02:00"
* extension[organisingCounty].valueCoding = urn:oid:1.2.246.537.6.21#908 "Pirkanmaan hyvinvointialue"
* extension[residencePermit].extension[kind].valueCode = ResidencePermitKind#asylum-seeker
* extension[residencePermit].extension[validity].valuePeriod.start = "2026-10-01"
* identifier[clientId].system = $CrmSystem
* identifier[clientId].value = "C-000124"
* identifier[temporary].system = "urn:oid:1.2.246.10.3442003.22.2026"
* identifier[temporary].value = "TEMP-2026-0042"
* name.family = "Tuntematon"
* gender = #unknown

Instance: silta-example-related-person-self-reported
InstanceOf: SiltaRelatedPerson
Title: "Example related person reported by the client [AKUSTI 3]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "rp-1"
* extension[source].valueCode = InformationSource#self-reported
* extension[inPlan].valueReference = Reference(silta-example-care-plan)
* patient = Reference(silta-example-patient)
* relationship[kinship] = http://terminology.hl7.org/CodeSystem/v3-RoleCode#FRND "friend"
* relationship[role] = RelatedPersonRole#contact-person
* relationship[role][+] = RelatedPersonRole#support-person
* name.family = "Mäkinen"
* name.given = "Eeva"
* telecom[0].id = "rp-1-contact-1"
* telecom[0].system = #phone
* telecom[0].value = "+358409876543"
* period.start = "2024-05-01"

Instance: silta-example-related-person-register
InstanceOf: SiltaRelatedPerson
Title: "Example official family relation [AKUSTI 4]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "rp-2"
* identifier[hetu].type = http://terminology.hl7.org/CodeSystem/v2-0203#NNFIN
* identifier[hetu].system = "urn:oid:1.2.246.21"
* identifier[hetu].value = "010181-900C"
* extension[source].valueCode = InformationSource#population-register
* patient = Reference(silta-example-patient)
* relationship[kinship] = http://terminology.hl7.org/CodeSystem/v3-RoleCode#CHILD "child"
* relationship[role] = RelatedPersonRole#next-of-kin
* name.family = "Korhonen"
* name.given = "Matti"

Instance: silta-example-care-team
InstanceOf: SiltaCareTeam
Title: "Example: the client's professionals [AKUSTI 17]"
Usage: #example
* category = SiltaCareTeamCategory#client-professionals
* subject = Reference(silta-example-patient)
* participant[0].id = "prof-1"
* participant[0].role = http://snomed.info/sct#224535009 "Registered nurse"
* participant[0].member = Reference(silta-example-practitioner)
* participant[0].onBehalfOf = Reference(silta-example-county)
* participant[0].period.start = "2025-01-15"
* participant[0].extension[clientWish].valueString = "Prefers home visits in the morning"

Instance: silta-example-customership
InstanceOf: SiltaEpisodeOfCare
Title: "Example open customership [AKUSTI 18]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "cs-1"
* status = #active
* type = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"
* patient = Reference(silta-example-patient)
* managingOrganization = Reference(silta-example-producer)
* period.start = "2026-01-01"
* extension[contactProfessional].valueReference = Reference(silta-example-practitioner)
* extension[teamProfessional].valueReference = Reference(silta-example-practitioner)
* extension[payer].valueReference = Reference(silta-example-service-voucher)
* referralRequest.identifier.system = "https://silta.example.fi/fhir/sid/referral"
* referralRequest.identifier.value = "REF-2025-778"

Instance: silta-example-care-plan
InstanceOf: SiltaCarePlan
Title: "Example service plan [AKUSTI 21]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "plan-1"
* status = #active
* intent = #plan
* category = PlanKind#service-plan
* title = "Kotihoidon palvelusuunnitelma"
* subject = Reference(silta-example-patient)
* period.start = "2026-01-01"
* author = Reference(silta-example-practitioner)
* extension[customership].valueReference = Reference(silta-example-customership)
* extension[relatedPerson].valueReference = Reference(silta-example-related-person-self-reported)
* extension[goal][0].valueString = "Copes at home independently with daily help"
* extension[goal][1].valueString = "Goes outdoors twice a week"

Instance: silta-example-functional-ability
InstanceOf: SiltaFunctionalAbility
Title: "Example functional-ability assessment [AKUSTI 13]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "fa-1"
* status = #final
* category = SiltaObservationCategory#functional-ability
* code = urn:oid:1.2.246.537.6.48#d450 "Kävely"
* subject = Reference(silta-example-patient)
* effectiveDateTime = "2026-05-20"
* performer = Reference(silta-example-practitioner)
* valueInteger = 2
* note.text = "Walks indoors with a walker"

// What every example payment arrangement shares.
RuleSet: CoverageExample(kind, elementId)
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "{elementId}"
* status = #active
* type = CoverageKind#{kind}
* beneficiary = Reference(silta-example-patient)
* period.start = "2026-01-01"

Instance: silta-example-service-voucher
InstanceOf: SiltaServiceVoucher
Title: "Example service voucher [AKUSTI 23]"
Usage: #example
* insert CoverageExample(service-voucher, cov-1)
* identifier[coverageIdentifier].type = SiltaIdentifierType#coverage-identifier
* identifier[coverageIdentifier].value = "PS-2026-1001"
* payor = Reference(silta-example-county)
* extension[service].valueCoding = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"
* extension[amount].valueMoney.value = 32
* extension[amount].valueMoney.currency = #EUR
* extension[transferableTo].valueReference = Reference(silta-example-producer)
* costToBeneficiary[clientShare].type = http://terminology.hl7.org/CodeSystem/coverage-copay-type#copay
* costToBeneficiary[clientShare].valueMoney.value = 8.5
* costToBeneficiary[clientShare].valueMoney.currency = #EUR

Instance: silta-example-personal-budget
InstanceOf: SiltaPersonalBudget
Title: "Example personal budget [AKUSTI 24]"
Usage: #example
* insert CoverageExample(personal-budget, cov-2)
* payor = Reference(silta-example-county)
* extension[amount].valueMoney.value = 12000
* extension[amount].valueMoney.currency = #EUR
* extension[accrued].valueMoney.value = 3150.75
* extension[accrued].valueMoney.currency = #EUR

Instance: silta-example-payment-commitment
InstanceOf: SiltaPaymentCommitment
Title: "Example payment commitment [AKUSTI 28]"
Usage: #example
* insert CoverageExample(payment-commitment, cov-3)
* identifier[coverageIdentifier].type = SiltaIdentifierType#coverage-identifier
* identifier[coverageIdentifier].value = "MS-2026-55"
* payor = Reference(silta-example-county)
* extension[amount].valueMoney.value = 1500
* extension[amount].valueMoney.currency = #EUR
* extension[note].valueString = "Rehabilitation period at a private producer"

Instance: silta-example-private-insurance
InstanceOf: SiltaPrivateInsurance
Title: "Example private insurance [AKUSTI 9]"
Usage: #example
* insert CoverageExample(private-insurance, cov-4)
* identifier[coverageIdentifier].type = SiltaIdentifierType#coverage-identifier
* identifier[coverageIdentifier].value = "POL-998877"
* payor = Reference(silta-example-producer)

Instance: silta-example-occupational-health
InstanceOf: SiltaOccupationalHealth
Title: "Example occupational health care [AKUSTI 10]"
Usage: #example
* insert CoverageExample(occupational-health, cov-5)
* payor = Reference(silta-example-producer)

Instance: silta-example-urgent-care-payer
InstanceOf: SiltaUrgentCarePayer
Title: "Example payer of urgent care [AKUSTI 25]"
Usage: #example
* insert CoverageExample(urgent-care-payer, cov-6)
* payor = Reference(silta-example-county)

Instance: silta-example-medicine-fee-ceiling
InstanceOf: SiltaMedicineFeeCeiling
Title: "Example medicine reimbursement ceiling [AKUSTI 26]"
Usage: #example
* insert CoverageExample(medicine-fee-ceiling, cov-7)
* payor = Reference(silta-example-county)
* costToBeneficiary[ceiling].type = http://terminology.hl7.org/CodeSystem/coverage-copay-type#maxoutofpocket
* costToBeneficiary[ceiling].valueMoney.value = 626.34
* costToBeneficiary[ceiling].valueMoney.currency = #EUR
* extension[accrued].valueMoney.value = 210.1
* extension[accrued].valueMoney.currency = #EUR

Instance: silta-example-service-fee-ceiling
InstanceOf: SiltaServiceFeeCeiling
Title: "Example service fee ceiling [AKUSTI 27]"
Usage: #example
* insert CoverageExample(service-fee-ceiling, cov-8)
* payor = Reference(silta-example-county)
* costToBeneficiary[ceiling].type = http://terminology.hl7.org/CodeSystem/coverage-copay-type#maxoutofpocket
* costToBeneficiary[ceiling].valueMoney.value = 762
* costToBeneficiary[ceiling].valueMoney.currency = #EUR
* extension[accrued].valueMoney.value = 95
* extension[accrued].valueMoney.currency = #EUR

Instance: silta-example-service-payer
InstanceOf: SiltaServicePayer
Title: "Example payer of a service [AKUSTI 29]"
Usage: #example
* insert CoverageExample(service-payer, cov-9)
* payor = Reference(silta-example-patient)
* extension[service].valueCoding = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"

Instance: silta-example-consent-biobank
InstanceOf: SiltaBiobankConsent
Title: "Example biobank consent [AKUSTI 11]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "consent-1"
* status = #active
* scope = http://terminology.hl7.org/CodeSystem/consentscope#research
* category = ConsentKind#biobank
* policyRule = ConsentKind#biobank
* patient = Reference(silta-example-patient)
* dateTime = "2025-09-01T12:00:00+03:00"
* organization = Reference(silta-example-county)
* provision.type = #permit
* extension[source].valueCode = InformationSource#self-reported

Instance: silta-example-consent-service-need
InstanceOf: SiltaServiceNeedAssessmentConsent
Title: "Example consent to service-need assessment [AKUSTI 12]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "consent-2"
* status = #active
* scope = http://terminology.hl7.org/CodeSystem/consentscope#treatment
* category = ConsentKind#service-need-assessment
* policyRule = ConsentKind#service-need-assessment
* patient = Reference(silta-example-patient)
* dateTime = "2026-02-10T08:30:00+02:00"
* provision.type = #deny
* provision.period.start = "2026-02-10"

Instance: silta-example-consent-data-sharing
InstanceOf: SiltaConsent
Title: "Example data-sharing consent"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "consent-3"
* status = #inactive
* scope = http://terminology.hl7.org/CodeSystem/consentscope#patient-privacy
* category = ConsentKind#data-sharing
* policyRule = ConsentKind#data-sharing
* patient = Reference(silta-example-patient)
* provision.type = #permit
