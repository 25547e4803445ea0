#include "fhirpath/parser.h"

#include <utility>
#include <vector>

#include "fhirpath/lexer.h"
#include "fhirpath/ucum.h"

namespace silta::fhirpath::internal {

namespace {

struct BinaryOp {
  std::string_view token;
  bool keyword;
  Op op;
  int level;
};

// Lowest level first; is/as (level 7) are handled apart since their right side is a type.
constexpr BinaryOp kBinaryOps[] = {
    {"implies", true, Op::kImplies, 0}, {"or", true, Op::kOr, 1},
    {"xor", true, Op::kXor, 1},         {"and", true, Op::kAnd, 2},
    {"in", true, Op::kIn, 3},           {"contains", true, Op::kContains, 3},
    {"=", false, Op::kEq, 4},           {"~", false, Op::kEquiv, 4},
    {"!=", false, Op::kNotEq, 4},       {"!~", false, Op::kNotEquiv, 4},
    {"<", false, Op::kLess, 5},         {">", false, Op::kGreater, 5},
    {"<=", false, Op::kLessEq, 5},      {">=", false, Op::kGreaterEq, 5},
    {"|", false, Op::kUnion, 6},        {"+", false, Op::kAdd, 8},
    {"-", false, Op::kSub, 8},          {"&", false, Op::kConcat, 8},
    {"*", false, Op::kMul, 9},          {"/", false, Op::kDiv, 9},
    {"div", true, Op::kIntDiv, 9},      {"mod", true, Op::kMod, 9},
};
constexpr int kTypeLevel = 7;
constexpr int kUnaryLevel = 10;

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  StatusOr<std::unique_ptr<Node>> Run() {
    auto root = Expression(0);
    if (!root.ok()) return root;
    if (Peek().kind != TokenKind::kEnd) return Error(Peek(), "unexpected '" + Peek().text + "'");
    return root;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = index_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Take() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }
  bool IsPunct(const Token& t, std::string_view p) const {
    return t.kind == TokenKind::kPunct && t.text == p;
  }
  bool AcceptPunct(std::string_view p) {
    if (IsPunct(Peek(), p)) {
      Take();
      return true;
    }
    return false;
  }
  Status Error(const Token& at, std::string message) const {
    return InvalidArgumentError("syntax error at " + PositionText(text_, at.pos) + ": " + message);
  }
  Status Expect(std::string_view p) {
    if (AcceptPunct(p)) return Status::Ok();
    const Token& t = Peek();
    return Error(t, "expected '" + std::string(p) + "' but found " +
                        (t.kind == TokenKind::kEnd ? std::string("the end") : "'" + t.text + "'"));
  }

  static std::unique_ptr<Node> NewNode(Op op, uint32_t pos) {
    auto n = std::make_unique<Node>();
    n->op = op;
    n->pos = pos;
    return n;
  }

  const BinaryOp* BinaryAt(const Token& t) const {
    for (const BinaryOp& b : kBinaryOps) {
      if (b.keyword ? t.kind == TokenKind::kIdentifier && t.text == b.token
                    : t.kind == TokenKind::kPunct && t.text == b.token) {
        return &b;
      }
    }
    return nullptr;
  }

  StatusOr<std::unique_ptr<Node>> Expression(int min_level) {
    if (++depth_ > 200) return Error(Peek(), "expression nested too deeply");
    auto left_or = Unary();
    if (!left_or.ok()) return left_or;
    std::unique_ptr<Node> left = std::move(left_or).value();
    for (;;) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kIdentifier && (t.text == "is" || t.text == "as") &&
          kTypeLevel >= min_level) {
        uint32_t pos = Take().pos;
        auto node = NewNode(t.text == "is" ? Op::kIs : Op::kAs, pos);
        auto spec = TypeSpecifier();
        if (!spec.ok()) return spec.status();
        node->type = std::move(spec).value();
        node->args.push_back(std::move(left));
        left = std::move(node);
        continue;
      }
      const BinaryOp* b = BinaryAt(t);
      if (b == nullptr || b->level < min_level) break;
      uint32_t pos = Take().pos;
      auto right = Expression(b->level + 1);
      if (!right.ok()) return right;
      auto node = NewNode(b->op, pos);
      node->args.push_back(std::move(left));
      node->args.push_back(std::move(right).value());
      left = std::move(node);
    }
    --depth_;
    return left;
  }

  StatusOr<std::unique_ptr<TypeSpec>> TypeSpecifier() {
    auto spec = std::make_unique<TypeSpec>();
    std::vector<std::string> parts;
    for (;;) {
      const Token& t = Peek();
      if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kDelimitedIdentifier) {
        return Error(t, "expected a type name");
      }
      parts.push_back(Take().text);
      if (!(IsPunct(Peek(), ".") && (Peek(1).kind == TokenKind::kIdentifier ||
                                     Peek(1).kind == TokenKind::kDelimitedIdentifier))) {
        break;
      }
      Take();
    }
    if (parts.size() > 2) return Error(Peek(), "a type name has at most a namespace and a name");
    if (parts.size() == 2) spec->ns = parts[0];
    spec->name = parts.back();
    return spec;
  }

  StatusOr<std::unique_ptr<Node>> Unary() {
    const Token& t = Peek();
    if (IsPunct(t, "-") || IsPunct(t, "+")) {
      uint32_t pos = Take().pos;
      bool minus = t.text == "-";
      auto operand = Expression(kUnaryLevel);
      if (!operand.ok()) return operand;
      auto node = NewNode(minus ? Op::kNegate : Op::kPlus, pos);
      node->args.push_back(std::move(operand).value());
      return node;
    }
    auto term = Term();
    if (!term.ok()) return term;
    return Postfix(std::move(term).value());
  }

  StatusOr<std::unique_ptr<Node>> Postfix(std::unique_ptr<Node> left) {
    for (;;) {
      if (IsPunct(Peek(), ".")) {
        Take();
        const Token& name = Peek();
        if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kDelimitedIdentifier) {
          return Error(name, "expected a name after '.'");
        }
        Take();
        if (name.kind == TokenKind::kIdentifier && IsPunct(Peek(), "(")) {
          auto call = FunctionCall(name);
          if (!call.ok()) return call;
          (*call)->focus = std::move(left);
          left = std::move(call).value();
        } else {
          auto node = NewNode(Op::kMember, name.pos);
          node->name = name.text;
          node->focus = std::move(left);
          left = std::move(node);
        }
      } else if (IsPunct(Peek(), "[")) {
        uint32_t pos = Take().pos;
        auto index = Expression(0);
        if (!index.ok()) return index;
        SILTA_RETURN_IF_ERROR(Expect("]"));
        auto node = NewNode(Op::kIndexer, pos);
        node->focus = std::move(left);
        node->args.push_back(std::move(index).value());
        left = std::move(node);
      } else {
        return left;
      }
    }
  }

  StatusOr<std::unique_ptr<Node>> FunctionCall(const Token& name) {
    auto node = NewNode(Op::kFunction, name.pos);
    node->name = name.text;
    SILTA_RETURN_IF_ERROR(Expect("("));
    if (!AcceptPunct(")")) {
      for (;;) {
        auto arg = Expression(0);
        if (!arg.ok()) return arg;
        node->args.push_back(std::move(arg).value());
        if (AcceptPunct(")")) break;
        SILTA_RETURN_IF_ERROR(Expect(","));
      }
    }
    return node;
  }

  StatusOr<std::unique_ptr<Node>> Literal(const Token& t, Value v, std::string text) {
    auto node = NewNode(Op::kLiteral, t.pos);
    node->literal_text = std::move(text);
    node->literal = v;
    return node;
  }

  StatusOr<std::unique_ptr<Node>> Term() {
    const Token t = Peek();
    switch (t.kind) {
      case TokenKind::kEnd:
        return Error(t, "unexpected end of expression");
      case TokenKind::kString: {
        Take();
        auto node = NewNode(Op::kLiteral, t.pos);
        node->literal_text = t.text;
        node->literal = Value::String(node->literal_text);
        return node;
      }
      case TokenKind::kNumber: {
        Take();
        // The lexer made a well-formed number, but one beyond the 128-bit mantissa is refused
        // (found by fuzz_fhirpath: an empty optional was read as a Decimal).
        std::optional<Decimal> number = Decimal::Parse(t.text);
        if (!number) return Error(t, "number literal out of range");
        // A number followed by a unit is a Quantity.
        const Token& next = Peek();
        if (next.kind == TokenKind::kString ||
            (next.kind == TokenKind::kIdentifier && !CalendarUnit(next.text).empty())) {
          Take();
          auto node = NewNode(Op::kLiteral, t.pos);
          node->literal_text = next.text;
          node->literal = Value::Quantity(*number, node->literal_text);
          return node;
        }
        if (t.text.find('.') != std::string::npos) return Literal(t, Value::Dec(*number), "");
        std::optional<int64_t> i = number->ToInt64();
        if (!i) return Error(t, "integer literal out of range");
        return Literal(t, Value::Integer(*i), "");
      }
      case TokenKind::kDate: {
        Take();
        auto d = ParseDate(t.text);
        if (!d) return Error(t, "invalid date @" + t.text);
        return Literal(t, Value::Temporal(DtKind::kDate, *d), "");
      }
      case TokenKind::kDateTime: {
        Take();
        auto d = ParseDateTime(t.text);
        if (!d) return Error(t, "invalid date/time @" + t.text);
        return Literal(t, Value::Temporal(DtKind::kDateTime, *d), "");
      }
      case TokenKind::kTime: {
        Take();
        auto d = ParseTime(t.text);
        if (!d) return Error(t, "invalid time @T" + t.text);
        return Literal(t, Value::Temporal(DtKind::kTime, *d), "");
      }
      case TokenKind::kVariable: {
        Take();
        auto node = NewNode(Op::kVariable, t.pos);
        node->name = t.text;
        return node;
      }
      case TokenKind::kSpecial: {
        Take();
        return NewNode(t.text == "this"    ? Op::kThis
                       : t.text == "index" ? Op::kIndex
                                           : Op::kTotal,
                       t.pos);
      }
      case TokenKind::kDelimitedIdentifier: {
        Take();
        auto node = NewNode(Op::kIdentifier, t.pos);
        node->name = t.text;
        return node;
      }
      case TokenKind::kIdentifier: {
        Take();
        if (t.text == "true" || t.text == "false") {
          return Literal(t, Value::Boolean(t.text == "true"), "");
        }
        if (IsPunct(Peek(), "(")) return FunctionCall(t);
        auto node = NewNode(Op::kIdentifier, t.pos);
        node->name = t.text;
        return node;
      }
      case TokenKind::kPunct:
        if (t.text == "(") {
          Take();
          auto inner = Expression(0);
          if (!inner.ok()) return inner;
          SILTA_RETURN_IF_ERROR(Expect(")"));
          return inner;
        }
        if (t.text == "{") {
          Take();
          SILTA_RETURN_IF_ERROR(Expect("}"));
          return NewNode(Op::kEmpty, t.pos);
        }
        return Error(t, "unexpected '" + t.text + "'");
    }
    return Error(t, "unexpected token");
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
};

}  // namespace

Node::~Node() = default;

StatusOr<std::unique_ptr<Node>> Parse(std::string_view expression) {
  auto tokens = Tokenize(expression);
  if (!tokens.ok()) return tokens.status();
  return Parser(expression, std::move(tokens).value()).Run();
}

const char* OpName(Op op) {
  switch (op) {
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kIntDiv:
      return "div";
    case Op::kMod:
      return "mod";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kConcat:
      return "&";
    case Op::kIs:
      return "is";
    case Op::kAs:
      return "as";
    case Op::kUnion:
      return "|";
    case Op::kLess:
      return "<";
    case Op::kGreater:
      return ">";
    case Op::kLessEq:
      return "<=";
    case Op::kGreaterEq:
      return ">=";
    case Op::kEq:
      return "=";
    case Op::kNotEq:
      return "!=";
    case Op::kEquiv:
      return "~";
    case Op::kNotEquiv:
      return "!~";
    case Op::kIn:
      return "in";
    case Op::kContains:
      return "contains";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kXor:
      return "xor";
    case Op::kImplies:
      return "implies";
    case Op::kNegate:
      return "unary -";
    case Op::kPlus:
      return "unary +";
    default:
      return "expression";
  }
}

}  // namespace silta::fhirpath::internal
