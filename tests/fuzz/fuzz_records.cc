// libFuzzer target for one client record reader (SILTA_FUZZ_RECORDS_FORMAT: kJson or kXml), and
// the writers on whatever it accepts. Any input must give issues, never a crash, a leak or
// undefined behaviour; an accepted record must come back equal from both written forms.
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "records/records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  silta::IssueCollector sink;
  auto record = silta::records::Read(text, silta::records::Format::SILTA_FUZZ_RECORDS_FORMAT, sink);
  if (!record) return 0;
  for (auto format : {silta::records::Format::kJson, silta::records::Format::kXml}) {
    std::string out = silta::records::Write(*record, format);
    silta::IssueCollector again;
    auto reread = silta::records::Read(out, format, again);
    if (!reread || !(*reread == *record)) {
      std::cerr << "accepted record did not survive a round trip:\n" << out << "\n";
      for (const auto& i : again.issues()) std::cerr << silta::FormatIssue(i) << "\n";
      std::abort();
    }
  }
  return 0;
}
