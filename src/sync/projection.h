// Routing per AKUSTI item: what one target receives of one resource. A mapping module says which
// item each element expresses (per top-level rule, or for the whole resource with "akustiBy");
// the projection keeps the elements of the items the target's levels govern, plus the identity
// core, and nothing at all when no item is left. It is the one place routing decides: the
// journal, the diff and the content hash all work on the projected resource.
#pragma once

#include <optional>
#include <set>

#include "json/json.h"
#include "mapping/module.h"
#include "sync/routing.h"

namespace silta::sync {

struct Projection {
  // What the target receives; nullopt when the resource carries nothing it governs (and is not
  // an anchor).
  std::optional<json::Value> resource;
  // The AKUSTI items the projected resource carries (never kIdentityCore).
  std::set<int> items;
  // Elements no rule accounts for, dropped because their item is unknown ("Patient.foo"): a
  // mapping that writes them without a rule is a bug, and unknown data is never sent.
  std::vector<std::string> unaccounted;
};

// The identity core of every resource, whatever its module says: resourceType, id, meta
// (profiles, security labels), implicitRules, language, and the business identifier the engine
// gives every part (`part_identifier_system`). Contained resources follow the elements that
// refer to them. The narrative is dropped when anything else is, as it may describe it.
//
// A client under non-disclosure (the FI Base TURVAKIELTO label in meta.security) keeps its
// address, telecom and home municipality only for a target that allows it
// (Target::receives_non_disclosed), whichever items they belong to.
//
// `anchor`: the resource is what the target's other resources of the record refer to (the
// client's Patient); its identity core is sent even when no item of its own is left, so that
// the receiver can link them to a person.
Projection Project(const mapping::Module& module, const json::Value& resource,
                   const RoutingPolicy& policy, const Target& target,
                   std::string_view part_identifier_system, bool anchor = false);

// Whether `target` governs `item` (its levels hold the item's level, and its item list, if any,
// names it).
bool Governs(const RoutingPolicy& policy, const Target& target, int item);

// The FI Base security label system and the non-disclosure code.
inline constexpr std::string_view kSecurityLabelSystem =
    "https://hl7.fi/fhir/finnish-base-profiles/CodeSystem/fi-base-security-label-cs";
inline constexpr std::string_view kNonDisclosureCode = "TURVAKIELTO";
inline constexpr std::string_view kMunicipalityExtension =
    "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/municipality-code";

}  // namespace silta::sync
