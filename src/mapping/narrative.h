// The narrative (Resource.text) of the resources the mapping engine makes: a short Finnish
// summary built from the resource's own data, so that a person reading the resource in any FHIR
// tool sees what it says (R4 DomainResource dom-6: "A resource should have narrative").
//
// What is shown is one small table per resource type (NarrativeRows): a Finnish label, a
// restricted FHIR path (path.h) and how the values are written. Codings show their display and
// fall back to the code; dates are written the Finnish way (20.11.2026). The text is escaped
// and the markup keeps to what R4 allows in a narrative (txt-1, txt-2).
//
// The narrative holds personal data (names, HETU, addresses) as the resource does: it belongs
// in the resource and nowhere else. Never log it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "mapping/path.h"

namespace silta::mapping {

// How the values a row selects are written.
enum class NarrativeShow : uint8_t {
  kText,       // a string or number as it is
  kDate,       // date: 2026-11-20 → 20.11.2026 (2026-11 → 11/2026)
  kDateTime,   // dateTime, instant: the date and the clock time as written (klo 9.14)
  kName,       // HumanName: text, else given names and family name
  kCode,       // code, Coding or CodeableConcept: displays, else codes (CodeableConcept.text first)
  kPeriod,     // Period: 1.1.2026–31.12.2026, "1.1.2026 alkaen", "31.12.2026 asti"
  kMoney,      // Money: 12,50 EUR
  kReference,  // Reference: its display (a reference without one is not shown)
  kContact,    // ContactPoint: the value, with the kind of contact
  kAddress,    // Address: text, else lines, postal code and city
  kBoolean,    // kyllä / ei
};

struct NarrativeRow {
  std::string key;    // what a mapping file names to relabel the row ("birthDate")
  std::string label;  // Finnish
  Path path;          // relative to the resource
  NarrativeShow show = NarrativeShow::kText;
};

// What a module asks of the narrative (mapping.json "narrative"; mappings/README.md).
struct NarrativeSettings {
  bool enabled = true;
  std::optional<std::string> title;                        // instead of the type's title
  std::map<std::string, std::string, std::less<>> labels;  // row key → label
};

struct NarrativeTable {
  std::string title;  // the heading: "Asiakas"
  std::vector<NarrativeRow> rows;
};

// The table of a resource type, its Silta extension URLs under `canonical_base`; an empty table
// (title only: the resource type) for types Silta does not map.
NarrativeTable NarrativeTableFor(std::string_view resource_type, std::string_view canonical_base);

// The row keys of a resource type's table, for checking a module's "labels".
std::vector<std::string> NarrativeRowKeys(std::string_view resource_type);

// Resource.text of `resource`: {"status": "generated", "div": "<div xmlns=...>...</div>"}.
// Rows that select nothing are left out; the heading is always there, so the div is never empty.
json::Value GenerateNarrative(const json::Value& resource, const NarrativeTable& table,
                              const NarrativeSettings& settings = {});

// `text` with &, <, >, " and ' escaped for XHTML, and the characters XML 1.0 cannot hold (controls
// other than tab, line feed and carriage return) replaced by a space.
std::string EscapeXhtml(std::string_view text);

}  // namespace silta::mapping
