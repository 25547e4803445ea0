#include "adapters.h"

#include "base/files.h"
#include "generic-r4/adapter.h"
#include "json/json.h"
#include "kanta-phr/adapter.h"

namespace silta::adapters {

const std::vector<AdapterKind>& AdapterKinds() {
  // One line per adapter: its kind and how to open it.
  static const std::vector<AdapterKind> kinds = {
      {"generic-r4", &OpenGenericR4},
      {"kanta-phr", &OpenKantaPhr},
  };
  return kinds;
}

StatusOr<std::unique_ptr<Connection>> OpenConnection(const std::filesystem::path& config_file,
                                                     const OpenOptions& options) {
  SILTA_ASSIGN_OR_RETURN(std::string text, ReadFile(config_file));
  SILTA_ASSIGN_OR_RETURN(json::Value json, json::Value::Parse(text, config_file.string()));
  std::string kind = "generic-r4";
  if (const json::Value* named = json.is_object() ? json.Find("kind") : nullptr) {
    kind = named->text();
  }
  std::string known;
  for (const AdapterKind& k : AdapterKinds()) {
    if (k.name == kind) return k.open(config_file, options);
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  return InvalidArgumentError(config_file.string() + ": no adapter of kind \"" + kind +
                              "\" (this build has: " + known + ")");
}

}  // namespace silta::adapters
