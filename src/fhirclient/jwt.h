// Signed JWTs for SMART Backend Services client assertions, with OpenSSL directly: ES384 needs
// the fixed-width R||S form of JWS (RFC 7518 §3.4), which is easy to get wrong, so it is done here
// once and tested against an independent verifier.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace silta::fhirclient {

enum class JwtAlgorithm { kRS384, kES384 };
std::string_view JwtAlgorithmName(JwtAlgorithm algorithm);

std::string Base64UrlEncode(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);

// A private key read from PEM (PKCS#8 or traditional). Immutable, thread-safe.
class SigningKey {
 public:
  static StatusOr<SigningKey> FromPem(std::string_view pem, JwtAlgorithm algorithm);
  static StatusOr<SigningKey> FromPemFile(const std::string& path, JwtAlgorithm algorithm);

  JwtAlgorithm algorithm() const { return algorithm_; }
  // header.payload.signature for the given JSON header and claims (both already serialized;
  // the header's "alg" must match).
  StatusOr<std::string> Sign(std::string_view header_json, std::string_view claims_json) const;

 private:
  struct Impl;
  SigningKey(std::shared_ptr<const Impl> impl, JwtAlgorithm algorithm)
      : impl_(std::move(impl)), algorithm_(algorithm) {}
  std::shared_ptr<const Impl> impl_;
  JwtAlgorithm algorithm_;
};

// 32 hex characters from the OpenSSL CSPRNG: the "jti" of an assertion.
std::string RandomId();

}  // namespace silta::fhirclient
