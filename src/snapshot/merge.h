// Internal: applying one differential element to the inherited element definition.
#pragma once

#include <string_view>

#include "base/issues.h"
#include "json/json.h"

namespace silta::snapshot::internal {

// Snapshot generation edits definitions as RapidJSON values.
using Json = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

struct MergeContext {
  std::string_view sd_url;      // the profile being generated, for issue sources and constraints
  std::string_view element_id;  // for issue expressions
  IssueSink* issues = nullptr;
  // A slice this differential just created: its min may be below the sliced element's.
  bool new_slice = false;
};

void ReportIssue(const MergeContext& ctx, Severity severity, IssueType type,
                 std::string_view message_id, std::string message);

// Constrains `target` (the inherited definition, edited in place) by `diff`, the ElementDefinition
// of the differential. Reports widening and type problems to ctx.issues.
void MergeDifferential(Json& target, const Json& diff, Allocator& alloc, const MergeContext& ctx);

// The FHIR type codes of an element's type list.
bool HasTypeCode(const Json& element, std::string_view code);

// "*" as the largest value; nullopt-like -1 when absent or not a number.
long long ParseMax(std::string_view max);

}  // namespace silta::snapshot::internal
