// Walks an instance and its plans side by side: structure, cardinality and types here; the
// other checks each in their own file (values.cc, invariants.cc, slicing.cc, extensions.cc,
// resource_rules.cc, checks.cc for bindings and references, bundle.cc).
#include <algorithm>
#include <optional>
#include <string>

#include "base/numbers.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

const ElementPlan& EmptyPlan() {
  static const ElementPlan kEmpty;
  return kEmpty;
}

}  // namespace

namespace {

// Tables of DoneSets that ended on this thread, for the next to reuse (nested walks take one
// each). Very large ones are let go rather than kept for the life of the thread.
constexpr size_t kDoneSetFirstSlots = 2048;
constexpr size_t kDoneSetKeptSlots = size_t{1} << 20;
thread_local std::vector<std::unique_ptr<DoneSet::Table>> done_set_pool;

}  // namespace

DoneSet::DoneSet() {
  if (!done_set_pool.empty()) {
    table_ = std::move(done_set_pool.back());
    done_set_pool.pop_back();
  } else {
    table_ = std::make_unique<Table>();
    table_->slots.resize(kDoneSetFirstSlots);
  }
  if (++table_->epoch == 0) {
    // After 2^32 uses the oldest stamps would look current again.
    std::fill(table_->slots.begin(), table_->slots.end(), Key{});
    table_->epoch = 1;
  }
}

DoneSet::~DoneSet() {
  if (table_ != nullptr && table_->slots.size() <= kDoneSetKeptSlots) {
    done_set_pool.push_back(std::move(table_));
  }
}

bool DoneSet::Insert(const void* a, const void* b, uint32_t n) {
  std::vector<Key>& slots = table_->slots;
  if ((size_ + 1) * 2 > slots.size()) {
    Grow();
    return Insert(a, b, n);
  }
  const uint32_t epoch = table_->epoch;
  size_t mask = slots.size() - 1;
  // The slot follows the element's address: a document's elements sit in its arena in about
  // the order a walk meets them, so consecutive inserts touch neighbouring slots instead of
  // missing the cache on a table that outgrew it (a scattering hash cost 8 % of a run). The
  // passes of several plans over one element probe on from its slot.
  for (size_t i = (reinterpret_cast<uintptr_t>(a) >> 4) & mask;; i = (i + 1) & mask) {
    Key& k = slots[i];
    if (k.epoch != epoch) {
      k = {a, b, n, epoch};
      ++size_;
      return true;
    }
    if (k.a == a && k.b == b && k.n == n) return false;
  }
}

void DoneSet::Grow() {
  std::vector<Key> old = std::move(table_->slots);
  table_->slots.assign(old.size() * 2, Key{});
  size_ = 0;
  for (const Key& k : old) {
    if (k.epoch == table_->epoch) Insert(k.a, k.b, k.n);
  }
}

namespace {

void AppendLocation(const model::Element& e, std::string& out) {
  if (e.parent() != nullptr) {
    AppendLocation(*e.parent(), out);
    out += '.';
  }
  out.append(e.name());
  const model::ElementDef* def = e.definition();
  if (def == nullptr) return;
  if (def->is_choice) {
    // The reference validator's form for choice elements: value.ofType(Quantity).
    out += ".ofType(";
    out += e.type()->name;
    out += ')';
  }
  if (def->is_array()) {
    char digits[12];
    char* end = std::to_chars(digits, digits + sizeof digits, e.index()).ptr;
    out += '[';
    out.append(digits, end);
    out += ']';
  }
}

}  // namespace

std::string LocationOf(const model::Element& e) {
  std::string out;
  out.reserve(96);
  AppendLocation(e, out);
  return out;
}

void Walker::Report(Severity severity, IssueType type, const char* message_id, std::string message,
                    const model::Element& at) {
  if (issues_.size() > static_cast<size_t>(opt_.max_issues) * 4) return;
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = message_id;
  issue.message = std::move(message);
  issue.expression = LocationOf(at);
  issue.location = at.location();
  issue.profile = current_profile_;
  issues_.push_back(std::move(issue));
}

StatusOr<const CompiledProfile*> Walker::Profile(std::string_view canonical) {
  for (const auto& [url, profile] : known_profiles_) {
    if (url == canonical) return profile;
  }
  auto found = v_.Profile(canonical);
  if (found.ok() && known_profiles_.size() < 64) {
    known_profiles_.emplace_back(std::string(canonical), *found);
  }
  return found;
}

void Walker::ValidateRoot(const model::Element& resource, std::span<const std::string> profiles) {
  const ElementPlan* base = v_.TypeRoot(resource.type());
  if (base == nullptr) {
    Report(Severity::kError, IssueType::kNotSupported, "PROFILE_BASE_MISSING",
           "the definition of resource type " + resource.type()->name +
               " is not available, so it cannot be validated",
           resource);
    return;
  }
  ValidateElement(resource, *base);
  ValidateResourceExtras(resource, profiles);
}

bool Walker::ConformsTo(const model::Element& element, const ElementPlan& plan) {
  std::vector<Issue> nested;
  Walker sub(v_, nested, document_);
  sub.bundles_ = bundles_;
  sub.depth_ = depth_;
  sub.nested_ = true;
  sub.ValidateElement(element, plan);
  return std::none_of(nested.begin(), nested.end(),
                      [](const Issue& i) { return i.severity >= Severity::kError; });
}

void Walker::ValidateElement(const model::Element& e, const ElementPlan& plan) {
  if (depth_ >= opt_.max_depth) {
    if (!depth_reported_) {
      depth_reported_ = true;
      Report(Severity::kError, IssueType::kTooCostly, "VALIDATION_TOO_DEEP",
             "the content is nested more than " + std::to_string(opt_.max_depth) +
                 " levels deep; the rest of it was not validated",
             e);
    }
    return;
  }
  // A resource whose profile pass is starting is walked again on purpose; any other resource
  // (a contained one, one in a Bundle entry) is checked alike whichever pass meets it.
  const ElementPlan* memo = plan.same_as != nullptr ? plan.same_as : &plan;
  bool memoizable = !e.is_resource() || (e.parent() != nullptr && skip_resource_extras_ != &e);
  if (memoizable && !done_.Insert(&e, memo, depth_)) return;
  ++depth_;
  bool resource_extras = e.is_resource() && e.parent() != nullptr && skip_resource_extras_ != &e;
  if (skip_resource_extras_ == &e) skip_resource_extras_ = nullptr;
  // A contained or entry resource is checked against its own definitions, whatever profile the
  // outer resource is being checked against.
  std::string_view outer_profile = current_profile_;
  if (resource_extras) current_profile_ = {};
  struct RestoreProfile {
    std::string_view& slot;
    std::string_view value;
    ~RestoreProfile() { slot = value; }
  } restore_profile{current_profile_, outer_profile};
  bool wrong_type = false;
  const TypeRule* rule = plan.types.empty() ? nullptr : CheckType(e, plan, &wrong_type);
  if (e.is_primitive()) {
    CheckPrimitiveValue(e, plan);
  } else if ((plan.min_value != nullptr || plan.max_value != nullptr) &&
             e.type()->IsA("Quantity")) {
    CheckQuantityLimits(e, plan);
  }
  if (plan.fixed != nullptr || plan.pattern != nullptr) CheckFixedPattern(e, plan);
  if (!plan.narrative_language_control.empty()) CheckNarrativeLanguages(e, plan);
  // A value of a type the element does not allow is reported as such; the element's binding
  // is for the types it allows (bb's Quantity units do not judge a string).
  if (opt_.check_bindings && !wrong_type &&
      ((!plan.value_set.empty() && (plan.binding_strength == BindingStrength::kRequired ||
                                    plan.binding_strength == BindingStrength::kExtensible)) ||
       !plan.additional_bindings.empty())) {
    CheckBinding(e, plan);
  }
  RunConstraints(e, plan.constraints, {});
  if (e.type() == v_.reference_type()) CheckReference(e, rule);
  if (e.type() == v_.attachment_type()) CheckAttachment(e);

  const ElementPlan* table = &plan;
  // A contentReference element ("#Parameters.parameter" for part) takes the rules of the element
  // it names, unless the profile constrained its children here (a slice of part with its own
  // name, value and resource).
  if (plan.reference_target != nullptr && !plan.has_children()) table = plan.reference_target;
  if (!table->has_children() || table->child_type != e.type()) {
    const ElementPlan* type_root = v_.TypeRoot(e.type());
    if (type_root != nullptr && type_root != table) {
      // Mostly the plan already holds the type's own invariants (the same shared objects).
      if (type_root->constraints != plan.constraints) {
        RunConstraints(e, type_root->constraints, plan.constraints);
      }
      if (type_root->fixed != nullptr || type_root->pattern != nullptr) {
        CheckFixedPattern(e, *type_root);
      }
    }
    table = type_root;
  }

  if (e.type() == v_.bundle_type()) {
    ValidateBundleContent(e, table);
  } else if (table != nullptr && !e.is_primitive()) {
    ValidateChildren(e, *table);
  } else if (e.is_primitive() && !e.children().empty()) {
    ValidateChildren(e, table != nullptr ? *table : EmptyPlan());
  }
  // The profile passes run at the element's own depth, as the root's do, so that they meet
  // the element's content at the depths the base pass did.
  --depth_;
  if (resource_extras) ValidateResourceExtras(e, {});

  // Profiles on a datatype (a profiled HumanName, Quantity...). Extensions are resolved by URL
  // where they are met instead.
  if (rule != nullptr && !rule->profiles.empty() && e.type()->name != "Extension") {
    if (e.is_resource()) {
      ValidateResourceTypeProfiles(e, *rule);
    } else {
      ValidateTypeProfiles(e, *rule);
    }
  }
}

// A resource where the type names profiles (Bundle.entry.resource, Parameters.parameter.resource
// in a profile): R4 ElementDefinition.type.profile, "the element SHALL conform to at least one
// specified profile"; only the profiles of the resource's own type can be met.
void Walker::ValidateResourceTypeProfiles(const model::Element& resource, const TypeRule& rule) {
  std::vector<const CompiledProfile*> usable;
  bool known = false;
  for (const std::string& url : rule.profiles) {
    auto profile = Profile(url);
    if (!profile.ok()) {
      Report(Severity::kWarning, IssueType::kNotFound, "PROFILE_TYPE_UNKNOWN",
             "the profile " + url +
                 " required for this resource could not be used: " + profile.status().message(),
             resource);
      continue;
    }
    known = true;
    const CompiledProfile& p = **profile;
    if (p.model_type == nullptr || !resource.type()->IsA(p.model_type)) continue;
    if (&p.root() == v_.TypeRoot(resource.type())) return;  // the base: already checked
    usable.push_back(&p);
  }
  std::string names;
  for (const std::string& url : rule.profiles) names += (names.empty() ? "" : ", ") + url;
  if (usable.empty()) {
    if (known) {
      Report(
          Severity::kError, IssueType::kStructure, "TYPE_PROFILE_NO_MATCH",
          "a " + resource.type()->name + " cannot conform to the profiles required here: " + names,
          resource);
    }
    return;
  }
  const CompiledProfile* chosen = usable.front();
  if (usable.size() > 1) {
    auto conforming = std::find_if(usable.begin(), usable.end(), [&](const CompiledProfile* p) {
      return ConformsTo(resource, p->root());
    });
    if (conforming == usable.end()) {
      Report(Severity::kError, IssueType::kStructure, "TYPE_PROFILE_NO_MATCH",
             "the resource conforms to none of the profiles allowed here: " + names, resource);
    } else {
      chosen = *conforming;
    }
  }
  // As for a declared profile: a second pass over the resource, its own extras not again.
  skip_resource_extras_ = &resource;
  std::string_view outer_profile = current_profile_;
  current_profile_ = chosen->url;
  ValidateElement(resource, chosen->root());
  current_profile_ = outer_profile;
}

// A Bundle's entries are checked with an index of the Bundle at hand (references between
// entries resolve through it); the index lives only while they are.
void Walker::ValidateBundleContent(const model::Element& bundle, const ElementPlan* table) {
  BundleIndex index;
  IndexBundle(bundle, index);
  bundles_.push_back(&index);
  if (table != nullptr) ValidateChildren(bundle, *table);
  CheckBundle(bundle, index);
  bundles_.pop_back();
}

// The element must conform to one of the type's profiles (any of them, when several).
void Walker::ValidateTypeProfiles(const model::Element& e, const TypeRule& rule) {
  std::vector<const CompiledProfile*> usable;
  for (const std::string& url : rule.profiles) {
    auto profile = Profile(url);
    if (profile.ok()) {
      if (&(*profile)->root() != v_.TypeRoot(e.type())) usable.push_back(*profile);
    } else {
      Report(Severity::kWarning, IssueType::kNotFound, "PROFILE_TYPE_UNKNOWN",
             "the profile " + url +
                 " required for this element could not be used: " + profile.status().message(),
             e);
    }
  }
  if (usable.empty()) return;
  if (usable.size() > 1) {
    for (const CompiledProfile* p : usable) {
      if (ConformsTo(e, p->root())) return;
    }
    std::string names;
    for (const CompiledProfile* p : usable) names += (names.empty() ? "" : ", ") + p->url;
    Report(Severity::kError, IssueType::kStructure, "TYPE_PROFILE_NO_MATCH",
           "the element conforms to none of the profiles allowed here: " + names, e);
  }
  ValidateElement(e, usable.front()->root());
}

const TypeRule* Walker::CheckType(const model::Element& e, const ElementPlan& plan,
                                  bool* wrong_type) {
  bool any_known = false;
  for (const TypeRule& rule : plan.types) {
    if (rule.type == nullptr) continue;
    any_known = true;
    if (e.type() == rule.type || e.type()->IsA(rule.type)) return &rule;
  }
  if (!any_known) return nullptr;
  // Primitive elements of the type model (Element.id, Extension.url) carry system types.
  if (e.definition() != nullptr && e.definition()->is_system_value) return nullptr;
  std::string allowed;
  for (const TypeRule& rule : plan.types) {
    if (!allowed.empty()) allowed += ", ";
    allowed += rule.code;
  }
  *wrong_type = true;
  Report(Severity::kError, IssueType::kStructure, "TYPE_NOT_ALLOWED",
         "type " + e.type()->name + " is not allowed here; allowed: " + allowed, e);
  return nullptr;
}

void Walker::ValidateChildren(const model::Element& e, const ElementPlan& table) {
  std::span<const model::Element* const> kids = e.children();
  bool usable = table.child_type == nullptr || table.child_type == e.type();
  std::span<const ElementPlan* const> required;
  if (usable) required = table.required_children;
  size_t next_required = 0;
  // Findings come in definition order: a required child that is absent is reported before the
  // children that follow it.
  auto report_absent_before = [&](uint32_t order) {
    for (; next_required < required.size() && required[next_required]->element_def->order < order;
         ++next_required) {
      const ElementPlan& slot = *required[next_required];
      if (slot.min > 0) {
        Report(
            Severity::kError, IssueType::kRequired, "CARDINALITY_MIN",
            slot.path + ": minimum required = " + std::to_string(slot.min) + ", but only found 0",
            e);
      }
      if (slot.slicing == nullptr) continue;
      for (const ElementPlan* slice : slot.slices) {
        if (slice->min == 0) continue;
        Report(Severity::kError, IssueType::kRequired, "SLICE_CARDINALITY_MIN",
               slot.path + ":" + slice->slice_name +
                   ": minimum required = " + std::to_string(slice->min) + ", but only found 0",
               e);
      }
    }
  };
  size_t i = 0;
  while (i < kids.size()) {
    // The parsers keep the children of one element together, in definition order.
    const model::ElementDef* def = kids[i]->definition();
    size_t end = i + 1;
    while (end < kids.size() && kids[end]->definition() == def) ++end;
    std::span<const model::Element* const> group = kids.subspan(i, end - i);
    i = end;
    const ElementPlan* slot = usable && def != nullptr && def->order < table.child_slots.size()
                                  ? table.child_slots[def->order]
                                  : nullptr;
    if (def != nullptr) report_absent_before(def->order);
    if (slot == nullptr) {
      // Elements the plan does not list (a profile that leaves them out): validated by type.
      if (def != nullptr && def->is_system_value) continue;
      for (const model::Element* kid : group) ValidateElement(*kid, EmptyPlan());
      continue;
    }
    if (next_required < required.size() && required[next_required] == slot) ++next_required;
    uint32_t count = static_cast<uint32_t>(group.size());
    if (count < slot->min) {
      Report(Severity::kError, IssueType::kRequired, "CARDINALITY_MIN",
             slot->path + ": minimum required = " + std::to_string(slot->min) +
                 ", but only found " + std::to_string(count),
             e);
    }
    if (count > slot->max) {
      Report(Severity::kError, IssueType::kStructure, "CARDINALITY_MAX",
             slot->path + ": maximum allowed = " + CountText(slot->max) + ", but found " +
                 std::to_string(count),
             e);
    }
    ValidateGroup(e, *slot, group);
  }
  report_absent_before(UINT32_MAX);
}

}  // namespace silta::validation::internal
