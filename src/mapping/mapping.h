// Facade of the mapping module: client records ⇄ FHIR R4 resources, driven by the declarative
// mapping modules in mappings/<module>/mapping.json (format: mappings/README.md).
//
// Records enter and leave as their canonical JSON (the records module reads and checks JSON,
// NDJSON and XML records against the contract; RecordJson turns a read record into that JSON
// without text); resources leave as FHIR JSON in a Bundle.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "json/json.h"
#include "mapping/module.h"
#include "mapping/narrative.h"
#include "model/type_model.h"
#include "records/records.h"

namespace silta::mapping {

enum class BundleKind { kTransaction, kCollection };

struct MapperOptions {
  // Base of Silta's canonical URLs (profiles, extensions, identifier systems).
  std::string canonical_base = "https://silta.example.fi/fhir";
  BundleKind bundle_kind = BundleKind::kTransaction;
};

// The identity of a resource made from a record part.
struct PartIdentity {
  std::string county_code;
  std::string client_id;
  std::string module;
  std::string part_id;  // empty for the record root
};

// The contract JSON of a record (the value records::WriteJson writes), built without text.
json::Value RecordJson(const records::ClientRecord& record);

class Mapper {
 public:
  // Loads every mappings/<module>/mapping.json under `mappings_dir`. Exactly one module must map
  // the record root (source "$"): the client. With `problems`, each problem of a module file is
  // also reported there with its location (LoadModule). This compiles the modules against the
  // FHIR type model only; what runs the mapping loads it through maptools::LoadCheckedMapper,
  // which also holds it to the contract and the profiles.
  static StatusOr<std::shared_ptr<const Mapper>> Load(const std::filesystem::path& mappings_dir,
                                                      std::shared_ptr<const model::TypeModel> model,
                                                      MapperOptions options = {},
                                                      IssueSink* problems = nullptr);

  const std::vector<std::shared_ptr<const Module>>& modules() const { return modules_; }
  const MapperOptions& options() const { return options_; }

  // A record (contract JSON, already checked by the records module) → a Bundle of FHIR
  // resources, one per record part, each with a generated narrative (narrative.h) unless its
  // module turns it off. Problems go to `sink`; nullopt when any is an error.
  std::optional<json::Value> ToFhir(const json::Value& record, IssueSink& sink) const;
  // The same from a record read by the records module: ToFhir(RecordJson(record), sink).
  std::optional<json::Value> ToFhir(const records::ClientRecord& record, IssueSink& sink) const;
  // A Bundle made by ToFhir (or the same resources read back from a server) → the record. The
  // narrative is not read: it only repeats the data.
  std::optional<json::Value> FromFhir(const json::Value& bundle, IssueSink& sink) const;

  // The business identifier every produced resource carries: system and value.
  std::string PartIdentifierSystem() const;
  static std::string PartIdentifierValue(const PartIdentity& part);
  static std::optional<PartIdentity> ParsePartIdentifierValue(std::string_view value);

 private:
  Mapper() = default;
  const Module* FindModule(std::string_view name) const;

  std::shared_ptr<const model::TypeModel> model_;
  MapperOptions options_;
  std::vector<std::shared_ptr<const Module>> modules_;
  // The narrative table of each module's resource type, in the order of modules_.
  std::vector<NarrativeTable> narrative_tables_;
  const Module* root_ = nullptr;
};

// Calls `fn` on every Reference-shaped object ({"reference": "..."}) in a resource, outermost
// first.
void ForEachReference(json::Value& node, const std::function<void(json::Value&)>& fn);

}  // namespace silta::mapping
