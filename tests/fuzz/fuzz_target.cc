// libFuzzer target for one FHIR parser (SILTA_FUZZ_FORMAT: kJson or kXml), and the writers on
// whatever it accepts. Any input must give issues, never a crash, a leak or undefined
// behaviour; accepted input must serialise to JSON and XML that parse again without errors.
// For JSON, the first stage (ParseJsonTree, simdjson with RapidJSON as its fallback) must also
// give exactly what RapidJSON alone gives: the same tree and offsets, or the same error.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory_resource>

#include "context/context.h"
#include "formats/formats.h"
#include "formats/json_tree.h"

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

namespace {

constexpr silta::formats::Format kFormat = silta::formats::Format::SILTA_FUZZ_FORMAT;

void CheckJsonTreeParity(std::string_view text) {
  std::pmr::monotonic_buffer_resource arena;
  silta::formats::JsonNode fast, reference;
  silta::formats::JsonParseError fast_error, reference_error;
  bool fast_ok = silta::formats::ParseJsonTree(text, &arena, 256, &fast, &fast_error);
  bool reference_ok =
      silta::formats::ParseJsonTreeWithRapidJson(text, &arena, 256, &reference, &reference_error);
  bool same =
      fast_ok == reference_ok && (fast_ok ? silta::formats::JsonTreesIdentical(fast, reference)
                                          : fast_error.message == reference_error.message &&
                                                fast_error.offset == reference_error.offset);
  if (!same) {
    std::cerr << "ParseJsonTree and RapidJSON disagree: " << (fast_ok ? "ok" : fast_error.message)
              << " at " << fast_error.offset << " vs "
              << (reference_ok ? "ok" : reference_error.message) << " at " << reference_error.offset
              << "\n";
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (kFormat == silta::formats::Format::kJson) CheckJsonTreeParity(text);
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
