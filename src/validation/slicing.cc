// Repeating elements against their slices: matching by discriminator, slice order and
// cardinality, closed slicing.
#include <algorithm>
#include <string>

#include "fhirpath/fhirpath.h"
#include "validation/impl.h"

namespace silta::validation::internal {

void Walker::ValidateGroup(const model::Element& parent, const ElementPlan& slot,
                           std::span<const model::Element* const> group) {
  if (slot.slicing != nullptr && !slot.slices.empty()) {
    ValidateSliced(parent, slot, group);
  } else {
    for (const model::Element* k : group) {
      const ElementPlan* plan = &slot;
      // "value[x]" with typed alternatives ("valueQuantity") listed as their own elements.
      for (const ElementPlan* typed : slot.slices) {
        if (typed->child_type == k->type()) plan = typed;
      }
      ValidateElement(*k, *plan);
    }
  }
  std::string_view name = slot.element_def->name;
  if (name == "extension" || name == "modifierExtension") {
    for (const model::Element* k : group) {
      CheckExtensionDefinition(*k, parent, name == "modifierExtension");
    }
  }
}

void Walker::ValidateSliced(const model::Element& parent, const ElementPlan& slot,
                            std::span<const model::Element* const> group) {
  const Slicing& slicing = *slot.slicing;
  std::vector<uint32_t> counts(slot.slices.size(), 0);
  size_t last_slice = 0;
  bool unmatched_seen = false;
  // What an element shows depends on the element alone: it is worked out once, not once per
  // (element, slice) pair. What each slice expects was worked out with the plan.
  const size_t discriminators = slicing.discriminators.size();
  std::span<const Expected> expected = slicing.expected;
  std::vector<DiscriminatorValue> shown(discriminators);
  for (size_t n = 0; n < group.size(); ++n) {
    const model::Element& k = *group[n];
    for (size_t d = 0; d < discriminators; ++d) {
      shown[d] = EvaluateDiscriminator(k, slicing.discriminators[d]);
    }
    size_t matched = slot.slices.size();
    for (size_t s = 0; s < slot.slices.size(); ++s) {
      if (SliceMatches(slicing, *slot.slices[s], shown,
                       expected.subspan(s * discriminators, discriminators), n, s)) {
        matched = s;
        break;
      }
    }
    if (matched == slot.slices.size()) {
      unmatched_seen = true;
      if (slicing.rules == SlicingRules::kClosed) {
        Report(
            Severity::kError, IssueType::kStructure, "SLICING_CLOSED",
            "this element matches none of the slices of " + slot.id + ", and the slicing is closed",
            k);
      }
      ValidateElement(k, slot);
      continue;
    }
    ++counts[matched];
    if (slicing.ordered && matched < last_slice) {
      Report(Severity::kError, IssueType::kStructure, "SLICING_ORDER",
             "the slices of " + slot.id + " must be in order; slice '" +
                 slot.slices[matched]->slice_name + "' comes too late",
             k);
    }
    if (slicing.rules == SlicingRules::kOpenAtEnd && unmatched_seen) {
      Report(Severity::kError, IssueType::kStructure, "SLICING_OPEN_AT_END",
             "elements that match no slice of " + slot.id + " must come after all slices", k);
    }
    last_slice = std::max(last_slice, matched);
    const ElementPlan& slice = *slot.slices[matched];
    if (slice.slicing != nullptr && !slice.slices.empty()) {
      // A re-sliced slice: its own slices decide, one element at a time.
      ValidateSliced(parent, slice, group.subspan(n, 1));
      ValidateElement(k, slice);
    } else {
      ValidateElement(k, slice);
    }
  }
  for (size_t s = 0; s < slot.slices.size(); ++s) {
    const ElementPlan& slice = *slot.slices[s];
    if (counts[s] < slice.min) {
      Report(Severity::kError, IssueType::kRequired, "SLICE_CARDINALITY_MIN",
             slot.path + ":" + slice.slice_name + ": minimum required = " +
                 std::to_string(slice.min) + ", but only found " + std::to_string(counts[s]),
             parent);
    }
    if (counts[s] > slice.max) {
      Report(Severity::kError, IssueType::kStructure, "SLICE_CARDINALITY_MAX",
             slot.path + ":" + slice.slice_name + ": maximum allowed = " + CountText(slice.max) +
                 ", but found " + std::to_string(counts[s]),
             parent);
    }
  }
}

DiscriminatorValue Walker::EvaluateDiscriminator(const model::Element& e, const Discriminator& d) {
  DiscriminatorValue out;
  if (d.kind == Discriminator::Kind::kPosition) return out;
  if (d.path == "$this") {
    out.elements.push_back(&e);
    return out;
  }
  if (d.compiled == nullptr) {
    out.ignored = true;
    return out;
  }
  auto result = fhirpath::Evaluate(*d.compiled, &e);
  if (!result.ok()) {
    out.failed = true;
    return out;
  }
  for (const fhirpath::Value& v : *result) {
    if (v.is_element()) out.elements.push_back(v.element());
  }
  return out;
}

bool Walker::SliceMatches(const Slicing& slicing, const ElementPlan& slice,
                          std::span<const DiscriminatorValue> shown,
                          std::span<const Expected> expected_values, size_t position,
                          size_t slice_index) {
  for (size_t i = 0; i < slicing.discriminators.size(); ++i) {
    const Discriminator& d = slicing.discriminators[i];
    if (d.kind == Discriminator::Kind::kPosition) {
      if (position != slice_index) return false;
      continue;
    }
    if (shown[i].ignored) continue;
    if (shown[i].failed) return false;
    const std::vector<const model::Element*>& found = shown[i].elements;
    const Expected& expected = expected_values[i];
    switch (d.kind) {
      case Discriminator::Kind::kValue:
      case Discriminator::Kind::kPattern: {
        if (!expected.profile_url.empty()) {
          // An extension may name its definition with "|version" (R4 references.html#canonical).
          auto unversioned = [](std::string_view url) { return url.substr(0, url.find('|')); };
          bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
            return f->has_value() && unversioned(f->value()) == unversioned(expected.profile_url);
          });
          if (!any) return false;
          break;
        }
        if (expected.value == nullptr) {
          // Exists-like use of a value discriminator: the slice requires or forbids the path.
          if (expected.node != nullptr && expected.node->max == 0 && !found.empty()) return false;
          break;
        }
        bool exact = d.kind == Discriminator::Kind::kValue && expected.node != nullptr &&
                     expected.node->fixed == expected.value;
        bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
          return MatchesValue(*f, *expected.value, exact) ||
                 IsVersionedExtensionUrl(*f, *expected.value);
        });
        if (!any) return false;
        break;
      }
      case Discriminator::Kind::kType: {
        const ElementPlan* node = expected.node != nullptr ? expected.node : &slice;
        if (node->types.empty()) break;
        // R4 profiling.html#discriminator: "type" tells the slices apart by the type of the
        // nominated element. Through resolve() that element is the referenced resource, whose
        // type the slice states with the Reference's targetProfile, not with the type code
        // "Reference" itself.
        const bool through_reference = d.path.find("resolve()") != std::string::npos;
        // A Reference without target profiles allows any resource: nothing to tell apart.
        const bool constrained =
            !through_reference ||
            std::any_of(node->types.begin(), node->types.end(),
                        [](const TypeRule& t) { return !t.target_types.empty(); });
        bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
          return std::any_of(node->types.begin(), node->types.end(), [&](const TypeRule& t) {
            if (!through_reference) return t.type != nullptr && f->type()->IsA(t.type);
            return std::any_of(t.target_types.begin(), t.target_types.end(),
                               [&](const std::string& target) { return f->type()->IsA(target); });
          });
        });
        if (constrained && !any) return false;
        break;
      }
      case Discriminator::Kind::kProfile: {
        // R4 profiling.html#discriminator, "profile": the slices are told apart by the
        // conformance of the nominated element to the profile(s) of its type ("validation by the
        // possible profiles is required"): with several types or profiles, any one will do, but
        // only a profile of the element's own type can be met.
        const ElementPlan* node = expected.node != nullptr ? expected.node : &slice;
        bool constrained = false;
        bool any = false;
        for (const TypeRule& t : node->types) {
          // "if the path specifies .resolve() then the profile is the target profile".
          const std::vector<std::string>& urls =
              d.path.find("resolve()") != std::string::npos ? t.target_profiles : t.profiles;
          for (const std::string& url : urls) {
            constrained = true;
            auto profile = Profile(url);
            if (!profile.ok() || (*profile)->model_type == nullptr) continue;
            const CompiledProfile& p = **profile;
            any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
              return f->type()->IsA(p.model_type) && ConformsTo(*f, p.root());
            });
            if (any) break;
          }
          if (any) break;
        }
        if (constrained && !any) return false;
        break;
      }
      case Discriminator::Kind::kExists: {
        const ElementPlan* node = expected.node;
        if (node == nullptr) break;
        if (node->min >= 1 && found.empty()) return false;
        if (node->max == 0 && !found.empty()) return false;
        break;
      }
      case Discriminator::Kind::kPosition:
        break;
    }
  }
  return true;
}

}  // namespace silta::validation::internal
