// libFuzzer target for mapping::JsonValue::Parse, the JSON reader of mapping files, sync
// policies and adapter configs, and its writer. Any input must give a value or an error,
// never a crash, a leak or undefined behaviour; what it accepts must be written (compact and
// pretty) as JSON that parses back to an equal value.
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "mapping/json_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = silta::mapping::JsonValue::Parse(text, "fuzz.json");
  if (!value.ok()) return 0;
  for (bool pretty : {false, true}) {
    std::string out = value->ToString(pretty);
    auto again = silta::mapping::JsonValue::Parse(out, "written.json");
    if (!again.ok() || !(*again == *value) ||
        !silta::mapping::JsonValue::EqualUnordered(*again, *value)) {
      std::cerr << "accepted JSON did not survive a round trip:\n"
                << out << "\n"
                << (again.ok() ? "(parsed to another value)" : again.status().message()) << "\n";
      std::abort();
    }
  }
  return 0;
}
