// Content digests and UTC instants, shared by the caches and journals that name things by them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace silta {

// The SHA-256 of `text` as 64 lower-case hex digits (OpenSSL's libcrypto computes it).
std::string Sha256Hex(std::string_view text);

// `seconds` since the Unix epoch as a FHIR instant in UTC: "2026-12-07T20:00:00Z".
std::string UtcInstant(int64_t seconds);

}  // namespace silta
