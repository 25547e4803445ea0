// Internal: validation plans. A StructureDefinition snapshot compiled into a tree of ElementPlans
// whose children are indexed by the model's element order, so the validator walks an instance
// and its plan side by side without string lookups. Immutable once built.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "base/string_map.h"
#include "fhirpath/fhirpath.h"
#include "model/type_model.h"

namespace silta::validation::internal {

enum class NativeConstraint : uint8_t { kNone, kEle1, kExt1, kDom3, kSkip };

struct NativeInvariant;  // invariants.h

struct Constraint {
  std::string key;
  size_t key_hash = 0;  // of `key`: constraints are told apart by key on every element
  Severity severity = Severity::kError;
  bool best_practice = false;
  std::string human;
  std::string expression;
  NativeConstraint native = NativeConstraint::kNone;
  std::string skip_reason;  // why it is not evaluated (native == kSkip)
  std::shared_ptr<const fhirpath::CompiledExpression> compiled;
  const NativeInvariant* fast = nullptr;  // its native answer, only with `compiled`
};

struct TypeRule {
  std::string code;                      // "Reference", "Quantity", "string"...
  const model::TypeDef* type = nullptr;  // null when the model does not know the code
  std::vector<std::string> profiles;
  std::vector<std::string> target_profiles;
  std::vector<std::string> target_types;  // resource type names of target_profiles
};

enum class BindingStrength : uint8_t { kRequired, kExtensible, kPreferred, kExample };

struct Discriminator {
  enum class Kind : uint8_t { kValue, kPattern, kType, kProfile, kExists, kPosition };
  Kind kind = Kind::kValue;
  std::string path;
  std::shared_ptr<const fhirpath::CompiledExpression> compiled;  // null for "$this"
};

enum class SlicingRules : uint8_t { kOpen, kClosed, kOpenAtEnd };

struct ElementPlan;

// The plan node and, below it, the JSON value a discriminator path leads to in a slice.
struct Expected {
  const ElementPlan* node = nullptr;
  const rapidjson::Value* value = nullptr;
  std::string_view profile_url;  // an extension slice known only by its type profile
};

struct Slicing {
  std::vector<Discriminator> discriminators;
  bool ordered = false;
  SlicingRules rules = SlicingRules::kOpen;
  // What slice s expects at discriminator d, at [s * discriminators.size() + d]: it depends on
  // the plan alone, so it is worked out once when the profile is compiled.
  std::vector<Expected> expected;
};

struct ElementPlan {
  std::string id;    // "Patient.identifier:mrn.system"
  std::string path;  // "Patient.identifier.system"
  std::string slice_name;
  const model::ElementDef* element_def = nullptr;  // in the parent's child_type; null for roots
  uint32_t min = 0;
  uint32_t max = model::kUnbounded;
  bool is_modifier = false;
  std::vector<TypeRule> types;  // empty: no restriction known
  const rapidjson::Value* fixed = nullptr;
  const rapidjson::Value* pattern = nullptr;
  BindingStrength binding_strength = BindingStrength::kExample;
  std::string value_set;  // empty: no binding
  // R5 additional bindings (as the cross-version extension) that can be checked without a
  // usage context: purpose "required"/"maximum" (kRequired) and "extensible"/"current".
  struct AdditionalBinding {
    std::string value_set;
    BindingStrength strength = BindingStrength::kRequired;
  };
  std::vector<AdditionalBinding> additional_bindings;
  uint32_t max_length = 0;
  uint32_t min_length = 0;       // the minLength extension
  bool must_have_value = false;  // the R5 mustHaveValue (as an R4 extension)
  // The R5 valueAlternatives: extensions that may stand in for a missing value.
  std::vector<std::string> value_alternatives;
  // The narrative-language-control extension on a Narrative: "_no", "_yes", "_resource" or
  // language codes the narrative must have sections (lang-tagged child divs) for.
  std::vector<std::string> narrative_language_control;
  const rapidjson::Value* min_value = nullptr;  // minValue[x] / maxValue[x]
  const rapidjson::Value* max_value = nullptr;
  std::vector<const Constraint*> constraints;
  std::string content_reference;                  // "#Questionnaire.item"
  const ElementPlan* reference_target = nullptr;  // the element content_reference names

  // Children constrained by the profile, for instances of `child_type`. Indexed by
  // model::ElementDef::order of child_type's elements; null where the snapshot has nothing.
  const model::TypeDef* child_type = nullptr;
  std::vector<ElementPlan*> child_slots;
  std::vector<ElementPlan*> children;  // in definition order
  // The children that must be present (min > 0, or a slice with min > 0), in definition order:
  // the walker visits the children an instance has and asks only these about the others.
  std::vector<const ElementPlan*> required_children;

  std::unique_ptr<Slicing> slicing;
  std::vector<ElementPlan*> slices;  // in definition order

  // A plan of the base definition that checks an element exactly as this one does (a profile
  // element the profile left as it was): the walker does the work of both once.
  const ElementPlan* same_as = nullptr;

  bool has_children() const { return !children.empty(); }
  const ElementPlan* Child(std::string_view name) const;
};

// One compiled StructureDefinition.
struct CompiledProfile {
  std::string url;
  std::string version;
  std::string name;
  std::string kind;  // resource, complex-type, primitive-type, logical
  std::string type;  // the constrained type: "Patient", "Extension"
  const model::TypeDef* model_type = nullptr;
  std::vector<std::unique_ptr<ElementPlan>> elements;  // [0] is the root
  StringMap<ElementPlan*> by_path;                     // unsliced elements by path
  rapidjson::Document values;                          // owns fixed/pattern values
  // For extension definitions: where the extension may be used.
  struct ExtensionContext {
    std::string type;  // element, extension, fhirpath
    std::string expression;
    std::shared_ptr<const fhirpath::CompiledExpression> compiled;  // type fhirpath only
  };
  std::vector<ExtensionContext> contexts;
  // StructureDefinition.contextInvariant: FHIRPath rules on the element holding the extension
  // (%extension is the extension); null `compiled` when the expression does not compile.
  struct ContextInvariant {
    std::string expression;
    std::shared_ptr<const fhirpath::CompiledExpression> compiled;
  };
  std::vector<ContextInvariant> context_invariants;

  const ElementPlan& root() const { return *elements[0]; }
};

// Compiled constraints shared between profiles: the same invariant sits on the base definition
// and on every profile of it. Not thread-safe; the validator compiles under one lock.
class ConstraintCache {
 public:
  explicit ConstraintCache(std::shared_ptr<const model::TypeModel> model)
      : model_(std::move(model)) {}
  // A slicing discriminator path compiled for `context_type`; null when it does not compile.
  std::shared_ptr<const fhirpath::CompiledExpression> CompilePath(std::string_view context_type,
                                                                  std::string_view path);
  const Constraint* Get(std::string_view context_type, std::string_view key,
                        std::string_view expression, Severity severity, bool best_practice,
                        std::string_view human);

 private:
  std::shared_ptr<const model::TypeModel> model_;
  std::mutex mu_;  // profiles compile on several threads at once
  StringMap<std::unique_ptr<Constraint>> cache_;
};

// Resolves a canonical to the resource type it constrains ("Patient"), for targetProfile.
using TypeOfProfile = std::function<std::string(std::string_view canonical)>;

// Compiles a StructureDefinition that has a snapshot. InvalidArgument when it is not usable.
StatusOr<std::unique_ptr<CompiledProfile>> CompileProfile(std::string_view sd_json,
                                                          const model::TypeModel& model,
                                                          ConstraintCache& constraints,
                                                          const TypeOfProfile& type_of_profile);
// The same for a StructureDefinition already parsed (with json::kRapidParseFlags), so that a
// caller who had to look into it does not parse it twice.
StatusOr<std::unique_ptr<CompiledProfile>> CompileProfile(const rapidjson::Document& sd,
                                                          const model::TypeModel& model,
                                                          ConstraintCache& constraints,
                                                          const TypeOfProfile& type_of_profile);

// Points the leaf elements of `profile` that check exactly what the element of the same path in
// `base` (the definition of the constrained type) checks at that element (ElementPlan::same_as).
void LinkUnchangedElements(CompiledProfile& profile, const CompiledProfile& base);

// True when the JSON StructureDefinition carries snapshot.element.
bool HasSnapshot(const rapidjson::Value& sd);

}  // namespace silta::validation::internal
