// Internal: the element tree snapshot generation works on. A snapshot's flat element list is
// turned into nodes (children by name, slices under the element they slice, re-slices under
// their slice) so differential elements are found by id without scanning the whole list, and
// ids/paths are recomputed on output, which rebases datatype elements for free.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "json/json.h"

namespace silta::snapshot::internal {

// Snapshot generation edits definitions as RapidJSON values.
using Json = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

struct Node {
  std::string name;        // the last path segment: "identifier", "value[x]"
  std::string slice_name;  // empty unless a slice; a re-slice keeps its full "a/b"
  // The inherited definition (before this profile's differential), in a document that outlives
  // the generation; null for elements a logical model adds.
  const Json* original = nullptr;
  Json element;  // the working definition, in the output document's allocator
  std::vector<std::unique_ptr<Node>> children;
  std::vector<std::unique_ptr<Node>> slices;  // slices of this element (re-slices for a slice)
  bool children_from_type = false;            // expanded on demand from the type's definition
  bool added_by_differential = false;         // a new slice or a new logical-model element
  size_t output_index = 0;

  bool is_slice() const { return !slice_name.empty(); }
};

// Builds the tree of a snapshot `element` array (paths and sliceNames decide the structure).
// Working elements are copied into `alloc`; `original` points into `elements`.
StatusOr<std::unique_ptr<Node>> BuildTree(const Json& elements, Allocator& alloc);

// A copy of `node` as inherited (original definitions), for a new slice: children (with their
// slices) inherited from the base come along, the node's own slices and anything the
// differential added do not; children expanded from a type are left to be expanded again.
std::unique_ptr<Node> CloneInherited(const Node& node, Allocator& alloc);

// A deep copy of the working state of `node` and its descendants.
std::unique_ptr<Node> CloneWorking(const Node& node, Allocator& alloc);

Node* FindChild(Node& parent, std::string_view name);
// `slice_name` may be a re-slice "a/b": found under slice "a".
Node* FindSlice(Node& sliced, std::string_view slice_name);

// Appends the elements of the tree in snapshot order to `out` (an array), setting id and path.
// Records each node's output_index.
void Serialize(Node& root, Json& out, Allocator& alloc);

// Splits "a.b:c.d" into segments, keeping '.' inside slice names out of consideration (slice
// names cannot contain '.').
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace silta::snapshot::internal
