// The syntax tree, annotated in place by the compile step (functions resolved, type
// specifiers resolved, regexes compiled). Immutable once compiled.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhirpath/value.h"
#include "model/type_model.h"

namespace silta::fhirpath::internal {

struct FunctionDef;
class Regex;

enum class Op : uint8_t {
  kLiteral,     // literal
  kEmpty,       // {}
  kIdentifier,  // a name at the start of a path: a member of $this or a type name
  kMember,      // focus.name
  kFunction,    // [focus.]name(args)
  kIndexer,     // focus[args[0]]
  kThis,
  kIndex,
  kTotal,
  kVariable,  // %name
  kNegate,
  kPlus,  // unary +
  kMul,
  kDiv,
  kIntDiv,
  kMod,
  kAdd,
  kSub,
  kConcat,
  kIs,  // args[0] is type
  kAs,  // args[0] as type
  kUnion,
  kLess,
  kGreater,
  kLessEq,
  kGreaterEq,
  kEq,
  kNotEq,
  kEquiv,
  kNotEquiv,
  kIn,
  kContains,
  kAnd,
  kOr,
  kXor,
  kImplies,
};

const char* OpName(Op op);

enum class SystemType : uint8_t {
  kNone,
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
  kAny,  // System.Any
};

// A type named in is/as/ofType: "Quantity", "FHIR.Patient", "System.Boolean".
struct TypeSpec {
  std::string ns;    // "FHIR", "System" or "" (unqualified)
  std::string name;  // as written
  // Resolved at compile time when the model is known; an unqualified name may match both a
  // FHIR type and a System type ("Quantity").
  const model::TypeDef* fhir = nullptr;
  SystemType system = SystemType::kNone;
  bool fhir_by_name = false;  // no model: match element types by name at run time
};

struct Node {
  Op op = Op::kLiteral;
  uint32_t pos = 0;  // offset in the expression text
  std::string name;  // member, function, variable or type name
  Value literal;
  std::string literal_text;  // owns the text a literal views
  std::unique_ptr<Node> focus;
  std::vector<std::unique_ptr<Node>> args;

  // Compile-time annotations.
  const FunctionDef* function = nullptr;
  std::unique_ptr<TypeSpec> type;
  std::shared_ptr<const Regex> regex;  // matches/replaceMatches with a literal pattern
  // kVariable: a value fixed at compile time (%ucum, %vs-...), in `literal`.
  bool constant_variable = false;

  ~Node();
};

}  // namespace silta::fhirpath::internal
