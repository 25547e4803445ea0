// Walks an instance and its plans side by side: structure, cardinality, types, primitives,
// fixed/pattern values, bindings, invariants, slicing and extensions.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <unordered_set>

#include "base/numbers.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"
#include "validation/impl.h"
#include "validation/primitives.h"

namespace silta::validation::internal {

namespace {

// A tag for DoneSet keys of extension-definition checks.
constexpr char kExtensionCheck = 0;

const ElementPlan& EmptyPlan() {
  static const ElementPlan kEmpty;
  return kEmpty;
}

bool IsAbsoluteUrl(std::string_view url) {
  return url.find("://") != std::string_view::npos || url.rfind("urn:", 0) == 0;
}

std::string CountText(uint32_t n) {
  return n == model::kUnbounded ? std::string("*") : std::to_string(n);
}

bool HasChildOtherThanId(const model::Element& e) {
  return std::any_of(e.children().begin(), e.children().end(),
                     [](const model::Element* c) { return c->name() != "id"; });
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
  uint64_t h = reinterpret_cast<uintptr_t>(a) * 0x9E3779B97F4A7C15ull ^
               reinterpret_cast<uintptr_t>(b) * 0xC2B2AE3D27D4EB4Full ^ n;
  for (size_t i = (h ^ (h >> 29)) & mask;; i = (i + 1) & mask) {
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
  Walker sub(v_, nested);
  sub.bundles_ = bundles_;
  sub.depth_ = depth_;
  sub.ValidateElement(element, plan);
  return std::none_of(nested.begin(), nested.end(),
                      [](const Issue& i) { return i.severity >= Severity::kError; });
}

namespace {

// R4 Observation, "Vital Signs": an Observation that records one of these measurements SHALL
// conform to its vital-signs profile (https://hl7.org/fhir/R4/observation-vitalsigns.html).
// The table names the LOINC codes; the SNOMED CT concepts for the same measurements record the
// same thing, so they bring the same obligation (the reference validator agrees).
struct VitalSignCode {
  std::string_view system;
  std::string_view code;
  std::string_view profile;
};
constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kVitalSignsBase = "http://hl7.org/fhir/StructureDefinition/";
constexpr VitalSignCode kVitalSignCodes[] = {
    {kLoinc, "85353-1", "vitalspanel"},
    {kLoinc, "9279-1", "resprate"},
    {kLoinc, "8867-4", "heartrate"},
    {kLoinc, "2708-6", "oxygensat"},
    {kLoinc, "59408-5", "oxygensat"},
    {kLoinc, "8310-5", "bodytemp"},
    {kLoinc, "8302-2", "bodyheight"},
    {kLoinc, "9843-4", "headcircum"},
    {kLoinc, "29463-7", "bodyweight"},
    {kLoinc, "39156-5", "bmi"},
    {kLoinc, "85354-9", "bp"},
    {kSnomed, "86290005", "resprate"},
    {kSnomed, "364075005", "heartrate"},
    {kSnomed, "103228002", "oxygensat"},
    {kSnomed, "276885007", "bodytemp"},
    {kSnomed, "50373000", "bodyheight"},
    {kSnomed, "363812007", "headcircum"},
    {kSnomed, "27113001", "bodyweight"},
    {kSnomed, "60621009", "bmi"},
    {kSnomed, "75367002", "bp"},
};

std::string_view ValueOf(const model::Element* e) {
  return e != nullptr && e->has_value() ? e->value() : std::string_view();
}

// The canonical URL of the vital-signs profile `resource` must conform to, or empty.
std::string VitalSignProfile(const model::Element& resource) {
  if (resource.type()->name != "Observation") return {};
  const model::Element* code = resource.Child("code");
  if (code == nullptr) return {};
  for (const model::Element* coding : code->Children("coding")) {
    std::string_view system = ValueOf(coding->Child("system"));
    std::string_view value = ValueOf(coding->Child("code"));
    for (const VitalSignCode& v : kVitalSignCodes) {
      if (v.system != system || v.code != value) continue;
      return std::string(kVitalSignsBase) + std::string(v.profile);
    }
  }
  return {};
}

}  // namespace

// A profile without a snapshot: its differential must produce one (a differential that names
// paths the base does not have, widens cardinality, etc. is wrong).
void Walker::CheckProfileDifferential(const model::Element& sd) {
  IssueCollector found;
  Status status = v_.CheckDifferential(formats::WriteJson(sd, {.pretty = false}), found);
  std::vector<const model::Element*> elements;
  for (const model::Element* e : sd.Child("differential")->Children("element")) {
    elements.push_back(e);
  }
  bool reported = false;
  // The generator places elements by id; an id that names another element than the path makes
  // the snapshot mean something the differential does not say (elementdefinition.html#id).
  for (const model::Element* e : elements) {
    std::string_view id = ChildValue(*e, "id");
    std::string_view path = ChildValue(*e, "path");
    if (id.empty() || path.empty()) continue;
    std::string unsliced;
    for (size_t i = 0; i < id.size(); ++i) {
      if (id[i] == ':') {
        while (i < id.size() && id[i] != '.') ++i;
        if (i == id.size()) break;
      }
      unsliced += id[i];
    }
    bool renamed_choice = unsliced.size() > 3 && unsliced.substr(unsliced.size() - 3) == "[x]" &&
                          path.substr(0, unsliced.size() - 3) ==
                              std::string_view(unsliced).substr(0, unsliced.size() - 3);
    if (unsliced == path || renamed_choice) continue;
    Report(Severity::kError, IssueType::kStructure, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: the element with id '" +
               std::string(id) + "' has the path '" + std::string(path) +
               "', which is not the element its id names",
           sd);
    reported = true;
  }
  for (const Issue& issue : found.Take()) {
    if (issue.severity < Severity::kError) continue;
    const model::Element* at = &sd;
    for (const model::Element* e : elements) {
      if (ChildValue(*e, "id") == issue.expression) at = e;
    }
    Report(Severity::kError, issue.type, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: " + issue.message, *at);
    reported = true;
  }
  if (!status.ok() && !reported) {
    Report(Severity::kError, IssueType::kStructure, "PROFILE_DIFFERENTIAL_INVALID",
           "the snapshot cannot be generated from the differential: " + status.message(), sd);
  }
}

void Walker::ValidateResourceExtras(const model::Element& resource,
                                    std::span<const std::string> explicit_profiles) {
  auto validate_against = [&](std::string_view canonical, bool declared) {
    auto profile = Profile(canonical);
    if (!profile.ok()) {
      // An unknown meta.profile is only a claim we cannot check; an explicit request must work.
      Report(
          declared ? Severity::kWarning : Severity::kError, IssueType::kNotFound,
          declared ? "PROFILE_DECLARED_UNKNOWN" : "PROFILE_UNKNOWN",
          "profile " + std::string(canonical) + " could not be used: " + profile.status().message(),
          resource);
      return;
    }
    const CompiledProfile& p = **profile;
    if (p.model_type == nullptr || !resource.type()->IsA(p.model_type)) {
      Report(Severity::kError, IssueType::kInvalid, "PROFILE_WRONG_TYPE",
             "profile " + std::string(canonical) + " is for " + p.type + ", not for " +
                 resource.type()->name,
             resource);
      return;
    }
    if (&p.root() == v_.TypeRoot(resource.type())) return;  // the base, already done
    skip_resource_extras_ = &resource;  // this pass must not start the profile checks again
    std::string_view outer_profile = current_profile_;
    current_profile_ = p.url;
    ValidateElement(resource, p.root());
    current_profile_ = outer_profile;
  };
  if (const model::Element* meta = resource.Child("meta")) {
    for (const model::Element* profile : meta->Children("profile")) {
      if (profile->has_value()) validate_against(profile->value(), true);
    }
  }
  for (const std::string& canonical : explicit_profiles) validate_against(canonical, false);
  if (resource.type()->name == "StructureDefinition" && resource.Child("differential") != nullptr &&
      resource.Child("snapshot") == nullptr) {
    CheckProfileDifferential(resource);
  }
  if (std::string vital_sign = VitalSignProfile(resource); !vital_sign.empty()) {
    Report(Severity::kInformation, IssueType::kInformational, "PROFILE_VITAL_SIGNS",
           "validated against " + vital_sign +
               ": the FHIR specification requires it of Observations with this vital-sign code",
           resource);
    validate_against(vital_sign, true);
  }
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
  const TypeRule* rule = plan.types.empty() ? nullptr : CheckType(e, plan);
  if (e.is_primitive()) {
    CheckPrimitiveValue(e, plan);
  } else if ((plan.min_value != nullptr || plan.max_value != nullptr) &&
             e.type()->IsA("Quantity")) {
    CheckQuantityLimits(e, plan);
  }
  if (plan.fixed != nullptr || plan.pattern != nullptr) CheckFixedPattern(e, plan);
  if (!plan.narrative_language_control.empty()) CheckNarrativeLanguages(e, plan);
  if (opt_.check_bindings &&
      ((!plan.value_set.empty() && (plan.binding_strength == BindingStrength::kRequired ||
                                    plan.binding_strength == BindingStrength::kExtensible)) ||
       !plan.additional_bindings.empty())) {
    CheckBinding(e, plan);
  }
  RunConstraints(e, plan.constraints, {});
  if (e.type() == v_.reference_type()) CheckReference(e, rule);
  if (e.type() == v_.attachment_type()) CheckAttachment(e);

  const ElementPlan* table = &plan;
  if (plan.reference_target != nullptr) table = plan.reference_target;
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
  if (rule != nullptr && !rule->profiles.empty() && e.type()->name != "Extension" &&
      !e.is_resource()) {
    ValidateTypeProfiles(e, *rule);
  }
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

const TypeRule* Walker::CheckType(const model::Element& e, const ElementPlan& plan) {
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
  // Like the reference validator, a wrong choice type is reported on the element holding it.
  const model::Element& at =
      e.definition() != nullptr && e.definition()->is_choice && e.parent() != nullptr ? *e.parent()
                                                                                      : e;
  Report(Severity::kError, IssueType::kStructure, "TYPE_NOT_ALLOWED",
         "type " + e.type()->name + " is not allowed here; allowed: " + allowed, at);
  return nullptr;
}

namespace {

// Compares a primitive's text with a minValue/maxValue: numbers numerically, dates and times
// as text (ISO 8601 of the same form sorts lexically). nullopt when not comparable.
// A Duration limit on a date ("100 a"): today minus (for minValue) or plus (for maxValue) it.
std::string DateFromNow(const rapidjson::Value& duration, bool before) {
  auto value = duration.FindMember("value");
  auto code = duration.FindMember("code");
  if (value == duration.MemberEnd() || code == duration.MemberEnd()) return {};
  // Whole units only, and few enough that the date stays representable.
  std::optional<long> parsed = ParseInteger<long>(JsonText(value->value), -100'000, 100'000);
  if (!parsed) return {};
  long n = before ? -*parsed : *parsed;
  std::string_view unit = JsonText(code->value);
  using namespace std::chrono;
  year_month_day today{floor<days>(system_clock::now())};
  year_month_day result = today;
  if (unit == "a") {
    result = today + years(n);
  } else if (unit == "mo") {
    result = today + months(n);
  } else if (unit == "wk" || unit == "d") {
    result = year_month_day{sys_days{today} + days(unit == "wk" ? n * 7 : n)};
  } else {
    return {};
  }
  if (!result.ok()) result = result.year() / result.month() / last;
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(result.year()),
                static_cast<unsigned>(result.month()), static_cast<unsigned>(result.day()));
  return text;
}

std::optional<int> CompareLimit(const model::Element& e, const rapidjson::Value& limit,
                                bool is_min) {
  std::string_view value = e.value();
  std::string from_now;
  if (limit.IsObject()) from_now = DateFromNow(limit, is_min);
  std::string_view bound = limit.IsObject() ? std::string_view(from_now) : JsonText(limit);
  if (bound.empty()) return std::nullopt;
  switch (e.primitive()) {
    case model::Primitive::kInteger:
    case model::Primitive::kUnsignedInt:
    case model::Primitive::kPositiveInt:
    case model::Primitive::kDecimal: {
      std::optional<double> a = ParseDouble(value);
      std::optional<double> b = ParseDouble(bound);
      if (!a || !b) return std::nullopt;
      return *a < *b ? -1 : *a > *b ? 1 : 0;
    }
    case model::Primitive::kDate:
    case model::Primitive::kDateTime:
    case model::Primitive::kInstant:
    case model::Primitive::kTime: {
      size_t n = std::min(value.size(), bound.size());
      int c = value.substr(0, n).compare(bound.substr(0, n));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

void Walker::CheckPrimitiveValue(const model::Element& e, const ElementPlan& plan) {
  if (!e.has_value()) {
    if (plan.must_have_value) {
      Report(Severity::kError, IssueType::kRequired, "VALUE_REQUIRED",
             "the profile requires a value in this element (" + plan.id + ")", e);
    } else if (!plan.value_alternatives.empty()) {
      bool alternative = false;
      for (const model::Element* ext : e.Children("extension")) {
        std::string_view url = ChildValue(*ext, "url");
        for (const std::string& allowed : plan.value_alternatives) alternative |= url == allowed;
      }
      if (!alternative) {
        Report(Severity::kError, IssueType::kRequired, "VALUE_ALTERNATIVE",
               "the element has no value, and none of the extensions the profile allows in "
               "place of one (" +
                   plan.id + ")",
               e);
      }
    }
    return;
  }
  if (plan.min_value != nullptr) {
    auto c = CompareLimit(e, *plan.min_value, true);
    if (c && *c < 0) {
      Report(Severity::kError, IssueType::kValue, "VALUE_BELOW_MIN",
             "the value is less than the minimum the profile allows" +
                 (plan.min_value->IsObject() ? std::string()
                                             : " (" + std::string(JsonText(*plan.min_value)) + ")"),
             e);
    }
  }
  if (plan.max_value != nullptr) {
    auto c = CompareLimit(e, *plan.max_value, false);
    if (c && *c > 0) {
      Report(Severity::kError, IssueType::kValue, "VALUE_ABOVE_MAX",
             "the value is more than the maximum the profile allows" +
                 (plan.max_value->IsObject() ? std::string()
                                             : " (" + std::string(JsonText(*plan.max_value)) + ")"),
             e);
    }
  }
  std::string_view value = e.value();
  // The lexical check depends on the value alone. The base pass meets every element before a
  // profile pass does and has made it already; a profile pass would only find it again.
  if (current_profile_.empty()) {
    model::Primitive kind = e.primitive();
    // Resource.id is a FHIRPath String in the definitions but an id on the wire.
    if (e.parent() != nullptr && e.parent()->is_resource() && e.name() == "id") {
      kind = model::Primitive::kId;
    }
    PrimitiveProblem problem = CheckPrimitive(kind, value);
    if (!problem.ok()) {
      // Attachment content is judged as a whole (data with size and hash), on the Attachment.
      const model::Element& at =
          e.parent() != nullptr && e.parent()->type() == v_.attachment_type() ? *e.parent() : e;
      Report(Severity::kError, IssueType::kValue, problem.message_id, std::move(problem.message),
             at);
    }
  }
  if ((plan.max_length != 0 || plan.min_length != 0) && e.primitive() != model::Primitive::kXhtml) {
    // maxLength counts characters, not bytes.
    size_t chars = 0;
    for (char c : value) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    if (plan.min_length != 0 && chars < plan.min_length) {
      Report(Severity::kError, IssueType::kValue, "TYPE_MIN_LENGTH",
             "the value is " + std::to_string(chars) + " characters long; at least " +
                 std::to_string(plan.min_length) + " are required",
             e);
    }
    if (plan.max_length != 0 && chars > plan.max_length) {
      Report(Severity::kError, IssueType::kTooLong, "TYPE_MAX_LENGTH",
             "the value is " + std::to_string(chars) + " characters long; at most " +
                 std::to_string(plan.max_length) + " are allowed",
             e);
    }
  }
}

void Walker::CheckFixedPattern(const model::Element& e, const ElementPlan& plan) {
  if (plan.fixed != nullptr && !MatchesValue(e, *plan.fixed, true)) {
    std::string shown(JsonText(*plan.fixed));
    Report(Severity::kError, IssueType::kValue, "FIXED_VALUE_MISMATCH",
           shown.empty()
               ? "the value does not match the fixed value of the profile (" + plan.id + ")"
               : "the value must be exactly '" + shown + "' (" + plan.id + ")",
           e);
  }
  if (plan.pattern != nullptr && !MatchesValue(e, *plan.pattern, false)) {
    std::string shown(JsonText(*plan.pattern));
    Report(Severity::kError, IssueType::kValue, "PATTERN_MISMATCH",
           shown.empty() ? "the value does not match the pattern of the profile (" + plan.id + ")"
                         : "the value must be '" + shown + "' (" + plan.id + ")",
           e);
  }
}

namespace {

// Local references ("#id") anywhere below `e`: Reference.reference and uri/url/canonical values.
// Narratives (the resource's and those inside it, such as Composition.section.text) go to
// `narratives`.
void CollectLocalReferences(const model::Element& e, std::vector<std::string_view>& out,
                            std::vector<std::string_view>& narratives) {
  for (const model::Element* child : e.children()) {
    if (child->has_value() && child->primitive() == model::Primitive::kXhtml) {
      narratives.push_back(child->value());
    } else if (child->has_value()) {
      std::string_view value = child->value();
      if (!value.empty() && value[0] == '#') {
        const std::string& type = child->type()->name;
        bool is_reference = child->definition() != nullptr &&
                            child->definition()->name == "reference" &&
                            e.type()->name == "Reference";
        if (is_reference || type == "uri" || type == "url" || type == "canonical") {
          out.push_back(value);
        }
      }
    }
    CollectLocalReferences(*child, out, narratives);
  }
}

bool NarrativeRefersTo(std::string_view div, std::string_view id) {
  for (std::string_view attribute : {"src=", "href="}) {
    for (char quote : {'"', '\''}) {
      std::string needle = std::string(attribute) + quote + '#' + std::string(id) + quote;
      if (div.find(needle) != std::string_view::npos) return true;
    }
  }
  return false;
}

}  // namespace

// dom-3: every contained resource is referenced from elsewhere in the resource (its elements or
// its narrative), or refers to the containing resource ("#").
bool Walker::ContainedResourcesReferenced(const model::Element& resource) {
  std::span<const model::Element* const> kids = resource.children();
  if (std::none_of(kids.begin(), kids.end(), [](const model::Element* k) {
        return k->definition() != nullptr && k->definition()->name == "contained";
      })) {
    return true;
  }
  std::vector<std::string_view> references;
  std::vector<std::string_view> narratives;
  CollectLocalReferences(resource, references, narratives);
  for (const model::Element* contained : resource.Children("contained")) {
    std::string id = "#" + std::string(ChildValue(*contained, "id"));
    if (std::find(references.begin(), references.end(), id) != references.end()) continue;
    if (std::any_of(narratives.begin(), narratives.end(), [&](std::string_view div) {
          return NarrativeRefersTo(div, std::string_view(id).substr(1));
        })) {
      continue;
    }
    std::vector<std::string_view> own;
    std::vector<std::string_view> own_narratives;
    CollectLocalReferences(*contained, own, own_narratives);
    if (std::find(own.begin(), own.end(), "#") != own.end()) continue;
    return false;
  }
  return true;
}

namespace {

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

}  // namespace

// The answer of a FastCheck invariant on `e` (true: it holds), or nullopt when FHIRPath must
// decide. Each case computes exactly what its R4 expression (plan.cc) evaluates to.
std::optional<bool> FastAnswer(FastCheck check, const model::Element& e) {
  switch (check) {
    case FastCheck::kNone:
      return std::nullopt;
    case FastCheck::kDom2:
      return !AnyContainedHas(e, "contained");
    case FastCheck::kDom4:
      return !AnyContainedHas(e, "meta", "versionId") && !AnyContainedHas(e, "meta", "lastUpdated");
    case FastCheck::kDom5:
      return !AnyContainedHas(e, "meta", "security");
    case FastCheck::kDom6: {
      const model::Element* text = e.Child("text");
      return text != nullptr && text->Child("div") != nullptr;
    }
    case FastCheck::kRef1: {
      // No reference value: both sides are empty, and so is the answer (not a finding). A
      // reference that does not start with '#': the left side is true. "#id": whether the
      // root resource contains a resource with that id ("#" alone is left to FHIRPath).
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
    case FastCheck::kBdl1: {
      // total.empty() or type is searchset/history; a type without a value gives empty.
      std::optional<std::string_view> type = BundleType(e);
      return e.Child("total") == nullptr || !type || *type == "searchset" || *type == "history";
    }
    case FastCheck::kBdl2: {
      std::optional<std::string_view> type = BundleType(e);
      if (!type || *type == "searchset") return true;
      for (const model::Element* entry : e.Children("entry")) {
        if (entry->Child("search") != nullptr) return false;
      }
      return true;
    }
    case FastCheck::kBdl3:
      return EntriesHaveChildExactlyFor(e, "request", {"batch", "transaction", "history"});
    case FastCheck::kBdl4:
      return EntriesHaveChildExactlyFor(e, "response",
                                        {"batch-response", "transaction-response", "history"});
    case FastCheck::kBdl7: {
      // (type = 'history') or distinct: with no type value, "{} or false" is empty.
      std::optional<std::string_view> type = BundleType(e);
      if (type == "history") return true;
      std::optional<bool> distinct = FullUrlsDistinct(e);
      if (!distinct) return std::nullopt;
      return *distinct || !type;
    }
    // bdl-9 to bdl-12: "type = 'x' implies ...". Unless the type is x the left side is false or
    // empty, and the invariant holds (an empty answer is not a finding).
    case FastCheck::kBdl9: {
      if (BundleType(e) != "document") return true;
      const model::Element* identifier = e.Child("identifier");
      return identifier != nullptr && identifier->Child("system") != nullptr &&
             identifier->Child("value") != nullptr;
    }
    case FastCheck::kBdl10:
      return BundleType(e) != "document" || HasValue(e.Child("timestamp"));
    case FastCheck::kBdl11:
      return BundleType(e) != "document" || FirstResourceIsOrAbsent(e, "Composition");
    case FastCheck::kBdl12:
      return BundleType(e) != "message" || FirstResourceIsOrAbsent(e, "MessageHeader");
    case FastCheck::kBdl5:
      return e.Child("resource") != nullptr || e.Child("request") != nullptr ||
             e.Child("response") != nullptr;
    case FastCheck::kBdl8: {
      // No fullUrl value: contains() and not() give empty, which is not a finding.
      const model::Element* full_url = e.Child("fullUrl");
      return !HasValue(full_url) || full_url->value().find("/_history/") == std::string_view::npos;
    }
    case FastCheck::kOrg1:
      return e.Child("identifier") != nullptr || e.Child("name") != nullptr;
    case FastCheck::kPer1:
      // Either end missing: true; both present: the date comparison, with its precision rules.
      if (!HasValue(e.Child("start")) || !HasValue(e.Child("end"))) return true;
      return std::nullopt;
    case FastCheck::kCpt2:
      return e.Child("value") == nullptr || e.Child("system") != nullptr;
  }
  return std::nullopt;
}

void Walker::RunConstraints(const model::Element& e, std::span<const Constraint* const> constraints,
                            std::span<const Constraint* const> already_run) {
  for (const Constraint* c : constraints) {
    if (c->native == NativeConstraint::kSkip) continue;
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
      fast = FastAnswer(c->fast, e);
      if (fast.value_or(false)) continue;
    }
    if (costly && !done_.Insert(&e, c, UINT32_MAX)) continue;
    bool ok = true;
    switch (c->native) {
      case NativeConstraint::kEle1:
        ok = e.is_resource() || e.has_value() || HasChildOtherThanId(e);
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
          bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
            return f->has_value() && f->value() == expected.profile_url;
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
          return MatchesValue(*f, *expected.value, exact);
        });
        if (!any) return false;
        break;
      }
      case Discriminator::Kind::kType: {
        const ElementPlan* node = expected.node != nullptr ? expected.node : &slice;
        if (node->types.empty()) break;
        bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
          return std::any_of(node->types.begin(), node->types.end(), [&](const TypeRule& t) {
            return t.type != nullptr && f->type()->IsA(t.type);
          });
        });
        if (!any) return false;
        break;
      }
      case Discriminator::Kind::kProfile: {
        const ElementPlan* node = expected.node != nullptr ? expected.node : &slice;
        std::string_view url;
        for (const TypeRule& t : node->types) {
          if (!t.profiles.empty()) url = t.profiles.front();
          if (!t.target_profiles.empty() && url.empty()) url = t.target_profiles.front();
        }
        if (url.empty()) break;
        auto profile = Profile(url);
        if (!profile.ok()) return false;
        bool any = std::any_of(found.begin(), found.end(), [&](const model::Element* f) {
          return ConformsTo(*f, (*profile)->root());
        });
        if (!any) return false;
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

void Walker::CheckExtensionDefinition(const model::Element& extension, const model::Element& parent,
                                      bool is_modifier) {
  std::string_view url = ChildValue(extension, "url");
  if (url.empty() || !IsAbsoluteUrl(url)) return;  // relative: a part of a complex extension
  // Its findings depend on the extension alone (its parent and kind are fixed by where it is).
  if (!done_.Insert(&extension, &kExtensionCheck, UINT32_MAX)) return;
  auto profile = Profile(url);
  if (!profile.ok()) {
    if (profile.status().code() != StatusCode::kNotFound) {
      Report(Severity::kWarning, IssueType::kNotSupported, "EXTENSION_UNUSABLE",
             "the definition of extension " + std::string(url) +
                 " could not be used: " + profile.status().message(),
             extension);
      return;
    }
    // The specification reserves example.org/example.com for examples: like the reference
    // validator, extensions there are not expected to be resolvable.
    bool example_domain = url.find("://example.org/") != std::string_view::npos ||
                          url.find("://example.com/") != std::string_view::npos ||
                          url.find("://www.example.org/") != std::string_view::npos;
    bool error = !example_domain && (is_modifier || !opt_.allow_unknown_extensions);
    Report(
        error ? Severity::kError : Severity::kWarning, IssueType::kStructure, "EXTENSION_UNKNOWN",
        std::string(is_modifier ? "modifier extension " : "extension ") + std::string(url) +
            " is not known" + (is_modifier ? ", and a modifier extension cannot be ignored" : ""),
        extension);
    return;
  }
  const CompiledProfile& def = **profile;
  if (def.type != "Extension") {
    Report(Severity::kError, IssueType::kStructure, "EXTENSION_NOT_EXTENSION",
           std::string(url) + " is not an extension definition", extension);
    return;
  }
  // Context: where the definition allows the extension.
  if (!def.contexts.empty()) {
    bool allowed = false;
    const model::TypeDef* parent_type = parent.type();
    std::string parent_path;
    if (parent.definition() != nullptr) parent_path = parent.definition()->path;
    for (const CompiledProfile::ExtensionContext& c : def.contexts) {
      std::string_view expr = c.expression;
      if (c.type == "extension") {
        // On the extension itself, or on its value.
        const model::Element* owner = &parent;
        if (owner->type()->name != "Extension" && owner->parent() != nullptr) {
          owner = owner->parent();
        }
        allowed =
            allowed || (owner->type()->name == "Extension" && ChildValue(*owner, "url") == expr);
        continue;
      }
      if (c.type == "fhirpath") {
        // The expression selects the elements the extension may sit on, from the resource.
        const model::Element* resource = ContainingResource(parent);
        if (c.compiled != nullptr && resource != nullptr) {
          auto selected = fhirpath::Evaluate(*c.compiled, resource);
          if (selected.ok()) {
            for (const fhirpath::Value& item : *selected) {
              if (item.is_element() && item.element() == &parent) allowed = true;
            }
          }
        } else {
          allowed = true;  // cannot be judged
        }
        continue;
      }
      if (expr == "Element" || expr == "Base" || parent_type->IsA(expr) || expr == parent_path) {
        allowed = true;
        continue;
      }
      // R4's own definitions put extensions defined for a child on its parent
      // (structuredefinition-fhir-type for ElementDefinition.type.code sits on
      // ElementDefinition.type); the reference validator accepts that, and so do we.
      if (!parent_path.empty() && expr.size() > parent_path.size() &&
          expr.substr(0, parent_path.size()) == parent_path && expr[parent_path.size()] == '.') {
        allowed = true;
        continue;
      }
      // "Patient.name" style contexts on elements of a datatype: match the path's tail within
      // the resource the element is in.
      const model::Element* resource = ContainingResource(parent);
      size_t dot = expr.find('.');
      if (resource != nullptr && dot != std::string_view::npos && parent.definition() != nullptr) {
        std::string_view head = expr.substr(0, dot);
        std::string_view want = expr.substr(dot + 1);
        std::string actual;
        for (const model::Element* p = &parent; p != nullptr && p != resource; p = p->parent()) {
          actual.insert(0, std::string(p->name()) + (actual.empty() ? "" : "."));
        }
        if (resource->type()->IsA(head) && actual == want) allowed = true;
      }
    }
    if (!allowed) {
      Report(Severity::kError, IssueType::kStructure, "EXTENSION_CONTEXT",
             "extension " + std::string(url) + " is not allowed on " +
                 (parent_path.empty() ? parent_type->name : parent_path),
             parent);
    }
  }
  ValidateElement(extension, def.root());
}

}  // namespace silta::validation::internal
