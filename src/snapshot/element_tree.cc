#include "snapshot/element_tree.h"

#include <utility>

#include "base/text.h"

namespace silta::snapshot::internal {
namespace {

std::unique_ptr<Node> NodeFor(const Json& element, Allocator& alloc) {
  auto node = std::make_unique<Node>();
  std::string_view path = json::StringMember(element, "path");
  node->name = std::string(LastPathSegment(path));
  node->slice_name = std::string(json::StringMember(element, "sliceName"));
  node->original = &element;
  node->element.CopyFrom(element, alloc);
  // Elements inherited from a snapshot that lacks `base` take their own path/min/max as base,
  // so the constraint chain stays traceable.
  if (json::Member(element, "base") == nullptr) {
    Json base(rapidjson::kObjectType);
    base.AddMember("path", json::MakeString(path, alloc), alloc);
    if (const Json* min = json::Member(element, "min"))
      base.AddMember("min", Json(*min, alloc), alloc);
    if (const Json* max = json::Member(element, "max"))
      base.AddMember("max", Json(*max, alloc), alloc);
    node->element.AddMember("base", base, alloc);
  }
  return node;
}

void SerializeInto(Node& node, std::string_view parent_id, std::string_view parent_path, Json& out,
                   Allocator& alloc) {
  std::string id(parent_id);
  std::string path(parent_path);
  if (!id.empty()) id += '.';
  if (!path.empty()) path += '.';
  id += node.name;
  path += node.name;
  if (node.is_slice()) {
    id += ':';
    id += node.slice_name;
  }
  Json element(rapidjson::kObjectType);
  element.AddMember("id", json::MakeString(id, alloc), alloc);
  element.AddMember("path", json::MakeString(path, alloc), alloc);
  json::ForEachMember(node.element, [&](std::string_view name, const Json& value) {
    if (name == "id" || name == "path") return;
    element.AddMember(json::MakeString(name, alloc), Json(value, alloc), alloc);
  });
  node.output_index = out.Size();
  out.PushBack(element, alloc);
  for (auto& child : node.children) SerializeInto(*child, id, path, out, alloc);
  // Slices share the sliced element's path; their ids hang off the parent's id.
  for (auto& slice : node.slices) SerializeInto(*slice, parent_id, parent_path, out, alloc);
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) dot = path.size();
    out.push_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

StatusOr<std::unique_ptr<Node>> BuildTree(const Json& elements, Allocator& alloc) {
  if (!elements.IsArray() || elements.Empty()) {
    return InvalidArgumentError("snapshot has no elements");
  }
  const Json& first = elements[0];
  if (!json::StringMember(first, "sliceName").empty() ||
      json::StringMember(first, "path").find('.') != std::string_view::npos) {
    return InvalidArgumentError("snapshot does not start with its root element");
  }
  std::unique_ptr<Node> root = NodeFor(first, alloc);
  // The chain of open nodes with their paths: a new element attaches to the deepest open node
  // whose path is its parent path.
  std::vector<std::pair<Node*, std::string_view>> open = {
      {root.get(), json::StringMember(first, "path")}};
  for (rapidjson::SizeType i = 1; i < elements.Size(); ++i) {
    const Json& element = elements[i];
    std::string_view path = json::StringMember(element, "path");
    std::string_view parent_path = ParentPath(path);
    while (!open.empty() && open.back().second != parent_path) open.pop_back();
    if (open.empty()) {
      return InvalidArgumentError("snapshot element '" + std::string(path) +
                                  "' is not inside the element before it");
    }
    Node* parent = open.back().first;
    std::unique_ptr<Node> node = NodeFor(element, alloc);
    Node* added = node.get();
    if (node->is_slice()) {
      Node* sliced = nullptr;
      for (auto it = parent->children.rbegin(); it != parent->children.rend(); ++it) {
        if ((*it)->name == node->name) {
          sliced = it->get();
          break;
        }
      }
      if (sliced == nullptr) {
        return InvalidArgumentError("snapshot slice '" + std::string(path) + ":" +
                                    node->slice_name + "' has no sliced element before it");
      }
      size_t slash = node->slice_name.rfind('/');
      Node* holder = sliced;
      if (slash != std::string::npos) {
        holder = FindSlice(*sliced, std::string_view(node->slice_name).substr(0, slash));
        if (holder == nullptr) holder = sliced;
      }
      holder->slices.push_back(std::move(node));
    } else {
      parent->children.push_back(std::move(node));
    }
    open.emplace_back(added, path);
  }
  return root;
}

std::unique_ptr<Node> CloneInherited(const Node& node, Allocator& alloc) {
  if (node.original == nullptr) return CloneWorking(node, alloc);
  auto copy = std::make_unique<Node>();
  copy->name = node.name;
  copy->original = node.original;
  copy->element.CopyFrom(*node.original, alloc);
  if (json::Member(copy->element, "base") == nullptr) {
    if (const Json* base = json::Member(node.element, "base")) {
      copy->element.AddMember("base", Json(*base, alloc), alloc);
    }
  }
  json::EraseMember(copy->element, "sliceName");
  json::EraseMember(copy->element, "slicing");
  if (!node.children_from_type) {
    for (const auto& child : node.children) {
      if (child->added_by_differential) continue;
      auto child_copy = CloneInherited(*child, alloc);
      if (const Json* slicing = json::Member(*child->original, "slicing")) {
        child_copy->element.AddMember("slicing", Json(*slicing, alloc), alloc);
      }
      for (const auto& slice : child->slices) {
        if (slice->added_by_differential) continue;
        auto slice_copy = CloneInherited(*slice, alloc);
        slice_copy->slice_name = slice->slice_name;
        json::SetMember(slice_copy->element, "sliceName",
                        json::MakeString(slice->slice_name, alloc), alloc);
        child_copy->slices.push_back(std::move(slice_copy));
      }
      copy->children.push_back(std::move(child_copy));
    }
  }
  return copy;
}

std::unique_ptr<Node> CloneWorking(const Node& node, Allocator& alloc) {
  auto copy = std::make_unique<Node>();
  copy->name = node.name;
  copy->slice_name = node.slice_name;
  copy->original = node.original;
  copy->element.CopyFrom(node.element, alloc);
  copy->children_from_type = node.children_from_type;
  copy->added_by_differential = node.added_by_differential;
  for (const auto& child : node.children) copy->children.push_back(CloneWorking(*child, alloc));
  for (const auto& slice : node.slices) copy->slices.push_back(CloneWorking(*slice, alloc));
  return copy;
}

Node* FindChild(Node& parent, std::string_view name) {
  for (auto& child : parent.children) {
    if (child->name == name) return child.get();
  }
  return nullptr;
}

Node* FindSlice(Node& sliced, std::string_view slice_name) {
  size_t slash = slice_name.rfind('/');
  Node* holder = &sliced;
  if (slash != std::string_view::npos) {
    holder = FindSlice(sliced, slice_name.substr(0, slash));
    if (holder == nullptr) return nullptr;
  }
  for (auto& slice : holder->slices) {
    if (slice->slice_name == slice_name) return slice.get();
  }
  return nullptr;
}

void Serialize(Node& root, Json& out, Allocator& alloc) {
  SerializeInto(root, std::string_view(), std::string_view(), out, alloc);
}

}  // namespace silta::snapshot::internal
