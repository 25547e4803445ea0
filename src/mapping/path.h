// Restricted FHIRPath paths used by mapping rules, on both sides of a mapping:
//   identifier.where(system='urn:oid:1.2.246.21').value
//   extension('https://example.org/ext').valueCode
//   name[0].given
//   identifiers[].where(type='hetu').value      (record side: [] marks an array field)
// A path selects nodes when reading and creates them when writing: the `where` equalities
// become the values of a newly created node, so one path serves both directions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "json/json.h"

namespace silta::mapping {

struct PathFilter {
  std::vector<std::string> path;  // "type.coding.code" → {"type", "coding", "code"}
  json::Value value;              // a string, boolean or number constant
  std::vector<bool> is_array;     // per step of `path`, filled by the side's compiler
};

struct PathSegment {
  std::string name;
  std::optional<uint32_t> index;
  std::vector<PathFilter> filters;
  bool array_marker = false;  // written "name[]"
  bool append = false;        // written "name[+]": a write always adds a new element here
  // Filled by the compiler of the side the path belongs to: whether the member holds an array.
  bool is_array = false;
};

struct Path {
  std::string text;
  std::vector<PathSegment> segments;
  bool empty() const { return segments.empty(); }
};

// Parses a path; an empty text or "$" is the empty path (the context itself).
StatusOr<Path> ParsePath(std::string_view text);

// Nodes selected by `path` under `context` (arrays are flattened, filters applied).
std::vector<const json::Value*> Select(const json::Value& context, const Path& path);
// The same into `out` (cleared first), for callers that select many times and keep the buffer.
void Select(const json::Value& context, const Path& path, std::vector<const json::Value*>& out);
std::vector<json::Value*> SelectMutable(json::Value& context, const Path& path);

// True when `node` satisfies every filter.
bool MatchesFilters(const json::Value& node, const std::vector<PathFilter>& filters);

// The node a write to `path` goes to. Array segments marked [+] always get a new element (with
// its filter values set); with `fresh`, so does the last array segment of a path that marks
// none, so that each value of a repeating record field lands in its own element. Every other
// segment reuses the first matching node or creates it. Returns null when an existing scalar
// blocks the way.
json::Value* Create(json::Value& context, const Path& path, bool fresh);

}  // namespace silta::mapping
