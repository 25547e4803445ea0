// The function table. Each family (existence, filtering, strings...) lives in its own
// fn_*.cc file and contributes its entries through a Register*Functions() call; FindFunction
// looks names up in the one table they build.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirpath/engine.h"

namespace silta::fhirpath::internal {

// One call of a function: its input (focus), its arguments and the output collection.
class Call {
 public:
  Call(EvalState& state, const Node& call_node, const ValueList& input, ValueList& output)
      : st(state), node(call_node), focus(input), out(output) {}

  EvalState& st;
  const Node& node;
  const ValueList& focus;
  ValueList& out;

  size_t argc() const { return node.args.size(); }
  // Evaluates argument i in the caller's context ($this unchanged).
  bool Arg(size_t i, ValueList& result);
  // Evaluates argument i with $this = item and $index = index (criteria, projections).
  bool Lambda(size_t i, const Value& item, int64_t index, ValueList& result);
  // Argument i evaluated with `focus_list` as $this, even when it is empty.
  bool ArgOn(size_t i, const ValueList& focus_list, ValueList& result);
  bool Fail(std::string_view message) { return st.Fail(node, message); }

  // Argument i as a single value of a System type; nullopt if empty. Fails on other types.
  // Argument i as at most one value (more is an error); nullopt when it is empty.
  bool SingletonArg(size_t i, std::optional<Value>* v);
  bool IntegerArg(size_t i, std::optional<int64_t>* v);
  bool StringArg(size_t i, std::optional<std::string_view>* v);
  bool DecimalArg(size_t i, std::optional<Decimal>* v);  // Integer accepted
  // The focus as a single System value; nullopt when empty (or an element without value).
  bool FocusSingleton(std::optional<Value>* v) { return Singleton(node, st, focus, v, "input"); }
  // The focus as a single String (FHIR string-like primitives included); Fails on other types.
  bool FocusString(std::optional<std::string_view>* v);

  void Push(const Value& v) { out.push_back(v); }
  // Fails when `computed` is longer than kMaxComputedTextBytes.
  [[nodiscard]] bool PushString(std::string_view computed) {
    if (computed.size() > kMaxComputedTextBytes) return Fail(kTextTooLong);
    out.push_back(Value::String(st.Store(computed)));
    return true;
  }
};

using FunctionImpl = bool (*)(Call& call);

enum FunctionFlags : uint8_t {
  kTypeArgument = 1,    // the argument is a type specifier (is, as, ofType)
  kRegexArgument = 2,   // argument 0 is a regex, compiled once when it is a literal
  kNeedsOrder = 4,      // meaningless on an unordered input (strict mode check)
  kMakesUnordered = 8,  // result order is not meaningful (children, descendants)
  kKeepsType = 16,      // result items have the input's static type (where, first...)
  kLambda = 32,         // arguments are evaluated once per input item ($this = the item)
};

struct FunctionDef {
  std::string_view name;
  uint8_t min_args;
  uint8_t max_args;
  FunctionImpl impl;
  uint8_t flags = 0;
};

class FunctionRegistry {
 public:
  void Add(const FunctionDef& def) { defs_.push_back(def); }
  const FunctionDef* Find(std::string_view name) const;
  void Sort();

 private:
  std::vector<FunctionDef> defs_;
};

const FunctionDef* FindFunction(std::string_view name);

void RegisterExistenceFunctions(FunctionRegistry& r);
void RegisterFilteringFunctions(FunctionRegistry& r);
void RegisterSubsettingFunctions(FunctionRegistry& r);
void RegisterCombiningFunctions(FunctionRegistry& r);
void RegisterConversionFunctions(FunctionRegistry& r);
void RegisterStringFunctions(FunctionRegistry& r);
void RegisterMathFunctions(FunctionRegistry& r);
void RegisterNavigationFunctions(FunctionRegistry& r);
void RegisterUtilityFunctions(FunctionRegistry& r);
void RegisterAggregateFunctions(FunctionRegistry& r);
void RegisterTypeFunctions(FunctionRegistry& r);
void RegisterFhirFunctions(FunctionRegistry& r);
void RegisterBoundaryFunctions(FunctionRegistry& r);

// A compiled PCRE2 pattern, shareable between threads (match data is per call).
class Regex {
 public:
  // FHIRPath regexes: single-line mode ('.' matches newlines), Unicode.
  static std::optional<std::shared_ptr<const Regex>> Compile(std::string_view pattern,
                                                             std::string* error);
  bool matches_empty_only() const { return empty_pattern_; }
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Searches (anywhere) or matches the whole string; nullopt on a matching error.
  std::optional<bool> Search(std::string_view subject, bool whole) const;
  std::optional<std::string> Replace(std::string_view subject, std::string_view replacement,
                                     std::string* error) const;

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code*
  bool empty_pattern_ = false;
};

}  // namespace silta::fhirpath::internal
