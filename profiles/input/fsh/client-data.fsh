// The three items of the "Client data" and "Payment data" groups that live outside the Patient:
// guidance and counselling [AKUSTI 15], client communication [16] and client fees [22]. Why
// these resources: mappings/README.md ("Guidance, communication and fees: the resources").

Profile: SiltaGuidance
Parent: $FiProcedure
Id: silta-guidance
Title: "Silta Procedure: guidance and counselling"
Description: """
Guidance or counselling given to the client (ohjaus ja neuvonta), and the channel it reached
the client through [AKUSTI 15; the workshop left the level open, Silta routes it at county by
default]. R4 names counselling among the procedures Procedure records; FI Base profiles it.

Contract homes: id → identifier[recordElementId]; status → status (planned → preparation,
in-progress, completed, cancelled → not-done); service → code (THL service classification 6.50
or 6.1221); channel → extension[channel] (HL7 v3 ParticipationMode); period → performedPeriod;
provider → performer.actor (SiltaOrganization); note → note.text. category is always SNOMED CT
409063005 Counseling (R4's procedure-category value set).
"""
* insert SiltaDefinition
* insert Akusti(15, county, silta-default)
* insert RecordElementIdentifier
* extension contains GuidanceChannel named channel 0..1
* status from SiltaGuidanceStatusVS (required)
* category 1..1
* category = $SCT#409063005
* code from ThlServiceVS (extensible)
* subject only Reference(SiltaPatient)
* performed[x] only Period
* performer 0..1
* performer.actor only Reference(SiltaOrganization)
* note 0..1

Extension: GuidanceChannel
Id: guidance-channel
Title: "Guidance channel"
Description: "The channel through which guidance or counselling reaches the client (the contract's guidance.channel) [AKUSTI 15]: face to face, phone, video, online message, e-mail or letter, as HL7 v3 ParticipationMode codes."
Context: Procedure
* insert SiltaDefinition
* insert Akusti(15, county, silta-default)
* value[x] only Coding
* valueCoding 1..1
* valueCoding from ClientChannelVS (required)

Profile: SiltaClientCommunication
Parent: Communication
Id: silta-client-communication
Title: "Silta Communication: client communication"
Description: """
A message from the county or a producer to the client (asiakasviestintä): what kind, through
which channel, when, by whom, about which customership [AKUSTI 16; the workshop left the level
open, Silta routes it at county by default]. The message's content stays in the source system:
payload is not allowed.

Contract homes: id → identifier[recordElementId]; status → status (planned → preparation,
sent → completed, failed → not-done); category → category (HL7 communication-category);
channel → medium (HL7 v3 ParticipationMode); sent; topic → topic.text; sender → sender
(SiltaOrganization); customership → about (SiltaEpisodeOfCare); note → note.text. The client is
both subject and recipient.
"""
* insert SiltaDefinition
* insert Akusti(16, county, silta-default)
* insert RecordElementIdentifier
* status from SiltaCommunicationStatusVS (required)
* category 0..1
* category from http://hl7.org/fhir/ValueSet/communication-category (required)
* medium 0..1
* medium from ClientChannelVS (required)
* subject 1..1
* subject only Reference(SiltaPatient)
* about 0..1
* about only Reference(SiltaEpisodeOfCare)
* recipient 1..1
* recipient only Reference(SiltaPatient)
* sender only Reference(SiltaOrganization)
* payload 0..0
* note 0..1

Profile: SiltaClientFee
Parent: ChargeItem
Id: silta-client-fee
Title: "Silta ChargeItem: client fee"
Description: """
A client fee (asiakasmaksu) charged for a service: producers collect them, and the county should
know its residents' fees [AKUSTI 22, shared-definition]. One fee for one service and period.

Contract homes: id → identifier[recordElementId]; status → status (planned, billable, billed,
waived → not-billable, cancelled → aborted); service → code (THL service classification 6.50
or 6.1221); amount → priceOverride; period → occurrencePeriod; producer →
performingOrganization (SiltaOrganization); customership → context (SiltaEpisodeOfCare); note
→ note.text.
"""
* insert SiltaDefinition
* insert Akusti(22, shared-definition, workshop)
* insert RecordElementIdentifier
* status from SiltaClientFeeStatusVS (required)
* code from ThlServiceVS (extensible)
* subject only Reference(SiltaPatient)
* context only Reference(SiltaEpisodeOfCare)
* occurrence[x] only Period
* performingOrganization only Reference(SiltaOrganization)
* priceOverride ^short = "The fee (contract amount)"
* note 0..1

ValueSet: ClientChannelVS
Id: client-channel
Title: "Channels to the client"
Description: "How guidance or a message reaches the client: the HL7 v3 ParticipationMode codes the contract's channel maps to."
* ^experimental = false
* $ParticipationMode#FACE "face-to-face"
* $ParticipationMode#PHONE "telephone"
* $ParticipationMode#VIDEOCONF "videoconferencing"
* $ParticipationMode#ONLINEWRIT "online written"
* $ParticipationMode#EMAILWRIT "email"
* $ParticipationMode#MAILWRIT "mail"

ValueSet: SiltaGuidanceStatusVS
Id: guidance-status
Title: "Guidance statuses"
Description: "The Procedure statuses a contract guidance can have."
* ^experimental = false
* http://hl7.org/fhir/event-status#preparation
* http://hl7.org/fhir/event-status#in-progress
* http://hl7.org/fhir/event-status#completed
* http://hl7.org/fhir/event-status#not-done

ValueSet: SiltaCommunicationStatusVS
Id: communication-status
Title: "Client communication statuses"
Description: "The Communication statuses a contract communication can have."
* ^experimental = false
* http://hl7.org/fhir/event-status#preparation
* http://hl7.org/fhir/event-status#completed
* http://hl7.org/fhir/event-status#not-done

ValueSet: SiltaClientFeeStatusVS
Id: client-fee-status
Title: "Client fee statuses"
Description: "The ChargeItem statuses a contract client fee can have."
* ^experimental = false
* http://hl7.org/fhir/chargeitem-status#planned
* http://hl7.org/fhir/chargeitem-status#billable
* http://hl7.org/fhir/chargeitem-status#billed
* http://hl7.org/fhir/chargeitem-status#not-billable
* http://hl7.org/fhir/chargeitem-status#aborted

// Examples (the others are in examples.fsh).

Instance: silta-example-guidance
InstanceOf: SiltaGuidance
Title: "Example guidance by phone [AKUSTI 15]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "guid-1"
* status = #completed
* category = $SCT#409063005
* code = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"
* subject = Reference(silta-example-patient)
* performedPeriod.start = "2026-03-02"
* performedPeriod.end = "2026-03-02"
* performer.actor = Reference(silta-example-producer)
* extension[channel].valueCoding = $ParticipationMode#PHONE
* note.text = "Advice on applying for home care"

Instance: silta-example-client-communication
InstanceOf: SiltaClientCommunication
Title: "Example reminder through an online message [AKUSTI 16]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "msg-1"
* status = #completed
* category = http://terminology.hl7.org/CodeSystem/communication-category#reminder
* medium = $ParticipationMode#ONLINEWRIT
* subject = Reference(silta-example-patient)
* recipient = Reference(silta-example-patient)
* about = Reference(silta-example-customership)
* topic.text = "Appointment reminder"
* sent = "2026-04-01T09:00:00+03:00"
* sender = Reference(silta-example-county)

Instance: silta-example-client-fee
InstanceOf: SiltaClientFee
Title: "Example monthly home-care fee [AKUSTI 22]"
Usage: #example
* identifier[recordElementId].system = $CrmSystem
* identifier[recordElementId].value = "fee-1"
* status = #billed
* code = urn:oid:1.2.246.537.6.1221#A01 "Kotihoito"
* subject = Reference(silta-example-patient)
* context = Reference(silta-example-customership)
* occurrencePeriod.start = "2026-03-01"
* occurrencePeriod.end = "2026-03-31"
* performingOrganization = Reference(silta-example-producer)
* priceOverride.value = 148.5
* priceOverride.currency = #EUR
