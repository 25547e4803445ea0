// What the Kanta PHR adapter does to every request before it leaves: the resources become
// pseudonymous and conform to the Kanta PHR profiles, and every place the sync engine names a
// client or a resource by its business identifier (the conditional update's URL, logical
// references, the resources' own identifiers) carries the same keyed pseudonym instead.
// The rules, and why, are in adapters/kanta-phr/README.md.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "fhirclient/http.h"
#include "json/json.h"
#include "kanta-phr/pseudonymiser.h"

namespace silta::adapters::phr {

inline constexpr std::string_view kPatientProfile =
    "http://phr.kanta.fi/StructureDefinition/fiphr-sd-patient";
inline constexpr std::string_view kCreatingApplicationUrl =
    "http://phr.kanta.fi/StructureDefinition/fiphr-ext-creatingapplication";
// The identifier system every Kanta PHR Patient uses (fixed in fiphr-sd-patient); the adapter
// gives the other resources' pseudonymous identifiers the same form.
inline constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";
inline constexpr std::string_view kSiltaPartIdentifierSystem =
    "https://silta.example.fi/fhir/sid/client-record-part";

// The resource types of the Kanta PHR production CapabilityStatement 0.2.1
// (http://phr.kanta.fi/capabilitystatementR4, rest.resource.type).
const std::set<std::string, std::less<>>& KantaPhrResourceTypes();

struct TransformOptions {
  // The system of the business identifier the sync engine gives every resource and matches on.
  std::string business_identifier_system = std::string(kSiltaPartIdentifierSystem);
  // Types the store takes; a transaction with any other is refused whole.
  std::set<std::string, std::less<>> accepted_types = KantaPhrResourceTypes();
  // The creatingApplication extension Kanta PHR asks of what an application writes.
  std::string application_name;
  std::string application_id;
  // Extensions the pseudonymous Patient keeps (by URL); every other Patient element goes.
  std::set<std::string, std::less<>> patient_extensions;
};

class PhrTransform {
 public:
  PhrTransform(TransformOptions options, Pseudonymiser pseudonymiser)
      : options_(std::move(options)), pseudonymiser_(std::move(pseudonymiser)) {}

  // The request as the PHR store receives it. FailedPrecondition when it cannot be sent
  // pseudonymously: a type the store does not take, a pull (its history), a search by an
  // identifier other than the business identifier, personal data left after the transformation.
  // The message never quotes the data.
  StatusOr<fhirclient::HttpRequest> Outgoing(const fhirclient::HttpRequest& request);

  // A response body as the engine expects it: the content hashes the adapter keyed (outgoing)
  // are given back as the engine wrote them, so that it recognises its own writes.
  std::string Incoming(std::string body) const;

  // Exposed for tests: one resource or one transaction Bundle, transformed.
  StatusOr<json::Value> TransformBundle(const json::Value& bundle);
  StatusOr<std::string> TransformUrl(std::string_view url) const;

  const TransformOptions& options() const { return options_; }
  const Pseudonymiser& pseudonymiser() const { return pseudonymiser_; }

 private:
  using UrlMap = std::map<std::string, std::string, std::less<>>;
  StatusOr<json::Value> TransformResource(const json::Value& resource, const UrlMap& full_urls);
  json::Value PseudonymousPatient(const json::Value& patient, const std::string& pseudonym,
                                  const UrlMap& full_urls);
  void TransformMeta(const json::Value* meta, json::Value& out, bool patient);
  // Applies the reference rules below `node`; false when `node` itself must go.
  bool Scrub(json::Value& node, const UrlMap& full_urls) const;
  bool ScrubReference(json::Value& reference, const UrlMap& full_urls) const;
  std::string PseudonymOf(std::string_view value) const { return pseudonymiser_.Pseudonym(value); }

  TransformOptions options_;
  Pseudonymiser pseudonymiser_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> keyed_hashes_;  // keyed -> the engine's
};

}  // namespace silta::adapters::phr
