// Facade of the snapshot module: StructureDefinition snapshot generation (FHIR R4 "snapshot from
// differential"), so profiles shipped with a differential only (FSH/SUSHI output) can be
// validated.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/issues.h"
#include "base/status.h"
#include "packages/packages.h"

namespace silta::snapshot {

// Returns the StructureDefinition JSON text of a canonical URL (optionally url|version), or
// nullopt.
using DefinitionLookup = std::function<std::optional<std::string>(std::string_view canonical)>;

// Builds the snapshot of `structure_definition_json` from its base (found through `lookup`; a base
// lacking a snapshot is generated first, recursively, cycles detected) and its differential.
// Returns the whole StructureDefinition JSON with `snapshot` filled in (an existing one is
// replaced). Problems in the differential (unknown paths, order, slice definitions without
// slicing, type constraints not allowed by the base, min/max widening) go to `issues` with the
// StructureDefinition url (Issue::source) and the element id (Issue::expression).
// Fails (Status) when the JSON cannot be parsed, is not a StructureDefinition, or a base or type
// definition it needs cannot be found.
StatusOr<std::string> GenerateSnapshot(std::string_view structure_definition_json,
                                       const DefinitionLookup& lookup, IssueSink* issues = nullptr);

// Stable message ids of the issues GenerateSnapshot reports.
inline constexpr std::string_view kUnknownPath = "SNAPSHOT_UNKNOWN_PATH";
inline constexpr std::string_view kOutOfOrder = "SNAPSHOT_DIFFERENTIAL_ORDER";
inline constexpr std::string_view kSliceWithoutSlicing = "SNAPSHOT_SLICE_WITHOUT_SLICING";
inline constexpr std::string_view kTypeNotInBase = "SNAPSHOT_TYPE_NOT_IN_BASE";
inline constexpr std::string_view kMinWidened = "SNAPSHOT_MIN_WIDENED";
inline constexpr std::string_view kMaxWidened = "SNAPSHOT_MAX_WIDENED";
inline constexpr std::string_view kNotExpandable = "SNAPSHOT_CANNOT_EXPAND";
inline constexpr std::string_view kBindingWeakened = "SNAPSHOT_BINDING_WEAKENED";
inline constexpr std::string_view kMinAboveMax = "SNAPSHOT_MIN_ABOVE_MAX";
inline constexpr std::string_view kSlicingSingle = "SNAPSHOT_SLICING_NOT_REPEATING";

// Memoizing, thread-safe source of StructureDefinitions with snapshots: a definition that has a
// snapshot is returned as is, one that has not is generated once and kept.
class SnapshotCache {
 public:
  // `extra` is asked first (profiles under development, an IG's own package...), then `context`.
  explicit SnapshotCache(std::shared_ptr<const packages::ConformanceContext> context,
                         DefinitionLookup extra = nullptr, IssueSink* issues = nullptr);

  // The StructureDefinition JSON of `canonical` (url or url|version) with a snapshot; NotFound
  // when neither source knows it.
  StatusOr<std::shared_ptr<const std::string>> Get(std::string_view canonical);

 private:
  std::optional<std::string> ReadSource(std::string_view canonical) const;

  std::shared_ptr<const packages::ConformanceContext> context_;
  DefinitionLookup extra_;
  IssueSink* issues_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> done_;
};

}  // namespace silta::snapshot
