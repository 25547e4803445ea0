// Extensions against their definitions: known or not, context, modifier or not, value.
#include <string>

#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

// A tag for DoneSet keys of extension-definition checks.
constexpr char kExtensionCheck = 0;

bool IsAbsoluteUrl(std::string_view url) {
  return url.find("://") != std::string_view::npos || url.rfind("urn:", 0) == 0;
}

}  // namespace

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
