// Facade of the FHIRPath engine (FHIRPath N1 as FHIR R4 uses it, plus the 2.0 "light"
// functions and a few 2.1 string functions).
//
// Compile once, evaluate many times:
//
//   auto expr = fhirpath::CompiledExpression::Compile("name.where(use = 'official').family",
//                                                     {.model = model, .context_type = "Patient"});
//   if (!expr.ok()) ...                        // syntax / semantic error with line:column
//   fhirpath::EvaluationContext ctx;
//   auto result = fhirpath::Evaluate(**expr, doc->root(), ctx);   // execution errors as Status
//
// A CompiledExpression is immutable and may be evaluated from many threads at once; all
// evaluation state lives in the call. A result keeps alive what it views that the evaluation
// made or the expression owns (computed text, literals, type names), so it may outlive the
// CompiledExpression; elements still view the caller's documents, and values taken from
// EvaluationContext::variables or an input ValueList view the caller's storage: keep those
// alive while using the result.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "fhirpath/value.h"
#include "model/element.h"
#include "model/type_model.h"

namespace silta::fhirpath {

namespace internal {
struct Node;
}

// The result of an evaluation: the values and what owns the text they view (the text computed
// on the way, and the expression whose literals or type model a value may view).
class Collection {
 public:
  Collection() = default;
  Collection(ValueList items, std::shared_ptr<StringArena> arena,
             std::shared_ptr<const void> text_owner = nullptr)
      : items_(std::move(items)), arena_(std::move(arena)), text_owner_(std::move(text_owner)) {}

  const ValueList& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const Value& operator[](size_t i) const { return items_[i]; }
  const Value* begin() const { return items_.begin(); }
  const Value* end() const { return items_.end(); }

 private:
  ValueList items_;
  std::shared_ptr<StringArena> arena_;
  std::shared_ptr<const void> text_owner_;
};

struct CompileOptions {
  // The FHIR type model: needed for is/as/ofType with FHIR types and for static checks.
  std::shared_ptr<const model::TypeModel> model;
  // The type of the input ("Patient", "HumanName"...): enables checking paths at compile time.
  // Names of choice elements written with their type ("valueQuantity") are always errors then.
  std::string context_type;
  // Unknown element names and type mismatches found at compile time are semantic errors
  // (otherwise such paths just evaluate to empty). Needs `model` and `context_type`.
  bool strict = false;
};

// memberOf() asks this. The validator supplies one for invariants (answered from the loaded
// packages); without one, memberOf() on a non-empty input is an execution error.
class TerminologyProvider {
 public:
  virtual ~TerminologyProvider() = default;
  // `coded` is a code, Coding or CodeableConcept element (or a System string).
  virtual StatusOr<bool> MemberOf(const Value& coded, std::string_view value_set_url) const = 0;
};

// conformsTo() asks this. No module supplies one yet, so conformsTo() answers only for the
// core type URLs.
class ProfileValidator {
 public:
  virtual ~ProfileValidator() = default;
  virtual StatusOr<bool> ConformsTo(const model::Element& resource,
                                    std::string_view profile_url) const = 0;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Trace(std::string_view name, const ValueList& values) = 0;
};

struct EvaluationContext {
  // %resource and %rootResource. When null they default to the resource that contains the
  // input element, and for %rootResource to the resource that contains that one when it is a
  // contained resource (a Bundle entry's resource is its own root).
  const model::Element* resource = nullptr;
  const model::Element* root_resource = nullptr;
  // User variables: %name. Their values must outlive the evaluation and its result.
  std::vector<std::pair<std::string, ValueList>> variables;
  // The clock of now(), today() and timeOfDay(); the system clock (UTC) when unset.
  std::optional<DateTime> now;
  // resolve() looks in contained resources and the enclosing Bundle first, then asks this.
  std::function<const model::Element*(std::string_view reference)> resolver;
  const TerminologyProvider* terminology = nullptr;
  const ProfileValidator* validator = nullptr;
  TraceSink* trace = nullptr;  // trace() is a no-op without one
};

// Always owned by a shared_ptr (Compile is the only way to make one), so that a result can
// share ownership of the literals it views.
class CompiledExpression : public std::enable_shared_from_this<CompiledExpression> {
 public:
  // Syntax and semantic errors come back as InvalidArgument with "line:column".
  static StatusOr<std::shared_ptr<const CompiledExpression>> Compile(
      std::string_view expression, const CompileOptions& options = {});

  CompiledExpression(const CompiledExpression&) = delete;
  CompiledExpression& operator=(const CompiledExpression&) = delete;
  ~CompiledExpression();

  const std::string& text() const { return text_; }
  const internal::Node& root() const { return *root_; }
  const model::TypeModel* model() const { return options_.model.get(); }

 private:
  CompiledExpression() = default;
  std::string text_;
  CompileOptions options_;
  std::unique_ptr<internal::Node> root_;
};

// Evaluates against one element (usually a resource) or a whole input collection. Execution
// errors (a function on a collection of more than one item, a bad regex...) come back as
// InvalidArgument with the position of the failing part of the expression.
StatusOr<Collection> Evaluate(const CompiledExpression& expression, const model::Element* input,
                              const EvaluationContext& context = {});
StatusOr<Collection> Evaluate(const CompiledExpression& expression, const ValueList& input,
                              const EvaluationContext& context = {});

// One result item as the CLI and the conformance runner print it: the FHIR type name for
// elements ("code", "HumanName"), the lower-case System type for other values ("boolean",
// "Quantity"), and the spec's string form (Quantity as "value 'unit'"). Complex elements other
// than Quantity have no string form (""): callers that need one serialise them.
struct DescribedValue {
  std::string type;
  std::string value;
};
DescribedValue Describe(const Value& value);

}  // namespace silta::fhirpath
