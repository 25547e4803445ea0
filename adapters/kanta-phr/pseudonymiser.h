// Keyed pseudonyms for the Kanta PHR adapter: HMAC-SHA-256 (OpenSSL) under a deployment secret.
// The same secret gives the same pseudonym in every run and every deployment that shares it;
// without the secret a pseudonym can neither be computed from a known identity nor reversed,
// which a plain hash of a county code and client id (a small, guessable space) could.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace silta::adapters::phr {

// HMAC-SHA-256 keys shorter than the hash's 32 bytes weaken it (RFC 2104, section 3); a
// deployment secret is refused below that.
inline constexpr size_t kMinSecretBytes = 32;

class Pseudonymiser {
 public:
  // Refuses an empty or too short secret; `where` names its source in the message (a file or
  // an environment variable, never the secret).
  static StatusOr<Pseudonymiser> Create(std::string secret, std::string_view where);

  // The pseudonym of a business identifier value, as the URI a Kanta PHR identifier holds
  // ("urn:uuid:...", an RFC 9562 version 8 UUID made of the first 16 bytes of the HMAC).
  std::string Pseudonym(std::string_view business_identifier) const;
  // The same for an entry's fullUrl inside one transaction.
  std::string FullUrl(std::string_view full_url) const;
  // A keyed digest of a content hash (64 hex digits): the engine's unkeyed SHA-256 of the
  // resource as projected, identity included, would let anyone who knows a client's data
  // confirm which pseudonymous resource is theirs.
  std::string ContentHash(std::string_view content_hash) const;

 private:
  explicit Pseudonymiser(std::string secret) : secret_(std::move(secret)) {}
  // HMAC over a domain label and the value, so that the three uses never give equal outputs.
  std::string Mac(std::string_view domain, std::string_view value) const;
  std::string secret_;
};

}  // namespace silta::adapters::phr
