// libFuzzer target for one FHIR parser (SILTA_FUZZ_FORMAT: kJson or kXml), and the writers on
// whatever it accepts. Any input must give issues, never a crash, a leak or undefined
// behaviour; accepted input must serialise to JSON and XML that parse again without errors.
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "context/context.h"
#include "formats/formats.h"

namespace {
std::shared_ptr<const silta::model::TypeModel> g_model;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto model = silta::context::CoreTypeModel();
  if (!model.ok()) {
    std::cerr << model.status().message() << "\n";
    std::abort();
  }
  g_model = *model;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  silta::IssueCollector sink;
  auto doc = silta::formats::Parse(text, silta::formats::Format::SILTA_FUZZ_FORMAT, g_model, sink);
  if (doc == nullptr || sink.HasErrors()) return 0;
  for (auto format : {silta::formats::Format::kJson, silta::formats::Format::kXml}) {
    std::string out = silta::formats::Write(*doc->root(), format);
    silta::IssueCollector again;
    auto doc2 = silta::formats::Parse(out, format, g_model, again);
    if (doc2 == nullptr || again.HasErrors()) {
      std::cerr << "accepted input did not survive a round trip:\n" << out << "\n";
      for (const auto& i : again.issues()) std::cerr << silta::FormatIssue(i) << "\n";
      std::abort();
    }
  }
  return 0;
}
