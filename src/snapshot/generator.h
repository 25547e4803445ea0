// Internal: snapshot generation for one StructureDefinition and, recursively, the bases and
// datatype profiles it needs. One Generator serves one GenerateSnapshot call: it keeps every
// definition it read alive, because the element trees point into them.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <rapidjson/document.h>

#include "base/issues.h"
#include "base/status.h"
#include "snapshot/snapshot.h"

namespace silta::snapshot::internal {

class Generator {
 public:
  Generator(const DefinitionLookup& lookup, IssueSink* issues) : lookup_(lookup), issues_(issues) {}

  // Replaces (or adds) the snapshot of the StructureDefinition `sd`.
  Status Generate(rapidjson::Document& sd);

  // The StructureDefinition of `canonical` with a snapshot (generated when it has none). The
  // document lives as long as the Generator.
  StatusOr<const rapidjson::Document*> Definition(std::string_view canonical);

  IssueSink* issues() const { return issues_; }

 private:
  const DefinitionLookup& lookup_;
  IssueSink* issues_;
  std::unordered_map<std::string, std::unique_ptr<rapidjson::Document>> definitions_;
  std::unordered_set<std::string> in_progress_;
};

// Parse flags for definitions: full-precision numbers.
inline constexpr unsigned kDefinitionParseFlags = rapidjson::kParseFullPrecisionFlag;

}  // namespace silta::snapshot::internal
