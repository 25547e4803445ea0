#include "mapping/transforms.h"

#include <map>
#include <mutex>

namespace silta::mapping {
namespace {

constexpr std::string_view kOidPrefix = "urn:oid:";

Status Expected(std::string_view transform, std::string_view what) {
  return InvalidArgumentError("transform " + std::string(transform) + ": expected " +
                              std::string(what));
}

// "1.2.246.21" ↔ "urn:oid:1.2.246.21": the record writes OIDs bare, FHIR as URIs.
class OidUrn : public Transform {
 public:
  std::string_view name() const override { return "oid-urn"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv&) const override {
    if (v.kind() != JsonValue::Kind::kString) return Expected(name(), "an OID string");
    return JsonValue::String(std::string(kOidPrefix) + v.text());
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv&) const override {
    if (v.kind() != JsonValue::Kind::kString || !v.text().starts_with(kOidPrefix)) {
      return Expected(name(), "a urn:oid: URI");
    }
    return JsonValue::String(v.text().substr(kOidPrefix.size()));
  }
};

// A part id of another module ↔ a Reference to the resource made of that part. The argument
// names the module; "client" as a record value (e.g. a plan's author) means the client itself.
class PartReference : public Transform {
 public:
  std::string_view name() const override { return "reference"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view module,
                             const TransformEnv& env) const override {
    if (v.kind() != JsonValue::Kind::kString) return Expected(name(), "a part id string");
    JsonValue ref = JsonValue::Object();
    ref["reference"] = v.text() == "client" ? JsonValue::String(env.reference_to("client", ""))
                                            : JsonValue::String(env.reference_to(module, v.text()));
    return ref;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view module,
                               const TransformEnv& env) const override {
    const JsonValue* reference = v.is_object() ? v.Find("reference") : nullptr;
    if (reference == nullptr) return Expected(name(), "a Reference with a reference");
    std::optional<PartRef> part = env.resolve(reference->text());
    if (!part) {
      return InvalidArgumentError("reference \"" + reference->text() +
                                  "\" does not resolve to a resource of the Bundle");
    }
    if (part->module == "client") return JsonValue::String("client");
    if (part->module != module) {
      return InvalidArgumentError("reference \"" + reference->text() + "\" points to a " +
                                  part->module + " resource, expected " + std::string(module));
    }
    return JsonValue::String(part->part_id);
  }
};

// The contract's organisation ref {oid, businessId, name} ↔ a Reference to a contained
// SiltaOrganization carrying both identifiers the profile slices (OID as urn:ietf:rfc:3986 /
// urn:oid:..., business id under Silta's Y-tunnus system) and the name. Contained rather than a
// logical reference because a Reference holds one identifier and the ref may carry two; the
// same organisation used twice in one resource is contained once. The literal "client" (a
// coverage paid by the client) is a Reference to the client's own resource.
class OrganisationRef : public Transform {
 public:
  static constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";
  static constexpr std::string_view kBusinessIdPath = "/sid/y-tunnus";
  static constexpr std::string_view kProfilePath = "/StructureDefinition/silta-organization";

  std::string_view name() const override { return "org-ref"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv& env) const override {
    JsonValue ref = JsonValue::Object();
    if (v.kind() == JsonValue::Kind::kString && v.text() == "client") {
      ref["reference"] = JsonValue::String(env.reference_to("client", ""));
      return ref;
    }
    if (!v.is_object()) return Expected(name(), "an organisation ref object or \"client\"");
    if (!env.contain) return Expected(name(), "a resource to contain the organisation in");
    const JsonValue* oid = v.Find("oid");
    const JsonValue* business_id = v.Find("businessId");
    const JsonValue* display = v.Find("name");
    if (oid == nullptr && business_id == nullptr) return Expected(name(), "an oid or a businessId");
    JsonValue org = JsonValue::Object();
    org["resourceType"] = JsonValue::String("Organization");
    org["meta"]["profile"].Append(
        JsonValue::String(env.canonical_base + std::string(kProfilePath)));
    JsonValue& identifiers = org["identifier"] = JsonValue::Array();
    if (oid != nullptr) {
      JsonValue id = JsonValue::Object();
      id["system"] = JsonValue::String(std::string(kUriSystem));
      id["value"] = JsonValue::String(std::string(kOidPrefix) + oid->text());
      identifiers.Append(std::move(id));
    }
    if (business_id != nullptr) {
      JsonValue id = JsonValue::Object();
      id["system"] = JsonValue::String(BusinessIdSystem(env));
      id["value"] = JsonValue::String(business_id->text());
      identifiers.Append(std::move(id));
    }
    if (display != nullptr) org["name"] = JsonValue::String(display->text());
    ref["reference"] = JsonValue::String(env.contain(std::move(org)));
    if (display != nullptr) ref["display"] = JsonValue::String(display->text());
    return ref;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv& env) const override {
    const JsonValue* reference = v.is_object() ? v.Find("reference") : nullptr;
    if (reference == nullptr || reference->kind() != JsonValue::Kind::kString) {
      return Expected(name(), "a Reference with a reference");
    }
    if (!reference->text().starts_with("#")) {
      std::optional<PartRef> part = env.resolve ? env.resolve(reference->text()) : std::nullopt;
      if (part && part->module == "client") return JsonValue::String("client");
      return Expected(name(), "a reference to a contained Organization or to the client");
    }
    const JsonValue* org = env.find_contained ? env.find_contained(reference->text()) : nullptr;
    if (org == nullptr) {
      return InvalidArgumentError("reference \"" + reference->text() +
                                  "\" names no contained resource");
    }
    JsonValue out = JsonValue::Object();
    if (const JsonValue* identifiers = org->Find("identifier")) {
      for (const auto& id : identifiers->items()) {
        const JsonValue* system = id.Find("system");
        const JsonValue* value = id.Find("value");
        if (system == nullptr || value == nullptr) continue;
        if (system->text() == kUriSystem && value->text().starts_with(kOidPrefix)) {
          out["oid"] = JsonValue::String(value->text().substr(kOidPrefix.size()));
        } else if (system->text() == BusinessIdSystem(env)) {
          out["businessId"] = JsonValue::String(value->text());
        }
      }
    }
    if (out.Find("oid") == nullptr && out.Find("businessId") == nullptr) {
      return Expected(name(), "an Organization identified by OID or Y-tunnus");
    }
    if (const JsonValue* org_name = org->Find("name")) out["name"] = *org_name;
    return out;
  }

 private:
  static std::string BusinessIdSystem(const TransformEnv& env) {
    return env.canonical_base + std::string(kBusinessIdPath);
  }
};

// The contract's money {amount: "12.50", currency} ↔ FHIR Money {value: 12.50, currency}: the
// amount keeps its exact decimal text both ways.
class MoneyTransform : public Transform {
 public:
  std::string_view name() const override { return "money"; }
  StatusOr<JsonValue> ToFhir(const JsonValue& v, std::string_view,
                             const TransformEnv&) const override {
    const JsonValue* amount = v.is_object() ? v.Find("amount") : nullptr;
    const JsonValue* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (amount == nullptr || amount->kind() != JsonValue::Kind::kString || currency == nullptr) {
      return Expected(name(), "{amount: decimal string, currency}");
    }
    JsonValue money = JsonValue::Object();
    money["value"] = JsonValue::Number(amount->text());
    money["currency"] = *currency;
    return money;
  }
  StatusOr<JsonValue> FromFhir(const JsonValue& v, std::string_view,
                               const TransformEnv&) const override {
    const JsonValue* value = v.is_object() ? v.Find("value") : nullptr;
    const JsonValue* currency = v.is_object() ? v.Find("currency") : nullptr;
    if (value == nullptr || value->kind() != JsonValue::Kind::kNumber || currency == nullptr) {
      return Expected(name(), "Money with value and currency");
    }
    JsonValue money = JsonValue::Object();
    money["amount"] = JsonValue::String(value->text());
    money["currency"] = *currency;
    return money;
  }
};

class Registry {
 public:
  Registry() {
    Add(std::make_unique<OidUrn>());
    Add(std::make_unique<PartReference>());
    Add(std::make_unique<OrganisationRef>());
    Add(std::make_unique<MoneyTransform>());
  }
  void Add(std::unique_ptr<Transform> t) {
    std::lock_guard lock(mu_);
    std::string key(t->name());
    transforms_[key] = std::move(t);
  }
  const Transform* Find(std::string_view name) {
    std::lock_guard lock(mu_);
    auto it = transforms_.find(std::string(name));
    return it == transforms_.end() ? nullptr : it->second.get();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Transform>> transforms_;
};

Registry& GlobalRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace

const Transform* FindTransform(std::string_view name) { return GlobalRegistry().Find(name); }

void RegisterTransform(std::unique_ptr<Transform> transform) {
  GlobalRegistry().Add(std::move(transform));
}

}  // namespace silta::mapping
