// libFuzzer target for the FHIRPath engine: lexer, parser, compiler and evaluator. The input is
// an expression, optionally followed by a NUL byte and a FHIR JSON resource to evaluate on
// instead of the fixed one. Any expression must compile to an error or evaluate to a result or
// an error, never a crash, a leak, undefined behaviour or a hang; every result value must stay
// readable (Describe) for as long as the compiled expression and the document are alive.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "context/context.h"
#include "fhirpath/datetime.h"
#include "fhirpath/fhirpath.h"
#include "formats/formats.h"

namespace {

namespace fp = silta::fhirpath;

// Small, but with the kinds of values functions treat differently: primitives with extensions,
// choice elements, a Quantity, dates of several precisions, a contained resource and references.
constexpr std::string_view kResource = R"({
  "resourceType": "Patient",
  "id": "p1",
  "meta": {"profile": ["http://example.org/StructureDefinition/p"]},
  "contained": [{
    "resourceType": "Observation", "id": "o1", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Weight"}]},
    "subject": {"reference": "#"},
    "effectiveDateTime": "2024-02-29T12:30:00+02:00",
    "valueQuantity": {"value": 72.50, "unit": "kg", "system": "http://unitsofmeasure.org",
                      "code": "kg"}
  }],
  "extension": [{"url": "http://example.org/e", "valueDecimal": 1.10}],
  "identifier": [{"use": "official", "system": "urn:oid:1.2.246.21", "value": "120385-912H"}],
  "active": true,
  "name": [{"use": "official", "family": "Testi", "given": ["Aino", "Maria"],
            "_given": [null, {"extension": [{"url": "http://example.org/q", "valueCode": "CL"}]}]},
           {"given": ["Äiti"]}],
  "gender": "female",
  "birthDate": "1985-03",
  "deceasedBoolean": false,
  "multipleBirthInteger": 2,
  "generalPractitioner": [{"reference": "Observation/o1"}, {"reference": "#o1"}]
})";

std::shared_ptr<const silta::model::TypeModel> g_model;
std::unique_ptr<silta::model::Document> g_document;
std::optional<fp::DateTime> g_now;

// Reads every byte of every value's text, so that a value viewing freed memory is caught here.
size_t Touch(const fp::ValueList& values) {
  size_t total = 0;
  for (const fp::Value& v : values) {
    fp::DescribedValue d = fp::Describe(v);
    for (char c : d.type) total += static_cast<unsigned char>(c);
    for (char c : d.value) total += static_cast<unsigned char>(c);
  }
  return total;
}

class Sink : public fp::TraceSink {
 public:
  void Trace(std::string_view name, const fp::ValueList& values) override {
    total_ += name.size() + Touch(values);
  }
  size_t total_ = 0;
};

// `input` null: the element model needs the type model, so without one only the expression's
// own values (literals, functions of them) are evaluated, on an empty input collection.
void Run(const fp::CompiledExpression& expression, const silta::model::Element* input) {
  Sink sink;
  fp::EvaluationContext context;
  context.now = g_now;  // now() must not make a run unrepeatable
  context.trace = &sink;
  auto result = input != nullptr ? fp::Evaluate(expression, input, context)
                                 : fp::Evaluate(expression, fp::ValueList{}, context);
  if (!result.ok()) return;
  // The expression is alive (the caller holds it) while the results are read.
  volatile size_t total = Touch(result->items()) + sink.total_;
  (void)total;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The R4 type model makes is/as/ofType and the compile-time checks reachable; without the core
  // package installed the engine is still fuzzed, model-free.
  if (auto model = silta::context::CoreTypeModel(); model.ok()) {
    g_model = *model;
  } else {
    std::cerr << "fuzz_fhirpath: no R4 type model (" << model.status().message()
              << "); fuzzing without one\n";
  }
  if (g_model != nullptr) {
    silta::IssueCollector sink;
    g_document = silta::formats::ParseJson(kResource, g_model, sink);
    if (g_document == nullptr || sink.HasErrors()) {
      for (const auto& i : sink.issues()) std::cerr << silta::FormatIssue(i) << "\n";
      std::abort();
    }
  }
  g_now = fp::ParseDateTime("2026-12-01T10:00:00.000+02:00");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view text = input.substr(0, input.find('\0'));
  std::unique_ptr<silta::model::Document> own;
  const silta::model::Element* root = g_document != nullptr ? g_document->root() : nullptr;
  if (text.size() < input.size() && g_model != nullptr) {
    silta::IssueCollector sink;
    own = silta::formats::ParseJson(input.substr(text.size() + 1), g_model, sink);
    if (own == nullptr || sink.HasErrors()) return 0;
    root = own->root();
  }
  auto plain = fp::CompiledExpression::Compile(text);
  if (plain.ok()) Run(**plain, root);
  if (g_model != nullptr) {
    for (bool strict : {false, true}) {
      auto typed = fp::CompiledExpression::Compile(
          text, {.model = g_model, .context_type = std::string(root->name()), .strict = strict});
      if (typed.ok()) Run(**typed, root);
    }
  }
  return 0;
}
