#include "mapping/mapping.h"

namespace silta::mapping {

void ForEachReference(json::Value& node, const std::function<void(json::Value&)>& fn) {
  if (node.is_array()) {
    for (auto& item : node.items()) ForEachReference(item, fn);
  } else if (node.is_object()) {
    if (const json::Value* ref = node.Find("reference"); ref != nullptr && ref->is_scalar()) {
      fn(node);
    }
    for (auto& [key, value] : node.members()) ForEachReference(value, fn);
  }
}

}  // namespace silta::mapping
