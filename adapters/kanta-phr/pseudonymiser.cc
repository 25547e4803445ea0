#include "kanta-phr/pseudonymiser.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace silta::adapters::phr {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0x0f];
  }
  return hex;
}

std::string Uuid(std::string mac) {
  // RFC 9562 section 5.8: version 8 ("custom") in the high nibble of byte 6, variant 10 in the
  // two high bits of byte 8.
  mac[6] = static_cast<char>((static_cast<unsigned char>(mac[6]) & 0x0f) | 0x80);
  mac[8] = static_cast<char>((static_cast<unsigned char>(mac[8]) & 0x3f) | 0x80);
  std::string hex = Hex(std::string_view(mac).substr(0, 16));
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

StatusOr<Pseudonymiser> Pseudonymiser::Create(std::string secret, std::string_view where) {
  if (secret.empty()) {
    return InvalidArgumentError("the pseudonym secret (" + std::string(where) + ") is empty");
  }
  if (secret.size() < kMinSecretBytes) {
    return InvalidArgumentError("the pseudonym secret (" + std::string(where) + ") has " +
                                std::to_string(secret.size()) +
                                " bytes; HMAC-SHA-256 needs at "
                                "least " +
                                std::to_string(kMinSecretBytes) + " (e.g. `openssl rand -hex 32`)");
  }
  return Pseudonymiser(std::move(secret));
}

std::string Pseudonymiser::Mac(std::string_view domain, std::string_view value) const {
  std::string message = "silta/kanta-phr/";
  message += domain;
  message += '\0';
  message += value;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Pseudonymiser::Pseudonym(std::string_view business_identifier) const {
  return Uuid(Mac("pseudonym/v1", business_identifier));
}

std::string Pseudonymiser::FullUrl(std::string_view full_url) const {
  return Uuid(Mac("full-url/v1", full_url));
}

std::string Pseudonymiser::ContentHash(std::string_view content_hash) const {
  return Hex(Mac("content-hash/v1", content_hash));
}

}  // namespace silta::adapters::phr
