// Rules on conformance resources themselves: what a StructureDefinition's differential says must
// make sense for the types it constrains (R4 profiling.html).
#include <algorithm>
#include <string>
#include <vector>

#include "fhirpath/fhirpath.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

// The type of the element at `path` ("AuditEvent.agent.extension" → Extension), or null when
// the path names no element or an element of several types that the differential element does
// not narrow to one.
const model::TypeDef* TypeAtPath(const model::TypeModel& model, std::string_view path,
                                 const model::Element* element_definition) {
  // A differential element that narrows its types to one names the type itself.
  if (element_definition != nullptr) {
    std::span<const model::Element* const> types = element_definition->Children("type");
    if (types.size() == 1) {
      std::string_view code = ChildValue(*types[0], "code");
      if (const model::TypeDef* t = model.Find(code)) return t;
    }
  }
  size_t dot = path.find('.');
  const model::TypeDef* type = model.Find(path.substr(0, dot));
  while (type != nullptr && dot != std::string_view::npos) {
    size_t next = path.find('.', dot + 1);
    std::string_view name =
        path.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1);
    if (name.size() > 3 && name.substr(name.size() - 3) == "[x]") name.remove_suffix(3);
    const model::ElementDef* element = type->FindElement(name);
    if (element == nullptr || element->types.size() != 1) return nullptr;
    type = element->types[0];
    dot = next;
  }
  return type;
}

// The kinds of element a binding can constrain (R4 eld-11's text; its FHIRPath, a select() of
// booleans followed by exists(), holds for any typed element and so cannot be run as written).
bool Bindable(std::string_view type) {
  return type == "code" || type == "Coding" || type == "CodeableConcept" || type == "Quantity" ||
         type == "string" || type == "uri";
}

}  // namespace

// R4 ElementDefinition eld-11: "Binding can only be present for coded elements, string, and uri".
// The types are the element's own, or those of the element in the base type when it names none.
void Walker::CheckBindingsBindable(const model::Element& sd) {
  for (std::string_view view : {"differential", "snapshot"}) {
    const model::Element* elements = sd.Child(view);
    if (elements == nullptr) continue;
    for (const model::Element* element : elements->Children("element")) {
      if (element->Child("binding") == nullptr) continue;
      std::vector<std::string_view> types;
      for (const model::Element* type : element->Children("type")) {
        types.push_back(ChildValue(*type, "code"));
      }
      if (types.empty()) {
        std::string_view path = ChildValue(*element, "path");
        size_t dot = path.find('.');
        if (dot == std::string_view::npos) continue;
        // The element of the base type: its one type, or every choice of a [x] element.
        std::string parent(path.substr(0, path.rfind('.')));
        const model::TypeDef* owner = TypeAtPath(v_.model(), parent, nullptr);
        std::string_view name = path.substr(path.rfind('.') + 1);
        if (name.size() > 3 && name.substr(name.size() - 3) == "[x]") name.remove_suffix(3);
        const model::ElementDef* def = owner != nullptr ? owner->FindElement(name) : nullptr;
        if (def == nullptr) continue;
        for (const model::TypeDef* t : def->types) types.push_back(t->name);
      }
      if (types.empty() || std::any_of(types.begin(), types.end(), Bindable)) continue;
      std::string listed;
      for (std::string_view t : types) listed += (listed.empty() ? "" : ", ") + std::string(t);
      Report(Severity::kError, IssueType::kInvalid, "PROFILE_BINDING_NOT_BINDABLE",
             "this element has a binding, but bindings are only for coded elements, string and "
             "uri (eld-11), and its types are " +
                 listed,
             *element);
    }
  }
}

// R4 profiling.html, discriminators: the path "is a FHIRPath expression ... evaluated relative to
// the element being sliced" and names what tells the slices apart; a path that names nothing in
// the sliced element's type cannot tell anything apart. Paths through resolve() leave the
// element's type and are not judged here.
void Walker::CheckDiscriminatorPaths(const model::Element& sd) {
  const model::Element* differential = sd.Child("differential");
  if (differential == nullptr) return;
  for (const model::Element* element : differential->Children("element")) {
    const model::Element* slicing = element->Child("slicing");
    if (slicing == nullptr) continue;
    std::string_view path = ChildValue(*element, "path");
    const model::TypeDef* type = nullptr;
    bool looked_up = false;
    for (const model::Element* discriminator : slicing->Children("discriminator")) {
      std::string_view expression = ChildValue(*discriminator, "path");
      if (expression.empty() || expression == "$this" ||
          expression.find("resolve()") != std::string_view::npos) {
        continue;
      }
      if (!looked_up) {
        type = TypeAtPath(v_.model(), path, element);
        looked_up = true;
      }
      if (type == nullptr) break;
      fhirpath::CompileOptions options{
          .model = v_.shared_model(), .context_type = type->name, .strict = true};
      auto compiled = fhirpath::CompiledExpression::Compile(expression, options);
      if (compiled.ok()) continue;
      Report(Severity::kError, IssueType::kInvalid, "PROFILE_DISCRIMINATOR_PATH",
             "the discriminator path '" + std::string(expression.substr(0, 120)) +
                 "' names nothing in " + type->name + ", the type of the sliced element " +
                 std::string(path),
             *discriminator);
    }
  }
}

// R4 CodeSystem.concept.property.code: "A code that is a reference to CodeSystem.property.code",
// and CodeSystem.property.type is "The type of the property value". A concept's property must
// name a property the code system declares, with a value of the declared type. A supplement's
// properties may be declared by the code system it supplements, so supplements are not judged.
void Walker::CheckCodeSystemProperties(const model::Element& code_system) {
  if (ChildValue(code_system, "content") == "supplement") return;
  StringMap<std::string_view> declared;  // property code -> type
  for (const model::Element* property : code_system.Children("property")) {
    declared.try_emplace(std::string(ChildValue(*property, "code")), ChildValue(*property, "type"));
  }
  std::vector<const model::Element*> concepts;
  for (const model::Element* c : code_system.Children("concept")) concepts.push_back(c);
  while (!concepts.empty()) {
    const model::Element* concept_element = concepts.back();
    concepts.pop_back();
    for (const model::Element* c : concept_element->Children("concept")) concepts.push_back(c);
    for (const model::Element* property : concept_element->Children("property")) {
      const model::Element* code = property->Child("code");
      if (code == nullptr) continue;
      std::string_view name = ChildValue(*property, "code");
      auto it = declared.find(name);
      if (it == declared.end()) {
        Report(Severity::kError, IssueType::kInvalid, "CODESYSTEM_PROPERTY_UNDEFINED",
               "the property '" + std::string(name.substr(0, 80)) +
                   "' is not declared in CodeSystem.property, which concept properties refer to",
               *code);
        continue;
      }
      const model::Element* value = property->Child("value");
      if (value == nullptr || it->second.empty()) continue;
      if (value->type()->name != it->second) {
        Report(Severity::kError, IssueType::kInvalid, "CODESYSTEM_PROPERTY_WRONG_TYPE",
               "the property '" + std::string(name.substr(0, 80)) + "' is declared of type " +
                   std::string(it->second) + ", but this value is of type " + value->type()->name,
               *value);
      }
    }
  }
}

// R4 ElementDefinition.constraint.expression: "A FHIRPath expression of constraint that can be
// executed to see if this constraint is met." An expression that is not FHIRPath (it does not
// parse, or calls a function FHIRPath does not have) cannot be executed by anyone. Only the syntax
// is judged: names are not checked against the element's type, since a profile's expressions may
// reach into the resource (%resource) or into types a slice or choice narrows to.
void Walker::CheckConstraintExpressions(const model::Element& sd) {
  for (std::string_view view : {"differential", "snapshot"}) {
    const model::Element* elements = sd.Child(view);
    if (elements == nullptr) continue;
    for (const model::Element* element : elements->Children("element")) {
      for (const model::Element* constraint : element->Children("constraint")) {
        const model::Element* expression = constraint->Child("expression");
        if (expression == nullptr) continue;
        std::string_view text = ChildValue(*constraint, "expression");
        if (text.empty()) continue;
        fhirpath::CompileOptions options{
            .model = v_.shared_model(), .context_type = {}, .strict = false};
        auto compiled = fhirpath::CompiledExpression::Compile(text, options);
        if (compiled.ok()) continue;
        Report(Severity::kError, IssueType::kInvalid, "PROFILE_CONSTRAINT_EXPRESSION",
               "the expression of constraint '" + std::string(ChildValue(*constraint, "key")) +
                   "' is not valid FHIRPath: " + std::string(compiled.status().message()),
               *expression);
      }
    }
  }
}

// R4 ElementDefinition.type.profile: "Identifies a profile structure or implementation Guide that
// applies to the datatype this element refers to. If any profiles are specified, then the content
// must conform to at least one of them." A profile of another type (a HumanName profile on an
// Identifier) can never be conformed to. Profiles that cannot be found are left to the instance
// validation that meets them; type codes the model does not know (logical models) are not judged.
//
// A constraint "cannot break the rules established in the base" (R4 profiling.html): a Reference or
// canonical whose base element names its targets (targetProfile: "the target of the reference ...
// must conform to at least one of them") can only keep or narrow them, so each targetProfile of
// the constraint must be of a type the base element allows (PROFILE_TARGET_NOT_IN_BASE).
void Walker::CheckTypeProfiles(const model::Element& sd) {
  const model::Element* elements = sd.Child("differential");
  if (elements == nullptr) elements = sd.Child("snapshot");
  if (elements == nullptr) return;
  const CompiledProfile* base = nullptr;
  if (ChildValue(sd, "derivation") == "constraint") {
    std::string_view base_url = ChildValue(sd, "baseDefinition");
    if (!base_url.empty()) {
      if (auto found = Profile(base_url); found.ok()) base = *found;
    }
  }
  for (const model::Element* element : elements->Children("element")) {
    const ElementPlan* base_element = nullptr;
    if (base != nullptr) {
      auto it = base->by_path.find(ChildValue(*element, "path"));
      if (it != base->by_path.end()) base_element = it->second;
    }
    for (const model::Element* type : element->Children("type")) {
      std::string_view code_name = ChildValue(*type, "code");
      if (base_element != nullptr) CheckTargetsInBase(*type, code_name, *base_element);
      const model::TypeDef* code = v_.model().Find(code_name);
      if (code == nullptr) continue;
      for (const model::Element* profile : type->Children("profile")) {
        std::string_view url = profile->value();
        if (url.empty()) continue;
        auto found = Profile(url);
        if (!found.ok() || *found == nullptr || (*found)->model_type == nullptr) continue;
        if ((*found)->model_type->IsA(code)) continue;
        Report(Severity::kError, IssueType::kInvalid, "PROFILE_TYPE_PROFILE_WRONG_TYPE",
               "the profile " + std::string(url.substr(0, 120)) + " constrains " +
                   (*found)->model_type->name + ", not " + code->name +
                   ", the type it is given for",
               *profile);
      }
    }
  }
}

void Walker::CheckTargetsInBase(const model::Element& type, std::string_view code,
                                const ElementPlan& base_element) {
  if (code != "Reference" && code != "canonical") return;
  const TypeRule* base_rule = nullptr;
  for (const TypeRule& rule : base_element.types) {
    if (rule.code == code) base_rule = &rule;
  }
  if (base_rule == nullptr || base_rule->target_types.empty()) return;
  for (const std::string& allowed : base_rule->target_types) {
    if (allowed == "Resource" || allowed == "DomainResource") return;
  }
  for (const model::Element* target : type.Children("targetProfile")) {
    std::string_view url = target->value();
    if (url.empty()) continue;
    auto found = Profile(url);
    if (!found.ok() || *found == nullptr || (*found)->model_type == nullptr) continue;
    const model::TypeDef* target_type = (*found)->model_type;
    bool allowed = false;
    for (const std::string& name : base_rule->target_types)
      allowed = allowed || target_type->IsA(name);
    if (allowed) continue;
    std::string listed;
    for (const std::string& name : base_rule->target_types) {
      listed += (listed.empty() ? "" : ", ") + name;
    }
    Report(Severity::kError, IssueType::kInvalid, "PROFILE_TARGET_NOT_IN_BASE",
           "the target profile " + std::string(url.substr(0, 120)) + " is for " +
               target_type->name + ", which the base does not allow here (it allows " + listed +
               ")",
           *target);
  }
}

}  // namespace silta::validation::internal
