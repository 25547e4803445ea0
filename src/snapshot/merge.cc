#include "snapshot/merge.h"

#include <charconv>
#include <limits>
#include <string>
#include <utility>

#include "snapshot/snapshot.h"

namespace silta::snapshot::internal {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsValueMember(std::string_view name) {
  return StartsWith(name, "fixed") || StartsWith(name, "pattern");
}

// Markdown beginning with "..." extends the inherited text instead of replacing it.
void MergeText(Json& target, std::string_view name, const Json& value, Allocator& alloc) {
  std::string_view text = json::AsString(value);
  std::string_view inherited = json::StringMember(target, name);
  if (StartsWith(text, "...") && !inherited.empty()) {
    std::string joined(inherited);
    joined += "\r\n";
    joined += text.substr(3);
    json::SetMember(target, name, json::MakeString(joined, alloc), alloc);
    return;
  }
  json::SetMember(target, name, Json(value, alloc), alloc);
}

// Appends the strings of `value` missing from the array `name` of `target`.
void UnionStrings(Json& target, std::string_view name, const Json& value, Allocator& alloc) {
  if (!value.IsArray()) return;
  Json* existing = json::MutableMember(target, name);
  if (existing == nullptr || !existing->IsArray()) {
    json::SetMember(target, name, Json(value, alloc), alloc);
    return;
  }
  for (const Json& item : value.GetArray()) {
    bool present = false;
    for (const Json& have : existing->GetArray()) present = present || have == item;
    if (!present) existing->PushBack(Json(item, alloc), alloc);
  }
}

void MergeConstraints(Json& target, const Json& value, Allocator& alloc, const MergeContext& ctx) {
  if (!value.IsArray()) return;
  Json* existing = json::MutableMember(target, "constraint");
  if (existing == nullptr || !existing->IsArray()) {
    json::SetMember(target, "constraint", Json(rapidjson::kArrayType), alloc);
    existing = json::MutableMember(target, "constraint");
  }
  for (const Json& constraint : value.GetArray()) {
    std::string_view key = json::StringMember(constraint, "key");
    bool replaced = false;
    for (Json& have : existing->GetArray()) {
      if (!key.empty() && json::StringMember(have, "key") == key) {
        have.CopyFrom(constraint, alloc);
        replaced = true;
      }
    }
    Json* added = nullptr;
    if (!replaced) {
      existing->PushBack(Json(constraint, alloc), alloc);
      added = &(*existing)[existing->Size() - 1];
    }
    if (added != nullptr && json::Member(*added, "source") == nullptr && !ctx.sd_url.empty()) {
      added->AddMember("source", json::MakeString(ctx.sd_url, alloc), alloc);
    }
  }
}

// Member-wise: a differential binding may change the strength and keep the value set.
void MergeObject(Json& target, std::string_view name, const Json& value, Allocator& alloc) {
  Json* existing = json::MutableMember(target, name);
  if (existing == nullptr || !existing->IsObject() || !value.IsObject()) {
    json::SetMember(target, name, Json(value, alloc), alloc);
    return;
  }
  json::ForEachMember(value, [&](std::string_view member, const Json& v) {
    json::SetMember(*existing, member, Json(v, alloc), alloc);
  });
}

// R4 snapshots type the primitive value elements (Extension.url, Element.id, a primitive's
// value) with a FHIRPath system type (http://hl7.org/fhirpath/System.String) and name the FHIR
// type they stand for in the structuredefinition-fhir-type extension; a differential that names
// that FHIR type ("uri" for Extension.url) names the same type.
bool HasFhirTypeExtension(const Json& element, std::string_view code) {
  const Json* types = json::Member(element, "type");
  if (types == nullptr || !types->IsArray()) return false;
  for (const Json& type : types->GetArray()) {
    const Json* extensions = json::Member(type, "extension");
    if (extensions == nullptr || !extensions->IsArray()) continue;
    for (const Json& extension : extensions->GetArray()) {
      if (json::StringMember(extension, "url") !=
          "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") {
        continue;
      }
      if (json::StringMember(extension, "valueUrl") == code ||
          json::StringMember(extension, "valueUri") == code) {
        return true;
      }
    }
  }
  return false;
}

void CheckTypes(const Json& target, const Json& diff_types, const MergeContext& ctx) {
  const Json* base_types = json::Member(target, "type");
  if (base_types == nullptr || !base_types->IsArray() || base_types->Empty() ||
      !diff_types.IsArray()) {
    return;
  }
  for (const Json& type : diff_types.GetArray()) {
    std::string_view code = json::StringMember(type, "code");
    bool allowed =
        HasTypeCode(target, code) || HasTypeCode(target, "*") || HasFhirTypeExtension(target, code);
    // A resource-typed element (contained, Bundle.entry.resource) may be narrowed to any
    // resource; Element/BackboneElement appear in logical models being constrained.
    for (std::string_view open_type :
         {"Resource", "DomainResource", "Element", "BackboneElement"}) {
      allowed = allowed || HasTypeCode(target, open_type);
    }
    if (!allowed) {
      ReportIssue(ctx, Severity::kError, IssueType::kStructure, kTypeNotInBase,
                  "Type '" + std::string(code) + "' is not one of the types the base allows");
    }
  }
}

void CheckCardinality(const Json& target, const Json& diff, const MergeContext& ctx) {
  const Json* base_min = json::Member(target, "min");
  const Json* min = json::Member(diff, "min");
  if (!ctx.new_slice && base_min != nullptr && min != nullptr && base_min->IsInt() &&
      min->IsInt() && min->GetInt() < base_min->GetInt()) {
    ReportIssue(ctx, Severity::kError, IssueType::kStructure, kMinWidened,
                "min " + std::to_string(min->GetInt()) + " is below the base min " +
                    std::to_string(base_min->GetInt()));
  }
  std::string_view base_max = json::StringMember(target, "max");
  std::string_view max = json::StringMember(diff, "max");
  if (!base_max.empty() && !max.empty() && ParseMax(max) > ParseMax(base_max)) {
    ReportIssue(ctx, Severity::kError, IssueType::kStructure, kMaxWidened,
                "max " + std::string(max) + " is above the base max " + std::string(base_max));
  }
  // R4 eld-2 "Min <= Max" holds for the resulting element: a differential min above the max it
  // inherits (or a max below the min it inherits) leaves an element no instance can meet. When
  // the differential states both, eld-2 on the differential element already says so.
  if ((min == nullptr) == max.empty()) return;
  const Json* effective_min = min != nullptr ? min : base_min;
  std::string_view effective_max = !max.empty() ? max : base_max;
  if (effective_min == nullptr || !effective_min->IsInt() || effective_max.empty()) return;
  long long max_value = ParseMax(effective_max);
  if (max_value >= 0 && effective_min->GetInt() > max_value) {
    ReportIssue(ctx, Severity::kError, IssueType::kStructure, kMinAboveMax,
                "min " + std::to_string(effective_min->GetInt()) + " is above max " +
                    std::string(effective_max));
  }
}

// R4 ElementDefinition.slicing: "Slicing can be used in any resource that has cardinality ..* on
// the base resource, or any resource with a choice of types." The base resource's cardinality is
// the element's `base`; choices ([x]) may be sliced by type whatever their cardinality.
void CheckSlicing(const Json& target, const Json& diff, const MergeContext& ctx) {
  if (json::Member(diff, "slicing") == nullptr) return;
  std::string_view path = json::StringMember(target, "path");
  if (path.size() > 3 && path.substr(path.size() - 3) == "[x]") return;
  std::string_view base_max;
  if (const Json* base = json::Member(target, "base"); base != nullptr && base->IsObject()) {
    base_max = json::StringMember(*base, "max");
  }
  if (base_max.empty()) base_max = json::StringMember(target, "max");
  if (base_max.empty()) return;
  long long value = ParseMax(base_max);
  if (value < 0 || value > 1) return;
  ReportIssue(ctx, Severity::kError, IssueType::kStructure, kSlicingSingle,
              "slicing on an element that does not repeat (max " + std::string(base_max) +
                  " in the base) and is not a choice of types");
}

// R4 BindingStrength "required": "To be conformant, the concept in this element SHALL be from
// the specified value set", and a profile "cannot break the rules established in the base"
// (profiling.html): a required binding cannot be relaxed to extensible, preferred or example,
// which would let through codes the base refuses.
void CheckBinding(const Json& target, const Json& diff, const MergeContext& ctx) {
  const Json* base_binding = json::Member(target, "binding");
  const Json* binding = json::Member(diff, "binding");
  if (base_binding == nullptr || binding == nullptr || !base_binding->IsObject() ||
      !binding->IsObject()) {
    return;
  }
  std::string_view base_strength = json::StringMember(*base_binding, "strength");
  std::string_view strength = json::StringMember(*binding, "strength");
  if (base_strength == "required" && !strength.empty() && strength != "required") {
    ReportIssue(ctx, Severity::kError, IssueType::kBusinessRule, kBindingWeakened,
                "the binding strength cannot be changed from required (the base) to " +
                    std::string(strength));
  }
}

}  // namespace

void ReportIssue(const MergeContext& ctx, Severity severity, IssueType type,
                 std::string_view message_id, std::string message) {
  if (ctx.issues == nullptr) return;
  Issue issue;
  issue.severity = severity;
  issue.type = type;
  issue.message_id = std::string(message_id);
  issue.message = std::move(message);
  issue.expression = std::string(ctx.element_id);
  issue.source = std::string(ctx.sd_url);
  ctx.issues->Report(std::move(issue));
}

bool HasTypeCode(const Json& element, std::string_view code) {
  const Json* types = json::Member(element, "type");
  if (types == nullptr || !types->IsArray()) return false;
  for (const Json& type : types->GetArray()) {
    if (json::StringMember(type, "code") == code) return true;
  }
  return false;
}

long long ParseMax(std::string_view max) {
  if (max == "*") return std::numeric_limits<long long>::max();
  long long value = -1;
  auto [ptr, ec] = std::from_chars(max.data(), max.data() + max.size(), value);
  if (ec != std::errc() || ptr != max.data() + max.size()) return -1;
  return value;
}

void MergeDifferential(Json& target, const Json& diff, Allocator& alloc, const MergeContext& ctx) {
  CheckCardinality(target, diff, ctx);
  if (const Json* types = json::Member(diff, "type")) CheckTypes(target, *types, ctx);
  CheckBinding(target, diff, ctx);
  CheckSlicing(target, diff, ctx);

  json::ForEachMember(diff, [&](std::string_view name, const Json& value) {
    if (name == "id" || name == "path" || name == "base") return;
    if (name == "definition" || name == "comment" || name == "requirements") {
      MergeText(target, name, value, alloc);
    } else if (name == "constraint") {
      MergeConstraints(target, value, alloc, ctx);
    } else if (name == "condition" || name == "alias") {
      UnionStrings(target, name, value, alloc);
    } else if (name == "mapping") {
      Json* existing = json::MutableMember(target, "mapping");
      if (existing != nullptr && existing->IsArray() && value.IsArray()) {
        for (const Json& m : value.GetArray()) existing->PushBack(Json(m, alloc), alloc);
      } else {
        json::SetMember(target, name, Json(value, alloc), alloc);
      }
    } else if (name == "binding" || name == "slicing") {
      MergeObject(target, name, value, alloc);
    } else if (IsValueMember(name)) {
      // One fixed[x]/pattern[x] per element: the profile's replaces the inherited one.
      json::EraseMembersIf(target, IsValueMember);
      target.AddMember(json::MakeString(name, alloc), Json(value, alloc), alloc);
    } else {
      json::SetMember(target, name, Json(value, alloc), alloc);
    }
  });
}

}  // namespace silta::snapshot::internal
