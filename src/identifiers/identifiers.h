// Facade of the identifiers module: Finnish personal identity codes (HETU), county-issued
// temporary identifiers, business ids (Y-tunnus) and OIDs.
//
// Every check returns a structured result with a stable reason code and a fixed English
// message. The messages never contain the checked value, so callers may log or report them
// as they are; to show a value in a log, mask it first (MaskHetu).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace silta::identifiers {

// The outcome of one check. `code` is stable for tools ("HETU_CHECK_CHARACTER"); `message` is
// a complete English sentence without the value. Both point at static storage.
struct Check {
  std::string_view code;  // empty when valid
  std::string_view message;

  bool ok() const { return code.empty(); }
  static Check Valid() { return {}; }
};

// ---- HETU (henkilötunnus) -------------------------------------------------------------------
// DDMMYYCZZZQ: birth date, century sign, individual number, check character. Century signs
// after the 2023 reform: '+' 1800s; '-', 'Y', 'X', 'W', 'V', 'U' 1900s; 'A'...'F' 2000s.
// The check character is DDMMYYZZZ mod 31 looked up in "0123456789ABCDEFHJKLMNPRSTUVWXY".
// Individual numbers 002-899 are ordinary codes; 900-999 are temporary or test codes; 000
// and 001 are never issued.

struct HetuFacts {
  Check check;
  // Filled only when the code is valid.
  int year = 0;
  int month = 0;
  int day = 0;
  int individual_number = 0;
  bool temporary_or_test = false;      // individual number 900-999
  bool odd_individual_number = false;  // the population register's "male" convention
};

HetuFacts ParseHetu(std::string_view value);
inline Check CheckHetu(std::string_view value) { return ParseHetu(value).check; }

// The check character for the nine digits DDMMYYZZZ; nullopt unless exactly nine digits.
std::optional<char> HetuCheckCharacter(std::string_view nine_digits);

// Keeps the birth date and century sign and masks the rest: "010190-999W" → "010190-****".
// Anything that is not 11 characters long is masked completely ("****"), so a malformed
// value never leaks either.
std::string MaskHetu(std::string_view value);

// Masks any identifier for logs: keeps at most the first `keep` characters (never more than
// half of the value) and replaces the rest with '*'.
std::string MaskIdentifier(std::string_view value, size_t keep = 2);

// ---- Y-tunnus (business id) ------------------------------------------------------------------
// NNNNNNN-C: seven digits, a hyphen and a check digit. Weights 7,9,10,5,8,4,2 from the left;
// remainder r of the weighted sum mod 11: r = 0 → C = 0, r = 1 → no valid check digit exists
// for these digits, otherwise C = 11 - r.
Check CheckBusinessId(std::string_view value);
// The check digit for seven digits; nullopt if not seven digits or if remainder 1.
std::optional<char> BusinessIdCheckDigit(std::string_view seven_digits);

// ---- OIDs -------------------------------------------------------------------------------------
// Dotted decimal (ITU-T X.660): at least two arcs, no leading zeros, first arc 0-2, second arc
// below 40 under 0 and 1. Without a "urn:oid:" prefix.
Check CheckOid(std::string_view oid);

// Finnish arcs: everything Finnish sits under 1.2.246; organisations (the SOTE organisation
// register and business-id based roots) under 1.2.246.10; THL code systems under
// 1.2.246.537.6.
inline constexpr std::string_view kFinlandArc = "1.2.246";
inline constexpr std::string_view kOrganisationArc = "1.2.246.10";
inline constexpr std::string_view kThlCodeSystemArc = "1.2.246.537.6";

// True if `oid` equals `arc` or lies below it (arc boundaries respected: 1.2.2460 is not
// below 1.2.246).
bool OidIsUnder(std::string_view oid, std::string_view arc);

// A valid OID under 1.2.246.10 (an organisation or a root issued to one).
Check CheckOrganisationOid(std::string_view oid);

// ---- Temporary identifiers --------------------------------------------------------------------
// A county issues temporary identifiers for persons without a known HETU under the root
// 1.2.246.10.<Y-tunnus digits>.22.<year>: the issuing organisation's business id without the
// hyphen (check digit included and verified; eight digits, or seven when the business id starts
// with 0, since OID arcs have no leading zeros) and the four-digit year of issue.
struct TemporaryIssuer {
  Check check;
  std::string business_id;  // "NNNNNNN-C", filled when valid
  int year = 0;
};
TemporaryIssuer ParseTemporaryIdIssuer(std::string_view oid);

// A temporary identifier: the issuer must be a temporary-id root as above; the contract leaves
// the value's form to the issuer, so it only has to be non-empty and free of whitespace.
Check CheckTemporaryId(std::string_view value, std::string_view issuer_oid);

}  // namespace silta::identifiers
