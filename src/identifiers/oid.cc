#include <string>

#include "base/numbers.h"
#include "identifiers/identifiers.h"

namespace silta::identifiers {

namespace {

constexpr Check kOidSyntax = {
    "OID_SYNTAX",
    "an OID is dotted decimal (e.g. 1.2.246.10): at least two arcs, digits only, no leading "
    "zeros"};

// Splits off the next arc; false at the end.
bool NextArc(std::string_view* rest, std::string_view* arc) {
  if (rest->empty()) return false;
  size_t dot = rest->find('.');
  *arc = rest->substr(0, dot);
  *rest = dot == std::string_view::npos ? std::string_view() : rest->substr(dot + 1);
  return true;
}

}  // namespace

Check CheckOid(std::string_view oid) {
  if (oid.empty()) return {"OID_EMPTY", "the OID is empty"};
  if (oid.rfind("urn:oid:", 0) == 0) {
    return {"OID_URN_PREFIX", "write the OID without the urn:oid: prefix here"};
  }
  if (oid.back() == '.') return kOidSyntax;
  std::string_view rest = oid;
  std::string_view arc;
  int count = 0;
  int first = 0;
  while (NextArc(&rest, &arc)) {
    if (arc.empty() || arc.size() > 20) return kOidSyntax;
    for (char c : arc) {
      if (c < '0' || c > '9') return kOidSyntax;
    }
    if (arc.size() > 1 && arc[0] == '0') return kOidSyntax;
    if (count == 0) {
      if (arc.size() > 1 || arc[0] > '2') {
        return {"OID_FIRST_ARC", "the first arc of an OID must be 0, 1 or 2"};
      }
      first = arc[0] - '0';
    } else if (count == 1 && first < 2 &&
               (arc.size() > 2 || ParseInteger<int>(arc).value_or(40) >= 40)) {
      return {"OID_SECOND_ARC", "under the arcs 0 and 1 the second arc of an OID must be below 40"};
    }
    ++count;
  }
  if (count < 2) return kOidSyntax;
  return Check::Valid();
}

bool OidIsUnder(std::string_view oid, std::string_view arc) {
  if (oid.size() < arc.size() || oid.substr(0, arc.size()) != arc) return false;
  return oid.size() == arc.size() || oid[arc.size()] == '.';
}

Check CheckOrganisationOid(std::string_view oid) {
  Check syntax = CheckOid(oid);
  if (!syntax.ok()) return syntax;
  if (!OidIsUnder(oid, kOrganisationArc) || oid.size() == kOrganisationArc.size()) {
    return {"OID_NOT_ORGANISATION",
            "an organisation OID must lie under the Finnish organisation arc 1.2.246.10"};
  }
  return Check::Valid();
}

TemporaryIssuer ParseTemporaryIdIssuer(std::string_view oid) {
  TemporaryIssuer issuer;
  constexpr Check kShape = {
      "TEMPORARY_ISSUER_FORM",
      "a temporary identifier's issuer must be 1.2.246.10.<business id digits>.22.<year>"};
  issuer.check = CheckOid(oid);
  if (!issuer.check.ok()) return issuer;
  std::string_view prefix = "1.2.246.10.";
  if (oid.rfind(prefix, 0) != 0) {
    issuer.check = kShape;
    return issuer;
  }
  std::string_view rest = oid.substr(prefix.size());
  std::string_view digits;
  std::string_view marker;
  std::string_view year;
  std::string_view extra;
  if (!NextArc(&rest, &digits) || !NextArc(&rest, &marker) || !NextArc(&rest, &year) ||
      NextArc(&rest, &extra) || marker != "22" || digits.size() < 7 || digits.size() > 8 ||
      year.size() != 4) {
    issuer.check = kShape;
    return issuer;
  }
  std::string padded = digits.size() == 7 ? "0" + std::string(digits) : std::string(digits);
  std::string business_id = padded.substr(0, 7) + "-" + padded[7];
  if (!CheckBusinessId(business_id).ok()) {
    issuer.check = {"TEMPORARY_ISSUER_BUSINESS_ID",
                    "the business id digits in a temporary identifier's issuer are not a valid "
                    "business id"};
    return issuer;
  }
  issuer.business_id = std::move(business_id);
  // Four digits, as CheckOid made sure.
  issuer.year = ParseInteger<int>(year).value_or(0);
  return issuer;
}

Check CheckTemporaryId(std::string_view value, std::string_view issuer_oid) {
  if (value.empty()) return {"TEMPORARY_ID_EMPTY", "the temporary identifier is empty"};
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
      return {"TEMPORARY_ID_SYNTAX",
              "a temporary identifier must not contain spaces or control characters"};
    }
  }
  return ParseTemporaryIdIssuer(issuer_oid).check;
}

}  // namespace silta::identifiers
