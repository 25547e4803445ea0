// The compile step: resolves function names, type specifiers, constant variables and literal
// regexes once, and checks paths against the type model when the input type is known.
#include <algorithm>

#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/functions.h"
#include "fhirpath/lexer.h"
#include "fhirpath/parser.h"

namespace silta::fhirpath {

namespace internal {
namespace {

// What the compiler knows about the values an expression yields.
struct StaticInfo {
  bool known = false;  // `types` lists every FHIR type the items can have
  std::vector<const model::TypeDef*> types;
  SystemType system = SystemType::kNone;  // a System-typed literal or operator result
  bool unordered = false;
};

struct SystemName {
  std::string_view name;
  SystemType type;
};
constexpr SystemName kSystemTypes[] = {
    {"Boolean", SystemType::kBoolean}, {"Integer", SystemType::kInteger},
    {"Decimal", SystemType::kDecimal}, {"String", SystemType::kString},
    {"Date", SystemType::kDate},       {"DateTime", SystemType::kDateTime},
    {"Time", SystemType::kTime},       {"Quantity", SystemType::kQuantity},
    {"Any", SystemType::kAny},
};

SystemType SystemTypeNamed(std::string_view name) {
  for (const SystemName& s : kSystemTypes) {
    if (s.name == name) return s.type;
  }
  return SystemType::kNone;
}

class Compiler {
 public:
  Compiler(std::string_view text, const CompileOptions& options)
      : text_(text), options_(options), model_(options.model.get()) {}

  Status Run(Node& root) {
    StaticInfo input;
    if (model_ != nullptr && !options_.context_type.empty()) {
      const model::TypeDef* t = model_->Find(options_.context_type);
      if (t == nullptr) {
        return InvalidArgumentError("unknown context type '" + options_.context_type + "'");
      }
      input.known = true;
      input.types.push_back(t);
    }
    StaticInfo ignored;
    return Visit(root, input, &ignored);
  }

 private:
  Status Error(const Node& at, std::string message) const {
    return InvalidArgumentError("semantic error at " + PositionText(text_, at.pos) + ": " +
                                message);
  }
  bool strict() const { return options_.strict && model_ != nullptr; }

  // The type named by a type-specifier argument: `Quantity`, `FHIR.Patient`, `System.String`.
  Status ResolveTypeSpec(const Node& at, TypeSpec* spec) const {
    if (!spec->ns.empty() && spec->ns != "FHIR" && spec->ns != "System") {
      return Error(at, "unknown type namespace '" + spec->ns + "'");
    }
    if (spec->ns != "FHIR") spec->system = SystemTypeNamed(spec->name);
    if (spec->ns != "System") {
      if (model_ != nullptr) {
        spec->fhir = model_->Find(spec->name);
      } else if (spec->system == SystemType::kNone) {
        spec->fhir_by_name = true;
      }
    }
    // An unknown System type matches nothing; an unknown FHIR type is a mistake.
    if (spec->fhir == nullptr && spec->system == SystemType::kNone && !spec->fhir_by_name &&
        spec->ns != "System") {
      std::string full = spec->ns.empty() ? spec->name : spec->ns + "." + spec->name;
      return Error(at, "unknown type '" + full + "'");
    }
    return Status::Ok();
  }

  static bool TypeSpecFromNode(const Node& n, TypeSpec* spec) {
    if (n.op == Op::kIdentifier) {
      spec->name = n.name;
      return true;
    }
    if (n.op == Op::kMember && n.focus && n.focus->op == Op::kIdentifier) {
      spec->ns = n.focus->name;
      spec->name = n.name;
      return true;
    }
    return false;
  }

  StaticInfo InfoForSpec(const TypeSpec& spec) const {
    StaticInfo info;
    if (spec.fhir != nullptr && spec.system == SystemType::kNone) {
      info.known = true;
      info.types.push_back(spec.fhir);
    }
    return info;
  }

  // A name applied to items of known types: their element types, or an error.
  Status Navigate(const Node& n, const StaticInfo& in, bool path_start, StaticInfo* out) {
    out->known = false;
    if (!in.known) return Status::Ok();
    std::vector<const model::TypeDef*> result;
    bool any = false;
    for (const model::TypeDef* t : in.types) {
      const model::ElementDef* e = t->FindElement(n.name);
      if (e != nullptr) {
        any = true;
        for (const model::TypeDef* et : e->types) {
          if (std::find(result.begin(), result.end(), et) == result.end()) result.push_back(et);
        }
        if (e->types.empty()) return Status::Ok();  // content reference: stop checking
        continue;
      }
      if (path_start && t->IsA(n.name)) {
        any = true;
        result.push_back(t);
        continue;
      }
      model::TypeDef::MemberMatch match;
      if (t->MatchMember(n.name, &match) && match.element != nullptr && match.element->is_choice) {
        return Error(n, "'" + n.name + "' is not an element of " + t->name + ": choice '" +
                            match.element->name + "[x]' is navigated as '" + match.element->name +
                            "' (use " + match.element->name + ".ofType(" +
                            (match.type ? match.type->name : "...") + "))");
      }
    }
    if (!any) {
      if (strict()) {
        std::string names;
        for (const model::TypeDef* t : in.types) {
          if (!names.empty()) names += " | ";
          names += t->name;
        }
        if (path_start && !n.name.empty() && n.name[0] >= 'A' && n.name[0] <= 'Z' &&
            model_->Find(n.name) != nullptr) {
          return Error(n, "the input is " + names + ", not " + n.name);
        }
        return Error(n, names + " has no element '" + n.name + "'");
      }
      return Status::Ok();
    }
    out->known = true;
    out->types = std::move(result);
    return Status::Ok();
  }

  Status CompileVariable(Node& n) {
    std::string_view name = n.name;
    std::string constant;
    if (name == "ucum") {
      constant = "http://unitsofmeasure.org";
    } else if (name == "sct") {
      constant = "http://snomed.info/sct";
    } else if (name == "loinc") {
      constant = "http://loinc.org";
    } else if (name.substr(0, 3) == "vs-") {
      constant = "http://hl7.org/fhir/ValueSet/" + std::string(name.substr(3));
    } else if (name.substr(0, 4) == "ext-") {
      constant = "http://hl7.org/fhir/StructureDefinition/" + std::string(name.substr(4));
    } else {
      return Status::Ok();
    }
    n.literal_text = std::move(constant);
    n.literal = Value::String(n.literal_text);
    n.constant_variable = true;
    return Status::Ok();
  }

  Status CompileFunction(Node& n, const StaticInfo& this_info, StaticInfo* out) {
    const FunctionDef* def = FindFunction(n.name);
    if (def == nullptr) return Error(n, "unknown function '" + n.name + "'");
    if (n.args.size() < def->min_args || n.args.size() > def->max_args) {
      std::string expected =
          def->min_args == def->max_args
              ? std::to_string(def->min_args)
              : std::to_string(def->min_args) + " to " + std::to_string(def->max_args);
      return Error(n, n.name + "() takes " + expected + " argument(s), not " +
                          std::to_string(n.args.size()));
    }
    n.function = def;
    StaticInfo focus_info = this_info;
    if (n.focus) {
      focus_info = StaticInfo();
      SILTA_RETURN_IF_ERROR(Visit(*n.focus, this_info, &focus_info));
    }
    if ((def->flags & kNeedsOrder) && focus_info.unordered && strict()) {
      return Error(n, n.name + "() depends on order, but its input has none");
    }
    if (def->flags & kTypeArgument) {
      auto spec = std::make_unique<TypeSpec>();
      if (!TypeSpecFromNode(*n.args[0], spec.get())) {
        return Error(*n.args[0], n.name + "() needs a type name");
      }
      SILTA_RETURN_IF_ERROR(ResolveTypeSpec(*n.args[0], spec.get()));
      if (n.name != "is") *out = InfoForSpec(*spec);
      n.type = std::move(spec);
      return Status::Ok();
    }
    for (size_t i = 0; i < n.args.size(); ++i) {
      StaticInfo arg_info;
      const StaticInfo& arg_this = (def->flags & kLambda) ? focus_info : this_info;
      SILTA_RETURN_IF_ERROR(Visit(*n.args[i], arg_this, &arg_info));
      if (n.name == "iif" && i == 0 && arg_info.system != SystemType::kNone &&
          arg_info.system != SystemType::kBoolean) {
        return Error(*n.args[0], "iif() criterion must be a Boolean");
      }
    }
    if ((def->flags & kRegexArgument) && n.args[0]->op == Op::kLiteral &&
        n.args[0]->literal.type() == ValueType::kString) {
      std::string error;
      auto regex = Regex::Compile(n.args[0]->literal.string(), &error);
      if (!regex) return Error(*n.args[0], "invalid regular expression: " + error);
      n.regex = *regex;
    }
    if (def->flags & kKeepsType) {
      *out = focus_info;
      out->system = SystemType::kNone;
    }
    if (def->flags & kMakesUnordered) out->unordered = true;
    return Status::Ok();
  }

  Status Visit(Node& n, const StaticInfo& this_info, StaticInfo* out) {
    switch (n.op) {
      case Op::kLiteral:
        out->system = internal::SystemTypeOf(n.literal);
        return Status::Ok();
      case Op::kIdentifier:
        return Navigate(n, this_info, /*path_start=*/true, out);
      case Op::kMember: {
        StaticInfo focus;
        SILTA_RETURN_IF_ERROR(Visit(*n.focus, this_info, &focus));
        return Navigate(n, focus, /*path_start=*/false, out);
      }
      case Op::kFunction:
        return CompileFunction(n, this_info, out);
      case Op::kIndexer: {
        StaticInfo focus, index;
        SILTA_RETURN_IF_ERROR(Visit(*n.focus, this_info, &focus));
        if (focus.unordered && strict()) return Error(n, "indexing needs an ordered input");
        SILTA_RETURN_IF_ERROR(Visit(*n.args[0], this_info, &index));
        *out = focus;
        return Status::Ok();
      }
      case Op::kThis:
        *out = this_info;
        return Status::Ok();
      case Op::kVariable:
        return CompileVariable(n);
      case Op::kIs:
      case Op::kAs: {
        StaticInfo operand;
        SILTA_RETURN_IF_ERROR(Visit(*n.args[0], this_info, &operand));
        SILTA_RETURN_IF_ERROR(ResolveTypeSpec(n, n.type.get()));
        if (n.op == Op::kAs) *out = InfoForSpec(*n.type);
        return Status::Ok();
      }
      default:
        break;
    }
    std::vector<StaticInfo> operands(n.args.size());
    for (size_t i = 0; i < n.args.size(); ++i) {
      SILTA_RETURN_IF_ERROR(Visit(*n.args[i], this_info, &operands[i]));
    }
    if (n.focus) {
      StaticInfo ignored;
      SILTA_RETURN_IF_ERROR(Visit(*n.focus, this_info, &ignored));
    }
    switch (n.op) {
      case Op::kEq:
      case Op::kNotEq:
      case Op::kEquiv:
      case Op::kNotEquiv:
      case Op::kLess:
      case Op::kGreater:
      case Op::kLessEq:
      case Op::kGreaterEq:
      case Op::kAnd:
      case Op::kOr:
      case Op::kXor:
      case Op::kImplies:
      case Op::kIn:
      case Op::kContains:
        out->system = SystemType::kBoolean;
        break;
      case Op::kAdd:
      case Op::kSub:
        // A date plus a plain number is never valid.
        if ((operands[0].system == SystemType::kDate ||
             operands[0].system == SystemType::kDateTime ||
             operands[0].system == SystemType::kTime) &&
            (operands[1].system == SystemType::kInteger ||
             operands[1].system == SystemType::kDecimal)) {
          return Error(n, "a date/time can only be shifted by a quantity with a time unit");
        }
        break;
      default:
        break;
    }
    return Status::Ok();
  }

  std::string_view text_;
  const CompileOptions& options_;
  const model::TypeModel* model_;
};

}  // namespace
}  // namespace internal

CompiledExpression::~CompiledExpression() = default;

StatusOr<std::shared_ptr<const CompiledExpression>> CompiledExpression::Compile(
    std::string_view expression, const CompileOptions& options) {
  auto root = internal::Parse(expression);
  if (!root.ok()) return root.status();
  std::shared_ptr<CompiledExpression> compiled(new CompiledExpression());
  compiled->text_ = std::string(expression);
  compiled->options_ = options;
  compiled->root_ = std::move(root).value();
  internal::Compiler compiler(compiled->text_, compiled->options_);
  SILTA_RETURN_IF_ERROR(compiler.Run(*compiled->root_));
  return std::shared_ptr<const CompiledExpression>(std::move(compiled));
}

}  // namespace silta::fhirpath
