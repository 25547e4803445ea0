#include "sync/projection.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace silta::sync {
namespace {

// Members every receiver of a resource gets, whatever its items.
constexpr std::string_view kIdentityMembers[] = {"resourceType", "id", "meta", "implicitRules",
                                                 "language"};

std::string TextOf(const json::Value& object, std::string_view name) {
  const json::Value* v = object.is_object() ? object.Find(name) : nullptr;
  return v != nullptr && v->is_scalar() ? v->text() : std::string();
}

bool UnderNonDisclosure(const json::Value& resource) {
  const json::Value* meta = resource.Find("meta");
  const json::Value* security =
      meta != nullptr && meta->is_object() ? meta->Find("security") : nullptr;
  if (security == nullptr) return false;
  return std::any_of(security->items().begin(), security->items().end(), [](const json::Value& c) {
    return TextOf(c, "system") == kSecurityLabelSystem && TextOf(c, "code") == kNonDisclosureCode;
  });
}

// What non-disclosure hides: where the client lives and how to reach them.
bool IsNonDisclosed(std::string_view member, const json::Value& element) {
  return member == "address" || member == "telecom" ||
         (member == "extension" && TextOf(element, "url") == kMunicipalityExtension);
}

// Ids of contained resources referred to ("#org1") anywhere under `node`.
void CollectLocalReferences(const json::Value& node, std::set<std::string, std::less<>>& out) {
  if (node.is_array()) {
    for (const auto& item : node.items()) CollectLocalReferences(item, out);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [name, value] : node.members()) {
    if (name == "reference" && value.is_scalar() && value.text().starts_with('#')) {
      out.insert(value.text().substr(1));
    } else {
      CollectLocalReferences(value, out);
    }
  }
}

}  // namespace

bool Governs(const RoutingPolicy& policy, const Target& target, int item) {
  return target.levels.contains(policy.LevelOf(item)) &&
         (target.only_items.empty() || target.only_items.contains(item)) &&
         !target.withheld_items.contains(item);
}

Projection Project(const mapping::Module& module, const json::Value& resource,
                   const RoutingPolicy& policy, const Target& target,
                   std::string_view part_identifier_system, bool anchor) {
  Projection out;
  std::optional<int> whole;
  if (module.has_resource_items()) {
    whole = module.ResourceItem(resource);
    if (!whole || !Governs(policy, target, *whole)) return out;
    out.items.insert(*whole);
  }
  const bool hide_non_disclosed = !target.receives_non_disclosed && UnderNonDisclosure(resource);
  const std::string type = TextOf(resource, "resourceType");

  auto keep = [&](std::string_view member, const json::Value& element) {
    if (hide_non_disclosed && IsNonDisclosed(member, element)) return false;
    if (whole) return true;
    if (member == "identifier" && TextOf(element, "system") == part_identifier_system) return true;
    std::optional<int> item = module.ElementItem(member, element);
    if (!item) {
      std::string where = type + "." + std::string(member);
      if (std::find(out.unaccounted.begin(), out.unaccounted.end(), where) ==
          out.unaccounted.end()) {
        out.unaccounted.push_back(std::move(where));
      }
      return false;
    }
    if (*item == mapping::kIdentityCore) return true;
    if (!Governs(policy, target, *item)) return false;
    out.items.insert(*item);
    return true;
  };

  // First the members that carry data, so that the contained resources and the narrative can
  // follow what is kept.
  std::vector<std::pair<std::string, std::optional<json::Value>>> kept;
  bool dropped = false;
  for (const auto& [name, value] : resource.members()) {
    if (name == "text" || name == "contained") {
      kept.emplace_back(name, std::nullopt);
      continue;
    }
    if (std::find(std::begin(kIdentityMembers), std::end(kIdentityMembers), name) !=
        std::end(kIdentityMembers)) {
      kept.emplace_back(name, value);
      continue;
    }
    if (value.is_array()) {
      json::Value entries = json::Value::Array();
      for (const auto& entry : value.items()) {
        if (keep(name, entry)) {
          entries.Append(entry);
        } else {
          dropped = true;
        }
      }
      kept.emplace_back(
          name, entries.items().empty() ? std::nullopt : std::optional<json::Value>(entries));
    } else if (keep(name, value)) {
      kept.emplace_back(name, value);
    } else {
      dropped = true;
      kept.emplace_back(name, std::nullopt);
    }
  }
  // The identity core alone is nothing to send, unless the target's other resources need it.
  if (out.items.empty() && !anchor) return out;

  std::set<std::string, std::less<>> referred;
  for (const auto& [name, value] : kept) {
    if (value) CollectLocalReferences(*value, referred);
  }
  json::Value projected = json::Value::Object();
  for (auto& [name, value] : kept) {
    if (name == "text") {
      if (!dropped) projected["text"] = *resource.Find("text");
    } else if (name == "contained") {
      json::Value contained = json::Value::Array();
      for (const auto& c : resource.Find("contained")->items()) {
        if (referred.contains(TextOf(c, "id"))) contained.Append(c);
      }
      if (!contained.items().empty()) projected["contained"] = std::move(contained);
    } else if (value) {
      projected[name] = std::move(*value);
    }
  }
  out.resource = std::move(projected);
  return out;
}

}  // namespace silta::sync
