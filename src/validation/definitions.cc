// Rules on conformance resources themselves: what a StructureDefinition's differential says must
// make sense for the types it constrains (R4 profiling.html).
#include <string>

#include "fhirpath/fhirpath.h"
#include "validation/impl.h"

namespace silta::validation::internal {

namespace {

// The type of the element at `path` ("AuditEvent.agent.extension" → Extension), or null when
// the path names no element or an element of several types that the differential element does
// not narrow to one.
const model::TypeDef* TypeAtPath(const model::TypeModel& model, std::string_view path,
                                 const model::Element& element_definition) {
  // A differential element that narrows its types to one names the type itself.
  std::span<const model::Element* const> types = element_definition.Children("type");
  if (types.size() == 1) {
    std::string_view code = ChildValue(*types[0], "code");
    if (const model::TypeDef* t = model.Find(code)) return t;
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

}  // namespace

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
        type = TypeAtPath(v_.model(), path, *element);
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

}  // namespace silta::validation::internal
