// The tree-walking evaluator: paths, variables and operators. Functions are in fn_*.cc.
#include <chrono>

#include "fhirpath/engine.h"
#include "fhirpath/functions.h"
#include "fhirpath/lexer.h"

namespace silta::fhirpath::internal {

bool EvalState::Fail(const Node& at, std::string_view message) {
  if (error.empty()) {
    error = "execution error at " + PositionText(text, at.pos) + ": " + std::string(message);
  }
  return false;
}

namespace {

constexpr int kMaxDepth = 400;

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

void ChildrenNamed(const Value& item, std::string_view name, ValueList& out) {
  if (item.is_element()) {
    const model::Element* e = item.element();
    auto children = e->Children(name);
    if (!children.empty()) {
      for (const model::Element* c : children) out.push_back(Value::Node(c));
      return;
    }
    // "Patient.name": a path may start with the type of its input.
    if (!name.empty() && IsUpper(name[0]) && e->type()->IsA(name)) out.push_back(item);
    return;
  }
  if (item.type() == ValueType::kTypeInfo) {
    if (name == "name") out.push_back(Value::String(item.type_name()));
    if (name == "namespace") out.push_back(Value::String(item.type_namespace()));
  }
}

bool Singleton(const Node& at, EvalState& st, const ValueList& list, std::optional<Value>* out,
               std::string_view what, bool to_system) {
  if (list.empty()) {
    *out = std::nullopt;
    return true;
  }
  if (list.size() > 1) {
    return st.Fail(at, std::string(what) + " has " + std::to_string(list.size()) +
                           " items where one is expected");
  }
  *out = to_system ? ToSystemValue(list[0]) : std::optional<Value>(list[0]);
  return true;
}

bool BooleanOf(const Node& at, EvalState& st, const ValueList& list, std::optional<bool>* out) {
  if (list.empty()) {
    *out = std::nullopt;
    return true;
  }
  if (list.size() > 1) {
    return st.Fail(at, "a collection of " + std::to_string(list.size()) +
                           " items cannot be used as a Boolean");
  }
  std::optional<Value> v = ToSystemValue(list[0]);
  if (v && v->type() == ValueType::kBoolean) {
    *out = v->boolean();
  } else {
    *out = true;  // singleton evaluation: one non-Boolean item counts as true
  }
  return true;
}

// --- Call ---

bool Call::Arg(size_t i, ValueList& result) { return Eval(*node.args[i], st, result); }

bool Call::Lambda(size_t i, const Value& item, int64_t index, ValueList& result) {
  ValueList self;
  self.push_back(item);
  const ValueList* saved_this = st.this_list;
  int64_t saved_index = st.index;
  st.this_list = &self;
  st.index = index;
  bool ok = Eval(*node.args[i], st, result);
  st.this_list = saved_this;
  st.index = saved_index;
  return ok;
}

bool Call::ArgOn(size_t i, const ValueList& focus_list, ValueList& result) {
  const ValueList* saved_this = st.this_list;
  int64_t saved_index = st.index;
  st.this_list = &focus_list;
  st.index = 0;
  bool ok = Eval(*node.args[i], st, result);
  st.this_list = saved_this;
  st.index = saved_index;
  return ok;
}

bool Call::SingletonArg(size_t i, std::optional<Value>* v) {
  ValueList list;
  if (!Arg(i, list)) return false;
  return Singleton(*node.args[i], st, list, v, "argument");
}

bool Call::IntegerArg(size_t i, std::optional<int64_t>* v) {
  std::optional<Value> s;
  if (!SingletonArg(i, &s)) return false;
  if (!s) {
    *v = std::nullopt;
    return true;
  }
  if (s->type() != ValueType::kInteger) {
    return st.Fail(*node.args[i], "argument must be an Integer");
  }
  *v = s->integer();
  return true;
}

bool Call::DecimalArg(size_t i, std::optional<Decimal>* v) {
  std::optional<Value> s;
  if (!SingletonArg(i, &s)) return false;
  if (!s) {
    *v = std::nullopt;
    return true;
  }
  if (s->type() == ValueType::kInteger) {
    *v = Decimal::FromInt(s->integer());
  } else if (s->type() == ValueType::kDecimal) {
    *v = s->decimal();
  } else {
    return st.Fail(*node.args[i], "argument must be a number");
  }
  return true;
}

bool Call::StringArg(size_t i, std::optional<std::string_view>* v) {
  std::optional<Value> s;
  if (!SingletonArg(i, &s)) return false;
  if (!s) {
    *v = std::nullopt;
    return true;
  }
  if (s->type() != ValueType::kString) return st.Fail(*node.args[i], "argument must be a String");
  *v = s->string();
  return true;
}

bool Call::FocusString(std::optional<std::string_view>* v) {
  std::optional<Value> s;
  if (!FocusSingleton(&s)) return false;
  if (!s && !focus.empty() && focus[0].is_element() && !focus[0].element()->is_primitive()) {
    return Fail(std::string(node.name) + "() needs a String input, not " +
                std::string(TypeNameOf(focus[0])));
  }
  if (!s) {
    *v = std::nullopt;
    return true;
  }
  if (s->type() != ValueType::kString) {
    return Fail(std::string(node.name) + "() needs a String input, not " +
                std::string(TypeNameOf(focus[0])));
  }
  *v = s->string();
  return true;
}

namespace {

bool EvalVariable(const Node& n, EvalState& st, ValueList& out) {
  if (n.constant_variable) {
    out.push_back(n.literal);
    return true;
  }
  const std::string& name = n.name;
  for (const auto& [var, values] : st.env->variables) {
    if (var == name) {
      out.Append(values);
      return true;
    }
  }
  if (name == "context") {
    out.Append(*st.context);
    return true;
  }
  if (name == "resource") {
    if (st.resource != nullptr) out.push_back(Value::Node(st.resource));
    return true;
  }
  if (name == "rootResource") {
    if (st.root_resource != nullptr) out.push_back(Value::Node(st.root_resource));
    return true;
  }
  return st.Fail(n, "undefined variable %" + name);
}

bool EvalSingletonPair(const Node& n, EvalState& st, std::optional<Value>* a,
                       std::optional<Value>* b) {
  ValueList left, right;
  if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
  std::string what = std::string("operand of '") + OpName(n.op) + "'";
  return Singleton(n, st, left, a, what) && Singleton(n, st, right, b, what);
}

bool EvalLogic(const Node& n, EvalState& st, ValueList& out) {
  ValueList left;
  if (!Eval(*n.args[0], st, left)) return false;
  std::optional<bool> a;
  if (!BooleanOf(n, st, left, &a)) return false;
  // Short cuts that do not depend on the right operand.
  if (n.op == Op::kAnd && a == false) {
    out.push_back(Value::Boolean(false));
    return true;
  }
  if (n.op == Op::kOr && a == true) {
    out.push_back(Value::Boolean(true));
    return true;
  }
  if (n.op == Op::kImplies && a == false) {
    out.push_back(Value::Boolean(true));
    return true;
  }
  ValueList right;
  if (!Eval(*n.args[1], st, right)) return false;
  std::optional<bool> b;
  if (!BooleanOf(n, st, right, &b)) return false;
  std::optional<bool> r;
  switch (n.op) {
    case Op::kAnd:
      if (b == false) {
        r = false;
      } else if (a && b) {
        r = true;
      }
      break;
    case Op::kOr:
      if (b == true) {
        r = true;
      } else if (a && b) {
        r = false;
      }
      break;
    case Op::kXor:
      if (a && b) r = *a != *b;
      break;
    default:  // implies; a is true or empty here
      if (b == true) {
        r = true;
      } else if (a) {
        r = b;
      }
      break;
  }
  if (r) out.push_back(Value::Boolean(*r));
  return true;
}

bool EvalComparison(const Node& n, EvalState& st, ValueList& out) {
  std::optional<Value> a, b;
  if (!EvalSingletonPair(n, st, &a, &b)) return false;
  if (!a || !b) return true;
  bool incompatible = false;
  std::optional<int> c = CompareItems(*a, *b, &incompatible);
  if (incompatible) {
    return st.Fail(n, std::string("cannot compare ") + std::string(TypeNameOf(*a)) + " with " +
                          std::string(TypeNameOf(*b)));
  }
  if (!c) return true;
  bool r = n.op == Op::kLess      ? *c < 0
           : n.op == Op::kGreater ? *c > 0
           : n.op == Op::kLessEq  ? *c <= 0
                                  : *c >= 0;
  out.push_back(Value::Boolean(r));
  return true;
}

bool EvalMembership(const Node& n, EvalState& st, ValueList& out) {
  ValueList left, right;
  if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
  const ValueList& item = n.op == Op::kIn ? left : right;
  const ValueList& list = n.op == Op::kIn ? right : left;
  if (item.empty()) return true;
  if (item.size() > 1) {
    return st.Fail(n, std::string("the single operand of '") + OpName(n.op) + "' has " +
                          std::to_string(item.size()) + " items");
  }
  out.push_back(Value::Boolean(Contains(list, item[0])));
  return true;
}

bool EvalArithmetic(const Node& n, EvalState& st, ValueList& out) {
  if (n.op == Op::kConcat) {
    ValueList left, right;
    if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
    std::optional<Value> a, b;
    if (!Singleton(n, st, left, &a, "operand of '&'") ||
        !Singleton(n, st, right, &b, "operand of '&'")) {
      return false;
    }
    std::string s;
    for (const std::optional<Value>* v : {&a, &b}) {
      if (!*v) continue;
      if ((*v)->type() != ValueType::kString) return st.Fail(n, "'&' needs String operands");
      s += (*v)->string();
    }
    if (s.size() > kMaxComputedTextBytes) return st.Fail(n, kTextTooLong);
    out.push_back(Value::String(st.Store(s)));
    return true;
  }
  std::optional<Value> a, b;
  if (!EvalSingletonPair(n, st, &a, &b)) return false;
  if (!a || !b) return true;
  std::optional<Value> r;
  std::string error;
  if (!Arithmetic(n.op, *a, *b, st, &r, &error)) return st.Fail(n, error);
  if (r) out.push_back(*r);
  return true;
}

bool EvalUnary(const Node& n, EvalState& st, ValueList& out) {
  ValueList operand;
  if (!Eval(*n.args[0], st, operand)) return false;
  std::optional<Value> v;
  if (!Singleton(n, st, operand, &v, "operand of unary minus")) return false;
  if (!v) return true;
  bool negate = n.op == Op::kNegate;
  switch (v->type()) {
    case ValueType::kInteger:
      out.push_back(negate ? Value::Integer(-v->integer()) : *v);
      return true;
    case ValueType::kDecimal:
      out.push_back(negate ? Value::Dec(v->decimal().Negate()) : *v);
      return true;
    case ValueType::kQuantity:
      out.push_back(negate ? Value::Quantity(v->decimal().Negate(), v->unit()) : *v);
      return true;
    default:
      return st.Fail(n, std::string("unary ") + (negate ? "-" : "+") + " needs a number, not " +
                            std::string(TypeNameOf(*v)));
  }
}

}  // namespace

bool Eval(const Node& n, EvalState& st, ValueList& out) {
  if (++st.depth > kMaxDepth) {
    --st.depth;
    return st.Fail(n, "evaluation nested too deeply");
  }
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{st.depth};

  switch (n.op) {
    case Op::kLiteral:
      out.push_back(n.literal);
      return true;
    case Op::kEmpty:
      return true;
    case Op::kIdentifier:
      for (const Value& item : *st.this_list) ChildrenNamed(item, n.name, out);
      return true;
    case Op::kMember: {
      ValueList focus;
      if (!Eval(*n.focus, st, focus)) return false;
      for (const Value& item : focus) ChildrenNamed(item, n.name, out);
      return true;
    }
    case Op::kFunction: {
      if (n.focus == nullptr) {
        Call call(st, n, *st.this_list, out);
        return n.function->impl(call);
      }
      ValueList focus;
      if (!Eval(*n.focus, st, focus)) return false;
      Call call(st, n, focus, out);
      return n.function->impl(call);
    }
    case Op::kIndexer: {
      ValueList focus, index;
      if (!Eval(*n.focus, st, focus) || !Eval(*n.args[0], st, index)) return false;
      std::optional<Value> i;
      if (!Singleton(n, st, index, &i, "index")) return false;
      if (!i) return true;
      if (i->type() != ValueType::kInteger) return st.Fail(n, "an index must be an Integer");
      if (i->integer() >= 0 && static_cast<uint64_t>(i->integer()) < focus.size()) {
        out.push_back(focus[static_cast<size_t>(i->integer())]);
      }
      return true;
    }
    case Op::kThis:
      out.Append(*st.this_list);
      return true;
    case Op::kIndex:
      out.push_back(Value::Integer(st.index));
      return true;
    case Op::kTotal:
      if (st.total == nullptr) return st.Fail(n, "$total is only defined in aggregate()");
      out.Append(*st.total);
      return true;
    case Op::kVariable:
      return EvalVariable(n, st, out);
    case Op::kNegate:
    case Op::kPlus:
      return EvalUnary(n, st, out);
    case Op::kMul:
    case Op::kDiv:
    case Op::kIntDiv:
    case Op::kMod:
    case Op::kAdd:
    case Op::kSub:
    case Op::kConcat:
      return EvalArithmetic(n, st, out);
    case Op::kIs: {
      ValueList operand;
      if (!Eval(*n.args[0], st, operand)) return false;
      if (operand.empty()) return true;
      if (operand.size() > 1) return st.Fail(n, "'is' needs a single item");
      out.push_back(Value::Boolean(IsOfType(operand[0], *n.type, false)));
      return true;
    }
    case Op::kAs: {
      ValueList operand;
      if (!Eval(*n.args[0], st, operand)) return false;
      for (const Value& v : operand) {
        if (IsOfType(v, *n.type, true)) out.push_back(v);
      }
      return true;
    }
    case Op::kUnion: {
      ValueList left, right;
      if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
      AppendDistinct(left, out);
      AppendDistinct(right, out);
      return true;
    }
    case Op::kLess:
    case Op::kGreater:
    case Op::kLessEq:
    case Op::kGreaterEq:
      return EvalComparison(n, st, out);
    case Op::kEq:
    case Op::kNotEq: {
      ValueList left, right;
      if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
      std::optional<bool> eq = CollectionsEqual(left, right);
      if (eq) out.push_back(Value::Boolean(n.op == Op::kEq ? *eq : !*eq));
      return true;
    }
    case Op::kEquiv:
    case Op::kNotEquiv: {
      ValueList left, right;
      if (!Eval(*n.args[0], st, left) || !Eval(*n.args[1], st, right)) return false;
      bool eq = CollectionsEquivalent(left, right);
      out.push_back(Value::Boolean(n.op == Op::kEquiv ? eq : !eq));
      return true;
    }
    case Op::kIn:
    case Op::kContains:
      return EvalMembership(n, st, out);
    case Op::kAnd:
    case Op::kOr:
    case Op::kXor:
    case Op::kImplies:
      return EvalLogic(n, st, out);
  }
  return st.Fail(n, "unsupported expression");
}

}  // namespace silta::fhirpath::internal

namespace silta::fhirpath {

namespace {

const model::Element* EnclosingResource(const model::Element* e) {
  for (; e != nullptr; e = e->parent()) {
    if (e->is_resource()) return e;
  }
  return nullptr;
}

// %rootResource: the container of a contained resource, else the resource itself. A resource in
// a Bundle entry (or a Parameters part) is a resource in its own right, not contained, so the
// Bundle is not its root.
const model::Element* RootResource(const model::Element* resource) {
  while (resource != nullptr && resource->name() == "contained") {
    resource = EnclosingResource(resource->parent());
  }
  return resource;
}

// What a result's text views besides the document and the arena: a string or a Quantity unit may
// be a literal of the expression, and a type name belongs to the expression's model. Results of
// elements and plain numbers (most of what invariants give) do without, which spares them the
// reference count.
std::shared_ptr<const void> TextOwner(const CompiledExpression& expression, const ValueList& out) {
  for (const Value& v : out) {
    switch (v.type()) {
      case ValueType::kString:
      case ValueType::kQuantity:
      case ValueType::kTypeInfo:
        return expression.shared_from_this();
      default:
        break;
    }
  }
  return nullptr;
}

}  // namespace

StatusOr<Collection> Evaluate(const CompiledExpression& expression, const ValueList& input,
                              const EvaluationContext& context) {
  internal::EvalState st;
  st.env = &context;
  st.model = expression.model();
  st.text = expression.text();
  st.this_list = &input;
  st.context = &input;
  const model::Element* first =
      !input.empty() && input[0].is_element() ? input[0].element() : nullptr;
  st.resource = context.resource != nullptr ? context.resource : EnclosingResource(first);
  st.root_resource =
      context.root_resource != nullptr ? context.root_resource : RootResource(st.resource);
  ValueList out;
  if (!internal::Eval(expression.root(), st, out)) {
    return InvalidArgumentError(std::move(st.error));
  }
  // Before `out` is moved from: the order in which arguments are evaluated is unspecified.
  std::shared_ptr<const void> owner = TextOwner(expression, out);
  return Collection(std::move(out), std::move(st.arena), std::move(owner));
}

StatusOr<Collection> Evaluate(const CompiledExpression& expression, const model::Element* input,
                              const EvaluationContext& context) {
  ValueList list;
  if (input != nullptr) list.push_back(Value::Node(input));
  return Evaluate(expression, list, context);
}

DescribedValue Describe(const Value& value) {
  DescribedValue d;
  d.type = std::string(TypeNameOf(value));
  d.value = ToStringForm(value);
  return d;
}

}  // namespace silta::fhirpath
