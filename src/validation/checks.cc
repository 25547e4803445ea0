// Binding and reference checks.
#include <algorithm>

#include "validation/impl.h"
#include "validation/narrative.h"
#include "validation/primitives.h"

namespace silta::validation::internal {

namespace {

using terminology::Validity;

std::string StrengthName(BindingStrength s) {
  return s == BindingStrength::kRequired ? "required" : "extensible";
}

std::string ExtensibleNote(const CodeCheck& check) {
  return check.meant_extensible ? " (the value set is meant to be used extensibly)" : "";
}

}  // namespace

// The narrative-language-control extension (hl7.fhir.uv.extensions): whether the narrative
// must, or must not, be divided into language sections, and for which languages.
void Walker::CheckNarrativeLanguages(const model::Element& narrative, const ElementPlan& plan) {
  const model::Element* div = narrative.Child("div");
  const model::XhtmlNode* tree = div != nullptr && div->has_value() ? NarrativeTree(*div) : nullptr;
  std::vector<std::string> sections =
      tree != nullptr ? NarrativeLanguageSections(*tree) : std::vector<std::string>();
  std::string found;
  for (const std::string& s : sections) found += (found.empty() ? "" : ", ") + s;
  auto has_section = [&](std::string_view lang) {
    return std::find(sections.begin(), sections.end(), lang) != sections.end();
  };
  for (const std::string& control : plan.narrative_language_control) {
    std::string required;
    if (control == "_no") {
      if (!sections.empty()) {
        Report(Severity::kError, IssueType::kBusinessRule, "NARRATIVE_LANGUAGE_SECTIONS_FORBIDDEN",
               "the narrative has language sections (" + found + "), but the profile (" + plan.id +
                   ") prohibits them",
               narrative);
      }
      continue;
    }
    if (control == "_yes") {
      if (sections.empty()) {
        Report(Severity::kError, IssueType::kBusinessRule, "NARRATIVE_LANGUAGE_SECTIONS_REQUIRED",
               "the narrative has no language sections, but the profile (" + plan.id +
                   ") requires them",
               narrative);
      }
      continue;
    }
    if (control == "_resource") {
      const model::Element* resource = narrative.parent();
      while (resource != nullptr && !resource->is_resource()) resource = resource->parent();
      if (resource == nullptr) continue;
      required = std::string(ChildValue(*resource, "language"));
      if (required.empty()) continue;  // no resource language: nothing to require
    } else {
      required = control;
    }
    if (!has_section(required)) {
      Report(Severity::kError, IssueType::kBusinessRule, "NARRATIVE_LANGUAGE_SECTION_MISSING",
             "the profile (" + plan.id + ") requires a narrative section for the language " +
                 required + ", but none was found" +
                 (found.empty() ? "" : " (found " + found + ")"),
             narrative);
    }
  }
}

void Walker::CheckBinding(const model::Element& e, const ElementPlan& plan) {
  if (!plan.value_set.empty() && (plan.binding_strength == BindingStrength::kRequired ||
                                  plan.binding_strength == BindingStrength::kExtensible)) {
    CheckBindingTo(e, plan.value_set, plan.binding_strength, false);
  }
  for (const ElementPlan::AdditionalBinding& b : plan.additional_bindings) {
    CheckBindingTo(e, b.value_set, b.strength, true);
  }
}

// The base pass and a profile pass that inherits a binding meet the same element with the same
// value set; the finding is the same, so it is made once. A cached answer's address stands for
// (value set, system, code); an answer that did not fit the cache is reported every time.
bool Walker::FirstBindingFinding(const model::Element& e, const CodeCheck* answer,
                                 const CodeCheck* scratch, BindingStrength strength,
                                 bool additional) {
  if (answer == scratch) return true;
  uint32_t tag = 0x80000000u | (static_cast<uint32_t>(strength) << 1) | (additional ? 1u : 0u);
  return done_.Insert(&e, answer, tag);
}

void Walker::CheckBindingTo(const model::Element& e, const std::string& value_set,
                            BindingStrength strength, bool additional) {
  const std::string& type = e.type()->name;
  CodeCheck scratch;
  const CodeCheck* found = nullptr;
  std::string_view shown_code;
  std::vector<CodeAndSystem> codings;  // a CodeableConcept's
  if (e.is_primitive()) {
    if (!e.has_value()) return;
    if (type != "code" && type != "string" && type != "uri") return;
    found = &v_.CheckCode(value_set, {}, e.value(), &scratch);
    shown_code = e.value();
  } else if (type == "Coding") {
    std::string_view code = ChildValue(e, "code");
    if (code.empty()) return;
    found = &v_.CheckCode(value_set, ChildValue(e, "system"), code, &scratch);
    shown_code = code;
  } else if (type == "Quantity" || e.type()->IsA("Quantity")) {
    std::string_view code = ChildValue(e, "code");
    if (code.empty()) return;
    found = &v_.CheckCode(value_set, ChildValue(e, "system"), code, &scratch);
    shown_code = code;
  } else if (type == "CodeableConcept") {
    for (const model::Element* c : e.Children("coding")) AppendCoding(*c, &codings);
    if (codings.empty()) return;  // text only: nothing to check
    found = &v_.CheckCodeableConcept(value_set, codings, &scratch);
  } else {
    return;
  }
  const CodeCheck& check = *found;
  if (check.validity == Validity::kValid ||
      !FirstBindingFinding(e, found, &scratch, strength, additional)) {
    return;
  }
  if (!codings.empty() && check.validity == Validity::kInvalid) {
    std::string codes;
    for (const auto& c : codings) {
      if (!codes.empty()) codes += ", ";
      codes.append(c.system).append("#").append(c.code);
    }
    bool required = strength == BindingStrength::kRequired && !check.meant_extensible;
    Report(required ? Severity::kError : Severity::kWarning, IssueType::kCodeInvalid,
           required ? "BINDING_REQUIRED" : "BINDING_EXTENSIBLE",
           "none of the codes (" + codes + ") is in the value set " + value_set + ", which has a " +
               StrengthName(strength) + " binding" +
               (additional ? " (an additional binding)" : "") + ExtensibleNote(check),
           e);
    return;
  }
  switch (check.validity) {
    case Validity::kValid:
      return;
    case Validity::kInvalid: {
      bool required = strength == BindingStrength::kRequired && !check.meant_extensible;
      Report(required ? Severity::kError : Severity::kWarning, IssueType::kCodeInvalid,
             required ? "BINDING_REQUIRED" : "BINDING_EXTENSIBLE",
             "the code '" + std::string(shown_code) + "' is not in the value set " + value_set +
                 ", which has a " + StrengthName(strength) + " binding" +
                 (additional ? " (an additional binding)" : "") + ExtensibleNote(check),
             e);
      return;
    }
    case Validity::kUnknownSystem:
      Report(Severity::kInformation, IssueType::kInformational, "BINDING_SYSTEM_NOT_CHECKED",
             "the code could not be checked against " + value_set +
                 ": its code system is not available offline",
             e);
      return;
    default:
      Report(Severity::kWarning, IssueType::kNotSupported, "BINDING_NOT_CHECKED",
             "the code could not be checked against " + value_set + ": " + check.message, e);
      return;
  }
}

namespace {

// "Patient/123", "Patient/123/_history/2", "http://x/fhir/Patient/123": the resource type
// named in a reference, or "" when it names none.
std::string_view TypeInReference(std::string_view ref, const model::TypeModel& model) {
  size_t history = ref.find("/_history/");
  if (history != std::string_view::npos) ref = ref.substr(0, history);
  size_t last = ref.rfind('/');
  if (last == std::string_view::npos || last == 0) return {};
  size_t prev = ref.rfind('/', last - 1);
  std::string_view type = ref.substr(prev == std::string_view::npos ? 0 : prev + 1,
                                     last - (prev == std::string_view::npos ? 0 : prev + 1));
  return model.FindResource(type) != nullptr ? type : std::string_view();
}

bool IsIdText(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.';
  });
}

}  // namespace

// ElementDefinition.type.targetProfile: "If any profiles are specified, then the content must
// conform to at least one of them". Judged where the target is at hand (contained, or in the
// Bundle); a target of another type is REFERENCE_TARGET_TYPE's business, and the definition of
// the target's own type asks nothing more of it than its base pass did.
void Walker::CheckTargetProfiles(const model::Element& reference, const model::Element& target,
                                 const TypeRule& rule) {
  if (rule.target_profiles.empty() || nested_) return;
  constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
  std::vector<const CompiledProfile*> candidates;
  for (const std::string& url : rule.target_profiles) {
    std::string_view canonical = url;
    canonical = canonical.substr(0, canonical.find('|'));
    if (canonical.rfind(kCore, 0) == 0 && target.type()->IsA(canonical.substr(kCore.size()))) {
      return;  // the target's own type (or a base of it)
    }
    auto profile = Profile(url);
    if (!profile.ok() || (*profile)->model_type == nullptr) continue;  // cannot be judged
    if (!target.type()->IsA((*profile)->model_type)) continue;
    if (&(*profile)->root() == v_.TypeRoot(target.type())) return;
    candidates.push_back(*profile);
  }
  if (candidates.empty()) return;
  // A target that declares one of them is validated against it where it is, and its findings
  // are reported there.
  if (const model::Element* meta = target.Child("meta")) {
    for (const model::Element* declared : meta->Children("profile")) {
      if (!declared->has_value()) continue;
      for (const CompiledProfile* p : candidates) {
        if (declared->value() == p->url) return;
      }
    }
  }
  for (const CompiledProfile* p : candidates) {
    // Many references may lead to one target: each (target, profile) is judged once a walk.
    auto known = std::find_if(
        target_conformance_.begin(), target_conformance_.end(),
        [&](const TargetConformance& c) { return c.target == &target && c.profile == p; });
    bool conforms =
        known != target_conformance_.end() ? known->conforms : ConformsTo(target, p->root());
    if (known == target_conformance_.end()) target_conformance_.push_back({&target, p, conforms});
    if (conforms) return;
  }
  std::string names;
  for (const CompiledProfile* p : candidates) names += (names.empty() ? "" : ", ") + p->url;
  Report(Severity::kError, IssueType::kStructure, "REFERENCE_TARGET_PROFILE",
         "the " + target.type()->name + " this refers to conforms to none of the profiles " +
             "allowed here: " + names,
         reference);
}

const model::Element* Container(const model::Element& e) {
  const model::Element* r = ContainingResource(e);
  while (r != nullptr && r->parent() != nullptr && r->definition() != nullptr &&
         r->definition()->name == "contained") {
    r = ContainingResource(*r->parent());
  }
  return r;
}

void Walker::CheckReference(const model::Element& e, const TypeRule* rule) {
  std::string_view ref = ChildValue(e, "reference");
  if (ref.empty()) return;
  const model::Element* reference_element = e.Child("reference");
  const model::TypeModel& model = v_.model();
  std::string_view target_type;
  const model::Element* target = nullptr;
  if (ref[0] == '#') {
    const model::Element* container = Container(e);
    if (ref.size() == 1) {
      target = container;
    } else if (container != nullptr) {
      for (const model::Element* c : container->Children("contained")) {
        if (ChildValue(*c, "id") == ref.substr(1)) target = c;
      }
    }
    if (target == nullptr) {
      Report(Severity::kError, IssueType::kStructure, "REFERENCE_CONTAINED_NOT_FOUND",
             "the reference '" + std::string(ref) + "' names no contained resource",
             *reference_element);
      return;
    }
    target_type = target->type()->name;
  } else {
    bool absolute = ref.find("://") != std::string_view::npos || ref.rfind("urn:", 0) == 0;
    bool in_bundle = false;
    target = ResolveInBundle(e, ref, &in_bundle);
    if (target != nullptr) {
      target_type = target->type()->name;
    } else if (!absolute) {
      if (ref.find('?') != std::string_view::npos) return;  // a conditional reference
      std::string_view path = ref;
      size_t history = path.find("/_history/");
      if (history != std::string_view::npos) path = path.substr(0, history);
      size_t slash = path.find('/');
      std::string_view type = slash == std::string_view::npos ? path : path.substr(0, slash);
      std::string_view id =
          slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
      if (model.FindResource(type) == nullptr || !IsIdText(id)) {
        Report(Severity::kError, IssueType::kStructure, "REFERENCE_FORMAT",
               "'" + std::string(ref.substr(0, 80)) +
                   "' is not a valid reference (expected Type/id, an absolute URL or #id)",
               *reference_element);
        return;
      }
      target_type = type;
    } else {
      target_type = TypeInReference(ref, model);
    }
    if (target == nullptr && !bundles_.empty() && bundles_.back()->type == "document" &&
        EntryOf(e) != nullptr) {
      Report(Severity::kError, IssueType::kNotFound, "REFERENCE_NOT_IN_DOCUMENT",
             "the reference '" + std::string(ref.substr(0, 80)) +
                 "' cannot be resolved inside the document Bundle",
             e);
    }
  }
  std::string_view declared = ChildValue(e, "type");
  if (!declared.empty() && !target_type.empty() && declared != target_type) {
    Report(Severity::kError, IssueType::kStructure, "REFERENCE_TYPE_MISMATCH",
           "the reference says its type is " + std::string(declared) + " but it refers to a " +
               std::string(target_type),
           e);
  }
  if (target_type.empty() && !declared.empty()) target_type = declared;
  if (target != nullptr && rule != nullptr) CheckTargetProfiles(e, *target, *rule);
  if (rule == nullptr || rule->target_types.empty() || target_type.empty()) return;
  const model::TypeDef* actual = model.FindResource(target_type);
  if (actual == nullptr) return;
  for (const std::string& allowed : rule->target_types) {
    if (actual->IsA(allowed)) return;
  }
  std::string allowed_list;
  for (const std::string& t : rule->target_types) {
    allowed_list += (allowed_list.empty() ? "" : ", ") + t;
  }
  Report(Severity::kError, IssueType::kStructure, "REFERENCE_TARGET_TYPE",
         "the reference refers to a " + std::string(target_type) + ", but only " + allowed_list +
             " is allowed here",
         e);
}

}  // namespace silta::validation::internal
