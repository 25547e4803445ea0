// Extensions against their definitions: known or not, context, modifier or not, value.
#include <cctype>
#include <string>

#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

// A tag for DoneSet keys of extension-definition checks.
constexpr char kExtensionCheck = 0;

bool IsAbsoluteUrl(std::string_view url) {
  return url.find("://") != std::string_view::npos || url.rfind("urn:", 0) == 0;
}

// The canonical without its "|version".
std::string_view Unversioned(std::string_view canonical) {
  return canonical.substr(0, canonical.find('|'));
}

// An ElementDefinition.id without its slice names: "Patient.identifier:mrn.system" is an
// element of path "Patient.identifier.system".
std::string PathOfId(std::string_view id) {
  std::string path;
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == ':') {
      while (i < id.size() && id[i] != '.') ++i;
      if (i == id.size()) break;
    }
    path += id[i];
  }
  return path;
}

// The element's path from its resource ("Patient.contact.name"), or from its datatype root when
// it is in no resource.
std::string InstancePath(const model::Element& e) {
  const model::Element* resource = ContainingResource(e);
  std::string path;
  for (const model::Element* p = &e; p != nullptr && p != resource; p = p->parent()) {
    path.insert(0, std::string(p->name()) + (path.empty() ? "" : "."));
  }
  if (resource != nullptr) {
    path.insert(0, resource->type()->name + (path.empty() ? "" : "."));
  }
  return path;
}

// Context type "element" (R4 extension-context-type): "any element that has an
// ElementDefinition.id that matches that found in the expression. This includes ElementDefinition
// Ids that have slicing identifiers. The full path for the element is [url]#[elementid]. If there
// is no #, the Element id is one defined in the base specification."
bool ElementContextAllows(std::string_view expression, const model::Element& parent) {
  size_t hash = expression.find('#');
  if (hash != std::string_view::npos) expression = expression.substr(hash + 1);
  // Most contexts name no slice: no copy is made for them.
  std::string unsliced;
  if (expression.find(':') != std::string_view::npos) unsliced = PathOfId(expression);
  std::string_view want = unsliced.empty() ? expression : std::string_view(unsliced);
  const model::TypeDef* parent_type = parent.type();
  std::string_view parent_path;
  if (parent.definition() != nullptr) parent_path = parent.definition()->path;
  // A type name: every element of that type (or of a type derived from it).
  if (want == "Element" || want == "Base" || parent_type->IsA(want) || want == parent_path) {
    return true;
  }
  // R4's own definitions put extensions defined for a child on its parent
  // (structuredefinition-fhir-type for ElementDefinition.type.code sits on
  // ElementDefinition.type); the reference validator accepts that, and so do we.
  if (!parent_path.empty() && want.size() > parent_path.size() &&
      want.substr(0, parent_path.size()) == parent_path && want[parent_path.size()] == '.') {
    return true;
  }
  // "Patient.name" on a HumanName inside a Patient, "Patient.contact.name" and the like: the
  // element's path in its resource, the resource type matched by inheritance.
  size_t dot = want.find('.');
  if (dot == std::string_view::npos || parent.definition() == nullptr) return false;
  const model::Element* resource = ContainingResource(parent);
  if (resource == nullptr || !resource->type()->IsA(want.substr(0, dot))) return false;
  std::string actual = InstancePath(parent);
  return actual.size() > resource->type()->name.size() &&
         std::string_view(actual).substr(resource->type()->name.size() + 1) == want.substr(dot + 1);
}

// A FHIRPath context written as a plain element path ("Patient.name", "CodeableConcept") means
// the same as an element context; anything else is run from the containing resource.
bool IsPlainPath(std::string_view expression) {
  if (expression.empty()) return false;
  for (char c : expression) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_') return false;
  }
  return true;
}

bool ContextAllows(const CompiledProfile& def, const model::Element& parent) {
  for (const CompiledProfile::ExtensionContext& c : def.contexts) {
    std::string_view expr = c.expression;
    if (c.type == "extension") {
      // "a particular extension ...: the expression is just a uri that identifies the
      // extension": on that extension, or on its value.
      const model::Element* owner = &parent;
      if (owner->type()->name != "Extension" && owner->parent() != nullptr) owner = owner->parent();
      if (owner->type()->name == "Extension" &&
          Unversioned(ChildValue(*owner, "url")) == Unversioned(expr)) {
        return true;
      }
      continue;
    }
    if (c.type == "fhirpath") {
      // "all elements that match the FHIRPath query found in the expression".
      if (IsPlainPath(expr) && ElementContextAllows(expr, parent)) return true;
      const model::Element* resource = ContainingResource(parent);
      if (c.compiled == nullptr || resource == nullptr) return true;  // cannot be judged
      auto selected = fhirpath::Evaluate(*c.compiled, resource);
      if (!selected.ok()) return true;
      for (const fhirpath::Value& item : *selected) {
        if (item.is_element() && item.element() == &parent) return true;
      }
      continue;
    }
    if (ElementContextAllows(expr, parent)) return true;
  }
  return false;
}

}  // namespace

// A relative url names a part of a complex extension: only the definition of the extension it is
// in gives it a meaning (R4 extensibility.html, complex extensions: "the url of the nested
// extensions is relative to the complex extension"; Extension.url: "The definition SHALL be a URI
// for the Structure Definition defining the extension").
void Walker::CheckSubExtensionUrl(const model::Element& extension, const model::Element& parent,
                                  std::string_view url) {
  if (parent.type()->name != "Extension") {
    Report(Severity::kError, IssueType::kStructure, "EXTENSION_URL_NOT_ABSOLUTE",
           "the extension url '" + std::string(url.substr(0, 120)) +
               "' is relative, but only the parts of a complex extension have relative urls; "
               "elsewhere it must be the absolute url of the extension's definition",
           extension);
    return;
  }
  std::string_view parent_url = ChildValue(parent, "url");
  if (!IsAbsoluteUrl(parent_url)) return;  // a part of a part: its own parent answers for it
  auto profile = Profile(parent_url);
  if (!profile.ok() || (*profile)->type != "Extension") return;  // reported on the parent
  const ElementPlan* parts = (*profile)->root().Child("extension");
  if (parts == nullptr || parts->slices.empty()) return;  // nothing defined: cardinality says
  for (const ElementPlan* slice : parts->slices) {
    const ElementPlan* slice_url = slice->Child("url");
    if (slice_url == nullptr || slice_url->fixed == nullptr || !slice_url->fixed->IsString()) {
      return;  // a part known only by other means: cannot be judged
    }
    if (std::string_view(slice_url->fixed->GetString(), slice_url->fixed->GetStringLength()) ==
        url) {
      return;
    }
  }
  Report(Severity::kError, IssueType::kStructure, "EXTENSION_SUBEXTENSION_UNKNOWN",
         "the complex extension " + std::string(parent_url) + " defines no part '" +
             std::string(url.substr(0, 120)) + "'",
         extension);
}

void Walker::CheckExtensionDefinition(const model::Element& extension, const model::Element& parent,
                                      bool is_modifier) {
  std::string_view url = ChildValue(extension, "url");
  if (url.empty()) return;
  // Its findings depend on the extension alone (its parent and kind are fixed by where it is).
  if (!done_.Insert(&extension, &kExtensionCheck, UINT32_MAX)) return;
  if (!IsAbsoluteUrl(url)) {
    CheckSubExtensionUrl(extension, parent, url);
    return;
  }
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
  // Context: where the definition allows the extension (R4 StructureDefinition.context).
  if (!def.contexts.empty() && !ContextAllows(def, parent)) {
    std::string parent_path =
        parent.definition() != nullptr ? parent.definition()->path : parent.type()->name;
    Report(Severity::kError, IssueType::kStructure, "EXTENSION_CONTEXT",
           "extension " + std::string(url) + " is not allowed on " + parent_path, parent);
  }
  // R4 StructureDefinition.contextInvariant: "All the rules must be true. ... the FHIRPath
  // focus is the element that holds the extension, and %extension refers to the extension".
  for (const CompiledProfile::ContextInvariant& rule : def.context_invariants) {
    if (rule.compiled == nullptr) continue;
    fhirpath::EvaluationContext context;
    context.variables.emplace_back("extension", fhirpath::ValueList{});
    context.variables.back().second.push_back(fhirpath::Value::Node(&extension));
    auto result = fhirpath::Evaluate(*rule.compiled, &parent, context);
    // As for any invariant: an expression that cannot run on this data is not a finding.
    if (!result.ok() || result->size() != 1) continue;
    const fhirpath::Value& answer = (*result)[0];
    if (answer.type() != fhirpath::ValueType::kBoolean || answer.boolean()) continue;
    Report(Severity::kError, IssueType::kInvariant, "EXTENSION_CONTEXT_INVARIANT",
           "extension " + std::string(url) + " is not allowed here: its context invariant '" +
               rule.expression + "' is false",
           parent);
  }
  ValidateElement(extension, def.root());
}

}  // namespace silta::validation::internal
