// The evaluator's internals, shared by the core (eval.cc) and the function families.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/value.h"

namespace silta::fhirpath::internal {

// Computed text longer than this fails the evaluation. Chained replace(), encode() or
// `$this + $this` grow text exponentially, so without a bound an expression of a hundred
// characters takes all memory (found probing fuzz_fhirpath by hand). FHIR strings are at most 1 MB;
// this is 16 times that.
inline constexpr size_t kMaxComputedTextBytes = size_t{16} << 20;
inline constexpr std::string_view kTextTooLong = "the result would exceed 16 MiB of text";

// Per-evaluation state. Never shared between threads.
struct EvalState {
  const EvaluationContext* env = nullptr;
  const model::TypeModel* model = nullptr;
  std::string_view text;                 // the expression, for error positions
  const ValueList* this_list = nullptr;  // $this: the focus of a path's first name
  int64_t index = 0;                     // $index
  const ValueList* total = nullptr;      // $total in aggregate()
  const ValueList* context = nullptr;    // %context
  const model::Element* resource = nullptr;
  const model::Element* root_resource = nullptr;
  std::shared_ptr<StringArena> arena;  // created on first computed string
  std::string error;                   // set when an evaluation step fails
  int depth = 0;

  // Keeps computed text alive for the evaluation and its result.
  std::string_view Store(std::string_view computed) {
    if (!arena) arena = std::make_shared<StringArena>();
    return arena->Copy(computed);
  }
  // Records an execution error at `at`; returns false for `return st.Fail(...)`.
  bool Fail(const Node& at, std::string_view message);
};

// Evaluates `n`, appending its result to `out` (which callers pass empty).
bool Eval(const Node& n, EvalState& st, ValueList& out);

// --- Shared semantics (operators.cc) ---

// `=` on single items: nullopt when the result is empty (different precisions, no value).
std::optional<bool> ItemsEqual(const Value& a, const Value& b);
// `~` on single items.
bool ItemsEquivalent(const Value& a, const Value& b);
// Ordering for `<` etc. and sort(): -1/0/1; nullopt if unknown (precision) ; sets
// *incompatible when the types cannot be compared at all.
std::optional<int> CompareItems(const Value& a, const Value& b, bool* incompatible);
// Collection `=` and `~`.
std::optional<bool> CollectionsEqual(const ValueList& a, const ValueList& b);
bool CollectionsEquivalent(const ValueList& a, const ValueList& b);
// Appends `items` to `out` skipping ones already present (by `=`).
void AppendDistinct(const ValueList& items, ValueList& out);
bool Contains(const ValueList& list, const Value& v);

// Arithmetic shared with sum()/avg(): nullopt result = empty; false = execution error (msg).
bool Arithmetic(Op op, const Value& a, const Value& b, EvalState& st, std::optional<Value>* out,
                std::string* error);

// Quantity helpers.
std::optional<Decimal> ConvertQuantity(const Decimal& amount, std::string_view from,
                                       std::string_view to);
bool UnitsComparable(std::string_view a, std::string_view b);

// Singleton evaluation: the item of a one-item collection (elements converted to their
// System value when `to_system`); nullopt for empty. More items → error.
bool Singleton(const Node& at, EvalState& st, const ValueList& list, std::optional<Value>* out,
               std::string_view what, bool to_system = true);
// Singleton evaluation for a Boolean: empty → nullopt; a non-Boolean single item → true.
bool BooleanOf(const Node& at, EvalState& st, const ValueList& list, std::optional<bool>* out);

// Type tests for is/as/ofType.
bool IsOfType(const Value& v, const TypeSpec& spec, bool exact);
Value TypeInfoOf(const Value& v);
SystemType SystemTypeOf(const Value& v);

// Element navigation: children named `name` (choices by base name), or for a resource the
// resource itself when `name` is its type.
void ChildrenNamed(const Value& item, std::string_view name, ValueList& out);

}  // namespace silta::fhirpath::internal
