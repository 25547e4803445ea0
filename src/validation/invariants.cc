// Invariants: the constraints of an element's plan, answered natively where R4's text is known
// (the table of native invariants) and by the compiled FHIRPath expression otherwise.
#include "validation/invariants.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_set>

#include "fhirpath/fhirpath.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

bool HasChildOtherThanId(const model::Element& e) {
  return std::any_of(e.children().begin(), e.children().end(),
                     [](const model::Element* c) { return c->name() != "id"; });
}

std::string_view ValueOf(const model::Element* e) {
  return e != nullptr && e->has_value() ? e->value() : std::string_view();
}

bool AnyContainedHas(const model::Element& resource, std::string_view child,
                     std::string_view grandchild = {}) {
  for (const model::Element* c : resource.Children("contained")) {
    const model::Element* found = c->Child(child);
    if (found != nullptr && (grandchild.empty() || found->Child(grandchild) != nullptr)) {
      return true;
    }
  }
  return false;
}

bool HasValue(const model::Element* e) { return e != nullptr && e->has_value(); }

// The Bundle's type, or nullopt when it has no value: then every "type = 'x'" in the bdl
// invariants is empty rather than false.
std::optional<std::string_view> BundleType(const model::Element& bundle) {
  const model::Element* type = bundle.Child("type");
  if (!HasValue(type)) return std::nullopt;
  return type->value();
}

// bdl-3 and bdl-4: every entry has `child` exactly when the Bundle's type is one of `types`.
// Without a type value the comparison is empty, and so is all()'s answer: FHIRPath decides.
std::optional<bool> EntriesHaveChildExactlyFor(const model::Element& bundle, std::string_view child,
                                               std::initializer_list<std::string_view> types) {
  std::optional<std::string_view> type = BundleType(bundle);
  if (!type) return std::nullopt;
  bool wanted = std::find(types.begin(), types.end(), *type) != types.end();
  for (const model::Element* entry : bundle.Children("entry")) {
    if ((entry->Child(child) != nullptr) != wanted) return false;
  }
  return true;
}

// bdl-11, bdl-12: the first entry's resource is of `type_name`; no first resource: empty.
bool FirstResourceIsOrAbsent(const model::Element& bundle, std::string_view type_name) {
  const model::Element* entry = bundle.Child("entry");
  const model::Element* resource = entry != nullptr ? entry->Child("resource") : nullptr;
  return resource == nullptr || resource->type()->IsA(type_name);
}

// bdl-7: the fullUrl & meta.versionId of the entries with a fullUrl are distinct (the texts
// joined, as & does). A fullUrl or versionId without a value (only extensions) is left to
// FHIRPath.
std::optional<bool> FullUrlsDistinct(const model::Element& bundle) {
  std::unordered_set<std::string> seen;
  for (const model::Element* entry : bundle.Children("entry")) {
    const model::Element* full_url = entry->Child("fullUrl");
    if (full_url == nullptr) continue;
    if (!full_url->has_value()) return std::nullopt;
    std::string joined(full_url->value());
    if (const model::Element* resource = entry->Child("resource")) {
      const model::Element* meta = resource->Child("meta");
      const model::Element* version_id = meta != nullptr ? meta->Child("versionId") : nullptr;
      if (version_id != nullptr && !version_id->has_value()) return std::nullopt;
      if (version_id != nullptr) joined += version_id->value();
    }
    if (!seen.insert(std::move(joined)).second) return false;
  }
  return true;
}

// The native answers, each computing exactly what its expression in kNativeInvariants gives.

std::optional<bool> NoContainedContained(const model::Element& e) {
  return !AnyContainedHas(e, "contained");
}

std::optional<bool> NoContainedVersion(const model::Element& e) {
  return !AnyContainedHas(e, "meta", "versionId") && !AnyContainedHas(e, "meta", "lastUpdated");
}

std::optional<bool> NoContainedSecurity(const model::Element& e) {
  return !AnyContainedHas(e, "meta", "security");
}

std::optional<bool> HasNarrative(const model::Element& e) {
  const model::Element* text = e.Child("text");
  return text != nullptr && text->Child("div") != nullptr;
}

// No reference value: both sides are empty, and so is the answer (not a finding). A reference
// that does not start with '#': the left side is true. "#id": whether the root resource
// contains a resource with that id ("#" alone is left to FHIRPath).
std::optional<bool> LocalReferenceResolves(const model::Element& e) {
  const model::Element* reference = e.Child("reference");
  if (!HasValue(reference) || !reference->value().starts_with('#')) return true;
  std::string_view id = reference->value().substr(1);
  const model::Element* root = Container(e);
  if (id.empty() || root == nullptr) return std::nullopt;
  for (const model::Element* contained : root->Children("contained")) {
    if (ValueOf(contained->Child("id")) == id) return true;
  }
  return false;
}

// Either end missing: true; both present: the date comparison, with its precision rules.
std::optional<bool> PeriodWithoutBothEnds(const model::Element& e) {
  if (!HasValue(e.Child("start")) || !HasValue(e.Child("end"))) return true;
  return std::nullopt;
}

std::optional<bool> ContactValueHasSystem(const model::Element& e) {
  return e.Child("value") == nullptr || e.Child("system") != nullptr;
}

// total.empty() or type is searchset/history; a type without a value gives empty.
std::optional<bool> TotalOnlyInSearchOrHistory(const model::Element& e) {
  std::optional<std::string_view> type = BundleType(e);
  return e.Child("total") == nullptr || !type || *type == "searchset" || *type == "history";
}

std::optional<bool> SearchOnlyInSearchset(const model::Element& e) {
  std::optional<std::string_view> type = BundleType(e);
  if (!type || *type == "searchset") return true;
  for (const model::Element* entry : e.Children("entry")) {
    if (entry->Child("search") != nullptr) return false;
  }
  return true;
}

std::optional<bool> RequestExactlyInBatchLike(const model::Element& e) {
  return EntriesHaveChildExactlyFor(e, "request", {"batch", "transaction", "history"});
}

std::optional<bool> ResponseExactlyInResponseLike(const model::Element& e) {
  return EntriesHaveChildExactlyFor(e, "response",
                                    {"batch-response", "transaction-response", "history"});
}

std::optional<bool> EntryNotEmpty(const model::Element& e) {
  return e.Child("resource") != nullptr || e.Child("request") != nullptr ||
         e.Child("response") != nullptr;
}

// (type = 'history') or distinct: with no type value, "{} or false" is empty.
std::optional<bool> FullUrlsUnique(const model::Element& e) {
  std::optional<std::string_view> type = BundleType(e);
  if (type == "history") return true;
  std::optional<bool> distinct = FullUrlsDistinct(e);
  if (!distinct) return std::nullopt;
  return *distinct || !type;
}

// No fullUrl value: contains() and not() give empty, which is not a finding.
std::optional<bool> FullUrlWithoutVersion(const model::Element& e) {
  const model::Element* full_url = e.Child("fullUrl");
  return !HasValue(full_url) || full_url->value().find("/_history/") == std::string_view::npos;
}

// bdl-9 to bdl-12: "type = 'x' implies ...". Unless the type is x the left side is false or
// empty, and the invariant holds (an empty answer is not a finding).
std::optional<bool> DocumentHasIdentifier(const model::Element& e) {
  if (BundleType(e) != "document") return true;
  const model::Element* identifier = e.Child("identifier");
  return identifier != nullptr && identifier->Child("system") != nullptr &&
         identifier->Child("value") != nullptr;
}

std::optional<bool> DocumentHasTimestamp(const model::Element& e) {
  return BundleType(e) != "document" || HasValue(e.Child("timestamp"));
}

std::optional<bool> DocumentStartsWithComposition(const model::Element& e) {
  return BundleType(e) != "document" || FirstResourceIsOrAbsent(e, "Composition");
}

std::optional<bool> MessageStartsWithHeader(const model::Element& e) {
  return BundleType(e) != "message" || FirstResourceIsOrAbsent(e, "MessageHeader");
}

std::optional<bool> OrganizationIdentified(const model::Element& e) {
  return e.Child("identifier") != nullptr || e.Child("name") != nullptr;
}

constexpr NativeInvariant kNativeInvariants[] = {
    {"dom-2", "DomainResource", "contained.contained.empty()", NoContainedContained},
    {"dom-4", "DomainResource",
     "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()", NoContainedVersion},
    {"dom-5", "DomainResource", "contained.meta.security.empty()", NoContainedSecurity},
    {"dom-6", "DomainResource", "text.`div`.exists()", HasNarrative},
    {"ref-1", "Reference",
     "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
     "%rootResource.contained.id.trace('ids'))",
     LocalReferenceResolves},
    {"per-1", "Period", "start.hasValue().not() or end.hasValue().not() or (start <= end)",
     PeriodWithoutBothEnds},
    {"cpt-2", "ContactPoint", "value.empty() or system.exists()", ContactValueHasSystem},
    {"bdl-1", "Bundle", "total.empty() or (type = 'searchset') or (type = 'history')",
     TotalOnlyInSearchOrHistory},
    {"bdl-2", "Bundle", "entry.search.empty() or (type = 'searchset')", SearchOnlyInSearchset},
    {"bdl-3", "Bundle",
     "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = "
     "'transaction' or %resource.type = 'history'))",
     RequestExactlyInBatchLike},
    {"bdl-4", "Bundle",
     "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = "
     "'transaction-response' or %resource.type = 'history'))",
     ResponseExactlyInResponseLike},
    {"bdl-5", "Bundle.entry", "resource.exists() or request.exists() or response.exists()",
     EntryNotEmpty},
    {"bdl-7", "Bundle",
     "(type = 'history') or "
     "entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
     FullUrlsUnique},
    {"bdl-8", "Bundle.entry", "fullUrl.contains('/_history/').not()", FullUrlWithoutVersion},
    {"bdl-9", "Bundle",
     "type = 'document' implies (identifier.system.exists() and identifier.value.exists())",
     DocumentHasIdentifier},
    {"bdl-10", "Bundle", "type = 'document' implies (timestamp.hasValue())", DocumentHasTimestamp},
    {"bdl-11", "Bundle", "type = 'document' implies entry.first().resource.is(Composition)",
     DocumentStartsWithComposition},
    {"bdl-12", "Bundle", "type = 'message' implies entry.first().resource.is(MessageHeader)",
     MessageStartsWithHeader},
    {"org-1", "Organization", "(identifier.count() + name.count()) > 0", OrganizationIdentified},
};

}  // namespace

std::span<const NativeInvariant> NativeInvariants() { return kNativeInvariants; }

const NativeInvariant* FindNativeInvariant(std::string_view expression) {
  for (const NativeInvariant& invariant : kNativeInvariants) {
    if (invariant.expression == expression) return &invariant;
  }
  return nullptr;
}

void Walker::RunConstraints(const model::Element& e, std::span<const Constraint* const> constraints,
                            std::span<const Constraint* const> already_run) {
  // R4 DomainResource.text: "Contained resources do not have narrative. Resources that are not
  // contained SHOULD have a narrative." So dom-6 is asked of the containing resource only, as
  // the reference validator does.
  const bool contained_resource = e.parent() != nullptr && e.name() == "contained";
  for (const Constraint* c : constraints) {
    if (c->native == NativeConstraint::kSkip) continue;
    if (contained_resource && c->key == "dom-6") continue;
    if (!already_run.empty() &&
        std::any_of(already_run.begin(), already_run.end(), [&](const Constraint* other) {
          return other == c || (other->key_hash == c->key_hash && other->key == c->key);
        })) {
      continue;
    }
    // The same compiled invariant on the same element gives the same answer (the profile pass
    // meets the invariants the profile inherits from the base); the cheap native ones are
    // cheaper to run than to look up.
    bool costly = c->native == NativeConstraint::kNone || c->native == NativeConstraint::kDom3;
    std::optional<bool> fast;  // the native answer of an evaluated invariant, when it has one
    if (c->native == NativeConstraint::kNone) {
      if (!opt_.check_invariants || c->compiled == nullptr) continue;
      if (c->best_practice && !opt_.report_best_practice) continue;
      // A native answer that the invariant holds is cheaper than the lookup; a failure is
      // looked up all the same, so that it is reported once.
      if (c->fast != nullptr) fast = c->fast->answer(e);
      if (fast.value_or(false)) continue;
    }
    if (costly && !done_.Insert(&e, c, UINT32_MAX)) continue;
    bool ok = true;
    switch (c->native) {
      case NativeConstraint::kEle1:
        ok = e.is_resource() || e.has_value() || HasChildOtherThanId(e) || e.content_rejected();
        break;
      case NativeConstraint::kDom3:
        ok = ContainedResourcesReferenced(e);
        break;
      case NativeConstraint::kExt1: {
        bool has_extension = e.Child("extension") != nullptr;
        bool has_value = e.Child("value") != nullptr;
        ok = has_extension != has_value;
        break;
      }
      default: {
        if (fast) {
          ok = *fast;
          break;
        }
        fhirpath::EvaluationContext context;
        context.terminology = v_.member_of();
        auto result = fhirpath::Evaluate(*c->compiled, &e, context);
        // Execution errors mean the invariant cannot be judged on this data: not a finding.
        if (!result.ok() || result->empty()) continue;
        const fhirpath::Value& first = (*result)[0];
        ok = !(result->size() == 1 && first.type() == fhirpath::ValueType::kBoolean &&
               !first.boolean());
        break;
      }
    }
    if (ok) continue;
    Severity severity = c->best_practice ? Severity::kWarning : c->severity;
    Report(severity, IssueType::kInvariant, "CONSTRAINT_FAILED",
           "constraint " + c->key + " failed: " + c->human, e);
  }
}

}  // namespace silta::validation::internal
